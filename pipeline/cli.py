"""The `reform-facts` command. The only module that prints, with cli_annotate.py (its `annotate`)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from reform_facts import paths

from reform_facts.pipeline import cli_annotate
from reform_facts.claim import CONTRACT_FIELDS, EXTRACTOR_FIELDS
from reform_facts.errors import ReformFactsError
from reform_facts.readers import MAX_BYTES, Failure, read_all

PROGRESS_MIN_FILES = 5


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except ReformFactsError as error:
        print(f"reform-facts: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reform-facts", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    extract = sub.add_parser("extract", help="print the numeric claims of files as JSON lines")
    extract.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    extract.add_argument("--extractor", default="rules", help="extractor name (default: rules)")
    extract.add_argument("--max-bytes", type=int, default=MAX_BYTES,
                         help=f"refuse files larger than this many bytes (default {MAX_BYTES}, 20 MiB)")
    extract.set_defaults(command=cmd_extract)

    run = sub.add_parser("run", help="the main job: the Prefect main flow (read, extract, load the "
                         "warehouse, score on the gold set)")
    run.add_argument("paths", nargs="*", type=Path, default=[paths.CORPUS_DIR], metavar="PATH")
    run.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                     help="extractor to run (repeatable; default: all)")
    run.add_argument("--db", type=Path, help="the DuckDB warehouse (default: warehouse/reform_facts.duckdb)")
    run.add_argument("--cache-dir", type=Path, help="cached extraction results (default: .cache/prefect)")
    run.add_argument("--task-runner", choices=["threads", "dask"],
                     help="where extraction tasks run (default: threads; dask when a Dask option is given)")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--dask-address", metavar="ADDR", help="scheduler of an existing Dask cluster")
    where.add_argument("--dask-workers", type=int, metavar="N", help="a local Dask cluster of N worker processes")
    run.add_argument("--evaluate", action="store_true",
                     help="then score the extractors on the gold set and record the scores in the warehouse")
    run.set_defaults(command=cmd_run)

    evaluate = sub.add_parser("evaluate", help="score extractors against the gold set")
    evaluate.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                          help="extractor to score (repeatable; default: all)")
    evaluate.add_argument("--gold", type=Path, default=paths.GOLD_DIR)
    evaluate.add_argument("--corpus", type=Path, default=paths.CORPUS_DIR)
    evaluate.add_argument("--errors", action="store_true", help="list every error with its sentence")
    evaluate.add_argument("--json", action="store_true", help="print the results as JSON")
    evaluate.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (0: none)")
    evaluate.add_argument("--split", choices=["dev", "test"], default="dev",
                          help="which gold documents: dev (default) or the sealed test split (gold/split.json)")
    evaluate.add_argument("--unseal", action="store_true",
                          help="with --split test: also list the test split's errors (not for tuning)")
    evaluate.set_defaults(command=cmd_evaluate)

    validate = sub.add_parser("validate-gold", help="check the gold set against the corpus")
    validate.add_argument("--gold", type=Path, default=paths.GOLD_DIR)
    validate.add_argument("--corpus", type=Path, default=paths.CORPUS_DIR)
    validate.set_defaults(command=cmd_validate_gold)

    agreement = sub.add_parser("agreement", help="agreement between two labellings of the same documents")
    agreement.add_argument("first", type=Path, help="gold JSONL file or folder (the reference)")
    agreement.add_argument("second", type=Path, help="the other labelling, same documents")
    agreement.set_defaults(command=cmd_agreement)

    fetch = sub.add_parser("fetch-model", help="obtain and verify the pkuseg segmentation model")
    fetch.add_argument("--force", action="store_true")
    fetch.set_defaults(command=cmd_fetch_model)

    train = sub.add_parser("train", help="train the spaCy extractor's pipeline on the gold set (first use does it too)")
    train.add_argument("--folds", action="store_true", help="also the cross-validation folds, one per gold document")
    train.set_defaults(command=cmd_train)
    _add_report_commands(sub)
    _add_warehouse_commands(sub)
    return parser


def _add_warehouse_commands(sub) -> None:
    """`query` (read-only SQL over the warehouse) and `export` (every table and view as Parquet)."""
    from reform_facts.warehouse.queries import FORMATS
    from reform_facts.warehouse.store import DEFAULT_DB

    query = sub.add_parser("query", help="run read-only SQL on the warehouse (see warehouse/README.md)")
    query.add_argument("sql", metavar="SQL")
    query.add_argument("--format", choices=FORMATS, default="table",
                       help="table (default; long cells cut), csv, json (one object a line), parquet")
    query.add_argument("--output", type=Path, metavar="FILE", help="write here instead of standard output")
    query.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="PATH")
    query.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                       help="how long to wait while a load holds the file (default 30)")
    query.set_defaults(command=cmd_query)

    export = sub.add_parser("export", help="write every warehouse table and view as DIR/NAME.parquet")
    export.add_argument("directory", type=Path, metavar="DIR")
    export.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="PATH")
    export.add_argument("--wait", type=float, default=30.0, metavar="SECONDS")
    export.set_defaults(command=cmd_export)


def _add_report_commands(sub) -> None:
    """`report` (the evaluator's HTML report) and `annotate export|import` (Label Studio)."""
    report = sub.add_parser("report", help="score extractors and write the HTML evaluation report")
    report.add_argument("--output", type=Path, default=paths.BUILD_DIR / "report.html")
    report.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                        help="extractor to score (repeatable; default: all)")
    report.add_argument("--db", type=Path,
                        help="warehouse holding past evaluations (default: warehouse/reform_facts.duckdb)")
    report.add_argument("--gold", type=Path, default=paths.GOLD_DIR)
    report.add_argument("--corpus", type=Path, default=paths.CORPUS_DIR)
    report.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (0: none)")
    report.set_defaults(command=cmd_report)
    cli_annotate.add_commands(sub)


def _progress(items, *, total: int):
    if sys.stderr.isatty() and total >= PROGRESS_MIN_FILES:
        from tqdm import tqdm
        return tqdm(items, total=total, unit="file", file=sys.stderr)
    return items


def cmd_extract(args: argparse.Namespace) -> int:
    from reform_facts.extractors import registry
    from reform_facts.readers import expand_paths

    extractor = registry.get(args.extractor)
    keys = CONTRACT_FIELDS + EXTRACTOR_FIELDS
    # expand once up front: the count drives the progress bar, and files are then read one by one
    listed = list(expand_paths(args.paths))
    failures: list[Failure] = [item for item in listed if isinstance(item, Failure)]
    files = [item for item in listed if not isinstance(item, Failure)]
    out = sys.stdout
    for item in _progress(read_all(files, max_bytes=args.max_bytes), total=len(files)):
        if isinstance(item, Failure):
            failures.append(item)
            continue
        for claim in extractor(registry.describe(item)):
            out.write(json.dumps(claim.to_record(keys=keys), ensure_ascii=False) + "\n")
    out.flush()
    for failure in failures:
        print(f"reform-facts: {failure}", file=sys.stderr)
    return 1 if failures else 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run the main flow, print what it loaded.

    Without PREFECT_API_URL Prefect runs in its ephemeral mode: it starts a temporary server for
    this process and stops it when the process ends. A server the user started
    (`prefect server start`) is used when PREFECT_API_URL names it.
    """
    # Imported here: Prefect's import costs a second that `extract` and `query` do not need.
    from reform_facts.pipeline.flows import reform_facts_pipeline

    if args.task_runner == "dask" and not (args.dask_address or args.dask_workers):
        args.dask_workers = os.cpu_count() or 1
    elif args.task_runner == "threads" and (args.dask_address or args.dask_workers):
        raise ReformFactsError("--dask-address and --dask-workers need --task-runner dask")
    state = reform_facts_pipeline(
        paths=[str(p.resolve()) for p in args.paths], extractors=args.extractors,
        db=str(args.db.resolve()) if args.db else None, evaluate_gold=args.evaluate,
        dask_address=args.dask_address, dask_workers=args.dask_workers,
        cache_dir=str(args.cache_dir.resolve()) if args.cache_dir else None, return_state=True)
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, BaseException):
        raise outcome
    for row in sorted(outcome.rows, key=lambda r: (r.doc_id, r.extractor)):
        print(f"{row.doc_id}  {row.extractor:<8} {row.claims:>5} claims{'  (cached)' if row.cached else ''}")
    cached = sum(row.cached for row in outcome.rows)
    print(f"loaded {outcome.claims} claims into {outcome.db} (run {outcome.run_id}; "
          f"{cached} of {len(outcome.rows)} extractions from cache)")
    if outcome.report is not None:
        print(outcome.report.table())
    for failure in outcome.failures:
        print(f"reform-facts: {failure}", file=sys.stderr)
    return 1 if outcome.failures else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from reform_facts.evaluation import evaluate as evaluation

    if args.errors and args.split == "test" and not args.unseal:
        raise ReformFactsError("the test split is sealed: its errors are listed only with --unseal")
    report = evaluation.run(extractors=args.extractors, gold_dir=args.gold, corpus_dir=args.corpus,
                            resamples=args.bootstrap, split=args.split)
    if args.json:
        print(json.dumps(report.to_json(errors=args.errors), ensure_ascii=False, indent=2))
    else:
        print(report.table())
        if args.errors:
            print(report.error_listing())
    return 0


def cmd_validate_gold(args: argparse.Namespace) -> int:
    from reform_facts.gold import validate_gold

    problems = validate_gold(args.gold, args.corpus)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from reform_facts.evaluation import scoring
    from reform_facts.gold import load_claims

    score = scoring.evaluate(load_claims(args.second), load_claims(args.first)).score
    print(f"mention P/R/F1  {score.precision:.3f} / {score.recall:.3f} / {score.f1:.3f}  "
          f"({score.pairs} pairs)")
    print(f"claim F1         {score.claim_f1:.3f}")
    for name in scoring.FIELDS:
        print(f"{name:<17}{score.accuracy(name):.3f}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from reform_facts.evaluation import evaluate as evaluation, report
    from reform_facts.warehouse.store import DEFAULT_DB

    scored = evaluation.run(extractors=args.extractors, gold_dir=args.gold, corpus_dir=args.corpus,
                            resamples=args.bootstrap)
    path = report.write_report(scored, args.output, corpus_dir=args.corpus, db_path=args.db or DEFAULT_DB)
    print(f"wrote {path}")
    return 0


def cmd_fetch_model(args: argparse.Namespace) -> int:
    from reform_facts.extractors.models import fetch_pkuseg

    print(fetch_pkuseg(force=args.force))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import time

    from reform_facts.extractors import training

    for held_out in training.training_sets(folds=args.folds):
        trained = training.is_trained(held_out)
        started = time.perf_counter()
        path = training.ensure_model(held_out)
        took = "already trained" if trained else f"trained in {time.perf_counter() - started:.0f} s"
        print(f"{path}  {took}" + (f"  (without {', '.join(held_out)})" if held_out else ""))
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from reform_facts.warehouse import queries

    if args.format == "parquet":
        if args.output is None:
            print("reform-facts: --format parquet needs --output FILE", file=sys.stderr)
            return 2
        count = queries.query_to_parquet(args.db, args.sql, args.output, wait_seconds=args.wait)
        print(f"wrote {count} rows to {args.output}", file=sys.stderr)
        return 0
    rows = queries.query(args.db, args.sql, wait_seconds=args.wait)
    render = {"table": queries.as_table, "csv": queries.as_csv, "json": queries.as_json_lines}[args.format]
    text = render(rows)
    if args.format == "table":
        text += "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {len(rows.rows)} rows to {args.output}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from reform_facts.warehouse.queries import export

    for name, count in export(args.db, args.directory, wait_seconds=args.wait).items():
        print(f"{args.directory / (name + '.parquet')}  {count} rows")
    return 0


def console() -> int:
    """The `reform-facts` command."""
    return main()


if __name__ == "__main__":
    sys.exit(console())
