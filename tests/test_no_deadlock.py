"""Many people at once must never hang the server. polars runs Python callbacks (`map_elements`
and friends) inside its thread pool; under Streamlit's threads one session's `to_pandas()` (which
`st.dataframe` calls) then waits for the pool while the pool waits for the GIL
(../shared/repro/polars_map_elements_deadlock.py). No code that runs per request may use them,
and the pages that show tables must survive several sessions at once."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import pytest

from pipelines import PROJECT_ROOT
from tests.support.st_client import Session, exceptions, healthy, served

CALLBACKS = {"map_elements", "map_batches", "map_rows", "map_groups", "apply_batches"}
PAGES = ["indikatoren", "daten", "wochenblick", "nahversorgung"]


def test_no_polars_callbacks_in_code_that_runs_per_request():
    found = []
    for path in sorted((PROJECT_ROOT / "dashboard").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in CALLBACKS:
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.attr}")
    assert found == []


def test_tables_go_to_streamlit_in_one_place_as_arrow(monkeypatch):
    """`st.dataframe(<polars frame>)` converts through pandas on every rerun (`to_pandas()`, the
    call that waited in the deadlock); every page hands its tables to `ui.table`, which sends Arrow."""
    import polars as pl
    import pyarrow as pa
    import streamlit as st

    from dashboard import ui

    direct = []
    for path in sorted((PROJECT_ROOT / "dashboard").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"dataframe", "table"} and getattr(node.value, "id", "") == "st":
                direct.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert direct == ["dashboard/ui.py:" + str(_line_of(ui.table, "st.dataframe"))]
    sent = []
    monkeypatch.setattr(st, "dataframe", lambda frame, **kwargs: sent.append(frame))
    ui.table(pl.DataFrame({"Stadt": ["Höxter"], "Menschen": ["1.178"]}))
    assert isinstance(sent[0], pa.Table) and sent[0].column("Menschen").to_pylist() == ["1.178"]


def _line_of(function, text: str) -> int:
    import inspect

    lines, start = inspect.getsourcelines(function)
    return start + next(i for i, line in enumerate(lines) if text in line)


def _user(port: int, page: str, rounds: int, times: list, errors: list) -> None:
    session = None
    try:
        session = Session(port, timeout_s=45)
        for _ in range(rounds):
            seconds, messages = session.rerun(page)
            if shown := exceptions(messages):
                errors.append(f"{page}: {shown[0]}")
                return
            times.append(seconds)
    except Exception as exc:  # noqa: BLE001 - a stall or a dropped connection, reported below
        errors.append(f"{page}: {type(exc).__name__}: {exc}")
    finally:
        if session is not None:
            session.close()


def test_pages_with_tables_survive_many_sessions_at_once(statistics, tmp_path):
    """Real sessions over the websocket protocol against `xregion serve`: two users on each page
    that shows tables, at once; every rerun must finish and the server must stay healthy."""
    with served(statistics, tmp_path / "serve.log") as port:
        times: list[float] = []
        errors: list[str] = []
        users = [threading.Thread(target=_user, args=(port, page, 6, times, errors), daemon=True)
                 for page in PAGES for _ in range(2)]  # fmt: skip
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=240)
        assert not [u for u in users if u.is_alive()], "Sitzungen hängen (Verklemmung)"
        assert healthy(port), "der Server antwortet nicht mehr"
        assert not errors, errors
        assert len(times) == len(users) * 6


def _serving(port: int) -> list[int]:
    """The processes whose command line serves `port` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if entry.name.isdigit() and b"--server.port" in args and str(port).encode() in args:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="braucht /proc (Linux)")
def test_stopping_xregion_serve_stops_the_server(statistics, tmp_path):
    """A supervisor that signals only the process it started (systemd's main PID, docker, the
    tests) must stop the server: `xregion serve` becomes Streamlit instead of starting it as a
    child, which was left running, orphaned, when only its parent was terminated."""
    with served(statistics, tmp_path / "serve.log") as port:
        servers = _serving(port)
        assert servers, "kein Prozess bedient den Port"
    deadline = time.monotonic() + 5
    while _serving(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _serving(port), f"der Server läuft nach dem Beenden weiter: {servers}"


def test_a_rerun_does_not_collect_all_garbage_under_the_gil():
    """Streamlit's default `gc.collect(2)` after every rerun walks the whole heap (geopandas,
    shapely, pandas, polars loaded): ~0.1 s per rerun, most of a page's server time, and every
    session waits for it. The served configuration turns it off; Python's own collector stays on."""
    import tomllib

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False


def test_the_served_app_does_not_watch_its_source_files():
    """With a file watcher Streamlit walks every loaded module on the event loop after each rerun
    of each session, which all sessions wait for; the served app is restarted on a deploy instead."""
    import tomllib

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"


def test_the_dashboard_runs_polars_with_one_thread_unless_told_otherwise():
    """Pages work on frames of a few hundred rows; a pool hand-off per step costs more than the
    step and waits for the GIL among all sessions. An administrator's explicit setting is kept."""
    from pipelines.cli import serve_environment

    assert serve_environment({"PATH": "/usr/bin"}) == {"PATH": "/usr/bin", "POLARS_MAX_THREADS": "1"}
    assert serve_environment({"POLARS_MAX_THREADS": "4"})["POLARS_MAX_THREADS"] == "4"


def test_the_long_lived_heap_is_frozen_so_full_collections_stay_short(monkeypatch):
    """The keeper thread starts once per process; settling frees cyclic garbage first and freezes
    the rest, and the served app starts the keeper."""
    import gc

    from dashboard import heap

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    try:
        gc.freeze()
        Cycle()  # garbage made while frozen objects exist: settling must still free it
        collected = []
        gc.callbacks.append(lambda phase, info: phase == "stop" and collected.append(info["collected"]))
        heap.settle()
        assert gc.get_freeze_count() > 0 and sum(collected) >= 1
    finally:
        gc.callbacks.pop()
        gc.unfreeze()
    started = []
    monkeypatch.setattr(heap, "_started", False)
    monkeypatch.setattr(heap.threading, "Thread", lambda **kw: type("T", (), {"start": lambda self: started.append(kw["name"])})())
    assert heap.start_keeper() and not heap.start_keeper() and started == ["xregion-heap"]
    assert "heap.start_keeper()" in (PROJECT_ROOT / "dashboard" / "app.py").read_text(encoding="utf-8")
