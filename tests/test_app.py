"""Streamlit AppTest smoke tests: every page renders without exception, empty and with data."""

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.config import load_settings
from pipelines.refresh import import_files
from pipelines.sources import itnrw
from pipelines.state import StateStore
from tests.support import itnrw_tables
from tests.support.fake_server import Reply

PAGES = ["wochenblick", "stadtprofil", "indikatoren", "karte", "nahversorgung", "handlungsfelder", "foerdermittel",
         "praesentation", "verwaltung", "daten"]


@pytest.fixture
def with_data(app_env, tmp_path):
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    import_files(load_settings(), [table], sources=[itnrw.SOURCE])
    return app_env


def run_page(module: str, function: str) -> AppTest:
    at = AppTest.from_string(f"from dashboard.screens import {module}\n{module}.{function}()", default_timeout=30)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "info", "error", "caption", "title", "header", "subheader") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_the_entry_script_navigates_to_the_start_page(with_data):
    at = AppTest.from_file("../dashboard/app.py", default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "Wochenblick"
    assert at.caption[0].value == "Kreis Höxter — was sich getan hat und was ansteht"


def test_the_tab_icon_travels_inline():
    """A file path as page icon makes Streamlit read the file and file it with its media manager
    on every rerun of every session; the data URL is read once per process."""
    import base64

    from dashboard import ui
    from pipelines import PROJECT_ROOT

    png = (PROJECT_ROOT / "dashboard" / "assets" / "favicon.png").read_bytes()
    assert ui.favicon() == "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    assert "page_icon=ui.favicon()" in (PROJECT_ROOT / "dashboard" / "app.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", [p for p in PAGES if p != "verwaltung"])
def test_every_page_without_warehouse_explains_how_to_get_data(app_env, page):
    at = run_page(page, "render")
    assert not at.exception
    assert "Noch kein Datenbestand vorhanden" in texts(at)
    assert "xregion" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_with_only_the_population_table(with_data, page):
    at = run_page(page, "render")
    assert not at.exception, at.exception


def test_daten_page_on_first_run(app_env):
    at = run_page("daten", "render")
    assert not at.exception
    text = texts(at)
    assert "Noch kein Datenbestand vorhanden" in text
    assert "Noch keine Daten" in text
    assert "xregion import <Datei>" in text  # how to get the IT.NRW tables by hand


def test_after_a_failed_first_refresh_pages_still_explain_how_to_get_data(app_env, fake_server):
    """Offline first start: the refresh fails, an empty warehouse is built; no page pretends otherwise."""
    from pipelines.refresh import refresh

    fake_server.route("GET", "/downloader/00/tables/12411-15i_00.csv", Reply(503))
    settings = load_settings()
    settings.http.backoff_initial_s = 0.01
    result = refresh(settings, sources=[itnrw.SOURCE])
    assert "itnrw" in result.failed
    assert "Die übrigen Tabellen" not in result.failed["itnrw"]
    at = run_page("indikatoren", "render")
    assert "Noch kein Datenbestand vorhanden" in texts(at)
    at = run_page("daten", "render")
    assert not at.exception
    text = texts(at)
    assert "Noch kein Datenbestand vorhanden" in text
    assert "Abruf fehlgeschlagen, noch keine Daten" in text
    assert "Serverfehler HTTP 503" in at.error[0].value


def test_daten_page_shows_state_of_each_source(with_data):
    at = run_page("daten", "render")
    assert not at.exception
    metrics = [m.value for m in at.metric]
    assert metrics[0] == "02.03.2026"  # Stand der Quelle
    assert metrics[2] == "21"  # rows
    text = texts(at)
    assert "Aktualisiert" in text
    assert "dl-de/by-2-0" in text and "© IT.NRW, Düsseldorf" in text
    files = at.dataframe[0].value
    assert files["Objekt"].tolist() == ["12411-15i"] and files["Herkunft"].tolist() == ["Import"]


def test_daten_page_shows_the_last_error_in_german(with_data):
    StateStore(load_settings().state_dir).record_failure(
        "itnrw", "Die Landesdatenbank NRW ist nicht erreichbar (…): Serverfehler HTTP 503."
    )
    at = run_page("daten", "render")
    assert not at.exception
    assert "Aktualisierung fehlgeschlagen – letzte Daten in Gebrauch" in texts(at)
    assert "Serverfehler HTTP 503" in at.error[0].value


def test_a_query_running_while_the_warehouse_is_replaced_still_finishes(with_data, tmp_path):
    """A refresh swaps the file while another session reads: that reader keeps its old data."""
    from dashboard import data

    cursor = data._cursor()
    running = cursor.execute("SELECT ags FROM marts.regions ORDER BY ags")
    table = tmp_path / "neu.csv"
    table.write_bytes(itnrw_tables.population_table(scale=2))
    import_files(load_settings(), [table], sources=[itnrw.SOURCE])
    assert data.query("SELECT population FROM marts.regions WHERE ags = '05762020'").item() == 2296  # new file
    assert running.fetchall()[0] == ("05",)  # the old cursor was not closed under it
    cursor.close()


def test_what_a_page_derives_is_worked_out_once_per_build_and_arguments(with_data, tmp_path):
    from dashboard import data

    calls = []

    @data.once_per_build(maxsize=8)
    def population(ags: str) -> int:
        calls.append(ags)
        return data.query("SELECT population FROM marts.regions WHERE ags = ?", [ags]).item()

    first = population("05762020")
    assert population("05762020") == first and calls == ["05762020"]  # a rerun: nothing worked out again
    population("05762004")
    assert calls == ["05762020", "05762004"]  # other arguments are another answer
    table = tmp_path / "neu.csv"
    table.write_bytes(itnrw_tables.population_table(scale=2))
    import_files(load_settings(), [table], sources=[itnrw.SOURCE])
    assert population("05762020") == 2296 != first and calls[-1] == "05762020"  # the next build is seen


def test_the_same_query_on_the_same_build_is_answered_from_memory_until_the_next_build(with_data, tmp_path, monkeypatch):
    """Reruns and other sessions get a remembered result; a new warehouse file (refresh or register
    save) is queried again; frames larger than the per-result limit are never kept."""
    from dashboard import data

    sql = "SELECT population FROM marts.regions WHERE ags = ?"
    first = data.query(sql, ["05762020"])
    assert data.query(sql, ["05762020"]) is first  # same build, same query: no second query
    assert data.query(sql, ["05762024"]) is not first  # other parameters are another result
    table = tmp_path / "neu.csv"
    table.write_bytes(itnrw_tables.population_table(scale=2))
    import_files(load_settings(), [table], sources=[itnrw.SOURCE])
    assert data.query(sql, ["05762020"]).item() == 2296 != first.item()
    assert all(key[0] == data.build_signature() for key in data._results)  # the old build's results are gone
    monkeypatch.setattr(data, "RESULT_MAX_BYTES", 0)
    big = "SELECT * FROM marts.regions"
    assert data.query(big) is not data.query(big)
