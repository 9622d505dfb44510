"""Progress of a run, told to whoever listens: the CLI draws its bars from these calls.

The flows and tasks call `begin` and `done`; nothing happens unless a listener was set with
`reporting_to` in this context. A context variable, not a global: Prefect's thread runner copies
the caller's context into each task's thread, so tasks of the flow the CLI started report to its
bars, while tasks on Dask workers (other processes) have no listener and the flow reports their
batches when they come back. The same item may be reported twice that way; a listener counts
each item once.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

READ = "read"        # items: file paths
EXTRACT = "extract"  # items: (doc_id, extractor) pairs


class Listener(Protocol):
    def begin(self, stage: str, total: int) -> None: ...
    def done(self, stage: str, item: Hashable) -> None: ...


_LISTENER: ContextVar[Listener | None] = ContextVar("reform_facts_progress", default=None)


@contextmanager
def reporting_to(listener: Listener) -> Iterator[Listener]:
    """Send the progress of what runs inside the block (in this context) to `listener`."""
    token = _LISTENER.set(listener)
    try:
        yield listener
    finally:
        _LISTENER.reset(token)


def begin(stage: str, total: int) -> None:
    """A stage starts with `total` items to do."""
    listener = _LISTENER.get()
    if listener is not None:
        listener.begin(stage, total)


def done(stage: str, item: Hashable) -> None:
    """One item of the stage is done (read, extracted, or failed: done all the same)."""
    listener = _LISTENER.get()
    if listener is not None:
        listener.done(stage, item)
