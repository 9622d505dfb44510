"""`reform-facts run` as a user runs it: the main flow in Prefect's local mode, no server started by hand."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.warehouse.store import connect

CLI = [sys.executable, "-m", "reform_facts.pipeline.cli"]
CORPUS_FILES = sorted((ROOT / "corpus").glob("*.txt"))


def run_cli(*args, env):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)


def server_processes() -> set[int]:
    """Processes that are Prefect or uvicorn servers, by their command lines."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "uvicorn" in args or ("prefect" in args and "server" in args):
                found.add(int(entry.name))
    return found


@pytest.mark.slow
def test_run_prints_a_short_summary_names_a_bad_file_reuses_extractions_by_content_and_leaves_no_server(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in CORPUS_FILES:
        shutil.copy(path, corpus / path.name)
    (corpus / "empty.txt").write_bytes(b"")
    db = tmp_path / "w.duckdb"
    # its own Prefect database, and no server of the developer's: Prefect's ephemeral mode
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    options = ["--extractor", "rules", "--db", str(db), "--cache-dir", str(tmp_path / "cache")]
    before = server_processes()
    cold = run_cli("run", str(corpus), *options, env=env)
    assert cold.returncode == 1, cold.stderr[-3000:]
    lines = cold.stdout.splitlines()
    assert lines[0].split(None, 1) == ["documents", f"{len(CORPUS_FILES)} read, 1 file failed (reasons on "
                                                    "standard error)"]
    assert lines[1].startswith("rules ") and lines[1].endswith(f"in {len(CORPUS_FILES)} documents, 0 from cache")
    assert lines[2].split(None, 1)[1].startswith(f"{db} (run ") and lines[3].startswith("took ")
    assert len(lines) == 4
    # the terminal gets the failure and nothing of Prefect's log
    assert cold.stderr == f"reform-facts: {corpus / 'empty.txt'}: empty file (0 bytes)\n"
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == len(CORPUS_FILES)
        assert con.execute("SELECT count(*) FROM run_failures").fetchone()[0] == 1
    finally:
        con.close()

    renamed = tmp_path / "renamed"  # the same bytes under other names: from the cache
    renamed.mkdir()
    for path in CORPUS_FILES:
        shutil.copy(path, renamed / f"copy-{path.name}")
    warm = run_cli("run", str(renamed), *options, "--json", env=env)
    assert warm.returncode == 0 and warm.stderr == "", warm.stderr[-3000:]
    summary = json.loads(warm.stdout)
    assert (summary["documents"], summary["extractions"], summary["cached"]) == (len(CORPUS_FILES),) * 3
    assert summary["extractors"]["rules"]["claims"] == summary["claims"] > 0
    assert summary["failures"] == [] and summary["warehouse"] == str(db) and summary["evaluation"] is None

    verbose = run_cli("run", str(renamed), *options, "--verbose", env=env)
    assert "Task run 'extract 5 documents with rules'" in verbose.stderr  # Prefect's log lines, per task
    assert "Finished in state Completed" in verbose.stderr
    quiet = run_cli("run", str(corpus), *options, "--quiet", env=env)
    assert quiet.returncode == 1 and quiet.stdout == ""
    assert quiet.stderr == cold.stderr
    assert server_processes() - before == set()  # the ephemeral server ended with each command


@pytest.mark.slow
def test_extract_and_run_refuse_a_duplicate_document_id_with_the_same_line(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.md").write_text("签约覆盖率50.28%", encoding="utf-8")
    (corpus / "plan.txt").write_text("签约覆盖率50.28%", encoding="utf-8")
    (corpus / "other.txt").write_text("基层诊疗量占比65%", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    refusal = f"reform-facts: {corpus / 'plan.txt'}: same document id 'plan' as {corpus / 'plan.md'}\n"
    extracted = run_cli("extract", str(corpus), env=env)
    ran = run_cli("run", str(corpus), "--extractor", "rules", "--db", str(tmp_path / "w.duckdb"),
                  "--cache-dir", str(tmp_path / "cache"), "--json", env=env)
    assert extracted.returncode == ran.returncode == 1
    assert extracted.stderr == ran.stderr == refusal
    assert json.loads(ran.stdout)["documents"] == 2  # plan.md and other.txt


@pytest.mark.slow
def test_run_evaluates_only_when_asked_and_writes_the_report_only_where_asked(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS_FILES[0], corpus / CORPUS_FILES[0].name)
    options = ["--extractor", "rules", "--db", str(tmp_path / "w.duckdb"), "--cache-dir", str(tmp_path / "c")]
    reports = ROOT / "build" / "reports"
    before = set(reports.glob("*")) if reports.exists() else set()
    plain = json.loads(run_cli("run", str(corpus), *options, "--json", env=env).stdout)
    assert plain["evaluation"] is None and plain["report"] is None
    scored = run_cli("run", str(corpus), *options, "--evaluate", "--json", env=env)
    assert scored.returncode == 0, scored.stderr[-3000:]
    assert json.loads(scored.stdout)["evaluation"]["extractors"][0]["name"] == "rules"
    assert (set(reports.glob("*")) if reports.exists() else set()) == before  # nothing unasked for
    report = tmp_path / "out" / "report.html"
    with_report = run_cli("run", str(corpus), *options, "--report", str(report), env=env)
    assert with_report.returncode == 0, with_report.stderr[-3000:]
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"report     {report}" in with_report.stdout


@pytest.mark.parametrize(("extractors", "trains"), [(["rules"], False), (["spacy"], True), ([], True)])
def test_run_trains_a_missing_spacy_model_before_the_flow_starts(monkeypatch, extractors, trains):
    """In the main thread, where Ctrl-C and SIGTERM end it: trained in a task of the flow, the flow's
    shutdown waited for the training to finish (minutes) before the process could end."""
    from reform_facts.errors import ReformFactsError
    from reform_facts.extractors import model_digest, training
    from reform_facts.pipeline import cli, server

    calls = []

    class Stop(ReformFactsError):
        pass

    def train_first(held_out=()):
        calls.append("trained")
        raise Stop("stop before the flow")

    def server_next():
        calls.append("server")
        raise Stop("stop at the server")

    monkeypatch.setattr(model_digest, "is_trained", lambda held_out=(): False)
    monkeypatch.setattr(training, "ensure_model", train_first)
    monkeypatch.setattr(server, "start_temporary_server", server_next)
    args = ["run", "corpus/", *(f"--extractor={name}" for name in extractors)]
    assert cli.main(args) == 2
    assert calls == (["trained"] if trains else ["server"])
