"""Handlungsfelder, Fördermittel and Verwaltung with the fixture register (AppTest)."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.config import load_settings
from pipelines.refresh import import_files
from pipelines.register.store import RegisterStore
from tests.support.apptest import page_tables
from tests.support import register_fixtures as rf
from tests.test_app import texts


@pytest.fixture
def register_env(env, monkeypatch, tmp_path):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    import_files(load_settings(), [rf.workbook(tmp_path / "register.xlsx")], replace=True)
    return env


def page(module: str) -> AppTest:
    return AppTest.from_string(f"from dashboard.screens import {module}\n{module}.render()", default_timeout=60).run()


def test_handlungsfelder_shows_status_in_words_and_the_overdue_milestone(register_env):
    at = page("handlungsfelder")
    assert not at.exception
    text = texts(at)
    assert "Wirtschaft" in text and "Verwaltung" in text
    assert "Überfällig:** Dorfladen – „Eröffnung“ war fällig am 30.06.2025" in "\n".join(e.value for e in at.error)
    table = page_tables(at)[0].value
    assert table["Stand"].tolist() == ["zu langsam"]  # 6 of 10 at 2025-12-31, the path expects ~10
    assert table["Letzter Wert"].tolist() == ["6 Standorte"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["zu langsam"] == "1" and metrics["Ziel erreicht"] == "0"


def test_foerdermittel_shows_programme_totals_and_towns(register_env):
    at = page("foerdermittel")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Bewilligt"] == "100.000 €" and metrics["Ausgegeben"] == "15.000 €"
    overview, towns = page_tables(at)[0].value, page_tables(at)[1].value
    assert overview.columns.tolist()[:3] == ["Programm", "Fördergeber", "Laufzeit"] and len(overview) >= 1
    assert overview["Bewilligt"].tolist()[0] == "100.000 €"
    assert towns["Stadt"].tolist() == ["Bad Driburg", "Höxter"]
    assert towns["Anteil ausgegeben"].tolist() == ["25 %", "0 %"]


def test_foerdermittel_opens_on_a_programme_with_bookings_and_ends_with_a_final_balance(register_env, tmp_path):
    """An empty programme listed first is not the default; an ended one shows what was left."""
    from pipelines.register.store import Change

    store = RegisterStore(load_settings().register_store)
    empty = {"id": "AAA", "funder": "Land NRW", "name": "Aaa-Programm ohne Buchungen", "start": date(2025, 1, 1),
             "end": date(2025, 12, 31), "budget": 50_000.0, "rate": None, "own_share": None, "source": None}  # fmt: skip
    store.apply([Change("programmes", None, empty, None)], "test", "leeres Programm")
    from pipelines.refresh import refresh

    refresh(load_settings(), selected=[])
    at = page("foerdermittel")
    assert not at.exception
    overview = page_tables(at)[0].value
    assert overview["Programm"].tolist()[0] == "Aaa-Programm ohne Buchungen"  # listed first …
    row = overview.iloc[0]
    assert row["Bewertung"] == "beendet" and row["Rest am Ende"].endswith("(Endstand)")
    assert at.selectbox[0].value != "AAA"  # … but the page opens on the programme with money booked


def test_the_quick_form_saves_a_measurement_and_rebuilds(register_env):
    at = page("verwaltung")
    assert not at.exception
    at.text_input[0].set_value("10")
    at.button[0].click().run()  # "Messwert speichern" (form submit)
    assert not at.exception
    assert "Alle Seiten zeigen den neuen Stand" in at.success[0].value
    values = [r["value"] for _, _, r in RegisterStore(load_settings().register_store).records("measurements")]
    assert 10.0 in values
    assert page_tables(page("handlungsfelder"))[0].value["Stand"].tolist() == ["Ziel erreicht"]


def test_table_edits_become_changes_with_the_loaded_versions(register_env):
    """What the table editor hands to the store: edited rows with the version they were loaded
    with (so a stale save is refused there), new rows without, deleted rows by key."""
    import polars as pl

    from dashboard.screens import verwaltung

    before = pl.DataFrame({"_key": ["K1 | 31.12.2025"], "Kennzahl": ["K1"], "Datum": [None], "Wert": [6.0],
                           "Quelle / Bemerkung": [None]}, schema_overrides={"Datum": pl.Date})  # fmt: skip
    after = pl.concat(
        [before.with_columns(pl.lit(8.0).alias("Wert")),
         pl.DataFrame({"_key": [None], "Kennzahl": ["K1"], "Datum": [None], "Wert": [3.0], "Quelle / Bemerkung": [None]},
                      schema=before.schema)]
    )  # fmt: skip
    changes, problems = verwaltung._changes("measurements", before, after, {"K1 | 31.12.2025": 4})
    assert [(c.key, c.expected_version, c.data["value"]) for c in changes] == [
        ("K1 | 31.12.2025", 4, 8.0), (None, None, 3.0),
    ]  # fmt: skip
    assert problems == ["Zeile 1, Spalte „Datum“: Pflichtfeld ist leer", "Zeile 2, Spalte „Datum“: Pflichtfeld ist leer"]
    deleted, _ = verwaltung._changes("measurements", before, before.clear(), {"K1 | 31.12.2025": 4})
    assert [(c.key, c.data, c.expected_version) for c in deleted] == [("K1 | 31.12.2025", None, 4)]


def test_every_page_of_the_demo_says_beispieldaten(env, monkeypatch):
    from pipelines.refresh import refresh

    for key, value in {**env, "XREGION_DEMO": "1"}.items():
        monkeypatch.setenv(key, value)
    refresh(load_settings(), selected=[])
    for module in ("handlungsfelder", "foerdermittel", "verwaltung", "daten", "indikatoren", "karte"):
        at = page(module) if module != "daten" else AppTest.from_string(
            "from dashboard.screens import daten\ndaten.render()", default_timeout=60).run()  # fmt: skip
        assert not at.exception
        assert any("Beispieldaten" in w.value for w in at.warning), module
    funding = page("foerdermittel")
    funding.selectbox[0].select("IKZ").run()
    # the demo has spending off plan: one line naming where, not a box per town
    (late,) = [w.value for w in funding.warning if "verzögert" in w.value.lower()]
    assert late.startswith("**Verzögert (Ausgaben hinter der Laufzeit):**") and "der Laufzeit)" in late
    funding.selectbox[0].select("SC").run()  # ended 31.12.2025: what was left, no forecast and no warning
    assert "Endstand: nicht ausgegeben" in [m.label for m in funding.metric]
    assert not [w for w in funding.warning if "verzögert" in w.value.lower()]


def test_a_viewer_sees_no_editing_controls(register_env, as_role):
    as_role("viewer")
    at = page("verwaltung")
    assert not at.exception
    assert "erlaubt keine Änderungen" in at.info[0].value
    labels = [b.label for b in at.button]
    assert "Messwert speichern" not in labels and "Speichern" not in labels
    assert not any(label.endswith("rückgängig machen") for label in labels)


@pytest.mark.parametrize(
    ("role", "entity", "allowed"),
    [("viewer", "measurements", False), ("viewer", "funding_records", False), ("viewer", "measures", False),
     ("editor", "measurements", True), ("editor", "fields", False), ("editor", "towns", False),
     ("admin", "fields", True)],
)  # fmt: skip
def test_every_editing_action_checks_the_role_on_the_server(register_env, as_role, monkeypatch, role, entity, allowed):
    from dashboard.screens import verwaltung
    from pipelines.register.store import Change

    as_role(role)
    store = RegisterStore(load_settings().register_store)
    key, version, record = store.records(entity)[0]
    changed = dict(record)
    text_field = next(f.name for f in verwaltung.ENTITIES[entity].fields if f.kind == "text" and f.name not in verwaltung.ENTITIES[entity].key)
    changed[text_field] = "geändert"
    errors, rebuilt = [], []
    monkeypatch.setattr(verwaltung.st, "error", errors.append)
    monkeypatch.setattr(verwaltung, "_rebuild", rebuilt.append)
    verwaltung._save([Change(entity, key, changed, version)], "Test", [])
    after = next(r for k, _, r in store.records(entity) if k == key)
    assert (after[text_field] == "geändert") is allowed
    assert bool(errors) is (not allowed)
    if not allowed:
        assert "nicht erlaubt" in errors[0]


def test_undo_checks_the_role_too(register_env, as_role, monkeypatch):
    from dashboard.screens import verwaltung

    as_role("viewer")
    assert not any("rückgängig" in b.label for b in page("verwaltung").button)  # no button for a viewer
    errors, rebuilt = [], []
    monkeypatch.setattr(verwaltung.st, "error", errors.append)
    monkeypatch.setattr(verwaltung, "_rebuild", rebuilt.append)
    store = RegisterStore(load_settings().register_store)
    before = store.history()
    verwaltung._undo(before[0]["change_set"], {"measurements"})  # as if called anyway
    assert "nicht erlaubt" in errors[0] and store.history() == before and not rebuilt
    as_role("editor")
    verwaltung._undo(before[0]["change_set"], {"towns"})  # structure: admins only
    assert "nicht erlaubt" in errors[1] and store.history() == before


def test_a_save_says_when_the_rebuild_waits_for_a_running_refresh_or_fails(register_env, monkeypatch):
    """Saved is saved; what the warehouse shows is said as it is — never a success for a failed build."""
    from dashboard.screens import verwaltung
    from pipelines.errors import BuildError
    from pipelines.state import RebuildRequests, refresh_lock

    settings = load_settings()
    monkeypatch.setattr(verwaltung, "REBUILD_WAIT_SECONDS", 0.3)
    with refresh_lock(settings.state_dir):  # the weekly refresh is running
        at = page("verwaltung")
        at.text_input[0].set_value("11")
        at.button[0].click().run()
    assert not at.exception and not at.success
    assert "Gerade läuft eine Aktualisierung" in at.warning[0].value and "an ihrem Ende ein" in at.warning[0].value
    assert 11.0 in [r["value"] for _, _, r in RegisterStore(settings.register_store).records("measurements")]
    assert RebuildRequests(settings.state_dir).pending()  # the running refresh owes it

    def broken(*args, **kwargs):
        raise BuildError("Die Prüfung „regions_unique“ schlägt fehl.")

    monkeypatch.setattr("pipelines.refresh.build_warehouse", broken)
    at = page("verwaltung")
    at.text_input[0].set_value("12")
    at.button[0].click().run()
    assert not at.exception and not at.success
    assert "konnte nicht neu gebaut werden" in at.error[0].value and "regions_unique" in at.error[0].value


@pytest.mark.parametrize(("typed", "stored"), [("1,5", 1.5), ("1.234,56", 1234.56), ("5.600.000", 5_600_000.0), ("12", 12.0)])
def test_the_quick_form_reads_german_numbers(register_env, typed, stored):
    at = page("verwaltung")
    at.text_input[0].set_value(typed)
    at.button[0].click().run()
    assert not at.exception and at.success, [e.value for e in at.error]
    values = [r["value"] for _, _, r in RegisterStore(load_settings().register_store).records("measurements")]
    assert stored in values


@pytest.mark.parametrize(("typed", "message"), [("2.500", "mehrdeutig (2500 oder 2,5?)"), ("1.5", "keine Zahl in deutscher"),
                                                ("viele", "keine Zahl"), ("", "Pflichtfeld")])  # fmt: skip
def test_the_quick_form_refuses_what_it_cannot_read(register_env, typed, message):
    before = RegisterStore(load_settings().register_store).records("measurements")
    at = page("verwaltung")
    at.text_input[0].set_value(typed)
    at.button[0].click().run()
    assert not at.exception
    assert message in at.error[0].value
    assert RegisterStore(load_settings().register_store).records("measurements") == before


def test_two_editors_in_the_quick_form_cannot_overwrite_each_other(register_env):
    first, second = page("verwaltung"), page("verwaltung")  # both forms shown before either saves
    first.text_input[0].set_value("7")
    first.button[0].click().run()
    assert first.success
    second.text_input[0].set_value("9")
    second.button[0].click().run()
    assert not second.exception
    assert "gibt es schon" in second.error[0].value or "inzwischen" in second.error[0].value
    values = [r["value"] for _, _, r in RegisterStore(load_settings().register_store).records("measurements")]
    assert 7.0 in values and 9.0 not in values


def test_table_editor_numbers_are_german_text_never_guessed(register_env):
    """In the browser's number field "5.600.000" became 5,6: numbers are edited as German text."""
    import polars as pl

    from dashboard.screens import verwaltung

    entity = verwaltung.ENTITIES["funding_records"]
    header = {f.name: f.header for f in entity.fields}
    stored = {"programme": "P1", "town": "05762004", "date": date(2024, 2, 1), "kind": "bewilligt", "amount": 2500.0,
              "source": None}
    shown = {header[k]: verwaltung._display(entity.field(k), v, {"fields": {}, "towns": {}}) for k, v in stored.items()}
    assert shown[header["amount"]] == "2.500"
    year = verwaltung.ENTITIES["kpis"].field("target_year")
    assert verwaltung._display(year, 2030, {}) == "2030" and verwaltung._display(year, None, {}) == ""  # a year, not "2.030"
    key = entity.key_of(stored)
    before = pl.DataFrame([{"_key": key, **shown}], schema={"_key": pl.String, **{h: (pl.Date if h == header["date"] else pl.String) for h in shown}})
    cases = [("5.600.000", 5_600_000.0, None), ("5.600.000 €", 5_600_000.0, None), ("1.234,56", 1234.56, None),
             ("2.500", 2500.0, None),  # unchanged: the stored value, not a guess
             ("2.500,00 €", 2500.0, None),  # the stored value typed another way: nothing to store
             ("2.600", None, "mehrdeutig"), ("1.5", None, "keine Zahl")]  # fmt: skip
    for typed, expected, problem in cases:
        after = before.with_columns(pl.lit(typed).alias(header["amount"]))
        changes, problems = verwaltung._changes("funding_records", before, after, {key: 3}, {key: stored})
        if problem:
            assert problems and problem in problems[0], (typed, problems)
        elif expected == stored["amount"]:
            assert changes == [] and problems == [], typed
        else:
            assert problems == [] and changes[0].data["amount"] == expected, typed
    # another column edited: the untouched amount keeps its stored value
    after = before.with_columns(pl.lit("abgerufen").alias(header["kind"]))
    changes, problems = verwaltung._changes("funding_records", before, after, {key: 3}, {key: stored})
    assert problems == [] and changes[0].data["amount"] == 2500.0 and changes[0].data["kind"] == "abgerufen"


def test_the_verlauf_speaks_german_values_and_names(register_env):
    store = RegisterStore(load_settings().register_store)
    from pipelines.register.store import Change

    (key, version, record), = [r for r in store.records("allocations") if r[2]["amount"] == 60_000]
    store.apply([Change("allocations", key, {**record, "amount": 5_600_000.0}, version)], "anna", "Betrag korrigiert")
    (pkey, pversion, programme), = store.records("programmes")
    store.apply([Change("programmes", pkey, {**programme, "end": date(2028, 6, 30)}, pversion)], "anna", "verlängert")
    at = page("verwaltung")
    assert not at.exception
    change = at.dataframe[-1].value  # the newest change set is shown: the extension
    assert change["Alt"].tolist() == ["31.12.2027"] and change["Neu"].tolist() == ["30.06.2028"]
    assert change["Eintrag"].tolist() == ["Förderprogramm Test (P1)"]
    amount_change = next(h["change_set"] for h in store.history() if h["reason"] == "Betrag korrigiert")
    chooser = next(s for s in at.selectbox if s.label == "Änderung ansehen")
    chooser.set_value(amount_change).run()
    change = at.dataframe[-1].value
    assert change["Alt"].tolist() == ["60.000 €"] and change["Neu"].tolist() == ["5.600.000 €"]
    assert "Förderprogramm Test (P1)" not in change["Feld"].tolist() and change["Feld"].tolist() == ["Betrag (€)"]


def test_status_texts_agree_for_the_register_and_move_after_an_edit(register_env):
    """No "noch keine Daten" beside rows; "Zuletzt aktualisiert" follows the last edit."""
    import time

    from pipelines.refresh import refresh
    from pipelines.register.store import Change
    from pipelines.status import source_overview

    def register_row():
        return next(s for s in source_overview(load_settings()) if s.name == "register")

    before = register_row()
    assert before.rows and before.status_de == "aktualisiert" and before.last_success_de != "noch nie"
    time.sleep(1.1)  # the status shows minutes; the stored time has seconds
    store = RegisterStore(load_settings().register_store)
    (key, version, record), = store.records("measurements")
    store.apply([Change("measurements", key, {**record, "value": 7}, version)], "anna", "Korrektur")
    refresh(load_settings(), selected=[])
    after = register_row()
    assert after.last_success > before.last_success and after.status_de == "aktualisiert"
    assert after.as_json()["ok"] is True


def test_a_timeline_of_all_measures_with_status_and_milestones(register_env):
    from dashboard import export, views

    view = views.measures_timeline()
    assert view.frame.columns[:3] == ["Handlungsfeld", "Maßnahme", "Status"] and view.frame.height >= 1
    svg = export.svg(export.printable(view.chart, view.meta))
    first = view.frame.row(0, named=True)
    assert f"{first['Handlungsfeld']} · {first['Maßnahme']}" in svg  # one row per measure, named by field and title
    assert "Maßnahmen im Zeitplan" in svg and "Projektregister des Kreises" in svg
    assert 'fill="#c00000"' in svg  # the overdue milestone (30.06.2025) in red, and today's rule
    at = page("handlungsfelder")
    assert not at.exception and "Zeitplan aller Maßnahmen" in texts(at)
    assert views.build("massnahmen_zeitplan", {}).name == "massnahmen_zeitplan"  # can go into a report
