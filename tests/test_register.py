"""The project register: workbook import with validation, the edit store (versions, history,
undo), the marts built from it, and the KPI status at its boundaries."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from pipelines.config import load_settings
from pipelines.errors import XRegionError
from pipelines.refresh import import_files, refresh
from pipelines.register.model import ENTITIES
from pipelines.register.store import Change, RegisterStore, RegisterValidationError, StaleEditError
from pipelines.register.workbook import read_workbook
from pipelines.sources import itnrw, register
from tests.support.warehouse import rows
from tests.support import register_fixtures as rf

SOURCES = [itnrw.SOURCE, register.SOURCE]


@pytest.fixture
def imported(settings, tmp_path):
    """A warehouse built with the fixture register imported (replacing the committed one)."""
    import_files(settings, [rf.workbook(tmp_path / "register.xlsx")], sources=SOURCES, replace=True)
    return settings


# --- the committed registers ---------------------------------------------------------------


def test_the_committed_register_is_valid_and_fills_an_empty_store(settings):
    refresh(settings, selected=[], sources=SOURCES)
    measures = rows(settings, "SELECT measure_id, handlungsfeld, status FROM marts.measures ORDER BY measure_id")
    assert ("M07", "Wirtschaft", "Umsetzung") in measures  # #SNZ from the Kreis documents
    fields = rows(settings, "SELECT name FROM raw.register_fields ORDER BY position")
    assert [f[0] for f in fields] == ["Wirtschaft", "Bildung", "Gesundheit", "Tourismus", "Umwelt", "Mobilität", "Verwaltung"]
    assert rows(settings, "SELECT count(*) FROM raw.register_measurements") == [(0,)]  # no invented progress
    snz = rows(settings, "SELECT committed, budget FROM marts.funding WHERE programme_id = 'SC' AND town_ags IS NULL")
    assert snz == [(5_700_000.0, 5_700_000.0)]
    history = RegisterStore(settings.register_store).history()
    assert history[0]["reason"] == "Ersteinrichtung aus register.xlsx" and history[0]["who"] == "System"


def test_the_demo_register_lives_in_its_own_files_and_is_marked(env):
    demo = load_settings(env={**env, "XREGION_DEMO": "1"})
    real = load_settings(env=env)
    assert demo.db_path != real.db_path and demo.register_store != real.register_store
    refresh(demo, selected=[], sources=SOURCES)
    assert rows(demo, "SELECT demo FROM meta.build") == [(True,)]
    assert rows(demo, "SELECT count(*) > 0 FROM raw.register_measurements") == [(True,)]
    assert not real.db_path.exists() and not real.register_store.exists()
    sources = rows(demo, "SELECT DISTINCT source FROM raw.register_measurements")
    assert sources == [("BEISPIELDATEN – erfunden, nur für Schulung",)]


def test_another_kreis_starts_with_an_empty_register(env):
    paderborn = load_settings(env={**env, "XREGION_REGION": "05774"})
    refresh(paderborn, selected=[], sources=SOURCES)
    assert rows(paderborn, "SELECT count(*) FROM marts.measures") == [(0,)]


# --- import validation: every rule, nothing changed ------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "message"),
    [
        ("Messwerte", "C2", "viele", "Blatt „Messwerte“, Zeile 2, Spalte „Wert“: „viele“ ist keine Zahl"),
        ("Messwerte", "B2", "31.02.2025", "Blatt „Messwerte“, Zeile 2, Spalte „Datum“: „31.02.2025“ ist kein gültiges Datum"),
        ("Maßnahmen", "D2", "Paderborn", "Blatt „Maßnahmen“, Zeile 2, Spalte „Städte“: „Paderborn“ steht nicht im Blatt „Gebiete“"),
        ("Maßnahmen", "C3", "Sport", "Blatt „Maßnahmen“, Zeile 3, Spalte „Handlungsfeld“: „Sport“ gibt es im Blatt „Handlungsfelder“ nicht"),
        ("Maßnahmen", "A3", "M1", "Blatt „Maßnahmen“, Zeile 3, Spalte „ID“: „M1“ ist doppelt (schon in Zeile 2)"),
        ("Maßnahmen", "H2", "fertig", "Spalte „Status“: „fertig“ ist nicht erlaubt"),
        ("Maßnahmen", "B2", None, "Blatt „Maßnahmen“, Zeile 2, Spalte „Titel“: Pflichtfeld ist leer"),
        ("Mittel", "E4", 25_000, "Blatt „Mittel“, Zeile 4, Spalte „Betrag (€)“: bis 01.09.2024 wären 25.000,00 € ausgegeben, aber nur 60.000,00 €"),
        ("Mittel", "E3", 70_000, "wären 70.000,00 € abgerufen, aber nur 60.000,00 € bewilligt"),
        ("Kennzahlen", "I2", 2023, "das Zieljahr muss nach dem Ausgangsjahr liegen"),
        ("Kennzahlen", "H2", -5, "der Zielwert passt nicht zur gewünschten Richtung „steigen“"),
        ("Förderprogramme", "G2", 120, "eine Förderquote über 100 % ist nicht möglich"),
        ("Gebiete", "A3", "06411000", "gehören nicht zum eingestellten Kreis 05762"),
    ],
)  # fmt: skip
def test_a_bad_workbook_is_refused_with_sheet_row_and_column_and_nothing_changes(imported, tmp_path, sheet, cell, value, message):
    before = RegisterStore(imported.register_store).history()
    warehouse = imported.db_path.read_bytes()
    if message.startswith("Blatt „Mittel“, Zeile 4"):
        # make the spending the problem: 15.000 → 25.000 is still below 60.000, so lower the commitment
        rf.with_cell(rf.workbook(tmp_path / "bad.xlsx"), "Mittel", "E2", 20_000)
        path = rf.with_cell(tmp_path / "bad.xlsx", sheet, cell, value)
        message = "Blatt „Mittel“, Zeile 4, Spalte „Betrag (€)“: bis 01.09.2024 wären 25.000,00 € ausgegeben, aber nur 20.000,00 €"
    else:
        path = rf.with_cell(rf.workbook(tmp_path / "bad.xlsx"), sheet, cell, value)
    with pytest.raises(XRegionError) as caught:
        import_files(imported, [path], sources=SOURCES)
    assert message in caught.value.message
    assert "bad.xlsx" in caught.value.message
    assert RegisterStore(imported.register_store).history() == before
    assert imported.db_path.read_bytes() == warehouse


def test_german_numbers_and_dates_written_as_text_are_read(tmp_path):
    path = rf.workbook(tmp_path / "text.xlsx")
    rf.with_cell(path, "Mittel", "E2", "60.000,00")
    rf.with_cell(path, "Mittel", "C2", "01.02.2024")
    data, problems = read_workbook(path.read_bytes(), "text.xlsx")
    assert problems == []
    first = data.records["funding_records"][0]
    assert first["amount"] == 60_000.0 and first["date"] == date(2024, 2, 1)


def test_a_missing_sheet_and_a_missing_column_are_named(tmp_path):
    from openpyxl import load_workbook

    path = rf.workbook(tmp_path / "short.xlsx")
    book = load_workbook(path)
    del book["Zuweisungen"]
    book["Messwerte"]["C1"] = "Zahl"
    book.save(path)
    _, problems = read_workbook(path.read_bytes(), "short.xlsx")
    texts = [str(p) for p in problems]
    assert any(t.startswith("Blatt „Zuweisungen“: das Blatt fehlt; gefunden: „Gebiete“") for t in texts)
    assert "Blatt „Messwerte“, Zeile 1, Spalte „Wert“: die Spalte fehlt" in texts


# --- the edit store --------------------------------------------------------------------------


def measurement(store: RegisterStore) -> tuple[str, int, dict]:
    return store.records("measurements")[0]


def test_a_second_stale_save_is_refused(imported):
    store = RegisterStore(imported.register_store)
    key, version, record = measurement(store)  # both editors loaded version 1
    store.apply([Change("measurements", key, {**record, "value": 7}, version)], "anna", "Bearbeitung")
    with pytest.raises(StaleEditError, match="inzwischen von jemand anderem geändert"):
        store.apply([Change("measurements", key, {**record, "value": 8}, version)], "ben", "Bearbeitung")
    assert measurement(store)[2]["value"] == 7


def test_concurrent_saves_from_two_processes_lose_nothing(imported):
    """Two processes edit different records at the same moment; both edits are kept."""
    import subprocess
    import sys

    store = RegisterStore(imported.register_store)
    script = (
        "import sys; from datetime import date; from pathlib import Path\n"
        "from pipelines.register.store import RegisterStore, Change\n"
        "s = RegisterStore(Path(sys.argv[1]))\n"
        "for i in range(20):\n"
        "    s.apply([Change('measurements', None, {'kpi': 'K1', 'date': date(2020, 1 + int(sys.argv[2]), 1 + i),"
        " 'value': float(i), 'source': None}, None)], 'p' + sys.argv[2], 'parallel')\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(imported.register_store), str(n)]) for n in (0, 1)]
    assert [p.wait(60) for p in procs] == [0, 0]
    assert len(store.records("measurements")) == 1 + 40


def test_history_keeps_who_when_old_and_new_and_undo_restores(imported):
    store = RegisterStore(imported.register_store)
    key, version, record = measurement(store)
    number = store.apply([Change("measurements", key, {**record, "value": 9}, version)], "anna", "Messwert korrigiert")
    entry = next(h for h in store.history() if h["change_set"] == number)
    assert entry["who"] == "anna" and entry["at"].startswith(str(date.today().year))
    assert '"value": 6.0' in entry["old"] and '"value": 9' in entry["new"]
    store.undo(number, "ben")
    assert measurement(store)[2]["value"] == 6
    with pytest.raises(XRegionError, match="schon rückgängig gemacht"):
        store.undo(number, "ben")


def test_undo_is_refused_when_the_record_changed_again(imported):
    store = RegisterStore(imported.register_store)
    key, version, record = measurement(store)
    first = store.apply([Change("measurements", key, {**record, "value": 9}, version)], "anna", "eins")
    store.apply([Change("measurements", key, {**record, "value": 10}, version + 1)], "anna", "zwei")
    with pytest.raises(StaleEditError, match="noch einmal geändert"):
        store.undo(first, "ben")


def test_an_edit_breaking_a_rule_is_refused_like_an_import(imported):
    store = RegisterStore(imported.register_store)
    key, version, record = next(r for r in store.records("funding_records") if r[2]["kind"] == "ausgegeben")
    with pytest.raises(RegisterValidationError, match="ausgegeben, aber nur 60.000,00 € bewilligt"):
        store.apply([Change("funding_records", key, {**record, "amount": 90_000}, version)], "anna", "x")
    assert store.records("funding_records") == RegisterStore(imported.register_store).records("funding_records")


def test_names_typed_in_a_form_are_stored_as_keys(imported):
    store = RegisterStore(imported.register_store)
    new = {"id": "M3", "title": "Mitfahrbank", "field": "Verwaltung", "towns": ["Höxter", "Bad Driburg"], "status": "Planung"}
    store.apply([Change("measures", None, new, None)], "anna", "neu")
    saved = next(r for k, _, r in store.records("measures") if k == "M3")
    assert saved["field"] == "VE" and sorted(saved["towns"]) == ["05762004", "05762020"]


def test_a_refresh_never_loses_an_edit(imported):
    store = RegisterStore(imported.register_store)
    key, version, record = measurement(store)
    store.apply([Change("measurements", key, {**record, "value": 8}, version)], "anna", "Bearbeitung")
    refresh(imported, selected=[], sources=SOURCES)
    refresh(imported, selected=None, sources=[register.SOURCE])
    assert rows(imported, "SELECT latest_value FROM marts.kpi_progress WHERE kpi_id = 'K1'") == [(8.0,)]


def test_a_failed_build_after_an_import_puts_the_register_back(imported, tmp_path, monkeypatch):
    from pipelines import warehouse
    from pipelines.errors import BuildError

    before = [r for _, _, r in RegisterStore(imported.register_store).records("measures")]
    recs = rf.records()
    recs["measures"][0]["title"] = "Dorfladen (geändert)"

    def broken(*args, **kwargs):
        raise BuildError("Testfehler beim Bauen")

    monkeypatch.setattr("pipelines.refresh.build_warehouse", broken)
    with pytest.raises(BuildError):
        import_files(imported, [rf.workbook(tmp_path / "neu.xlsx", recs)], sources=SOURCES)
    assert [r for _, _, r in RegisterStore(imported.register_store).records("measures")] == before
    assert warehouse  # the module stays importable


# --- KPI status at its boundaries --------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "measured", "status"),
    [
        ("steigen", 0, 10, None, "keine_daten"),
        ("steigen", 0, 10, 10, "erreicht"),  # exactly the target
        ("steigen", 0, 10, 12, "erreicht"),
        ("steigen", 0, 10, 4.75, "auf_kurs"),  # expected 5 at mid-path: 95 % exactly
        ("steigen", 0, 10, 4.7, "zu_langsam"),
        ("steigen", 0, 10, 0, "zu_langsam"),  # no progress is not yet moving away
        ("steigen", 0, 10, -0.1, "entfernt_sich"),
        ("sinken", 100, 20, 20, "erreicht"),
        ("sinken", 100, 20, 62, "auf_kurs"),  # expected 60: 38/40 = 95 %
        ("sinken", 100, 20, 63, "zu_langsam"),
        ("sinken", 100, 20, 101, "entfernt_sich"),
    ],
)
def test_kpi_status_at_its_boundaries(settings, tmp_path, direction, baseline, target, measured, status):
    recs = rf.records()
    recs["kpis"][0].update(direction=direction, baseline_value=baseline, baseline_year=2024, target_value=target,
                           target_year=2026)  # fmt: skip
    # 2025-01-01 lies half way between the baseline (2024) and the target year (2026)
    recs["measurements"] = [] if measured is None else [{"kpi": "K1", "date": date(2025, 1, 1), "value": measured}]
    import_files(settings, [rf.workbook(tmp_path / "kpi.xlsx", recs)], sources=SOURCES, replace=True)
    got = rows(settings, "SELECT status, status_label, expected_value FROM marts.kpi_progress WHERE kpi_id = 'K1'")
    assert got[0][0] == status
    if measured is not None and status not in ("erreicht",):
        assert got[0][2] == pytest.approx(baseline + (target - baseline) / 2)


def test_funding_shares_remaining_and_projection(imported):
    driburg = rows(
        imported,
        "SELECT committed, called, spent, remaining, share_spent, allocation FROM marts.funding "
        "WHERE programme_id = 'P1' AND town_ags = '05762004'",
    )[0]
    assert driburg == (60_000, 20_000, 15_000, 45_000, 0.25, 60_000)
    total = rows(imported, "SELECT committed, spent, projected_left_at_end IS NOT NULL FROM marts.funding "
                           "WHERE programme_id = 'P1' AND town_ags IS NULL")  # fmt: skip
    assert total == [(100_000, 15_000, True)]
    timeline = rows(imported, "SELECT date::VARCHAR, committed, called, spent FROM marts.funding_timeline "
                              "WHERE programme_id = 'P1' AND town_ags = '05762004' ORDER BY date")  # fmt: skip
    assert timeline[-1] == ("2024-09-01", 60_000, 20_000, 15_000)


def test_every_entity_has_a_sheet_and_german_headers():
    assert {e.sheet for e in ENTITIES.values()} >= {"Maßnahmen", "Kennzahlen", "Messwerte", "Förderprogramme", "Mittel"}
    assert duckdb  # the warehouse types come from the same definitions (raw.register_*)


def test_the_template_has_every_sheet_and_selection_lists(tmp_path):
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from pipelines.cli import app

    path = tmp_path / "vorlage.xlsx"
    result = CliRunner().invoke(app, ["register-template", str(path)])
    assert result.exit_code == 0, result.output
    data, problems = read_workbook(path.read_bytes(), "vorlage.xlsx")
    assert problems == [] and all(not records for records in data.records.values())
    book = load_workbook(path)
    status = [v for v in book["Maßnahmen"].data_validations.dataValidation if "H2" in str(v.sqref)]
    assert status and "Umsetzung" in status[0].formula1
    fields = [v for v in book["Kennzahlen"].data_validations.dataValidation if "D2" in str(v.sqref)]
    assert fields and "Handlungsfelder" in fields[0].formula1



def _with_measurement(tmp_path, cell: str, value) -> bytes:
    from openpyxl import load_workbook

    path = rf.workbook(tmp_path / "register.xlsx")
    book = load_workbook(path)
    book["Messwerte"][cell] = value
    book.save(path)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [("C2", "2.500", "mehrdeutig (2500 oder 2,5?)"), ("C2", "1.5", "keine Zahl in deutscher Schreibweise"),
     ("B2", "31.12.2024 geplant", "ist kein Datum"), ("B2", "2062-01-01", "in der Zukunft"),
     ("C2", "=A1*2", "Formel ohne gespeicherten Wert")],
)  # fmt: skip
def test_ambiguous_register_values_are_refused_not_guessed(tmp_path, cell, value, message):
    from pipelines.register.validate import validate

    data, problems = read_workbook(_with_measurement(tmp_path, cell, value), "register.xlsx")
    problems += validate(data) if not problems else []
    assert any(message in str(p) and "Messwerte" in str(p) for p in problems), problems


def test_macro_workbooks_and_zip_bombs_are_refused(tmp_path):
    import zipfile

    content = rf.workbook(tmp_path / "r.xlsx").read_bytes()
    _, problems = read_workbook(content, "register.xlsm")
    assert "Makros" in str(problems[0])
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (60 * 1024 * 1024) + b"</a>")
    _, problems = read_workbook(bomb.read_bytes(), "bomb.xlsx")
    assert "zu groß" in str(problems[0])


def test_a_broken_or_hostile_sheet_is_a_problem_not_a_traceback(tmp_path):
    import zipfile

    path = rf.workbook(tmp_path / "r.xlsx")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                        b"<worksheet>&b;</worksheet>")  # fmt: skip
            dst.writestr(item, data)
    _, problems = read_workbook(broken.read_bytes(), "broken.xlsx")
    assert problems and any("beschädigt" in str(p) or "nicht lesbar" in str(p) or "keine lesbare" in str(p) for p in problems)


def test_an_import_that_would_empty_the_register_needs_replace(imported, tmp_path):
    from pipelines.register.workbook import write_workbook

    before = {n: RegisterStore(imported.register_store).records(n) for n in ENTITIES}
    template = tmp_path / "vorlage.xlsx"
    write_workbook(template, {"towns": rf.records()["towns"]})  # the empty template, towns only
    with pytest.raises(XRegionError) as caught:
        import_files(imported, [template], sources=SOURCES)
    assert "würde 13 von 16 Einträgen des Registers löschen" in caught.value.message
    assert "--replace" in caught.value.hint
    assert {n: RegisterStore(imported.register_store).records(n) for n in ENTITIES} == before
    import_files(imported, [template], sources=SOURCES, replace=True)
    assert RegisterStore(imported.register_store).records("measures") == []


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), RuntimeError("Query interrupted")])
def test_an_interrupted_import_changes_neither_register_nor_raw_files(imported, tmp_path, monkeypatch, interrupt):
    from pipelines.rawstore import RawStore

    before = [r for _, _, r in RegisterStore(imported.register_store).records("measures")]
    manifest = RawStore(imported.raw_dir).snapshot(["register", "itnrw"])
    recs = rf.records()
    recs["measures"][0]["title"] = "Dorfladen (geändert)"

    def interrupted(*args, **kwargs):
        raise interrupt

    monkeypatch.setattr("pipelines.refresh.build_warehouse", interrupted)
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(__import__("tests.support.itnrw_tables", fromlist=["x"]).population_table(scale=2))
    with pytest.raises(type(interrupt)):
        import_files(imported, [rf.workbook(tmp_path / "neu.xlsx", recs), table], sources=SOURCES)
    assert [r for _, _, r in RegisterStore(imported.register_store).records("measures")] == before
    assert RawStore(imported.raw_dir).snapshot(["register", "itnrw"]) == manifest


def test_ctrl_c_on_the_command_line_says_nothing_changed(monkeypatch, capsys):
    from pipelines import cli

    def interrupted():
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(cli, "app", interrupted)
    with pytest.raises(SystemExit) as leaving:
        cli.main()
    assert leaving.value.code == 130
    err = capsys.readouterr().err
    assert "Abgebrochen – nichts geändert" in err and "RuntimeError" not in err


def test_the_browser_never_gets_error_details():
    import tomllib

    from pipelines import PROJECT_ROOT

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
