"""Running it in the Kreis: fast when the sources cannot be reached, through the Kreis' proxy,
exit codes for schedulers, `status --json` for monitoring."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from pipelines import PROJECT_ROOT
from pipelines.cli import EXIT_NOTHING, EXIT_OK, EXIT_PARTIAL, refresh_exit_code
from pipelines.config import load_settings
from pipelines.errors import SourceError
from pipelines.http import UNREACHABLE, HttpClient
from pipelines.refresh import RefreshResult, refresh
from pipelines.sources import itnrw
from tests.support import itnrw_tables
from tests.support.certificates import server_context
from tests.support.extra_source import make_source
from tests.support.fake_server import FakeServer, Reply
from tests.support.installation import installation_env
from tests.support.proxy import ForwardProxy
from tests.support.st_client import free_port

TABLE_PATH = "/downloader/00/tables/12411-15i_00.csv"


def refusing_env(tmp_path) -> dict[str, str]:
    """Every source at an address where nothing listens (connection refused)."""
    dead = f"http://127.0.0.1:{free_port()}"
    return {
        **installation_env(tmp_path),
        "XREGION_ITNRW_URL": f"{dead}/rest/2020/", "XREGION_ITNRW_DOWNLOADER_URL": f"{dead}/downloader/00/tables/",
        "XREGION_BKG_WFS_URL": f"{dead}/wfs", "XREGION_OVERPASS_URL": f"{dead}/api/interpreter",
        "XREGION_ZENSUS_URL": f"{dead}/zensus.zip",
    }  # fmt: skip


def test_a_refresh_against_a_refusing_address_ends_in_seconds_with_one_message_per_service(tmp_path, no_proxy_env):
    settings = load_settings(env=refusing_env(tmp_path))  # the shipped retries and backoff (4 tries, 2 s, 4 s, …)
    assert settings.http.retries == 4 and settings.http.backoff_initial_s == 2.0
    started = time.monotonic()
    result = refresh(settings)
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"{elapsed:.1f} s: a refused connection must not be retried"
    assert not result.fetched and set(result.failed) == {"itnrw", "bkg", "wegenetz", "osm", "zensus"}
    # the Zensus grid is cut with the BKG boundaries: without them it says so before asking
    assert "Grenzen des Kreises" in result.failed["zensus"] or "nicht erreichbar" in result.failed["zensus"]
    for source in ("itnrw", "bkg", "wegenetz", "osm"):
        message = result.failed[source]
        assert "nicht erreichbar" in message and "die Verbindung wird abgelehnt" in message
        assert message.count("Netz oder Proxy prüfen") == 1  # one message, not one per table
    assert refresh_exit_code(result) == EXIT_NOTHING


def test_the_cli_exits_2_when_nothing_could_be_updated_and_status_json_says_why(tmp_path, no_proxy_env):
    env = {**refusing_env(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    cli = [sys.executable, "-c", "from pipelines.cli import main; main()"]
    started = time.monotonic()
    done = subprocess.run([*cli, "refresh"], env=env, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 2, done.stderr
    assert time.monotonic() - started < 30
    assert "Landesdatenbank NRW ist nicht erreichbar" in done.stderr
    status = subprocess.run([*cli, "status", "--json"], env=env, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    assert status.returncode == 0, status.stderr
    rows = {row["source"]: row for row in json.loads(status.stdout)}
    assert set(rows) >= {"itnrw", "bkg", "osm", "zensus", "register"}
    assert rows["itnrw"]["failing"] is True and rows["itnrw"]["ok"] is False
    assert "Netz oder Proxy prüfen" in rows["itnrw"]["last_error"] and rows["itnrw"]["last_error_at"]
    assert rows["itnrw"]["last_success"] is None and not rows["itnrw"]["rows"]


def test_exit_codes_for_schedulers():
    assert refresh_exit_code(RefreshResult(succeeded=["itnrw", "bkg"])) == EXIT_OK
    assert refresh_exit_code(RefreshResult(succeeded=["bkg"], failed={"itnrw": "x"})) == EXIT_PARTIAL
    assert refresh_exit_code(RefreshResult(partial={"itnrw": "eine Tabelle fehlt"})) == EXIT_PARTIAL
    assert refresh_exit_code(RefreshResult(failed={"itnrw": "x", "bkg": "y"})) == EXIT_NOTHING
    # the register is read from this machine: its reload is no update from outside
    local = RefreshResult(succeeded=["register"], failed={"itnrw": "x"}, local={"register"})
    assert refresh_exit_code(local) == EXIT_NOTHING


def test_an_unresolvable_name_is_not_retried_and_the_host_is_remembered(settings, no_proxy_env):
    settings.http.backoff_initial_s = 5  # a retry would show in the time
    with HttpClient(settings.http, "Die Landesdatenbank NRW") as client:
        started = time.monotonic()
        for path in ("/a", "/b"):
            with pytest.raises(SourceError) as caught:
                client.get(f"http://landesdatenbank.invalid{path}")
            assert "der Name des Servers lässt sich nicht auflösen" in caught.value.message
        assert time.monotonic() - started < 5
    assert UNREACHABLE.reason("landesdatenbank.invalid")


def test_a_timeout_is_still_retried(settings, fake_server, no_proxy_env):
    fake_server.route("GET", "/langsam", Reply(200, b"spaet", delay=1.5), Reply(200, b"gut"))
    with HttpClient(settings.http, "Der Testdienst") as client:
        assert client.get(f"{fake_server.url}/langsam").body == b"gut"
    assert len(fake_server.requests_to("/langsam")) == 2


def test_a_refresh_goes_through_the_configured_proxy(settings, fake_server, no_proxy_env):
    fake_server.route("GET", TABLE_PATH, Reply(200, itnrw_tables.population_table()))
    fake_server.route("GET", "/extra.csv", Reply(200, b"a;1\nb;2"))
    with ForwardProxy() as proxy:
        no_proxy_env.setenv("HTTP_PROXY", proxy.url)
        result = refresh(settings, sources=[itnrw.SOURCE, make_source(f"{fake_server.url}/extra.csv")])
    assert result.failed == {} and set(result.succeeded) == {"itnrw", "extra"}
    assert ("GET", f"{fake_server.url}{TABLE_PATH}") in proxy.seen and ("GET", f"{fake_server.url}/extra.csv") in proxy.seen


def test_no_proxy_lets_local_addresses_bypass_the_proxy(settings, fake_server, no_proxy_env):
    fake_server.route("GET", "/direkt", Reply(200, b"ok"))
    with ForwardProxy() as proxy:
        no_proxy_env.setenv("HTTP_PROXY", proxy.url)
        no_proxy_env.setenv("NO_PROXY", "127.0.0.1,localhost")
        with HttpClient(settings.http, "Der Testdienst") as client:
            assert client.get(f"{fake_server.url}/direkt").body == b"ok"
    assert proxy.seen == []


def test_a_refusing_proxy_ends_the_refresh_at_once_and_names_the_proxy(settings, fake_server, no_proxy_env):
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    no_proxy_env.setenv("HTTP_PROXY", dead_proxy)
    settings.http.backoff_initial_s = 5
    started = time.monotonic()
    result = refresh(settings, sources=[itnrw.SOURCE, make_source(f"{fake_server.url}/extra.csv")])
    assert time.monotonic() - started < 5
    assert set(result.failed) == {"itnrw", "extra"} and fake_server.requests == []
    assert all(f"der Proxy {dead_proxy} ist nicht erreichbar" in m for m in result.failed.values())


@pytest.mark.parametrize("trusted_by", ["XREGION_CA_FILE", "REQUESTS_CA_BUNDLE"])
def test_https_goes_through_the_proxy_as_a_connect_tunnel(settings, kreis_ca, ca_file, no_proxy_env, trusted_by):
    server = FakeServer(tls=server_context(kreis_ca, "127.0.0.1")).start()
    server.route("GET", "/tabelle", Reply(200, b"sicher"))
    try:
        with ForwardProxy() as proxy:
            no_proxy_env.setenv("HTTPS_PROXY", proxy.url)
            if trusted_by == "REQUESTS_CA_BUNDLE":  # requests' own setting still works beside ours
                no_proxy_env.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
            else:
                settings.http.ca_file = ca_file
            with HttpClient(settings.http, "Der Testdienst") as client:
                assert client.get(f"{server.url}/tabelle").body == b"sicher"
        assert proxy.seen == [("CONNECT", server.url.removeprefix("https://"))]
    finally:
        server.stop()
