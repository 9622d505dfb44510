"""The data team's path on loopback: server, work pool, `prefect deploy --all`, worker, a run.

Everything runs in child processes with their own PREFECT_HOME in a temporary folder, so the
test neither sees nor touches the developer's Prefect database. Every process it starts is
stopped at the end, also when a step fails.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from reform_facts.pipeline import flows
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.warehouse.store import DEFAULT_DB, connect

PREFECT = str(Path(sys.executable).with_name("prefect"))
POOL = "reform-facts"
SERVER_START_S = 180  # the first start creates the server's database; slow on a busy machine
COMMAND_S = 180
RUN_S = 300
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def prefect_yaml() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))


def deployment(name: str) -> dict:
    return next(d for d in prefect_yaml()["deployments"] if d["name"] == name)


# --- prefect.yaml as data: no server needed ---------------------------------------------------

@pytest.mark.parametrize("name, flow, cron", [
    ("daily-extraction", flows.reform_facts_pipeline, "0 2 * * *"),
    ("weekly-evaluation", flows.evaluate, "0 3 * * 1"),
])
def test_each_deployment_has_its_schedule_pool_and_parameters_the_flow_takes(name, flow, cron):
    entry = deployment(name)
    assert entry["schedules"] == [{"cron": cron, "timezone": "Asia/Shanghai", "active": True}]
    assert entry["work_pool"]["name"] == POOL
    module, function = entry["entrypoint"].split(":")
    assert (ROOT / module).is_file() and getattr(flows, function) is flow
    flow.validate_parameters(entry["parameters"])  # raises on a name or type the flow does not take
    assert flows.resolve(entry["parameters"]["db"]) == DEFAULT_DB


# --- the whole path ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Child processes started by this test, each in its own session, stopped in reverse order."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.started = env, logs, []

    def start(self, name: str, *args: str, stop_signal: int = signal.SIGTERM) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen([PREFECT, *args], cwd=ROOT, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append((name, process, stop_signal))
        return process

    def run(self, *args: str) -> str:
        done = subprocess.run([PREFECT, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=COMMAND_S)
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def tail(self, name: str, lines: int = 40) -> str:
        text = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()
        return f"--- {name} ---\n" + "\n".join(text[-lines:])

    def stop_all(self) -> None:
        # the worker stops on SIGINT (as on Ctrl-C); its process group holds the flow runs it started
        for name, process, stop_signal in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, stop_signal)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=30)


def wait_for(check, *, seconds: float, what: str, every: float = 1.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {seconds:g} s")


def healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def flow_run_state(api: str, run_id: str) -> dict | None:
    state = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()["state"]
    return state if state and state["type"] in TERMINAL else None


@pytest.mark.slow
def test_server_pool_deploy_worker_and_a_deployment_run_fill_the_warehouse(tmp_path):
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_CLI_PROMPT": "false"}
    db, cache = tmp_path / "reform_facts.warehouse.duckdb", tmp_path / "cache"
    processes = Processes(env, tmp_path)
    try:
        server = processes.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(port))
        wait_for(lambda: healthy(api) or server.poll() is not None, seconds=SERVER_START_S, what="server start")
        assert server.poll() is None, processes.tail("server")

        processes.run("work-pool", "create", POOL, "--type", "process")
        deployed = processes.run("deploy", "--all")
        assert "reform-facts/daily-extraction" in deployed and "evaluate-extractors/weekly-evaluation" in deployed
        processes.start("worker", "worker", "start", "--pool", POOL, stop_signal=signal.SIGINT)

        params = {"extractors": ["rules"], "db": str(db), "cache_dir": str(cache)}
        created = processes.run("deployment", "run", "reform-facts/daily-extraction", "--params", json.dumps(params))
        run_id = next(line.split("UUID:")[1].strip() for line in created.splitlines() if "UUID:" in line)
        state = wait_for(lambda: flow_run_state(api, run_id), seconds=RUN_S, every=2, what="the flow run")
        assert state["type"] == "COMPLETED", f"{state}\n{processes.tail('worker')}"
    finally:
        processes.stop_all()

    con = connect(db, read_only=True)
    try:
        documents = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        per_doc = con.execute("SELECT count(DISTINCT doc_id), count(*) FROM claims WHERE extractor = 'rules'").fetchone()
        runs = con.execute("SELECT run_id, documents, failures, parameters->>'db' FROM runs").fetchall()
    finally:
        con.close()
    corpus = sorted((ROOT / "corpus").glob("*.txt"))
    assert documents == per_doc[0] == len(corpus) and per_doc[1] > 0
    assert runs == [(run_id, len(corpus), 0, str(db))]
    assert any(cache.rglob("*")), "the run cached its extraction results"
