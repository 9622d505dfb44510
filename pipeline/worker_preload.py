"""What the fork server of the local Dask workers loads before it forks them.

Imported by that server only (`runners.start_worker_server` names it): it imports what a
worker runs (Dask's worker, Prefect's task engine, the tasks' module) and builds the
extractors named in the environment variable `runners.PRELOAD_ENV`, so that every worker
forked from the server starts with them. An extractor that cannot be built is logged and
left out: each worker then tries to build it itself, and each document fails with the reason.
"""
from __future__ import annotations

import atexit
import logging
import os

import distributed.nanny  # noqa: F401 - the worker process itself
import prefect.task_engine  # noqa: F401 - runs the tasks in the worker

import warehouse.load  # noqa: F401 - the results' classes
from extractors import registry
from pipeline import runners, tasks  # noqa: F401 - what the tasks are unpickled into


BUILT: list[str] = []  # what this process built, so that a worker can tell


def preload(names: list[str]) -> None:
    """Build each extractor of `names` in this process, logging those that fail."""
    for name in names:
        if name not in registry.names():
            continue  # an unknown name: the flow itself says so, listing the known ones
        try:
            registry.get(name)
            BUILT.append(name)
        except Exception:  # noqa: BLE001 - any failure: the workers build it, and report it, themselves
            logging.getLogger(__name__).exception("could not build extractor %r for the Dask workers", name)


if runners.PRELOAD_ENV in os.environ:  # the fork server, which `start_worker_server` gave it
    preload([name for name in os.environ[runners.PRELOAD_ENV].split(",") if name])
    # When the run ends the server has nothing left to finalise, and tearing the built
    # extractors down object by object (millions of pkuseg features) made the run wait ~0.4 s
    # for it. Its workers are unaffected: forked children leave by os._exit, never by atexit.
    atexit.register(os._exit, 0)
