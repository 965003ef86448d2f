"""Hand-made path networks (fictional) as OpenStreetMap files: an Overpass JSON answer of the
network query and the same as `.osm` XML. Positions are given in EPSG:3035 (metres)."""

from __future__ import annotations

import json
from xml.sax.saxutils import quoteattr

import duckdb

from pipelines.duck import load_spatial

STAMP = "2026-11-25T08:00:00Z"


def river_with_one_bridge(x: float, y: float) -> tuple[dict[int, tuple[float, float]], list[tuple[int, dict, list[int]]]]:
    """A river runs east–west between y−150 and y+150; the only bridge is 850 m east of x. Paths
    run along both banks from x to the bridge: from (x, y−150) to (x, y+150) it is 300 m straight
    and 850 + 300 + 850 = 2 000 m on foot. Returns nodes {id: (x, y)} and ways (id, tags, nodes)."""
    south = {1 + i: (x + d, y - 150) for i, d in enumerate(range(0, 900, 50)) if d <= 850}
    north = {101 + i: (x + d, y + 150) for i, d in enumerate(range(0, 900, 50)) if d <= 850}
    nodes = {**south, **north}
    ways = [(1, {"highway": "path"}, list(south)), (2, {"highway": "track"}, list(north)),
            (3, {"highway": "footway", "bicycle": "yes", "bridge": "yes"}, [max(south), max(north)])]  # fmt: skip
    return nodes, ways


def _wgs84(nodes: dict[int, tuple[float, float]]) -> dict[int, tuple[float, float]]:
    """All positions converted in one query (loading the spatial extension per point is slow)."""
    con = duckdb.connect()
    load_spatial(con)
    ids = list(nodes)
    frame = con.execute(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Point(x, y), 'EPSG:3035', 'EPSG:4326', always_xy := true) AS p, i "
        "FROM (SELECT unnest(?) AS x, unnest(?) AS y, unnest(range(?)) AS i)) ORDER BY i",
        [[nodes[i][0] for i in ids], [nodes[i][1] for i in ids], len(ids)],
    ).fetchall()
    con.close()
    return dict(zip(ids, frame))


def overpass_network_json(nodes: dict[int, tuple[float, float]], ways: list[tuple[int, dict, list[int]]]) -> bytes:
    elements = [{"type": "node", "id": i, "lon": lon, "lat": lat} for i, (lon, lat) in _wgs84(nodes).items()]
    elements += [{"type": "way", "id": w, "nodes": refs, "tags": tags} for w, tags, refs in ways]
    return json.dumps({"version": 0.6, "osm3s": {"timestamp_osm_base": STAMP}, "elements": elements}).encode()


def osm_xml(nodes: dict[int, tuple[float, float]], ways: list[tuple[int, dict, list[int]]]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<osm version="0.6" generator="Test" timestamp="{STAMP}">']
    for i, (lon, lat) in _wgs84(nodes).items():
        lines.append(f'  <node id="{i}" lat="{lat:.8f}" lon="{lon:.8f}"/>')
    for w, tags, refs in ways:
        lines.append(f'  <way id="{w}">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    return "\n".join(lines).encode("utf-8")


def river_between_near_paths(x: float, y: float) -> tuple[dict[int, tuple[float, float]], list[tuple[int, dict, list[int]]]]:
    """A river (`waterway=river`) runs east–west along y, from x−1 000 to x+1 000. A riverside
    path runs 30 m south of it from x−500 to x+500 with a node every 10 m; the north bank's path
    runs 200 m north of the water from x to x+500; the only bridge is at x+500. A ford at x+250:
    a path from the south path ends on the river line, at a node the river shares. So a home
    20 m north of the water at x is 50 m from the south path across the river and 180 m from
    its own bank's path."""
    south = {1 + i: (x + d, y - 30) for i, d in enumerate(range(-500, 501, 10))}
    north = {201 + i: (x + d, y + 200) for i, d in enumerate(range(0, 501, 50))}
    river = {301 + i: (x + d, y) for i, d in enumerate(range(-1000, 1001, 250))}
    ford = next(i for i, (rx, _) in river.items() if rx == x + 250)
    south_at_ford = next(i for i, (sx, _) in south.items() if sx == x + 250)
    ways = [(11, {"highway": "path"}, list(south)), (12, {"highway": "residential"}, list(north)),
            (13, {"highway": "footway", "bridge": "yes"}, [max(south), max(north)]),
            (14, {"highway": "path", "ford": "yes"}, [south_at_ford, ford]),
            (15, {"waterway": "river", "name": "Weser"}, list(river))]  # fmt: skip
    return {**south, **north, **river}, ways
