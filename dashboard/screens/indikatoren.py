"""Indikatoren: one official indicator over time for the towns of the Kreis and its comparison
regions, the ranking of the towns in a chosen year, the numbers as a table, and what the
indicator means and where it comes from."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from dashboard import charts, data, ui, views
from pipelines.german import fmt_date, fmt_number

SCALE_CHOICES = {"auto": "automatisch", **views.SERIES_SCALES}
DIRECTION_DE = {"up": "höher ist besser", "down": "niedriger ist besser", "neutral": "keine Wertung"}


@dataclass(frozen=True)
class RegionOptions:
    towns: list[str]  # AGS of the towns of the Kreis
    others: list[str]  # AGS of the comparison regions
    default_comparison: list[str]  # the Kreis and the Land
    names: dict[str, str]


@data.once_per_build(maxsize=2)
def _region_options() -> RegionOptions:
    """The regions to choose from, once per warehouse build."""
    regions = data.focus_regions()
    towns = regions.filter(pl.col("level") == "gemeinde")
    others = regions.filter(pl.col("level") != "gemeinde")
    return RegionOptions(towns["ags"].to_list(), others["ags"].to_list(),
                         others.filter(pl.col("level").is_in(["kreis", "land"]))["ags"].to_list(),
                         dict(regions.select("ags", "name").iter_rows()))  # fmt: skip


def _pick_regions(options: RegionOptions) -> tuple[list[str], list[str]]:
    names = options.names
    left, right = st.columns([3, 2])
    # the selection lives in the URL (?staedte=…&vergleich=…, AGS separated by commas) for shared links
    chosen_towns = left.multiselect(
        "Städte und Gemeinden", options.towns, format_func=names.__getitem__,
        default=_from_url("staedte", options.towns, options.towns), placeholder="Städte auswählen …",
    )  # fmt: skip
    comparison = right.multiselect(
        "Vergleich mit", options.others, format_func=names.__getitem__,
        default=_from_url("vergleich", options.others, options.default_comparison), placeholder="Vergleichsgebiete auswählen …",
    )  # fmt: skip
    st.query_params["staedte"] = ",".join(chosen_towns)
    st.query_params["vergleich"] = ",".join(comparison)
    return chosen_towns, comparison


def _from_url(param: str, options: list[str], default: list[str]) -> list[str]:
    if param not in st.query_params:
        return default
    return [a for a in st.query_params[param].split(",") if a in options]


def _source_caption(indicator: dict, breaks: list[str], stand) -> None:
    st.caption(
        f"**Definition:** {indicator['definition']} ({DIRECTION_DE[indicator['direction']]})  \n"
        f"**Quelle:** {indicator['source']}, Tabelle {indicator['table_code']} · **Lizenz:** {indicator['licence']} · "
        f"**Stand:** {fmt_date(stand, missing='unbekannt')}"
    )
    if len(breaks) > 1:
        st.caption(
            f":material/timeline: **Bruch in der Reihe:** {' / '.join(breaks)}. Die Werte vor und nach dem Wechsel "
            "der Zensus-Basis sind nicht direkt vergleichbar; die Linie ist dort unterbrochen."
        )


def _table(values: pl.DataFrame, decimals: int) -> pl.DataFrame:
    """Regions as rows, periods as columns, numbers formatted the German way."""
    formatted = ui.formatted(
        values.sort("period").with_columns(pl.col("period").alias("Zeitpunkt"), pl.col("value").alias("Wert")),
        {"Zeitpunkt": fmt_date, "Wert": lambda v: fmt_number(v, decimals)},
    )
    return formatted.pivot(on="Zeitpunkt", index="region", values="Wert", maintain_order=True).rename({"region": "Region"})


@dataclass(frozen=True)
class SeriesDetails:
    breaks: list[str]  # the series breaks (Zensus bases) in the values
    table: object  # regions × periods, German numbers, as Arrow


@data.once_per_build(maxsize=64)
def _series_details(indicator_id: str, towns: tuple, comparison: tuple, scale: str, unit: str) -> SeriesDetails:
    """What the page shows under the chart, once per build and choice."""
    series = views.indicator_series(indicator_id, list(towns), list(comparison), scale)
    breaks = [b for b in series.frame["Reihe"].unique().sort().to_list() if b]
    # the values themselves, also when the chart shows them as an index
    original = next(c for c in series.frame.columns if c in (f"Wert ({unit})", f"Originalwert ({unit})"))
    values = series.frame.rename({"Region": "region", "Zeitpunkt": "period", original: "value"})
    decimals = {",.0f": 0, ",.2f": 2}.get(charts.value_format(values["value"], unit), 1)
    return SeriesDetails(breaks, _table(values, decimals).to_arrow())


@data.once_per_build(maxsize=64)
def _ranking_periods(indicator_id: str, towns: tuple[str, ...]) -> tuple:
    town_values = data.indicator_values(indicator_id, list(towns))
    return tuple(sorted(town_values["period"].unique().to_list(), reverse=True)) if town_values.height else ()


@data.once_per_build(maxsize=2)
def _missing_table():
    """The listed indicators without values, with the reason, once per build (None: none)."""
    catalogue = data.indicators()
    missing = catalogue.filter((pl.col("status") != "ok") & pl.col("listed"))
    if not missing.height:
        return None
    return missing.select(
        pl.col("handlungsfeld").alias("Handlungsfeld"),
        pl.col("title").alias("Indikator"),
        pl.col("status").replace_strict(ui.INDICATOR_STATUS_DE, default="unbekannt").alias("Status"),
        pl.col("status_message").alias("Grund"),
    ).to_arrow()


def _unavailable() -> None:
    missing = _missing_table()
    if missing is None:
        return
    with st.expander(f"{missing.num_rows} Indikator(en) des Katalogs derzeit ohne Werte"):
        ui.table(missing)


def render() -> None:
    ui.page_header("Indikatoren", f"{ui.region_label()} im Vergleich — amtliche Statistik von IT.NRW")
    if not ui.require_data():
        return
    usable = ui.usable_indicators(data.indicators())
    options = _region_options()
    if not usable.height or not (options.towns or options.others):
        st.warning(
            "Noch keine Indikatoren mit Werten für den Kreis. Laden Sie die Tabellen der Landesdatenbank "
            "(Seite **Daten**); was jedem Indikator fehlt, steht unten."
        )
        _unavailable()
        return

    indicator = ui.indicator_picker(usable)
    towns, comparison = _pick_regions(options)
    choice = ui.query_radio("darstellung", "Darstellung", list(SCALE_CHOICES), SCALE_CHOICES.__getitem__)
    try:
        # "automatisch": the values, or an index where Kreis and Land would flatten a line
        scale = views.series_default_scale(indicator["indicator_id"], towns, comparison) if choice == "auto" else choice
        series = views.indicator_series(indicator["indicator_id"], towns, comparison, scale)
    except views.ViewUnavailable as exc:
        st.info(str(exc))
        _unavailable()
        return
    details = _series_details(indicator["indicator_id"], tuple(towns), tuple(comparison), scale, indicator["unit"])
    ui.show_view(series)
    if scale == "index":
        st.caption("Index: der erste Stichtag jeder Region = 100 – so sind Städte, Kreis und Land auf einer Achse "
                   "vergleichbar; nach einem Reihenbruch (Zensus 2022) beginnt der Index neu bei 100. Die Werte selbst "
                   "stehen unten in der Tabelle.")  # fmt: skip
    elif views.SECOND_AXIS_NOTE in series.summary:
        st.caption("Die Vergleichsgebiete (gestrichelt) sind viel größer als die Städte und haben deshalb eine eigene "
                   "Achse rechts; „Index“ zeigt alle auf einer Achse.")  # fmt: skip
    _source_caption(indicator, details.breaks, series.meta.data_stand)

    st.header("Rangfolge der Städte und Gemeinden")
    periods = _ranking_periods(indicator["indicator_id"], tuple(options.towns))
    if periods:
        period = ui.query_choice("jahr", "Jahr bzw. Stichtag", periods, fmt_date)
        ui.show_view(views.indicator_ranking(indicator["indicator_id"], period))
        st.caption(
            "Rang 1 = " + ("höchster Wert." if indicator["direction"] != "down" else "niedrigster Wert.")
            + ("" if indicator["direction"] != "neutral" else " Der Indikator hat keine Wertung (höher ist nicht besser).")
        )

    st.header("Werte")
    ui.table(details.table)
    st.caption(f"Einheit: {indicator['unit']}. {series.meta.source_line}")
    _unavailable()
