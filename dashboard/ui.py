"""Page furniture shared by all pages: header, empty-warehouse notice."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import data
from pipelines.german import fmt_datetime

# marts.indicators.status in the words of the pages
INDICATOR_STATUS_DE = {
    "ok": "verfügbar",
    "tabelle_fehlt": "Tabelle nicht geladen",
    "keine_werte": "keine passenden Werte",
    "mehrdeutig": "mehrdeutig, ausgeblendet",
    "grundwerte_fehlen": "Grundwerte fehlen",
}


def indicator_picker(usable: pl.DataFrame) -> dict:
    """Select box over the usable indicators, labelled and ordered by Handlungsfeld; the choice
    lives in the URL (`?indikator=…`), so a link opens the same indicator."""
    ids = usable["indicator_id"].to_list()
    labels = {r["indicator_id"]: f"{r['handlungsfeld']} · {r['title']}" for r in usable.iter_rows(named=True)}
    wanted = st.query_params.get("indikator")
    chosen = st.selectbox(
        "Indikator (nach Handlungsfeld)",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=labels.__getitem__,
    )
    st.query_params["indikator"] = chosen
    return usable.row(ids.index(chosen), named=True)


def usable_indicators(catalogue: pl.DataFrame) -> pl.DataFrame:
    """The indicators with values that are offered for selection."""
    return catalogue.filter((pl.col("status") == "ok") & pl.col("listed")) if catalogue.height else catalogue


def region_label() -> str:
    ags = data.settings().region.ags
    return data.region_name(ags) or f"Kreis {ags}"


# status words with an icon, so that colour is never the only signal
KPI_STATUS = {
    "erreicht": ":material/verified: Ziel erreicht",
    "auf_kurs": ":material/trending_up: auf Kurs",
    "zu_langsam": ":material/slow_motion_video: zu langsam",
    "entfernt_sich": ":material/trending_down: entfernt sich vom Ziel",
    "keine_daten": ":material/help: keine Daten",
}
MEASURE_STATUS = {
    "nicht begonnen": ":material/radio_button_unchecked: nicht begonnen",
    "Planung": ":material/edit_calendar: Planung",
    "Umsetzung": ":material/construction: Umsetzung",
    "abgeschlossen": ":material/task_alt: abgeschlossen",
    "pausiert": ":material/pause_circle: pausiert",
}
DEMO_NOTICE = (
    ":material/school: **Beispieldaten** – diese Ansicht zeigt das Übungsregister mit erfundenen Werten "
    "(nur für Schulung und Ausprobieren, nicht für Berichte)."
)


def page_header(title: str, subtitle: str | None = None) -> None:
    st.title(title)
    st.caption(subtitle or region_label())
    if data.warehouse_exists() and data.is_demo():
        st.warning(DEMO_NOTICE)


def missing_data_notice() -> None:
    """What a first run without warehouse shows instead of empty charts (or a traceback)."""
    st.info(
        "**Noch kein Datenbestand vorhanden.** Die Daten werden aus den amtlichen Quellen geladen und in "
        "einer DuckDB-Datei gespeichert. So kommen sie hinein:\n\n"
        "1. **Online:** im Projektverzeichnis `xregion refresh` ausführen (macht `make run` automatisch).\n"
        "2. **Ohne Internetzugang:** die Dateien von Hand herunterladen und mit `xregion import <Datei> …` "
        "einlesen — welche Dateien, steht je Quelle auf der Seite **Daten**."
    )


def require_data() -> bool:
    """True when there is data to show; otherwise shows the notice and returns False."""
    if data.has_data():
        return True
    missing_data_notice()
    return False


def built_at_caption() -> None:
    info = data.build_info()
    if info:
        st.caption(f"Datenbestand gebaut am {fmt_datetime(info['built_at'])}")
