"""A run of any size: files in parts, results staged on disk and loaded in one transaction, and
a run killed half-way whose rerun takes the finished extractions from the cache.

The timings and the peak memory of large runs are the benchmark's (`benchmarks/bench.py --only
scale`); these tests check what makes them possible.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from reform_facts.errors import WarehouseError
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.pipeline.batches import parts
from reform_facts.pipeline.reading import read_one
from reform_facts.readers import Failure
from reform_facts.warehouse import load
from reform_facts.warehouse.load import ExtractionResult, Staging, load_run, load_staged
from reform_facts.warehouse.store import connect

CORPUS_FILES = sorted((ROOT / "corpus").glob("*.txt"))
STARTED = datetime(2026, 12, 1, tzinfo=UTC)


# --- parts: how a run's files are cut ----------------------------------------------------------

@pytest.mark.parametrize("files, sizes, limits, expected", [
    # by count: 2 a part
    (["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"], [1] * 5, {"documents": 2},
     [["a.txt", "b.txt"], ["c.txt", "d.txt"], ["e.txt"]]),
    # by bytes: a part closes before it passes the size; a file larger than the size is alone
    (["a.txt", "b.txt", "c.txt", "d.txt"], [6, 6, 30, 1], {"size": 12},
     [["a.txt", "b.txt"], ["c.txt"], ["d.txt"]]),
    # the same stem (the same document id) in two folders and two formats: one part, the first's
    (["x/plan.txt", "x/a.txt", "x/b.txt", "y/plan.docx", "y/plan.md"], [1] * 5, {"documents": 2},
     [["x/plan.txt", "y/plan.docx", "y/plan.md"], ["x/a.txt", "x/b.txt"]]),
    ([], [], {}, []),
])
def test_a_run_is_cut_into_parts_by_count_and_bytes_keeping_one_document_id_together(files, sizes, limits,
                                                                                     expected):
    cut = parts(files, sizes, **limits)
    assert cut == expected
    assert sorted(path for part in cut for path in part) == sorted(files)


# --- staging: a run written batch by batch, loaded in one transaction ----------------------------

@pytest.fixture(scope="module")
def described():
    """The bundled documents as the run reads them, and two extractors' results for each: the
    rules' claims, and a second reading that misses each document's first claim (a disagreement)."""
    from reform_facts.extractors import registry

    documents = [read_one(str(path)) for path in CORPUS_FILES]
    rules = registry.get("rules")
    results = []
    for doc in documents:
        claims = rules(doc)
        results.append(ExtractionResult(doc.doc_id, "rules", "rules-t", claims))
        results.append(ExtractionResult(doc.doc_id, "spacy", "spacy-t",
                                        [claim.with_(extractor="spacy") for claim in claims[1:]]))
    return documents, results


def tables(db: Path) -> dict[str, list[tuple]]:
    con = connect(db, read_only=True)
    try:
        return {sql: con.execute(sql).fetchall() for sql in (
            "SELECT * EXCLUDE (ingested_at) FROM documents ORDER BY doc_id",
            "SELECT * FROM claims ORDER BY claim_id",
            "SELECT * FROM extractions ORDER BY doc_id, extractor",
            "SELECT * FROM disagreement_rows ORDER BY ALL",
            "SELECT * FROM run_failures ORDER BY path",
            "SELECT run_id, extractors, documents, claims, claims_written, replaced_documents, failures FROM runs")}
    finally:
        con.close()


def staged_in_batches(tmp_path: Path, documents, results, failures, *, batches: int = 3) -> Staging:
    tmp_path.mkdir(exist_ok=True)
    staging = Staging(tmp_path / "staged.duckdb", run_id="r1")
    for k in range(batches):
        mine = documents[k::batches]
        ids = {doc.doc_id for doc in mine}
        staging.add(mine, [r for r in results if r.doc_id in ids], failures if k == 0 else [])
    return staging


def test_a_run_staged_in_batches_loads_the_same_warehouse_as_one_load(tmp_path, described, caplog):
    documents, results = described
    failures = [Failure(str(tmp_path / "empty.txt"), "empty file (0 bytes)")]
    whole, staged = tmp_path / "whole.duckdb", tmp_path / "staged-w.duckdb"
    load_run(whole, run_id="r1", documents=documents, results=results, failures=failures,
             started_at=STARTED, parameters={})
    with caplog.at_level(logging.WARNING, logger=load.__name__):
        summary = load_staged(staged, staged_in_batches(tmp_path, documents, results, failures),
                              started_at=STARTED, parameters={})
    assert "memory limit" not in caplog.text  # the load's own limit did for two extractors' disagreements
    expected = tables(whole)
    assert tables(staged) == expected
    assert expected["SELECT * FROM disagreement_rows ORDER BY ALL"]  # the comparison covers them
    assert (summary.documents, summary.claims, summary.failures) == (
        len(documents), sum(len(r.claims) for r in results), 1)


def test_loading_a_staged_run_again_writes_no_claim_and_a_changed_document_replaces_the_old(tmp_path, described):
    documents, results = described
    db = tmp_path / "w.duckdb"
    load_staged(db, staged_in_batches(tmp_path / "a", documents, results, []), started_at=STARTED, parameters={})
    before = tables(db)
    load_staged(db, staged_in_batches(tmp_path / "b", documents, results, []), started_at=STARTED, parameters={})
    after = tables(db)
    assert {k: v for k, v in after.items() if "runs" not in k} == {k: v for k, v in before.items() if "runs" not in k}
    assert after[next(k for k in after if "FROM runs" in k)][0][4] == 0  # claims_written: nothing changed
    # the first document with new text: its row and claims are replaced within the staged load
    changed = documents[0].__class__.from_text(documents[0].text + "\n门诊量增长12%。", doc_id=documents[0].doc_id,
                                               path=documents[0].path, title=documents[0].title)
    staging = Staging(tmp_path / "c.duckdb", run_id="r2")
    staging.add([changed], [ExtractionResult(changed.doc_id, "rules", "rules-t", [])], [])
    summary = load_staged(db, staging, started_at=STARTED, parameters={})
    con = connect(db, read_only=True)
    try:
        row = con.execute("SELECT sha256, text, run_id FROM documents WHERE doc_id = ?", [changed.doc_id]).fetchone()
        left = con.execute("SELECT count(*) FROM claims WHERE doc_id = ?", [changed.doc_id]).fetchone()[0]
    finally:
        con.close()
    assert row == (changed.sha256, changed.text, "r2") and left == 0 and summary.replaced_documents == 1


def test_staging_refuses_a_document_staged_twice_in_one_run(tmp_path, described):
    documents, results = described
    staging = Staging(tmp_path / "staged.duckdb", run_id="r1")
    staging.add(documents[:2], [], [])
    with pytest.raises(WarehouseError, match="given twice in one run"):
        staging.add(documents[1:3], [], [])
    staging.add(documents[2:3], [], [])  # the failed batch left nothing behind
    staging.close()


def test_a_run_that_staged_nothing_is_recorded_with_no_documents(tmp_path):
    db = tmp_path / "w.duckdb"
    summary = load_staged(db, Staging(tmp_path / "never-written.duckdb", run_id="r0"), started_at=STARTED,
                          parameters={})
    assert (summary.documents, summary.claims, summary.failures) == (0, 0, 0)
    assert tables(db)["SELECT run_id, extractors, documents, claims, claims_written, replaced_documents, "
                      "failures FROM runs"] == [("r0", [], 0, 0, 0, 0, 0)]


def test_a_staged_load_the_memory_limit_is_too_small_for_is_loaded_again_without_it(tmp_path, described,
                                                                                  monkeypatch, caplog):
    documents, results = described
    monkeypatch.setattr(load, "LOAD_MEMORY_BYTES", 256 * 1024)
    monkeypatch.setattr(load, "LOAD_MEMORY_PER_CLAIM", 0)
    with caplog.at_level(logging.WARNING, logger=load.__name__):
        summary = load_staged(tmp_path / "w.duckdb", staged_in_batches(tmp_path, documents, results, []),
                              started_at=STARTED, parameters={})
    assert summary.documents == len(documents)
    assert "loading again without a memory limit" in caplog.text
    assert "Out of Memory" in caplog.text


# --- a run killed half-way -----------------------------------------------------------------------

# `reform-facts run` in a child process, with one more extractor: the rules, slowed down so that
# the run can be killed while it extracts.
CHILD = """
import sys, time
from reform_facts.extractors import registry
from reform_facts.pipeline import cli

class Slow:
    name, version = "slow", "slow-1"

    def __call__(self, doc):
        time.sleep(float(sys.argv[1]))
        return [claim.with_(extractor=self.name) for claim in registry.get("rules")(doc)]

registry.FACTORIES["slow"] = Slow
sys.exit(cli.main(sys.argv[2:]))
"""


def small_documents(folder: Path, count: int) -> list[Path]:
    """`count` small documents: slices of the bundled documents' lines, each with its own bytes."""
    folder.mkdir()
    lines = [line for path in CORPUS_FILES for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    step = max(len(lines) // count, 1)
    written = []
    for k in range(count):
        path = folder / f"doc{k:02d}.txt"
        path.write_text("\n".join([f"第{k}号文件", *lines[k * step:(k + 1) * step]]), encoding="utf-8")
        written.append(path)
    return written


def cached_entries(cache: Path) -> int:
    return len(list(cache.glob("*/*.json")))


@pytest.mark.slow
def test_a_run_killed_half_way_leaves_no_run_and_its_rerun_takes_the_finished_extractions_from_the_cache(tmp_path):
    files = small_documents(tmp_path / "documents", 20)
    db, cache = tmp_path / "w.duckdb", tmp_path / "cache"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    command = [sys.executable, "-c", CHILD]
    options = ["run", str(tmp_path / "documents"), "--extractor", "slow", "--db", str(db), "--cache-dir", str(cache),
               "--json"]
    killed = subprocess.Popen([*command, "0.4", *options], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while cached_entries(cache) < 5 and killed.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(killed.pid, signal.SIGKILL)  # the run and the Prefect server it started
    finally:
        killed.wait(timeout=60)
    finished = cached_entries(cache)
    assert killed.returncode == -signal.SIGKILL and 5 <= finished < len(files), finished
    if db.exists():  # nothing of the run in the warehouse: it loads at the end, in one transaction
        con = duckdb.connect(str(db), read_only=True)
        try:
            assert con.execute("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM documents)").fetchone() \
                == (0, 0)
        finally:
            con.close()

    rerun = subprocess.run([*command, "0", *options], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    record = json.loads(rerun.stdout)
    assert record["documents"] == record["extractions"] == len(files)
    assert record["cached"] >= finished  # every extraction that finished before the kill
    assert record["extractors"]["slow"]["cached"] == record["cached"] and not record["failures"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = con.execute("SELECT run_id, documents, claims FROM runs").fetchall()
        stored = con.execute("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM claims),"
                             " (SELECT count(*) FROM extractions)").fetchone()
    finally:
        con.close()
    assert runs == [(record["run_id"], len(files), record["claims"])]  # one complete run
    # the killed run's staging folder was removed by the rerun
    assert not list(Path(tempfile.gettempdir()).glob(f"reform-facts-run-{killed.pid}-*"))
    assert stored == (len(files), record["claims"], len(files))
    shutil.rmtree(tmp_path / "prefect-home", ignore_errors=True)


def test_a_batch_larger_than_the_staging_cache_is_staged_all_the_same(tmp_path, described, monkeypatch):
    documents, results = described
    monkeypatch.setattr(load, "STAGING_MEMORY", "512KB")
    staging = staged_in_batches(tmp_path, documents, results, [], batches=1)
    staging.close()
    con = duckdb.connect(str(staging.path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM staged_claims").fetchone()[0] == sum(len(r.claims) for r in results)
    finally:
        con.close()


def test_disagreements_computed_a_slice_of_documents_at_a_time_are_those_of_all_at_once(tmp_path, described,
                                                                                      monkeypatch):
    documents, results = described
    monkeypatch.setattr(load, "DISAGREEMENT_SLICE", 2)
    db = tmp_path / "w.duckdb"
    load_staged(db, staged_in_batches(tmp_path, documents, results, []), started_at=STARTED, parameters={})
    con = connect(db, read_only=True)
    try:
        stored = con.execute("SELECT * FROM disagreement_rows ORDER BY ALL").fetchall()
        at_once = con.execute("SELECT * FROM disagreements_in((SELECT list(doc_id) FROM documents)) ORDER BY ALL"
                              ).fetchall()
    finally:
        con.close()
    assert stored == at_once and len({row[0] for row in stored}) == len(documents)


def test_the_staging_folders_of_killed_runs_are_removed_and_those_of_live_ones_kept(tmp_path):
    from reform_facts.pipeline.flows import STAGING_PREFIX, remove_abandoned

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # its process id names no process now
    killed = tmp_path / f"{STAGING_PREFIX}{ended.pid}-abc"
    live = tmp_path / f"{STAGING_PREFIX}{os.getpid()}-def"
    other = tmp_path / "reform-facts-runner-notes"
    for folder in (killed, live, other):
        folder.mkdir()
        (folder / "staged.duckdb").write_bytes(b"x")
    assert remove_abandoned(tmp_path) == [killed]
    assert not killed.exists() and live.exists() and other.exists()
