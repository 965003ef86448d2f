"""Read-only data access for the pages: the only place that opens the warehouse.

Pages call these functions and get polars frames; they never open files or call sources.
A refresh replaces the warehouse file by rename; the connection is reopened as soon as the
file on disk is a different one, so the app picks up new data without a restart.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from dashboard import topology
from dashboard.topology import Topology
from pipelines.config import Settings, load_settings
from pipelines.duck import attach_readonly
from pipelines.status import SourceOverview, source_overview

_lock = threading.Lock()
_connection: tuple[tuple, duckdb.DuckDBPyConnection] | None = None

# Results of `query` for the warehouse build they came from. A build never changes once written
# (a refresh or a register save renames a new file onto the path), so a page's rerun answers
# from memory instead of running the same ten queries again under the GIL — with a dozen
# sessions at once that is most of the server's work. Bounded in bytes; large frames (the grid
# cells, the outlines of NRW) are not kept here but in their own caches where they are needed.
RESULT_CACHE_BYTES = 128 * 2**20
RESULT_MAX_BYTES = 8 * 2**20
_results: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
_results_bytes = 0
_results_lock = threading.Lock()


def settings() -> Settings:
    """The configuration, parsed once per distinct environment (pages ask for it many times
    per render; the environment only changes between tests)."""
    return _settings_for(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("XREGION_"))))


@functools.lru_cache(maxsize=8)
def _settings_for(env: tuple[tuple[str, str], ...]) -> Settings:
    return load_settings(env=dict(env))


def _signature(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), st.st_ino, st.st_mtime_ns, st.st_size)


def warehouse_exists() -> bool:
    return _signature(settings().db_path) is not None


def has_data() -> bool:
    """True when a warehouse exists and at least one source has delivered rows into it."""
    if not warehouse_exists():
        return False
    frame = query("SELECT coalesce(sum(rows), 0) AS n FROM meta.source_status")
    return bool(frame.height and frame.item(0, 0))


def _cursor() -> duckdb.DuckDBPyConnection | None:
    global _connection
    path = settings().db_path
    signature = _signature(path)
    with _lock:
        if _connection and _connection[0] != signature:
            # not closed here: a query of another session may still run on a cursor of it; the
            # old database is released when its last cursor is gone
            _connection = None
        if signature is None:
            return None
        if _connection is None:
            _connection = (signature, attach_readonly(path))
        cursor = _connection[1].cursor()
    cursor.execute("USE warehouse")  # a cursor starts in the instance's own (empty) catalog
    return cursor


def query(sql: str, params: list | None = None) -> pl.DataFrame:
    """Run a read-only query; an empty frame when there is no warehouse yet. The same query on
    the same build is answered from memory (callers never change a frame in place)."""
    signature = build_signature()
    if signature is None:
        return pl.DataFrame()
    key = (signature, sql, repr(params))
    with _results_lock:
        found = _results.get(key)
        if found is not None:
            _results.move_to_end(key)
            return found
    cur = _cursor()
    if cur is None:
        return pl.DataFrame()
    try:
        frame = cur.execute(sql, params or []).pl()
    finally:
        cur.close()
    _remember(key, frame)
    return frame


def _remember(key: tuple, frame: pl.DataFrame) -> None:
    global _results_bytes
    size = frame.estimated_size()
    if size > RESULT_MAX_BYTES:
        return
    with _results_lock:
        for old in [k for k in _results if k[0] != key[0]]:  # another build: its results are stale
            _results_bytes -= _results.pop(old).estimated_size()
        if key not in _results:
            _results[key] = frame
            _results_bytes += size
        while _results_bytes > RESULT_CACHE_BYTES and _results:
            _results_bytes -= _results.popitem(last=False)[1].estimated_size()


def sources() -> list[SourceOverview]:
    rows = query("SELECT source, rows FROM meta.source_status")
    return source_overview(settings(), rows=dict(rows.iter_rows()))


def lineage() -> pl.DataFrame:
    return query(
        "SELECT source, item, origin, url, fetched_at, data_stand, size, sha256 FROM meta.lineage ORDER BY source, item"
    )


def build_info() -> dict | None:
    frame = query("SELECT built_at, region_ags FROM meta.build")
    return frame.row(0, named=True) if frame.height else None


def region_name(ags: str) -> str | None:
    frame = query("SELECT name FROM marts.regions WHERE ags = ?", [ags])
    return frame.item(0, 0) if frame.height else None


def indicators() -> pl.DataFrame:
    """The catalogue with the state of each indicator, in Handlungsfeld order."""
    return query("SELECT * FROM marts.indicators ORDER BY handlungsfeld_position, position")


def focus_regions() -> pl.DataFrame:
    """The configured Kreis, its towns, its Regierungsbezirk and NRW, with names and levels."""
    return query(
        "SELECT ags, name, level FROM marts.regions WHERE in_focus "
        "ORDER BY CASE level WHEN 'gemeinde' THEN 0 WHEN 'kreis' THEN 1 WHEN 'regbez' THEN 2 ELSE 3 END, name"
    )


def indicator_values(indicator_id: str, ags: list[str]) -> pl.DataFrame:
    if not ags:
        return pl.DataFrame()
    return query(
        "SELECT ags, period, value, unit, source_table, data_stand, series_break FROM marts.indicator_values "
        "WHERE indicator_id = ? AND list_contains(?, ags) ORDER BY ags, period",
        [indicator_id, ags],
    )


def build_signature() -> tuple | None:
    """Identity of the warehouse file on disk: caches of derived data key on it, so a new build
    (a rename onto the path) is picked up by the next request."""
    return _signature(settings().db_path)


def once_per_build(maxsize: int):
    """Keep a function's answers per warehouse build and (hashable) arguments: what a page
    derives from the warehouse is worked out once, not on every rerun of every session, and the
    next build — every refresh and register save writes one — is seen on the next call. The
    answers are shared between sessions and must not be changed in place. (View builders use
    `views.per_build`, which also takes lists and dates as arguments.)"""

    def decorate(function):
        @functools.lru_cache(maxsize=maxsize)
        def cached(build: tuple | None, *args):
            return function(*args)

        @functools.wraps(function)
        def wrapper(*args):
            return cached(build_signature(), *args)

        wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return wrapper

    return decorate


@dataclass(frozen=True)
class Areas:
    topology: Topology
    names: dict[str, str]  # AGS → name
    labels: list[dict]  # {"name", "lon", "lat"}: where a map writes each name


def area_topology(level: str, whole_land: bool) -> Areas:
    """The outlines of `region_shapes` as a quantised TopoJSON geometry, parsed and encoded once
    per warehouse build (the NRW map would otherwise parse ~400 GeoJSON texts on every rerun),
    with the name of each area and its label point."""
    return _area_topology(build_signature(), level, whole_land)


@functools.lru_cache(maxsize=16)
def _area_topology(signature: tuple | None, level: str, whole_land: bool) -> Areas:
    shapes = region_shapes(level, whole_land)
    if not shapes.height:
        return Areas(topology.build([], []), {}, [])
    geometries = [json.loads(g) for g in shapes["geojson"]]
    labels = [{"name": n, "lon": x, "lat": y} for n, x, y in shapes.select("name", "label_lon", "label_lat").iter_rows()]
    # a map of the Land is ~1000 px wide: 20 000 steps are still 20 per pixel
    built = topology.build(shapes["ags"].to_list(), geometries, quantization=20_000 if whole_land else 100_000)
    return Areas(built, dict(shapes.select("ags", "name").iter_rows()), labels)


def region_shapes(level: str, whole_land: bool) -> pl.DataFrame:
    """Map-ready outlines (GeoJSON text) of the Gemeinden or Kreise: of the configured Kreis, or
    of the whole Land."""
    column = "geojson_coarse" if whole_land else "geojson"  # a pixel is ~0,003° on a map of the Land
    return query(
        f"SELECT ags, name, {column} AS geojson, label_lon, label_lat FROM marts.region_shapes "
        "WHERE level = ? AND (? OR in_region) "
        "ORDER BY ags",
        [level, whole_land],
    )


def indicator_values_at_level(indicator_id: str, level: str, whole_land: bool) -> pl.DataFrame:
    """All values of an indicator for the Gemeinden (or Kreise) of the Kreis or of the Land."""
    return query(
        "SELECT v.ags, v.period, v.value, v.data_stand, v.series_break FROM marts.indicator_values v "
        "JOIN marts.regions r USING (ags) WHERE v.indicator_id = ? AND r.level = ? "
        "AND (? OR left(v.ags, 5) = meta.region_ags()) ORDER BY v.ags, v.period",
        [indicator_id, level, whole_land],
    )


def boundary_attribution() -> str:
    frame = query("SELECT any_value(attribution) FROM marts.region_shapes")
    return (frame.item(0, 0) if frame.height else None) or "© GeoBasis-DE / BKG"


def boundary_stand() -> tuple[object | None, str]:
    """The date of the boundaries loaded and its label: their release ("Stand") where known,
    else the day they were fetched ("abgerufen am")."""
    frame = query("SELECT max(data_stand), max(fetched_at)::DATE FROM meta.lineage WHERE source = 'bkg'")
    if not frame.height:
        return None, "Stand"
    released, fetched = frame.row(0)
    return (released, "Stand") if released else (fetched, "abgerufen am")


def is_demo() -> bool:
    """True when the warehouse was built from the demo register (fictional values)."""
    frame = query("SELECT demo FROM meta.build")
    return bool(frame.height and frame.item(0, 0))


def register_fields() -> pl.DataFrame:
    return query("SELECT id, name, position FROM raw.register_fields ORDER BY coalesce(position, 999), name")


def measures() -> pl.DataFrame:
    return query("SELECT * FROM marts.measures")


def kpi_progress() -> pl.DataFrame:
    return query("SELECT * FROM marts.kpi_progress")


def kpi_measurements(kpi_id: str) -> pl.DataFrame:
    return query("SELECT date, value, source FROM raw.register_measurements WHERE kpi = ? ORDER BY date", [kpi_id])


def funding() -> pl.DataFrame:
    return query("SELECT * FROM marts.funding")


def funding_timeline(programme_id: str, town_ags: str | None) -> pl.DataFrame:
    """Cumulative amounts after each booking date; town None: the whole programme."""
    return query(
        "SELECT date, committed, called, spent FROM marts.funding_timeline "
        "WHERE programme_id = ? AND town_ags IS NOT DISTINCT FROM ? ORDER BY date",
        [programme_id, town_ags],
    )


def releases_since(since) -> pl.DataFrame:
    """Official tables whose release (Stand) or download is on or after `since`."""
    return query(
        "WITH t AS (SELECT table_code, max(last_period) AS last_period, max(data_stand) AS data_stand, "
        "  string_agg(title, ', ' ORDER BY position) AS indicators FROM marts.indicators "
        "  WHERE status = 'ok' AND kind = 'base' GROUP BY table_code), "
        "f AS (SELECT split_part(item, '@', 1) AS table_code, max(fetched_at)::DATE AS fetched FROM meta.lineage "
        "  WHERE source = 'itnrw' GROUP BY 1) "
        "SELECT t.*, f.fetched FROM t LEFT JOIN f USING (table_code) "
        "WHERE t.data_stand >= ? OR f.fetched >= ? ORDER BY t.data_stand DESC NULLS LAST",
        [since, since],
    )


def measurements_entered_since(since) -> pl.DataFrame:
    """KPI measurements added or changed in the register since `since` (not undone)."""
    return query(
        "SELECT h.at, h.who, m.kpi, k.title, k.unit, m.date, m.value FROM raw.register_history h "
        "JOIN raw.register_measurements m ON h.key = m.kpi || ' | ' || strftime(m.date, '%d.%m.%Y') "
        "JOIN raw.register_kpis k ON k.id = m.kpi "
        "WHERE h.entity = 'measurements' AND NOT h.undone AND h.at::DATE >= ? ORDER BY h.at DESC",
        [since],
    )


def register_edits_since(since) -> pl.DataFrame:
    """Change sets of the register since `since` other than single measurements (those are listed
    one by one): funding bookings, imports, edits of measures and KPIs; not undone."""
    return query(
        "SELECT change_set, any_value(\"at\") AS \"at\", any_value(who) AS who, any_value(reason) AS reason, "
        "list(DISTINCT entity ORDER BY entity) AS entities, count(*) AS n FROM raw.register_history "
        "WHERE NOT undone AND \"at\"::DATE >= ? GROUP BY change_set "
        "HAVING list(DISTINCT entity) <> ['measurements'] ORDER BY change_set DESC",
        [since],
    )


def measurement_series() -> pl.DataFrame:
    return query("SELECT kpi, date, value FROM raw.register_measurements ORDER BY kpi, date")


def headline_indicators() -> pl.DataFrame:
    """For each Handlungsfeld its first listed indicator with values, for the configured Kreis."""
    return query(
        "WITH first AS (SELECT * FROM marts.indicators WHERE status = 'ok' AND listed "
        "  QUALIFY row_number() OVER (PARTITION BY handlungsfeld ORDER BY position) = 1) "
        "SELECT f.handlungsfeld, f.indicator_id, f.title, f.unit, f.direction, v.period, v.value, v.series_break "
        "FROM first f JOIN marts.indicator_values v USING (indicator_id) WHERE v.ags = meta.region_ags() "
        "ORDER BY f.handlungsfeld, v.period"
    )


def coverage_at(distance_m: float, full_range: bool) -> pl.DataFrame:
    """Coverage per town and for the Kreis at any distance, from the cell distances, with the
    grid's completeness against the official population."""
    column = "distance_full" if full_range else "distance_any"
    return query(
        f"WITH agg AS (SELECT coalesce(c.ags, meta.region_ags()) AS ags, sum(c.population) AS population, "
        f"coalesce(sum(c.population) FILTER (WHERE c.{column} <= ?), 0) AS population_within, "
        f"count(*) AS populated_cells, count(*) FILTER (WHERE c.{column} IS NULL OR c.{column} > ?) AS cells_without "
        f"FROM marts.nahversorgung_cells c WHERE c.ags IS NOT NULL GROUP BY GROUPING SETS ((c.ags), ())) "
        f"SELECT agg.ags, r.name, agg.population, r.population AS population_official, "
        f"(agg.population / nullif(r.population, 0))::DOUBLE AS grid_completeness, agg.population_within, "
        f"agg.populated_cells, agg.cells_without FROM agg LEFT JOIN marts.regions r USING (ags) "
        f"ORDER BY agg.ags = meta.region_ags(), agg.ags",
        [distance_m, distance_m],
    )


def supply_points() -> pl.DataFrame:
    return query("SELECT * FROM marts.supply_points")


def display_cells(full_range: bool) -> pl.DataFrame:
    """Cells aggregated to 500 m for the map (a Kreis has ~20 000 populated 100 m cells)."""
    column = "distance_full" if full_range else "distance_any"
    return query(
        f"SELECT avg(lon) AS lon, avg(lat) AS lat, sum(population)::BIGINT AS population, "
        f"(sum(population * least(coalesce({column}, 10000), 10000)) / sum(population))::DOUBLE AS distance "
        f"FROM marts.nahversorgung_cells WHERE ags IS NOT NULL GROUP BY floor(x / 500), floor(y / 500)"
    )


@functools.lru_cache(maxsize=4)
def _scenario_base(signature: tuple | None) -> dict:
    """Cells, places and points of the Kreis as arrays, read once per warehouse build."""
    cells = query(
        "SELECT c.x, c.y, c.population, c.ags, r.name, c.distance_any, c.distance_full, c.nearest_any, c.nearest_full, "
        "c.network_any, c.network_full FROM marts.nahversorgung_cells c LEFT JOIN marts.regions r ON r.ags = c.ags WHERE c.ags IS NOT NULL ORDER BY c.ags"
    )
    places = query(
        "SELECT name, town, distance_any, distance_full, ST_X(q) AS x, ST_Y(q) AS y FROM (SELECT *, "
        "ST_Transform(ST_Point(lon, lat), 'EPSG:4326', 'EPSG:3035', always_xy := true) AS q FROM marts.nahversorgung_places) "
        "ORDER BY name"
    )
    points = query("SELECT point_id, x, y, full_range FROM marts.supply_points")
    return {"cells": cells, "places": places, "points": points}


@functools.lru_cache(maxsize=2)
def _scenario_network(signature: tuple | None):
    """The walking graph and the scenario cells snapped to it, built once per warehouse build
    (on the first scenario; about a second for a Kreis); None without a path network."""
    from pipelines import network

    if not network_rows():
        return None
    walk, _ = network.graphs_from_warehouse(query)
    cells = _scenario_base(signature)["cells"]
    return walk, network.snap(walk, cells.select("x", "y").to_numpy())


def scenario(added: list[dict], removed: list[str], distance_m: float, full_range: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What adding points (`{lon, lat, category}`) and removing existing ones (point ids) would
    change, for the Kreis: per town the people within `distance_m` before and after, and the
    places whose reach changes. Incremental: a new point only lowers distances (min of old and
    new); a removed point only changes the cells whose nearest point it was, and only those are
    searched again (numpy and a k-d tree over the remaining points, no polars callbacks)."""
    # every rerun of the page asks again (most with no change at all): the answer is kept per build
    key = tuple((float(a["lon"]), float(a["lat"]), a["category"]) for a in added)
    return _scenario(key, tuple(sorted(removed)), float(distance_m), bool(full_range))


@once_per_build(maxsize=32)
def _scenario(added: tuple, removed: tuple, distance_m: float, full_range: bool):
    import numpy as np

    from pipelines.nearest import LIMIT_M, nearest

    build = build_signature()
    base = _scenario_base(build)
    cells, places, points = base["cells"], base["places"], base["points"]
    if not cells.height:
        return pl.DataFrame(), pl.DataFrame()
    kind = "full" if full_range else "any"
    pts = points.filter(pl.col("full_range")) if full_range else points
    remaining = pts.filter(~pl.col("point_id").is_in(list(removed))).select("x", "y").to_numpy()
    new = [(lon, lat) for lon, lat, category in added if not full_range or category == "Vollsortiment"]
    new_xy = _to_3035(new)

    def after(xy: np.ndarray, before: np.ndarray, nearest_ids: np.ndarray | None) -> np.ndarray:
        d = before.copy()
        if nearest_ids is not None and removed:
            lost = np.isin(nearest_ids, list(removed))
        else:  # places carry no nearest id: search them again when anything was removed
            lost = np.full(len(d), bool(removed))
        if lost.any():
            d[lost] = nearest(xy[lost], remaining)[0]
        for px, py in new_xy:
            near = np.hypot(xy[:, 0] - px, xy[:, 1] - py)
            d = np.fmin(d, np.where(near <= LIMIT_M, near, np.nan))
        return d

    xy = cells.select("x", "y").to_numpy()
    before = cells[f"distance_{kind}"].to_numpy().astype(float)
    later = after(xy, before, cells[f"nearest_{kind}"].to_numpy())
    people = cells["population"].to_numpy()
    net_before = cells[f"network_{kind}"].to_numpy().astype(float)
    net_after = _network_after(build, net_before, remaining if removed else None, new_xy)
    reached = pl.DataFrame({
        "ags": cells["ags"], "name": cells["name"], "population": people,
        "before": np.where(before <= distance_m, people, 0), "after": np.where(later <= distance_m, people, 0),
        "before_network": np.where(net_before <= distance_m, people, 0),
        "after_network": np.where(net_after <= distance_m, people, 0),
    })  # fmt: skip
    towns = reached.group_by("ags", maintain_order=True).agg(
        pl.col("name").first(), pl.col("population").sum(), pl.col("before").sum(), pl.col("after").sum(),
        pl.col("before_network").sum(), pl.col("after_network").sum(),
    )
    changed = pl.DataFrame()
    if places.height:
        p_before = places[f"distance_{kind}"].to_numpy().astype(float)
        p_after = after(places.select("x", "y").to_numpy(), p_before, None)
        was = np.nan_to_num(p_before, nan=1e9) <= distance_m
        now = np.nan_to_num(p_after, nan=1e9) <= distance_m
        changed = places.select("name", "town").with_columns(
            pl.Series("bisher_m", np.round(p_before)), pl.Series("neu_m", np.round(p_after))
        ).filter(pl.Series(was != now))
    return towns, changed


def _network_after(build, before, remaining, new_xy):
    """Network distances of the scenario cells after removing points (`remaining`: the points
    left, one multi-source search) and adding `new_xy` (one search from each new point); the
    old distances without a path network."""
    from pipelines import network

    built = _scenario_network(build)
    if built is None:
        return before
    graph, cells = built
    after = before if remaining is None else network.network_distance(graph, cells, network.snap(graph, remaining))
    for point in new_xy:
        after = network.with_new_point(graph, cells, after, point)
    return after


def _to_3035(lonlat: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if not lonlat:
        return []
    values = " UNION ALL ".join("SELECT ST_Transform(ST_Point(?, ?), 'EPSG:4326', 'EPSG:3035', always_xy := true) AS g"
                                for _ in lonlat)  # fmt: skip
    frame = query(f"SELECT ST_X(g) AS x, ST_Y(g) AS y FROM ({values})", [v for point in lonlat for v in point])
    return list(frame.iter_rows())


def town_figures() -> pl.DataFrame:
    """Per town of the Kreis and listed indicator with values: the value at the town's latest
    Stichtag, the one at the Stichtag before (and both series bases, so a change across the
    Zensus 2022 base change is never computed), and the town's rank among the towns with a value
    at that Stichtag (1 = best; by size where the indicator has no direction, like the Rangfolge)."""
    return query(
        "WITH i AS (SELECT * FROM marts.indicators WHERE status = 'ok' AND listed), "
        "v AS (SELECT v.indicator_id, v.ags, v.period, v.value, v.series_break, v.data_stand "
        "  FROM marts.indicator_values v JOIN marts.regions r USING (ags) "
        "  WHERE r.level = 'gemeinde' AND left(v.ags, 5) = meta.region_ags()), "
        "ordered AS (SELECT v.*, lag(v.period) OVER w AS previous_period, lag(v.value) OVER w AS previous_value, "
        "  lag(v.series_break) OVER w AS previous_series_break FROM v "
        "  WINDOW w AS (PARTITION BY v.indicator_id, v.ags ORDER BY v.period)), "
        "ranked AS (SELECT o.*, rank() OVER (PARTITION BY o.indicator_id, o.period "
        "    ORDER BY CASE WHEN i.direction = 'down' THEN o.value ELSE -o.value END) AS rank, "
        "  count(*) OVER (PARTITION BY o.indicator_id, o.period) AS ranked_of "
        "  FROM ordered o JOIN i USING (indicator_id)) "
        "SELECT r.*, i.title, i.unit, i.handlungsfeld, i.handlungsfeld_position, i.position, i.direction, i.source, "
        "  i.licence, i.table_code, i.data_stand_kind FROM ranked r JOIN i USING (indicator_id) "
        "QUALIFY r.period = max(r.period) OVER (PARTITION BY r.indicator_id, r.ags) "
        "ORDER BY r.ags, i.handlungsfeld_position, i.position"
    )


def town_coverage() -> pl.DataFrame:
    """Nahversorgung coverage per town and for the Kreis (marts.nahversorgung_coverage)."""
    return query("SELECT * FROM marts.nahversorgung_coverage ORDER BY ags, category_group, threshold_m")


def network_rows() -> int:
    """Rows of the path network in the build (0: none loaded, distances on foot are empty)."""
    frame = query("SELECT coalesce(sum(rows), 0) FROM meta.source_status WHERE source = 'wegenetz'")
    return int(frame.item(0, 0)) if frame.height else 0


def reach_coverage() -> pl.DataFrame:
    """Straight-line and walking coverage per town and the Kreis for every category and the
    BBSR's five services (marts.erreichbarkeit_coverage)."""
    return query("SELECT * FROM marts.erreichbarkeit_coverage ORDER BY ags, category")


def gpkg() -> bytes:
    """The Nahversorgung layers as a GeoPackage, written once per warehouse build."""
    return _gpkg(build_signature())


@functools.lru_cache(maxsize=2)
def _gpkg(signature: tuple | None) -> bytes:
    from pipelines.gis import gpkg_bytes

    return gpkg_bytes(settings().db_path)


def supplied_days() -> pl.DataFrame:
    """People of the Kreis by the number of days a week some grocery point within 1 000 m serves."""
    return query(
        "SELECT supplied_days, sum(population)::BIGINT AS population, count(*) AS cells FROM marts.nahversorgung_cells "
        "WHERE ags IS NOT NULL GROUP BY supplied_days ORDER BY supplied_days"
    )


def villages_by_days(below: int = 6) -> pl.DataFrame:
    """Villages supplied on fewer than `below` days a week within 1 000 m, fewest first."""
    return query(
        "SELECT name, town, supplied_days, supplied_weekdays FROM marts.nahversorgung_places "
        "WHERE supplied_days < ? ORDER BY supplied_days, town, name",
        [below],
    )
