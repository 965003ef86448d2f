"""Nahversorgung coverage: the warehouse model (sql/marts/81_nahversorgung_cells.sql, 1 km buckets)
on a Kreis-sized grid (~20 000 populated cells, 300 points) and an NRW-sized one (~1,5 million
cells, 15 000 points), against a naive all-pairs nearest distance in the same run. The naive
baseline for NRW (22 billion pairs) is measured on a 1 % sample of cells and scaled up.
Targets (DESIGN.md): Kreis under 1 s, NRW under 15 s."""

from __future__ import annotations

import time

import duckdb

from bench.harness import Result
from pipelines import PROJECT_ROOT
from pipelines.duck import load_spatial

MODEL = PROJECT_ROOT / "sql" / "marts" / "81_nahversorgung_cells.sql"


def _database(cells: int, points: int, side_km: float) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_spatial(con)
    con.execute("SET threads = 2")
    con.execute("SET enable_progress_bar = false")
    for schema in ("raw", "marts", "meta"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE MACRO meta.region_ags() AS '05762'")
    con.execute("CREATE TABLE marts.regions (ags VARCHAR, level VARCHAR, geometry GEOMETRY)")
    side = side_km * 1000
    # populated cells on the 100 m raster of a square region, points scattered (deterministic)
    con.execute(
        f"CREATE TABLE raw.zensus_cells AS SELECT 'c' || i AS cell_id, "
        f"4000000 + floor(hash(i) % {int(side / 100)}) * 100 + 50 AS x, "
        f"3000000 + floor(hash(i * 7 + 1) % {int(side / 100)}) * 100 + 50 AS y, "
        f"(1 + hash(i) % 40)::INTEGER AS population FROM range({cells}) t(i)"
    )
    con.execute(
        f"CREATE TABLE marts.supply_points AS SELECT 'p' || i AS point_id, i % 5 = 0 AS full_range, "
        f"4000000 + (hash(i * 3 + 2) % {int(side)})::DOUBLE AS x, 3000000 + (hash(i * 5 + 3) % {int(side)})::DOUBLE AS y "
        f"FROM range({points}) t(i)"
    )
    return con


def _model(con) -> float:
    sql = MODEL.read_text(encoding="utf-8").strip().rstrip(";")
    started = time.perf_counter()
    con.execute(f"CREATE OR REPLACE TABLE cells_result AS {sql}")
    return time.perf_counter() - started


def _naive(con, sample: float) -> float:
    started = time.perf_counter()
    con.execute(
        "CREATE OR REPLACE TABLE naive AS SELECT c.cell_id, min(sqrt((c.x - p.x) ^ 2 + (c.y - p.y) ^ 2)) AS d "
        f"FROM (SELECT * FROM raw.zensus_cells USING SAMPLE {sample * 100}% (bernoulli, 7)) c, marts.supply_points p "
        "GROUP BY c.cell_id"
    )
    return (time.perf_counter() - started) / sample


def run(nrw: bool = True) -> list[Result]:
    cases = [("Kreis", 20_000, 300, 40, 1.0)] + ([("NRW", 1_500_000, 15_000, 260, 15.0)] if nrw else [])
    results = []
    for label, cells, points, side_km, budget in cases:
        con = _database(cells, points, side_km)
        candidate = _model(con)
        baseline = _naive(con, 1.0 if cells <= 50_000 else 0.01)
        # where a point lies within 10 km, both agree on the nearest distance
        mismatch = con.execute(
            "SELECT count(*) FROM cells_result r JOIN naive n USING (cell_id) "
            "WHERE r.distance_any IS NOT NULL AND abs(r.distance_any - n.d) > 0.01"
        ).fetchone()[0]
        if mismatch:
            raise AssertionError(f"{label}: {mismatch} Zellen mit abweichender Entfernung")
        con.close()
        results.append(Result(f"Nahversorgung {label} ({cells:_} Zellen, {points:_} Punkte)".replace("_", "."), cells,
                              candidate, baseline, 1.0, target_s=budget))  # fmt: skip
    return results
