"""Handlungsfelder: per field of action the measures by status, the KPIs against their targets
with the computed status, and what is overdue; one measure in detail with its KPI history."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import data, ui, views
from pipelines.german import fmt_date, fmt_value


def _kpi_table(kpis: pl.DataFrame) -> pl.DataFrame:
    number = fmt_value
    return pl.DataFrame(
        {
            "Kennzahl": kpis["title"],
            "Stand": [ui.KPI_STATUS[s].split(" ", 1)[1] for s in kpis["status"]],
            "Letzter Wert": [number(v, u) for v, u in zip(kpis["latest_value"], kpis["unit"])],
            "vom": [fmt_date(d) for d in kpis["latest_date"]],
            "Ausgangswert": [
                f"{number(v, u)} ({y})" if v is not None else "–"
                for v, u, y in zip(kpis["baseline_value"], kpis["unit"], kpis["baseline_year"])
            ],
            "Ziel": [
                f"{number(v, u)} ({y})" if v is not None else "–"
                for v, u, y in zip(kpis["target_value"], kpis["unit"], kpis["target_year"])
            ],
        }
    )


def _field_section(field: dict, measures: pl.DataFrame, kpis: pl.DataFrame) -> None:
    mine = measures.filter(pl.col("handlungsfeld_id") == field["id"])
    my_kpis = kpis.filter(pl.col("handlungsfeld_id") == field["id"])
    with st.container(border=True):
        st.header(field["name"])
        if not mine.height and not my_kpis.height:
            st.caption("Noch keine Maßnahmen oder Kennzahlen erfasst.")
            return
        counts = dict(mine.group_by("status").len().iter_rows())
        st.markdown(
            " · ".join(f"{ui.MEASURE_STATUS[s]}: **{counts[s]}**" for s in ui.MEASURE_STATUS if counts.get(s))
            or "Keine Maßnahmen."
        )
        overdue = mine.filter(pl.col("milestone_overdue"))
        for row in overdue.iter_rows(named=True):
            st.error(
                f":material/alarm: **Überfällig:** {row['title']} – „{row['milestone']}“ war fällig am "
                f"{fmt_date(row['milestone_due'])}"
            )
        for row in mine.filter(pl.col("milestone_due_soon")).iter_rows(named=True):
            st.info(f":material/event: **Bald fällig:** {row['title']} – „{row['milestone']}“ am {fmt_date(row['milestone_due'])}")
        if my_kpis.height:
            ui.table(_kpi_table(my_kpis))


def _measure_detail(measures: pl.DataFrame, kpis: pl.DataFrame) -> None:
    st.header("Maßnahme im Detail")
    ids = measures["measure_id"].to_list()
    titles = dict(zip(ids, measures["title"]))
    chosen = st.selectbox("Maßnahme", ids, format_func=lambda i: f"{i} · {titles[i]}")
    row = measures.row(ids.index(chosen), named=True)
    left, right = st.columns(2)
    left.markdown(
        f"**Status:** {ui.MEASURE_STATUS[row['status']]}  \n**Handlungsfeld:** {row['handlungsfeld']}  \n"
        f"**Städte:** {row['town_names'] or '–'}  \n**Verantwortlich:** {row['lead'] or '–'}  \n"
        f"**Laufzeit:** {fmt_date(row['start_date'])} bis {fmt_date(row['end_date'])}"
    )
    right.markdown(
        f"**Nächster Meilenstein:** {row['milestone'] or '–'}  \n**fällig am:** {fmt_date(row['milestone_due'])}  \n"
        f"**Quelle / Bemerkung:** {row['source'] or '–'}"
    )
    for kpi in kpis.filter(pl.col("measure_id") == chosen).iter_rows(named=True):
        st.markdown(f"**{kpi['title']}** – {ui.KPI_STATUS[kpi['status']]}")
        try:
            ui.show_view(views.kpi_history(kpi["kpi_id"]), key=f"kpi_{kpi['kpi_id']}")
        except views.ViewUnavailable as exc:
            st.caption(str(exc))


def render() -> None:
    ui.page_header("Handlungsfelder", f"{ui.region_label()} — Maßnahmen und Kennzahlen der Strategie")
    if not data.warehouse_exists():
        ui.missing_data_notice()
        return
    fields = data.register_fields()
    if not fields.height:
        st.info(
            "Das Projektregister ist noch leer. Einträge auf der Seite **Verwaltung** erfassen oder die "
            "Excel-Vorlage (`xregion register-template <Datei>`) ausfüllen und mit `xregion import` einlesen."
        )
        return
    measures, kpis = data.measures(), data.kpi_progress()
    status_counts = dict(kpis.group_by("status").len().iter_rows()) if kpis.height else {}
    cols = st.columns(len(ui.KPI_STATUS))
    for col, (status, label) in zip(cols, ui.KPI_STATUS.items()):
        col.metric(label.split(" ", 1)[1], status_counts.get(status, 0))
    st.caption(
        "Stand der Kennzahlen wie bei Open SDG: letzter Messwert gegen den geraden Pfad vom Ausgangs- zum Zielwert "
        "(„auf Kurs“ ab 95 % des erwarteten Fortschritts). Bewertung zum "
        f"{fmt_date(measures['as_of'][0]) if measures.height else '–'}."
    )
    if measures.height:
        st.header("Zeitplan aller Maßnahmen")
        ui.show_view(views.measures_timeline(), key="zeitplan")
        st.caption("Balken: Laufzeit, Farbe: Status; Raute: nächster Meilenstein (rot: überfällig); rote Linie: heute.")
    for field in fields.iter_rows(named=True):
        _field_section(field, measures, kpis)
    if measures.height:
        _measure_detail(measures, kpis)
