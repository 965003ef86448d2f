"""Entry script of the XRegion Monitor dashboard: page setup and navigation."""

from __future__ import annotations

import streamlit as st

from dashboard.pages import daten, placeholders

st.set_page_config(page_title="XRegion Monitor", page_icon="📊", layout="wide")

pages = {
    "Überblick": [
        st.Page(placeholders.wochenblick, title="Wochenblick", icon="🗓️", url_path="wochenblick", default=True),
    ],
    "Statistik": [
        st.Page(placeholders.indikatoren, title="Indikatoren", icon="📈", url_path="indikatoren"),
        st.Page(placeholders.karte, title="Karte", icon="🗺️", url_path="karte"),
        st.Page(placeholders.nahversorgung, title="Nahversorgung", icon="🛒", url_path="nahversorgung"),
    ],
    "Strategie": [
        st.Page(placeholders.handlungsfelder, title="Handlungsfelder", icon="🎯", url_path="handlungsfelder"),
        st.Page(placeholders.foerdermittel, title="Fördermittel", icon="💶", url_path="foerdermittel"),
    ],
    "Berichte": [
        st.Page(placeholders.praesentation, title="Präsentation", icon="🖥️", url_path="praesentation"),
    ],
    "System": [
        st.Page(daten.render, title="Daten", icon="🗄️", url_path="daten"),
    ],
}

st.navigation(pages).run()
