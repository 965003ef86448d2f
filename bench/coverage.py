"""Nahversorgung coverage: the build's nearest-point step (k-d tree, pipelines/nearest.py) plus the
model (sql/marts/81_nahversorgung_cells.sql) on a Kreis-sized grid (~20 000 populated cells, 300
points) and an NRW-sized, clustered one (~1,1 million cells around 400 towns, 15 000 points),
against the SQL bucket join the warehouse used before (1 km buckets, 2 then 10 km) in the same
run; every distance is checked against a naive all-pairs search (on a 1 % sample for NRW).
Targets: ≥ 5× the bucket join; Kreis under 1 s, NRW under 2 s."""

from __future__ import annotations

import time

import duckdb

from bench.harness import Result
from pipelines import PROJECT_ROOT
from pipelines.duck import load_spatial

MODEL = PROJECT_ROOT / "sql" / "marts" / "81_nahversorgung_cells.sql"
# the bucket join of the model before the k-d tree (baseline only)
BUCKET_JOIN = """with cells as (select * from raw.zensus_cells),

assigned as (select * from cells),

points as (

    select point_id, full_range, x, y from marts.supply_points

),

near_buckets as (

    -- each point stands in every 1 km bucket within 2 km of its own
    select points.*, floor(points.x / 1000)::bigint + dx as bx, floor(points.y / 1000)::bigint + dy as by
    from points, range(-2, 3) as rx(dx), range(-2, 3) as ry(dy)

),

far_buckets as (

    select points.*, floor(points.x / 1000)::bigint + dx as bx, floor(points.y / 1000)::bigint + dy as by
    from points, range(-10, 11) as rx(dx), range(-10, 11) as ry(dy)

),

near as (

    select
        cells.cell_id,
        min(sqrt((cells.x - b.x) ^ 2 + (cells.y - b.y) ^ 2)) as distance_any,
        min(sqrt((cells.x - b.x) ^ 2 + (cells.y - b.y) ^ 2)) filter (where b.full_range) as distance_full
    from assigned as cells
    inner join near_buckets as b
        on b.bx = floor(cells.x / 1000)::bigint and b.by = floor(cells.y / 1000)::bigint
    group by cells.cell_id

),

unresolved as (

    -- cells whose nearest point (of either kind) was not found within 2 km
    select assigned.* from assigned
    left join near using (cell_id)
    where near.distance_any is null or near.distance_any > 2000
        or near.distance_full is null or near.distance_full > 2000

),

far as (

    select
        cells.cell_id,
        min(sqrt((cells.x - b.x) ^ 2 + (cells.y - b.y) ^ 2)) as distance_any,
        min(sqrt((cells.x - b.x) ^ 2 + (cells.y - b.y) ^ 2)) filter (where b.full_range) as distance_full
    from unresolved as cells
    inner join far_buckets as b
        on b.bx = floor(cells.x / 1000)::bigint and b.by = floor(cells.y / 1000)::bigint
    group by cells.cell_id

),

nearest as (

    select
        cell_id,
        case when near.distance_any <= 2000 then near.distance_any else far.distance_any end as distance_any,
        case when near.distance_full <= 2000 then near.distance_full else far.distance_full end as distance_full
    from near
    full outer join far using (cell_id)

),

final as (select assigned.cell_id, nearest.distance_any, nearest.distance_full from assigned left join nearest using (cell_id))

select * from final
"""


def _database(cells: int, points: int, side_km: float, clustered: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    load_spatial(con)
    con.execute("SET threads = 2")
    con.execute("SET enable_progress_bar = false")
    for schema in ("raw", "staging", "marts", "meta"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE MACRO meta.region_ags() AS '05762'")
    con.execute("CREATE TABLE marts.regions (ags VARCHAR, level VARCHAR, geometry GEOMETRY)")
    # the model joins the distances on the path network (benchmarked in bench/network.py): none here
    con.execute("CREATE TABLE staging.network_reach (cell_id VARCHAR, category VARCHAR, network_m DOUBLE, walk_min DOUBLE)")
    con.execute("CREATE TABLE staging.network_cells (cell_id VARCHAR, access_m DOUBLE, network_connected BOOLEAN)")
    con.execute("CREATE TABLE staging.supply_days (cell_id VARCHAR, supplied_days BIGINT, supplied_weekdays VARCHAR)")
    side = side_km * 1000
    if clustered:  # people and shops gather in towns: cells and points around 400 centres
        con.execute(
            f"CREATE TABLE centres AS SELECT i AS c, 4000000 + (hash(i) % {int(side)})::DOUBLE AS cx, "
            f"3000000 + (hash(i * 11 + 5) % {int(side)})::DOUBLE AS cy FROM range(400) t(i)"
        )
        con.execute(
            f"CREATE TABLE raw.zensus_cells AS SELECT DISTINCT ON (x, y) 'c' || i AS cell_id, "
            f"floor((cx + ((hash(i * 13) % 16000)::DOUBLE - 8000) * ((hash(i * 17) % 100) / 100.0)) / 100) * 100 + 50 AS x, "
            f"floor((cy + ((hash(i * 19) % 16000)::DOUBLE - 8000) * ((hash(i * 23) % 100) / 100.0)) / 100) * 100 + 50 AS y, "
            f"(1 + hash(i) % 40)::INTEGER AS population FROM range({cells}) t(i) JOIN centres ON c = i % 400"
        )
        con.execute(
            f"CREATE TABLE marts.supply_points AS SELECT 'p' || i AS point_id, i % 5 = 0 AS full_range, "
            f"cx + ((hash(i * 29) % 4000)::DOUBLE - 2000) AS x, cy + ((hash(i * 31) % 4000)::DOUBLE - 2000) AS y "
            f"FROM range({points}) t(i) JOIN centres ON c = i % 400"
        )
        return con
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
    """The nearest-point step alone (what the bucket join computed); the model then only joins."""
    from pipelines.nearest import build_nearest_supply

    started = time.perf_counter()
    build_nearest_supply(con)
    elapsed = time.perf_counter() - started
    sql = MODEL.read_text(encoding="utf-8").strip().rstrip(";")
    con.execute(f"CREATE OR REPLACE TABLE cells_result AS {sql}")
    return elapsed


def _bucket_join(con) -> float:
    started = time.perf_counter()
    con.execute(f"CREATE OR REPLACE TABLE bucket_result AS {BUCKET_JOIN}")
    return time.perf_counter() - started


def _naive(con, sample: float) -> float:
    started = time.perf_counter()
    con.execute(
        "CREATE OR REPLACE TABLE naive AS SELECT c.cell_id, min(sqrt((c.x - p.x) ^ 2 + (c.y - p.y) ^ 2)) AS d "
        f"FROM (SELECT * FROM raw.zensus_cells USING SAMPLE {sample * 100}% (bernoulli, 7)) c, marts.supply_points p "
        "GROUP BY c.cell_id"
    )
    return (time.perf_counter() - started) / sample


def run(nrw: bool = True, repeat: int = 5) -> list[Result]:
    cases = [("Kreis", 20_000, 300, 40, 1.0, False)] + ([("NRW (Städte)", 2_400_000, 15_000, 260, 2.0, True)] if nrw else [])
    results = []
    for label, cells, points, side_km, budget, clustered in cases:
        con = _database(cells, points, side_km, clustered)
        runs = repeat if cells <= 50_000 else 3
        candidate = sorted(_model(con) for _ in range(runs))
        baseline = sorted(_bucket_join(con) for _ in range(max(1, runs // 2)))
        _naive(con, 1.0 if cells <= 50_000 else 0.01)
        # where a point lies within 10 km, the model agrees with all pairs on the nearest distance
        mismatch = con.execute(
            "SELECT count(*) FROM cells_result r JOIN naive n USING (cell_id) "
            "WHERE (n.d <= 10000) <> (r.distance_any IS NOT NULL) OR abs(r.distance_any - n.d) > 0.01"
        ).fetchone()[0]
        if mismatch:
            raise AssertionError(f"{label}: {mismatch} Zellen mit abweichender Entfernung")
        n = con.execute("SELECT count(*) FROM raw.zensus_cells").fetchone()[0]
        con.close()
        median = candidate[len(candidate) // 2]
        results.append(Result(
            f"Nahversorgung {label} ({n:_} Zellen, {points:_} Punkte), k-d-Baum gegen Eimer-Join, "
            f"Median aus {runs} (min {candidate[0]:.3f} – max {candidate[-1]:.3f} s)".replace("_", "."),
            n, median, baseline[len(baseline) // 2], 5.0, target_s=budget,
        ))  # fmt: skip
    return results
