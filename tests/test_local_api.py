"""The temporary Prefect server of `reform-facts run`: started only in the local ephemeral mode."""
from __future__ import annotations

import socket

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from pipeline import local_api


def test_nothing_is_started_when_an_api_url_is_configured(monkeypatch):
    monkeypatch.setattr(local_api.TemporaryServer, "launch",
                        lambda self: pytest.fail("a server was started although an API URL is set"))
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert local_api.start() is None


def test_the_port_chosen_is_free_and_in_prefects_range():
    port = local_api.free_port()
    assert port in local_api.PORTS
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))  # raises if it was taken


@pytest.mark.slow
def test_the_server_answers_serves_the_run_and_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    server = local_api.TemporaryServer({}, timeout=120)
    server.launch()
    try:
        with server.serving() as api_url:
            assert PREFECT_API_URL.value() == api_url
            assert local_api.healthy(api_url)
    finally:
        server.stop()
    assert server.process is None and not local_api.healthy(api_url)
