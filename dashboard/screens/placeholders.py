"""Pages whose content is being built in their own issues: each says what it will show and,
until then, where the data stands."""

from __future__ import annotations

import streamlit as st

from dashboard import ui


def _coming(title: str, what: str) -> None:
    ui.page_header(title)
    if not ui.require_data():
        return
    st.info(
        f"Diese Ansicht ist in Vorbereitung. Sie wird zeigen: {what}\n\n"
        "Welche Daten schon geladen sind, zeigt die Seite **Daten**."
    )


def nahversorgung() -> None:
    _coming("Nahversorgung", "wie viele Menschen einen Lebensmittelmarkt in 500 m und 1.000 m Entfernung haben.")
