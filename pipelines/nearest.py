"""Straight-line distance from every populated grid cell to the nearest supply point, with a
k-d tree (scipy's cKDTree): O((cells + points) log points) instead of a join over buckets.

Run at build time before `sql/marts/81_nahversorgung_cells.sql`, which reads the result
(`staging.nearest_supply`): per cell the distance and the id of the nearest point of any
category and of a full-range shop (the BBSR measure). Beyond `LIMIT_M` there is no distance.
The same functions serve the page's scenarios (a point added or taken away) per request.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from pipelines.frames import execute_with

LIMIT_M = 10_000.0  # searched up to 10 km; further: no supply in reach at all


def nearest(cells_xy: np.ndarray, points_xy: np.ndarray, limit_m: float = LIMIT_M) -> tuple[np.ndarray, np.ndarray]:
    """(distance, index of the nearest point) per cell; distance NaN and index -1 where no point
    lies within `limit_m`."""
    n = len(cells_xy)
    if not len(points_xy) or not n:
        return np.full(n, np.nan), np.full(n, -1, dtype=np.int64)
    distance, index = cKDTree(points_xy).query(cells_xy, k=1, distance_upper_bound=limit_m, workers=-1)
    missing = ~np.isfinite(distance)
    distance = distance.astype(np.float64)
    distance[missing] = np.nan
    index = index.astype(np.int64)
    index[missing] = -1
    return distance, index


def build_nearest_supply(con) -> None:
    """Create `staging.nearest_supply` from the raw grid and `marts.supply_points`."""
    cells = con.execute("SELECT cell_id, x, y FROM raw.zensus_cells").pl()
    points = con.execute("SELECT point_id, x, y, full_range FROM marts.supply_points ORDER BY point_id").pl()
    cells_xy = cells.select("x", "y").to_numpy()
    xy = points.select("x", "y").to_numpy()
    full = points["full_range"].fill_null(False)
    ids, full_ids = points["point_id"], points["point_id"].filter(full)
    any_d, any_i = nearest(cells_xy, xy)
    full_d, full_i = nearest(cells_xy, xy[full.to_numpy()])

    def point_ids(names: pl.Series, index: np.ndarray) -> pl.Series:
        # gather with null where no point is in reach (index -1): no Python loop over cells
        return names.gather(pl.Series(index).replace(-1, None)) if names.len() else pl.Series([None] * len(index), dtype=pl.String)

    result = pl.DataFrame(
        {
            "cell_id": cells["cell_id"],
            "distance_any": any_d,
            "nearest_any": point_ids(ids, any_i),
            "distance_full": full_d,
            "nearest_full": point_ids(full_ids, full_i),
        },
        schema={"cell_id": pl.String, "distance_any": pl.Float64, "nearest_any": pl.String,
                "distance_full": pl.Float64, "nearest_full": pl.String},
    ).with_columns(pl.col("distance_any", "distance_full").fill_nan(None))  # fmt: skip
    execute_with(con, "nearest_supply_frame", result,
                 "CREATE OR REPLACE TABLE staging.nearest_supply AS SELECT * FROM nearest_supply_frame")  # fmt: skip
