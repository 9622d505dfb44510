"""The tasks: extract a batch of documents with one extractor, load the warehouse once, record
and score an evaluation. (Files are read in the ingest flow itself: `reform_facts.pipeline.reading`.)

A bad document fails on its own: the others go on, and the flow records the failure. Tasks take documents and extractor names, never a built extractor. Each
process that runs them, a Dask worker for example, builds each extractor once for itself.
"""
from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.runtime import task_run
from prefect.states import State

from reform_facts.extractors import registry
from reform_facts.pipeline import caching, progress
from reform_facts.pipeline.batches import Batch, Outcome
from reform_facts.claim import Document
from reform_facts.errors import WarehouseBusyError

# Extractors are not promised to be thread-safe. Extraction holds the GIL anyway, so running
# one at a time per process costs nothing, and threads still overlap their calls to the API.
_EXTRACTING = threading.Lock()

LOAD_RETRIES = 3
LOAD_RETRY_DELAY_SECONDS = 10


def _batch_run_name() -> str:
    batch = task_run.parameters["batch"]
    return f"extract {len(batch)} document{'s' * (len(batch) != 1)} with {batch.extractor}"


@task(name="extract-batch", task_run_name=_batch_run_name, cache_policy=NO_CACHE)
def extract_batch(batch: Batch, cache_dir: str | None = None) -> list[Outcome]:
    """Extract each document of `batch`, each cached on its own (`caching.extraction_key`).

    One task for many documents, since a task run's own cost (its states reported to the API)
    is as large as extracting a document. Each document still fails alone: an error becomes
    that document's `Outcome.error` and the others go on. A result whose key is in the cache
    is read from it, and the extractor is only built for a document that is not.
    """
    logger = get_run_logger()
    cache = caching.ResultCache(cache_dir)
    outcomes = []
    for document in batch.documents:
        outcomes.append(_extract_one(cache, batch.extractor, document, logger))
        progress.done(progress.EXTRACT, (document.doc_id, batch.extractor))
    cached = sum(outcome.cached for outcome in outcomes)
    failed = sum(outcome.error is not None for outcome in outcomes)
    logger.info("%s: %d extracted, %d from cache, %d failed", batch, len(outcomes) - cached - failed, cached, failed)
    return outcomes


def _extract_one(cache: caching.ResultCache, extractor: str, document: Document, logger: Any) -> Outcome:
    from reform_facts.warehouse.load import ExtractionResult

    try:
        key = caching.extraction_key(document, extractor)
        version = registry.version(extractor)
        found = cache.read(key, document, extractor=extractor, version=version)
        if found.claims is not None:
            # per document at DEBUG: each INFO line is a record in Prefect's database, and a
            # run of 10 000 documents would send tens of thousands; the batch's line says as much
            logger.debug("reusing the cached extraction of %s with %s", document.doc_id, extractor)
            return Outcome(document.doc_id, extractor, ExtractionResult(document.doc_id, extractor, version,
                                                                         found.claims), cached=True)
        if found.damage:
            logger.warning("%s; extracting %s again", found.damage, document.doc_id)
        built = caching.extractor(extractor)
        logger.debug("extracting %s with %s %s (not cached)", document.doc_id, extractor, built.version)
        result = ExtractionResult(document.doc_id, extractor, built.version, _one_at_a_time(built, document))
        warning = f"{found.damage}; extracted again" if found.damage else None
        try:
            cache.write(key, result.claims, extractor=extractor, version=version)
        except OSError as error:  # a cache that cannot be written costs the next run time, not this run
            warning = f"not cached: {error.strerror or error} ({cache.folder})"
        return Outcome(document.doc_id, extractor, result, warning=warning)
    except Exception as error:  # noqa: BLE001 - any error of one document is that document's failure
        return Outcome(document.doc_id, extractor, error=f"{type(error).__name__}: {error}")


def _one_at_a_time(built: Any, document: Document) -> list[Any]:
    # A module function, so the lock is reached by reference: Dask pickles the task's body by
    # value (the name `extract_batch` is the Task, not the function), and a lock cannot be.
    with _EXTRACTING:
        return built(document)


def warehouse_busy(task: Any, task_run: TaskRun, state: State) -> bool:
    """Retry condition: only a locked warehouse file is worth another try."""
    return state.is_failed() and isinstance(state.result(raise_on_failure=False), WarehouseBusyError)


@task(name="write-warehouse", cache_policy=NO_CACHE, retries=LOAD_RETRIES,
      retry_delay_seconds=LOAD_RETRY_DELAY_SECONDS, retry_condition_fn=warehouse_busy)
def load_warehouse(db: str, staging: Any, *, started_at: datetime, parameters: dict[str, Any]) -> Any:
    """Write the run staged in `staging` (a `reform_facts.warehouse.load.Staging`) to the warehouse
    in one transaction: a `reform_facts.warehouse.load.RunSummary`.

    Retried only when the file stays locked by another process (WarehouseBusyError).
    """
    from reform_facts.warehouse.load import load_staged

    return load_staged(Path(db), staging, started_at=started_at, parameters=parameters)


@task(name="score", cache_policy=NO_CACHE)
def score(extractors: list[str], gold: str, corpus: str, resamples: int) -> Any:
    """Score the extractors on the gold set: a `reform_facts.evaluation.evaluate.Report`."""
    from reform_facts.evaluation import evaluate as evaluation

    return evaluation.run(extractors=extractors, gold_dir=Path(gold), corpus_dir=Path(corpus),
                          resamples=resamples)


@task(name="record-evaluation", cache_policy=NO_CACHE, retries=LOAD_RETRIES,
      retry_delay_seconds=LOAD_RETRY_DELAY_SECONDS, retry_condition_fn=warehouse_busy)
def record(db: str, run_id: str, report: Any) -> None:
    """Store an evaluation report in the warehouse; retried only while the file is locked."""
    from reform_facts.warehouse.load import record_evaluation

    record_evaluation(Path(db), run_id=run_id, report=report)
