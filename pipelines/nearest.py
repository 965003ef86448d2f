"""Straight-line distance from every populated grid cell to the nearest supply point, with a
k-d tree (scipy's cKDTree): O((cells + points) log points) instead of a join over buckets.

Run at build time before `sql/marts/81_nahversorgung_cells.sql`, which reads the result
(`staging.nearest_supply`): per cell the distance and the id of the nearest point of any
category and of a full-range shop (the BBSR measure). Beyond `LIMIT_M` there is no distance.
The same functions serve the page's scenarios (a point added or taken away) per request.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from pipelines.frames import execute_with

LIMIT_M = 10_000.0  # searched up to 10 km; further: no supply in reach at all


def nearest(
    cells_xy: np.ndarray, points_xy: np.ndarray, limit_m: float = LIMIT_M, workers: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """(distance, index of the nearest point) per cell; distance NaN and index -1 where no point
    lies within `limit_m`."""
    n = len(cells_xy)
    if not len(points_xy) or not n:
        return np.full(n, np.nan), np.full(n, -1, dtype=np.int64)
    distance, index = cKDTree(points_xy).query(cells_xy, k=1, distance_upper_bound=limit_m, workers=workers)
    missing = ~np.isfinite(distance)
    distance = distance.astype(np.float64)
    distance[missing] = np.nan
    index = index.astype(np.int64)
    index[missing] = -1
    return distance, index


def build_nearest_supply(con) -> None:
    """Create `staging.nearest_supply` from the raw grid and `marts.supply_points`.

    For a Kreis the searches take milliseconds, so the frames in and out are what costs: only
    the coordinates leave DuckDB (as numpy), the point ids go back taken by index from the
    points' ids (Arrow, no Python loop), the cell ids never leave (the result is joined to the
    grid by position). The two searches (any point, full range) run at the same time, one per
    core: the query releases the GIL, and two single-threaded queries side by side cost less
    than two parallel ones in turn."""
    import pyarrow as pa

    cells = con.execute("SELECT x, y FROM raw.zensus_cells").fetchnumpy()
    points = con.execute("SELECT point_id, x, y, coalesce(full_range, false) AS full_range FROM marts.supply_points").fetchnumpy()
    cells_xy = np.column_stack([_floats(cells["x"]), _floats(cells["y"])])
    xy = np.column_stack([_floats(points["x"]), _floats(points["y"])])
    full_points = np.flatnonzero(np.asarray(points["full_range"], dtype=bool))
    with ThreadPoolExecutor(2) as pool:
        searches = [pool.submit(nearest, cells_xy, candidates, workers=1) for candidates in (xy, xy[full_points])]
        (any_d, any_i), (full_d, found_i) = (search.result() for search in searches)
    full_i = np.where(found_i >= 0, full_points[np.maximum(found_i, 0)], -1) if len(full_points) else found_i
    ids = pa.array(np.asarray(points["point_id"], dtype=object), pa.string())

    def point_ids(index: np.ndarray) -> pa.Array:
        # the nearest point's id without a Python loop over cells; null where none is in reach
        return ids.take(pa.array(index.astype(np.int32), mask=index < 0))

    # DuckDB reads this frame by its variable name (a replacement scan): registering it as a view
    # and dropping that again are two more statements, ~1 ms of a ~15 ms step for a Kreis
    nearest_supply_frame = pa.table({  # noqa: F841
        "distance_any": pa.array(any_d, mask=np.isnan(any_d)),
        "nearest_any": point_ids(any_i),
        "distance_full": pa.array(full_d, mask=np.isnan(full_d)),
        "nearest_full": point_ids(full_i),
    })  # fmt: skip
    # row i of the result belongs to row i of the grid: both scans keep the table's order
    # (DuckDB's preserve_insertion_order, on by default), and nothing writes in between
    con.execute("CREATE OR REPLACE TABLE staging.nearest_supply AS SELECT cells.cell_id::VARCHAR AS cell_id, distance_any, "
                "nearest_any, distance_full, nearest_full "
                "FROM raw.zensus_cells AS cells POSITIONAL JOIN nearest_supply_frame")  # fmt: skip


def _floats(column) -> np.ndarray:
    return np.asarray(column).astype(np.float64, copy=False)


SUPPLY_DAYS_RADIUS_M = 1000.0  # the BBSR's distance: the points a cell counts as "in reach"


def point_days(category: str | None, weekdays: str | None, opening_hours: str | None) -> int:
    """The days a point serves (7-bit mask): the register's Wochentage, else the days of OSM's
    opening_hours, else Monday to Saturday (a shop without stated hours)."""
    from pipelines.weekdays import MONDAY_TO_SATURDAY, opening_days, parse_weekdays

    if weekdays:
        return parse_weekdays(weekdays)
    return opening_days(opening_hours) or MONDAY_TO_SATURDAY


def build_supply_days(con) -> None:
    """`staging.supply_days` (per cell) and `staging.place_days` (per village): on how many days
    of the week some grocery point within 1 000 m serves — a village shop open Monday to Friday
    and the mobile shop on Saturday make six. Straight line, like the BBSR indicator."""
    from pipelines.weekdays import fmt_weekdays

    points = con.execute("SELECT category, x, y, weekdays, opening_hours FROM marts.supply_points").pl()
    masks = np.array([point_days(c, w, o) for c, w, o in points.select("category", "weekdays", "opening_hours").iter_rows()],
                     dtype=np.int64)  # fmt: skip
    places = con.execute(
        "SELECT point_id AS place_id, ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT point_id, "
        "ST_Transform(ST_Point(lon, lat), 'EPSG:4326', 'EPSG:3035', always_xy := true) AS p "
        "FROM staging.stg_osm__supply_points WHERE place IS NOT NULL AND name IS NOT NULL)"
    ).pl()
    cells = con.execute("SELECT cell_id, x, y FROM raw.zensus_cells").pl()
    for table, frame, key in (("supply_days", cells, "cell_id"), ("place_days", places, "place_id")):
        combined = np.zeros(frame.height, dtype=np.int64)
        if frame.height and points.height:
            pairs = cKDTree(frame.select("x", "y").to_numpy()).sparse_distance_matrix(
                cKDTree(points.select("x", "y").to_numpy()), SUPPLY_DAYS_RADIUS_M, output_type="ndarray")
            np.bitwise_or.at(combined, pairs["i"], masks[pairs["j"]])
        texts = {int(m): fmt_weekdays(int(m)) if m else None for m in np.unique(combined)}
        # no polars callbacks (a save in Verwaltung builds inside the app's server): numpy counts the bits
        days = np.unpackbits(combined.astype(np.uint8)[:, None], axis=1).sum(axis=1)
        result = pl.DataFrame({key: frame[key], "days_mask": combined, "supplied_days": days.astype(np.int64)}).with_columns(
            pl.col("days_mask").replace_strict(texts, return_dtype=pl.String).alias("supplied_weekdays"),
        )
        execute_with(con, f"{table}_frame", result, f"CREATE OR REPLACE TABLE staging.{table} AS SELECT * FROM {table}_frame")
