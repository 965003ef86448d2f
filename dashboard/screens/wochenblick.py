"""Wochenblick: the Smart Region manager's weekly look at everything — per Handlungsfeld the
headline KPIs with their change and target status, what changed since last week (new official
data, KPI measurements, milestones, funding off plan), and how fresh each source is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import altair as alt
import polars as pl
import streamlit as st

from dashboard import charts, data, ui
from pipelines.german import fmt_date, fmt_datetime, fmt_number, fmt_value
from pipelines.register.model import ENTITIES

FUNDING_ENTITIES = {"programmes", "allocations", "funding_records"}

PERIODS = {7: "seit 7 Tagen", 14: "seit 14 Tagen", 30: "seit 30 Tagen", 90: "seit 90 Tagen"}


def _sparkline(points: pl.DataFrame, x: str = "date") -> dict:
    """A small line without axes, as the Vega-Lite dict the page sends (built and validated once
    per build with the cards, not on every rerun)."""
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    chart = (
        alt.Chart(points)
        .mark_line(point=True, strokeWidth=2, color=charts.REGION_COLOURS[0])
        .encode(x=alt.X(f"{x}:T", axis=None), y=alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False)),
                tooltip=[alt.Tooltip(f"{x}:T", title="Datum", format="%d.%m.%Y"), alt.Tooltip("value:Q", title="Wert")])
        .properties(height=60)
        .configure_view(stroke=None)
        .configure(locale=charts.GERMAN_LOCALE)
    )  # fmt: skip
    return _convert_altair_to_vega_lite_spec(chart)


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    delta: str | None
    delta_color: str
    note: str  # the KPI's target status (Markdown), or where an official figure comes from
    note_is_caption: bool
    sparkline: dict | None


@dataclass(frozen=True)
class Card:
    name: str
    metrics: tuple[Metric, ...]


def _kpi_metric(kpi: dict, points: pl.DataFrame) -> Metric:
    delta = None
    if kpi["latest_value"] is not None and kpi["previous_value"] is not None:
        delta = f"{fmt_number(kpi['latest_value'] - kpi['previous_value'], 1)} seit {fmt_date(kpi['previous_date'])}"
    return Metric(f"{kpi['title']} ({kpi['unit']})", fmt_value(kpi["latest_value"], ""), delta,
                  "normal" if kpi["direction"] == "steigen" else "inverse", ui.KPI_STATUS[kpi["status"]], False,
                  _sparkline(points) if points.height >= 2 else None)  # fmt: skip


def _headline_metric(headline: pl.DataFrame) -> Metric:
    """A Handlungsfeld without KPIs shows its official headline indicator for the Kreis."""
    first = headline.row(-1, named=True)
    previous = headline.row(-2, named=True) if headline.height > 1 else None
    delta = None
    if previous and previous["series_break"] == first["series_break"]:
        delta = f"{fmt_number(first['value'] - previous['value'], 1)} seit {fmt_date(previous['period'])}"
    return Metric(f"{first['title']} ({first['unit']}; amtlich, Kreis)", fmt_value(first["value"], ""), delta,
                  {"up": "normal", "down": "inverse"}.get(first["direction"], "off"),
                  f"Stand {fmt_date(first['period'])} · Quelle: IT.NRW", True,
                  _sparkline(headline.rename({"period": "date"})) if headline.height >= 2 else None)  # fmt: skip


@data.once_per_build(maxsize=2)
def cards() -> tuple[Card, ...]:
    """The card of each Handlungsfeld, worked out once per warehouse build: a rerun (or the next
    colleague) only sends them. Every register save builds a new warehouse, so they are current."""
    fields = data.register_fields()
    kpis, series, headlines = data.kpi_progress(), data.measurement_series(), data.headline_indicators()
    out = []
    for field in fields.iter_rows(named=True):
        mine = kpis.filter(pl.col("handlungsfeld_id") == field["id"]) if kpis.height else kpis
        metrics = [_kpi_metric(kpi, series.filter(pl.col("kpi") == kpi["kpi_id"])) for kpi in mine.iter_rows(named=True)]
        headline = headlines.filter(pl.col("handlungsfeld") == field["name"]) if headlines.height else headlines
        if not metrics and headline.height:
            metrics.append(_headline_metric(headline))
        out.append(Card(field["name"], tuple(metrics)))
    return tuple(out)


def _field_card(card: Card) -> None:
    with st.container(border=True):
        st.markdown(f"### {card.name}")
        for metric in card.metrics:
            st.metric(metric.label, metric.value, metric.delta, delta_color=metric.delta_color)
            if metric.note_is_caption:
                st.caption(metric.note)
            else:
                st.markdown(metric.note)
            if metric.sparkline:
                st.vega_lite_chart(metric.sparkline, width="stretch")
        if not card.metrics:
            st.caption("Noch keine Kennzahlen.")


def _changes(since: date) -> None:
    st.header(f"Was ist neu seit dem {fmt_date(since)}?")
    today = date.today()
    found = False
    for row in data.releases_since(since).iter_rows(named=True):
        found = True
        st.markdown(
            f":material/new_releases: **Neue amtliche Daten:** Tabelle {row['table_code']} (Stand "
            f"{fmt_date(row['data_stand'])}, Werte bis {fmt_date(row['last_period'])}) – {row['indicators']}"
        )
    for row in data.measurements_entered_since(since).iter_rows(named=True):
        found = True
        st.markdown(
            f":material/edit: **Messwert erfasst:** {row['title']}: {fmt_value(row['value'], row['unit'])} "
            f"(zum {fmt_date(row['date'])}) – von {row['who']} am {fmt_datetime(row['at'])}"
        )
    for row in data.register_edits_since(since).iter_rows(named=True):
        found = True
        sheets = ", ".join(ENTITIES[e].sheet for e in row["entities"] if e in ENTITIES)
        money = set(row["entities"]) & FUNDING_ENTITIES
        icon, what = (":material/euro:", "Fördermittel gebucht") if money else (":material/edit_note:", "Register geändert")
        st.markdown(
            f"{icon} **{what}:** {row['reason']} – {row['n']} Eintr{'ag' if row['n'] == 1 else 'äge'} ({sheets}) "
            f"– von {row['who']} am {fmt_datetime(row['at'])}"
        )
    measures = data.measures()
    if measures.height:
        open_ = measures.filter((pl.col("status") != "abgeschlossen") & pl.col("milestone_due").is_not_null())
        for row in open_.filter(pl.col("milestone_due") < today).iter_rows(named=True):
            found = True
            st.error(f":material/alarm: **Überfällig:** {row['title']} – „{row['milestone']}“ (fällig {fmt_date(row['milestone_due'])})")
        soon = open_.filter(pl.col("milestone_due").is_between(today, today + timedelta(days=14)))
        for row in soon.iter_rows(named=True):
            found = True
            st.warning(f":material/event: **In den nächsten 14 Tagen:** {row['title']} – „{row['milestone']}“ am {fmt_date(row['milestone_due'])}")
    funding = data.funding()
    if funding.height:
        # one line per programme and finding, naming the towns (not a box per town); programmes
        # that have ended have a final balance, no forecast to warn about
        running = funding.filter(pl.col("programme_end").is_null() | (pl.col("programme_end") >= today))
        off = running.filter(pl.col("plan_status").is_in(["verzoegert", "ueberzogen"]))
        for (programme, status), rows in off.group_by("programme", "plan_status", maintain_order=True):
            found = True
            what = "verzögert" if status == "verzoegert" else "droht überzogen zu werden"
            where = ", ".join(r["town_name"] if r["town_ags"] else "Programm gesamt" for r in rows.iter_rows(named=True))
            st.warning(f":material/euro: **Fördermittel {what}:** {programme} – {where}")
    if not found:
        st.success(":material/check_circle: Keine neuen Daten, Meldungen oder fälligen Termine in diesem Zeitraum.")


def _freshness() -> None:
    st.header("Aktualität der Quellen")
    rows = []
    today = date.today()
    for src in data.sources():
        expected = src.next_release_expected
        rows.append(
            {
                "Quelle": src.title,
                "Datenstand": src.data_stand_de,
                "Zuletzt aktualisiert": src.last_success_de,
                "Nächste Veröffentlichung erwartet": (
                    "laufend (eigene Pflege)" if src.release_cycle_days is None
                    else "–" if expected is None
                    else f"{fmt_date(expected)}" + (" – fällig, bitte aktualisieren" if expected <= today else "")
                ),
                "Zustand": src.status_de,
            }  # fmt: skip
        )
    ui.table(pl.DataFrame(rows))


def render() -> None:
    ui.page_header("Wochenblick", f"{ui.region_label()} — was sich getan hat und was ansteht")
    if not data.warehouse_exists():
        ui.missing_data_notice()
        return
    days = st.segmented_control("Zeitraum", list(PERIODS), format_func=PERIODS.__getitem__, default=7) or 7
    since = date.today() - timedelta(days=days)
    found = cards()
    if found:
        st.header("Stand je Handlungsfeld")
        columns = st.columns(min(3, len(found)))
        for i, card in enumerate(found):
            with columns[i % len(columns)]:
                _field_card(card)
    _changes(since)
    _freshness()
    ui.built_at_caption()
