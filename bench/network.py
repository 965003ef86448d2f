"""Distances along the path network (pipelines/network.py): one multi-source Dijkstra per
category against a loop of single-source searches from each point on the same graph, on a
Kreis-sized synthetic network (~200 000 nodes, 20 000 cells, every category of the build), and
the whole computation on an NRW-sized one (~3 million nodes, 1,1 million cells, 15 000 points)
with its peak memory. Every multi-source distance is checked against the loop on the sample
category. Targets: Kreis all categories ≤ 3 s and ≥ 20× the loop; NRW ≤ 60 s and ≤ 4 GB. Before
that, reading a Kreis-sized Overpass answer of the network (every build reads it): ≥ 1,5× the
former reading that decoded it twice."""

from __future__ import annotations

import resource
import time

import numpy as np
from scipy.sparse.csgraph import dijkstra

from bench.harness import Result, runs
from pipelines import network
from pipelines.german import fmt_number
from pipelines.sources import osm, wegenetz

# the categories of a build: six grocery ones, "alle", the four other BBSR services
CATEGORIES = {"Vollsortiment": 60, "Lebensmittelhandwerk": 120, "Ergänzung": 150, "Dorfladen": 15, "Automat": 25,
              "Markt": 10, "alle": 380, "Hausarzt": 80, "Apotheke": 30, "Grundschule": 40, "Haltestelle": 900}  # fmt: skip


def synthetic(side_nodes: int, spacing_m: float, seed: int = 7) -> network.Graph:
    """A jittered grid of paths (like a rural network of roads and tracks), some links missing,
    and a river no access leg may cross."""
    rng = np.random.default_rng(seed)
    ids = np.arange(side_nodes * side_nodes).reshape(side_nodes, side_nodes)
    xy = np.stack(np.meshgrid(np.arange(side_nodes), np.arange(side_nodes)), -1).reshape(-1, 2) * spacing_m
    xy = xy + rng.uniform(-spacing_m / 3, spacing_m / 3, xy.shape)
    right = np.stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()], 1)
    down = np.stack([ids[:-1, :].ravel(), ids[1:, :].ravel()], 1)
    edges = np.concatenate([right, down])
    edges = edges[rng.random(len(edges)) > 0.15]  # fields and rivers: not every link exists
    graph = network.build_graph(xy.astype(float), edges[:, 0], edges[:, 1])
    # a river meandering across the whole square (a vertex every 50 m, like the Weser in OSM):
    # every access leg is tested against it, and the legs that cross it are snapped again
    span = side_nodes * spacing_m
    along = np.arange(0.0, span, 50.0)
    river = np.column_stack([along, span / 2 + span / 8 * np.sin(along / 3000.0)])
    graph.barriers = network.river_tree(river[:-1], river[1:])
    return graph


def _locations(graph: network.Graph, count: int, rng) -> np.ndarray:
    span = graph.xy.max(0)
    return rng.uniform([0, 0], span, (count, 2))


def all_categories(graph: network.Graph, cells_xy: np.ndarray, points: dict[str, np.ndarray], search=None) -> dict:
    """Network distance of every cell to every category: with `network_distance` (one search per
    category), or with another `search` of the same signature (the baseline)."""
    search = search or network.network_distance
    cells = network.snap(graph, cells_xy)
    return {c: search(graph, cells, network.snap(graph, xy)) for c, xy in points.items()}


def single_source_loop(graph: network.Graph, cells: network.Snapped, points: network.Snapped) -> np.ndarray:
    """The baseline: one search from each point, then the minimum per cell."""
    best = np.full(graph.n, np.inf)
    for node, leg in zip(points.node, points.access):
        if leg <= network.ACCESS_LIMIT_M:
            best = np.minimum(best, dijkstra(graph.matrix, directed=False, indices=int(node), limit=network.LIMIT_M) + leg)
    total = best[cells.node] + cells.access
    total[(cells.access > network.ACCESS_LIMIT_M) | ~np.isfinite(total) | (total > network.LIMIT_M)] = np.nan
    return total


def kreis(repeat: int = 5, side_nodes: int = 450, cells: int = 20_000, scale: float = 1.0) -> list[Result]:
    """`side_nodes`² nodes (450: ~200 000 on 40 × 40 km), `cells` cells, the points of CATEGORIES × `scale`."""
    rng = np.random.default_rng(11)
    graph = synthetic(side_nodes, 90.0)
    cells_xy = _locations(graph, cells, rng)
    points = {c: _locations(graph, max(1, int(n * scale)), rng) for c, n in CATEGORIES.items()}
    got = all_categories(graph, cells_xy, points)
    want = all_categories(graph, cells_xy, points, single_source_loop)
    for category in points:
        if not np.allclose(np.nan_to_num(got[category], nan=-1), np.nan_to_num(want[category], nan=-1), atol=0.01):
            raise AssertionError(f"Die Mehrquellen-Suche weicht für {category} von der Schleife über Einzelsuchen ab.")
    multi, multi_span = runs(lambda: all_categories(graph, cells_xy, points), repeat)
    loop, loop_span = runs(lambda: all_categories(graph, cells_xy, points, single_source_loop), repeat)
    total = sum(len(xy) for xy in points.values())
    return [
        Result(f"Wegenetz Kreis ({fmt_number(graph.n)} Knoten, {len(CATEGORIES)} Kategorien, {fmt_number(total)} Punkte): "
               "eine Mehrquellen-Suche je Kategorie vs. eine Suche je Punkt", cells, multi, loop, 20.0, target_s=3.0,
               candidate_range=multi_span, baseline_range=loop_span),
    ]  # fmt: skip


def scenario(repeat: int = 5) -> list[Result]:
    """A planner's scenario on the Kreis network: a new village shop (one search from it) and a
    closure (the category searched again without the point), against recomputing every category."""
    rng = np.random.default_rng(17)
    graph = synthetic(450, 90.0)
    cells_xy = _locations(graph, 20_000, rng)
    points = {c: _locations(graph, n, rng) for c, n in CATEGORIES.items()}
    cells = network.snap(graph, cells_xy)
    shops = points["Vollsortiment"]
    before = network.network_distance(graph, cells, network.snap(graph, shops))
    new_shop = _locations(graph, 1, rng)

    def change() -> None:
        network.with_new_point(graph, cells, before, new_shop)
        network.network_distance(graph, cells, network.snap(graph, shops[1:]))

    candidate, span = runs(change, repeat)
    baseline, base_span = runs(lambda: all_categories(graph, cells_xy, points), repeat)
    return [Result("Wegenetz-Szenario Kreis: neuer Laden und eine Schließung vs. alles neu berechnet", len(cells_xy),
                   candidate, baseline, 0, target_s=1.0, candidate_range=span, baseline_range=base_span)]  # fmt: skip


def nrw(repeat: int = 5) -> list[Result]:
    """The Land: ~3 million nodes; timed end to end (the network built once, the search `repeat`
    times after a warm-up run) with the peak memory of this process."""
    rng = np.random.default_rng(13)
    started = time.perf_counter()
    graph = synthetic(1730, 130.0)  # ~3 million nodes on 225 × 225 km
    cells_xy = _locations(graph, 1_100_000, rng)
    points = {"Vollsortiment": _locations(graph, 15_000, rng)}
    built = time.perf_counter() - started
    all_categories(graph, cells_xy, points)  # warm-up
    searched, span = runs(lambda: all_categories(graph, cells_xy, points), repeat)
    elapsed = built + searched  # the budget is for the whole step: graph and search
    span = (built + span[0], built + span[1])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        Result(f"Wegenetz NRW ({fmt_number(graph.n)} Knoten, 15.000 Punkte; Netz gebaut in {fmt_number(built, 1)} s)",
               len(cells_xy), elapsed, elapsed, 0, target_s=60.0, candidate_range=span, baseline_range=span),
        Result("Wegenetz NRW: Spitzenspeicher des Prozesses", len(cells_xy), peak_mb, 4096.0, 1.0, unit="MB"),
    ]  # fmt: skip


def overpass_answer(nodes: int, ways: int, seed: int = 11) -> bytes:
    """An Overpass JSON answer of the network query (as the tests write it): `nodes` nodes spread
    over a Kreis-sized square, `ways` ways of 8 of them."""
    from tests.support.network import overpass_network_json

    rng = np.random.default_rng(seed)
    xy = np.column_stack([4_200_000 + rng.random(nodes) * 50_000, 3_050_000 + rng.random(nodes) * 50_000])
    refs = rng.integers(0, nodes, (ways, 8))
    highways = ("track", "residential", "footway", "unclassified", "path", "service")
    return overpass_network_json(dict(enumerate(map(tuple, xy.tolist()))),
                                 [(10**8 + w, {"highway": highways[w % 6]}, refs[w].tolist()) for w in range(ways)])  # fmt: skip


def parse(repeat: int = 5, nodes: int = 400_000, ways: int = 60_000) -> list[Result]:
    """Reading a Kreis-sized network answer (every build does it) against the former reading,
    which decoded the answer twice: once for the refusals, building a row of every element as
    for the supply points, and once for the ways."""
    body = overpass_answer(nodes, ways)
    label = "das Wegenetz"
    (node_frame, way_frame), _ = wegenetz.read(body, label)  # warm-up
    if (node_frame.height, way_frame.height) != (nodes, ways):
        raise AssertionError(f"Wegenetz eingelesen mit {node_frame.height} Knoten und {way_frame.height} Wegen")
    candidate, span = runs(lambda: wegenetz.read(body, label), repeat)
    baseline, base_span = runs(lambda: (osm.parse_overpass(body, label), wegenetz.read(body, label)), repeat)
    return [Result(f"Wegenetz einlesen (Overpass-JSON, {fmt_number(len(body) / 1e6, 0)} MB, {fmt_number(nodes)} Knoten, "
                   f"{fmt_number(ways)} Wege): einmal dekodiert vs. zweimal", nodes + ways, candidate, baseline, 1.5,
                   candidate_range=span, baseline_range=base_span)]  # fmt: skip


def run(with_nrw: bool = True, repeat: int = 5) -> list[Result]:
    return parse(repeat) + kreis(repeat) + scenario(repeat) + (nrw(repeat) if with_nrw else [])
