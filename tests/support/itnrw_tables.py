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
        "22811-05i": benefits_table(),
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


# --- awkward shapes, as the real downloader delivers them ------------------------------------------

REGBEZ_FOOTNOTE = (
    '"Hinweis:\nBei den erfundenen Testwerten weicht die Summe der Kreise\nvom Regierungsbezirk ab.\n----\n \n'
    'Datenquellen:\nTestamt für erfundene Zahlen; Stand; März 2026\n----------"\n'
)


def benefits_table() -> bytes:
    """Like 22811-05i: four title lines (the last names the statistic), header rows variable /
    kind of benefit / a sub-split only over the three Grundsicherung columns / unit, a value column
    repeated with the same values, years as rows, a multi-line footnote with sources.
    Region i, year y: Insgesamt = 50 + 10 i + y; SGB II = 30 + i; HLU = 2; Grundsicherung 10 =
    6 im Alter + 4 bei Erwerbsminderung; AsylbLG = Insgesamt - SGB II - 12."""
    head = [
        "Tabelle: 22811-05i",
        "Sozialberichterstattung in der amtlichen Statistik:;;;;;;;;;;",
        "Empfänger von Mindestsicherungsleistungen (Testtabelle);;;;;;;;;;",
        "nach Art der Leistung - Gemeinden (Wohnortprinzip) - Jahr;;;;;;;;;;",
        "Sozialberichterstattung in der amtlichen Statistik;;;;;;;;;;",
        ";;" + ";Empfänger/innen von soz. Mindestsicherungsleistung" * 8,
        ";;;Gesamtregelleistung nach dem SGB II;Insgesamt;Gesamtregelleistung nach dem SGB II;"
        "Hilfe zum Lebensunterhalt nach dem SGB XII;Grundsicherung nach dem SGB XII;Grundsicherung nach dem SGB XII;"
        "Grundsicherung nach dem SGB XII;Regelleistungen nach dem Asylbewerberleistungsgesetz",
        ";;;;;;;Insgesamt;im Alter;bei Erwerbsminderung;",
        ";;" + ";Anzahl" * 8,
    ]
    rows = []
    for year_index, year in enumerate(("2021", "2022", "2023", "2024")):
        for i, (ags, name, depth) in enumerate(REGIONS):
            total = 50 + 10 * i + year_index
            sgb2 = 30 + i
            rows.append(f"{year};{ags};{'  ' * depth}{name};{sgb2};{total};{sgb2};2;10;6;4;{total - sgb2 - 12}")
    footer = REGBEZ_FOOTNOTE + FOOTER.split('"', 2)[2].lstrip("\n")
    return ("\n".join(head + rows) + "\n" + footer).encode("latin-1")


def age_columns_table() -> bytes:
    """Like the real 12411-09i: the statistic as a title line, then header rows variable /
    classification name / one column per age ("Insgesamt", "unter 1 Jahr", "1 bis unter 2 Jahre",
    …, "5 Jahre und mehr") / unit row. Age a has 10 + a people."""
    labels = ["Insgesamt", "unter 1 Jahr"] + [f"{a} bis unter {a + 1} Jahre" for a in range(1, 5)] + ["5 Jahre und mehr"]
    n = len(labels)
    head = [
        "Tabelle: 12411-09i",
        "Bevölkerungsstand nach Altersjahren (5)" + ";" * (n + 2),
        "- Gemeinden - Stichtag" + ";" * (n + 2),
        "Fortschreibung des Bevölkerungsstandes" + ";" * (n + 2),
        ";;" + ";Bevölkerungsstand (Basis Zensus 2022 und früher)" * n,
        ";;" + ";Altersjahre (unter 1 bis 5 Jahre und mehr)" * n,
        ";;;" + ";".join(labels),
        ";;" + ";Anzahl" * n,
    ]
    ages = [10 + a for a in range(6)]
    rows = [f"31.12.2024;{ags};{'  ' * depth}{name};{sum(ages)};" + ";".join(map(str, ages)) for ags, name, depth in REGIONS]
    return _assemble(head, rows)


def unit_in_title_table() -> bytes:
    """The unit only in the title line ("(Anzahl)"), the last header row holds the labels."""
    head = [
        "Tabelle: 13111-01i",
        "Sozialversicherungspfl. Beschäftigte (Arbeitsort) (Anzahl) - Gemeinden - Stichtag;;;;;",
        ";;;Insgesamt;männlich;weiblich",
    ]
    rows = [f"30.06.2024;{ags};{'  ' * depth}{name};{300 + i};{160 + i};{140}" for i, (ags, name, depth) in enumerate(REGIONS)]
    return _assemble(head, rows)


def names_only_table(extra_header_row: bool = False) -> bytes:
    """Regions only by name, indented, with the suffixes of the Landesdatenbank."""
    head = ["Tabelle: 31231-01i", "Wohnungsbestand - Stichtag - Gemeinden;;", ";;Fortschreibung des Wohnungsbestandes"]
    if extra_header_row:
        head.append(";;Wohnungen in Wohn- und Nichtwohngebäuden")
    head.append(";;Anzahl")
    rows = [f"31.12.2024;{'  ' * depth}{name};{700 + i}" for i, (_, name, depth) in enumerate(REGIONS)]
    return _assemble(head, rows)


def regionaldatenbank_table() -> bytes:
    """A table of the Regionaldatenbank Deutschland: same layout, other publisher in the footer."""
    text = one_value_table("12411-02-03-4", "Bevölkerung nach Geschlecht - Stichtag - Kreise", "Fortschreibung des "
                           "Bevölkerungsstandes", "Bevölkerungsstand", "Anzahl", 900).decode("latin-1")  # fmt: skip
    text = text.replace(
        "© IT.NRW, Düsseldorf, 2026. Dieses Werk ist lizenziert unter der Datenlizenz Deutschland - Namensnennung - Version 2.0.",
        "© Statistische Ämter des Bundes und der Länder, Deutschland, 2025. Dieses Werk ist lizenziert unter der "
        "Datenlizenz Deutschland - Namensnennung - Version 2.0.",
    )
    return text.encode("latin-1")
