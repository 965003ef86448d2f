"""Stadtprofil: one town of the Kreis at a glance — for Kreistag members and Bürgermeister. Its
official figures with the change to the previous Stichtag and its rank in the Kreis, where it
lies, the strategy's measures and funding for it, its Nahversorgung; all with source and Stand,
and as an A4 PDF (the same as `xregion export --profile AGS`)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import profile, profile_pdf, ui, views
from pipelines.german import fmt_date

HEADLINE_METRICS = 3  # the first figures (Rahmendaten: Bevölkerung, Fläche, Dichte) as metrics


def _figures_table(p: profile.Profile) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Handlungsfeld": [f.handlungsfeld for f in p.figures],
            "Kennzahl": [f.title for f in p.figures],
            "Wert": [f.value_text for f in p.figures],
            "Stichtag": [fmt_date(f.period) for f in p.figures],
            "Veränderung": [f.change_text for f in p.figures],
            "Rang im Kreis": [f.rank_text for f in p.figures],
            "Quelle": [f"{f.source}, {f.stand_text}" for f in p.figures],
        },
        schema={c: pl.String for c in ("Handlungsfeld", "Kennzahl", "Wert", "Stichtag", "Veränderung", "Rang im Kreis", "Quelle")},
    )


def _measures(p: profile.Profile) -> None:
    st.subheader(f"Maßnahmen für {p.name}")
    if p.own_measures.height:
        _measure_list(p.own_measures)
    else:
        st.caption(f"Keine Maßnahme nennt {p.name} eigens.")
    st.subheader("Maßnahmen für den ganzen Kreis")
    if p.kreis_measures.height:
        st.caption(f"An diesen Maßnahmen nehmen alle Städte und Gemeinden teil, also auch {p.name}.")
        _measure_list(p.kreis_measures)
    else:
        st.caption("Keine kreisweiten Maßnahmen im Projektregister.")


def _measure_list(measures: pl.DataFrame) -> None:
    st.markdown("\n".join(f"- {profile_pdf.measure_line(row)}" for row in measures.iter_rows(named=True)))


def _funding(p: profile.Profile) -> None:
    st.subheader(f"Fördermittel für {p.name}")
    if not p.funding.height:
        st.caption(f"Keine Zuweisungen oder Buchungen für {p.name} im Projektregister.")
        return
    st.markdown("\n".join(f"- {profile_pdf.funding_line(row)}" for row in p.funding.iter_rows(named=True)))


def render() -> None:
    ui.page_header("Stadtprofil", f"{ui.region_label()} — eine Stadt auf einen Blick: Statistik, Strategie, Nahversorgung")
    if not ui.require_data():
        return
    towns = profile.towns()
    if not towns:
        st.warning("Im Datenbestand sind noch keine Städte und Gemeinden des Kreises (siehe Seite **Daten**).")
        return
    ags = ui.query_choice("stadt", "Stadt oder Gemeinde", list(towns), towns.__getitem__)
    p = profile.build(ags)
    st.header(p.headline)
    st.caption(f"Stand der Daten {fmt_date(p.data_stand, missing='unbekannt')} · Rang 1 = bester Wert unter den "
               f"{len(towns)} Städten und Gemeinden (ohne Wertung: höchster Wert)")  # fmt: skip
    st.download_button(
        "Stadtprofil als PDF (A4)", lambda: profile_pdf.profile_pdf(p), profile_pdf.file_name(p), "application/pdf",
        icon=":material/picture_as_pdf:", key="profil_pdf",
    )  # fmt: skip

    left, right = st.columns([2, 3])
    with left:
        for figure in p.figures[:HEADLINE_METRICS]:
            st.metric(f"{figure.title} ({fmt_date(figure.period)})", figure.value_text, figure.change_text, delta_color="off",
                      delta_arrow="off", help=f"{figure.rank_text} · Quelle: {figure.source}, {figure.stand_text}")  # fmt: skip
    with right:
        if p.location is not None:
            ui.show_view(p.location, key="stadt_lage")
        else:
            st.info("Noch keine Gebietsgrenzen geladen: die Karte fehlt (siehe Seite **Daten**).")

    st.header("Amtliche Statistik")
    if p.figures:
        ui.table(_figures_table(p))
        st.caption("Veränderung zum vorigen Stichtag; Anteile in Prozentpunkten; über den Reihenbruch Zensus 2022 hinweg "
                   "wird keine Veränderung berechnet. Quelle: IT.NRW, Landesdatenbank NRW · Lizenz: dl-de/by-2-0")  # fmt: skip
    else:
        st.info(f"Für {p.name} gibt es noch keine amtlichen Werte im Datenbestand.")

    st.header("Strategie")
    _measures(p)
    _funding(p)
    st.caption(f"Quelle: {views.REGISTER_SOURCE} · Stand {fmt_date(p.register_stand, missing='unbekannt')}")

    st.header("Nahversorgung")
    st.markdown(p.coverage_sentence)
    st.caption(f"Quelle: {profile_pdf.NAHVERSORGUNG_SOURCE} · Stand {fmt_date(p.supply_stand, missing='unbekannt')}")
