"""The Wochenblick with the demo register and fixture statistics (AppTest)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.config import load_settings
from pipelines.refresh import import_files, refresh
from pipelines.register.store import Change, RegisterStore
from tests.support import itnrw_tables
from tests.test_app import texts


@pytest.fixture
def demo_env(app_env, monkeypatch, tmp_path):
    monkeypatch.setenv("XREGION_DEMO", "1")
    import_files(load_settings(), itnrw_tables.write_catalogue_tables(tmp_path))
    return app_env


def page() -> AppTest:
    return AppTest.from_string("from dashboard.screens import wochenblick\nwochenblick.render()", default_timeout=60).run()


def test_cards_per_handlungsfeld_with_kpis_status_and_official_headlines(demo_env):
    at = page()
    assert not at.exception
    text = texts(at)
    for field in ("Wirtschaft", "Bildung", "Gesundheit", "Tourismus", "Umwelt", "Mobilität", "Verwaltung"):
        assert f"### {field}" in text
    metrics = {m.label: m for m in at.metric}
    online = metrics["Online verfügbare Verwaltungsleistungen (Leistungen)"]
    assert online.value == "120" and "25,0 seit 31.12.2024" in str(online.proto.delta)
    assert "Telemedizinische Sprechstunden (je Monat)" in metrics and "entfernt sich vom Ziel" in text
    assert "Gästeankünfte (Ankünfte; amtlich, Kreis)" in metrics  # Tourismus has no KPI: the official headline
    assert "Beispieldaten" in at.warning[0].value


def test_what_changed_lists_new_data_entries_milestones_and_funding(demo_env):
    store = RegisterStore(load_settings().register_store)
    store.apply([Change("measurements", None, {"kpi": "K04", "date": date.today(), "value": 11, "source": None}, None)],
                "smart.region@kreis.example", "Messwert erfasst")  # fmt: skip
    key, version, measure = next(r for r in store.records("measures") if r[0] == "M05")
    store.apply([Change("measures", key, {**measure, "milestone": "Ausschreibung", "milestone_due": date.today() + timedelta(days=3)},
                        version)], "smart.region@kreis.example", "Termin")  # fmt: skip
    key, version, measure = next(r for r in store.records("measures") if r[0] == "M04")
    store.apply([Change("measures", key, {**measure, "milestone": "Pilotamt", "milestone_due": date.today() - timedelta(days=1)},
                        version)], "smart.region@kreis.example", "Termin")  # fmt: skip
    key, version, booking = store.records("funding_records")[0]
    store.apply([Change("funding_records", key, {**booking, "amount": booking["amount"] + 1000}, version)],
                "foerder@kreis.example", "Auszahlung gebucht")  # fmt: skip
    refresh(load_settings(), selected=[])
    at = page()
    text = texts(at)
    assert "Neue amtliche Daten:** Tabelle 12411-15i" in text  # imported today
    # funding edits appear like measurements, with who and when
    assert "Fördermittel gebucht:** Auszahlung gebucht – 1 Eintrag (Mittel) – von foerder@kreis.example" in text
    assert "Register geändert:** Termin" in text
    assert "Messwert erfasst:** Nahversorgungspunkte in Dörfern: 11 Standorte" in text
    assert "smart.region@kreis.example" in text
    warnings = "\n".join(w.value for w in at.warning)
    assert "In den nächsten 14 Tagen:** Elektronischer Rechnungs-(freizeichnungs-)workflow – „Ausschreibung“" in warnings
    late = [w.value for w in at.warning if "Fördermittel verzögert" in w.value]
    assert late and len(late) == len({w.split("**")[2].split(" – ")[0] for w in late})  # one line per programme
    assert any("Überfällig:** Einführung der elektronischen Akte (E-Akte) – „Pilotamt“" in e.value for e in at.error)
    fresh = at.dataframe[-1].value
    assert "Amtliche Statistik (IT.NRW, Landesdatenbank NRW)" in fresh["Quelle"].tolist()
    assert "laufend (eigene Pflege)" in fresh["Nächste Veröffentlichung erwartet"].tolist()
    assert "02.03.2027" in fresh["Nächste Veröffentlichung erwartet"].tolist()  # Stand 02.03.2026 + one year


def test_cards_are_kept_per_build_and_follow_a_new_measurement(demo_env):
    """The cards are worked out once per warehouse build; the next build (a register save) shows
    the new value, not the remembered one."""
    from dashboard import data
    from dashboard.screens import wochenblick

    assert wochenblick.cards() is wochenblick.cards()
    label = "Online verfügbare Verwaltungsleistungen (Leistungen)"
    kpis = data.kpi_progress()
    kpi = kpis.filter(kpis["title"] == "Online verfügbare Verwaltungsleistungen")["kpi_id"].item()
    assert {m.label: m for m in page().metric}[label].value == "120"
    store = RegisterStore(load_settings().register_store)
    store.apply([Change("measurements", None, {"kpi": kpi, "date": date.today(), "value": 135, "source": None}, None)],
                "smart.region@kreis.example", "Messwert erfasst")  # fmt: skip
    refresh(load_settings(), selected=[])
    online = {m.label: m for m in page().metric}[label]
    assert online.value == "135" and "15,0 seit" in str(online.proto.delta)
