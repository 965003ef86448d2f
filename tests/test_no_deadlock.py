"""Many people at once must never hang the server. polars runs Python callbacks (`map_elements`
and friends) inside its thread pool; under Streamlit's threads one session's `to_pandas()` (which
`st.dataframe` calls) then waits for the pool while the pool waits for the GIL
(../shared/repro/polars_map_elements_deadlock.py). No code that runs per request may use them,
and the pages that show tables must survive several sessions at once."""

from __future__ import annotations

import ast
import threading


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
