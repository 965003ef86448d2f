"""The real app in headless Chromium on a Kreis with all ten towns (tests/support/ten_towns.py):
the Stadtprofil and the PDF it offers, rendered to an image; Indikatoren keeping the towns'
scale; the ranking and the map naming every town, legend swatches in the class colours; a shared
Karte link; the header block of CSV and XLSX downloads; Vorführen on a 1920 × 1080 projector."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dashboard import views
from tests.browser import running_app, screenshot_path
from tests.support import ten_towns
from tests.test_browser import (  # noqa: F401 (browser is a fixture)
    assert_no_errors_but_upstream_probes,
    browser,
    clean_page,
    drawn_areas,
    open_direct,
)
from tests.test_stadtprofil import pdf_pages

pytestmark = pytest.mark.browser

TEN_TOWNS = {name for _, name, *_ in ten_towns.TOWNS}
AXIS_TITLES = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] .role-axis-title text')]
                        .map(e => e.textContent)"""
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


@pytest.fixture(scope="module")
def app_ten_towns(ten_town_env):
    """The app on the ten towns, with a saved report for the projector (series, ranking, map)."""
    from pipelines.config import load_settings

    reports = load_settings(env=ten_town_env).reports_dir
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "kreistag.json").write_text(json.dumps({
        "title": "Kreistag Dezember", "notes": "Zahlen für die Sitzung", "items": [
            {"view": "indikator_rangfolge", "params": {"indicator_id": "bevoelkerung", "period": "2024-12-31"},
             "title": "Bevölkerung der Städte", "note": ""},
            {"view": "stadt_lage", "params": {"ags": "05762020"}, "title": "Höxter im Kreis", "note": ""},
        ]}), encoding="utf-8")  # fmt: skip
    with running_app(ten_town_env) as url:
        yield url


def _choose(page, label: str, option: str) -> None:
    """Pick an entry of a Streamlit select box as a person does: open it, click the entry."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.locator('[role="combobox"]').click()
    page.get_by_role("option", name=option, exact=True).click()
    page.locator(IDLE).wait_for(timeout=30_000)


def _download(page, button: str, tmp_path):
    """Click a download button and keep the file; a click while the page reruns (a download
    reruns the page) would be lost, so the page is idle before and after."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # on a loaded CI machine a click on a deferred download once brought no file (the button shown
    # pressed, nothing else); a person clicks again — a second loss still fails
    for attempt, timeout in enumerate((30_000, 60_000)):
        page.locator(IDLE).wait_for(timeout=30_000)
        try:
            with page.expect_download(timeout=timeout) as caught:
                page.get_by_role("button", name=button, exact=True).first.click()
            break
        except PlaywrightTimeout:
            if attempt:
                raise
    download = caught.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    page.wait_for_timeout(300)
    page.locator(IDLE).wait_for(timeout=30_000)
    return target


def test_the_profile_page_offers_the_pdf_with_the_towns_figures(browser, app_ten_towns, tmp_path):
    import numpy as np

    with clean_page(browser, app_ten_towns, "stadtprofil", "Stadtprofil", "stadtprofil") as page:
        _choose(page, "Stadt oder Gemeinde", "Höxter")
        headline = "Höxter: 28.166 Einwohner, −0,4 % zum Vorjahr, Rang 1 von 10"
        page.get_by_role("heading", name=headline).wait_for(timeout=30_000)
        assert "stadt=05762020" in page.url  # a link opens the same town
        page.locator('[data-testid="stVegaLiteChart"] path[aria-label*="Gebiet: Höxter"]').first.wait_for(timeout=30_000)
        # the run for Höxter has finished (elements of the previous town's run can still be on screen)
        page.get_by_text("Dorfladen Ovenhausen").first.wait_for(timeout=30_000)
        page.locator(IDLE).wait_for(timeout=30_000)
        body = page.locator("body").inner_text()
        assert "Dorfladen Ovenhausen" in body and "zugewiesen 60.000 €" in body and "Projektregister des Kreises" in body
        pdf = _download(page, "Stadtprofil als PDF (A4)", tmp_path)
        assert pdf.name == "Stadtprofil_Höxter.pdf"
    first = pdf_pages(pdf.read_bytes())[0]
    image = first.render(scale=2).to_pil().convert("RGB")
    image.save(screenshot_path("stadtprofil-pdf-seite-1"))
    width, height = image.size
    assert width / height == pytest.approx(841.89 / 595.28, rel=0.01)  # A4 landscape
    # the town on the map: a block of the highlight colour (Höxter's square), and only one
    highlight = tuple(int(views.TOWN_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    share = (np.asarray(image) == highlight).all(axis=2).mean()
    assert 0.02 < share < 0.2
    text = first.get_textpage().get_text_range()
    assert headline in text and "Stand der Daten 20.11.2026" in text


def test_downloads_carry_the_header_block(browser, app_ten_towns, tmp_path):
    from openpyxl import load_workbook

    with clean_page(browser, app_ten_towns, "stadtprofil", "Stadtprofil", "stadtprofil-downloads") as page:
        page.locator('[data-testid="stVegaLiteChart"] path[aria-roledescription="geoshape"]').first.wait_for(timeout=30_000)
        table = _download(page, "CSV", tmp_path)
        book = load_workbook(_download(page, "XLSX", tmp_path))
    rows = list(csv.reader(io.StringIO(table.read_text(encoding="utf-8-sig")), delimiter=";"))
    block = {r[0]: r[1] for r in rows[: rows.index([])]}
    assert block["Titel"] == "Bad Driburg im Kreis Höxter"
    assert "GeoBasis-DE / BKG" in block["Quelle"] and block["Lizenz"] == "dl-de/by-2-0" and "Abgerufen am" in block
    assert rows[rows.index([]) + 1] == ["Gemeinde", "AGS", "ausgewählt"]
    assert book.sheetnames == ["Daten", "Info"]
    info = {r[0].value: r[1].value for r in book["Info"].iter_rows()}
    assert info["Lizenz"] == "dl-de/by-2-0" and info["Titel"] == "Bad Driburg im Kreis Höxter"
    assert book["Daten"]["A1"].value == "Bad Driburg im Kreis Höxter" and "Quelle:" in book["Daten"]["A2"].value


def test_indikatoren_keeps_the_towns_scale_and_the_ranking_names_all_ten(browser, app_ten_towns):
    with clean_page(browser, app_ten_towns, "indikatoren", "Indikatoren", "indikatoren-zehn") as page:
        # population beside the Kreis and NRW opens as an index: no town flattened at the bottom
        page.locator('[data-testid="stVegaLiteChart"] .role-axis-title').first.wait_for(timeout=30_000)
        assert "Index, erster Stichtag = 100" in page.evaluate(AXIS_TITLES)
        page.get_by_test_id("stRadioGroup").get_by_text("Werte", exact=True).click()  # the values: NRW and the Kreis on an axis of their own
        page.wait_for_function(f"() => ({AXIS_TITLES})().includes('Personen – Vergleichsgebiete (gestrichelt)')", timeout=30_000)
        assert "Personen – Städte und Gemeinden" in page.evaluate(AXIS_TITLES)
        assert "darstellung=werte" in page.url
        page.mouse.wheel(0, 20_000)  # the ranking is drawn once scrolled to
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] .role-axis-label text')]
                     .some(e => e.textContent === 'Willebadessen')""",
            timeout=30_000,
        )
        labels = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] .role-axis-label text')]
                     .map(e => e.textContent)"""
        )
        assert TEN_TOWNS <= set(labels)


def _map_colours(page) -> tuple[list[str], list[str]]:
    """(fill of each legend swatch, fill of each area) of the map, the page's first chart."""
    swatches = page.evaluate(
        """() => [...document.querySelector('[data-testid="stVegaLiteChart"]').querySelectorAll('.role-legend-symbol path')]
                 .map(e => e.getAttribute('fill'))"""
    )
    areas = page.evaluate(
        """() => [...document.querySelector('[data-testid="stVegaLiteChart"]')
                     .querySelectorAll('path[aria-roledescription="geoshape"]')].map(e => e.getAttribute('fill'))"""
    )
    return swatches, areas


def test_the_map_names_every_town_and_its_swatches_carry_the_class_colours(browser, app_ten_towns):
    with clean_page(browser, app_ten_towns, "karte", "Karte", "karte-zehn") as page:
        page.locator('[data-testid="stVegaLiteChart"] path[aria-roledescription="geoshape"]').first.wait_for(timeout=30_000)
        assert set(drawn_areas(page)) == TEN_TOWNS
        names = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] .role-mark text')].map(e => e.textContent)"""
        )
        assert TEN_TOWNS <= set(names)  # written on the map
        swatches, areas = _map_colours(page)
        assert len(set(swatches)) == len(swatches) == 6  # five classes and "keine Angabe", each its own colour
        assert set(areas) <= set(swatches)


def test_a_shared_karte_link_restores_scheme_and_classes(browser, app_ten_towns):
    page, watch = open_direct(browser, f"{app_ten_towns}/karte?indikator=bevoelkerungsdichte&jahr=2024-12-31"
                                       "&einteilung=equal_interval&klassen=3")  # fmt: skip
    try:
        page.get_by_role("heading", name="Karte", exact=True).first.wait_for(timeout=30_000)
        page.locator(IDLE).wait_for(timeout=30_000)
        page.locator('[data-testid="stVegaLiteChart"] path[aria-roledescription="geoshape"]').first.wait_for(timeout=30_000)
        assert page.get_by_role("radio", name="Gleiche Intervalle").is_checked()
        assert page.get_by_test_id("stSliderThumbValue").first.inner_text() == "3"
        swatches, _ = _map_colours(page)
        assert len(swatches) == 4  # three classes and "keine Angabe"
        titles = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] .role-title text')].map(e => e.textContent)"""
        )
        assert "Bevölkerungsdichte (Personen je km²)" in titles
        assert_no_errors_but_upstream_probes(watch)
    finally:
        page.screenshot(path=screenshot_path("karte-link"), full_page=True)
        page.close()


def test_vorfuehren_on_a_projector_has_large_labels_and_a_chart_that_fills_the_screen(browser, app_ten_towns):
    page, watch = open_direct(browser, f"{app_ten_towns}/praesentation?bericht=kreistag&folie=0", {"width": 1920, "height": 1080})
    try:
        page.get_by_text("Titelfolie", exact=True).wait_for(timeout=30_000)
        page.locator(IDLE).wait_for(timeout=30_000)
        assert page.get_by_role("heading", name="Kreistag Dezember").count() == 1  # the title once
        assert page.get_by_text("Zahlen für die Sitzung").count() == 1
        page.keyboard.press("ArrowRight")
        page.get_by_text("Folie 1 von 2").wait_for(timeout=30_000)
        chart = page.locator('[data-testid="stVegaLiteChart"] svg').first
        chart.locator(".role-axis-label text").first.wait_for(timeout=30_000)
        sizes = chart.evaluate(
            """svg => [...svg.querySelectorAll('.role-axis-label text, .role-axis-title text, .role-mark text')]
                     .map(e => parseFloat(getComputedStyle(e).fontSize))"""
        )
        assert sizes and min(sizes) >= 24  # axes and the values at the bars
        titles = chart.evaluate("svg => [...svg.querySelectorAll('.role-title text')].map(e => e.textContent)")
        assert "Bevölkerung: Rangfolge" not in titles and "Kreis Höxter, 31.12.2024" in titles  # the slide's title once
        box = chart.bounding_box()
        assert box["width"] >= 0.7 * 1920 and box["height"] >= 0.5 * 1080
        page.screenshot(path=screenshot_path("vorfuehren-1920"))
        page.keyboard.press("PageDown")
        page.get_by_text("Folie 2 von 2").wait_for(timeout=30_000)
        names = page.locator('[data-testid="stVegaLiteChart"] .role-mark text')
        names.first.wait_for(timeout=30_000)
        assert min(names.evaluate_all("els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")) >= 24
        page.screenshot(path=screenshot_path("vorfuehren-1920-karte"))
        assert_no_errors_but_upstream_probes(watch)
    finally:
        page.screenshot(path=screenshot_path("vorfuehren-1920-ende"))
        page.close()
