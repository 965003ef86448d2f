"""Fördermittel: per programme and town the budget against committed, called and spent money
over time, the share used, what is left, and what will be left at the programme end at the
pace so far; towns off plan are named."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from dashboard import data, ui, views
from pipelines.german import fmt_date, fmt_euro, fmt_number, fmt_share

PLAN_STATUS = {
    "im_plan": ":material/check_circle: im Plan",
    "verzoegert": ":material/hourglass_bottom: verzögert (Ausgaben hinter der Laufzeit)",
    "ueberzogen": ":material/warning: droht überzogen zu werden",
    "ohne_plan": ":material/help: ohne Bewertung (Laufzeit oder Bewilligung fehlt)",
}


def _town_table(rows: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Stadt": rows["town_name"],
            "Geplant": [fmt_euro(v) for v in rows["allocation"]],
            "Bewilligt": [fmt_euro(v) for v in rows["committed"]],
            "Abgerufen": [fmt_euro(v) for v in rows["called"]],
            "Ausgegeben": [fmt_euro(v) for v in rows["spent"]],
            "Anteil ausgegeben": [fmt_share(v) for v in rows["share_spent"]],
            "Verbleibend": [fmt_euro(v) for v in rows["remaining"]],
            "Rest bei Laufzeitende (Prognose)": [_left_text(r) for r in rows.iter_rows(named=True)],
            "Bewertung": [PLAN_STATUS[s].split(" ", 1)[1] for s in rows["plan_status"]],
        }
    )


def _ended(row: dict) -> bool:
    return row["programme_end"] is not None and row["programme_end"] < date.today()


def _left_text(row: dict) -> str:
    """An ended programme has a final balance, a running one a forecast."""
    if _ended(row):
        return f"{fmt_euro(row['remaining'])} (Endstand)"
    return fmt_euro(row["projected_left_at_end"])


def _overview(totals: pl.DataFrame) -> pl.DataFrame:
    rows = list(totals.iter_rows(named=True))
    return pl.DataFrame({
        "Programm": [r["programme"] for r in rows],
        "Fördergeber": [r["funder"] for r in rows],
        "Laufzeit": [f"{fmt_date(r['programme_start'])} bis {fmt_date(r['programme_end'])}" for r in rows],
        "Budget": [fmt_euro(r["budget"]) for r in rows],
        "Bewilligt": [fmt_euro(r["committed"]) for r in rows],
        "Ausgegeben": [f"{fmt_euro(r['spent'])} ({fmt_share(r['share_spent'])})" for r in rows],
        "Rest am Ende": [_left_text(r) for r in rows],
        "Bewertung": ["beendet" if _ended(r) else PLAN_STATUS[r["plan_status"]].split(" ", 1)[1] for r in rows],
    })  # fmt: skip


def _has_bookings(row: dict) -> bool:
    return any(row[k] for k in ("committed", "called", "spent"))


def render() -> None:
    ui.page_header("Fördermittel", f"{ui.region_label()} — Programme, Bewilligungen, Abrufe und Ausgaben")
    if not data.warehouse_exists():
        ui.missing_data_notice()
        return
    funding = data.funding()
    if not funding.height:
        st.info("Noch keine Förderprogramme im Projektregister (Seite **Verwaltung** oder Excel-Import).")
        return
    totals = funding.filter(pl.col("town_ags").is_null())
    st.header("Alle Programme")
    ui.table(_overview(totals))
    ids = totals["programme_id"].to_list()
    names = dict(zip(ids, totals["programme"]))
    # open on a programme with money booked, not on an empty one that merely comes first
    first = next((i for i, r in enumerate(totals.iter_rows(named=True)) if _has_bookings(r)), 0)
    st.header("Ein Programm im Einzelnen")
    programme_id = st.selectbox("Förderprogramm", ids, index=first, format_func=lambda i: names[i])
    total = totals.row(ids.index(programme_id), named=True)
    st.markdown(
        f"**Fördergeber:** {total['funder']} · **Laufzeit:** {fmt_date(total['programme_start'])} bis "
        f"{fmt_date(total['programme_end'])} · **Förderquote:** "
        f"{'–' if total['rate'] is None else fmt_number(total['rate'], 0) + ' %'} · **Eigenanteil:** {fmt_euro(total['own_share'])}"
    )
    cols = st.columns(5)
    cols[0].metric("Gesamtbudget", fmt_euro(total["budget"]))
    cols[1].metric("Bewilligt", fmt_euro(total["committed"]))
    cols[2].metric("Abgerufen", fmt_euro(total["called"]), fmt_share(total["share_called"]) + " der Bewilligung", delta_color="off")
    cols[3].metric("Ausgegeben", fmt_euro(total["spent"]), fmt_share(total["share_spent"]) + " der Bewilligung", delta_color="off")
    if _ended(total):
        cols[4].metric("Endstand: nicht ausgegeben", fmt_euro(total["remaining"]))
        st.markdown(f"**Bewertung:** Programm beendet am {fmt_date(total['programme_end'])}")
    else:
        cols[4].metric("Rest bei Laufzeitende (Prognose)", fmt_euro(total["projected_left_at_end"]))
        st.markdown(f"**Bewertung:** {PLAN_STATUS[total['plan_status']]}")

    towns = funding.filter((pl.col("programme_id") == programme_id) & pl.col("town_ags").is_not_null())
    if not _ended(total):
        # one line per finding with the towns, not one box per town
        for status in ("ueberzogen", "verzoegert"):
            off = towns.filter(pl.col("plan_status") == status)
            if off.height:
                named = ", ".join(f"{r['town_name']} ({fmt_share(r['share_spent'])} bei {fmt_share(r['share_of_time'])} der Laufzeit)"
                                  for r in off.iter_rows(named=True))  # fmt: skip
                finding = PLAN_STATUS[status].split(" ", 1)[1]
                st.warning(f"**{finding[:1].upper() + finding[1:]}:** {named}")
    town_names = {None: "Programm gesamt"} | dict(zip(towns["town_ags"], towns["town_name"]))
    town = st.selectbox("Verlauf für", list(town_names), format_func=town_names.__getitem__)
    try:
        ui.show_view(views.funding(programme_id, town))
    except views.ViewUnavailable as exc:
        st.caption(str(exc))
    if towns.height:
        st.header("Je Stadt")
        ui.table(_town_table(towns))
    st.caption(
        f"Prognose: Ausgaben im bisherigen Tempo bis zum Laufzeitende fortgeschrieben. „Verzögert“: der ausgegebene "
        f"Anteil liegt mehr als 20 Prozentpunkte hinter dem Anteil der abgelaufenen Laufzeit. Stand: {fmt_date(total['as_of'])}. "
        "Quelle: Projektregister des Kreises."
    )
