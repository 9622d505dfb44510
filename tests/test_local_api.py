"""The temporary Prefect server of `reform-facts run`: started only in the local ephemeral mode."""
from __future__ import annotations

import socket

import pytest
from prefect.settings import (PREFECT_API_URL, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE,
                              PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings)

from pipeline import local_api


def test_nothing_is_started_when_the_environment_names_an_api(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    monkeypatch.setattr(local_api.TemporaryServer, "launch",
                        lambda self: pytest.fail("a server was started although an API URL is set"))
    assert local_api.start() is None


@pytest.mark.parametrize("settings", [
    {PREFECT_API_URL: "http://127.0.0.1:4200/api"},  # from a profile, prefect.toml, ...
    {PREFECT_SERVER_ALLOW_EPHEMERAL_MODE: False},
])
def test_the_early_server_is_stopped_when_the_settings_want_none(monkeypatch, settings):
    events = []
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(local_api.atexit, "register", lambda stop: None)  # the server is a stand-in
    monkeypatch.setattr(local_api.TemporaryServer, "launch", lambda self: events.append("launched"))
    monkeypatch.setattr(local_api.TemporaryServer, "stop",
                        lambda self, quietly=False: events.append(("stopped", quietly)))
    with temporary_settings(settings):
        assert local_api.start() is None
    assert events == ["launched", ("stopped", True)]


def test_the_early_server_is_kept_in_the_ephemeral_mode(monkeypatch):
    launched = []
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(local_api.atexit, "register", lambda stop: None)  # the server is a stand-in
    monkeypatch.setattr(local_api.TemporaryServer, "launch", lambda self: launched.append(self))
    monkeypatch.setattr(local_api.TemporaryServer, "stop",
                        lambda self, quietly=False: pytest.fail("the wanted server was stopped"))
    with temporary_settings({PREFECT_API_URL: None, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 77}):
        server = local_api.start()
    assert launched == [server] and server.timeout == 77


def test_the_port_chosen_is_free_and_in_prefects_range():
    port = local_api.free_port()
    assert port in local_api.PORTS
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))  # raises if it was taken


@pytest.mark.slow
def test_the_server_answers_serves_the_run_and_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    server = local_api.TemporaryServer(timeout=120)
    server.launch()
    try:
        with server.serving() as api_url:
            assert PREFECT_API_URL.value() == api_url
            assert local_api.healthy(api_url)
    finally:
        server.stop()
    assert server.process is None and not local_api.healthy(api_url)
