"""Chart builders: pure functions from data frames to Altair charts.

The pages and the exports use the same builders, so an exported chart is the chart on screen.
Every chart speaks German (number and date locale) and carries its source line.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass

import altair as alt
import polars as pl

from dashboard import topology
from pipelines.german import fmt_date, fmt_number
from pipelines.register.model import FUNDING_KINDS

# d3 locale definitions, so that axes and tooltips read 1.234,5 and "Dez 2024"
GERMAN_LOCALE = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " €"]},
    "time": {
        "dateTime": "%A, der %e. %B %Y, %X",
        "date": "%d.%m.%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
        "shortDays": ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
        "months": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                   "Oktober", "November", "Dezember"],
        "shortMonths": ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"],
    },
}  # fmt: skip

FONT = "DejaVu Sans, Arial, sans-serif"  # DejaVu is what the server renders exports with
REGION_COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#843c0c", "#375623",
                  "#a5a5a5", "#4472c4", "#ed7d31", "#70ad47", "#264478"]  # fmt: skip
COMPARISON_DASH = [6, 3]


@dataclass(frozen=True)
class ChartMeta:
    """What every chart shows beside the data: title, subtitle and the source line."""

    title: str
    subtitle: str
    unit: str
    source: str
    licence: str
    data_stand: object | None = None  # date
    # "Stand" is the publisher's release; "abgerufen am" where only the fetch date is known
    stand_label: str = "Stand"
    region: str = ""  # for the header block of data downloads (the subtitle says it for the chart)
    period: str = ""

    @property
    def source_line(self) -> str:
        stand = fmt_date(self.data_stand, missing="unbekannt")
        return f"Quelle: {self.source} · Lizenz: {self.licence} · {self.stand_label}: {stand}"


def value_format(values: pl.Series, unit: str) -> str:
    """d3 format: whole numbers without decimals, areas with two, everything else with one."""
    if unit == "km²":
        return ",.2f"
    if values.len() and (values.drop_nulls() % 1 == 0).all():
        return ",.0f"
    return ",.1f"


def _finish(chart: alt.Chart | alt.LayerChart, meta: ChartMeta, width: int | str, height: int) -> alt.TopLevelMixin:
    return (
        chart.properties(
            title=alt.TitleParams(meta.title, subtitle=[meta.subtitle], anchor="start", fontSize=16),
            width=width,
            height=height,
        )
        .configure(locale=GERMAN_LOCALE, font=FONT)
        .configure_axis(labelFontSize=12, titleFontSize=12)
        .configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=260)
    )


def time_series(
    frame: pl.DataFrame, meta: ChartMeta, width: int | str = "container", height: int = 380, second_axis: bool = False
) -> alt.TopLevelMixin:
    """Lines over time, one per region; comparison regions dashed. A series break (e.g. the
    Zensus 2022 base change) splits each line, so the two bases are never joined. `second_axis`:
    the comparison regions are drawn against an axis of their own on the right (the towns of a
    Kreis beside NRW would otherwise be a flat line at the bottom).

    frame: region, period (date), value, series_break (nullable), comparison (bool)."""
    data = frame.with_columns(
        pl.col("series_break").fill_null("").alias("segment"),
        pl.col("period").dt.year().alias("year"),
    )
    regions = data.unique("region", maintain_order=True)["region"].to_list()
    colour = alt.Color(
        "region:N", title="Region", sort=regions,
        scale=alt.Scale(domain=regions, range=REGION_COLOURS[: len(regions)] or REGION_COLOURS),
    )  # fmt: skip

    def lines(part: pl.DataFrame, axis_title: str, orient: str) -> alt.LayerChart:
        fmt = value_format(part["value"], meta.unit)
        base = alt.Chart(part).encode(
            # annual figures (Stichtag 31.12. or calendar year): one position per year, labelled by it
            x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title=axis_title, axis=alt.Axis(format=fmt, orient=orient), scale=alt.Scale(zero=False)),
            color=colour,
            strokeDash=alt.StrokeDash(
                "comparison:N", title=None, legend=None,
                scale=alt.Scale(domain=[False, True], range=[[1, 0], COMPARISON_DASH]),
            ),
            detail="segment:N",
            tooltip=[
                alt.Tooltip("region:N", title="Region"),
                alt.Tooltip("period:T", title="Zeitpunkt", format="%d.%m.%Y"),
                alt.Tooltip("value:Q", title=meta.unit, format=fmt),
                alt.Tooltip("segment:N", title="Reihe"),
            ],
        )  # fmt: skip
        return alt.layer(base.mark_line(strokeWidth=2), base.mark_point(filled=True, size=40))

    if not second_axis:
        return _finish(lines(data, meta.unit, "left"), meta, width, height)
    towns = lines(data.filter(~pl.col("comparison")), f"{meta.unit} – Städte und Gemeinden", "left")
    others = lines(data.filter(pl.col("comparison")), f"{meta.unit} – Vergleichsgebiete (gestrichelt)", "right")
    return _finish(alt.layer(towns, others).resolve_scale(y="independent"), meta, width, height)


def ranking(frame: pl.DataFrame, meta: ChartMeta, direction: str, width: int | str = "container") -> alt.TopLevelMixin:
    """Towns ranked for one period: the best first (direction up/down), or the largest first.

    frame: region, value, rank."""
    fmt = value_format(frame["value"], meta.unit)
    order = frame.sort("rank")["region"].to_list()
    height = max(160, 28 * frame.height)
    base = alt.Chart(frame).encode(
        # every town is named: the Kreistag asks "where is my town", so no label may be thinned out
        y=alt.Y("region:N", title=None, sort=order, axis=alt.Axis(labelOverlap=False, labelLimit=220)),
        x=alt.X("value:Q", title=meta.unit, axis=alt.Axis(format=fmt)),
        tooltip=[
            alt.Tooltip("rank:Q", title="Rang"),
            alt.Tooltip("region:N", title="Stadt"),
            alt.Tooltip("value:Q", title=meta.unit, format=fmt),
        ],
    )
    bars = base.mark_bar(color=REGION_COLOURS[0])
    labels = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text("value:Q", format=fmt))
    return _finish(alt.layer(bars, labels), meta, width, height)


def rank_towns(frame: pl.DataFrame, direction: str) -> pl.DataFrame:
    """Rank 1 is the best value (highest for `up`, lowest for `down`); neutral ranks by size."""
    descending = direction != "down"
    return frame.with_columns(
        pl.col("value").rank(method="min", descending=descending).cast(pl.Int32).alias("rank")
    ).sort("rank")


# --- choropleth maps ---------------------------------------------------------------------------

CLASS_SCHEMES = {
    "quantile": "Quantile (gleich viele Gebiete je Klasse)",
    "equal_interval": "Gleiche Intervalle",
    "natural_breaks": "Natürliche Brüche (Fisher-Jenks)",
}
MISSING_CLASS = "keine Angabe"
MISSING_COLOUR = "#d9d9d9"
# light to dark; "dark" is the better end for indicators with a direction
SEQUENTIAL = ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"]


@dataclass(frozen=True)
class Classes:
    labels: list[str]  # German, one per class, low to high
    colours: list[str]
    index: list[int | None]  # class of each value (None = missing)


def classify(values: list[float | None], scheme: str, k: int, direction: str, fmt_value) -> Classes:
    """Class breaks with mapclassify over the values shown; colours darker towards the better end
    (higher for `up` and `neutral`, lower for `down`). Missing values get no class."""
    import warnings

    import mapclassify
    import numpy as np

    present = np.array([v for v in values if v is not None], dtype=float)
    if present.size == 0:
        return Classes([], [], [None] * len(values))
    k = max(1, min(k, len(np.unique(present))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mapclassify warns about optional numba and ties
        classifier = {
            "quantile": mapclassify.Quantiles,
            "equal_interval": mapclassify.EqualInterval,
            "natural_breaks": mapclassify.FisherJenks,
        }[scheme](present, k=k)
    bins = list(classifier.bins)
    lower = [float(present.min())] + bins[:-1]
    labels = [f"{fmt_value(lo)} – {fmt_value(hi)}" for lo, hi in zip(lower, bins)]
    colours = _spread(len(bins))
    if direction == "down":
        colours = colours[::-1]
    index = [None if v is None else int(np.searchsorted(bins, v, side="left")) for v in values]
    return Classes(labels, colours, [None if i is None else min(i, len(bins) - 1) for i in index])


def _spread(n: int) -> list[str]:
    if n == 1:
        return [SEQUENTIAL[4]]
    step = (len(SEQUENTIAL) - 1) / (n - 1)
    return [SEQUENTIAL[round(i * step)] for i in range(n)]


def choropleth(
    areas: dict,
    classes: Classes,
    meta: ChartMeta,
    outline: dict | None = None,
    selectable: bool = True,
    width: int | str = "container",
    height: int = 520,
    labels: list[dict] | None = None,
    missing: bool = True,
) -> dict:
    """Areas coloured by class, as a Vega-Lite spec (dict). areas: a TopoJSON document (object
    `gebiete`, see `dashboard.topology`) whose properties are ags, name, klasse, wert (German
    text), rang, stand. `outline` (a TopoJSON document, e.g. the Kreis) is drawn on top without
    fill. `labels` ({name, lon, lat}) writes the names of the areas onto the map. `missing`: the
    legend lists the grey of areas without value (a map where every area has a class has none).

    The spec's frame is built and validated by Altair once per shape (selectable, outline, size)
    and then only filled in: Altair's validation of a layered chart with a selection costs more
    than everything else on the page, and nothing it checks changes from one rerun to the next."""
    spec = copy.deepcopy(_choropleth_frame(selectable, outline is not None, labels is not None, width, height))
    domain = classes.labels + ([MISSING_CLASS] if missing else [])
    colours = classes.colours + ([MISSING_COLOUR] if missing else [])
    color = spec["layer"][0]["encoding"]["color"]
    color.update(title=meta.unit, sort=domain, scale={"domain": domain, "range": colours})
    spec["title"].update(text=meta.title, subtitle=[meta.subtitle])
    # The outlines travel inline in their layer, not as named datasets: Streamlit takes a spec
    # with top-level `datasets` apart and puts it together again, writing the whole spec as JSON
    # once more on every rerun (0,64 MB for NRW); layer data it leaves alone.
    shapes = {"gebiete": areas, "umriss": outline}
    if "data" in spec:  # Altair hoists the data of a chart with a single layer to the top
        hoisted = spec.pop("data")
        for layer in spec["layer"]:
            layer.setdefault("data", hoisted)
    for layer in spec["layer"]:
        name = layer.get("data", {}).get("name")
        if shapes.get(name) is not None:
            layer["data"] = {"values": shapes[name], "format": layer["data"]["format"]}
    if labels is not None:
        spec["datasets"] = {"beschriftung": labels}
    return spec


_PLACEHOLDER = ChartMeta("…", "…", "…", "", "")


@functools.lru_cache(maxsize=16)
def _choropleth_frame(selectable: bool, with_outline: bool, with_labels: bool, width: int | str, height: int) -> dict:
    topojson = alt.DataFormat(type="topojson", feature=topology.OBJECT)
    # Vega reads a TopoJSON feature as {type, geometry, properties}: the fields are lifted out
    # of `properties`, so that tooltips, the selection and the click event name them plainly
    lifted = [alt.CalculateTransform(calculate=f"datum.properties.{f}", **{"as": f})
              for f in ("ags", "name", "klasse", "wert", "rang", "stand")]  # fmt: skip
    selection = alt.selection_point(name="gebiet", fields=["ags"], on="click", clear="dblclick", empty=False)
    areas = (
        alt.Chart(alt.NamedData(name="gebiete", format=topojson), transform=lifted)
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.6)
        .encode(
            color=alt.Color(
                "klasse:N", title="…", sort=[MISSING_CLASS], scale=alt.Scale(domain=[MISSING_CLASS], range=[MISSING_COLOUR]),
                legend=alt.Legend(symbolType="square", symbolSize=180, symbolStrokeColor="#999999"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Gebiet"),
                alt.Tooltip("wert:N", title="Wert"),
                alt.Tooltip("rang:N", title="Rang"),
                alt.Tooltip("stand:N", title="Stand"),
            ],
        )
    )  # fmt: skip
    if selectable:
        areas = areas.add_params(selection).encode(
            strokeWidth=alt.condition(selection, alt.value(2.5), alt.value(0.6)),
            stroke=alt.condition(selection, alt.value("#000000"), alt.value("#ffffff")),
        )
    layers = [areas]
    if with_outline:
        layers.append(
            alt.Chart(alt.NamedData(name="umriss", format=topojson)).mark_geoshape(filled=False, fill=None, stroke="#000000", strokeWidth=2.2, aria=False)
        )
    if with_labels:
        # the name twice: a white halo under dark text, readable on light and dark classes
        text = alt.Chart(alt.NamedData(name="beschriftung")).encode(longitude="lon:Q", latitude="lat:Q", text="name:N")
        layers += [text.mark_text(fontSize=11, fontWeight="bold", stroke="#ffffff", strokeWidth=3, strokeOpacity=0.85),
                   text.mark_text(fontSize=11, fontWeight="bold", color="#1a1a1a")]  # fmt: skip
    spec = _finish(alt.layer(*layers).project(type="mercator"), _PLACEHOLDER, width, height).to_dict()
    if not isinstance(spec.get("title"), dict):
        raise AssertionError("choropleth frame without a title block")
    return spec


# --- project register ---------------------------------------------------------------------------


YEARS = {"interval": "year", "step": 1}  # one tick per year: "%Y" on monthly ticks repeats the year


def _year_axis() -> alt.X:
    # the domain rounded out to whole years, so a span inside one year still has its year tick
    return alt.X("date:T", title=None, scale=alt.Scale(nice="year"), axis=alt.Axis(format="%Y", tickCount=YEARS, labelAngle=0))


def kpi_history(history: pl.DataFrame, path: pl.DataFrame, meta: ChartMeta, height: int = 240) -> alt.TopLevelMixin:
    """Measurements of a KPI with the straight path from baseline to target (what 'auf Kurs' is
    judged by), the target named at the path's end. history, path: date, value."""
    frame = pl.concat(
        [history.select("date", "value", pl.lit("Messwert").alias("Reihe")),
         path.select("date", "value", pl.lit("Zielpfad").alias("Reihe"))]
    )  # fmt: skip
    fmt = value_format(frame["value"], meta.unit)
    domain = ["Messwert", "Zielpfad"]
    line = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=_year_axis(),
            # counts (whole numbers) get whole-number ticks only
            y=alt.Y("value:Q", title=meta.unit, axis=alt.Axis(format=fmt, tickMinStep=1 if fmt == ",.0f" else None)),
            color=alt.Color("Reihe:N", title=None, scale=alt.Scale(domain=domain, range=[REGION_COLOURS[0], "#777777"])),
            # the same title as the colour: one legend that shows the dash of each line
            strokeDash=alt.StrokeDash("Reihe:N", title=None, scale=alt.Scale(domain=domain, range=[[1, 0], [5, 4]])),
            tooltip=[alt.Tooltip("date:T", title="Datum", format="%d.%m.%Y"), alt.Tooltip("value:Q", title=meta.unit, format=fmt)],
        )
    )  # fmt: skip
    layers = [line]
    if path.height:
        target = path.sort("date").row(-1, named=True)
        label = f"Ziel {fmt_number(target['value'], 0 if fmt == ',.0f' else 1)} {meta.unit} ({target['date'].year})"
        end = pl.DataFrame({"date": [target["date"]], "value": [target["value"]], "label": [label]})
        layers.append(alt.Chart(end).mark_text(align="right", dx=-6, dy=-10, color="#555555", fontSize=12)
                      .encode(x="date:T", y="value:Q", text="label:N"))  # fmt: skip
    return _finish(alt.layer(*layers), meta, "container", height)


def funding_timeline(timeline: pl.DataFrame, meta: ChartMeta, budget: float | None) -> alt.TopLevelMixin:
    """Cumulative committed, called and spent money over time; the budget as a labelled dotted rule."""
    long = timeline.unpivot(index="date", on=["committed", "called", "spent"], variable_name="Art", value_name="Betrag")
    long = long.with_columns(pl.col("Art").replace_strict(dict(zip(["committed", "called", "spent"], FUNDING_KINDS))))
    lines = (
        alt.Chart(long)
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=_year_axis(),
            y=alt.Y("Betrag:Q", title="Euro (kumuliert)", axis=alt.Axis(format=",.0f", tickMinStep=1)),
            color=alt.Color("Art:N", title=None, sort=FUNDING_KINDS, scale=alt.Scale(domain=FUNDING_KINDS, range=REGION_COLOURS[:3])),
            strokeDash=alt.StrokeDash("Art:N", title=None, sort=FUNDING_KINDS,
                                      scale=alt.Scale(domain=FUNDING_KINDS, range=[[1, 0], [6, 3], [2, 2]])),
            tooltip=[alt.Tooltip("date:T", title="Datum", format="%d.%m.%Y"), alt.Tooltip("Art:N"),
                     alt.Tooltip("Betrag:Q", format=",.0f", title="Euro")],
        )
    )  # fmt: skip
    layers = [lines]
    if budget:
        rule = alt.Chart(pl.DataFrame({"Budget": [budget], "label": [f"Budget {fmt_number(budget, 0)} €"]}))
        layers += [rule.mark_rule(strokeDash=[2, 4], color="#555555").encode(y="Budget:Q"),
                   rule.mark_text(align="left", dy=-8, x=4, color="#555555", fontSize=12).encode(y="Budget:Q", text="label:N")]  # fmt: skip
    return _finish(alt.layer(*layers), meta, "container", 300)


MEASURE_STATUSES = ["nicht begonnen", "Planung", "Umsetzung", "pausiert", "abgeschlossen"]
MEASURE_COLOURS = ["#bdbdbd", "#9ecae1", "#2171b5", "#fd8d3c", "#31a354"]


def measures_timeline(frame: pl.DataFrame, today, meta: ChartMeta) -> alt.TopLevelMixin:
    """All measures as bars from start to end, grouped by Handlungsfeld, coloured by status, the
    next milestone as a diamond (red when overdue), today as a rule. frame: marts.measures."""
    rows = frame.sort("handlungsfeld_position", "start_date", "title").with_columns(
        pl.format("{} · {}", pl.col("handlungsfeld"), pl.col("title")).alias("zeile"),
        pl.col("milestone_overdue").fill_null(False).alias("overdue"),
    )  # fmt: skip
    order = rows["zeile"].to_list()
    y = alt.Y("zeile:N", title=None, sort=order, axis=alt.Axis(labelLimit=420, labelOverlap=False))
    tooltip = [alt.Tooltip("title:N", title="Maßnahme"), alt.Tooltip("handlungsfeld:N", title="Handlungsfeld"),
               alt.Tooltip("status:N", title="Status"), alt.Tooltip("start_date:T", title="Beginn", format="%d.%m.%Y"),
               alt.Tooltip("end_date:T", title="Ende", format="%d.%m.%Y"), alt.Tooltip("town_names:N", title="Städte")]  # fmt: skip
    bars = alt.Chart(rows.filter(pl.col("start_date").is_not_null())).mark_bar(height=14, cornerRadius=2).encode(
        x=alt.X("start_date:T", title=None, scale=alt.Scale(nice="year"),
                axis=alt.Axis(format="%Y", tickCount=YEARS, labelAngle=0)),
        x2="end_date:T", y=y,
        color=alt.Color("status:N", title="Status", scale=alt.Scale(domain=MEASURE_STATUSES, range=MEASURE_COLOURS)),
        tooltip=tooltip,
    )  # fmt: skip
    milestones = alt.Chart(rows.filter(pl.col("milestone_due").is_not_null())).mark_point(
        shape="diamond", size=120, filled=True, stroke="#ffffff", strokeWidth=1
    ).encode(
        x="milestone_due:T", y=y,
        color=alt.condition("datum.overdue", alt.value("#c00000"), alt.value("#000000")),
        tooltip=[alt.Tooltip("title:N", title="Maßnahme"), alt.Tooltip("milestone:N", title="Meilenstein"),
                 alt.Tooltip("milestone_due:T", title="fällig", format="%d.%m.%Y")],
    )  # fmt: skip
    now = alt.Chart(pl.DataFrame({"heute": [today]})).mark_rule(color="#c00000", strokeDash=[4, 3]).encode(x="heute:T")
    height = max(160, 24 * rows.height)
    return _finish(alt.layer(bars, milestones, now), meta, "container", height)


# --- Nahversorgung ------------------------------------------------------------------------------

SUPPLY_COLOURS = {"Vollsortiment": "#084594", "Lebensmittelhandwerk": "#b15928", "Ergänzung": "#6a3d9a",
                  "Dorfladen": "#e31a1c", "Automat": "#33a02c", "Markt": "#ff7f00"}  # fmt: skip


def supply_map(towns: list[dict], cells: pl.DataFrame, points: pl.DataFrame, meta: ChartMeta,
               extra: dict | None = None) -> alt.TopLevelMixin:
    """Town borders, the population grid coloured by distance to the nearest supply point, and
    the supply points by category (shape: where the point comes from)."""
    layers = [
        alt.Chart(alt.Data(values=towns)).mark_geoshape(fill="#f7f7f7", stroke="#555555", strokeWidth=1, aria=False),
        alt.Chart(cells).mark_square(size=14, opacity=0.8).encode(
            longitude="lon:Q", latitude="lat:Q",
            color=alt.Color("distance:Q", title="Entfernung (m)", scale=alt.Scale(scheme="orangered", domain=[0, 3000], clamp=True)),
            tooltip=[alt.Tooltip("population:Q", title="Einwohner (500-m-Zelle)"),
                     alt.Tooltip("distance:Q", title="mittlere Entfernung (m)", format=",.0f")],
        ),
        alt.Chart(points).mark_point(filled=True, size=70, stroke="#ffffff", strokeWidth=0.8).encode(
            longitude="lon:Q", latitude="lat:Q",
            color=alt.Color("category:N", title="Kategorie", scale=alt.Scale(domain=list(SUPPLY_COLOURS), range=list(SUPPLY_COLOURS.values()))),
            shape=alt.Shape("origin:N", title="Herkunft"),
            tooltip=[alt.Tooltip("name:N", title="Name"), alt.Tooltip("category:N", title="Kategorie"),
                     alt.Tooltip("town:N", title="Gemeinde"), alt.Tooltip("origin:N", title="Quelle")],
        ),
    ]  # fmt: skip
    if extra:
        layers.append(alt.Chart(pl.DataFrame([extra])).mark_point(shape="diamond", size=260, filled=True, color="#000000")
                      .encode(longitude="lon:Q", latitude="lat:Q", tooltip=[alt.Tooltip("name:N", title="Szenario")]))  # fmt: skip
    chart = alt.layer(*layers).project(type="mercator").resolve_scale(color="independent")
    return _finish(chart, meta, "container", 560)
