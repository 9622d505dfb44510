"""`reform-facts run` as a user runs it: the main flow in Prefect's local mode, no server started by hand."""
from __future__ import annotations

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
def test_run_loads_the_warehouse_names_a_bad_file_reuses_extractions_and_leaves_no_server(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in CORPUS_FILES:
        shutil.copy(path, corpus / path.name)
    (corpus / "empty.txt").write_bytes(b"")
    db = tmp_path / "w.duckdb"
    # its own Prefect database, and no server of the developer's: Prefect's ephemeral mode
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    args = ["run", str(corpus), "--extractor", "rules", "--db", str(db), "--cache-dir", str(tmp_path / "cache")]
    before = server_processes()
    cold = run_cli(*args, env=env)
    assert cold.returncode == 1, cold.stderr[-3000:]
    lines = cold.stdout.splitlines()
    assert sum(line.endswith(" claims") for line in lines) == len(CORPUS_FILES)  # one per document
    assert f"0 of {len(CORPUS_FILES)} extractions from cache" in lines[-1]
    assert f"reform-facts: {corpus / 'empty.txt'}: empty file" in cold.stderr
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == len(CORPUS_FILES)
        assert con.execute("SELECT count(*) FROM run_failures").fetchone()[0] == 1
    finally:
        con.close()
    warm = run_cli(*args, env=env)
    assert server_processes() - before == set()  # the ephemeral server ended with each command

    assert warm.returncode == 1
    assert sum(line.endswith("claims  (cached)") for line in warm.stdout.splitlines()) == len(CORPUS_FILES)
    assert f"{len(CORPUS_FILES)} of {len(CORPUS_FILES)} extractions from cache" in warm.stdout
    assert "(not cached)" in cold.stderr and "(not cached)" not in warm.stderr  # the logs tell too
    assert warm.stderr.count("reusing the cached extraction of") == len(CORPUS_FILES)  # one per document
