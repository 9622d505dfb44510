"""The local Prefect server a run leaves for the next ones: its record, how it is found or started,
and how it is stopped.

One server per Prefect home (where its database lives), recorded in
`$PREFECT_HOME/reform-facts-server.json` (process id, port, idle time, fingerprint). A later run
uses it when the record's process is still that server and was started the same way: same
Python, same Prefect, same working folder (prefect.toml, .env) and the same PREFECT_* variables
(but for the clients' own: `CLIENT_ONLY`);
otherwise it starts its own and records it instead (the other server ends itself when idle). A
lock file makes two runs starting at once share one server. Nothing here imports Prefect: this
runs before that import, which the server's start overlaps.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

STATE = "reform-facts-server.json"
LOCK = "reform-facts-server.lock"
LOG = "reform-facts-server.log"
MODULE = "pipeline.idle_server"
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Record:
    pid: int
    port: int
    idle_minutes: float
    fingerprint: str
    started: float  # time.time() of the launch

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


def prefect_home() -> Path:
    """Where Prefect keeps its database unless told otherwise (PREFECT_HOME, else ~/.prefect)."""
    return Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()


# Settings only Prefect's clients read (where a run keeps its results, how its tasks and flows
# behave): two runs differing in them can share a server.
CLIENT_ONLY = ("PREFECT_LOCAL_STORAGE_PATH", "PREFECT_RESULTS_", "PREFECT_TASKS_", "PREFECT_FLOWS_",
               "PREFECT_CLIENT_")


def fingerprint() -> str:
    """What makes a server started now the same as one started earlier."""
    settings = sorted((k, v) for k, v in os.environ.items()
                      if k.startswith("PREFECT_") and not k.startswith(CLIENT_ONLY))
    started_with = {"python": sys.executable, "prefect": version("prefect"), "cwd": os.getcwd(),
                    "settings": settings}
    return hashlib.sha256(json.dumps(started_with, sort_keys=True).encode()).hexdigest()[:16]


def read(home: Path) -> Record | None:
    try:
        return Record(**json.loads((home / STATE).read_text()))
    except (OSError, ValueError, TypeError):  # none yet, or left half-written by a crash
        return None


def running(record: Record) -> bool:
    """The record's process is alive and is that server (not another process given its id)."""
    try:
        command = Path(f"/proc/{record.pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return MODULE.encode() in command and str(record.port).encode() in command


@contextlib.contextmanager
def locked(home: Path) -> Iterator[None]:
    home.mkdir(parents=True, exist_ok=True)
    with (home / LOCK).open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def launch(home: Path, port: int, idle_minutes: float, env: dict[str, str]) -> tuple[Record, subprocess.Popen[bytes]]:
    """Start a server on `port` that outlives this process (its own session, its output in
    `$PREFECT_HOME/reform-facts-server.log`), and record it."""
    with (home / LOG).open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", MODULE, "--port", str(port), "--idle-minutes", str(idle_minutes)],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True)
    record = Record(process.pid, port, idle_minutes, fingerprint(), time.time())
    write(home, record)
    return record, process


def write(home: Path, record: Record) -> None:
    partial = home / f".{STATE}.{os.getpid()}"
    partial.write_text(json.dumps(asdict(record)))
    partial.replace(home / STATE)  # readers see the old record or the new one, never half


def forget(home: Path, record: Record) -> None:
    """Remove the record if it is still this one."""
    if read(home) == record:
        (home / STATE).unlink(missing_ok=True)


def stop(home: Path) -> Record | None:
    """Stop the recorded server, if one runs; the record it had, or None."""
    with locked(home):
        record = read(home)
        if record is None:
            return None
        (home / STATE).unlink(missing_ok=True)
    if not running(record):
        return None
    terminate(record.pid)
    return record


def terminate(pid: int) -> None:
    """SIGTERM, then SIGKILL after `STOP_TIMEOUT_S`; returns once the process is gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _exists(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)


def _exists(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # our own child: reap it, or it stays a zombie
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
