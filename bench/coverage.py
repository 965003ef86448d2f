"""Nahversorgung coverage: the build's nearest-point step (k-d tree, pipelines/nearest.py) against
the SQL bucket join the warehouse used before (1 km buckets, 2 then 10 km), in the same run, on
the real town polygons: the 396 NRW Gemeinden of ../shared/reference/geo (read in place), each
with its core and villages at places inside its polygon (one per 1 500 inhabitants), populated
100 m cells clustered around them (one per 7 inhabitants of the town's real population), full-range
shops in the cores and other shops in every settlement. Cases: Kreis Höxter (its ten towns) and
the whole Land. Every distance (any point and full range) is checked against a naive all-pairs
search (on a 1 % sample for NRW); for the Kreis the model (sql/marts/81_nahversorgung_cells.sql)
then assigns the cells to the real polygons. Targets: ≥ 5× the bucket join; Kreis under 1 s,
NRW under 2 s."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.harness import Result
from pipelines import PROJECT_ROOT
from pipelines.duck import load_spatial

GEMEINDEN = PROJECT_ROOT.parent / "shared" / "reference" / "geo" / "nrw_gemeinden.geojson"
KREIS = "05762"  # Kreis Höxter
PEOPLE_PER_CELL = 7  # Kreis Höxter: ~142 000 inhabitants on ~20 000 populated cells
PEOPLE_PER_SETTLEMENT = 1500
PEOPLE_PER_FULL_RANGE_SHOP = 4000
CELLS_PER_OTHER_SHOP = 120


class Unavailable(Exception):
    """The real town polygons are not there (../shared absent)."""


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


def _database(prefix: str, polygons: Path = GEMEINDEN) -> duckdb.DuckDBPyConnection:
    """Towns whose AGS starts with `prefix`, with their settlements, cells and shops (deterministic)."""
    if not polygons.exists():
        raise Unavailable(f"Gemeindegrenzen {polygons} fehlen (../shared/reference ist nur in der Projektumgebung vorhanden)")
    con = duckdb.connect()
    load_spatial(con)
    con.execute("SET threads = 2")
    con.execute("SET enable_progress_bar = false")
    for schema in ("raw", "staging", "marts", "meta"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute(f"CREATE MACRO meta.region_ags() AS '{KREIS}'")
    quoted = str(polygons).replace("'", "''")
    con.execute(f"CREATE TABLE towns AS SELECT ags, pop, geom::GEOMETRY AS geom FROM ST_Read('{quoted}') "
                "WHERE starts_with(ags, ?)", [prefix])  # fmt: skip
    con.execute("CREATE TABLE marts.regions AS SELECT ags, 'gemeinde' AS level, geom AS geometry FROM towns")
    # the core (k = 1, 30 % of the people) and villages at the first random places inside the polygon
    con.execute(f"""CREATE TABLE settlements AS
        WITH candidates AS (
            SELECT ags, pop, geom, i,
                ST_XMin(geom) + (hash(ags, i, 1) % 1000003) / 1000003.0 * (ST_XMax(geom) - ST_XMin(geom)) AS lon,
                ST_YMin(geom) + (hash(ags, i, 2) % 1000003) / 1000003.0 * (ST_YMax(geom) - ST_YMin(geom)) AS lat
            FROM towns, range(300) AS r(i)
        ), inside AS (
            SELECT ags, pop, lon, lat, row_number() OVER (PARTITION BY ags ORDER BY i) AS k
            FROM candidates WHERE ST_Contains(geom, ST_Point(lon, lat))
            QUALIFY k <= greatest(3, pop // {PEOPLE_PER_SETTLEMENT})
        ), placed AS (
            SELECT *, ST_Transform(ST_Point(lon, lat), 'EPSG:4326', 'EPSG:3035', always_xy := true) AS p,
                CASE WHEN k = 1 THEN 0.3 * pop ELSE 0.7 * pop / (count(*) OVER (PARTITION BY ags) - 1) END AS people
            FROM inside
        )
        SELECT ags, pop, k, ST_X(p) AS cx, ST_Y(p) AS cy,
            greatest(1, round(people / {PEOPLE_PER_CELL}))::BIGINT AS cells
        FROM placed""")  # fmt: skip

    def spread(seed: int, width: str) -> str:  # a bell-shaped offset (sum of three uniforms), metres
        terms = " + ".join(f"(hash(ags, k, i, {seed + n}) % 1000)::DOUBLE" for n in range(3))
        return f"({terms} - 1500) / 1000.0 * {width}"

    con.execute(f"""CREATE TABLE raw.zensus_cells AS
        SELECT DISTINCT ON (x, y) 'c' || ags || '-' || k || '-' || i AS cell_id,
            floor((cx + {spread(3, "90 * sqrt(cells)")}) / 100) * 100 + 50 AS x,
            floor((cy + {spread(6, "90 * sqrt(cells)")}) / 100) * 100 + 50 AS y,
            (1 + hash(ags, k, i) % 13)::INTEGER AS population
        FROM settlements, range(cells) AS r(i)""")  # fmt: skip
    con.execute(f"""CREATE TABLE marts.supply_points AS
        WITH shops AS (
            SELECT settlements.*, i, i < CASE WHEN k = 1 THEN greatest(1, pop // {PEOPLE_PER_FULL_RANGE_SHOP})
                ELSE (cells >= 300)::INTEGER END AS full_range
            FROM settlements, range(CASE WHEN k = 1 THEN 2 + pop // {PEOPLE_PER_FULL_RANGE_SHOP} ELSE 0 END
                + cells // {CELLS_PER_OTHER_SHOP}) AS r(i)
        )
        SELECT 'p' || ags || '-' || k || '-' || i AS point_id, full_range,
            cx + ((hash(ags, k, i, 9) % 1000)::DOUBLE - 500) / 1000.0 * 60 * sqrt(cells) AS x,
            cy + ((hash(ags, k, i, 10) % 1000)::DOUBLE - 500) / 1000.0 * 60 * sqrt(cells) AS y
        FROM shops""")  # fmt: skip
    # the model joins the distances on the path network (benchmarked in bench/network.py): none here
    con.execute("CREATE TABLE staging.network_reach (cell_id VARCHAR, category VARCHAR, network_m DOUBLE, walk_min DOUBLE)")
    con.execute("CREATE TABLE staging.network_cells (cell_id VARCHAR, access_m DOUBLE, network_connected BOOLEAN)")
    con.execute("CREATE TABLE staging.supply_days (cell_id VARCHAR, supplied_days BIGINT, supplied_weekdays VARCHAR)")
    return con


def _nearest_step(con) -> None:
    """The nearest-point step alone (what the bucket join computed); the model then only joins."""
    from pipelines.nearest import build_nearest_supply

    build_nearest_supply(con)


def _bucket_join(con) -> None:
    con.execute(f"CREATE OR REPLACE TABLE bucket_result AS {BUCKET_JOIN}")


def _check(con, label: str, sample: float) -> None:
    """Every distance of the step (any point, full range) against all pairs, up to 10 km."""
    con.execute(
        "CREATE OR REPLACE TABLE naive AS SELECT c.cell_id, min(sqrt((c.x - p.x) ^ 2 + (c.y - p.y) ^ 2)) AS d_any, "
        "min(sqrt((c.x - p.x) ^ 2 + (c.y - p.y) ^ 2)) FILTER (WHERE p.full_range) AS d_full "
        f"FROM (SELECT * FROM raw.zensus_cells USING SAMPLE {sample * 100}% (bernoulli, 7)) c, marts.supply_points p "
        "GROUP BY c.cell_id"
    )
    mismatch = con.execute(
        "SELECT count(*) FROM staging.nearest_supply r JOIN naive n USING (cell_id) "
        "WHERE coalesce(n.d_any <= 10000, false) <> (r.distance_any IS NOT NULL) OR abs(r.distance_any - n.d_any) > 0.01 "
        "OR coalesce(n.d_full <= 10000, false) <> (r.distance_full IS NOT NULL) OR abs(r.distance_full - n.d_full) > 0.01"
    ).fetchone()[0]
    if mismatch:
        raise AssertionError(f"{label}: {mismatch} Zellen mit abweichender Entfernung")


def _check_model(con, label: str) -> None:
    """The model reads the step and puts the cells into the real town polygons."""
    sql = MODEL.read_text(encoding="utf-8").strip().rstrip(";")
    cells, placed, distances = con.execute(
        f"SELECT count(*), count(ags), count(distance_any) FROM ({sql})"
    ).fetchone()
    expected = con.execute("SELECT count(distance_any) FROM staging.nearest_supply").fetchone()[0]
    if distances != expected or placed < 0.9 * cells:
        raise AssertionError(f"{label}: Modell mit {distances} von {expected} Entfernungen, {placed} von {cells} Zellen in Städten")


def run(nrw: bool = True, repeat: int = 5) -> list[Result]:
    """Median of `repeat` runs of each side after a warm-up run (for NRW the bucket join takes
    ~25 s a run)."""
    from bench.harness import runs

    cases = [("Kreis Höxter", KREIS, 1.0, 1.0)] + ([("NRW", "05", 2.0, 0.01)] if nrw else [])
    results = []
    for label, prefix, budget, sample in cases:
        con = _database(prefix)
        _nearest_step(con)
        _check(con, label, sample)
        if prefix == KREIS:
            _check_model(con, label)
        candidate, candidate_span = runs(lambda: _nearest_step(con), repeat)
        _bucket_join(con)  # warm-up
        baseline, baseline_span = runs(lambda: _bucket_join(con), repeat)
        towns, cells, points, full = con.execute(
            "SELECT (SELECT count(*) FROM towns), (SELECT count(*) FROM raw.zensus_cells), count(*), "
            "count(*) FILTER (WHERE full_range) FROM marts.supply_points"
        ).fetchone()
        con.close()
        results.append(Result(
            f"Nahversorgung {label} ({towns} echte Gemeindegrenzen, {cells:_} Zellen gehäuft, {points:_} Punkte, "
            f"davon {full:_} Vollsortiment), k-d-Baum gegen Eimer-Join, Median aus {repeat}".replace("_", "."),
            cells, candidate, baseline, 5.0, target_s=budget, candidate_range=candidate_span, baseline_range=baseline_span,
        ))  # fmt: skip
    return results
