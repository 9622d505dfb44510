"""Where extraction tasks run: in threads of the flow's process, or on a Dask cluster.

spaCy's own multiprocessing was slower than one process on a two-core machine, so parallelism
belongs here: one process per Dask worker, one thread each, each building its extractors once.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect_dask import DaskTaskRunner


def dask_runner(address: str | None = None, workers: int | None = None) -> DaskTaskRunner | None:
    """A Dask task runner on an existing cluster (`address`) or a new local one of `workers` processes.

    None when neither is given: the flow keeps Prefect's default thread pool.

    >>> dask_runner() is None
    True
    >>> dask_runner(workers=2).cluster_kwargs["n_workers"]
    2
    """
    if address and workers:
        raise ValueError("give a Dask scheduler address or a number of local workers, not both")
    if address:
        return DaskTaskRunner(address=address)
    if workers is not None:
        if workers < 1:
            raise ValueError(f"a local Dask cluster needs at least one worker, not {workers}")
        # The scheduler's start-up chatter in this process; the workers' is silenced below.
        logging.getLogger("distributed").setLevel(logging.WARNING)
        # processes, one thread each: extraction is CPU-bound Python, threads would share one GIL;
        # the dashboard on any free port, so that two clusters on one machine do not collide
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": ":0",
                                              "silence_logs": logging.ERROR})
    return None


@contextmanager
def api_for_workers() -> Iterator[None]:
    """Make task runs in other processes report to this flow's Prefect API.

    In Prefect's ephemeral mode no API URL is set, and each Dask worker would start its own
    temporary server on the same database. The runner sends the current settings along with
    each task, so setting the running server's URL here points the workers at it.
    """
    context = FlowRunContext.get()
    if PREFECT_API_URL.value() or context is None or context.client is None:
        yield
        return
    with temporary_settings({PREFECT_API_URL: str(context.client.api_url).rstrip("/")}):
        yield
