"""Where extraction tasks run: the thread runner's one slot, or local Dask workers (reform_facts.pipeline.runners)."""
from __future__ import annotations

import pytest

from reform_facts.pipeline import runners


def extract_in_worker(text: str) -> list[str]:
    """Run in a worker: build the rules extractor there and extract `text`."""
    from reform_facts.claim import Document
    from reform_facts.extractors import registry

    return [claim.text for claim in registry.get("rules")(Document.from_text(text, doc_id="w"))]


@pytest.mark.slow
def test_a_local_dask_worker_builds_its_extractors_itself():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        texts = client.submit(extract_in_worker, "联通全市2937家医疗卫生机构").result(timeout=120)
    assert texts == ["2937家"]


def test_batches_are_planned_for_the_runners_slots():
    from prefect.task_runners import ThreadPoolTaskRunner

    assert runners.slots(ThreadPoolTaskRunner(max_workers=4)) == 1  # one extraction at a time in-process
    assert runners.slots(runners.dask_runner(workers=2)) == 2
    assert runners.is_local_dask(runners.dask_runner(workers=2))
    assert not runners.is_local_dask(runners.dask_runner(address="tcp://127.0.0.1:8786"))
    assert not runners.is_local_dask(ThreadPoolTaskRunner())
