"""Prefect's temporary server for a `run`, started so that faults end in one line.

Without PREFECT_API_URL, Prefect (its ephemeral mode) starts a temporary API server as a child
process the first time the flow calls its API, and stops it at exit. `run` starts it first,
through the same public class and instance (`SubprocessASGIServer()`, which the flow's client
then finds running), for three reasons:

- Ctrl-C on a terminal goes to the whole process group, so to the server too: caught while
  Python or uvicorn start up, it printed a "Fatal Python error" traceback or "Aborted!" beside
  our one line. SIGINT is blocked in this thread while the server is spawned: the child inherits
  the blocked signal (the mask survives fork and exec), so the terminal's Ctrl-C never reaches
  it, and it ends when Prefect stops it at exit (SIGTERM). This process loses no Ctrl-C: another
  thread takes it, or it is delivered when the mask is restored, a moment later.
- A temporary folder (TMPDIR) without room made the server fail to start, retried for 20 s,
  then a traceback. The folder is probed first (the run stages its results there too).
- Whatever else stops the server from starting is one line, not a traceback.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import tempfile

from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

from reform_facts.errors import PrefectServerError, TemporaryFolderError

PROBE_BYTES = 1 << 20  # a run's staging file and the server's SQLite temporary files start small
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def start_temporary_server() -> None:
    """Start Prefect's temporary server unless a server is configured (PREFECT_API_URL) or the
    ephemeral mode is off; raise TemporaryFolderError or PrefectServerError, one line each."""
    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return
    check_temporary_folder()
    server = SubprocessASGIServer()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        server.start()
    except RuntimeError as error:  # what Prefect raises when the server does not answer
        folder = temporary_folder()
        raise PrefectServerError(
            f"Prefect's temporary server did not start: {' '.join(str(error).split())[:300]} (the temporary "
            f"folder {folder} has {shutil.disk_usage(folder).free} bytes free; or set PREFECT_API_URL to a "
            f"running server)") from None
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def temporary_folder() -> str:
    """The folder SQLite (the server's database) takes its temporary files from: SQLITE_TMPDIR or
    TMPDIR when it is a folder this process may write to, else Python's choice (/tmp). Python's
    own `gettempdir` is no guide: it passes over a TMPDIR where it cannot write a file (a full
    one), while SQLite checks only the folder's permissions."""
    for name in ("SQLITE_TMPDIR", "TMPDIR"):
        folder = os.environ.get(name)
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return tempfile.gettempdir()


def check_temporary_folder(size: int = PROBE_BYTES) -> None:
    """Write and remove `size` bytes in `temporary_folder()`; TemporaryFolderError naming it
    when that fails."""
    folder = "the temporary folder"
    try:
        folder = temporary_folder()  # gettempdir raises when no candidate folder can be written
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(bytes(size))
            probe.flush()
    except OSError as error:
        raise TemporaryFolderError(
            f"{folder}: the temporary folder (TMPDIR) cannot take the run's temporary files: "
            f"{error.strerror or error}; free some room or point TMPDIR elsewhere",
            exit_code=5 if error.errno in _FULL else 6) from None
