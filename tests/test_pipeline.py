"""The Prefect flows of pipeline/: against one temporary Prefect server for the whole session.

Each flow test copies the bundled corpus to a temporary folder and gives the flow its own
warehouse file and cache folder, so nothing of the repository's own runs is read or written.
"""
from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass

import pytest
from prefect import flow, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
from prefect.client.schemas.sorting import FlowRunSort
from prefect.states import Completed, Failed
from prefect.testing.utilities import prefect_test_harness

import reform_facts.warehouse.load
from reform_facts.extractors import registry
from reform_facts.pipeline import artifacts, progress, runners
from reform_facts.pipeline.batches import Corpus, Extracted, Extraction
from reform_facts.pipeline.flows import evaluate, ingest, reform_facts_pipeline
from reform_facts.pipeline.tasks import load_warehouse, warehouse_busy
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Document
from reform_facts.errors import WarehouseBusyError, WarehouseError
from reform_facts.readers import Failure
from reform_facts.warehouse.load import Staging
from reform_facts.warehouse.store import connect

CORPUS_FILES = sorted((ROOT / "corpus").glob("*.txt"))


@dataclass
class Counting:
    """The rule extractor under another name, counting its calls; it can be told to fail on a document."""

    name: str = "counting"
    version: str = "counting-1"
    calls: int = 0
    fail_on: str | None = None

    def __call__(self, doc: Document):
        self.calls += 1
        if doc.doc_id == self.fail_on:
            raise ValueError(f"cannot make sense of {doc.doc_id}")
        return [claim.with_(extractor=self.name) for claim in registry.get("rules")(doc)]


COUNTING = Counting()  # registry.get caches what a factory builds: one instance, reset per test


@pytest.fixture
def counting(monkeypatch):
    monkeypatch.setattr(COUNTING, "calls", 0)
    monkeypatch.setattr(COUNTING, "fail_on", None)
    monkeypatch.setattr(COUNTING, "version", "counting-1")
    monkeypatch.setitem(registry.FACTORIES, "counting", lambda: COUNTING)
    return COUNTING


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server and database for every flow test (it takes ~15 s to start)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        with prefect_test_harness(server_startup_timeout=120):
            yield


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in CORPUS_FILES:
        shutil.copy(path, folder / path.name)
    return folder


def run(corpus, tmp_path, **options):
    """The main flow on `corpus` with the counting extractor, a warehouse and a cache in tmp_path."""
    options = {"extractors": ["counting"], "db": str(tmp_path / "w.duckdb"),
               "cache_dir": str(tmp_path / "cache")} | options
    return reform_facts_pipeline(paths=[str(corpus)], return_state=True, **options)


def table(db, sql):
    con = connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def read_artifacts(key):
    """The artifacts under `key`, newest first, as the API's JSON.

    A plain request: with fastapi 0.154 the server refuses the nulls that Prefect 3.8.8's client
    sends for the filters it leaves unset, and an empty filter there matches nothing.
    """
    with get_client(sync_client=True) as client:
        response = client.request("POST", "/artifacts/filter", json={
            "artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC", "limit": 50, "offset": 0})
    return response.json()


# --- the cache key: no server needed -----------------------------------------------------------

def test_the_retry_condition_is_a_busy_warehouse_only():
    busy = Failed(data=WarehouseBusyError("w.duckdb: locked by process 1 for more than 30 s"))
    broken = Failed(data=WarehouseError("w.duckdb: migration 001_core.sql failed"))
    assert warehouse_busy(None, None, busy) is True
    assert warehouse_busy(None, None, broken) is False
    assert warehouse_busy(None, None, Completed()) is False


def test_dask_runner_takes_an_address_or_a_worker_count():
    assert runners.dask_runner(address="tcp://127.0.0.1:8786").address == "tcp://127.0.0.1:8786"
    with pytest.raises(ValueError, match="not both"):
        runners.dask_runner(address="tcp://127.0.0.1:8786", workers=2)
    with pytest.raises(ValueError, match="at least one worker"):
        runners.dask_runner(workers=0)


def test_the_claims_table_artifact_rows_are_sorted_per_document_and_extractor():
    rows = artifacts.claims_rows([Extracted("b", "rules", "r1", 2, True), Extracted("a", "spacy", "s1", 1, False),
                                  Extracted("a", "rules", "r1", 3, False)])
    assert [(r["document"], r["extractor"], r["claims"]) for r in rows] == [("a", "rules", 3), ("a", "spacy", 1),
                                                                           ("b", "rules", 2)]


# --- flows against the session's Prefect server ------------------------------------------------

@pytest.mark.slow
def test_a_second_run_reuses_every_extraction_and_a_change_redoes_only_it(prefect_server, counting, corpus,
                                                                          tmp_path):
    first = run(corpus, tmp_path)
    assert first.is_completed(), first.message
    outcome = first.result()
    assert counting.calls == len(CORPUS_FILES)
    assert not any(row.cached for row in outcome.rows)
    db = tmp_path / "w.duckdb"
    stored = table(db, "SELECT count(*) FROM claims WHERE extractor = 'counting'")[0][0]
    assert stored == outcome.claims > 0
    assert table(db, "SELECT count(*) FROM documents")[0][0] == len(CORPUS_FILES)

    second = run(corpus, tmp_path).result()
    assert counting.calls == len(CORPUS_FILES)  # nothing extracted again
    assert all(row.cached for row in second.rows) and second.claims == outcome.claims

    changed = CORPUS_FILES[0].stem
    with (corpus / f"{changed}.txt").open("a", encoding="utf-8") as text:
        text.write("\n2023年，全市家庭医生签约覆盖率达到50.28%。\n")
    third = run(corpus, tmp_path).result()
    assert counting.calls == len(CORPUS_FILES) + 1
    assert [row.doc_id for row in third.rows if not row.cached] == [changed]

    counting.version = "counting-2"  # a new version of the extractor: every document again
    run(corpus, tmp_path)
    assert counting.calls == 2 * len(CORPUS_FILES) + 1
    assert {row[0] for row in table(db, "SELECT DISTINCT extractor_version FROM extractions")} == {"counting-2"}
    assert len(table(db, "SELECT run_id FROM runs")) == 4


@pytest.mark.slow
def test_a_bad_file_fails_alone_and_is_recorded(prefect_server, counting, corpus, tmp_path, caplog):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (corpus / f"{CORPUS_FILES[1].stem}.md").write_text("签约覆盖率50.28%", encoding="utf-8")
    with caplog.at_level(logging.INFO):
        state = run(corpus, tmp_path)
    assert state.is_failed()
    assert "empty.txt: empty file" in state.message and "binary.txt: " in state.message
    outcome = state.result(raise_on_failure=False)
    assert {row.doc_id for row in outcome.rows} == {p.stem for p in CORPUS_FILES}
    db = tmp_path / "w.duckdb"
    assert table(db, "SELECT count(*) FROM documents")[0][0] == len(CORPUS_FILES)
    failures = dict(table(db, "SELECT path, reason FROM run_failures"))
    assert failures[str(corpus / "empty.txt")].startswith("empty file")
    assert str(corpus / "binary.txt") in failures  # its reason is the readers' (tests/test_readers.py)
    # two files, one id (the file stem): the first in path order is read, the other named
    stem = CORPUS_FILES[1].stem
    assert failures[str(corpus / f"{stem}.txt")] == f"same document id {stem!r} as {corpus / stem}.md"
    assert table(db, "SELECT failures FROM runs")[0][0] == 3
    assert any("could not read" in r.getMessage() and "empty.txt" in r.getMessage() for r in caplog.records)


@pytest.mark.slow
def test_an_extractor_error_fails_only_its_document(prefect_server, counting, corpus, tmp_path):
    counting.fail_on = CORPUS_FILES[2].stem
    state = run(corpus, tmp_path)
    assert state.is_failed() and f"{CORPUS_FILES[2].stem}.txt" in state.message
    db = tmp_path / "w.duckdb"
    assert table(db, "SELECT count(DISTINCT doc_id) FROM claims")[0][0] == len(CORPUS_FILES) - 1
    (reason,) = table(db, "SELECT reason FROM run_failures")[0]
    assert reason.startswith("extractor counting failed: ValueError: cannot make sense of")
    # the document itself is stored: another extractor may have read it
    assert table(db, "SELECT count(*) FROM documents")[0][0] == len(CORPUS_FILES)


@pytest.mark.slow
def test_the_load_is_retried_while_the_warehouse_is_busy_and_not_otherwise(prefect_server, monkeypatch):
    calls = []

    def busy_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise WarehouseBusyError("w.duckdb: locked by process 1 for more than 30 s")
        return "loaded"

    @flow
    def load_only():
        return load_warehouse.with_options(retry_delay_seconds=0)(
            "w.duckdb", Staging("staged.duckdb", run_id="r"), started_at=None, parameters={})

    monkeypatch.setattr(reform_facts.warehouse.load, "load_staged", busy_once)
    assert load_only() == "loaded" and len(calls) == 2

    def broken(*args, **kwargs):
        calls.append(1)
        raise WarehouseError("w.duckdb: migration 004_views.sql was edited after it was applied")

    calls.clear()
    monkeypatch.setattr(reform_facts.warehouse.load, "load_staged", broken)
    with pytest.raises(WarehouseError):
        load_only()
    assert len(calls) == 1


@pytest.mark.slow
def test_each_run_publishes_its_claims_table_and_keeps_texts_out_of_prefect(prefect_server, counting, corpus,
                                                                            tmp_path):
    state = run(corpus, tmp_path)
    outcome = state.result()
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[state.state_details.flow_run_id])),
            sort=FlowRunSort.ID_DESC, limit=10)
    published = read_artifacts(artifacts.CLAIMS_KEY)
    recorded = json.dumps([r.parameters for r in children], ensure_ascii=False)
    assert len(children) == 3 and "<Corpus>" in recorded and "医" not in recorded  # no document text
    extract_run = next(r for r in children if "extractors" in r.parameters)
    assert extract_run.parameters["corpus"] == "<Corpus>"
    mine = [a for a in published if a["flow_run_id"] == str(extract_run.id)]
    assert len(mine) == 1 and mine[0]["type"] == "table"
    rows = json.loads(mine[0]["data"])
    assert {(r["document"], r["claims"]) for r in rows} == {(r.doc_id, r.claims) for r in outcome.rows}


@pytest.mark.slow
def test_the_evaluation_flow_records_scores_and_publishes_a_markdown_table(prefect_server, tmp_path, monkeypatch):
    written = []
    monkeypatch.setattr("reform_facts.evaluation.report.write_report",
                        lambda report, path, **kw: written.append(path) or path)
    db = tmp_path / "w.duckdb"
    report = evaluate(extractors=["rules"], db=str(db), resamples=10, run_id="weekly-1")
    rows = table(db, "SELECT run_id, extractor, gold FROM evaluations")
    assert rows == [("weekly-1", "rules", report.results[0].evaluation.score.gold)]
    published = read_artifacts(artifacts.SCORES_KEY)
    assert published and published[0]["type"] == "markdown"
    assert f"| rules | {report.results[0].version} |" in published[0]["data"]
    assert written == []  # no HTML report unless asked
    evaluate(extractors=["rules"], db=str(db), resamples=10, run_id="weekly-2", report=str(tmp_path / "r.html"))
    assert written == [tmp_path / "r.html"]


@pytest.mark.slow
def test_the_main_flow_reports_its_progress_per_stage(prefect_server, counting, corpus, tmp_path):
    (corpus / "empty.txt").write_bytes(b"")
    events = []

    class Recording:
        def begin(self, stage, total):
            events.append(("begin", stage, total))

        def done(self, stage, item):
            events.append(("done", stage, item))

    with progress.reporting_to(Recording()):
        run(corpus, tmp_path)
    assert ("begin", "read", len(CORPUS_FILES) + 1) in events
    assert ("begin", "extract", len(CORPUS_FILES) + 1) in events  # files times extractors, announced at once
    assert {e[2] for e in events if e[:2] == ("done", "read")} == {str(p) for p in corpus.iterdir()}
    extracted = {e[2] for e in events if e[:2] == ("done", "extract")}
    # a file that could not be read has nothing to extract: its pairs are done at once
    assert extracted == {(p.stem, "counting") for p in CORPUS_FILES} | {(str(corpus / "empty.txt"), "counting")}


@pytest.mark.slow
def test_ingest_alone_reads_documents_and_names_what_it_cannot(prefect_server, corpus, tmp_path):
    result = ingest([str(corpus), str(tmp_path / "missing")])
    assert isinstance(result, Corpus)
    assert sorted(d.doc_id for d in result.documents) == [p.stem for p in CORPUS_FILES]
    assert all(d.title for d in result.documents)  # described: the title the document states
    assert result.failures == [Failure(str(tmp_path / "missing"), "no such file or folder")]


@pytest.mark.slow
def test_two_dask_workers_give_the_same_warehouse_as_the_default_runner(prefect_server, corpus, tmp_path):
    # the real rule extractor: Dask workers are other processes and build their own
    threads, dask = tmp_path / "threads", tmp_path / "dask"
    common = {"extractors": ["rules"], "paths": [str(corpus)]}
    first = reform_facts_pipeline(db=str(threads / "w.duckdb"), cache_dir=str(threads / "cache"),
                                  return_state=True, **common)
    second = reform_facts_pipeline(db=str(dask / "w.duckdb"), cache_dir=str(dask / "cache"), dask_workers=2,
                                   return_state=True, **common)
    assert first.is_completed() and second.is_completed(), (first.message, second.message)
    assert not any(row.cached for row in second.result().rows)  # its own cold cache: extracted on Dask
    for sql in ("SELECT * EXCLUDE (run_id) FROM claims ORDER BY claim_id",
                "SELECT * EXCLUDE (run_id, ingested_at) FROM documents ORDER BY doc_id",
                "SELECT * EXCLUDE (run_id) FROM extractions ORDER BY doc_id, extractor"):
        assert table(threads / "w.duckdb", sql) == table(dask / "w.duckdb", sql)
    assert table(dask / "w.duckdb", "SELECT parameters->>'task_runner' FROM runs") == [("dask local x2",)]
    assert len(list((dask / "cache").glob("*/*.json"))) == len(CORPUS_FILES)
