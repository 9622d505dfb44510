"""The flows: ingest a corpus, extract it, load the warehouse, evaluate on the gold set, and
`reform_facts_pipeline`, the main flow that runs them in that order.

Relative paths in parameters are taken from the project folder, not from the working
directory, so a deployment run by a worker finds `corpus/` and `warehouse/` wherever it starts.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from reform_facts.extractors import registry
from reform_facts.pipeline import artifacts, caching, progress, runners
from reform_facts.pipeline.batches import (Batch, Corpus, Extracted, Extraction, Outcome, Part, merge_failures,
                                           parts, plan)
from reform_facts.pipeline.reading import read_files, refuse_duplicate_ids
from reform_facts.pipeline.tasks import extract_batch, load_warehouse, record, score
from reform_facts import paths
from reform_facts.readers import Failure, expand_paths
from reform_facts.warehouse.load import Staging

def resolve(path: str | Path) -> Path:
    """An absolute path; a relative one is taken from the project folder.

    >>> resolve("corpus") == paths.CORPUS_DIR
    True
    """
    path = Path(path).expanduser()
    return path if path.is_absolute() else paths.PROJECT_DIR / path


def default_db() -> Path:
    from reform_facts.warehouse.store import DEFAULT_DB

    return Path(DEFAULT_DB)


def extractor_names(extractors: list[str] | None) -> list[str]:
    """The names asked for (all registered ones by default); an unknown name fails the run at once.

    Nothing is built here: with a Dask runner only the workers need the reform_facts.extractors.
    """
    names = list(dict.fromkeys(extractors or registry.names()))
    for name in set(names) - set(registry.names()):
        registry.get(name)  # raises UnknownExtractorError listing the known names
    return names


def listing(paths: list[str]) -> tuple[list[str], list[Failure]]:
    """The supported files under `paths`, and the paths that could not be listed."""
    listed = list(expand_paths([resolve(p) for p in paths]))
    return ([str(path) for path in listed if not isinstance(path, Failure)],
            [item for item in listed if isinstance(item, Failure)])


@flow(name="ingest-corpus")
def ingest(paths: list[str] | Part) -> Corpus:
    """Read every supported file under `paths` (`reading.read_files`); a file that fails is
    recorded, not fatal, and so is a second file of the same document id (`extract` the same).

    `paths` are files and folders, or a `Part` of the files the main flow listed. Reports each
    file done to `progress`; the main flow, which calls this once per part, announces the total."""
    logger = get_run_logger()
    files, failures = (list(paths.files), []) if isinstance(paths, Part) else listing(paths)
    documents = []
    for path, read in zip(files, refuse_duplicate_ids(read_files(files))):
        (failures if isinstance(read, Failure) else documents).append(read)
        progress.done(progress.READ, path)
    for failure in failures:
        logger.error("could not read %s", failure)
    logger.info("read %d documents; %d files failed", len(documents), len(failures))
    return Corpus(documents, failures)


@flow(name="extract-claims")
def extract(corpus: Corpus, extractors: list[str], cache_dir: str | None = None) -> Extraction:
    """Extract every document with every extractor on the flow's task runner, in batches.

    One task a batch of documents (`batches.plan`, sized for the runner's parallel slots), yet
    one cache entry and one failure per (document, extractor) pair, in the corpus's order. Each
    entry is written as its document is done: a run killed half-way leaves its finished
    extractions for the next. Give it a Dask runner with
    `extract.with_options(task_runner=runners.dask_runner(...))`.
    """
    logger = get_run_logger()
    runner = FlowRunContext.get().task_runner
    batches = plan(corpus.documents, extractors, runners.slots(runner))
    with runners.api_for_workers():
        outcomes = _run_batches(batches, cache_dir)
    results, rows, failures = [], [], []
    warnings = [outcome.warning for outcome in outcomes.values() if outcome.warning]
    for doc in corpus.documents:
        for name in extractors:
            outcome = outcomes[doc.doc_id, name]
            if outcome.error is not None:
                failures.append(Failure(doc.path, f"extractor {name} failed: {outcome.error}"))
                logger.error("extracting %s with %s failed: %s", doc.path, name, outcome.error)
                continue
            results.append(outcome.result)
            rows.append(Extracted(doc.doc_id, name, outcome.result.version, len(outcome.result.claims),
                                  cached=outcome.cached))
    extraction = Extraction(results, rows, failures, warnings)
    logger.info("%d extractions in %d tasks: %d from cache, %d computed, %d failed", len(outcomes), len(batches),
                extraction.cached, len(rows) - extraction.cached, len(failures))
    artifacts.publish_claims(rows, description=f"Claims per document and extractor, run {flow_run.get_id()}")
    return extraction


def _run_batches(batches: list[Batch], cache_dir: str | None) -> dict[tuple[str, str], Outcome]:
    """The outcome of every (doc_id, extractor) pair of `batches`, all submitted at once.

    A batch whose task fails as a whole (its worker died, its result could not be sent back) is
    run again one document a task, so that only the document at fault fails; the others of
    the batch that were extracted before are read from the cache then.
    """
    futures = [(batch, extract_batch.submit(batch, cache_dir)) for batch in batches]
    outcomes: dict[tuple[str, str], Outcome] = {}
    again: list[Batch] = []
    for batch, future in futures:
        try:
            done = future.result(raise_on_failure=False)
        except Exception as error:  # noqa: BLE001 - e.g. distributed's KilledWorker, raised as is
            done = error
        if not isinstance(done, BaseException):
            outcomes.update(((outcome.doc_id, outcome.extractor), outcome) for outcome in done)
            for outcome in done:  # tasks on other processes (Dask) cannot report on their own
                progress.done(progress.EXTRACT, (outcome.doc_id, outcome.extractor))
        elif len(batch) > 1:
            get_run_logger().warning("%s failed as a whole (%s: %s): again one document a task", batch,
                                     type(done).__name__, done)
            again.extend(Batch(batch.extractor, [doc]) for doc in batch.documents)
        else:
            doc = batch.documents[0]
            outcomes[doc.doc_id, batch.extractor] = Outcome(doc.doc_id, batch.extractor,
                                                             error=f"{type(done).__name__}: {done}")
            progress.done(progress.EXTRACT, (doc.doc_id, batch.extractor))
    return outcomes | (_run_batches(again, cache_dir) if again else {})


@flow(name="load-warehouse")
def load(db: str, staging: Staging, started_at: datetime, parameters: dict[str, Any]) -> Any:
    """Write the run staged in `staging` into the warehouse with one task (one transaction): a
    `RunSummary`."""
    return load_warehouse(db, staging, started_at=started_at, parameters=parameters)


@flow(name="evaluate-extractors")
def evaluate(extractors: list[str] | None = None, gold: str = "gold", corpus: str = "corpus",
             db: str | None = None, resamples: int = 200, run_id: str | None = None,
             report: str | None = None) -> Any:
    """Score the extractors on the gold set, publish the score table, store it in the warehouse;
    write the HTML report to `report` only when it is given (and link it from the run)."""
    names = extractor_names(extractors)
    scored = score(names, str(resolve(gold)), str(resolve(corpus)), resamples)
    run_id = run_id or str(flow_run.get_id())
    artifacts.publish_scores(scored.to_json(), description=f"Scores on the gold set, run {run_id}")
    db_path = resolve(db) if db else default_db()
    record(str(db_path), run_id, scored)
    get_run_logger().info("scores on the gold set:\n%s", scored.table())
    if report:
        # altair and pandas: only a run that writes a report needs them
        from reform_facts.evaluation.report import write_report

        html = write_report(scored, resolve(report), corpus_dir=resolve(corpus), db_path=Path(db_path))
        create_link_artifact(key="evaluation-report", link=html.as_uri(), link_text=html.name,
                             description=f"Evaluation report of run {run_id}: charts and every error")
        get_run_logger().info("report: %s", html)
    return scored


@dataclass(frozen=True)
class RunOutcome:
    """What the main flow hands back: the warehouse's summary, the per-pair counts, the failures."""

    run_id: str
    db: Path
    summary: Any  # reform_facts.warehouse.load.RunSummary
    rows: list[Extracted]
    failures: list[Failure]
    report: Any = None  # reform_facts.evaluation.evaluate.Report when the run evaluated
    documents: int = 0  # documents read (some may have failed every extractor)
    warnings: tuple[str, ...] = ()  # damaged cache entries, recomputed

    @property
    def claims(self) -> int:
        return sum(row.claims for row in self.rows)

    def message(self) -> str:
        cached = sum(row.cached for row in self.rows)
        text = (f"{len({r.doc_id for r in self.rows})} documents, {self.claims} claims "
                f"({cached} of {len(self.rows)} extractions from cache) loaded into {self.db}")
        if self.failures:
            text += f"; {len(self.failures)} failed: " + "; ".join(map(str, self.failures))
        return text


@flow(name="reform-facts")
def reform_facts_pipeline(paths: list[str] | None = None, extractors: list[str] | None = None,
                          db: str | None = None, evaluate_gold: bool = False, gold: str = "gold",
                          dask_address: str | None = None, dask_workers: int | None = None,
                          cache_dir: str | None = None, report: str | None = None) -> State:
    """The main flow: ingest `paths` (default corpus/), extract, load the warehouse, optionally
    evaluate (`evaluate_gold`, writing the HTML report to `report` when it is given).

    The files are read, extracted and staged part after part (`batches.parts`): memory holds
    one part, however many files there are. Then one transaction loads the staged run: the
    warehouse gets the whole run or, should it be stopped before, nothing of it.

    Ends Completed, or Failed when any file or extraction failed: the others are loaded all the
    same, and the message names each failed file and the reason. The state's data is a `RunOutcome`.
    """
    started_at = datetime.now(UTC)
    run_id = str(flow_run.get_id())
    names = extractor_names(extractors)
    database = resolve(db) if db else default_db()
    parameters = {"paths": [str(resolve(p)) for p in paths or ["corpus"]], "extractors": names,
                  "db": str(database), "task_runner": _describe(dask_address, dask_workers),
                  "cache_dir": str(resolve(cache_dir) if cache_dir else caching.CACHE_DIR)}
    files, unlisted = listing(parameters["paths"])
    for failure in unlisted:
        get_run_logger().error("could not read %s", failure)
    progress.begin(progress.READ, len(files))
    progress.begin(progress.EXTRACT, len(files) * len(names))  # a file not read: its pairs done at once
    with staging_folder() as folder:
        staging = Staging(Path(folder) / "staged.duckdb", run_id=run_id)
        try:
            with runners.for_run(dask_address, dask_workers) as runner:
                done = _extract_parts(files, names, parameters["cache_dir"], runner, staging)
        finally:
            staging.close()
        summary = load(str(database), staging, started_at, parameters)
    scored = None
    if evaluate_gold and any(resolve(gold).glob("*.jsonl")):
        scored = evaluate(names, gold=gold, db=str(database), run_id=run_id, report=report)
    failures = merge_failures([*unlisted, *done.failures])
    outcome = RunOutcome(run_id, database, summary, done.rows, failures, scored,
                         documents=done.documents, warnings=tuple(done.warnings))
    return (Failed if failures else Completed)(message=outcome.message(), data=outcome)


@dataclass
class _Done:
    """What the parts of a run came to, without their documents and claims (those are staged)."""

    documents: int = 0
    rows: list[Extracted] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _extract_parts(files: list[str], names: list[str], cache_dir: str, runner: Any, staging: Staging) -> _Done:
    """Read, extract and stage `files` one part at a time (an ingest and an extract subflow each)."""
    done = _Done()
    extract_flow = extract.with_options(task_runner=runner) if runner else extract
    for part in parts(files, [_size(path) for path in files]):
        corpus = ingest(Part(part))
        for failure in corpus.failures:  # nothing to extract: its pairs are done
            for name in names:
                progress.done(progress.EXTRACT, (failure.path, name))
        extraction = extract_flow(corpus, names, cache_dir)
        failed = merge_failures([*corpus.failures, *extraction.failures])
        staging.add(corpus.documents, extraction.results, failed)
        done.documents += len(corpus.documents)
        done.rows += extraction.rows
        done.failures += failed
        done.warnings += extraction.warnings
    return done


STAGING_PREFIX = "reform-facts-run-"  # then the run's process id: `remove_abandoned` reads it


def staging_folder() -> tempfile.TemporaryDirectory:
    """A new temporary folder for a run's staging file, removed when the run ends; those of
    runs that were killed before they could remove theirs are removed first."""
    remove_abandoned(Path(tempfile.gettempdir()))
    return tempfile.TemporaryDirectory(prefix=f"{STAGING_PREFIX}{os.getpid()}-")


def remove_abandoned(folder: Path) -> list[Path]:
    """Remove the staging folders in `folder` whose run's process is gone (killed: a run that
    ends removes its own); the folders of live processes, or of other users', are left."""
    removed = []
    for path in folder.glob(f"{STAGING_PREFIX}*-*"):
        pid = path.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # reading it will say why
        return 0


def _describe(address: str | None, workers: int | None) -> str:
    if address:
        return f"dask {address}"
    return f"dask local x{workers}" if workers else "threads"
