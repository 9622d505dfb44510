"""The `reform-facts` command. The only module that prints, with cli_annotate.py (its `annotate`).

Each command's exit statuses are in `EXIT_CODES`: its `--help` shows them and docs/cli.md
lists them (a test keeps the two the same).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from reform_facts import paths
from reform_facts.claim import CONTRACT_FIELDS, EXTRACTOR_FIELDS, Document
from reform_facts.errors import ReformFactsError
from reform_facts.evaluation import evaluate as evaluation, scoring
from reform_facts.extractors import model_digest, registry
from reform_facts.extractors.models import fetch_pkuseg
from reform_facts.gold import load_claims, validate_gold
from reform_facts.pipeline import cli_annotate, cli_show, progress, summary
from reform_facts.pipeline.reading import read_one, read_stream, refuse_duplicate_ids
from reform_facts.readers import MAX_BYTES, Failure, expand_paths
from reform_facts.readers.files import json_shown, shown
from reform_facts.warehouse import queries
from reform_facts.warehouse.store import DEFAULT_DB

# Imported inside the commands that need them, and only there: Prefect (`run`: pipeline.flows
# and pipeline.server, about a second), spaCy (`train`: extractors.training) and pandas
# (`report`: evaluation.report). `--help`, `extract` and `query` never load them.

PROGRESS_MIN_FILES = 5
DESCRIPTION = """Numeric claims from Chinese health-reform documents: extract them, load them into a DuckDB
warehouse, score the extractors on the gold set. `reform-facts COMMAND --help` tells more."""

_USAGE = "refused, one line on standard error says why: a bad option or value, an unknown extractor"
# The warehouse's faults (reform_facts.errors, each error's exit_code), for the commands that open it.
WAREHOUSE_EXITS: dict[int, str] = {
    3: "the warehouse file is not a DuckDB database, or is damaged",
    4: "the warehouse stayed locked by another process for longer than the wait",
    5: "no room to write (disk full): nothing was written, the next run succeeds once there is room",
    6: "permission denied: the warehouse or an output folder cannot be read or written",
}
_INTERRUPTED = "interrupted (Ctrl-C or SIGINT), one line on standard error; what was written stays written"
# Per command: exit status -> what it means. Shown by `--help` and listed in docs/cli.md.
EXIT_CODES: dict[str, dict[int, str]] = {
    "extract": {0: "every file was read", 1: "a file was refused (named on standard error); "
                "the others were printed", 2: _USAGE},
    "run": {0: "every file was read, extracted and loaded", 1: "a file or an extraction failed (named on "
            "standard error); the others were loaded", 2: _USAGE + ", a broken warehouse, Prefect's temporary "
            "server did not start", **WAREHOUSE_EXITS,
            5: WAREHOUSE_EXITS[5] + "; or the temporary folder (TMPDIR) has no room for the run's files",
            6: WAREHOUSE_EXITS[6] + "; or the temporary folder (TMPDIR) cannot be written",
            130: "interrupted (Ctrl-C or SIGINT), one line on standard error: nothing of this run was loaded; "
            "a rerun takes the finished extractions from the cache"},
    "evaluate": {0: "scored", 2: _USAGE + ", --errors on the sealed test split without --unseal"},
    "validate-gold": {0: "no problem found", 1: "problems found, one a line on standard error", 2: _USAGE},
    "agreement": {0: "compared", 2: _USAGE},
    "fetch-model": {0: "the model is in place", 2: _USAGE + ", a model that cannot be obtained"},
    "train": {0: "the pipelines are trained", 2: _USAGE},
    "report": {0: "the report was written", 2: _USAGE, **WAREHOUSE_EXITS},
    "query": {0: "the rows were written", 2: _USAGE + ", SQL DuckDB refuses, no warehouse yet", **WAREHOUSE_EXITS,
              7: "the SQL reaches outside the warehouse or would change it (COPY, ATTACH, file reads, ...)"},
    "export": {0: "every table and view was written", 2: _USAGE + ", no warehouse yet", **WAREHOUSE_EXITS},
    "annotate": {0: "written", 1: "export: a file was refused (named on standard error), the others "
                 "written; import: problems found (on standard error), nothing written", 2: _USAGE},
    "show": {0: "the page was written", 2: _USAGE + ", a document or gold claims that "
             "cannot be had"},
}
_INTERNAL = ("an unexpected error (a bug in reform-facts): one line on standard error; `reform-facts --debug "
             "COMMAND ...` shows its Python traceback")
for _codes in EXIT_CODES.values():  # Ctrl-C and a bug end every command alike (main)
    _codes.setdefault(70, _INTERNAL)
    _codes.setdefault(130, _INTERRUPTED)


def _epilog(command: str) -> str:
    codes = EXIT_CODES[command]
    return "exit status:\n" + "\n".join(f"  {code}  {text}" for code, text in codes.items())


def _command(sub, name: str, **options: Any) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with its exit statuses."""
    return sub.add_parser(name, epilog=_epilog(name), formatter_class=argparse.RawDescriptionHelpFormatter,
                          **options)


def version_text() -> str:
    """The package's version and each registered extractor's (`registry.version`: no model is loaded)."""
    lines = [f"reform-facts {metadata.version('reform-facts')}"]
    lines += [f"  {name:<8} {registry.version(name)}" for name in registry.names()]
    return "\n".join(lines)


class _Version(argparse.Action):
    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the package's version and each extractor's, then exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(version_text())
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    # pypdf logs its repairs of a damaged file as warnings; the reader reports the file once
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except ReformFactsError as error:
        if args.debug:
            raise
        print(f"reform-facts: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)  # the warehouse's faults have their own (docs/cli.md)
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:  # Ctrl-C: what was written stays; a rerun takes what was cached
        print("reform-facts: interrupted", file=sys.stderr)
        return 130
    except OSError as error:  # the output cannot be written (a full disk, /dev/full)
        if args.debug:
            raise
        print(f"reform-facts: {shown(error.filename or 'output')}: {error.strerror or error}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug: one line for the user, the traceback on --debug
        if args.debug:
            raise
        print(f"reform-facts: unexpected error {type(error).__name__}: {shown(str(error))[:300]} (a bug; "
              "`reform-facts --debug ...` shows where)", file=sys.stderr)
        return 70


def _parser() -> argparse.ArgumentParser:
    return _parsers()[0]


def command_parsers() -> dict[str, argparse.ArgumentParser]:
    """Each command's parser, by name (what a test walks to check the help of every option)."""
    return dict(_parsers()[1].choices)


def _parsers() -> tuple[argparse.ArgumentParser, Any]:
    parser = argparse.ArgumentParser(prog="reform-facts", description=DESCRIPTION)
    parser.add_argument("--version", action=_Version)
    parser.add_argument("--debug", action="store_true",
                        help="let an error end in its Python traceback instead of one line")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    extract = _command(sub, "extract", help="print the numeric claims of files as JSON lines")
    extract.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                         help="files (.txt .md .html .docx .pdf) and folders; - reads plain text from "
                         "standard input (read first)")
    extract.add_argument("--extractor", default="rules", metavar="NAME", help="extractor name (default: rules)")
    extract.add_argument("--doc-id", default="stdin", metavar="ID",
                         help="the document id of what `-` reads (default: stdin)")
    extract.add_argument("--max-bytes", type=int, default=MAX_BYTES, metavar="N",
                         help=f"refuse files larger than this many bytes (default {MAX_BYTES}, 20 MiB)")
    extract.set_defaults(command=cmd_extract)

    run = _command(sub, "run", help="the main job: the Prefect main flow (read, extract, load the "
                   "warehouse; score on the gold set with --evaluate)")
    run.add_argument("paths", nargs="*", type=Path, default=[paths.CORPUS_DIR], metavar="PATH",
                     help="files and folders to read (default: corpus/)")
    run.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                     help="extractor to run (repeatable; default: all)")
    run.add_argument("--db", type=Path, metavar="FILE",
                     help="the DuckDB warehouse (default: warehouse/reform_facts.duckdb)")
    run.add_argument("--cache-dir", type=Path, metavar="DIR",
                     help="cached extraction results (default: .cache/extractions)")
    run.add_argument("--task-runner", choices=["threads", "dask"],
                     help="where extraction tasks run (default: threads; dask when a Dask option is given)")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--dask-address", metavar="ADDR", help="scheduler of an existing Dask cluster")
    where.add_argument("--dask-workers", type=int, metavar="N", help="a local Dask cluster of N worker processes")
    run.add_argument("--evaluate", action="store_true",
                     help="then score the extractors on the gold set and record the scores in the warehouse")
    run.add_argument("--report", type=Path, metavar="FILE",
                     help="with --evaluate (implied): also write the HTML evaluation report to FILE")
    loudness = run.add_mutually_exclusive_group()
    loudness.add_argument("--verbose", action="store_true",
                       help="also show Prefect's log lines (always in the run's log in Prefect)")
    loudness.add_argument("--quiet", action="store_true",
                       help="no progress bars and no summary: failures and warnings only")
    run.add_argument("--json", action="store_true",
                     help="print the summary as one JSON object on standard output")
    run.set_defaults(command=cmd_run)

    evaluate = _command(sub, "evaluate", help="score extractors against the gold set")
    evaluate.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                          help="extractor to score (repeatable; default: all)")
    evaluate.add_argument("--gold", type=Path, default=paths.GOLD_DIR, metavar="DIR",
                          help="the gold set (default: gold/)")
    evaluate.add_argument("--corpus", type=Path, default=paths.CORPUS_DIR, metavar="DIR",
                          help="where the bundled gold documents are (default: corpus/)")
    evaluate.add_argument("--errors", action="store_true", help="list every error with its sentence")
    evaluate.add_argument("--json", action="store_true", help="print the results as JSON")
    evaluate.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples (0: none)")
    evaluate.add_argument("--split", choices=["dev", "test"], default="dev",
                          help="which gold documents: dev (default) or the sealed test split (gold/split.json)")
    evaluate.add_argument("--unseal", action="store_true",
                          help="with --split test: also list the test split's errors (not for tuning)")
    evaluate.set_defaults(command=cmd_evaluate)

    validate = _command(sub, "validate-gold", help="check the gold set against the corpus")
    validate.add_argument("--gold", type=Path, default=paths.GOLD_DIR, metavar="DIR",
                          help="the gold set (default: gold/)")
    validate.add_argument("--corpus", type=Path, default=paths.CORPUS_DIR, metavar="DIR",
                          help="where the bundled gold documents are (default: corpus/)")
    validate.set_defaults(command=cmd_validate_gold)

    agreement = _command(sub, "agreement", help="agreement between two labellings of the same documents")
    agreement.add_argument("first", type=Path, help="gold JSONL file or folder (the reference)")
    agreement.add_argument("second", type=Path, help="the other labelling, same documents")
    agreement.set_defaults(command=cmd_agreement)

    fetch = _command(sub, "fetch-model", help="obtain and verify the pkuseg segmentation model")
    fetch.add_argument("--force", action="store_true", help="obtain it again even when it is in place")
    fetch.set_defaults(command=cmd_fetch_model)

    train = _command(sub, "train", help="train the spaCy extractor's pipeline on the gold set (first use does it too)")
    train.add_argument("--folds", action="store_true", help="also the cross-validation models, one per fold of the dev split (5 folds), one per core at once")
    train.set_defaults(command=cmd_train)
    _add_report_commands(sub)
    _add_warehouse_commands(sub)
    for name, command in sub.choices.items():  # commands built elsewhere (annotate, show) too
        if name in EXIT_CODES and not command.epilog:
            command.epilog, command.formatter_class = _epilog(name), argparse.RawDescriptionHelpFormatter
    return parser, sub


def _add_warehouse_commands(sub) -> None:
    """`query` (read-only SQL over the warehouse) and `export` (every table and view as Parquet)."""
    query = _command(sub, "query", help="run read-only SQL on the warehouse (see warehouse/README.md)")
    query.add_argument("sql", metavar="SQL", help="one SELECT statement over the tables and views")
    query.add_argument("--format", choices=queries.FORMATS, default="table",
                       help="table (default; long cells cut), csv, json (one object a line), parquet")
    query.add_argument("--output", type=Path, metavar="FILE", help="write here instead of standard output")
    query.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="PATH",
                       help="the DuckDB warehouse (default: warehouse/reform_facts.duckdb)")
    query.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                       help="how long to wait while a load holds the file (default 30)")
    query.set_defaults(command=cmd_query)

    export = _command(sub, "export", help="write every warehouse table and view as DIR/NAME.parquet")
    export.add_argument("directory", type=Path, metavar="DIR", help="the folder to write into (made if missing)")
    export.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="PATH",
                        help="the DuckDB warehouse (default: warehouse/reform_facts.duckdb)")
    export.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                        help="how long to wait while a load holds the file (default 30)")
    export.set_defaults(command=cmd_export)


def _add_report_commands(sub) -> None:
    """`report` (the evaluator's HTML report) and `annotate export|import` (Label Studio)."""
    report = _command(sub, "report", help="score extractors and write the HTML evaluation report")
    report.add_argument("--output", type=Path, default=paths.BUILD_DIR / "report.html", metavar="FILE",
                        help="where the report goes (default: build/report.html)")
    report.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                        help="extractor to score (repeatable; default: all)")
    report.add_argument("--db", type=Path,
                        help="warehouse holding past evaluations (default: warehouse/reform_facts.duckdb)")
    report.add_argument("--gold", type=Path, default=paths.GOLD_DIR, metavar="DIR",
                        help="the gold set (default: gold/)")
    report.add_argument("--corpus", type=Path, default=paths.CORPUS_DIR, metavar="DIR",
                        help="where the bundled gold documents are (default: corpus/)")
    report.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples (0: none)")
    report.set_defaults(command=cmd_report)
    cli_annotate.add_commands(sub)
    cli_show.add_commands(sub)


def _progress(items, *, total: int):
    if sys.stderr.isatty() and total >= PROGRESS_MIN_FILES:
        return tqdm(items, total=total, unit="file", file=sys.stderr)
    return items


def cmd_extract(args: argparse.Namespace) -> int:
    extractor = registry.get(args.extractor)
    from_stdin = any(str(path) == "-" for path in args.paths)
    if args.doc_id != "stdin" and not from_stdin:
        raise ReformFactsError("--doc-id names the document read from standard input: give - as a PATH")
    keys = CONTRACT_FIELDS + EXTRACTOR_FIELDS
    # expand once up front: the count drives the progress bar, and files are then read one by one
    listed = list(expand_paths(path for path in args.paths if str(path) != "-"))
    failures: list[Failure] = [item for item in listed if isinstance(item, Failure)]
    files = [item for item in listed if not isinstance(item, Failure)]

    def documents() -> Iterator[Document | Failure]:
        if from_stdin:
            yield read_stream(sys.stdin.buffer, doc_id=args.doc_id, max_bytes=args.max_bytes)
        for path in files:
            yield read_one(str(path), max_bytes=args.max_bytes)

    out = sys.stdout
    items = refuse_duplicate_ids(documents())  # the same refusal as `run`'s
    for item in _progress(items, total=len(files) + from_stdin):
        if isinstance(item, Failure):
            failures.append(item)
            continue
        for claim in extractor(item):
            out.write(json_shown(json.dumps(claim.to_record(keys=keys), ensure_ascii=False)) + "\n")
    out.flush()
    for failure in failures:
        print(f"reform-facts: {failure}", file=sys.stderr)
    return 1 if failures else 0


# Prefect's console handler, set through Prefect's logging settings before Prefect is imported:
# by default the flows' and tasks' log lines go to the run's log (Prefect's API) only.
CONSOLE_LOG_LEVEL = "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"


def _console_log_level(*, verbose: bool, quiet: bool) -> None:
    """--verbose shows Prefect's INFO lines; otherwise the terminal gets only the progress bars
    and the summary (a user's own setting of the variable is kept unless --verbose or --quiet)."""
    if verbose or quiet:
        os.environ[CONSOLE_LOG_LEVEL] = "INFO" if verbose else "CRITICAL"
    else:
        os.environ.setdefault(CONSOLE_LOG_LEVEL, "CRITICAL")


class Bars:
    """A `progress.Listener`: one tqdm bar per stage, each item counted once however often it
    is reported (a task and its flow may both report it). Drawn only on a terminal."""

    STAGES = {progress.READ: ("read", "doc"), progress.EXTRACT: ("extract", "extraction")}

    def __init__(self, stream: TextIO, *, enabled: bool) -> None:
        self.stream, self.enabled = stream, enabled
        self.bars: dict[str, Any] = {}
        self.seen: dict[str, set[Hashable]] = {}
        self._lock = threading.Lock()  # tasks report from the thread runner's threads

    def begin(self, stage: str, total: int) -> None:
        label, unit = self.STAGES.get(stage, (stage, "it"))
        with self._lock:
            self.seen[stage] = set()
            self.bars[stage] = tqdm(total=total, desc=f"{label:<8}", unit=unit, file=self.stream,
                                    disable=not self.enabled, dynamic_ncols=True)

    def done(self, stage: str, item: Hashable) -> None:
        with self._lock:
            if stage in self.bars and item not in self.seen[stage]:
                self.seen[stage].add(item)
                self.bars[stage].update(1)

    def close(self) -> None:
        with self._lock:
            for bar in self.bars.values():
                bar.close()


def cmd_run(args: argparse.Namespace) -> int:
    """Run the main flow with a progress bar per stage, then print a summary.

    Without PREFECT_API_URL Prefect runs in its ephemeral mode: it starts a temporary server for
    this process and stops it when the process ends. A server the user started
    (`prefect server start`) is used when PREFECT_API_URL names it.
    """
    started = time.perf_counter()
    _console_log_level(verbose=args.verbose, quiet=args.quiet)
    from reform_facts.pipeline import server  # Prefect: see the note on the imports
    from reform_facts.pipeline.flows import reform_facts_pipeline

    if args.task_runner == "dask" and not (args.dask_address or args.dask_workers):
        args.dask_workers = os.cpu_count() or 1
    elif args.task_runner == "threads" and (args.dask_address or args.dask_workers):
        raise ReformFactsError("--dask-address and --dask-workers need --task-runner dask")
    report = str(args.report.resolve()) if args.report else None
    if registry.CHEAP_VERSIONS & set(args.extractors or registry.names()) and not model_digest.is_trained():
        # here, not in a task of the flow: Ctrl-C and SIGTERM end a training in this thread, while
        # the flow's shutdown would wait for a task's training to finish
        from reform_facts.extractors import training  # spaCy: see the note on the imports

        training.ensure_model()
    server.start_temporary_server()  # Ctrl-C and a full TMPDIR then end in one line (server.py)
    bars = Bars(sys.stderr, enabled=sys.stderr.isatty() and not args.quiet)
    try:
        with progress.reporting_to(bars):
            state = reform_facts_pipeline(
                paths=[str(p.resolve()) for p in args.paths], extractors=args.extractors,
                db=str(args.db.resolve()) if args.db else None, evaluate_gold=args.evaluate or bool(report),
                dask_address=args.dask_address, dask_workers=args.dask_workers, report=report,
                cache_dir=str(args.cache_dir.resolve()) if args.cache_dir else None, return_state=True)
    finally:
        bars.close()
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, BaseException):
        _drop_frames(outcome)
        raise outcome
    warnings = distinct(outcome.warnings)
    record = summary.run_record(
        run_id=outcome.run_id, db=str(outcome.db), documents=outcome.documents, rows=outcome.rows,
        failures=outcome.failures, warnings=warnings, seconds=time.perf_counter() - started,
        evaluation=outcome.report.to_json() if outcome.report is not None else None,
        report=report if outcome.report is not None else None)
    if args.json:
        print(json_shown(json.dumps(record, ensure_ascii=False, indent=2)))
    elif not args.quiet:
        print("\n".join(summary.run_lines(record)))
        if outcome.report is not None:
            print(outcome.report.table())
    sys.stdout.flush()
    for warning in warnings:
        print(f"reform-facts: warning: {warning}", file=sys.stderr)
    for failure in outcome.failures:
        print(f"reform-facts: {failure}", file=sys.stderr)
    return 1 if outcome.failures else 0


def distinct(warnings: Sequence[str]) -> list[str]:
    """Each warning once, in first-seen order, with how often it came when more than once: a
    cache folder that cannot be written says so once, not once per extraction.

    >>> distinct(["not cached: Permission denied (c)", "c/ab.json: damaged", "not cached: Permission denied (c)"])
    ['not cached: Permission denied (c) (2 times)', 'c/ab.json: damaged']
    """
    counts = Counter(warnings)
    return [warning if counts[warning] == 1 else f"{warning} ({counts[warning]} times)" for warning in counts]


def _drop_frames(error: BaseException) -> None:
    """Clear the local variables of the finished frames in the tracebacks of `error` and the
    errors it chains to.

    Prefect keeps a failed flow's exception in its in-memory result store until the interpreter
    exits (reachable from the context of its event-loop thread), and with it every frame of its
    traceback. A DuckDB connection in one of them (the warehouse's `connect`, closed but still
    referenced) then outlives DuckDB's module at exit, and nanobind prints ~44 "leaked" lines
    after our one. The CLI prints the message, never the traceback, so the frames' locals go."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.errors and args.split == "test" and not args.unseal:
        raise ReformFactsError("the test split is sealed: its errors are listed only with --unseal")
    report = evaluation.run(extractors=args.extractors, gold_dir=args.gold, corpus_dir=args.corpus,
                            resamples=args.bootstrap, split=args.split)
    if args.json:
        print(json_shown(json.dumps(report.to_json(errors=args.errors), ensure_ascii=False, indent=2)))
    else:
        print(report.table())
        if args.errors:
            print(report.error_listing())
    return 0


def cmd_validate_gold(args: argparse.Namespace) -> int:
    problems = validate_gold(args.gold, args.corpus)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


def cmd_agreement(args: argparse.Namespace) -> int:
    score = scoring.evaluate(load_claims(args.second), load_claims(args.first)).score
    print(f"mention P/R/F1  {score.precision:.3f} / {score.recall:.3f} / {score.f1:.3f}  "
          f"({score.pairs} pairs)")
    print(f"claim F1         {score.claim_f1:.3f}")
    for name in scoring.FIELDS:
        print(f"{name:<17}{score.accuracy(name):.3f}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from reform_facts.evaluation import report  # pandas: see the note on the imports

    scored = evaluation.run(extractors=args.extractors, gold_dir=args.gold, corpus_dir=args.corpus,
                            resamples=args.bootstrap)
    path = report.write_report(scored, args.output, corpus_dir=args.corpus, db_path=args.db or DEFAULT_DB)
    print(f"wrote {path}")
    return 0


def cmd_fetch_model(args: argparse.Namespace) -> int:
    print(fetch_pkuseg(force=args.force))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from reform_facts.extractors import training  # spaCy: see the note on the imports

    def done(held_out: tuple[str, ...], path: Path, seconds: float | None) -> None:
        took = "already trained" if seconds is None else f"trained in {seconds:.0f} s"
        print(f"{path}  {took}" + (f"  (without {', '.join(held_out)})" if held_out else ""), flush=True)

    training.ensure_models(training.training_sets(folds=args.folds), on_done=done)
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    if args.format == "parquet":
        if args.output is None:
            print("reform-facts: --format parquet needs --output FILE", file=sys.stderr)
            return 2
        count = queries.query_to_parquet(args.db, args.sql, args.output, wait_seconds=args.wait, on_wait=_say)
        print(f"wrote {count} rows to {args.output}", file=sys.stderr)
        return 0
    rows = queries.query(args.db, args.sql, wait_seconds=args.wait, on_wait=_say)
    render = {"table": queries.as_table, "csv": queries.as_csv, "json": queries.as_json_lines}[args.format]
    text = render(rows)
    if args.format == "table":
        text += "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        queries.write_output(args.output, text, db_path=args.db)
        print(f"wrote {len(rows.rows)} rows to {args.output}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    for name, count in queries.export(args.db, args.directory, wait_seconds=args.wait, on_wait=_say).items():
        print(f"{args.directory / (name + '.parquet')}  {count} rows")
    return 0


def _say(message: str) -> None:
    """A note on standard error while a command goes on (the warehouse waits for a lock)."""
    print(f"reform-facts: {message}", file=sys.stderr, flush=True)


def console() -> int:
    """The `reform-facts` command."""
    return main()


if __name__ == "__main__":
    sys.exit(console())
