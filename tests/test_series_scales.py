"""Indikatoren: towns keep their own scale beside the Kreis and NRW — the comparison regions on a
second axis, or every region as an index (first Stichtag = 100) where even two axes would flatten
a line; "automatisch" chooses, the URL keeps the choice."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import views

TOWNS = ["05762004", "05762020"]


def _y_axes(spec: dict) -> list[tuple[str, str]]:
    """(orient, title) of every y axis in a (layered) spec."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            y = node.get("encoding", {}).get("y")
            if isinstance(y, dict) and isinstance(y.get("axis"), dict):
                found.append((y["axis"].get("orient", "left"), y.get("title", "")))
            for child in node.get("layer", []):
                walk(child)

    walk(spec)
    return found


def test_nrw_gets_an_axis_of_its_own_and_the_towns_keep_theirs(in_town_env):
    view = views.indicator_series("bevoelkerung", TOWNS, ["05"], "werte")
    assert view.spec["resolve"]["scale"]["y"] == "independent"
    axes = set(_y_axes(view.spec))
    assert ("left", "Personen – Städte und Gemeinden") in axes
    assert ("right", "Personen – Vergleichsgebiete (gestrichelt)") in axes
    assert views.SECOND_AXIS_NOTE in view.summary
    # towns alone (or beside regions of their size) share one axis
    alone = views.indicator_series("bevoelkerung", TOWNS, [], "werte")
    assert "resolve" not in alone.spec and views.SECOND_AXIS_NOTE not in alone.summary


def test_the_index_starts_every_region_at_100_and_keeps_the_values(in_town_env):
    view = views.indicator_series("bevoelkerung", TOWNS, ["05762", "05"], "index")
    hoexter = view.frame.filter(view.frame["AGS"] == "05762020").sort("Zeitpunkt")
    assert hoexter["Wert (Index, erster Stichtag = 100)"].to_list() == pytest.approx([100.0, 28_166 / 28_279 * 100])
    assert hoexter["Originalwert (Personen)"].to_list() == [28_279, 28_166]
    assert ("left", "Index, erster Stichtag = 100") in _y_axes(view.spec)


def test_automatic_chooses_the_index_where_kreis_and_land_differ_too_much(in_town_env):
    assert views.series_default_scale("bevoelkerung", TOWNS, ["05762", "05"]) == "index"
    assert views.series_default_scale("bevoelkerung", TOWNS, ["05"]) == "werte"  # NRW alone: second axis
    assert views.series_default_scale("bevoelkerung", TOWNS, []) == "werte"


def test_the_page_opens_on_population_as_an_index_and_keeps_a_choice_in_the_url(in_town_env):
    at = AppTest.from_string("from dashboard.screens import indikatoren\nindikatoren.render()", default_timeout=30).run()
    assert not at.exception
    assert at.selectbox[0].value == "bevoelkerung"  # Rahmendaten first
    captions = "\n".join(c.value for c in at.caption)
    assert "Index: der erste Stichtag jeder Region = 100" in captions
    darstellung = next(r for r in at.radio if r.label == "Darstellung")
    darstellung.set_value("werte").run()
    assert at.query_params["darstellung"] in ("werte", ["werte"])
    assert "eigene Achse rechts" in "\n".join(c.value for c in at.caption)


def test_the_index_starts_again_at_100_after_the_zensus_break(statistics):
    view = views.indicator_series("bevoelkerung", ["05762020"], [], "index")
    frame = view.frame.sort("Zeitpunkt")
    index = "Wert (Index, erster Stichtag = 100)"
    firsts = frame.group_by("Reihe", maintain_order=True).agg(pl.col(index).first())
    assert len(firsts) == 2 and firsts[index].to_list() == [100.0, 100.0]  # one series per base, each from 100
