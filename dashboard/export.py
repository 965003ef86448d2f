"""Chart exports rendered on the server with vl-convert from the very spec the page shows:
PNG (print resolution), SVG and PDF, with title, subtitle, source, licence, data date and, for
demo data, the "Beispieldaten" marker baked into the image."""

from __future__ import annotations

import copy

import altair as alt
import vl_convert as vlc

from dashboard.charts import FONT, ChartMeta

EXPORT_WIDTH = 760  # px at scale 1; the PNG is rendered at print resolution
PRINT_PPI = 300
# vl-convert scales by ppi/72 on top of `scale`; 0.75 makes one chart pixel 1/96 inch, so the
# 760 px chart prints about 21 cm wide at 300 dpi
PNG_SCALE = 72 / 96
VL_VERSION = "6.4"
DEMO_LINE = "BEISPIELDATEN – erfundene Werte, nur für Schulung"


def printable(chart: alt.TopLevelMixin | dict, meta: ChartMeta, demo: bool = False) -> dict:
    """The page's chart with a fixed size and a footer (source, licence, Stand, demo marker)."""
    spec = copy.deepcopy(chart if isinstance(chart, dict) else chart.to_dict())
    config = spec.pop("config", {})
    datasets = spec.pop("datasets", {})
    spec.pop("$schema", None)
    _fix_width(spec)
    lines = [meta.source_line] + ([DEMO_LINE] if demo else [])
    footer = {
        "data": {"values": [{"zeile": i, "text": line} for i, line in enumerate(lines)]},
        "mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 10, "font": FONT, "x": 0},
        "encoding": {
            "y": {"field": "zeile", "type": "ordinal", "axis": None},
            "text": {"field": "text"},
            "color": {"condition": {"test": "datum.zeile > 0", "value": "#b00020"}, "value": "#444444"},
        },
        "width": EXPORT_WIDTH,
        "height": 14 * len(lines),
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "vconcat": [spec, footer],
        "spacing": 14,
        "padding": 16,
        "background": "white",
        "config": {**config, "view": {**config.get("view", {}), "stroke": None}},
        "datasets": datasets,
    }


def _fix_width(spec: dict) -> None:
    """'container' has no meaning outside the page: give the chart a fixed width."""
    if spec.get("width") in (None, "container"):
        spec["width"] = EXPORT_WIDTH
    autosize = spec.get("autosize")
    if isinstance(autosize, dict) and autosize.get("type") == "fit":
        spec.pop("autosize")


def png(spec: dict) -> bytes:
    return vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=PNG_SCALE, ppi=PRINT_PPI)


def svg(spec: dict) -> str:
    return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)


def pdf(spec: dict) -> bytes:
    return vlc.vegalite_to_pdf(spec, vl_version=VL_VERSION)


def for_projector(chart: alt.TopLevelMixin | dict) -> dict:
    """The chart with type large enough for a projector (and high-contrast text)."""
    spec = copy.deepcopy(chart if isinstance(chart, dict) else chart.to_dict())
    config = spec.setdefault("config", {})
    config["axis"] = {**config.get("axis", {}), "labelFontSize": 20, "titleFontSize": 20, "labelColor": "#000000",
                      "titleColor": "#000000", "labelLimit": 400, "tickCount": 8}  # fmt: skip
    config["legend"] = {**config.get("legend", {}), "labelFontSize": 20, "titleFontSize": 20, "labelLimit": 400}
    config["title"] = {**config.get("title", {}), "fontSize": 32, "subtitleFontSize": 22, "color": "#000000"}
    config["text"] = {"fontSize": 18}
    if isinstance(spec.get("title"), dict):
        spec["title"].pop("fontSize", None)  # the config's size applies
    spec["height"] = 560
    return spec
