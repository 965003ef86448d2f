"""A planner's straight-line scenario on the Nahversorgung page, Kreis-sized (the load test's
installation: ten towns, 16.000 inhabited cells): a new village shop and the closure of a
supermarket, answered incrementally (min of old and new distance; only the cells whose nearest
point closed are searched again) against recomputing every cell against all points. Both must
give the same people per town; budget ≤ 0,2 s for the Kreis (issue 14)."""

from __future__ import annotations

import numpy as np

from bench.harness import Result, runs

BUDGET_S = 0.2


def _full_recompute(build, added: tuple, removed: tuple, distance_m: float) -> dict[str, int]:
    """The old way: every cell against every point left and added (one k-d tree over all)."""
    import polars as pl

    from dashboard import data
    from pipelines.nearest import nearest

    base = data._scenario_base(build)
    cells, points = base["cells"], base["points"]
    left = points.filter(~pl.col("point_id").is_in(list(removed))).select("x", "y").to_numpy()
    new = np.array(data._to_3035([(lon, lat) for lon, lat, _ in added]), dtype=float).reshape(-1, 2)
    distance, _ = nearest(cells.select("x", "y").to_numpy(), np.vstack([left, new]))
    people = cells["population"].to_numpy()
    reached = pl.DataFrame({"ags": cells["ags"], "after": np.where(np.nan_to_num(distance, nan=1e12) <= distance_m, people, 0)})
    return dict(reached.group_by("ags").agg(pl.col("after").sum()).iter_rows())


def run(repeat: int = 5) -> list[Result]:
    from bench import load
    from dashboard import data

    with load.installed():  # dashboard.data reads the installation from the environment
        build = data.build_signature()
        cells = data._scenario_base(build)["cells"]
        first = cells.row(0, named=True)
        lon, lat = _lonlat(first["x"] + 1500, first["y"])
        added, removed = ((lon, lat, "Dorfladen"),), ("node/0",)
        incremental = data._scenario.__wrapped__  # the page keeps answers per build; time the work itself
        towns, _ = incremental(added, removed, 1000.0, False)
        expected = _full_recompute(build, added, removed, 1000.0)
        got = dict(towns.select("ags", "after").iter_rows())
        if got != expected:
            raise AssertionError(f"Szenario: inkrementell {got} gegen neu berechnet {expected}")
        if got == dict(towns.select("ags", "before").iter_rows()):
            raise AssertionError("Szenario: die Änderung ändert nichts – die Messung prüfte nichts")
        candidate, span = runs(lambda: incremental(added, removed, 1000.0, False), repeat)
        baseline, base_span = runs(lambda: _full_recompute(build, added, removed, 1000.0), repeat)
    return [Result("Szenario Nahversorgung Kreis (neuer Dorfladen und eine Schließung), inkrementell gegen alle Zellen "
                   "neu gegen alle Punkte (k-d-Baum)", cells.height, candidate, baseline, 0.0, target_s=BUDGET_S, candidate_range=span,
                   baseline_range=base_span)]  # fmt: skip


def _lonlat(x: float, y: float) -> tuple[float, float]:
    import duckdb

    from pipelines.duck import load_spatial

    con = duckdb.connect()
    load_spatial(con)
    return con.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Point(?, ?), 'EPSG:3035', 'EPSG:4326', "
                       "always_xy := true) AS p)", [x, y]).fetchone()  # fmt: skip
