"""A Kreis with all ten towns (fictional numbers, the real keys and names): a 12411-15i-like
table over two Stichtage in the downloader's layout (ISO-8859-1, names with ", Stadt", indented,
a footer), square boundaries on a 5 × 2 grid, and a register with a measure and funding for
Höxter. Höxter is the largest town: 28.279 → 28.166 people, −0,4 % zum Vorjahr, Rang 1 von 10."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.support import geo, itnrw_tables, register_fixtures

# (AGS, name, people on 31.12.2023, on 31.12.2024, area in km²)
TOWNS = [
    ("05762004", "Bad Driburg", 18_950, 19_021, 129.03),
    ("05762008", "Beverungen", 13_010, 12_940, 96.81),
    ("05762012", "Borgentreich", 8_590, 8_544, 138.92),
    ("05762016", "Brakel", 16_220, 16_301, 174.16),
    ("05762020", "Höxter", 28_279, 28_166, 158.47),
    ("05762024", "Marienmünster", 4_880, 4_851, 65.01),
    ("05762028", "Nieheim", 6_040, 6_012, 78.83),
    ("05762032", "Steinheim", 12_630, 12_702, 76.44),
    ("05762036", "Warburg", 23_090, 23_114, 168.85),
    ("05762040", "Willebadessen", 8_210, 8_188, 120.53),
]
STICHTAGE = ("31.12.2023", "31.12.2024")


def population_table() -> bytes:
    """Land, Regierungsbezirk, Kreis and its ten towns on two Stichtage."""
    head = itnrw_tables.population_table().decode("latin-1").split("\n31.12.2024", 1)[0].split("\n")
    rows = []
    for year, stichtag in enumerate(STICHTAGE):
        kreis = sum(t[2 + year] for t in TOWNS)
        area = sum(t[4] for t in TOWNS)
        upper = [("05", "Nordrhein-Westfalen", 0, 18_100_000 + 40_000 * year, 34_112.0),
                 ("057", "Detmold, Regierungsbezirk", 1, 2_060_000 + 1_000 * year, 6_525.0),
                 ("05762", "Höxter, Kreis", 2, kreis, area)]  # fmt: skip
        for ags, name, depth, people, km2 in upper:
            rows.append(f"{stichtag};{ags};{'  ' * depth}{name};{people};{_de(km2, 2)};{_de(people / km2, 1)}")
        for ags, name, *people, km2 in TOWNS:
            rows.append(f"{stichtag};{ags};      {name}, Stadt;{people[year]};{_de(km2, 2)};{_de(people[year] / km2, 1)}")
    return ("\n".join(head + rows) + "\n" + itnrw_tables.FOOTER).encode("latin-1")


def _de(number: float, decimals: int) -> str:
    return f"{number:.{decimals}f}".replace(".", ",")


def boundaries() -> bytes:
    """The ten towns as 10 km squares, five in a row, in the VG250 attribute scheme."""
    features = [
        {"type": "Feature",
         "properties": {"AGS": ags, "GEN": name, "BEZ": "Stadt", "EWZ": people, "KFL": km2, "GF": 4, "WSK": "2024-01-01"},
         "geometry": {"type": "Polygon", "coordinates": geo._square(i % 5, i // 5)}}
        for i, (ags, name, _, people, km2) in enumerate(TOWNS)
    ]  # fmt: skip
    return geo._collection(features)


def register() -> dict[str, list[dict]]:
    """The test register for the ten towns: a measure for Höxter, one for the whole Kreis, a
    programme with allocations to Höxter and Warburg and bookings of Höxter."""
    records = register_fixtures.records()
    records["towns"] = [{"ags": "05762", "name": "Kreis Höxter"}] + [{"ags": a, "name": n} for a, n, *_ in TOWNS]
    records["measures"] = [
        {"id": "M1", "title": "Dorfladen Ovenhausen", "field": "Wirtschaft", "towns": ["Höxter"], "status": "Umsetzung",
         "start": date(2025, 3, 1), "end": date(2027, 6, 30), "milestone": "Eröffnung", "milestone_due": date(2027, 3, 31)},
        {"id": "M2", "title": "E-Akte", "field": "Verwaltung", "towns": ["ganzer Kreis"], "status": "Planung"},
    ]  # fmt: skip
    records["allocations"] = [{"programme": "P1", "town": "Höxter", "amount": 60_000},
                              {"programme": "P1", "town": "Warburg", "amount": 40_000}]  # fmt: skip
    records["funding_records"] = [
        {"programme": "P1", "town": "Höxter", "date": date(2025, 4, 1), "kind": "bewilligt", "amount": 60_000},
        {"programme": "P1", "town": "Höxter", "date": date(2025, 9, 1), "kind": "abgerufen", "amount": 24_500},
        {"programme": "P1", "town": "Höxter", "date": date(2025, 11, 1), "kind": "ausgegeben", "amount": 18_250},
    ]  # fmt: skip
    return records


def write(directory: Path) -> list[Path]:
    """The three files, ready for `import_files`."""
    table, shapes = directory / "12411-15i.csv", directory / "gemeinden.geojson"
    table.write_bytes(population_table())
    shapes.write_bytes(boundaries())
    return [table, shapes, register_fixtures.workbook(directory / "register.xlsx", register())]
