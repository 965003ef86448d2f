"""Chart builders: pure functions from data frames to Altair charts.

The pages and the exports use the same builders, so an exported chart is the chart on screen.
Every chart speaks German (number and date locale) and carries its source line.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import polars as pl

from pipelines.german import fmt_date

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

    @property
    def source_line(self) -> str:
        return f"Quelle: {self.source} · Lizenz: {self.licence} · Stand: {fmt_date(self.data_stand, missing='unbekannt')}"


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


def time_series(frame: pl.DataFrame, meta: ChartMeta, width: int | str = "container", height: int = 380) -> alt.TopLevelMixin:
    """Lines over time, one per region; comparison regions dashed. A series break (e.g. the
    Zensus 2022 base change) splits each line, so the two bases are never joined.

    frame: region, period (date), value, series_break (nullable), comparison (bool)."""
    fmt = value_format(frame["value"], meta.unit)
    data = frame.with_columns(
        pl.col("series_break").fill_null("").alias("segment"),
        pl.col("period").dt.year().alias("year"),
    )
    regions = data.unique("region", maintain_order=True)["region"].to_list()
    base = alt.Chart(data).encode(
        # annual figures (Stichtag 31.12. or calendar year): one position per year, labelled by it
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=meta.unit, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False)),
        color=alt.Color(
            "region:N", title="Region", sort=regions,
            scale=alt.Scale(domain=regions, range=REGION_COLOURS[: len(regions)] or REGION_COLOURS),
        ),
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
    chart = alt.layer(base.mark_line(strokeWidth=2), base.mark_point(filled=True, size=40))
    return _finish(chart, meta, width, height)


def ranking(frame: pl.DataFrame, meta: ChartMeta, direction: str, width: int | str = "container") -> alt.TopLevelMixin:
    """Towns ranked for one period: the best first (direction up/down), or the largest first.

    frame: region, value, rank."""
    fmt = value_format(frame["value"], meta.unit)
    order = frame.sort("rank")["region"].to_list()
    height = max(160, 28 * frame.height)
    base = alt.Chart(frame).encode(
        y=alt.Y("region:N", title=None, sort=order),
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
