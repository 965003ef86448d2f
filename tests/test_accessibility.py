"""Accessibility in the real browser (BITV 2.0 / WCAG 2.1 AA): axe-core on every page with maps
and charts drawn finds nothing critical or serious; the page speaks German and has its own
title; every chart carries a text alternative and its data one click away; /wochenblick opens."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pipelines.config import load_settings
from pipelines.refresh import import_files
from tests.browser import screenshot_path
from tests.support import geo, itnrw_tables
from tests.support.installation import installation_env
from tests.support.supply import import_shop_and_village
from tests.test_browser import PAGES, PageWatch, _save_report, browser, open_page, running_app  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

ALL_PAGES = {**PAGES, "barrierefreiheit": "Barrierefreiheit"}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture(scope="module")
def app_complete(tmp_path_factory):
    """Statistics, boundaries, supply points and a population grid: every page draws its charts."""
    base = tmp_path_factory.mktemp("a11y")
    env = installation_env(base)
    settings = load_settings(env=env)
    (base / "gemeinden.geojson").write_bytes(geo.gemeinden_geojson())
    import_files(settings, [base / "gemeinden.geojson", *itnrw_tables.write_catalogue_tables(base)])
    import_shop_and_village(settings, base)
    _save_report(base / "reports")
    with running_app(env) as url:
        yield url


def serious_findings(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options=WCAG_AA)
    return [
        f"{v['impact']} {v['id']} ({len(v['nodes'])}×): {v['nodes'][0]['target']} – {v['help']}: "
        f"{v['nodes'][0].get('failureSummary', '')[:300]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(("path", "title"), ALL_PAGES.items())
def test_every_page_passes_axe_core_and_speaks_german(browser, app_complete, path, title):
    page, watch = open_page(browser, app_complete, path, title)
    try:
        # charts below the fold are drawn once scrolled to; axe should see them drawn
        page.mouse.wheel(0, 20_000)
        page.wait_for_timeout(1_500)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        page.wait_for_function("document.documentElement.lang === 'de'", timeout=10_000)
        assert page.title() == f"{title} – XRegion Monitor"
        assert serious_findings(page) == []
        groups = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stSidebarNavItems"] > [role="group"]')]
                     .map(e => e.getAttribute("aria-label"))"""
        )
        assert groups == ["Überblick", "Statistik", "Strategie", "Berichte", "System"]
        assert page.locator('[data-testid="stException"]').count() == 0
        assert watch.console_errors == []
        body = page.locator("body").inner_text()
        for english in ("Choose options", "Choose an option", "Press Enter to", "None"):
            assert english not in body, english
    finally:
        page.screenshot(path=screenshot_path(f"a11y-{path or 'start'}"), full_page=True)
        page.close()


def test_every_chart_has_a_text_alternative_and_its_data_as_a_table(browser, app_complete):
    page, _ = open_page(browser, app_complete, "indikatoren", "Indikatoren")
    try:
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        # both charts drawn (each arrives in a delta of its own), not just the first
        expect(charts).to_have_count(2, timeout=30_000)
        for i in range(2):
            charts.nth(i).locator("svg, canvas").first.wait_for(timeout=30_000)
        labels = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"][role="graphics-document"]')]
                     .map(e => e.getAttribute("aria-label"))"""
        )
        assert len(labels) == charts.count() == 2
        # title and one sentence with the figures (the fixture has population for two towns)
        assert labels[0].startswith("Bevölkerung. Letzte Werte: Bad Driburg 1.141 Personen (31.12.2024); "), labels
        assert labels[1] == ("Bevölkerung: Rangfolge. Rang 1 von 2 Städten und Gemeinden: Höxter (1.178 Personen); "
                             "Rang 2: Bad Driburg (1.141 Personen)."), labels
        page.get_by_text("Daten als Tabelle").first.click()
        table = page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]').first
        table.wait_for(timeout=10_000)
        assert table.is_visible()
        # the grid's cells are drawn on a canvas; its accessible copy holds the German text
        text = table.locator("table").first.inner_text(timeout=10_000)
        assert "Höxter" in text and "31.12.2024" in text and "1.178" in text, text
    finally:
        page.close()


def test_wochenblick_opens_directly(browser, app_complete):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    PageWatch(page, app_complete)
    try:
        page.goto(f"{app_complete}/wochenblick")
        page.get_by_role("heading", name="Wochenblick", exact=True).first.wait_for(timeout=30_000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        body = page.locator("body").inner_text()
        assert "Page not found" not in body and "Stand je Handlungsfeld" in body
    finally:
        page.close()


def test_the_accessibility_statement_names_the_configured_contact(browser, tmp_path):
    env = {**installation_env(tmp_path), "XREGION_A11Y_CONTACT": "barrierefreiheit@kreis-hoexter.example"}
    with running_app(env) as url:
        page, _ = open_page(browser, url, "barrierefreiheit", "Barrierefreiheit")
        try:
            body = page.locator("body").inner_text()
            assert "E-Mail: barrierefreiheit@kreis-hoexter.example" in body
            for part in ("teilweise vereinbar", "Nicht barrierefreie Inhalte", "Durchsetzungsverfahren", "axe-core"):
                assert part in body, part
        finally:
            page.close()
