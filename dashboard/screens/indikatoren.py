"""Indikatoren: one official indicator over time for the towns of the Kreis and its comparison
regions, the ranking of the towns in a chosen year, the numbers as a table, and what the
indicator means and where it comes from."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, data, ui, views
from pipelines.german import fmt_date, fmt_number

SCALE_CHOICES = {"auto": "automatisch", **views.SERIES_SCALES}
DIRECTION_DE = {"up": "höher ist besser", "down": "niedriger ist besser", "neutral": "keine Wertung"}


def _pick_regions(regions: pl.DataFrame) -> tuple[list[str], list[str]]:
    towns = regions.filter(pl.col("level") == "gemeinde")
    others = regions.filter(pl.col("level") != "gemeinde")
    names = dict(regions.select("ags", "name").iter_rows())
    left, right = st.columns([3, 2])
    # the selection lives in the URL (?staedte=…&vergleich=…, AGS separated by commas) for shared links
    chosen_towns = left.multiselect(
        "Städte und Gemeinden", towns["ags"].to_list(), format_func=names.__getitem__,
        default=_from_url("staedte", towns["ags"].to_list(), towns["ags"].to_list()), placeholder="Städte auswählen …",
    )  # fmt: skip
    default_comparison = others.filter(pl.col("level").is_in(["kreis", "land"]))["ags"].to_list()
    comparison = right.multiselect(
        "Vergleich mit", others["ags"].to_list(), format_func=names.__getitem__,
        default=_from_url("vergleich", others["ags"].to_list(), default_comparison), placeholder="Vergleichsgebiete auswählen …",
    )  # fmt: skip
    st.query_params["staedte"] = ",".join(chosen_towns)
    st.query_params["vergleich"] = ",".join(comparison)
    return chosen_towns, comparison


def _from_url(param: str, options: list[str], default: list[str]) -> list[str]:
    if param not in st.query_params:
        return default
    return [a for a in st.query_params[param].split(",") if a in options]


def _source_caption(indicator: dict, values: pl.DataFrame, stand) -> None:
    st.caption(
        f"**Definition:** {indicator['definition']} ({DIRECTION_DE[indicator['direction']]})  \n"
        f"**Quelle:** {indicator['source']}, Tabelle {indicator['table_code']} · **Lizenz:** {indicator['licence']} · "
        f"**Stand:** {fmt_date(stand, missing='unbekannt')}"
    )
    breaks = [b for b in values["series_break"].unique().sort().to_list() if b]
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


def _unavailable(catalogue: pl.DataFrame) -> None:
    missing = catalogue.filter((pl.col("status") != "ok") & pl.col("listed"))
    if not missing.height:
        return
    with st.expander(f"{missing.height} Indikator(en) des Katalogs derzeit ohne Werte"):
        ui.table(
            missing.select(
                pl.col("handlungsfeld").alias("Handlungsfeld"),
                pl.col("title").alias("Indikator"),
                pl.col("status").replace_strict(ui.INDICATOR_STATUS_DE, default="unbekannt").alias("Status"),
                pl.col("status_message").alias("Grund"),
            ),
        )


def render() -> None:
    ui.page_header("Indikatoren", f"{ui.region_label()} im Vergleich — amtliche Statistik von IT.NRW")
    if not ui.require_data():
        return
    catalogue = data.indicators()
    usable = ui.usable_indicators(catalogue)
    regions = data.focus_regions()
    if not usable.height or not regions.height:
        st.warning(
            "Noch keine Indikatoren mit Werten für den Kreis. Laden Sie die Tabellen der Landesdatenbank "
            "(Seite **Daten**); was jedem Indikator fehlt, steht unten."
        )
        _unavailable(catalogue)
        return

    indicator = ui.indicator_picker(usable)
    towns, comparison = _pick_regions(regions)
    choice = ui.query_radio("darstellung", "Darstellung", list(SCALE_CHOICES), SCALE_CHOICES.__getitem__)
    try:
        # "automatisch": the values, or an index where Kreis and Land would flatten a line
        scale = views.series_default_scale(indicator["indicator_id"], towns, comparison) if choice == "auto" else choice
        series = views.indicator_series(indicator["indicator_id"], towns, comparison, scale)
    except views.ViewUnavailable as exc:
        st.info(str(exc))
        _unavailable(catalogue)
        return
    ui.show_view(series)
    if scale == "index":
        st.caption("Index: der erste Stichtag jeder Region = 100 – so sind Städte, Kreis und Land auf einer Achse "
                   "vergleichbar; nach einem Reihenbruch (Zensus 2022) beginnt der Index neu bei 100. Die Werte selbst "
                   "stehen unten in der Tabelle.")  # fmt: skip
    elif views.SECOND_AXIS_NOTE in series.summary:
        st.caption("Die Vergleichsgebiete (gestrichelt) sind viel größer als die Städte und haben deshalb eine eigene "
                   "Achse rechts; „Index“ zeigt alle auf einer Achse.")  # fmt: skip
    _source_caption(indicator, series.frame.rename({"Reihe": "series_break"}), series.meta.data_stand)

    st.header("Rangfolge der Städte und Gemeinden")
    town_values = data.indicator_values(indicator["indicator_id"], regions.filter(pl.col("level") == "gemeinde")["ags"].to_list())
    periods = sorted(town_values["period"].unique().to_list(), reverse=True) if town_values.height else []
    if periods:
        period = ui.query_choice("jahr", "Jahr bzw. Stichtag", periods, fmt_date)
        ui.show_view(views.indicator_ranking(indicator["indicator_id"], period))
        st.caption(
            "Rang 1 = " + ("höchster Wert." if indicator["direction"] != "down" else "niedrigster Wert.")
            + ("" if indicator["direction"] != "neutral" else " Der Indikator hat keine Wertung (höher ist nicht besser).")
        )

    st.header("Werte")
    # the values themselves, also when the chart shows them as an index
    original = next(c for c in series.frame.columns if c in (f"Wert ({indicator['unit']})", f"Originalwert ({indicator['unit']})"))
    values = series.frame.rename({"Region": "region", "Zeitpunkt": "period", original: "value"})
    decimals = {",.0f": 0, ",.2f": 2}.get(charts.value_format(values["value"], indicator["unit"]), 1)
    ui.table(_table(values, decimals))
    st.caption(f"Einheit: {indicator['unit']}. {series.meta.source_line}")
    _unavailable(catalogue)
