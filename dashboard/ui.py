"""Page furniture shared by all pages: header, empty-warehouse notice."""

from __future__ import annotations

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


def region_label() -> str:
    ags = data.settings().region.ags
    return data.region_name(ags) or f"Kreis {ags}"


def page_header(title: str, subtitle: str | None = None) -> None:
    st.title(title)
    st.caption(subtitle or region_label())


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
