"""Exports: every format opened and checked (PNG size and DPI, SVG with the source line, PDF
pages, PPTX read back, CSV re-read the German way), reports and the command line."""

from __future__ import annotations

import json

import io
import xml.etree.ElementTree as ET

import polars as pl
import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from dashboard import downloads, export, reports, views
from pipelines.config import load_settings
from pipelines.german import fmt_date
from pipelines.refresh import import_files


def series() -> views.View:
    return views.indicator_series("arbeitslose", ["05762004", "05762020"], ["05762", "05"])


def test_png_is_print_resolution_with_everything_baked_in(statistics):
    view = series()
    image = Image.open(io.BytesIO(export.png(export.printable(view.chart, view.meta))))
    assert image.info["dpi"][0] == pytest.approx(300, abs=1)
    assert 2400 <= image.size[0] <= export.PRINT_MAX_PX  # about 21 cm at 300 dpi, however wide the legend
    svg = export.svg(export.printable(view.chart, view.meta))
    root = ET.fromstring(svg)
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "Arbeitslose" in texts  # title
    assert "Kreis Höxter, 31.12.2021 bis 31.12.2024" in texts  # subtitle: region and period
    assert "Quelle: IT.NRW, Landesdatenbank NRW, Tabelle 13211-05i" in texts
    assert "Lizenz: Datenlizenz Deutschland" in texts and "Stand: 02.03.2026" in texts
    assert "BEISPIELDATEN" not in texts


def test_pdf_has_one_page_and_the_demo_marker_when_demo(statistics):
    view = series()
    document = PdfReader(io.BytesIO(export.pdf(export.printable(view.chart, view.meta, demo=True))))
    assert len(document.pages) == 1
    assert "BEISPIELDATEN" in export.svg(export.printable(view.chart, view.meta, demo=True))


def test_the_map_exports_too(statistics, tmp_path):
    from tests.support import geo

    path = tmp_path / "g.geojson"
    path.write_bytes(geo.gemeinden_geojson())
    import_files(load_settings(), [path])
    view = views.indicator_map("bevoelkerung")
    before = json.dumps(view.chart, sort_keys=True)
    printable = export.printable(view.chart, view.meta)
    svg = export.svg(printable)
    assert "© GeoBasis-DE / BKG (2024)" in svg and svg.count("<path") >= 2
    # the page's spec (kept per build, shared by every session) is left as it was
    assert json.dumps(view.chart, sort_keys=True) == before and printable["vconcat"][0] is not view.chart
    # the legend beside the map makes the figure wider than a chart: scaled to A4 width, still 300 dpi
    image = Image.open(io.BytesIO(export.png(printable)))
    assert image.size[0] == pytest.approx(export.PRINT_MAX_PX, abs=2) and image.info["dpi"][0] == pytest.approx(300, abs=1)


def test_a_small_figure_is_not_blown_up_to_page_width():
    spec = {"data": {"values": [{"a": 1}]}, "mark": "point", "width": 200, "height": 100, "padding": 0,
            "autosize": "none", "encoding": {"x": {"field": "a", "type": "quantitative", "axis": None}}}  # fmt: skip
    image = Image.open(io.BytesIO(export.png(spec)))
    assert image.size == (round(200 * export.PNG_SCALE * export.PRINT_PPI / 72), round(100 * export.PNG_SCALE * export.PRINT_PPI / 72))


def test_chart_data_as_csv_reads_back_with_german_settings(statistics):
    view = series()
    csv = downloads.german_csv(view.frame)
    back = pl.read_csv(io.BytesIO(csv[3:]), separator=";", decimal_comma=True)
    column = view.frame.columns[3]
    assert back[column].to_list() == view.frame[column].to_list()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(downloads.xlsx(view.frame))).active
    assert sheet.max_row == view.frame.height + 1
    assert [c.value for c in sheet[2]][3] == view.frame[column][0]


def test_chart_data_carry_title_region_period_source_licence_and_stand(statistics):
    """dl-de/by-2-0 requires the attribution with the data, also without the chart."""
    from openpyxl import load_workbook

    view = series()
    csv = downloads.german_csv(view.frame, view.meta).decode("utf-8-sig")
    block, _, table = csv.partition("\n\n")
    header = dict(line.split(";", 1) for line in block.splitlines())
    assert header["Titel"] == view.meta.title and header["Region"] == "Bad Driburg, Höxter, Kreis Höxter, Nordrhein-Westfalen"
    assert header["Zeitraum"] == "31.12.2021 bis 31.12.2024" and header["Stand"] == "02.03.2026"
    assert header["Quelle"] == "IT.NRW, Landesdatenbank NRW, Tabelle 13211-05i"
    assert header["Lizenz"] == view.meta.licence and "dl-de/by-2-0" in header["Lizenz"]
    column = view.frame.columns[3]
    back = pl.read_csv(io.StringIO(table), separator=";", decimal_comma=True)
    assert back[column].to_list() == view.frame[column].to_list()  # the table below still reads back
    book = load_workbook(io.BytesIO(downloads.xlsx(view.frame, meta=view.meta)))
    assert book.sheetnames == ["Daten", "Info"]
    data = book["Daten"]
    assert data["A1"].value == view.meta.title and data["A2"].value == view.meta.source_line
    assert [c.value for c in data[4]] == view.frame.columns and data.cell(5, 4).value == view.frame[column][0]
    info = {row[0].value: row[1].value for row in book["Info"].iter_rows()}
    assert info["Lizenz"] == view.meta.licence and info["Stand"] == "02.03.2026" and info["Region"] == header["Region"]


def test_a_saved_report_becomes_a_deck_and_a_pdf(statistics):
    report = reports.Report("Quartalsbericht", "Für den Kreistag")
    report.items = [
        reports.Item("indikator_verlauf", series().params, "Arbeitslose im Vergleich", "Leicht steigend."),
        reports.Item("indikator_rangfolge", {"indicator_id": "arbeitslose", "period": "2024-12-31"}, "Rangfolge"),
        reports.Item("indikator_karte", {"indicator_id": "arbeitslose"}, "Karte"),  # no boundaries: says so
    ]
    reports.save(report)
    loaded = reports.load("quartalsbericht")
    assert loaded == report
    deck = Presentation(io.BytesIO(reports.pptx(loaded)))
    assert deck.slide_width / deck.slide_height == pytest.approx(16 / 9, rel=0.01)
    slides = list(deck.slides)
    assert len(slides) == 4
    texts = [[s.text_frame.text for s in slide.shapes if s.has_text_frame] for slide in slides]
    assert texts[0][0] == "Quartalsbericht" and "Kreis Höxter" in texts[0][1]
    assert texts[1][0] == "Arbeitslose im Vergleich"
    assert any("Quelle: IT.NRW, Landesdatenbank NRW, Tabelle 13211-05i" in t for t in texts[1])
    assert slides[1].notes_slide.notes_text_frame.text == "Leicht steigend."
    assert "Stand der Daten 02.03.2026" in texts[0][1]  # the data's Stand, not the day the deck was made
    # time series and ranking as native charts with their data, editable in PowerPoint
    (line,) = [s.chart for s in slides[1].shapes if s.has_chart]
    view = series()
    assert list(line.plots[0].categories) == [fmt_date(p) for p in sorted(set(view.frame["Zeitpunkt"]))]
    by_name = {s.name: list(s.values) for s in line.plots[0].series}
    assert set(by_name) == set(view.frame["Region"])
    hoexter = view.frame.filter(pl.col("Region") == "Höxter").sort("Zeitpunkt")
    assert by_name["Höxter"] == hoexter[view.frame.columns[3]].to_list()
    assert line.has_title is False and line.has_legend
    (bars,) = [s.chart for s in slides[2].shapes if s.has_chart]
    assert list(bars.plots[0].categories)[-1] == views.indicator_ranking("arbeitslose", "2024-12-31").frame["Stadt"][0]
    assert not any(shape.shape_type == 13 for shape in slides[1].shapes)  # no picture beside it
    assert "Nicht verfügbar: Noch keine Gebietsgrenzen geladen." in texts[3]
    document = PdfReader(io.BytesIO(reports.pdf(loaded)))
    assert len(document.pages) == 1 + 3  # cover, the two charts, the one that could not be built
    # an A4 handout in landscape: every page the same size, whatever its chart
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in document.pages} == {(842, 595)}
    pages = [p.extract_text() for p in document.pages]
    assert "Quartalsbericht" in pages[0] and "Stand der Daten 02.03.2026" in pages[0] and "Für den Kreistag" in pages[0]
    assert "Arbeitslose im Vergleich" in pages[1] and "Leicht steigend." in pages[1]
    assert "Lizenz" in pages[1] and "Stand: 02.03.2026" in pages[1]
    assert "Nicht verfügbar: Noch keine Gebietsgrenzen geladen." in pages[3]


def test_export_of_a_saved_report_from_the_command_line(statistics, tmp_path):
    from tests.test_cli import xregion

    report = reports.Report("Wochenbericht", items=[reports.Item("indikator_verlauf", series().params, "Arbeitslose")])
    reports.save(report)
    result = xregion(statistics, "export", "--report", "wochenbericht", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert len(Presentation(str(tmp_path / "out" / "wochenbericht.pptx")).slides) == 2
    assert len(PdfReader(str(tmp_path / "out" / "wochenbericht.pdf")).pages) == 2
    missing = xregion(statistics, "export", "--report", "gibt-es-nicht")
    assert missing.returncode == 2 and "Den Bericht „gibt-es-nicht“ gibt es nicht" in missing.stderr


def test_register_charts_export_with_their_source(statistics, tmp_path):
    from tests.support import register_fixtures as rf

    import_files(load_settings(), [rf.workbook(tmp_path / "register.xlsx")], replace=True)
    for view in (views.funding("P1", "05762004"), views.kpi_history("K1")):
        svg = export.svg(export.printable(view.chart, view.meta))
        assert "Quelle: Projektregister des Kreises" in svg and view.meta.title in svg
    assert views.funding("P1").frame.columns == ["Datum", "Bewilligt (€)", "Abgerufen (€)", "Ausgegeben (€)"]


def test_the_ranking_names_all_ten_towns():
    import vl_convert as vlc

    from dashboard import charts

    names = ["Bad Driburg", "Beverungen", "Borgentreich", "Brakel", "Höxter", "Marienmünster", "Nieheim", "Steinheim",
             "Warburg", "Willebadessen"]  # fmt: skip
    frame = pl.DataFrame({"region": names, "value": [float(i * 1000) for i in range(10)], "rank": list(range(10, 0, -1))})
    spec = charts.ranking(frame, charts.ChartMeta("Bevölkerung", "Kreis Höxter", "Personen", "IT.NRW", "dl-de/by-2-0"), "up").to_dict()
    layer = spec["layer"][0]
    axis = (layer.get("encoding") or spec["encoding"])["y"]["axis"]
    assert axis["labelOverlap"] is False and spec["height"] >= 28 * 10
    svg = vlc.vegalite_to_svg({**spec, "width": 500, "height": 90})  # even squeezed, no town is left out
    assert all(f">{name}<" in svg for name in names)


def test_kpi_and_funding_charts_have_one_tick_per_year_a_legend_for_each_line_and_named_targets():
    import re
    from datetime import date

    import vl_convert as vlc

    from dashboard import charts

    meta = charts.ChartMeta("Läden", "Kreis Höxter", "Standorte", "Register", "intern")
    history = pl.DataFrame({"date": [date(2024, 12, 31), date(2025, 6, 30), date(2025, 12, 31)], "value": [1.0, 3.0, 6.0]})
    path = pl.DataFrame({"date": [date(2024, 12, 31), date(2026, 12, 31)], "value": [0.0, 10.0]})
    spec = charts.kpi_history(history, path, meta).to_dict()
    svg = vlc.vegalite_to_svg({**spec, "width": 500})
    years = re.findall(r">(20\d\d)<", svg)
    assert years == sorted(set(years)) and len(years) >= 2  # each year once
    assert "Ziel 10 Standorte (2026)" in svg  # the dashed target path is named
    legend = re.findall(r'role-legend-label[^>]*>\s*<text[^>]*>([^<]+)<', svg) or re.findall(r">(Messwert|Zielpfad)<", svg)
    assert {"Messwert", "Zielpfad"} <= set(legend)
    encoding = spec["layer"][0]["encoding"]
    assert encoding["y"]["axis"]["tickMinStep"] == 1  # counts: whole-number ticks
    assert encoding["strokeDash"].get("legend", {}) is not None  # the dash appears in the legend
    timeline = pl.DataFrame({"date": [date(2024, 2, 1), date(2024, 9, 1)], "committed": [60_000.0, 60_000.0],
                             "called": [0.0, 20_000.0], "spent": [0.0, 15_000.0]})  # fmt: skip
    svg = vlc.vegalite_to_svg({**charts.funding_timeline(timeline, meta, 100_000.0).to_dict(), "width": 500})
    assert "2024" in re.findall(r">(20\d\d)<", svg)  # a span inside one year still shows its year
    assert "Budget 100.000 €" in svg
