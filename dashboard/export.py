"""Chart exports rendered on the server with vl-convert from the very spec the page shows:
PNG (print resolution), SVG and PDF, with title, subtitle, source, licence, data date and, for
demo data, the "Beispieldaten" marker baked into the image."""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import OrderedDict

import altair as alt
import vl_convert as vlc

from dashboard.charts import FONT, ChartMeta

EXPORT_WIDTH = 760  # px at scale 1; the PNG is rendered at print resolution
PRINT_PPI = 300
# vl-convert scales by ppi/72 on top of `scale`; 0.75 makes one chart pixel 1/96 inch, so the
# 760 px chart prints about 21 cm wide at 300 dpi
PNG_SCALE = 72 / 96
# a figure wider than that (a map or chart with its legend beside it) is scaled to the width of
# an A4 page: 300 dpi where it is printed, not 300 dpi at a size no page has (and a third fewer
# pixels to draw: the NRW map's export took 0,49 s, now 0,36 s)
PRINT_MAX_PX = round(21 / 2.54 * PRINT_PPI)
VL_VERSION = "6.4"
DEMO_LINE = "BEISPIELDATEN – erfundene Werte, nur für Schulung"


def printable(chart: alt.TopLevelMixin | dict, meta: ChartMeta, demo: bool = False) -> dict:
    """The page's chart with a fixed size and a footer (source, licence, Stand, demo marker)."""
    # only top-level keys change below: a shallow copy leaves the page's spec as it is without
    # copying the map's outlines (a deep copy of the NRW map took a sixth of its export). Altair's
    # schema validation is skipped: it took a tenth of the Nahversorgung map's export, and the
    # same chart is validated where the page shows it (tests draw every view on a page)
    spec = dict(chart) if isinstance(chart, dict) else chart.to_dict(validate=False)
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
    """The print PNG of a spec (see `printable`), at most A4 wide at 300 dpi; rendering takes
    a third to half a second for the NRW map, most of it rasterizing its pixels."""
    drawing = svg(spec)  # what vl-convert's PNG path draws first anyway; its size decides the scale
    width = float(re.search(r'<svg[^>]*\swidth="([0-9.]+)"', drawing).group(1))
    scale = min(PNG_SCALE, PRINT_MAX_PX / (width * PRINT_PPI / 72))
    return vlc.svg_to_png(drawing, scale=scale, ppi=PRINT_PPI)


def svg(spec: dict) -> str:
    return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)


def pdf(spec: dict) -> bytes:
    return vlc.vegalite_to_pdf(spec, vl_version=VL_VERSION)


PROJECTOR_TYPE = 24  # px: the smallest type read from the back of a Kreistag hall
PROJECTOR_HEIGHT = 640  # px: on 1920 × 1080 the chart fills the screen under the slide's title


def for_projector(chart: alt.TopLevelMixin | dict, slide_title: str | None = None) -> dict:
    """The chart with type large enough for a projector (and high-contrast text). With a
    `slide_title` (shown above the chart by the slide) the chart's own title gives way to its
    subtitle (region, date), so each title is on screen once."""
    spec = copy.deepcopy(chart) if isinstance(chart, dict) else chart.to_dict(validate=False)  # a fresh dict
    config = spec.setdefault("config", {})
    big = PROJECTOR_TYPE
    config["axis"] = {**config.get("axis", {}), "labelFontSize": big, "titleFontSize": big, "labelColor": "#000000",
                      "titleColor": "#000000", "labelLimit": 400, "tickCount": 8}  # fmt: skip
    config["legend"] = {**config.get("legend", {}), "labelFontSize": big, "titleFontSize": big, "labelLimit": 400,
                        "labelColor": "#000000", "titleColor": "#000000",
                        "symbolSize": 300}  # fmt: skip
    config["title"] = {**config.get("title", {}), "fontSize": 34, "subtitleFontSize": big, "color": "#000000"}
    config["text"] = {"fontSize": big}
    title = spec.get("title")
    if isinstance(title, dict):
        title.pop("fontSize", None)  # the config's size applies
        if slide_title:
            subtitle = title.pop("subtitle", None) or []
            title["text"] = subtitle if subtitle else ""
            title["fontSize"] = big + 2
    _enlarge_text_marks(spec, big)
    spec["height"] = PROJECTOR_HEIGHT
    return spec


def _enlarge_text_marks(node, size: int) -> None:
    """Text marks (bar values, town names on maps) at least `size` px: their own font size
    would otherwise win over the config's."""
    if isinstance(node, dict):
        mark = node.get("mark")
        if mark == "text":
            node["mark"] = {"type": "text", "fontSize": size}
        elif isinstance(mark, dict) and mark.get("type") == "text":
            mark["fontSize"] = max(mark.get("fontSize", 0), size)
        for child in node.get("layer", []) + node.get("vconcat", []) + node.get("hconcat", []):
            _enlarge_text_marks(child, size)


# --- rendered once per view and warehouse build --------------------------------------------------

_RENDERERS = {"png": png, "svg": svg, "pdf": pdf}
_cache: OrderedDict[tuple, bytes | str] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_ENTRIES = 96  # a map PNG is ~0,3 MB: the cache stays under ~30 MB


def _key(view, kind: str, demo: bool) -> tuple:
    from dashboard import data

    return (data.build_signature(), view.name, json.dumps(view.params, sort_keys=True, default=str), kind, demo)


def _remember(key: tuple, value: bytes | str) -> None:
    with _cache_lock:
        _cache[key] = value
        _cache.move_to_end(key)
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)


def clear_cache() -> None:
    """Forget every rendered image (the benchmark measures the first rendering this way)."""
    with _cache_lock:
        _cache.clear()


def rendered(view, kind: str, demo: bool = False) -> bytes | str:
    """A view's export as PNG, SVG or PDF, rendered once per view, parameters and warehouse
    build: the second download of the same chart (by anyone) and every deck that shows it reuse
    the image."""
    return rendered_many([view], kind, demo)[0]


def rendered_many(views: list, kind: str, demo: bool = False) -> list[bytes | str]:
    """Several views at once; those not rendered yet are rendered in parallel processes (see
    `dashboard.render_pool`), so a deck of ten maps takes the time of a few."""
    from dashboard import render_pool

    keys = [_key(v, kind, demo) for v in views]
    with _cache_lock:
        found = {k: _cache[k] for k in keys if k in _cache}
    missing = [(k, v) for k, v in zip(keys, views) if k not in found]
    unique = dict(missing)  # the same chart twice in a deck is rendered once
    specs = [printable(v.chart, v.meta, demo) for v in unique.values()]
    for key, image in zip(unique, render_pool.render(_RENDERERS[kind], specs)):
        _remember(key, image)
        found[key] = image
    return [found[k] for k in keys]
