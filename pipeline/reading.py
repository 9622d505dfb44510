"""Reading the files of a run into described documents, inside the ingest flow.

Not Prefect tasks: a file takes milliseconds to read, and task runs ending just before the next
subflow starts made Prefect's SQLite server answer "database is locked" (503) to that subflow's
creation, while its task-run recorder wrote them; the client then waits 2 s before it retries.
That happened on nearly every run, a fifth of a run whose extractions are cached.
"""
from __future__ import annotations

from pathlib import Path

from reform_facts.extractors import registry
from reform_facts.claim import Document
from reform_facts.errors import DocumentError
from reform_facts.readers import Failure, read_document


def read_files(paths: list[str]) -> list[Document | Failure]:
    """Read and describe (title, year, region it states) each file, in order: its `Document`, or
    a `Failure` saying why it could not be read. One file's failure leaves the others read."""
    return [_read_one(path) for path in paths]


def _read_one(path: str) -> Document | Failure:
    try:
        return registry.describe(read_document(Path(path)))
    except Exception as error:  # noqa: BLE001 (any error of one file is that file's failure)
        reason = str(error) if isinstance(error, DocumentError) else f"{type(error).__name__}: {error}"
        return Failure(path, reason.removeprefix(f"{path}: "))
