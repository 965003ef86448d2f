from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from pipelines.config import load_settings
from tests.support.fake_server import FakeServer
from tests.support.installation import installation_env

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def reference_file(relative: str) -> Path:
    """A real third-party file read in place; the test is skipped when ../shared is absent."""
    path = REFERENCE / relative
    if not path.exists():
        pytest.skip(f"Referenzdatei {path} fehlt (../shared/reference ist nur in der Projektumgebung vorhanden)")
    return path


@pytest.fixture(autouse=True)
def _no_unreachable_hosts_from_other_tests():
    """A host found unreachable is remembered for the rest of a run (pipelines.http); a test is a run."""
    from pipelines.http import UNREACHABLE

    UNREACHABLE.reset()
    yield
    UNREACHABLE.reset()


@pytest.fixture
def fake_server():
    server = FakeServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def kreis_ca() -> trustme.CA:
    """The Kreis' own certificate authority (signs its servers, and what a proxy breaking HTTPS open re-signs)."""
    return trustme.CA(organization_name="Kreis Testhausen IT")


@pytest.fixture
def ca_file(kreis_ca, tmp_path) -> Path:
    """The Kreis CA as Kreis IT hands it out: a PEM file."""
    path = tmp_path / "kreis-ca.pem"
    kreis_ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def no_proxy_env(monkeypatch):
    """No proxy and no CA bundle of the machine the tests run on: requests would take them."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
                 "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def env(tmp_path: Path, fake_server: FakeServer) -> dict[str, str]:
    """Environment for a project installation in tmp_path whose sources are the fake server."""
    return {
        **installation_env(tmp_path),
        "XREGION_ITNRW_URL": f"{fake_server.url}/rest/2020/",
        "XREGION_ITNRW_DOWNLOADER_URL": f"{fake_server.url}/downloader/00/tables/",
        "XREGION_BKG_WFS_URL": f"{fake_server.url}/wfs",
        "XREGION_OVERPASS_URL": f"{fake_server.url}/api/interpreter",
        "XREGION_ZENSUS_URL": f"{fake_server.url}/zensus.zip",
    }


@pytest.fixture
def settings(env: dict[str, str]):
    """Settings for tmp_path with fast retries, so fault tests take milliseconds."""
    s = load_settings(env=env)
    s.http.retries = 3
    s.http.backoff_initial_s = 0.01
    s.http.backoff_max_s = 0.05
    s.http.connect_timeout_s = 2
    s.http.read_timeout_s = 1
    # the mechanics of fetching are tested on one table; tests of the catalogue set all of them
    s.sources.itnrw.tables = ["12411-15i"]
    return s


@pytest.fixture
def app_env(env, monkeypatch):
    """The test installation's settings in the process environment (pages read them from there)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def statistics(app_env, tmp_path):
    """app_env with every table of the indicator catalogue imported (fixture tables)."""
    from pipelines.refresh import import_files
    from tests.support import itnrw_tables

    import_files(load_settings(), itnrw_tables.write_catalogue_tables(tmp_path))
    return app_env


@pytest.fixture
def as_role(monkeypatch):
    """Pretend sign-in is configured and this role is signed in."""
    from dashboard import auth

    def sign_in(role: str):
        monkeypatch.setattr(auth, "identity", lambda: auth.Identity(f"test-{role}", f"{role}@kreis.example", role, False))

    return sign_in


@pytest.fixture(scope="module")
def ten_town_env(tmp_path_factory):
    """An installation with all ten towns (two Stichtage), their boundaries, a register naming
    Höxter and supply points (tests/support/ten_towns.py)."""
    from pipelines.refresh import import_files
    from tests.support import ten_towns
    from tests.support.supply import import_shop_and_village

    base = tmp_path_factory.mktemp("zehn_staedte")
    env = installation_env(base)
    settings = load_settings(env=env)
    import_files(settings, ten_towns.write(base), replace=True)
    import_shop_and_village(settings, base)
    return env


@pytest.fixture
def in_town_env(ten_town_env, monkeypatch):
    """ten_town_env in the process environment (pages and views read it from there)."""
    from dashboard import profile

    for key, value in ten_town_env.items():
        monkeypatch.setenv(key, value)
    yield ten_town_env
    profile.clear_cache()
