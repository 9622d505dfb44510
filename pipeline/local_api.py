"""Prefect's local API server for `reform-facts run`, started before the flows are imported.

In Prefect's local ephemeral mode (no API URL configured) the first client of a run starts a
temporary server: a uvicorn subprocess serving `prefect.server.api.server:create_app` on a
free local port, stopped when the process exits (Prefect's `SubprocessASGIServer`). Left to
Prefect, it starts only when the flow starts, after this process has imported everything the
flows need, and importing the class that starts it loads the whole server (FastAPI,
SQLAlchemy, every model: seconds of CPU, ~80 MB) into this process, which never serves.

`start` launches the same server the same way before this process has even imported Prefect
(whose import takes over a second), so that the server's start-up (imports, database
migrations) runs on another core while this process imports Prefect and the flows;
`TemporaryServer.serving` then waits until it answers and points the run at it. Whether a
temporary server is wanted is Prefect's settings' call, and they can come from many places (the
environment, the active profile, prefect.toml, .env): once they are read the server is stopped
again if they name an API (a real server, Prefect Cloud) or forbid the ephemeral mode. The
child reads the same settings from the same environment and working folder, as Prefect's own
start passes them on. With PREFECT_API_URL in the environment nothing is started at all.

Starting that server is most of a rerun whose extractions are all cached (over three of its
five seconds), so by default the server outlives the run (`KeptServer`): the next run of the
same Prefect home uses it at once, and it ends itself after some idle minutes. Asked to keep
it 0 minutes, a run uses Prefect's temporary server, as Prefect would.
"""
from __future__ import annotations

import atexit
import contextlib
import importlib.util
import logging
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from pipeline import kept_server
from reform_facts.errors import ReformFactsError

# Prefect's handlers show it with the flow's logs, as they show Prefect's own start message
log = logging.getLogger("prefect.local_api")

PORTS = range(8000, 9000)  # where Prefect looks for a free port for its temporary server
PORT_IN_USE = 3  # uvicorn's exit status when it cannot bind (another process took the port)
POLL_SECONDS = 0.1
DEFAULT_TIMEOUT_S = 20  # Prefect's default startup timeout, until the settings are read
SERVER_DOCS = "https://docs.prefect.io/v3/concepts/server#how-to-guides"


def set_defaults() -> None:
    """What a local run needs unless the user's settings say otherwise: no network for Prefect's
    usage statistics, and time for a first start, which creates the database (can take longer
    than Prefect's 20 s)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def start_kept(keep_minutes: float) -> kept_server.Record:
    """Start the server a run would keep (or find it), and wait until it answers: ready before
    the runs (`reform-facts server start`)."""
    if keep_minutes <= 0:
        raise ReformFactsError("server start: --keep-server must be a positive number of minutes")
    set_defaults()
    server = KeptServer(keep_minutes, timeout=float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]))
    server.launch()
    try:
        server.wait()
    except RuntimeError as error:
        raise ReformFactsError(f"server start: {error} (its log: {server.home / kept_server.LOG})") from None
    assert server.record is not None
    return server.record


def start(keep_minutes: float = 0) -> TemporaryServer | None:
    """A local API server starting in the background, or None when the settings name an API
    (or forbid the ephemeral mode: Prefect then says so itself when the flow starts).

    `keep_minutes` > 0: the server outlives the run, later runs use it, and it ends itself once
    idle that long (`KeptServer`); 0: Prefect's temporary server, stopped when the run ends.
    Call it before Prefect is imported: that is the time it saves. Settings changed in this
    process after its start (`temporary_settings`) do not reach the server."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    server = (KeptServer(keep_minutes, timeout=DEFAULT_TIMEOUT_S) if keep_minutes > 0
              else TemporaryServer(timeout=DEFAULT_TIMEOUT_S))
    server.launch()
    if not isinstance(server, KeptServer):  # registered before Prefect's log and event workers:
        atexit.register(server.stop)         # stops after they drain
    from prefect.settings import get_current_settings  # the import the launch overlaps

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        server.stop(quietly=True)
        return None
    server.timeout = settings.server.ephemeral.startup_timeout_seconds
    return server


class TemporaryServer:
    """One uvicorn subprocess serving Prefect's API on 127.0.0.1, as Prefect starts it."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.ready = False
        self.announced = False

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def launch(self) -> None:
        self.port = free_port()
        self.announced = False  # logged by `wait`: logging is not set up yet when this runs
        app_dir = Path(importlib.util.find_spec("prefect").origin).parent.parent  # type: ignore[arg-type, union-attr]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"], env=server_env())

    def announce(self) -> None:
        log.info("Starting temporary server on http://127.0.0.1:%d\nSee %s for more information on "
                 "running a dedicated Prefect server.", self.port, SERVER_DOCS)

    def wait(self) -> None:
        """Return once the server answers its health check; relaunch on another port if the
        chosen one was taken meanwhile; RuntimeError when it does not answer in time."""
        deadline = time.monotonic() + self.timeout
        while not self.ready:
            if not self.announced:
                self.announce()
                self.announced = True
            if self.exited() == PORT_IN_USE:
                self.launch()
            elif self.exited() is not None:
                raise RuntimeError(f"the local Prefect server exited with status {self.exited()}")
            elif healthy(self.api_url):
                self.ready = True
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the local Prefect server did not answer within {self.timeout} s")
            time.sleep(POLL_SECONDS)

    def exited(self) -> int | None:
        """The server process's exit status, None while it runs."""
        assert self.process is not None, "launch() first"
        return self.process.poll()

    @contextlib.contextmanager
    def serving(self) -> Iterator[str]:
        """Wait for the server, then point Prefect's clients at it (its API URL) inside the block.

        No UI URL: the temporary server serves no UI, so runs log no "View at" link to it. No
        flow-run heartbeats unless asked for: they let a server mark a crashed run as crashed,
        but this server ends with this process, and each flow run's end waits up to a second for
        its heartbeat thread (four flow runs: two seconds of a warm run)."""
        from prefect.settings import (PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, PREFECT_UI_URL,
                                      temporary_settings)

        self.wait()
        updates = {PREFECT_API_URL: self.api_url, PREFECT_UI_URL: ""}
        if "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" not in os.environ:
            updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
        with temporary_settings(updates):
            yield self.api_url

    def stop(self, *, quietly: bool = False) -> None:
        """Terminate the server (killed after 5 s, as Prefect does)."""
        if self.process is None:
            return
        if not quietly:
            log.info("Stopping temporary server on http://127.0.0.1:%d", self.port)
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


class KeptServer(TemporaryServer):
    """The same server, left running for later runs (`pipeline.kept_server`,
    `pipeline.idle_server`): started by the first run of a Prefect home, used by the next ones,
    ended by itself after `keep_minutes` idle or by `reform-facts server stop`."""

    def __init__(self, keep_minutes: float, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.keep_minutes = keep_minutes
        self.home = kept_server.prefect_home()
        self.record: kept_server.Record | None = None

    def launch(self) -> None:
        """Use the recorded server of this Prefect home when it runs and was started the same
        way; else start one (on a free port) and record it."""
        self.announced = False
        with kept_server.locked(self.home):
            found = kept_server.read(self.home)
            if found and found.fingerprint == kept_server.fingerprint() and kept_server.running(found):
                self.record, self.port, self.process = found, found.port, None
                return
            self.port = free_port()
            self.record, self.process = kept_server.launch(self.home, self.port, self.keep_minutes, server_env())

    def announce(self) -> None:
        if self.process is None:
            log.info("Using the local Prefect server on http://127.0.0.1:%d, started by an earlier run",
                     self.port)
        else:
            log.info("Starting a local Prefect server on http://127.0.0.1:%d; later runs use it until it "
                     "has been idle %g minutes (`reform-facts server stop` stops it now)",
                     self.port, self.keep_minutes)

    def exited(self) -> int | None:
        if self.process is not None:
            return self.process.poll()
        assert self.record is not None, "launch() first"
        return None if kept_server.running(self.record) else PORT_IN_USE  # gone meanwhile: start one

    def stop(self, *, quietly: bool = False) -> None:
        """Stop the server if this run started it (the settings turned out to want none); one
        started by an earlier run is left to the runs that use it."""
        if self.process is None or self.record is None:
            return
        kept_server.forget(self.home, self.record)
        kept_server.terminate(self.process.pid)
        self.process = None


def server_env() -> dict[str, str]:
    """The environment of prefect.server.api.server.SubprocessASGIServer's server: no UI, no
    background services; the caller's settings come with its environment."""
    return {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1"}


def free_port() -> int:
    """A port of `PORTS` nobody listens on now (random, as Prefect picks them)."""
    for _ in range(50):
        port = random.choice(PORTS)
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1} for the temporary Prefect server")


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
