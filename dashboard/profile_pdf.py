"""The Stadtprofil as an A4 PDF (landscape, every page the same size, like the report handout):
the headline and the town on the map; the official figures by Handlungsfeld; the strategy's
measures and funding for the town; its Nahversorgung. Every page names its source and Stand."""

from __future__ import annotations

import functools
import io
from datetime import date

import polars as pl
from pypdf import PdfWriter

from dashboard import data, export, reports, views
from dashboard.profile import Profile
from pipelines.german import fmt_date, fmt_euro, fmt_number

LINES_PER_PAGE = 26  # at 12 pt the page stays readable; longer sections go on to a next page
NAHVERSORGUNG_SOURCE = "OpenStreetMap-Mitwirkende (ODbL), Register des Kreises; Zensus 2022 (Luftlinie, 100-m-Raster)"


def file_name(profile: Profile) -> str:
    """ "Stadtprofil_Höxter.pdf": umlauts kept, anything a file system might refuse replaced."""
    safe = "".join(ch if ch.isalnum() or ch in "-" else "_" for ch in profile.name).strip("_")
    return f"Stadtprofil_{safe or profile.ags}.pdf"


def profile_pdf(profile: Profile) -> bytes:
    """Rendered once per town and warehouse build (the map takes about half a second)."""
    return _rendered(data.build_signature(), profile.ags, date.today())


@functools.lru_cache(maxsize=16)
def _rendered(signature: tuple | None, ags: str, today: date) -> bytes:
    from dashboard import profile as profiles

    return _document(profiles.build(ags), today)


def _document(p: Profile, today: date) -> bytes:
    marker = " · BEISPIELDATEN" if p.demo else ""
    footer = f"Stadtprofil {p.name} · {p.region} · erstellt am {fmt_date(today)}{marker}"
    writer = PdfWriter()
    cover = [(f"Stadtprofil {p.name}", 30, True),
             (f"{p.region} · Stand der Daten {fmt_date(p.data_stand, missing='unbekannt')} · erstellt am {fmt_date(today)}"
              + marker, 14, False),
             ("", 8, False), (p.headline, 20, True)]  # fmt: skip
    parts = [reports.text_block(cover)]
    if p.location is not None:
        parts.append(export.rendered(p.location, "pdf", p.demo))
    writer.add_page(reports.a4_page(parts))
    for title, lines, source in _sections(p):
        for n, chunk in enumerate(_chunks(lines)):
            heading = title if n == 0 else f"{title} (Fortsetzung)"
            block = [(heading, 20, True), ("", 6, False), *chunk, ("", 6, False), (source, 10, False), (footer, 10, False)]
            writer.add_page(reports.a4_page([reports.text_block(block)]))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _chunks(lines: list[tuple[str, int, bool]]) -> list[list[tuple[str, int, bool]]]:
    return [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[("–", 12, False)]]


def _sections(p: Profile) -> list[tuple[str, list[tuple[str, int, bool]], str]]:
    """(title, lines, source line) of each page after the first."""
    figures: list[tuple[str, int, bool]] = []
    field = None
    for figure in p.figures:
        if figure.handlungsfeld != field:
            if field is not None:
                figures.append(("", 6, False))
            field = figure.handlungsfeld
            figures.append((field, 14, True))
        figures.append((f"{p.sentence(figure)}", 12, False))
    tables = sorted({f.source.split("Tabelle ", 1)[-1] for f in p.figures})
    stands = sorted({f.stand_text for f in p.figures})
    official = (f"Quelle: IT.NRW, Landesdatenbank NRW, Tabellen {', '.join(tables)} · Lizenz: dl-de/by-2-0 · {', '.join(stands)}"
                if p.figures else "Quelle: IT.NRW, Landesdatenbank NRW")  # fmt: skip
    rank_note = ("Rang 1 = bester Wert unter den Städten und Gemeinden des Kreises (bei Kennzahlen ohne Wertung: "
                 "höchster Wert); Veränderung zum vorigen Stichtag, nie über den Reihenbruch Zensus 2022 hinweg.")  # fmt: skip
    gap = ("", 6, False)
    strategy = [(f"Maßnahmen für {p.name}", 14, True), *_measure_lines(p.own_measures),
                gap, ("Maßnahmen für den ganzen Kreis (alle Städte und Gemeinden)", 14, True), *_measure_lines(p.kreis_measures),
                gap, (f"Fördermittel für {p.name}", 14, True), *_funding_lines(p.funding)]  # fmt: skip
    register = f"Quelle: {views.REGISTER_SOURCE} · Stand {fmt_date(p.register_stand, missing='unbekannt')}"
    supply = [(p.coverage_sentence, 12, False)]
    supply_source = f"Quelle: {NAHVERSORGUNG_SOURCE} · Stand {fmt_date(p.supply_stand, missing='unbekannt')}"
    return [("Amtliche Statistik", figures + [("", 6, False), (rank_note, 10, False)], official),
            ("Strategie: Maßnahmen und Fördermittel", strategy, register),
            ("Nahversorgung", supply, supply_source)]  # fmt: skip


def measure_line(row: dict) -> str:
    """ "Dorfladen Ovenhausen – Umsetzung – 01.03.2025 bis 30.06.2027 – nächster Meilenstein: Eröffnung am 31.03.2027" """
    text = f"{row['title']} – {row['status']}"
    if row["start_date"] or row["end_date"]:
        text += f" – {fmt_date(row['start_date'])} bis {fmt_date(row['end_date'])}"
    if row["milestone"]:
        text += f" – nächster Meilenstein: {row['milestone']} am {fmt_date(row['milestone_due'])}"
        if row["milestone_overdue"]:
            text += " (überfällig)"
    return text


def _measure_lines(measures: pl.DataFrame) -> list[tuple[str, int, bool]]:
    if not measures.height:
        return [("keine", 12, False)]
    return [(f"• {measure_line(row)}", 12, False) for row in measures.iter_rows(named=True)]


def funding_line(row: dict) -> str:
    """ "Förderprogramm Test (Land NRW): zugewiesen 60.000 €, bewilligt 60.000 €, abgerufen 24.500 €, ausgegeben 18.250 € (30 % der Bewilligung)" """
    parts = [f"zugewiesen {fmt_euro(row['allocation'])}" if row["allocation"] is not None else "ohne Zuweisung",
             f"bewilligt {fmt_euro(row['committed'])}", f"abgerufen {fmt_euro(row['called'])}",
             f"ausgegeben {fmt_euro(row['spent'])}"]  # fmt: skip
    text = f"{row['programme']} ({row['funder']}): " + ", ".join(parts)
    if row["share_spent"] is not None:
        text += f" ({fmt_number(row['share_spent'] * 100, 0)} % der Bewilligung)"
    return text


def _funding_lines(funding: pl.DataFrame) -> list[tuple[str, int, bool]]:
    if not funding.height:
        return [("keine Zuweisungen oder Buchungen", 12, False)]
    return [(f"• {funding_line(row)}", 12, False) for row in funding.iter_rows(named=True)]
