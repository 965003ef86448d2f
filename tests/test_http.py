import time

import pytest

from pipelines.errors import SourceError
from pipelines.http import HttpClient
from pipelines.progress import CollectingReporter
from tests.support.fake_server import Reply


@pytest.fixture
def client(settings):
    reporter = CollectingReporter()
    with HttpClient(settings.http, "Der Testdienst", reporter) as c:
        c.reporter_messages = reporter.messages
        yield c


def test_success_sends_a_descriptive_user_agent_and_reports_the_size(client, fake_server):
    fake_server.route("GET", "/a", Reply(200, b"x" * 3000))
    resp = client.get(f"{fake_server.url}/a", label="Datei a")
    assert resp.body == b"x" * 3000
    assert fake_server.requests[0].headers["User-Agent"].startswith("XRegionMonitor/")
    assert any(m.startswith("Download Datei a") and "KB" in m for m in client.reporter_messages)


def test_post_sends_a_form_body(client, fake_server):
    fake_server.route("POST", "/p", Reply(200, b"ok"))
    client.post(f"{fake_server.url}/p", data={"name": "12411-15i", "format": "ffcsv"})
    assert fake_server.requests[0].form == {"name": "12411-15i", "format": "ffcsv"}


def test_server_errors_are_retried_then_succeed(client, fake_server):
    fake_server.route("GET", "/a", Reply(503), Reply(502), Reply(200, b"gut"))
    assert client.get(f"{fake_server.url}/a").body == b"gut"
    assert len(fake_server.requests) == 3
    assert sum("neuer Versuch" in m for m in client.reporter_messages) == 2


def test_a_broken_body_is_retried(client, fake_server):
    fake_server.route("GET", "/a", Reply(200, b"0123456789" * 100, truncate=True), Reply(200, b"komplett"))
    assert client.get(f"{fake_server.url}/a").body == b"komplett"


def test_slow_answers_time_out_and_end_in_a_german_message(client, fake_server):
    fake_server.route("GET", "/slow", Reply(200, b"spaet", delay=1.5))
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        client.get(f"{fake_server.url}/slow")
    assert len(fake_server.requests) == 3  # all attempts used
    assert "Der Testdienst ist nicht erreichbar" in err.value.message
    assert "keine Antwort innerhalb der Wartezeit" in err.value.message
    assert "zuletzt geladenen Daten" in err.value.hint
    assert time.monotonic() - started < 10


def test_connection_refused_is_reported_at_once(settings):
    """Retrying a refused connection cannot help (tests/test_operations.py measures a refresh)."""
    settings.http.backoff_initial_s = 5
    started = time.monotonic()
    with HttpClient(settings.http, "Der Testdienst") as c, pytest.raises(SourceError) as err:
        c.get("http://127.0.0.1:9/nichts")
    assert time.monotonic() - started < 3
    assert "die Verbindung wird abgelehnt" in err.value.message and "Netz oder Proxy prüfen" in err.value.message


def test_client_errors_are_not_retried(client, fake_server):
    fake_server.route("GET", "/weg", Reply(404, b"nope"))
    with pytest.raises(SourceError) as err:
        client.get(f"{fake_server.url}/weg")
    assert len(fake_server.requests) == 1
    assert "HTTP 404 (nicht gefunden)" in err.value.message


def test_429_waits_at_least_retry_after(settings, fake_server):
    fake_server.route("GET", "/busy", Reply(429, headers={"Retry-After": "0.3"}), Reply(200, b"ok"))
    with HttpClient(settings.http, "Overpass", min_wait_on_429_s=0.2) as c:
        started = time.monotonic()
        assert c.get(f"{fake_server.url}/busy").body == b"ok"
    assert time.monotonic() - started >= 0.3


def test_an_unreachable_server_is_given_up_within_the_total_time(settings, fake_server):
    settings.http.retries = 50
    settings.http.read_timeout_s = 5
    settings.http.backoff_initial_s = 0.2
    settings.http.total_timeout_s = 2.0
    fake_server.route("GET", "/slow", *[Reply(200, b"spaet", delay=3.0) for _ in range(50)])
    started = time.monotonic()
    with HttpClient(settings.http, "Der Testdienst") as client, pytest.raises(SourceError) as caught:
        client.get(f"{fake_server.url}/slow")
    assert time.monotonic() - started < 4.5  # 2 s total plus at most one second of grace
    assert "Der Testdienst ist nicht erreichbar" in caught.value.message
