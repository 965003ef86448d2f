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


PERIODS = ("31.12.2021", "31.12.2022", "31.12.2023", "31.12.2024")


def population_series_table() -> bytes:
    """12411-15i over several Stichtage, across the Zensus 2022 base change."""
    header, *_ = population_table().decode("latin-1").split("\n31.12.2024", 1)
    rows = []
    for year_index, stichtag in enumerate(PERIODS):
        for i, (ags, name, depth) in enumerate(REGIONS):
            population = 1000 + 37 * i + 10 * year_index
            area = 10.25 + i
            rows.append(
                f"{stichtag};{ags};{'  ' * depth}{name};{population};{_de(area, 2)};{_de(population / area, 1)}"
            )
    return _assemble(header.split("\n"), rows)


def _de(number: float, decimals: int) -> str:
    return f"{number:.{decimals}f}".replace(".", ",")


def _assemble(head: list[str], rows: list[str]) -> bytes:
    return ("\n".join(head + rows) + "\n" + FOOTER).encode("latin-1")


def age_by_year_table(open_end: int = 90) -> bytes:
    """Like 12411-09i: population by single year of age; age a has (10 + a % 7) people."""
    head = [
        "Tabelle: 12411-09i",
        "Bevölkerung nach Altersjahren - Stichtag - Gemeinden;;;;",
        ";;;;Fortschreibung des Bevölkerungsstandes",
        ";;;;Bevölkerungsstand",
        ";;;;Anzahl",
    ]
    labels = ["unter 1 Jahr", "1 Jahr"] + [f"{a} Jahre" for a in range(2, open_end)] + [f"{open_end} Jahre und mehr"]
    rows = []
    for stichtag in PERIODS[-2:]:
        for ags, name, depth in REGIONS:
            rows.append(f"{stichtag};{ags};{'  ' * depth}{name};Insgesamt;{sum(10 + a % 7 for a in range(len(labels)))}")
            for age, label in enumerate(labels):
                rows.append(f"{stichtag};{ags};{'  ' * depth}{name};{label};{10 + age % 7}")
    return _assemble(head, rows)


def one_value_table(code: str, title: str, statistic: str, variable: str, unit: str, base: int) -> bytes:
    """A Gemeinde table with one value column per year: region i has base + 10 i + year offset."""
    head = [f"Tabelle: {code}", f"{title};;;", f";;;{statistic}", f";;;{variable}", f";;;{unit}"]
    rows = [
        f"{stichtag};{ags};{'  ' * depth}{name};{base + 10 * i + year_index}"
        for year_index, stichtag in enumerate(PERIODS)
        for i, (ags, name, depth) in enumerate(REGIONS)
    ]
    return _assemble(head, rows)


def tourism_table() -> bytes:
    """Like 45412-04i: arrivals and overnight stays, years as rows, a year without data ('.')."""
    head = [
        "Tabelle: 45412-04i",
        "Gäste und Übernachtungen im Reiseverkehr - Jahr - Gemeinden;;;;",
        ";;;Monatserhebung im Tourismus;Monatserhebung im Tourismus",
        ";;;Gästeankünfte;Gästeübernachtungen",
        ";;;Anzahl;Anzahl",
    ]
    rows = []
    for year in ("2023", "2024"):
        for i, (ags, name, depth) in enumerate(REGIONS):
            arrivals = 1000 * (i + 1)
            nights = "." if (ags == "05762004" and year == "2023") else str(3 * arrivals)
            rows.append(f"{year};{ags};{'  ' * depth}{name};{arrivals};{nights}")
    return _assemble(head, rows)


def catalogue_tables() -> dict[str, bytes]:
    """Fixture versions of every table the indicator catalogue reads."""
    return {
        "12411-15i": population_series_table(),
        "12411-09i": age_by_year_table(),
        "22811-05i": one_value_table(
            "22811-05i", "Empfänger von Mindestsicherungsleistungen - Jahr - Gemeinden",
            "Statistik der Mindestsicherung", "Empfänger von Mindestsicherungsleistungen", "Anzahl", 50,
        ),
        "13211-05i": one_value_table(
            "13211-05i", "Arbeitslose - Jahr - Gemeinden", "Arbeitsmarktstatistik", "Arbeitslose", "Anzahl", 30,
        ),
        "45412-04i": tourism_table(),
        "45412-01i": one_value_table(
            "45412-01i", "Beherbergungsbetriebe - Jahr - Gemeinden", "Monatserhebung im Tourismus",
            "Angebotene Schlafgelegenheiten", "Anzahl", 200,
        ),
        "31231-01i": one_value_table(
            "31231-01i", "Wohngebäude- und Wohnungsbestand - Stichtag - Gemeinden", "Fortschreibung",
            "Wohnungen in Wohn- und Nichtwohngebäuden", "Anzahl", 500,
        ),
        "22541-01i": one_value_table(
            "22541-01i", "Kindertageseinrichtungen - Stichtag - Gemeinden", "Statistik der Kindertagesbetreuung",
            "Genehmigte Plätze", "Anzahl", 40,
        ),
    }


def serve_catalogue_tables(fake_server, tables: dict[str, bytes] | None = None) -> None:
    from tests.support.fake_server import Reply

    for code, body in (tables or catalogue_tables()).items():
        fake_server.route("GET", f"/downloader/00/tables/{code}_00.csv", Reply(200, body))


def write_catalogue_tables(directory) -> list:
    """The fixture tables as files in `directory`, ready for `import_files`."""
    paths = []
    for code, body in catalogue_tables().items():
        paths.append(directory / f"{code}.csv")
        paths[-1].write_bytes(body)
    return paths
