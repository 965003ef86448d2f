"""Stadtprofil: the figures of one town (change to the previous Stichtag, rank among the ten
towns), its measures, funding and Nahversorgung; the A4 PDF, `xregion export --profile`, and the
page in the real browser with the PDF it offers rendered to an image."""

from __future__ import annotations

import io
from datetime import date

import pytest

from dashboard import profile, profile_pdf, views
from tests.test_cli import xregion

HOEXTER = "05762020"


def test_the_headline_names_people_change_and_rank(in_town_env):
    assert profile.build(HOEXTER).headline == "Höxter: 28.166 Einwohner, −0,4 % zum Vorjahr, Rang 1 von 10"
    nieheim = profile.build("05762028")
    assert nieheim.headline == "Nieheim: 6.012 Einwohner, −0,5 % zum Vorjahr, Rang 9 von 10"


def test_every_figure_is_ranked_among_the_ten_towns(in_town_env):
    hoexter = profile.build(HOEXTER)
    area = hoexter.figure("flaeche")
    # no direction: ranked by size (Brakel 174,16, Warburg 168,85, Höxter 158,47 km²)
    assert (area.rank, area.ranked_of, area.change_text) == (3, 10, "±0,0 % zum Vorjahr")
    density = hoexter.figure("bevoelkerungsdichte")
    assert density.value == pytest.approx(28_166 / 158.47, abs=0.05) and density.rank_text == "Rang 1 von 10"
    assert hoexter.sentence(area) == "Katasterfläche: 158,5 km² (31.12.2024), ±0,0 % zum Vorjahr, Rang 3 von 10"
    assert area.stand_text == "Stand 02.03.2026" and "12411-15i" in area.source


def _figure(**changes) -> profile.Figure:
    base = dict(indicator_id="x", title="X", handlungsfeld="Rahmendaten", unit="Personen", value=990.0,
                period=date(2024, 12, 31), previous_value=1000.0, previous_period=date(2023, 12, 31), comparable=True,
                rank=2, ranked_of=10, source="IT.NRW", stand_label="Stand", data_stand=date(2026, 3, 2))  # fmt: skip
    return profile.Figure(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({}, "−1,0 % zum Vorjahr"),
        ({"value": 1012.0}, "+1,2 % zum Vorjahr"),
        ({"previous_period": date(2021, 12, 31)}, "−1,0 % zum 31.12.2021"),
        ({"unit": "%", "value": 21.4, "previous_value": 20.9}, "+0,5 Prozentpunkte zum Vorjahr"),
        ({"comparable": False}, "nicht vergleichbar mit 31.12.2023 (Reihenbruch Zensus 2022)"),
        ({"previous_value": None, "previous_period": None}, "kein früherer Stichtag"),
        ({"previous_value": 0.0}, "vorher 0 Personen (31.12.2023)"),
    ],
)
def test_the_change_is_said_the_way_people_read_it(changes, text):
    assert _figure(**changes).change_text == text


def test_measures_funding_and_supply_of_the_town(in_town_env):
    hoexter = profile.build(HOEXTER)
    assert hoexter.own_measures["title"].to_list() == ["Dorfladen Ovenhausen"]
    assert hoexter.kreis_measures["title"].to_list() == ["E-Akte"]
    assert profile_pdf.funding_line(hoexter.funding.row(0, named=True)) == (
        "Förderprogramm Test (Land NRW): zugewiesen 60.000 €, bewilligt 60.000 €, abgerufen 24.500 €, "
        "ausgegeben 18.250 € (30 % der Bewilligung)"
    )
    assert profile.build("05762016").funding.height == 0  # Brakel has no allocation
    # the fixture grid holds 80 people of ~140 000: no share is given, as on the Nahversorgung page
    assert "ein Anteil wird daher nicht angegeben" in hoexter.coverage_sentence
    assert hoexter.location is not None and "Höxter ist dunkel hervorgehoben" in hoexter.location.summary


def test_coverage_sentence_with_a_complete_grid():
    shares = profile.Coverage(population=28_000, share_full=0.634, share_any=0.8, rank=2, ranked_of=10, villages_without=3,
                              grid_completeness=0.97, kreis_share_full=0.55, bbsr_share_nrw=0.81)  # fmt: skip
    p = profile.Profile("05762020", "Höxter", "Kreis Höxter", [], *([None] * 3), shares, None, None, None, False)
    assert p.coverage_sentence == (
        "63 % der Einwohner wohnen höchstens 1.000 m (Luftlinie) von einem Supermarkt oder Discounter entfernt, 80 % von "
        "irgendeinem Versorgungspunkt; Rang 2 von 10 (Kreis 55 %, NRW laut BBSR 81 %). Orte ohne Versorgungspunkt in "
        "1.000 m: 3."
    )


def test_a_key_outside_the_kreis_is_refused_in_german(in_town_env):
    with pytest.raises(views.ViewUnavailable, match="„05774032“ ist keine Stadt oder Gemeinde im Kreis Höxter"):
        profile.build("05774032")


def pdf_pages(pdf: bytes) -> list:
    import pypdfium2 as pdfium

    return list(pdfium.PdfDocument(io.BytesIO(pdf)))


def test_the_pdf_is_a4_landscape_with_every_section_and_its_source(in_town_env):
    pdf = profile_pdf.profile_pdf(profile.build(HOEXTER))
    pages = pdf_pages(pdf)
    assert len(pages) == 4
    assert {tuple(round(v) for v in page.get_size()) for page in pages} == {(842, 595)}
    text = [page.get_textpage().get_text_range() for page in pages]
    assert "Stadtprofil Höxter" in text[0] and "Höxter: 28.166 Einwohner, −0,4 % zum Vorjahr, Rang 1 von 10" in text[0]
    assert "GeoBasis-DE / BKG" in text[0]
    assert "Bevölkerung: 28.166 Personen (31.12.2024), −0,4 % zum Vorjahr, Rang 1 von 10" in text[1]
    assert "Quelle: IT.NRW, Landesdatenbank NRW, Tabellen 12411-15i" in text[1] and "Stand 02.03.2026" in text[1]
    assert "Dorfladen Ovenhausen – Umsetzung" in text[2] and "Projektregister des Kreises" in text[2]
    assert "Nahversorgung" in text[3] and "OpenStreetMap-Mitwirkende (ODbL)" in text[3]


def test_export_writes_one_profile_or_all_ten(ten_town_env, tmp_path):
    one = xregion(ten_town_env, "export", "--profile", HOEXTER, "--out", str(tmp_path / "eins"))
    assert one.returncode == 0, one.stderr
    assert [p.name for p in (tmp_path / "eins").iterdir()] == ["Stadtprofil_Höxter.pdf"]
    everything = xregion(ten_town_env, "export", "--profile", "all", "--out", str(tmp_path / "alle"))
    assert everything.returncode == 0, everything.stderr
    names = sorted(p.name for p in (tmp_path / "alle").iterdir())
    assert len(names) == 10 and "Stadtprofil_Marienmünster.pdf" in names and "Stadtprofil_Bad_Driburg.pdf" in names
    wrong = xregion(ten_town_env, "export", "--profile", "05762999", "--out", str(tmp_path / "falsch"))
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr
    assert "„05762999“ ist keine Stadt oder Gemeinde im Kreis Höxter" in wrong.stderr + wrong.stdout
    assert "05762020 (Höxter)" in wrong.stderr + wrong.stdout
    assert not (tmp_path / "falsch").exists() or not any((tmp_path / "falsch").iterdir())

