"""Native PowerPoint charts for the views a Kreistag deck shows most: time series, rankings, KPI
and funding histories become python-pptx chart objects with their data inside, so the Kreistag
office can restyle or correct them in PowerPoint. Maps have no chart type in PowerPoint and stay
images (`native_chart` returns False for them)."""

from __future__ import annotations

import polars as pl
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Pt

from dashboard.charts import REGION_COLOURS
from pipelines.german import fmt_date

TIME_SERIES = {"indikator_verlauf", "kennzahl_verlauf", "foerdermittel_verlauf"}
RANKINGS = {"indikator_rangfolge"}


def supports(view_name: str) -> bool:
    return view_name in TIME_SERIES | RANKINGS


def _number_format(values: list) -> str:
    present = [v for v in values if v is not None]
    return "#,##0" if present and all(float(v).is_integer() for v in present) else "#,##0.0"


def chart_data(view) -> tuple[XL_CHART_TYPE, CategoryChartData, str]:
    """(chart type, data, number format) of a view from its frame (the data behind the chart)."""
    frame: pl.DataFrame = view.frame
    data = CategoryChartData()
    if view.name in RANKINGS:
        ordered = frame.sort("Rang", descending=True)  # PowerPoint draws bar categories bottom-up: rank 1 on top
        value = next(c for c in frame.columns if c.startswith("Wert"))
        data.categories = ordered["Stadt"].to_list()
        values = ordered[value].to_list()
        data.add_series(value, values)
        return XL_CHART_TYPE.BAR_CLUSTERED, data, _number_format(values)
    if view.name == "indikator_verlauf":
        value = next(c for c in frame.columns if c.startswith("Wert"))
        periods = sorted(frame["Zeitpunkt"].unique().to_list())
        data.categories = [fmt_date(p) for p in periods]
        every: list = []
        for region in dict.fromkeys(frame["Region"].to_list()):
            rows = dict(frame.filter(pl.col("Region") == region).select("Zeitpunkt", value).iter_rows())
            values = [rows.get(p) for p in periods]
            every += values
            data.add_series(region, values)
        return XL_CHART_TYPE.LINE_MARKERS, data, _number_format(every)
    # kennzahl_verlauf, foerdermittel_verlauf: a date column and one or more value columns
    dates = frame["Datum"].to_list()
    data.categories = [fmt_date(d) for d in dates]
    every = []
    for column in frame.columns[1:]:
        if frame[column].dtype.is_numeric():
            values = frame[column].to_list()
            every += values
            data.add_series(column, values)
    return XL_CHART_TYPE.LINE_MARKERS, data, _number_format(every)


def add(slide, view, left, top, width, height) -> None:
    """The view as a native chart on `slide`."""
    kind, data, number_format = chart_data(view)
    chart = slide.shapes.add_chart(kind, left, top, width, height, data).chart
    chart.font.size = Pt(14)
    chart.has_title = False  # the slide's title says it once (PowerPoint would repeat a lone series' name)
    chart.has_legend = len(chart.plots[0].series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.tick_labels.number_format = number_format
    chart.value_axis.tick_labels.number_format_is_linked = False
    plot = chart.plots[0]
    if kind == XL_CHART_TYPE.BAR_CLUSTERED:
        plot.has_data_labels = True
        plot.data_labels.number_format = number_format
        plot.data_labels.number_format_is_linked = False
        plot.gap_width = 60
    for i, series in enumerate(plot.series):
        colour = RGBColor.from_string(REGION_COLOURS[i % len(REGION_COLOURS)].lstrip("#"))
        if kind == XL_CHART_TYPE.BAR_CLUSTERED:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = colour
        else:
            series.format.line.color.rgb = colour
            series.format.line.width = Pt(2.25)
            series.smooth = False
