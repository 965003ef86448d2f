"""Entry script of the XRegion Monitor dashboard: page setup and navigation."""

from __future__ import annotations

import importlib
import threading

import streamlit as st

from dashboard import accessibility, auth, heap, ui
from dashboard.screens import (barrierefreiheit, daten, foerdermittel, handlungsfelder, indikatoren, karte, nahversorgung, praesentation,
                               stadtprofil, verwaltung, wochenblick)

st.set_page_config(page_title="XRegion Monitor", page_icon=ui.favicon(), layout="wide")

pages = {
    "Überblick": [
        st.Page(wochenblick.render, title="Wochenblick", icon=":material/calendar_month:", url_path="start", default=True),
        # the start page is served at "/"; a bookmark or link to /wochenblick opens it too
        st.Page(wochenblick.render, title="Wochenblick", url_path="wochenblick", visibility="hidden"),
        st.Page(stadtprofil.render, title="Stadtprofil", icon=":material/location_city:", url_path="stadtprofil"),
    ],
    "Statistik": [
        st.Page(indikatoren.render, title="Indikatoren", icon=":material/show_chart:", url_path="indikatoren"),
        st.Page(karte.render, title="Karte", icon=":material/map:", url_path="karte"),
        st.Page(nahversorgung.render, title="Nahversorgung", icon=":material/shopping_cart:", url_path="nahversorgung"),
    ],
    "Strategie": [
        st.Page(handlungsfelder.render, title="Handlungsfelder", icon=":material/flag:", url_path="handlungsfelder"),
        st.Page(foerdermittel.render, title="Fördermittel", icon=":material/euro:", url_path="foerdermittel"),
    ],
    "Berichte": [
        st.Page(praesentation.render, title="Präsentation", icon=":material/slideshow:", url_path="praesentation"),
    ],
    "System": [
        st.Page(verwaltung.render, title="Verwaltung", icon=":material/edit_note:", url_path="verwaltung"),
        st.Page(daten.render, title="Daten", icon=":material/database:", url_path="daten"),
        st.Page(barrierefreiheit.render, title="Barrierefreiheit", icon=":material/accessibility:", url_path="barrierefreiheit"),
    ],
}

heap.start_keeper()
accessibility.page_chrome()
if auth.sign_in_gate():
    auth.sidebar_identity()
    st.navigation(pages).run()

if "warmed_up" not in st.session_state:
    # the map's class schemes need scipy (1–2 s to import): load it once in the background,
    # not when the first user opens the map
    st.session_state["warmed_up"] = True
    threading.Thread(target=importlib.import_module, args=("mapclassify",), daemon=True).start()
