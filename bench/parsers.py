"""Official-table parsers against a pandas parse of the same data, the way the reference client
(pystatis) reads GENESIS tables: `pd.read_csv(..., sep=";", decimal=",", na_values=[...])`,
followed by the pandas steps that give the same long format our parsers return (one row per
value with period as date, missing-value symbol kept, regions and classifications as text).

Data is generated here (fictional numbers, ≥ 1 million rows) in both layouts the pipeline reads.
Target (DESIGN.md): at least 10× faster than the pandas baseline.
"""

from __future__ import annotations

import io
import random

import pandas as pd

from bench.harness import Result, best_of
from pipelines.parsers.genesis_ffcsv import parse_genesis_ffcsv
from pipelines.parsers.itnrw_table_csv import parse_itnrw_table_csv

NA_VALUES = ["...", ".", "-", "/", "x"]  # the symbols pystatis passes to pandas
ROWS = 1_000_000


def _regions(n: int) -> list[tuple[str, str, int]]:
    return [(f"05{i:06d}", f"Gemeinde {i}, Stadt", 3) for i in range(n)]


def human_layout(rows: int = ROWS) -> tuple[bytes, int]:
    rng = random.Random(7)
    head = [
        "Tabelle: 99999-01i",
        "Benchmarktabelle - Stichtag - Gemeinden;;;;;",
        ";;;Statistik A;Statistik B;Statistik A",
        ";;;Bestand;Fläche;Dichte",
        ";;;Anzahl;qkm;EW pro qkm",
    ]
    regions = _regions(rows // 20)
    body = []
    for year in range(2005, 2025):
        for key, name, depth in regions:
            body.append(
                f"31.12.{year};{key};{'  ' * depth}{name};{rng.randint(100, 90000)};"
                f"{rng.randint(1, 400)},{rng.randint(0, 99):02d};{rng.choice(['12,5', '-', '1234,0', '.'])}"
            )
    foot = ["© Benchmark", "Stand: 01.01.2026 / 00:00:00"]
    return ("\n".join(head + body + foot) + "\n").encode("latin-1"), len(head)


def flat_layout(rows: int = ROWS) -> bytes:
    rng = random.Random(11)
    header = (
        "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
        "1_variable_attribute_code;1_variable_attribute_label;2_variable_code;2_variable_label;"
        "2_variable_attribute_code;2_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label"
    )
    lines = [header]
    regions = _regions(rows // 60)
    for year in range(2005, 2025):
        for key, name, _ in regions:
            for code, label in (("GESM", "männlich"), ("GESW", "weiblich"), ("", "Insgesamt")):
                value = rng.choice([str(rng.randint(0, 50000)), f"{rng.randint(0, 999)},{rng.randint(0, 9)}", "-", "."])
                lines.append(
                    f"12411;Bevölkerungsstand;STAG;Stichtag;{year}-12-31;GEMEIN;Gemeinden;{key};{name};"
                    f"GES;Geschlecht;{code};{label};{value};Anzahl;BEVSTD;Bevölkerungsstand"
                )
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def run(repeat: int = 3, rows: int = ROWS) -> list[Result]:
    results = []
    human, n_head = human_layout(rows)
    n_rows = human.count(b"\n") - n_head - 2

    def pandas_human() -> int:
        frame = pd.read_csv(
            io.StringIO(human.decode("latin-1")), sep=";", header=None, dtype=str, keep_default_na=False,
            skiprows=n_head, nrows=n_rows,
        )  # fmt: skip
        frame.columns = ["period_label", "ags", "region_name", "c3", "c4", "c5"]
        long = frame.melt(id_vars=["period_label", "ags", "region_name"], var_name="col", value_name="cell")
        long["period"] = pd.to_datetime(long["period_label"], format="%d.%m.%Y")
        long["region_depth"] = (long["region_name"].str.len() - long["region_name"].str.lstrip().str.len()) // 2
        long["region_name"] = long["region_name"].str.strip()
        long["symbol"] = long["cell"].where(long["cell"].isin(NA_VALUES))
        long["value"] = pd.to_numeric(long["cell"].str.replace(",", ".", regex=False), errors="coerce")
        return len(long)

    results.append(
        best_of(
            "Tabellen-CSV (IT.NRW-Layout) parsen",
            lambda: parse_itnrw_table_csv(human, "bench.csv").values.height,
            pandas_human,
            rows=n_rows,
            repeat=repeat,
            target=10.0,
        )
    )
    flat = flat_layout(rows)

    def pandas_flat() -> int:
        frame = pd.read_csv(io.StringIO(flat.decode("utf-8-sig")), sep=";", dtype=str, keep_default_na=False)
        frame["period"] = pd.to_datetime(frame["time"], format="%Y-%m-%d")
        frame["classification"] = frame["2_variable_label"] + ": " + frame["2_variable_attribute_label"]
        frame["symbol"] = frame["value"].where(frame["value"].isin(NA_VALUES))
        frame["value"] = pd.to_numeric(frame["value"].str.replace(",", ".", regex=False), errors="coerce")
        return len(frame)

    results.append(
        best_of(
            "ffcsv (GENESIS) parsen",
            lambda: parse_genesis_ffcsv(flat, "bench_flat.csv").values.height,
            pandas_flat,
            rows=flat.count(b"\n") - 1,
            repeat=repeat,
            target=10.0,
        )
    )
    return results
