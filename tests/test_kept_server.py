"""The local Prefect server kept between runs: found again only when it is the same server, ended
when idle, stopped only by whoever started it."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest

from pipeline import idle_server, kept_server, local_api
from reform_facts import ROOT
from reform_facts.errors import ReformFactsError


def record(**changes) -> kept_server.Record:
    fields = {"pid": os.getpid(), "port": 8123, "idle_minutes": 15.0,
              "fingerprint": kept_server.fingerprint(), "started": 0.0}
    return kept_server.Record(**(fields | changes))


# --- the record ---------------------------------------------------------------------------

def test_a_record_reads_back_as_written_and_a_damaged_one_as_none(tmp_path):
    assert kept_server.read(tmp_path) is None
    kept_server.write(tmp_path, record())
    assert kept_server.read(tmp_path) == record()
    (tmp_path / kept_server.STATE).write_text('{"pid": 12')  # a crash mid-write of an older version
    assert kept_server.read(tmp_path) is None


@pytest.mark.parametrize("case, recorded, alive", [
    ("this test process, not a server", record(), False),
    ("a process id nobody has", record(pid=2 ** 22 + 1), False),
])
def test_a_recorded_process_counts_only_when_it_is_that_server(case, recorded, alive):
    assert kept_server.running(recorded) is alive, case


@pytest.mark.parametrize("variable, value", [
    ("PREFECT_API_DATABASE_CONNECTION_URL", "sqlite+aiosqlite:////elsewhere.db"),
    ("PREFECT_LOGGING_LEVEL", "DEBUG"),
])
def test_a_server_started_with_other_prefect_settings_is_another_server(monkeypatch, variable, value):
    before = kept_server.fingerprint()
    monkeypatch.setenv(variable, value)
    assert kept_server.fingerprint() != before
    monkeypatch.setenv("REFORM_FACTS_UNRELATED", "1")  # not Prefect's: the same server
    monkeypatch.delenv(variable)
    assert kept_server.fingerprint() == before


@pytest.mark.parametrize("variable", ["PREFECT_LOCAL_STORAGE_PATH", "PREFECT_RESULTS_PERSIST_BY_DEFAULT",
                                      "PREFECT_TASKS_REFRESH_CACHE"])
def test_settings_only_clients_read_do_not_make_another_server(monkeypatch, variable):
    before = kept_server.fingerprint()
    monkeypatch.setenv(variable, "/elsewhere")  # each benchmark run keeps its results apart
    assert kept_server.fingerprint() == before


def test_a_server_is_not_started_to_be_kept_for_no_time(home):
    with pytest.raises(ReformFactsError, match="positive number of minutes"):
        local_api.start_kept(0)
    assert kept_server.read(home) is None


def test_stop_without_a_running_server_stops_nothing_and_forgets_a_stale_record(tmp_path):
    assert kept_server.stop(tmp_path) is None
    kept_server.write(tmp_path, record())  # this process: alive, but no server
    assert kept_server.stop(tmp_path) is None
    assert kept_server.read(tmp_path) is None


# --- a run's use of it --------------------------------------------------------------------

class FakeProcess:
    pid = 2 ** 22 + 3

    def poll(self):
        return None


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    return tmp_path


def test_a_run_uses_the_recorded_server_when_it_runs_and_was_started_the_same_way(home, monkeypatch):
    kept_server.write(home, record(port=8321))
    monkeypatch.setattr(kept_server, "running", lambda found: True)
    monkeypatch.setattr(kept_server, "launch", lambda *a: pytest.fail("started a second server"))
    server = local_api.KeptServer(15, timeout=1)
    server.launch()
    assert (server.port, server.process) == (8321, None)
    server.stop(quietly=True)  # the settings want no server: one it did not start is left alone
    assert kept_server.read(home) == record(port=8321)


@pytest.mark.parametrize("case, recorded, alive", [
    ("no record", None, True),
    ("its process is gone", record(), False),
    ("started another way", record(fingerprint="0123456789abcdef"), True),
])
def test_otherwise_a_run_starts_and_records_its_own(home, monkeypatch, case, recorded, alive):
    if recorded:
        kept_server.write(home, recorded)
    launched = []

    def launch(where, port, minutes, env):
        launched.append((where, minutes, env["PREFECT__SERVER_EPHEMERAL"]))
        started = record(pid=FakeProcess.pid, port=port, idle_minutes=minutes)
        kept_server.write(where, started)
        return started, FakeProcess()

    monkeypatch.setattr(kept_server, "running", lambda found: alive)
    monkeypatch.setattr(kept_server, "launch", launch)
    server = local_api.KeptServer(7, timeout=1)
    server.launch()
    assert launched == [(home, 7, "1")], case
    assert kept_server.read(home).port == server.port

    stopped = []
    monkeypatch.setattr(kept_server, "terminate", stopped.append)
    server.stop(quietly=True)  # the settings want no server: the one it started goes, and its record
    assert stopped == [FakeProcess.pid] and kept_server.read(home) is None


def test_keeping_the_server_zero_minutes_is_prefects_temporary_server(home, monkeypatch):
    monkeypatch.setattr(local_api.atexit, "register", lambda stop: None)
    monkeypatch.setattr(local_api.TemporaryServer, "launch", lambda self: None)
    assert type(local_api.start(0)) is local_api.TemporaryServer
    monkeypatch.setattr(local_api.KeptServer, "launch", lambda self: None)
    assert type(local_api.start(5)) is local_api.KeptServer


# --- the server ending itself ---------------------------------------------------------------

def test_activity_counts_open_requests_and_idles_from_the_last_one():
    async def app(scope, receive, send):
        assert activity.idle_for() == 0.0  # a request is open
        await asyncio.sleep(0)

    activity = idle_server.Activity(app)
    asyncio.run(activity({"type": "http"}, None, None))
    time.sleep(0.02)
    assert activity.open == 0 and activity.idle_for() >= 0.02


def test_the_watch_stops_the_server_once_idle_long_enough_from_its_start():
    activity = idle_server.Activity(lambda *a: None)
    stopped, started = [], []
    thread = idle_server.watch(activity, 0.05, lambda: stopped.append(time.monotonic()),
                               started=lambda: bool(started), check_seconds=0.01)
    time.sleep(0.2)  # still starting: the idle time has not begun
    assert stopped == []
    started.append(time.monotonic())
    thread.join(timeout=5)
    assert len(stopped) == 1 and stopped[0] - started[0] >= 0.05


@pytest.mark.slow
def test_an_idle_server_ends_itself(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")} | local_api.server_env()
    env |= {"PREFECT_HOME": str(tmp_path), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    port = local_api.free_port()
    process = subprocess.Popen([sys.executable, "-m", "pipeline.idle_server", "--port", str(port),
                                "--idle-minutes", "0.05"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while not local_api.healthy(f"http://127.0.0.1:{port}/api"):
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        assert process.wait(timeout=3 + 2 * idle_server.CHECK_SECONDS + 10) == 0  # 3 s idle, then it ends
    finally:
        process.kill()
