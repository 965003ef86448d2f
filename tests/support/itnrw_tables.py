"""Small IT.NRW human-layout tables written for the tests (fictional numbers), in the layout the
downloader delivers: ISO-8859-1, `;`, title lines, header rows, indented names, footer."""

from __future__ import annotations

FOOTER = (
    '"Hinweis:\nDie Werte dieser Testtabelle sind erfunden;\nsie dienen nur den Tests."\n'
    "© IT.NRW, Düsseldorf, 2026. Dieses Werk ist lizenziert unter der Datenlizenz Deutschland - "
    "Namensnennung - Version 2.0.\n"
    "Stand: 02.03.2026 / 10:11:12\n"
)

# Land, Regierungsbezirk, Kreis and two of its towns; a second Kreis for contrast
REGIONS = [
    ("05", "Nordrhein-Westfalen", 0),
    ("057", "Detmold, Regierungsbezirk", 1),
    ("05762", "Höxter, Kreis", 2),
    ("05762004", "Bad Driburg, Stadt", 3),
    ("05762020", "Höxter, Stadt", 3),
    ("05774", "Paderborn, Kreis", 2),
    ("05774032", "Paderborn, Stadt", 3),
]


def population_table(stichtag: str = "31.12.2024", scale: float = 1.0, footer: str = FOOTER) -> bytes:
    """Like 12411-15i: population, area, density per region on one Stichtag."""
    lines = [
        "Tabelle: 12411-15i",
        "Katasterfläche (qkm), Bevölkerung und Bevölkerungsdichte - Stichtag - Gemeinden;;;;;",
        ";;;Fortschreibung des Bevölkerungsstandes;Flächenerhebung nach Art der tatsächlichen Nutzung;"
        "Fortschreibung des Bevölkerungsstandes",
        ";;;Bevölkerungsstand (Basis Zensus 2022 und früher);Bodenfläche (Katasterfläche) in qkm;Bevölkerungsdichte",
        ";;;Anzahl;qkm;EW pro qkm",
    ]
    for i, (ags, name, depth) in enumerate(REGIONS):
        population = round((1000 + 37 * i) * scale)
        area = 10.25 + i
        area_text = f"{area:.2f}".replace(".", ",")
        density_text = f"{population / area:.1f}".replace(".", ",")
        lines.append(f"{stichtag};{ags};{'  ' * depth}{name};{population};{area_text};{density_text}")
    return ("\n".join(lines) + "\n" + footer).encode("latin-1")


def age_table() -> bytes:
    """Like 12411-09i: a classification column (age group) before the value, years as rows,
    missing-value symbols."""
    lines = [
        "Tabelle: 12411-09i",
        "Bevölkerung nach Altersgruppen - Stichtag - Gemeinden;;;;",
        ";;;;Fortschreibung des Bevölkerungsstandes",
        ";;;;Bevölkerungsstand",
        ";;;;Anzahl",
    ]
    for year in ("31.12.2023", "31.12.2024"):
        for ags, name, depth in REGIONS[2:5]:
            for group, value in (("unter 18 Jahre", "120"), ("18 bis unter 65 Jahre", "600"), ("65 Jahre und mehr", ".")):
                lines.append(f"{year};{ags};{'  ' * depth}{name};{group};{value}")
    return ("\n".join(lines) + "\n" + FOOTER).encode("latin-1")


def years_in_header_table() -> bytes:
    """Region only by name, periods as a header row, two classification header rows."""
    lines = [
        "Tabelle: 45412-01i",
        "Beherbergung - Jahr - Gemeinden;;;",
        ";Beherbergungsstatistik;Beherbergungsstatistik;Beherbergungsstatistik",
        ";2022;2023;2024",
        ";Angebotene Betten;Angebotene Betten;Angebotene Betten",
        ";Anzahl;Anzahl;Anzahl",
        "Höxter, Kreis;5000;5100;-",
        "  Bad Driburg, Stadt;2000;2050;x",
    ]
    return ("\n".join(lines) + "\n" + FOOTER).encode("latin-1")
