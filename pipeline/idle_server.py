"""Prefect's local API server kept between runs, ending itself once nobody has used it for a while.

`python -m pipeline.idle_server --port P --idle-minutes N` serves what Prefect's temporary
server serves (`prefect.server.api.server:create_app` in its ephemeral mode: no UI, no
background services, the caller's settings from the environment) on 127.0.0.1:P, and exits
once N minutes have passed with no request open and none made: the temporary server's cost
(over three seconds to start, most of a warm run) is paid once per working session instead
of once per run. A run holds the events websocket open while it lasts, so a long run never
counts as idle. `pipeline.local_api` starts it and finds it again; `reform-facts server stop`
ends it at once.
"""
from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]
CHECK_SECONDS = 5.0


class Activity:
    """ASGI middleware: how many requests (and websockets) are open, and when the last ended."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.open = 0
        self.last = time.monotonic()

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] not in ("http", "websocket"):  # lifespan: the app's own start and stop
            await self.app(scope, receive, send)
            return
        self.open += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self.last = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since the last request ended, 0 while one is open."""
        return 0.0 if self.open else time.monotonic() - self.last


def watch(activity: Activity, idle_seconds: float, stop: Callable[[], None],
          started: Callable[[], bool] = lambda: True, check_seconds: float = CHECK_SECONDS) -> threading.Thread:
    """A daemon thread calling `stop` once `activity` has been idle for `idle_seconds`, counted
    from when `started()` first holds (creating a new database alone can take longer)."""

    def loop() -> None:
        while not started():
            time.sleep(check_seconds / 10)
        activity.last = time.monotonic()
        while activity.idle_for() < idle_seconds:
            time.sleep(check_seconds)
        stop()

    thread = threading.Thread(target=loop, name="idle-watch", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pipeline.idle_server", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idle-minutes", type=float, required=True)
    args = parser.parse_args(argv)

    import uvicorn
    from prefect.server.api.server import create_app

    activity = Activity(create_app())  # ephemeral, final, no UI: from the launcher's environment
    server = uvicorn.Server(uvicorn.Config(activity, host="127.0.0.1", port=args.port, lifespan="on",
                                           log_level="error"))
    watch(activity, args.idle_minutes * 60, lambda: setattr(server, "should_exit", True),
          started=lambda: server.started)
    server.run()  # exits with status 3 when it cannot bind: the launcher then tries another port


if __name__ == "__main__":
    main()
