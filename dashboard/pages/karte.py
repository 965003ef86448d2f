"""Karte: the towns of the Kreis (or all Gemeinden of NRW) coloured by an indicator of the
catalogue for a chosen year; clicking a town shows its time series beside the map."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from dashboard import charts, data, ui
from pipelines.german import fmt_date, fmt_number

DIRECTION_HINT = {
    "up": "Dunkler = besser (höhere Werte).",
    "down": "Dunkler = besser (niedrigere Werte).",
    "neutral": "Dunkler = höhere Werte (keine Wertung).",
}


def _features(shapes: pl.DataFrame, values: pl.DataFrame, classes: charts.Classes, unit: str, decimals: int) -> list[dict]:
    by_ags = {r["ags"]: r for r in values.iter_rows(named=True)}
    features = []
    for shape, cls in zip(shapes.iter_rows(named=True), classes.index):
        row = by_ags.get(shape["ags"])
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shape["geojson"]),
                "ags": shape["ags"],
                "name": shape["name"],
                "klasse": charts.MISSING_CLASS if cls is None else classes.labels[cls],
                "wert": f"{fmt_number(row['value'], decimals)} {unit}" if row else charts.MISSING_CLASS,
                "rang": f"{row['rank']} von {values.height}" if row else "–",
                "stand": fmt_date(row["data_stand"]) if row else "–",
            }
        )
    return features


def _town_series(indicator: dict, ags: str, names: dict[str, str]) -> None:
    comparison = [data.settings().region.ags, data.settings().region.land_ags]
    values = data.indicator_values(indicator["indicator_id"], [ags, *comparison])
    if not values.height:
        st.info(f"Für {names.get(ags, ags)} gibt es keine Werte.")
        return
    values = values.with_columns(
        pl.col("ags").replace_strict(names, default=pl.col("ags")).alias("region"),
        pl.col("ags").is_in(comparison).alias("comparison"),
    ).sort(pl.col("ags").is_in(comparison), "ags", "period")
    meta = charts.ChartMeta(
        title=names.get(ags, ags),
        subtitle=f"{indicator['title']} im Vergleich",
        unit=indicator["unit"],
        source=f"{indicator['source']}, Tabelle {indicator['table_code']}",
        licence=indicator["licence"],
        data_stand=values["data_stand"].max(),
    )
    st.altair_chart(charts.time_series(values, meta, height=300), width="stretch")


def render() -> None:
    ui.page_header("Karte", f"{ui.region_label()} — Gemeinden nach Indikator")
    if not ui.require_data():
        return
    usable = ui.usable_indicators(data.indicators())
    if not data.region_shapes("gemeinde", whole_land=False).height:
        st.warning(
            "Noch keine Gebietsgrenzen geladen. `xregion refresh --source bkg` lädt sie vom BKG; ohne Internet "
            "eine VG250-Datei mit `xregion import <Datei>` einlesen (siehe Seite **Daten**)."
        )
        return
    if not usable.height:
        st.warning("Noch keine Indikatoren mit Werten (siehe Seite **Daten**).")
        return

    indicator = ui.indicator_picker(usable)
    whole_land = st.toggle("Kreis im NRW-Vergleich (alle Gemeinden des Landes)", key="nrw")
    values = data.indicator_values_at_level(indicator["indicator_id"], "gemeinde", whole_land)
    periods = sorted(values["period"].unique().to_list(), reverse=True)
    if not periods:
        st.info("Für die Gemeinden gibt es zu diesem Indikator keine Werte.")
        return
    left, middle, right = st.columns([1, 2, 1])
    period = left.selectbox("Jahr bzw. Stichtag", periods, format_func=fmt_date)
    scheme = middle.radio(
        "Klasseneinteilung", list(charts.CLASS_SCHEMES), format_func=charts.CLASS_SCHEMES.__getitem__, horizontal=True
    )
    k = right.slider("Klassen", 3, 7, 5)

    shapes = data.region_shapes("gemeinde", whole_land)
    current = charts.rank_towns(values.filter(pl.col("period") == period), indicator["direction"])
    fmt = charts.value_format(current["value"], indicator["unit"])
    decimals = {",.0f": 0, ",.2f": 2}.get(fmt, 1)
    by_ags = dict(current.select("ags", "value").iter_rows())
    classes = charts.classify(
        [by_ags.get(a) for a in shapes["ags"]], scheme, k, indicator["direction"], lambda v: fmt_number(v, decimals)
    )
    names = dict(data.focus_regions().select("ags", "name").iter_rows()) | dict(shapes.select("ags", "name").iter_rows())
    outline = data.region_shapes("kreis", whole_land=False) if whole_land else None
    meta = charts.ChartMeta(
        title=f"{indicator['title']} ({indicator['unit']})",
        subtitle=f"{'Gemeinden in NRW' if whole_land else ui.region_label()}, {fmt_date(period)}",
        unit=indicator["unit"],
        source=f"{indicator['source']}, Tabelle {indicator['table_code']}; Geometrie: © GeoBasis-DE / BKG",
        licence=indicator["licence"],
        data_stand=current["data_stand"].max(),
    )
    chart = charts.choropleth(
        _features(shapes, current, classes, indicator["unit"], decimals),
        classes,
        meta,
        outline=[{"type": "Feature", "geometry": json.loads(g)} for g in outline["geojson"]] if outline is not None else None,
    )
    map_col, series_col = st.columns([3, 2])
    with map_col:
        event = st.vega_lite_chart(chart, width="stretch", on_select="rerun", key="karte_map")
        st.caption(f"{DIRECTION_HINT[indicator['direction']]} Grau: keine Angabe. Klick auf eine Gemeinde zeigt ihre Zeitreihe.")
    selected = [p.get("ags") for p in (event.selection.get("gebiet") or [])] if event else []
    chosen = selected[0] if selected else st.session_state.get("karte_town")
    if chosen not in set(shapes["ags"]):
        chosen = current["ags"][0] if current.height else None
    st.session_state["karte_town"] = chosen
    with series_col:
        if chosen:
            _town_series(indicator, chosen, names)
    missing = shapes.height - sum(1 for i in classes.index if i is not None)
    st.caption(
        f"**Quelle:** {indicator['source']}, Tabelle {indicator['table_code']} · **Lizenz:** {indicator['licence']} · "
        f"**Stand:** {fmt_date(current['data_stand'].max(), missing='unbekannt')}  \n"
        f"**Geometrie:** {data.boundary_attribution()} (dl-de/by-2-0), vereinfacht"
        + (f" · {missing} Gemeinde(n) ohne Wert" if missing else "")
    )
