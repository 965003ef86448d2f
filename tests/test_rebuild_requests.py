"""A change saved in the app while another refresh holds the lock still reaches the warehouse:
the save waits for that refresh, and a refresh that outlasts the wait builds the change in at its
end (it was refused as busy before, and stayed out until someone saved again)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Iterator

import duckdb
import pytest

from pipelines import refresh as refresh_module
from pipelines.config import load_settings
from pipelines.errors import BuildError
from pipelines.refresh import rebuild_for_change, refresh
from pipelines.register.store import Change, RegisterStore
from pipelines.state import RebuildRequests


class HeldBuild:
    """The refresh module's build, with its first call held after it has swapped in its warehouse:
    the refresh then still holds the lock, as one does that builds or fetches for a while."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        self.held = threading.Event()
        self.release = threading.Event()
        real = refresh_module.build_warehouse

        def build(*args, **kwargs):
            self.calls += 1
            report = real(*args, **kwargs)
            if self.calls == 1:
                self.held.set()
                assert self.release.wait(60), "the test never released the held build"
            return report

        monkeypatch.setattr(refresh_module, "build_warehouse", build)


@pytest.fixture
def installation(app_env):
    """An installation whose warehouse holds only the register (no statistics needed here)."""
    settings = load_settings()
    refresh(settings, selected=[])
    assert RegisterStore(settings.register_store).exists()
    return settings


def _store_measurement(settings, n: int) -> str:
    store = RegisterStore(settings.register_store)
    kpi = store.records("kpis")[0][2]["id"]
    source = f"während der Aktualisierung {n}"
    record = {"kpi": kpi, "date": date(2021, 1, 1) + timedelta(days=n), "value": float(n), "source": source}
    store.apply([Change("measurements", None, record, None)], "anna", "Messwert erfasst")
    return source


def _in_warehouse(settings, source: str) -> bool:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM raw.register_measurements WHERE source = ?", [source]).fetchone()[0] == 1


@contextmanager
def refresh_running(settings, monkeypatch) -> Iterator[tuple[HeldBuild, ThreadPoolExecutor]]:
    """A refresh in another thread, held after its own build until the block ends (then it ends)."""
    held = HeldBuild(monkeypatch)
    with ThreadPoolExecutor(2) as pool:
        running = pool.submit(refresh, settings, selected=[])
        assert held.held.wait(60)
        try:
            yield held, pool
        finally:
            held.release.set()
        running.result(60)


def test_a_save_during_a_refresh_waits_for_it_and_reaches_the_warehouse(installation, monkeypatch):
    with refresh_running(installation, monkeypatch) as (held, pool):
        source = _store_measurement(installation, 1)
        saved = pool.submit(rebuild_for_change, installation, wait=30)
        assert not saved.done()  # it waits for the running refresh instead of giving up
    assert saved.result(60) is True
    assert _in_warehouse(installation, source)
    # two builds in all: the refresh's own, and one for the change (the refresh's at its end, or the
    # save's own if it asked only after that end)
    assert held.calls == 2
    assert not RebuildRequests(installation.state_dir).pending()


def test_a_refresh_that_outlasts_the_wait_builds_the_change_in_at_its_end(installation, monkeypatch):
    with refresh_running(installation, monkeypatch):
        source = _store_measurement(installation, 2)
        assert rebuild_for_change(installation, wait=0.3) is False  # the app says the refresh will bring it
        assert not _in_warehouse(installation, source)
    assert _in_warehouse(installation, source)
    assert not RebuildRequests(installation.state_dir).pending()


def test_a_build_that_fails_leaves_the_request_for_the_next_one(tmp_path):
    requests = RebuildRequests(tmp_path)
    assert not requests.pending()
    requests.ask()
    with pytest.raises(BuildError):
        with requests.taken():
            raise BuildError("Die Tabelle ist kaputt.")
    assert requests.pending()  # not answered: still owed
    with requests.taken():
        requests.ask()  # a change saved during this build is not answered by it
    assert requests.pending()
    with requests.taken():
        pass
    assert not requests.pending()
    # a build that died under the lock (killed) left its taken request: that one is still owed
    requests.ask()
    (tmp_path / "rebuild.requested").rename(tmp_path / "rebuild.taken")
    assert requests.pending()


def test_without_a_running_refresh_a_save_builds_at_once(installation):
    source = _store_measurement(installation, 3)
    assert rebuild_for_change(installation, wait=0) is True
    assert _in_warehouse(installation, source)


def test_doctor_names_a_change_no_build_has_taken_in(installation):
    from pipelines.doctor import _rebuild_owed
    from pipelines.state import refresh_lock

    assert _rebuild_owed(installation).ok
    RebuildRequests(installation.state_dir).ask()  # the build after a save died
    check = _rebuild_owed(installation)
    assert not check.ok and "noch nicht eingebaut" in check.detail and "xregion refresh" in check.hint
    with refresh_lock(installation.state_dir):  # a running refresh will still build it in
        assert _rebuild_owed(installation).ok
    refresh(installation, selected=[])
    assert _rebuild_owed(installation).ok
