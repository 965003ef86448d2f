"""Helpers for Streamlit AppTest runs."""

from __future__ import annotations

CHART_DATA = "Daten als Tabelle"


def page_tables(at) -> list:
    """The page's own tables, in order, without the data table under each chart (`ui.show_view`)."""
    under_charts = {id(d) for e in at.expander if e.label == CHART_DATA for d in e.dataframe}
    return [d for d in at.dataframe if id(d) not in under_charts]
