"""Where extraction tasks run: in threads of the flow's process, or on a Dask cluster.

spaCy's own multiprocessing was slower than one process on a two-core machine, so parallelism
belongs here: prefect-dask's `DaskTaskRunner` on a `LocalCluster` of processes, one thread each;
each worker builds its extractors once, on its first task.
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings

if TYPE_CHECKING:
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
    if not address and workers is None:
        return None
    # imported here: it costs a second of CPU that a run on the thread runner does not need
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    if workers is None or workers < 1:
        raise ValueError(f"a local Dask cluster needs at least one worker, not {workers}")
    # The scheduler's start-up chatter in this process; the workers' is silenced below.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    # processes, one thread each: extraction is CPU-bound Python, threads would share one GIL;
    # the dashboard on any free port, so that two clusters on one machine do not collide
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                          "processes": True, "dashboard_address": ":0",
                                          "silence_logs": logging.ERROR})


@contextmanager
def for_run(address: str | None = None, workers: int | None = None) -> Iterator[DaskTaskRunner | None]:
    """The task runner of every extract subflow of one run (`dask_runner`), whose local cluster,
    when it makes one, is started here once and lives as long as the block.

    A run extracts its documents part after part, one subflow each; a runner that made its own
    cluster would start one per part, and each worker would build its extractors (a spaCy
    pipeline: seconds) again. So the cluster is started here and the subflows join it.

    >>> with for_run() as runner:
    ...     runner is None
    True
    """
    runner = dask_runner(address, workers)
    if runner is None or not is_local_dask(runner):
        yield runner
        return
    from distributed import LocalCluster
    from prefect_dask import DaskTaskRunner

    with LocalCluster(**runner.cluster_kwargs) as cluster:
        yield DaskTaskRunner(address=cluster.scheduler_address)


def is_local_dask(task_runner: Any) -> bool:
    """Whether the runner makes its own local Dask cluster (rather than joining one)."""
    dask = sys.modules.get("prefect_dask")  # a Dask runner was made by importing it
    return (dask is not None and isinstance(task_runner, dask.DaskTaskRunner)
            and not task_runner.address and "n_workers" in task_runner.cluster_kwargs)


def slots(task_runner: Any) -> int:
    """How many extractions the runner runs at once: what batches are planned for.

    One for the thread runner: extraction holds the GIL and a lock in one process. For Dask,
    the worker threads of a local cluster as it is asked for, else those the scheduler knows
    now (a cluster still growing: its workers so far, at least one).

    >>> from prefect.task_runners import ThreadPoolTaskRunner
    >>> slots(ThreadPoolTaskRunner(max_workers=8)), slots(dask_runner(workers=3))
    (1, 3)
    """
    dask = sys.modules.get("prefect_dask")  # a Dask runner was made by importing it
    if dask is None or not isinstance(task_runner, dask.DaskTaskRunner):
        return 1
    if is_local_dask(task_runner):
        kwargs = task_runner.cluster_kwargs
        return kwargs["n_workers"] * kwargs.get("threads_per_worker", 1)
    return max(sum(task_runner.client.nthreads().values()), 1)


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
