"""Faults of `run` end in one line and a documented exit status, with no traceback and no process
left behind (issue 21 item 6): Ctrl-C while Prefect's temporary server starts, a temporary folder
(TMPDIR) without room or missing. Each runs the command in a subprocess of its own session, as a
terminal would (Ctrl-C goes to the whole process group).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.pipeline.cli import EXIT_CODES

CLI = [sys.executable, "-m", "reform_facts.pipeline.cli"]
GOOD = "2023年，三明市基层诊疗量占比达65%以上。"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = os.environ | {"REFORM_FACTS_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect"),
                        **extra}
    env.pop("PREFECT_API_URL", None)  # Prefect's ephemeral mode: the temporary server is a child
    return env


def _run_args(tmp_path: Path) -> list[str]:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "a.txt").write_text(GOOD, encoding="utf-8")
    return ["run", str(docs), "--extractor", "rules", "--db", str(tmp_path / "w.duckdb"),
            "--cache-dir", str(tmp_path / "cache"), "--json"]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_while_prefects_server_starts_is_one_line_and_leaves_no_process(tmp_path):
    """The moment the battery caught: the server child is starting (Python's start-up, uvicorn's
    import) when the terminal's SIGINT reaches the whole group. It printed "Fatal Python error"
    with a traceback, or "Aborted!", beside our line."""
    process = subprocess.Popen([*CLI, *_run_args(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT, env=_env(tmp_path), start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not _children(process.pid) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _children(process.pid), "no server child appeared"
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C on a terminal does
        _, err = process.communicate(timeout=90)
        time.sleep(0.5)
        left = _group_alive(process.pid)
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert err.splitlines() == ["reform-facts: interrupted"], err[-2000:]
    assert process.returncode == 130 and 130 in EXIT_CODES["run"]
    assert not left, "a process of the run outlived it"


def test_a_rerun_after_ctrl_c_loads_the_documents(tmp_path):
    process = subprocess.Popen([*CLI, *_run_args(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, cwd=ROOT, env=_env(tmp_path), start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(3)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=90)
    assert "Traceback" not in err and len(err.splitlines()) <= 1, err[-2000:]
    again = subprocess.run([*CLI, *_run_args(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                           env=_env(tmp_path), timeout=300)
    assert again.returncode == 0 and json.loads(again.stdout)["claims"] == 1, again.stderr[-2000:]


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs `unshare -m` and tmpfs mounts (root)")
def test_a_full_temporary_folder_is_one_line_exit_5(tmp_path):
    """Prefect's server keeps its SQLite temporary files in TMPDIR: with no room it failed to
    start, was retried for 20 s, and a traceback followed. Now the folder is probed first."""
    small = tmp_path / "small"
    small.mkdir()
    args = " ".join(f"'{arg}'" for arg in [*CLI, *_run_args(tmp_path)])
    script = (f"mount -t tmpfs -o size=64k tmpfs {small} && (head -c 70000 /dev/zero > {small}/filler) 2>/dev/null;"
              f" TMPDIR={small} {args}")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, cwd=ROOT,
                          env=_env(tmp_path), timeout=300)
    lines = done.stderr.splitlines()
    assert done.returncode == 5 and done.returncode in EXIT_CODES["run"], done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith(f"reform-facts: {small}: the temporary folder"), lines


def test_a_missing_temporary_folder_is_passed_over(tmp_path):
    """Python and SQLite both pass over a TMPDIR that is not a folder they may write to."""
    done = subprocess.run([*CLI, *_run_args(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                          env=_env(tmp_path, TMPDIR=str(tmp_path / "missing")), timeout=300)
    assert done.returncode == 0 and json.loads(done.stdout)["claims"] == 1, done.stderr[-2000:]


def test_a_cache_that_cannot_be_written_is_one_warning_line_however_many_documents(tmp_path):
    """Each extraction that cannot be cached warns the same; the terminal gets it once."""
    args = _run_args(tmp_path)
    for number in range(4):
        (tmp_path / "docs" / f"b{number}.txt").write_text(f"全市基层诊疗量占比达6{number}%。", encoding="utf-8")
    (tmp_path / "cache").write_text("a file where the cache folder should be")  # unwritable for root too
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT, env=_env(tmp_path), timeout=300)
    assert done.returncode == 0 and json.loads(done.stdout)["claims"] == 5, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("reform-facts: warning: not cached: "), lines
    assert lines[0].endswith("(5 times)") and json.loads(done.stdout)["warnings"] == [lines[0][23:]]


def test_a_bug_ends_in_one_line_and_its_traceback_only_on_debug(monkeypatch, capsys, tmp_path):
    from reform_facts.extractors import registry
    from reform_facts.pipeline.cli import main

    def broken(name):
        raise ZeroDivisionError("division by zero in a rule")

    monkeypatch.setattr(registry, "get", broken)
    (tmp_path / "a.txt").write_text("全市床位1.2万张。", encoding="utf-8")
    assert main(["extract", str(tmp_path / "a.txt")]) == 70
    err = capsys.readouterr().err
    assert err.splitlines() == ["reform-facts: unexpected error ZeroDivisionError: division by zero in a rule "
                                "(a bug; `reform-facts --debug ...` shows where)"]
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "extract", str(tmp_path / "a.txt")])
