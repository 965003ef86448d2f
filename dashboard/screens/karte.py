"""Karte: the towns of the Kreis (or all Gemeinden of NRW) coloured by an indicator of the
catalogue for a chosen year; clicking a town shows its time series beside the map."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, data, ui, views
from pipelines.german import fmt_date

DIRECTION_HINT = {
    "up": "Dunkler = besser (höhere Werte).",
    "down": "Dunkler = besser (niedrigere Werte).",
    "neutral": "Dunkler = höhere Werte (keine Wertung).",
}


def _town_series(indicator: dict, ags: str) -> None:
    region = data.settings().region
    try:
        view = views.indicator_series(indicator["indicator_id"], [ags], [region.ags, region.land_ags])
    except views.ViewUnavailable as exc:
        st.info(str(exc))
        return
    ui.show_view(view, key="karte_zeitreihe")


@data.once_per_build(maxsize=64)
def _periods(indicator_id: str, whole_land: bool) -> tuple:
    """The periods with values for the towns, newest first, once per build."""
    values = data.indicator_values_at_level(indicator_id, "gemeinde", whole_land)
    return tuple(sorted(values["period"].unique().to_list(), reverse=True))


@data.once_per_build(maxsize=64)
def _first_ranked(indicator_id: str, period, direction: str, whole_land: bool) -> str | None:
    """The town shown beside the map until one is clicked: rank 1 in that period, once per build."""
    values = data.indicator_values_at_level(indicator_id, "gemeinde", whole_land)
    ranked = charts.rank_towns(values.filter(pl.col("period") == period), direction)
    return ranked["ags"][0] if ranked.height else None


def render() -> None:
    ui.page_header("Karte", f"{ui.region_label()} — Gemeinden nach Indikator")
    if not ui.require_data():
        return
    usable = ui.usable_indicators(data.indicators())
    if not data.area_topology("gemeinde", whole_land=False).topology.keys:
        st.warning(
            "Noch keine Gebietsgrenzen geladen. `xregion refresh --source bkg` lädt sie vom BKG; ohne Internet "
            "eine VG250-Datei mit `xregion import <Datei>` einlesen (siehe Seite **Daten**)."
        )
        return
    if not usable.height:
        st.warning("Noch keine Indikatoren mit Werten (siehe Seite **Daten**).")
        return

    indicator = ui.indicator_picker(usable)
    whole_land = st.toggle(
        "Kreis im NRW-Vergleich (alle Gemeinden des Landes)", value=st.query_params.get("nrw") == "1", key="nrw"
    )
    st.query_params["nrw"] = "1" if whole_land else "0"
    periods = _periods(indicator["indicator_id"], whole_land)
    if not periods:
        st.info("Für die Gemeinden gibt es zu diesem Indikator keine Werte.")
        return
    left, middle, right = st.columns([1, 2, 1])
    with left:
        period = ui.query_choice("jahr", "Jahr bzw. Stichtag", periods, fmt_date)
    with middle:  # in the URL too: a shared link shows the same classes
        scheme = ui.query_radio("einteilung", "Klasseneinteilung", list(charts.CLASS_SCHEMES), charts.CLASS_SCHEMES.__getitem__)
    with right:
        k = ui.query_slider("klassen", "Klassen", 3, 7, 5)

    view = views.indicator_map(indicator["indicator_id"], period, scheme, k, whole_land)
    drawn = set(view.frame["AGS"])  # the areas on the map (the view has read them already)
    map_col, series_col = st.columns([3, 2])
    with map_col:
        event = ui.show_view(view, key="karte", on_select=True)
        st.caption(f"{DIRECTION_HINT[indicator['direction']]} Grau: keine Angabe. Klick auf eine Gemeinde zeigt ihre Zeitreihe.")
    selected = [p.get("ags") for p in (event.selection.get("gebiet") or [])] if event else []
    chosen = selected[0] if selected else st.session_state.get("karte_town")
    if chosen not in drawn:
        chosen = _first_ranked(indicator["indicator_id"], period, indicator["direction"], whole_land)
    st.session_state["karte_town"] = chosen
    with series_col:
        if chosen:
            _town_series(indicator, chosen)
    missing = sum(1 for i in view.classes.index if i is None)
    st.caption(
        f"**Quelle:** {indicator['source']}, Tabelle {indicator['table_code']} · **Lizenz:** {indicator['licence']} · "
        f"**Stand:** {fmt_date(view.meta.data_stand, missing='unbekannt')}  \n"
        f"**Geometrie:** {data.boundary_attribution()} (dl-de/by-2-0), vereinfacht"
        + (f" · {missing} Gemeinde(n) ohne Wert" if missing else "")
    )
