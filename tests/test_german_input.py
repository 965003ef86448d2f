"""Every number a person can type in Verwaltung, typed the German way in the real browser
("1,5", "1.234,56", "5.600.000 €"), is stored as meant; an ambiguous one ("2.500") is refused
with a German message and nothing is stored."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date

import pytest
from playwright.sync_api import expect

from pipelines.config import load_settings
from pipelines.refresh import import_files
from pipelines.register.store import RegisterStore
from tests.support import register_fixtures
from tests.support.installation import installation_env
from tests.browser import screenshot_path, wait_for_confirmation
from tests.test_browser import (  # noqa: F401 (browser is a fixture)
    assert_no_errors_but_upstream_probes,
    browser,
    clean_page,
    open_direct,
    running_app,
)

pytestmark = pytest.mark.browser

# (sheet, column of the field in the table, text typed, field, value stored); every value differs from
# the stored one: the same value typed another way is no change and saves nothing
TYPED = {
    "Handlungsfelder": [(2, "12", "position", 12)],
    "Kennzahlen": [(5, "1,5", "baseline_value", 1.5), (6, "2023", "baseline_year", 2023),
                   (7, "1.234,56", "target_value", 1234.56), (8, "2030", "target_year", 2030)],
    "Messwerte": [(2, "12,5", "value", 12.5)],
    "Förderprogramme": [(5, "5.600.000 €", "budget", 5_600_000), (6, "80,5", "rate", 80.5),
                        (7, "25.000,00", "own_share", 25_000)],
    "Zuweisungen": [(2, "60.000,50", "amount", 60_000.5)],
    "Mittel": [(4, "1.234.567,89 €", "amount", 1_234_567.89)],
    "Nahversorgungspunkte": [(4, "51,7734", "lat", 51.7734), (5, "9,3812", "lon", 9.3812)],
}  # fmt: skip
ENTITY = {"Handlungsfelder": "fields", "Kennzahlen": "kpis", "Messwerte": "measurements", "Förderprogramme": "programmes",
          "Zuweisungen": "allocations", "Mittel": "funding_records", "Nahversorgungspunkte": "supply_points"}  # fmt: skip


@pytest.fixture(scope="module")
def register_env(tmp_path_factory):
    """The test register with one row in every table that has numbers (a supply point added)."""
    base = tmp_path_factory.mktemp("eingabe")
    env = installation_env(base)
    records = register_fixtures.records()
    records["supply_points"] = [{"id": "S1", "name": "Dorfladen Test", "category": "Dorfladen", "lat": 51.7, "lon": 9.3}]
    import_files(load_settings(env=env), [register_fixtures.workbook(base / "register.xlsx", records)], replace=True)
    return env


@pytest.fixture(scope="module")
def app_register(register_env):
    with running_app(register_env) as url:
        yield url


def _store(env) -> RegisterStore:
    return RegisterStore(load_settings(env=env).register_store)


def _type_into(page, column: int, text: str) -> str:
    """Select the first row's cell in `column` with the keyboard (the grid is a canvas), open its
    editor with Enter, type and confirm; returns what the editor showed before. A click that lands
    while the grid is still being drawn selects nothing: then it is tried again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    editor = page.locator("textarea.gdg-input, input.gdg-input").first
    for attempt in range(4):
        canvas = page.locator('[data-testid="data-grid-canvas"]').first.bounding_box()
        # a cell of row 1 (below the 35 px header, right of the 33 px column of row checkboxes), then
        # Home to the row's first column: columns are counted with the keyboard, never by position
        page.mouse.click(canvas["x"] + 33 + 30, canvas["y"] + 35 + 17)
        page.keyboard.press("Home")
        for _ in range(column):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            editor.wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
    else:
        raise AssertionError(f"Der Editor der Spalte {column} öffnet sich nicht.")
    shown = editor.input_value()
    editor.fill(text)
    page.keyboard.press("Enter")
    # the editor closes once the grid holds the value; a click while it is still open would drop the
    # typed value (streamlit#7868) — a person sees it close
    editor.wait_for(state="hidden", timeout=10_000)
    return shown


UNSAVED = "Noch nicht gespeichert:"


def _click_save(page, outcome: str | re.Pattern) -> None:
    """Click „Speichern“ once the page names the edit as unsaved, and wait for `outcome`. The grid
    sends a confirmed cell only after a pause of its own (150 ms, longer on a loaded machine); a
    click before that reaches the server first. On CI such a click ended more than once with
    „Keine Änderungen.“ and the typed value still in the cell. No notice: the edit never arrived."""
    wait_for_confirmation(page, UNSAVED, timeout=30_000)
    page.get_by_role("button", name="Speichern", exact=True).click()
    wait_for_confirmation(page, outcome)


@contextmanager
def table_page(browser, url: str, sheet: str, screenshot: str):
    """Verwaltung opened on one table by its link (?tabelle=…; clicking through the tabs can hit a
    neighbouring table while the page is laid out), checked to show that table, and clean when
    the test is done (only Streamlit's probes of a sub-page address may fail, streamlit#7074)."""
    from pipelines.register.model import ENTITIES

    page, watch = open_direct(browser, f"{url}/verwaltung?tabelle={ENTITY[sheet]}")
    try:
        page.get_by_role("heading", name="Verwaltung", exact=True).first.wait_for(timeout=30_000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        expect(page.get_by_role("tab", name="Tabellen bearbeiten")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_test_id("stRadioGroup").get_by_role("radio", name=sheet, exact=True)).to_be_checked()
        expect(page.get_by_text(ENTITIES[ENTITY[sheet]].description).first).to_be_visible()
        page.locator('[data-testid="data-grid-canvas"]').first.wait_for(timeout=30_000)
        page.wait_for_timeout(1_000)
        yield page
        assert page.locator('[data-testid="stException"]').count() == 0
        assert_no_errors_but_upstream_probes(watch)
    finally:
        page.screenshot(path=screenshot_path(screenshot), full_page=True)
        page.close()


@pytest.mark.parametrize(("sheet", "column", "text", "field", "value"),
                         [(sheet, *entry) for sheet, entries in TYPED.items() for entry in entries])
def test_every_number_typed_the_german_way_is_stored_as_meant(browser, app_register, register_env, sheet, column, text, field,
                                                              value):
    """One cell per page: a wide table scrolled by an edit would move the next column under the mouse."""
    entity = ENTITY[sheet]
    key = _store(register_env).records(entity)[0][0]
    with table_page(browser, app_register, sheet, f"eingabe-{entity}-{field}") as page:
        shown = _type_into(page, column, text)
        if sheet == "Zuweisungen":
            assert shown == "60.000"  # the stored 60 000 € is shown the German way
        _click_save(page, "Alle Seiten zeigen den neuen Stand")
        # the page comes back on the table just saved, not on the first tab
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        expect(page.get_by_role("tab", name="Tabellen bearbeiten")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_test_id("stRadioGroup").get_by_role("radio", name=sheet, exact=True)).to_be_checked(timeout=10_000)
    stored = dict((k, r) for k, _, r in _store(register_env).records(entity))[key]
    assert stored[field] == pytest.approx(value), (text, stored)


def test_an_ambiguous_amount_is_refused_and_nothing_is_stored(browser, app_register, register_env):
    before = _store(register_env).records("allocations")
    with table_page(browser, app_register, "Zuweisungen", "eingabe-mehrdeutig") as page:
        _type_into(page, 2, "2.500")
        refused = re.compile("^Nicht gespeichert:")
        _click_save(page, refused)
        assert "„2.500“ ist mehrdeutig" in page.get_by_text(refused).inner_text()
    assert _store(register_env).records("allocations") == before


def test_a_confirmed_cell_not_yet_saved_is_named_and_nothing_is_stored(browser, app_register, register_env):
    """A click on „Speichern“ that only ended the cell's edit must not leave the person believing
    it was saved: the page names what is unsaved until it is."""
    before = _store(register_env).records("kpis")
    with table_page(browser, app_register, "Kennzahlen", "eingabe-ungespeichert") as page:
        _type_into(page, 5, "7,25")
        notice = page.get_by_text(UNSAVED)
        notice.wait_for(timeout=30_000)
        assert "1 geänderte Zeile" in notice.inner_text()
        assert page.get_by_text("Keine Änderungen").count() == 0
    assert _store(register_env).records("kpis") == before


def test_the_quick_form_reads_a_decimal_comma(browser, app_register, register_env):
    with clean_page(browser, app_register, "verwaltung", "Verwaltung", "eingabe-messwert") as page:
        form = page.locator('[data-testid="stForm"]')
        form.get_by_role("textbox", name="Wert", exact=True).fill("1,5")
        form.get_by_role("button", name="Messwert speichern").click()
        wait_for_confirmation(page, "Alle Seiten zeigen den neuen Stand")
    values = {r["date"]: r["value"] for _, _, r in _store(register_env).records("measurements")}
    assert values[date.today()] == 1.5


def test_after_an_undo_the_verlauf_stays_open(browser, app_register, register_env):
    latest = max(h["change_set"] for h in _store(register_env).history())
    with clean_page(browser, app_register, "verwaltung", "Verwaltung", "verlauf-rueckgaengig") as page:
        page.get_by_role("tab", name="Verlauf und Rückgängig").click()
        page.get_by_role("button", name=f"Änderung Nr. {latest} rückgängig machen").click()
        wait_for_confirmation(page, f"Änderung Nr. {latest} rückgängig gemacht")
        assert page.get_by_role("tab", name="Verlauf und Rückgängig").get_attribute("aria-selected") == "true"
    undone = next(h for h in _store(register_env).history() if h["change_set"] == latest)
    assert undone["undone_by"]
