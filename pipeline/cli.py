"""The `reform-facts` command. The only module that prints, with cli_annotate.py (its `annotate`)."""
from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from reform_facts import ROOT, cli_annotate
from reform_facts.claim import CONTRACT_FIELDS, EXTRACTOR_FIELDS
from reform_facts.errors import ReformFactsError
from reform_facts.readers import MAX_BYTES, Failure, read_all

PROGRESS_MIN_FILES = 5
KEEP_SERVER_MINUTES = 15.0  # how long a run's local Prefect server waits, idle, for the next run


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
    run.add_argument("paths", nargs="*", type=Path, default=[ROOT / "corpus"], metavar="PATH")
    run.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                     help="extractor to run (repeatable; default: all)")
    run.add_argument("--db", type=Path, help="the DuckDB warehouse (default: warehouse/reform_facts.duckdb)")
    run.add_argument("--cache-dir", type=Path, help="cached extraction results (default: .cache/prefect)")
    run.add_argument("--task-runner", choices=["threads", "dask"],
                     help="where extraction tasks run (default: threads; dask when a Dask option is given)")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--dask-address", metavar="ADDR", help="scheduler of an existing Dask cluster")
    where.add_argument("--dask-workers", type=int, metavar="N", help="a local Dask cluster of N worker processes")
    run.add_argument("--no-evaluate", dest="evaluate", action="store_false", help="skip scoring on the gold set")
    run.add_argument("--keep-server", type=float, metavar="MINUTES", default=_keep_server_default(),
                     help="keep the local Prefect server for later runs until idle this long; 0: a "
                     "temporary server for this run only (default: $REFORM_FACTS_KEEP_SERVER or "
                     f"{KEEP_SERVER_MINUTES:g}; no server is started when PREFECT_API_URL names one)")
    run.set_defaults(command=cmd_run)

    server = sub.add_parser("server", help="the local Prefect server `run` keeps between runs")
    server.add_argument("action", choices=["start", "status", "stop"])
    server.add_argument("--keep-server", type=float, metavar="MINUTES", default=_keep_server_default(),
                        help="start: how long it waits, idle, for runs (default as for `run`)")
    server.set_defaults(command=cmd_server)

    evaluate = sub.add_parser("evaluate", help="score extractors against the gold set")
    evaluate.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                          help="extractor to score (repeatable; default: all)")
    evaluate.add_argument("--gold", type=Path, default=ROOT / "gold")
    evaluate.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    evaluate.add_argument("--errors", action="store_true", help="list every error with its sentence")
    evaluate.add_argument("--json", action="store_true", help="print the results as JSON")
    evaluate.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (0: none)")
    evaluate.set_defaults(command=cmd_evaluate)

    validate = sub.add_parser("validate-gold", help="check the gold set against the corpus")
    validate.add_argument("--gold", type=Path, default=ROOT / "gold")
    validate.add_argument("--corpus", type=Path, default=ROOT / "corpus")
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
    train.add_argument("--measure", action="store_true",
                       help="then print the user-dictionary and throughput measurements of the spaCy pipeline")
    train.set_defaults(command=cmd_train)
    _add_report_commands(sub)
    _add_warehouse_commands(sub)
    return parser


def _add_warehouse_commands(sub) -> None:
    """`query` (read-only SQL over the warehouse) and `export` (every table and view as Parquet)."""
    from warehouse.queries import FORMATS
    from warehouse.store import DEFAULT_DB

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
    report.add_argument("--output", type=Path, default=ROOT / "build" / "report.html")
    report.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                        help="extractor to score (repeatable; default: all)")
    report.add_argument("--db", type=Path,
                        help="warehouse holding past evaluations (default: warehouse/reform_facts.duckdb)")
    report.add_argument("--gold", type=Path, default=ROOT / "gold")
    report.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    report.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (0: none)")
    report.set_defaults(command=cmd_report)
    cli_annotate.add_commands(sub)


def _progress(items, *, total: int):
    if sys.stderr.isatty() and total >= PROGRESS_MIN_FILES:
        from tqdm import tqdm
        return tqdm(items, total=total, unit="file", file=sys.stderr)
    return items


def cmd_extract(args: argparse.Namespace) -> int:
    from extractors import registry
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
    """Run the main flow against a local Prefect server it starts itself (or finds, kept from an
    earlier run; or the API the settings name), print what it loaded."""
    from pipeline import local_api

    local_api.set_defaults()
    if args.task_runner == "dask" and not (args.dask_address or args.dask_workers):
        args.dask_workers = os.cpu_count() or 1
    elif args.task_runner == "threads" and (args.dask_address or args.dask_workers):
        raise ReformFactsError("--dask-address and --dask-workers need --task-runner dask")
    from contextlib import nullcontext

    server = local_api.start(args.keep_server)  # the local server, starting before Prefect is imported
    if args.dask_workers:  # and the fork server of the Dask workers, loading the extractors meanwhile
        from pipeline.runners import start_worker_server

        start_worker_server(args.extractors)
    from pipeline.flows import reform_facts_pipeline, warm_up

    if server:  # while the server starts; Dask workers build their own extractors
        warm_up(args.extractors, versions=not (args.dask_address or args.dask_workers))
    with server.serving() if server else nullcontext():
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


def _keep_server_default() -> float:
    value = os.environ.get("REFORM_FACTS_KEEP_SERVER", KEEP_SERVER_MINUTES)
    try:
        return float(value)
    except ValueError:
        raise SystemExit(f"reform-facts: REFORM_FACTS_KEEP_SERVER={value!r} is not a number of minutes") from None


def cmd_server(args: argparse.Namespace) -> int:
    """Start, report on or stop the local Prefect server of this Prefect home (`run --keep-server`)."""
    from pipeline import kept_server, local_api

    home = kept_server.prefect_home()
    if args.action == "start":
        local_api.start_kept(args.keep_server)
    record = kept_server.stop(home) if args.action == "stop" else kept_server.read(home)
    if record is None or (args.action == "status" and not kept_server.running(record)):
        print(f"no local Prefect server running for {home}")
    else:
        print(f"{'stopped' if args.action == 'stop' else 'running'}: {record.api_url} (pid {record.pid}, "
              f"ends after {record.idle_minutes:g} idle minutes; Prefect home {home})")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from reform_facts import evaluation

    report = evaluation.run(extractors=args.extractors, gold_dir=args.gold, corpus_dir=args.corpus,
                            resamples=args.bootstrap)
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
    from reform_facts import scoring
    from reform_facts.gold import load_claims

    score = scoring.evaluate(load_claims(args.second), load_claims(args.first)).score
    print(f"mention P/R/F1  {score.precision:.3f} / {score.recall:.3f} / {score.f1:.3f}  "
          f"({score.pairs} pairs)")
    print(f"claim F1         {score.claim_f1:.3f}")
    for name in scoring.FIELDS:
        print(f"{name:<17}{score.accuracy(name):.3f}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from reform_facts import evaluation, report
    from warehouse.store import DEFAULT_DB

    scored = evaluation.run(extractors=args.extractors, gold_dir=args.gold, corpus_dir=args.corpus,
                            resamples=args.bootstrap)
    path = report.write_report(scored, args.output, corpus_dir=args.corpus, db_path=args.db or DEFAULT_DB)
    print(f"wrote {path}")
    return 0


def cmd_fetch_model(args: argparse.Namespace) -> int:
    from reform_facts.models import fetch_pkuseg

    print(fetch_pkuseg(force=args.force))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import time

    from extractors import training

    for held_out in training.training_sets(folds=args.folds):
        trained = training.is_trained(held_out)
        started = time.perf_counter()
        path = training.ensure_model(held_out)
        took = "already trained" if trained else f"trained in {time.perf_counter() - started:.0f} s"
        print(f"{path}  {took}" + (f"  (without {', '.join(held_out)})" if held_out else ""))
    if args.measure:
        from extractors.spacy_extractor import throughput

        for row in training.segmentation_alignment():
            print(f"user dictionary {'+'.join(row['groups']) or 'none':<26} gold spans on token boundaries: "
                  f"quantities {row['quantity']:.3f}, indicators {row['indicator']:.3f}; rule spans {row['rule_spans']:.3f}")
        speed = throughput()
        print(f"throughput on {speed['chars']} characters, median of {speed['runs']} runs: "
              f"pkuseg cut {speed['pkuseg']:.3f} s, spacy extractor {speed['spacy']:.3f} s "
              f"({speed['spacy'] / speed['pkuseg']:.2f}x segmentation, {speed['chars'] / speed['spacy']:,.0f} chars/s)")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from warehouse import queries

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
    from warehouse.queries import export

    for name, count in export(args.db, args.directory, wait_seconds=args.wait).items():
        print(f"{args.directory / (name + '.parquet')}  {count} rows")
    return 0


def console() -> int:
    """The `reform-facts` command: `main`, then a quick end to the process.

    Once `main` has returned and Prefect's workers and every exit handler have run, the
    interpreter's teardown of what a command loaded (Prefect, pandas, a spaCy pipeline) takes
    0.6 s of a run and does nothing for the user, so the process ends there. An uncaught error
    keeps Python's own exit."""
    status: list[int] = []
    atexit.register(_end, status)  # registered first: runs after every other exit handler
    status.append(main())
    return status[0]


def _end(status: list[int]) -> None:
    if not status:
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # closed, or a broken pipe: nothing left to write
            stream.flush()
    os._exit(status[0])


if __name__ == "__main__":
    sys.exit(console())
