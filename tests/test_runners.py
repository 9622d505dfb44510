"""Local Dask workers forked from a server that built the extractors (reform_facts.pipeline.runners)."""
from __future__ import annotations

import multiprocessing
import os

import pytest

from reform_facts.pipeline import runners


def worker_state() -> dict:
    """Run in a worker: who started it, what it found built, its BLAS threads."""
    import sys

    preload = sys.modules.get("reform_facts.pipeline.worker_preload")
    return {"parent": os.getppid(), "built": list(getattr(preload, "BUILT", [])),
            "omp_threads": os.environ.get("OMP_NUM_THREADS")}


@pytest.mark.slow
@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(), reason="no fork server here")
def test_local_workers_are_forked_with_the_extractors_built():
    from distributed import Client, LocalCluster

    runners.start_worker_server(["rules", "no-such-extractor"])
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        (state,) = client.run(worker_state).values()
    assert state["parent"] != os.getpid()  # the fork server's child, not a process spawned from here
    assert "rules" in state["built"] and "no-such-extractor" not in state["built"]
    assert state["omp_threads"] == "1"  # what a Nanny sets for a spawned worker holds for a forked one


def test_batches_are_planned_for_the_runners_slots():
    from prefect.task_runners import ThreadPoolTaskRunner

    assert runners.slots(ThreadPoolTaskRunner(max_workers=4)) == 1  # one extraction at a time in-process
    assert runners.slots(runners.dask_runner(workers=2)) == 2
    assert runners.is_local_dask(runners.dask_runner(workers=2))
    assert not runners.is_local_dask(runners.dask_runner(address="tcp://127.0.0.1:8786"))
    assert not runners.is_local_dask(ThreadPoolTaskRunner())
