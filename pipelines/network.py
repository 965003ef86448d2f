"""Distances along the path network (BBSR 2025): from every populated grid cell to the nearest
point of each category, walking (and cycling on the ways a bike may use).

Cells and points are snapped to their nearest network node on their own side of the rivers; the
straight access leg from the cell to its node and from the point to its node is counted. A leg
never crosses a river or canal of the network file (`waterway=river|canal`): a cell on the east
bank of the Weser is joined to a path on the east bank, not to the promenade across the water
(a leg across the water would make the far bank look near on foot). Per category one multi-source
shortest-path search (`scipy.sparse.csgraph.dijkstra` from a virtual source joined to every
point of the category by its access leg) gives the network distance of all nodes at once — not
one search per shop. A cell farther than `ACCESS_LIMIT_M` from any node gets no distance: it is
counted as "nicht ans Wegenetz angebunden", never given a guess.

Why scipy and not igraph/pandana/osmnx: scipy is already a dependency (the k-d tree), its
Dijkstra runs in C on a CSR matrix and takes many sources at once; the graph is a few hundred
thousand nodes, which needs neither contraction hierarchies (pandana) nor a network library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from pipelines.frames import execute_with

if TYPE_CHECKING:
    import shapely

WALK_KMH = 4.5
CYCLE_KMH = 15.0
ACCESS_LIMIT_M = 500.0  # a cell or point farther from the network is not connected to it
LIMIT_M = 10_000.0  # searched up to 10 km along the network
# ways a bicycle may use: all walkable ways but steps, and footways/pedestrian zones only where
# signed for bikes; paths unless bicycle=no (German rules)
NOT_FOR_BIKES = ("steps", "footway", "pedestrian", "corridor")
BIKE_ALLOWED = ("yes", "designated", "permissive")
NO_ACCESS = ("private", "no")
ANY_FOOD = "alle"  # any grocery supply point (as `category_group` in marts.nahversorgung_coverage)
# nearest candidates tried in turn for a leg that crosses a river (most legs need only the first)
SNAP_CANDIDATES = (16, 128, 1024)
TRIM_M = 0.01  # a leg's ends that may touch the water (see _crossing)


@dataclass
class Graph:
    """An undirected network: n nodes at `xy` (EPSG:3035, metres) and a symmetric CSR matrix of
    edge lengths; `used` marks the nodes that have an edge (only those are snapped to);
    `barriers` the river and canal segments an access leg may not cross (None: no waters)."""

    xy: np.ndarray
    matrix: csr_matrix
    used: np.ndarray
    # the same with a virtual source n+1 joined to every node by an edge of infinite length: a
    # search from the points of a category only sets the lengths of their nodes' edges (their
    # access legs), instead of building a new matrix for each category
    with_source: csr_matrix
    barriers: shapely.STRtree | None = None
    _tree: tuple | None = None

    @property
    def n(self) -> int:
        return len(self.xy)

    def tree(self) -> tuple[cKDTree | None, np.ndarray]:
        """A k-d tree over the used nodes (built once: every category snaps to it)."""
        if self._tree is None:
            index = np.flatnonzero(self.used)
            self._tree = ((cKDTree(self.xy[index]) if len(index) else None), index)
        return self._tree


def build_graph(xy: np.ndarray, u: np.ndarray, v: np.ndarray) -> Graph:
    """Edges (u[i], v[i]) between nodes at `xy`, in both directions, each pair once with its
    length (a zero-length edge, e.g. a doubled node, gets 1 mm: sparse matrices drop zeros)."""
    n = len(xy)
    keep = u != v
    u, v = u[keep], v[keep]
    length = np.maximum(np.hypot(*(xy[u] - xy[v]).T), 0.001)
    a, b = np.minimum(u, v), np.maximum(u, v)
    edges = pl.DataFrame({"a": a, "b": b, "w": length}).group_by("a", "b").agg(pl.col("w").min())
    a, b, w = edges["a"].to_numpy(), edges["b"].to_numpy(), edges["w"].to_numpy()
    matrix = coo_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)).tocsr()
    used = np.zeros(n, dtype=bool)
    used[a] = used[b] = True
    with_source = csr_matrix(
        (np.concatenate([matrix.data, np.full(n, np.inf)]), np.concatenate([matrix.indices, np.arange(n)]),
         np.concatenate([matrix.indptr, [matrix.indptr[-1] + n]])),
        shape=(n + 1, n + 1),
    )  # fmt: skip
    return Graph(xy, matrix, used, with_source)


@dataclass(frozen=True)
class Snapped:
    """Each location's nearest used node and the straight distance to it (inf: no network)."""

    node: np.ndarray
    access: np.ndarray


def snap(graph: Graph, locations: np.ndarray) -> Snapped:
    """Each location's nearest used node whose straight leg crosses no barrier; access inf where
    every node within `ACCESS_LIMIT_M` lies across a river (not connected)."""
    tree, index = graph.tree()
    if tree is None or not len(locations):
        return Snapped(np.zeros(len(locations), dtype=np.int64), np.full(len(locations), np.inf))
    access, position = tree.query(locations, k=1, workers=-1)
    node = index[position]
    if graph.barriers is not None:
        _snap_on_own_bank(graph, tree, index, locations, node, access)
    return Snapped(node, access)


def _crossing(barriers: shapely.STRtree, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per leg (starts[i] to ends[i]) whether it crosses a barrier. The leg is tested without its
    last centimetre at either end: a leg that ends on the water line (a ford, a ferry landing,
    a home on the line itself) does not cross it, while one through a vertex of the river does
    (`crosses` would miss that: the river is stored as segments, and a vertex ends two of them)."""
    import shapely

    step = ends - starts
    length = np.hypot(step[:, 0], step[:, 1])
    trim = (np.minimum(TRIM_M / np.maximum(length, TRIM_M), 0.5))[:, None] * step
    legs = shapely.linestrings(np.stack([starts + trim, ends - trim], axis=1))
    crossed = np.zeros(len(legs), dtype=bool)
    crossed[barriers.query(legs, predicate="intersects")[0]] = True
    return crossed & (length > 2 * TRIM_M)


def _snap_on_own_bank(graph: Graph, tree: cKDTree, index: np.ndarray, locations: np.ndarray, node: np.ndarray,
                      access: np.ndarray) -> None:  # fmt: skip
    """Replace (in place) each leg that crosses a barrier by the nearest one within reach that
    does not: the next 16, 128, 1 024 nearest nodes are tried in turn (a leg is only tested where
    the nearer ones all cross). Found none: access inf. `tree`, `index`: the graph's node tree."""
    pending = np.flatnonzero(access <= ACCESS_LIMIT_M)  # a longer leg connects nothing anyway
    pending = pending[_crossing(graph.barriers, locations[pending], graph.xy[node[pending]])]
    for k in SNAP_CANDIDATES:
        if not len(pending):
            return
        k = min(k, len(index))
        distance, position = tree.query(locations[pending], k=k, distance_upper_bound=ACCESS_LIMIT_M, workers=-1)
        distance, position = distance.reshape(len(pending), k), position.reshape(len(pending), k)
        within = np.isfinite(distance)
        rows, cols = np.nonzero(within)
        open_leg = np.zeros_like(within)
        candidates = index[position[rows, cols]]
        open_leg[rows, cols] = ~_crossing(graph.barriers, locations[pending[rows]], graph.xy[candidates])
        found = open_leg.any(axis=1)
        first = open_leg.argmax(axis=1)  # the nearest open leg (query sorts by distance)
        done = pending[found]
        node[done] = index[position[found, first[found]]]
        access[done] = distance[found, first[found]]
        # exhausted: every node within reach tried (the last column is beyond it, or k is all)
        exhausted = ~found & (~within[:, -1] | (k == len(index)))
        access[pending[exhausted]] = np.inf
        pending = pending[~found & ~exhausted]
    access[pending] = np.inf  # more than 1 024 nodes within reach, all across the water


def network_distance(graph: Graph, cells: Snapped, points: Snapped, limit_m: float = LIMIT_M) -> np.ndarray:
    """Distance (m) along the network from each cell to the nearest of `points`, access legs
    included; NaN for cells not connected to the network or without a point within `limit_m`."""
    result = np.full(len(cells.node), np.nan)
    reachable = points.access <= ACCESS_LIMIT_M
    if graph.n == 0 or not reachable.any():
        return result
    # the virtual source (node n) joined to each point's node by the point's access leg; several
    # points at one node: the shortest leg; all other nodes stay at an infinite length
    legs = np.full(graph.n, np.inf)
    np.minimum.at(legs, points.node[reachable], np.maximum(points.access[reachable], 0.001))
    n = graph.n
    base = graph.with_source
    data = base.data.copy()
    data[base.indptr[n]:] = legs
    matrix = csr_matrix((data, base.indices, base.indptr), shape=base.shape)
    along = dijkstra(matrix, directed=True, indices=n, limit=limit_m)[:n]
    connected = cells.access <= ACCESS_LIMIT_M
    total = along[cells.node] + cells.access
    result[connected] = total[connected]
    result[~np.isfinite(result) | (result > limit_m)] = np.nan
    return result


def with_new_point(graph: Graph, cells: Snapped, before: np.ndarray, point_xy: np.ndarray, limit_m: float = LIMIT_M) -> np.ndarray:
    """The network distances after a point is added: one search from the new point, then the
    nearer of old and new per cell (a scenario: milliseconds, not a new search per category)."""
    new = network_distance(graph, cells, snap(graph, np.asarray(point_xy, dtype=float).reshape(-1, 2)), limit_m)
    return np.fmin(before, new)


def minutes(distance_m: np.ndarray, kmh: float) -> np.ndarray:
    return distance_m / (kmh * 1000 / 60)


def walkable_ways(ways: pl.DataFrame) -> pl.DataFrame:
    """Ways a person may walk (also for imported files, which may hold more than the query asks
    for): a walkable highway value, not access=private/no unless foot is allowed, not foot=no;
    with `cycle`: a bicycle may use it too."""
    from pipelines.sources.wegenetz import WALKABLE

    foot_ok = pl.col("foot").is_in(BIKE_ALLOWED)
    walk = (pl.col("highway").is_in(WALKABLE) & (pl.col("foot").fill_null("") != "no")
            & (~pl.col("access").fill_null("").is_in(NO_ACCESS) | foot_ok))  # fmt: skip
    bike = pl.col("bicycle").fill_null("")
    cycle = (bike != "no") & (~pl.col("highway").is_in(NOT_FOR_BIKES) | bike.is_in(BIKE_ALLOWED))
    return ways.filter(walk).with_columns(cycle.alias("cycle"))


def graphs_from(nodes: pl.DataFrame, ways: pl.DataFrame, waters: pl.DataFrame | None = None) -> tuple[Graph, Graph]:
    """The walking and the cycling graph on the same nodes. nodes: node_id, x, y (EPSG:3035);
    ways: nodes (list of node ids), cycle; waters: nodes of the rivers and canals no access leg
    may cross."""
    nodes = nodes.unique("node_id").sort("node_id")
    ids = nodes["node_id"].to_numpy()
    xy = nodes.select("x", "y").to_numpy()
    steps = _steps(ways.select("cycle", "nodes"))
    u, v, known = _positions(ids, steps)
    cycle = steps["cycle"].to_numpy() & known
    walk, bike = build_graph(xy, u[known], v[known]), build_graph(xy, u[cycle], v[cycle])
    if waters is not None:
        u, v, known = _positions(ids, _steps(waters.select("nodes")))
        walk.barriers = bike.barriers = river_tree(xy[u[known]], xy[v[known]])
    return walk, bike


def _steps(ways: pl.DataFrame) -> pl.DataFrame:
    """One row (u, v: node ids) per step along each way's node list, with the way's other columns."""
    return (ways.with_columns(pl.col("nodes").alias("u"), pl.col("nodes").list.slice(1).alias("v")).drop("nodes")
            .with_columns(pl.col("u").list.head(pl.col("u").list.len() - 1))
            .explode("u", "v").drop_nulls())  # fmt: skip


def _positions(ids: np.ndarray, steps: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row numbers of each step's ends among the sorted node ids, and whether the file holds
    both: steps to nodes cut off at the border of the extract are left out."""
    u_id, v_id = steps["u"].to_numpy(), steps["v"].to_numpy()
    u, v = np.searchsorted(ids, u_id), np.searchsorted(ids, v_id)
    known = (u < len(ids)) & (v < len(ids))
    known[known] = (ids[u[known]] == u_id[known]) & (ids[v[known]] == v_id[known])
    return u, v, known


def river_tree(starts: np.ndarray, ends: np.ndarray) -> shapely.STRtree | None:
    """An R-tree over the river and canal segments starts[i]–ends[i] (None: no waters)."""
    import shapely

    if not len(starts):
        return None
    return shapely.STRtree(shapely.linestrings(np.stack([starts, ends], axis=1)))


def graphs_from_warehouse(run) -> tuple[Graph, Graph]:
    """The walking and cycling graph of the path network in the warehouse; `run(sql)` returns a
    polars frame (a build's connection, or the app's read-only query)."""
    nodes = run(
        "SELECT node_id, ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT node_id, "
        "ST_Transform(ST_Point(lon, lat), 'EPSG:4326', 'EPSG:3035', always_xy := true) AS p FROM raw.osm_network_nodes)"
    )
    from pipelines.sources.wegenetz import BARRIER_WATERWAYS

    ways = run("SELECT * FROM raw.osm_network_ways")
    # a warehouse built before waters were fetched has no waterway column: no barriers then
    waters = ways.filter(pl.col("waterway").is_in(BARRIER_WATERWAYS)) if "waterway" in ways.columns else None
    return graphs_from(nodes, walkable_ways(ways), waters)


def build_network_reach(con) -> None:
    """Create `staging.network_reach`: per populated cell and category the straight-line and the
    network distance, walking and cycling minutes and the access leg; and
    `staging.network_cells`: per cell its access leg and whether it is connected."""
    from pipelines.nearest import nearest

    cells = con.execute("SELECT cell_id, x, y FROM raw.zensus_cells ORDER BY cell_id").pl()
    points = con.execute(
        f"SELECT category, x, y FROM marts.supply_points UNION ALL SELECT '{ANY_FOOD}', x, y FROM marts.supply_points "
        "UNION ALL SELECT category, x, y FROM marts.service_points"
    ).pl()
    walk, cycle = graphs_from_warehouse(lambda sql: con.execute(sql).pl())
    cells_xy = cells.select("x", "y").to_numpy()
    on_foot, by_bike = snap(walk, cells_xy), snap(cycle, cells_xy)
    parts = []
    for category in points["category"].unique().sort().to_list():
        xy = points.filter(pl.col("category") == category).select("x", "y").to_numpy()
        walking = network_distance(walk, on_foot, snap(walk, xy))
        cycling = network_distance(cycle, by_bike, snap(cycle, xy))
        parts.append(pl.DataFrame({
            "cell_id": cells["cell_id"], "category": category, "straight_m": nearest(cells_xy, xy)[0],
            "network_m": walking, "walk_min": minutes(walking, WALK_KMH), "cycle_min": minutes(cycling, CYCLE_KMH),
        }).with_columns(pl.col("straight_m", "network_m", "walk_min", "cycle_min").fill_nan(None)))  # fmt: skip
    schema = {"cell_id": pl.String, "category": pl.String, "straight_m": pl.Float64, "network_m": pl.Float64,
              "walk_min": pl.Float64, "cycle_min": pl.Float64}  # fmt: skip
    reach = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    execute_with(con, "network_reach_frame", reach,
                 "CREATE OR REPLACE TABLE staging.network_reach AS SELECT * FROM network_reach_frame")  # fmt: skip
    access = pl.DataFrame({"cell_id": cells["cell_id"], "access_m": on_foot.access}).with_columns(
        pl.when(pl.col("access_m").is_finite()).then(pl.col("access_m")).alias("access_m"),
    ).with_columns((pl.col("access_m") <= ACCESS_LIMIT_M).fill_null(False).alias("network_connected"))
    execute_with(con, "network_cells_frame", access,
                 "CREATE OR REPLACE TABLE staging.network_cells AS SELECT * FROM network_cells_frame")  # fmt: skip
