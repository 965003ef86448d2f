"""Daten: the state of every source — data date, last refresh, rows, licence, last error — and
the files the warehouse was built from."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import data, downloads, ui
from pipelines import sqlconsole
from pipelines.german import fmt_date, fmt_datetime, fmt_number
from pipelines.status import SourceOverview


def _status_line(src: SourceOverview) -> str:
    # icon and words, never colour alone
    icon = (
        ":material/error:" if src.state.failing and not src.has_data
        else ":material/warning:" if src.state.failing or src.state.partial or src.quarantined
        else ":material/check_circle:" if src.has_data
        else ":material/radio_button_unchecked:"
    )  # fmt: skip
    return f"{icon} {src.status_de[0].upper()}{src.status_de[1:]}"


def _source_card(src: SourceOverview) -> None:
    with st.container(border=True):
        st.header(src.title)
        st.markdown(f"**{_status_line(src)}**")
        cols = st.columns([1, 1.4, 1])
        cols[0].metric("Datenstand (Stand der Quelle)", src.data_stand_de)
        cols[1].metric("Letzte erfolgreiche Aktualisierung", src.last_success_de.removesuffix(" Uhr"))
        cols[2].metric("Zeilen im Datenbestand", src.rows_de)
        st.markdown(f"**Lizenz:** {src.licence}  \n**Quellenangabe:** {src.attribution}")
        if src.state.failing or src.state.partial:
            st.error(f"**Letzter Fehler ({fmt_datetime(src.state.last_error_at)}):** {src.state.last_error}")
        for entry in src.quarantined:
            what = entry.what_de[0].upper() + entry.what_de[1:]
            st.warning(
                f":material/block: **{what} zurückgestellt seit {fmt_datetime(entry.since)}** ({entry.kept_de}): {entry.message}"
            )
        if len(src.files) > 1 or src.quarantined:
            ui.table(_items_table(src))
        if src.state.failing or not src.has_data:
            st.markdown(f"**So kommen die Daten hinein:** {src.how_to_get}")


def _items_table(src: SourceOverview) -> pl.DataFrame:
    """Per table: when it last came in, its Stand, and whether the last build used it."""
    return pl.DataFrame(
        [
            {
                "Tabelle": item["item"],
                "Zuletzt erfolgreich abgerufen": fmt_datetime(item["fetched_at"], missing="noch nie"),
                "Stand": fmt_date(item["data_stand"], missing="–"),
                "Zustand": "zurückgestellt" if item["quarantine"] else "in Gebrauch",
            }
            for item in src.items
        ],
        schema={"Tabelle": pl.String, "Zuletzt erfolgreich abgerufen": pl.String, "Stand": pl.String, "Zustand": pl.String},
    )


def _files_table(frame: pl.DataFrame) -> pl.DataFrame:
    shown = frame.select(
        pl.col("source").alias("Quelle"),
        pl.col("item").alias("Objekt"),
        pl.col("origin").replace_strict({"download": "Download", "import": "Import"}, default="–").alias("Herkunft"),
        pl.col("url").alias("Adresse"),
        pl.col("fetched_at").alias("Abgerufen"),
        pl.col("data_stand").alias("Stand"),
        pl.col("size").alias("Bytes"),
        pl.col("sha256").str.slice(0, 12).alias("SHA-256 (Anfang)"),
        pl.col("notes").fill_null("").alias("Hinweis") if "notes" in frame.columns else pl.lit("").alias("Hinweis"),
    )
    return ui.formatted(shown, {"Abgerufen": fmt_datetime, "Stand": fmt_date, "Bytes": fmt_number})


def _catalogue_section() -> None:
    catalogue = data.indicators()
    if not catalogue.height:
        return
    st.header("Indikatorkatalog")
    usable = catalogue.filter(pl.col("status") == "ok").height
    st.markdown(
        f"{usable} von {catalogue.height} Indikatoren haben Werte. Der Katalog steht in "
        f"`{data.settings().catalogue_path.name}`; wo ein Filter nicht zur Tabelle passt, nennt die Spalte "
        "„Grund“ die vorhandenen Wertespalten."
    )
    shown = catalogue.select(
        pl.col("handlungsfeld").alias("Handlungsfeld"),
        pl.col("title").alias("Indikator"),
        pl.col("table_code").alias("Tabelle"),
        pl.col("status").replace_strict(ui.INDICATOR_STATUS_DE, default="unbekannt").alias("Status"),
        pl.col("value_count").alias("Werte"),
        pl.col("last_period").alias("Letzter Zeitpunkt"),
        pl.col("status_message").fill_null("").alias("Grund"),
    )
    ui.table(ui.formatted(shown, {"Werte": fmt_number, "Letzter Zeitpunkt": fmt_date}))


SHOWN_ROWS = 5_000  # formatted for the screen; more is for the downloads


def _sql_console() -> None:
    st.header("SQL-Konsole (nur lesend)")
    st.caption(
        "Abfragen über dem Schema `marts` (siehe README, „Für Analystinnen und Analysten“). Die Konsole liest nur: "
        f"keine Änderungen, kein Datei- oder Netzzugriff; Abbruch nach {fmt_number(sqlconsole.DEFAULT_TIMEOUT_S)} "
        f"Sekunden, höchstens {fmt_number(sqlconsole.DEFAULT_MAX_ROWS)} Zeilen."
    )
    with st.expander("Tabellen und Spalten"):
        ui.table(
            data.query(
                "SELECT table_name AS Tabelle, column_name AS Spalte, data_type AS Typ FROM information_schema.columns "
                "WHERE table_schema = 'marts' ORDER BY table_name, ordinal_position"
            ),
        )
    example = st.selectbox("Beispielabfrage", list(sqlconsole.EXAMPLES), key="sql_example")
    sql = st.text_area("SQL", value=sqlconsole.EXAMPLES[example], height=140, key=f"sql_{example}")
    if st.button("Abfrage ausführen", type="primary"):
        try:
            st.session_state["sql_result"] = sqlconsole.run_query(data.settings().db_path, sql)
        except sqlconsole.QueryRefused as exc:
            st.session_state.pop("sql_result", None)
            st.error(f"{exc.message} {exc.hint}".strip())
    result = st.session_state.get("sql_result")
    if result is not None:
        frame = result.frame
        # German numbers and dates on screen; the downloads keep the typed values
        ui.table(ui.german_table(frame.head(SHOWN_ROWS)))
        rows = f"{fmt_number(frame.height)} {'Zeile' if frame.height == 1 else 'Zeilen'}"
        if frame.height > SHOWN_ROWS:
            rows += f", angezeigt die ersten {fmt_number(SHOWN_ROWS)} (alle im Download)"
        st.caption(rows + (" (gekürzt)" if result.truncated else ""))
        cols = st.columns(3)
        cols[0].download_button("CSV (Excel)", lambda: downloads.german_csv(frame), "abfrage.csv", "text/csv")
        cols[1].download_button(
            "XLSX", lambda: downloads.xlsx(frame), "abfrage.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )  # fmt: skip
        cols[2].download_button("Parquet", lambda: downloads.parquet(frame), "abfrage.parquet", "application/octet-stream")


def render() -> None:
    ui.page_header("Daten", "Stand, Herkunft und Lizenz jeder Quelle")
    if not data.has_data():
        ui.missing_data_notice()
    for src in data.sources():
        _source_card(src)
    if data.warehouse_exists():
        st.header("Dateien, aus denen der Datenbestand gebaut ist")
        files = data.lineage()
        if files.height:
            ui.table(_files_table(files))
        else:
            st.write("Noch keine Dateien.")
        _catalogue_section()
        _sql_console()
        ui.built_at_caption()
    _backup_notice()


def _backup_notice() -> None:
    """The edits of the register exist only here: the age of the last backup, a warning when it
    is older than configured (default 7 days) or missing."""
    from pipelines.backup import backup_age_days, last_backup

    settings = data.settings()
    last = last_backup(settings)
    days = settings.backup.warn_after_days
    if last is None:
        st.warning("**Sicherung:** Noch keine Sicherung des Registers. `xregion backup` sichert Register, Berichte und "
                   "Konfiguration (wöchentlich per Timer, siehe README „Betrieb im Kreis“).")  # fmt: skip
        return
    age = backup_age_days(settings, last=last)
    text = f"**Letzte Sicherung:** {fmt_datetime(last['at'])} ({fmt_number(age, 0)} Tage alt)"
    if age > days:
        st.warning(f"{text} – älter als {days} Tage. Bitte `xregion backup` ausführen.")
    else:
        st.caption(text)
