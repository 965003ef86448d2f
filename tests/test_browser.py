"""The real app in headless Chromium: every page loads without exception box, console error or
request to any host but the app's own."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from pipelines.config import load_settings
from pipelines.refresh import import_files
from pipelines.sources import itnrw
from tests.browser import CHROMIUM_ARGS, chromium_path, running_app, screenshot_path, wait_for_confirmation
from tests.support import itnrw_tables
from tests.support.installation import installation_env

pytestmark = pytest.mark.browser

PAGES = {
    "": "Wochenblick",
    "stadtprofil": "Stadtprofil",
    "indikatoren": "Indikatoren",
    "karte": "Karte",
    "nahversorgung": "Nahversorgung",
    "handlungsfelder": "Handlungsfelder",
    "foerdermittel": "Fördermittel",
    "praesentation": "Präsentation",
    "verwaltung": "Verwaltung",
    "daten": "Daten",
}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_with_data(tmp_path_factory):
    base = tmp_path_factory.mktemp("app")
    env = installation_env(base)
    import_files(load_settings(env=env), itnrw_tables.write_catalogue_tables(base), sources=[itnrw.SOURCE])
    _save_report(base / "reports")
    with running_app(env) as url:
        yield url


def _save_report(directory) -> None:
    """A saved report of two slides, written as the app writes it."""
    import json

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kreistag.json").write_text(json.dumps({
        "title": "Kreistag", "notes": "", "items": [
            {"view": "indikator_verlauf", "params": {"indicator_id": "arbeitslose", "towns": ["05762004", "05762020"],
             "comparison": ["05762", "05"]}, "title": "Arbeitslose im Vergleich", "note": ""},
            {"view": "indikator_rangfolge", "params": {"indicator_id": "arbeitslose", "period": "2024-12-31"},
             "title": "Rangfolge der Städte", "note": ""},
        ]}), encoding="utf-8")  # fmt: skip


@pytest.fixture(scope="module")
def app_empty(tmp_path_factory):
    with running_app(installation_env(tmp_path_factory.mktemp("empty"))) as url:
        yield url


class PageWatch:
    """Collects what must not happen while a page is open."""

    def __init__(self, page, app_url: str) -> None:
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        own = urlsplit(app_url).netloc
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

        def check(request) -> None:
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != own:
                self.foreign_requests.append(request.url)

        page.on("request", check)
        # the console only says "404"; keep the address so a failure is understandable
        page.on(
            "response",
            lambda resp: resp.status >= 400 and self.console_errors.append(f"HTTP {resp.status} {resp.url}"),
        )


def open_page(browser, url: str, path: str, title: str):
    """Open the app at its start page and go to `title` through the sidebar, as users do.
    (Opening a sub-page URL directly makes Streamlit probe `/<page>/_stcore/...` first and log
    a 404 for it: streamlit/streamlit#7074, not an error of this app.)"""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    watch = PageWatch(page, url)
    page.goto(url)
    page.get_by_role("heading", name="Wochenblick", exact=True).first.wait_for(timeout=30_000)
    if path:
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
        page.wait_for_url(f"{url}/{path}**")
        page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    # the page's heading shows while its script runs; wait until the run has finished
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
    return page, watch


@contextmanager
def clean_page(browser, url: str, path: str, title: str, screenshot: str):
    """Open a page, hand it to the test, then check it stayed clean: no Streamlit exception box,
    no console error or failed request, no request to another host. A screenshot is kept."""
    page, watch = open_page(browser, url, path, title)
    try:
        yield page
        assert page.locator('[data-testid="stException"]').count() == 0
        assert watch.foreign_requests == []
        assert watch.console_errors == []
    finally:
        page.screenshot(path=screenshot_path(screenshot), full_page=True)
        page.close()


@pytest.mark.parametrize(("path", "title"), PAGES.items())
def test_every_page_loads_cleanly(browser, app_with_data, path, title):
    with clean_page(browser, app_with_data, path, title, f"page-{path or 'start'}"):
        pass


def test_daten_page_explains_each_source(browser, app_with_data):
    with clean_page(browser, app_with_data, "daten", "Daten", "daten-with-data") as page:
        page.get_by_text("02.03.2026").first.wait_for(timeout=30_000)  # the metrics, not their placeholders
        body = page.locator("body").inner_text()
        assert "Amtliche Statistik (IT.NRW, Landesdatenbank NRW)" in body
        assert "02.03.2026" in body and "Aktualisiert" in body
        assert "Datenlizenz Deutschland" in body


def test_first_run_without_data_shows_how_to_get_it(browser, app_empty):
    with clean_page(browser, app_empty, "daten", "Daten", "first-run-daten") as page:
        body = page.locator("body").inner_text()
        assert "Noch kein Datenbestand vorhanden" in body
        assert "xregion import" in body


def test_indikatoren_draws_the_time_series_and_the_ranking(browser, app_with_data):
    with clean_page(browser, app_with_data, "indikatoren", "Indikatoren", "indikatoren") as page:
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        # The second chart can arrive a moment after the first (one delta each); wait for both.
        expect(charts).to_have_count(2, timeout=30_000)
        for i in range(2):
            drawing = charts.nth(i).locator("canvas, svg").first
            drawing.wait_for(timeout=30_000)
            box = drawing.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100
        body = page.locator("body").inner_text()
        assert "Quelle:" in body and "Stand:" in body and "Rangfolge der Städte und Gemeinden" in body


@pytest.fixture(scope="module")
def app_with_map(tmp_path_factory):
    """Fixture statistics with the real NRW Gemeinden boundaries (read in place)."""
    from tests.conftest import reference_file

    boundaries = reference_file("geo/nrw_gemeinden.geojson")
    base = tmp_path_factory.mktemp("map")
    env = installation_env(base)
    import_files(load_settings(env=env), [boundaries, *itnrw_tables.write_catalogue_tables(base)])
    with running_app(env) as url:
        yield url


def drawn_areas(page) -> dict[str, str]:
    """Town name → ARIA label of each area Vega drew (Streamlit renders this map as SVG)."""
    labels = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] path[aria-roledescription="geoshape"]')]
                 .map(e => e.getAttribute("aria-label") || "")"""
    )
    areas = {}
    for label in labels:
        fields = dict(part.split(": ", 1) for part in label.split("; ") if ": " in part)
        if "Gebiet" in fields:
            areas[fields["Gebiet"]] = label
    return areas


def test_karte_draws_the_ten_towns_and_a_click_selects_one(browser, app_with_map):
    with clean_page(browser, app_with_map, "karte", "Karte", "karte") as page:
        page.locator('[data-testid="stVegaLiteChart"] path[aria-roledescription="geoshape"]').first.wait_for(timeout=30_000)
        areas = drawn_areas(page)
        assert set(areas) == {
            "Bad Driburg", "Beverungen", "Borgentreich", "Brakel", "Höxter", "Marienmünster", "Nieheim",
            "Steinheim", "Warburg", "Willebadessen",
        }  # fmt: skip
        assert "Wert: 1.141 Personen" in areas["Bad Driburg"] and "Wert: keine Angabe" in areas["Warburg"]  # opens on Bevölkerung
        # a click on Höxter selects it: its time series appears beside the map
        page.locator('[data-testid="stVegaLiteChart"] path[aria-label*="Gebiet: Höxter;"]').first.click()
        page.get_by_text("Höxter", exact=True).first.wait_for(timeout=30_000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        # the series beside the map now shows Höxter (with the Kreis and NRW)
        page.wait_for_function(
            """() => { const charts = document.querySelectorAll('[data-testid="stVegaLiteChart"] svg');
                       return charts.length > 1 && [...charts[1].querySelectorAll('.role-legend-label text')]
                           .some(e => e.textContent === 'Höxter'); }""",
            timeout=30_000,
        )
        body = page.locator("body").inner_text()
        assert "GeoBasis-DE / BKG" in body and "Quelle:" in body


def test_karte_of_the_land_draws_every_gemeinde_from_a_served_file(browser, app_with_map):
    """All Gemeinden of NRW: their outlines reach the browser as a static file named by its
    content (dashboard/static_maps.py), not inside the spec of every rerun; Vega draws them all."""
    import json

    from tests.conftest import reference_file

    gemeinden = len(json.loads(reference_file("geo/nrw_gemeinden.geojson").read_text(encoding="utf-8"))["features"])
    with clean_page(browser, app_with_map, "karte", "Karte", "karte-nrw") as page:
        page.get_by_text("Kreis im NRW-Vergleich (alle Gemeinden des Landes)").click()
        shapes = page.locator('[data-testid="stVegaLiteChart"] path[aria-roledescription="geoshape"]')
        page.wait_for_function(f"() => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] "
                               f"path[aria-roledescription=\"geoshape\"]').length >= {gemeinden}", timeout=60_000)  # fmt: skip
        assert len(drawn_areas(page)) > 300  # named areas (a few names occur twice in NRW)
        served = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)"
                               ".filter(n => n.includes('/app/static/karten/'))")  # fmt: skip
        assert len(served) == 1 and served[0].endswith(".json"), served
        assert shapes.count() >= gemeinden
        # the Kreis outline lies over its towns; a click on one of them still selects it
        page.locator('[data-testid="stVegaLiteChart"] path[aria-label*="Gebiet: Höxter;"]').first.click(timeout=10_000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        page.wait_for_function(
            """() => { const charts = document.querySelectorAll('[data-testid="stVegaLiteChart"] svg');
                       return charts.length > 1 && [...charts[1].querySelectorAll('.role-legend-label text')]
                           .some(e => e.textContent === 'Höxter'); }""",
            timeout=30_000,
        )


@pytest.fixture(scope="module")
def editing_env(tmp_path_factory):
    """Fixture statistics and the committed register (two KPIs without measurements)."""
    base = tmp_path_factory.mktemp("edit")
    env = installation_env(base)
    table = base / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    import_files(load_settings(env=env), [table])
    return env


@pytest.fixture(scope="module")
def app_for_editing(editing_env):
    with running_app(editing_env) as url:
        yield url


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text()


def test_an_editor_enters_a_measurement_and_the_status_follows(browser, app_for_editing):
    with clean_page(browser, app_for_editing, "handlungsfelder", "Handlungsfelder", "handlungsfelder-before") as page:
        assert metric_value(page, "Ziel erreicht") == "0"
    with clean_page(browser, app_for_editing, "verwaltung", "Verwaltung", "verwaltung-messwert") as page:
        form = page.locator('[data-testid="stForm"]')
        form.get_by_role("textbox", name="Wert", exact=True).fill("2")
        form.get_by_role("button", name="Messwert speichern").click()
        wait_for_confirmation(page, "Alle Seiten zeigen den neuen Stand")
    # a new page load (through the start page: sub-page URLs reloaded directly hit streamlit#7074)
    with clean_page(browser, app_for_editing, "handlungsfelder", "Handlungsfelder", "handlungsfelder-after") as page:
        assert metric_value(page, "Ziel erreicht") == "1"


@pytest.fixture(scope="module")
def app_demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    env = {**installation_env(base), "XREGION_DEMO": "1"}
    import_files(load_settings(env=env), itnrw_tables.write_catalogue_tables(base))
    with running_app(env) as url:
        yield url


def test_wochenblick_with_the_demo_register(browser, app_demo):
    with clean_page(browser, app_demo, "", "Wochenblick", "wochenblick-demo") as page:
        body = page.locator("body").inner_text()
        assert "Beispieldaten" in body
        for text in ("Stand je Handlungsfeld", "Online verfügbare Verwaltungsleistungen", "Was ist neu seit dem",
                     "Neue amtliche Daten", "Fördermittel verzögert", "Aktualität der Quellen"):  # fmt: skip
            assert text in body, text
        page.mouse.wheel(0, 5000)  # charts below the fold are drawn when they come into view
        page.locator('[data-testid="stVegaLiteChart"]').nth(2).wait_for(timeout=30_000)
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 3  # trend lines


# streamlit/streamlit#7074: a sub-page URL opened directly makes the frontend probe
# /<page>/_stcore/… first; those two 404s are not errors of this app
UPSTREAM_PROBES = ("/_stcore/health", "/_stcore/host-config")


def assert_no_errors_but_upstream_probes(watch: PageWatch) -> None:
    """A page opened at its sub-page address logs Streamlit's probes (streamlit#7074), nothing else."""
    probes = [e for e in watch.console_errors if any(p in e for p in UPSTREAM_PROBES)]
    others = [e for e in watch.console_errors if e not in probes]
    # the browser's own line for each of those 404s names no address; one per probe is expected
    generic = [e for e in others if e.startswith("Failed to load resource") and "404" in e]
    assert len(generic) <= len(probes) and [e for e in others if e not in generic] == []


def open_direct(browser, url: str, viewport: dict | None = None):
    page = browser.new_page(viewport=viewport or {"width": 1400, "height": 1000})
    watch = PageWatch(page, url)
    page.goto(url)
    return page, watch


def test_a_shared_link_opens_the_same_view(browser, app_with_data):
    page, watch = open_direct(browser, f"{app_with_data}/indikatoren?indikator=gaesteankuenfte&jahr=2023-12-31&staedte=05762020&vergleich=057")
    try:
        page.get_by_role("heading", name="Indikatoren", exact=True).first.wait_for(timeout=30_000)
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
        page.locator('[data-testid="stVegaLiteChart"] svg').nth(1).wait_for(timeout=30_000)
        titles = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg .role-title text')]
                     .map(e => e.textContent)"""
        )
        assert "Gästeankünfte" in titles and "Gästeankünfte: Rangfolge" in titles
        assert "Kreis Höxter, 31.12.2023" in titles  # the year from the link
        legend = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg')][0]
                     .querySelectorAll('.role-legend-label text')"""
            + ".length"
        )
        assert legend == 2  # Höxter and the Regierungsbezirk, as in the link
        assert page.locator('[data-testid="stException"]').count() == 0
        assert_no_errors_but_upstream_probes(watch)
    finally:
        page.screenshot(path=screenshot_path("shared-link"), full_page=True)
        page.close()


def test_stepping_through_a_presentation(browser, app_with_data):
    with clean_page(browser, app_with_data, "praesentation", "Präsentation", "praesentation-builder") as page:
        page.get_by_role("button", name="Vorführen").click()
        page.get_by_text("Titelfolie", exact=True).wait_for(timeout=30_000)  # the report's title first
        page.screenshot(path=screenshot_path("praesentation-titel"), full_page=True)
        page.locator('[data-testid="stSidebar"]').wait_for(state="hidden", timeout=30_000)
        page.keyboard.press("ArrowRight")
        page.get_by_text("Folie 1 von 2").wait_for(timeout=30_000)
        assert page.get_by_text("Arbeitslose im Vergleich").count() >= 1
        page.keyboard.press("PageDown")  # what a presenter's clicker sends
        page.get_by_text("Folie 2 von 2").wait_for(timeout=30_000)
        page.get_by_text("Rangfolge der Städte").first.wait_for(timeout=30_000)
        page.locator('[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas').first.wait_for()
        page.screenshot(path=screenshot_path("praesentation-folie-2"), full_page=True)
        # F5 keeps the slide: the address carries it. Opened in a second tab, because a reload of a
        # sub-page makes Streamlit probe /<page>/_stcore/… first (streamlit#7074, see open_page)
        again = browser.new_page(viewport={"width": 1400, "height": 1000})
        again.goto(page.url)
        again.get_by_text("Folie 2 von 2").wait_for(timeout=30_000)
        again.close()
        page.keyboard.press("PageUp")
        page.get_by_text("Folie 1 von 2").wait_for(timeout=30_000)
        page.get_by_role("button", name="◀ Zurück").click()
        page.get_by_text("Titelfolie", exact=True).wait_for(timeout=30_000)
        page.keyboard.press("Space")
        page.get_by_text("Folie 1 von 2").wait_for(timeout=30_000)
        # Esc leaves the presentation; a key pressed while the slide still reruns can be lost: again
        for _ in range(3):
            page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=30_000)
            page.keyboard.press("Escape")
            try:
                page.get_by_text("Bericht zusammenstellen").wait_for(timeout=10_000)
                break
            except PlaywrightTimeout:
                continue
        page.get_by_text("Bericht zusammenstellen").wait_for(timeout=10_000)
