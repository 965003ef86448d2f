"""Area outlines as TopoJSON: quantised, delta-encoded integer coordinates instead of GeoJSON
decimals, so a map of all 396 NRW Gemeinden travels to the browser in a fraction of the bytes.

The geometry part is built once per warehouse build (see `dashboard.data.area_topology`); a
rerun only attaches the properties of the day (class, value, rank) to the cached geometries.
A border two Gemeinden share is stored once (as TopoJSON intends), which with the integer deltas
cuts the bytes to a fraction.
"""

from __future__ import annotations

from dataclasses import dataclass

OBJECT = "gebiete"  # the object name Vega-Lite's topojson format reads


@dataclass(frozen=True)
class Topology:
    """Geometries without properties: `geometries[i]` belongs to `keys[i]`."""

    transform: dict
    arcs: list
    geometries: tuple[dict, ...]
    keys: tuple[str, ...]

    def with_properties(self, properties: list[dict]) -> dict:
        """The TopoJSON document with one properties dict per geometry, in key order. The arcs
        are shared with the cached topology, never copied (nothing downstream changes them)."""
        if len(properties) != len(self.geometries):
            raise ValueError(f"{len(properties)} Eigenschaften für {len(self.geometries)} Gebiete")
        geometries = [{**g, "properties": p} for g, p in zip(self.geometries, properties)]
        return {"type": "Topology", "transform": self.transform, "arcs": self.arcs,
                "objects": {OBJECT: {"type": "GeometryCollection", "geometries": geometries}}}  # fmt: skip


def build(keys: list[str], geometries: list[dict], quantization: int = 100_000) -> Topology:
    """GeoJSON Polygon/MultiPolygon geometries → a quantised topology. `quantization` is the
    number of steps across the whole extent (100 000 over a Kreis is a few decimetres; 20 000
    over NRW about 15 m, well below a pixel). A border two areas share is stored once."""
    points = [pt for g in geometries for pt in _all_points(g)]
    if not points:
        return Topology({"scale": [1, 1], "translate": [0, 0]}, [], tuple(), tuple())
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, y0 = min(xs), min(ys)
    sx = (max(xs) - x0) / (quantization - 1) or 1.0
    sy = (max(ys) - y0) / (quantization - 1) or 1.0

    def quantised(ring: list) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for x, y, *_ in ring:
            q = (round((x - x0) / sx), round((y - y0) / sy))
            if not out or q != out[-1]:  # several vertices in one quantum: one is enough
                out.append(q)
        if out[0] != out[-1]:
            out.append(out[0])
        return out

    shapes = [_map_rings(g, quantised) for g in geometries]
    rings = [r for shape in shapes for r in _iter_rings(shape)]
    junctions = _junctions(rings)
    arcs = _Arcs()
    encoded = [_map_rings_of(shape, lambda r: arcs.ring(r, junctions)) for shape in shapes]
    return Topology({"scale": [sx, sy], "translate": [x0, y0]}, arcs.encoded(), tuple(encoded), tuple(keys))


def _map_rings(geometry: dict, fn) -> dict:
    kind = geometry["type"]
    if kind == "Polygon":
        return {"type": kind, "rings": [fn(r) for r in geometry["coordinates"]]}
    if kind == "MultiPolygon":
        return {"type": kind, "rings": [[fn(r) for r in polygon] for polygon in geometry["coordinates"]]}
    raise ValueError(f"Geometrietyp {kind} ist keine Fläche")


def _iter_rings(shape: dict):
    if shape["type"] == "Polygon":
        yield from shape["rings"]
    else:
        for polygon in shape["rings"]:
            yield from polygon


def _map_rings_of(shape: dict, fn) -> dict:
    if shape["type"] == "Polygon":
        return {"type": "Polygon", "arcs": [fn(r) for r in shape["rings"]]}
    return {"type": "MultiPolygon", "arcs": [[fn(r) for r in polygon] for polygon in shape["rings"]]}


def _junctions(rings: list[list[tuple[int, int]]]) -> set[tuple[int, int]]:
    """Points where borders meet or part: a point with more than two distinct neighbours over
    all rings. Between two junctions a border is the same sequence of points in every ring
    that has it (forwards or backwards), so it can be stored once."""
    neighbours: dict[tuple[int, int], set] = {}
    for ring in rings:
        n = len(ring) - 1  # closed: the last point repeats the first
        for i in range(n):
            around = neighbours.setdefault(ring[i], set())
            around.add(ring[i - 1] if i else ring[n - 1])
            around.add(ring[i + 1])
    return {p for p, around in neighbours.items() if len(around) > 2}


class _Arcs:
    """Arcs found so far, each stored once; a ring refers to an arc forwards (i) or backwards (~i)."""

    def __init__(self) -> None:
        self._points: list[tuple] = []
        self._index: dict[tuple, int] = {}

    def _ref(self, arc: tuple) -> int:
        if arc in self._index:
            return self._index[arc]
        backwards = arc[::-1]
        if backwards in self._index:
            return ~self._index[backwards]
        self._index[arc] = len(self._points)
        self._points.append(arc)
        return self._index[arc]

    def ring(self, ring: list[tuple[int, int]], junctions: set) -> list[int]:
        body = ring[:-1]
        cuts = [i for i, p in enumerate(body) if p in junctions]
        if not cuts:
            # a ring no other ring touches (or one another ring repeats whole, like an enclave
            # and the hole it leaves): start at its smallest point, so both find the same arc
            start = body.index(min(body))
            rotated = body[start:] + body[:start]
            return [self._ref(tuple(rotated + [rotated[0]]))]
        rotated = body[cuts[0]:] + body[:cuts[0]]
        offsets = [c - cuts[0] for c in cuts] + [len(body)]
        closed = rotated + [rotated[0]]
        return [self._ref(tuple(closed[a:b + 1])) for a, b in zip(offsets, offsets[1:])]

    def encoded(self) -> list[list[list[int]]]:
        """Delta-encoded, as the TopoJSON specification has quantised arcs."""
        out = []
        for arc in self._points:
            px = py = 0
            deltas = []
            for x, y in arc:
                deltas.append([x - px, y - py])
                px, py = x, y
            out.append(deltas)
        return out


def _all_points(geometry: dict):
    if geometry["type"] == "Polygon":
        for ring in geometry["coordinates"]:
            yield from ring
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            for ring in polygon:
                yield from ring


def decode(document: dict, object_name: str = OBJECT) -> list[dict]:
    """TopoJSON → GeoJSON Features (properties kept), for tests and for anyone reading an
    exported spec without a TopoJSON library."""
    (sx, sy), (tx, ty) = document["transform"]["scale"], document["transform"]["translate"]
    absolute = []
    for arc in document["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append([x * sx + tx, y * sy + ty])
        absolute.append(points)

    def ring(refs: list[int]) -> list[list[float]]:
        coords: list[list[float]] = []
        for ref in refs:
            points = absolute[ref] if ref >= 0 else absolute[~ref][::-1]
            coords.extend(points if not coords else points[1:])  # arcs meet in a shared point
        return coords

    features = []
    for g in document["objects"][object_name]["geometries"]:
        if g["type"] == "Polygon":
            geometry = {"type": "Polygon", "coordinates": [ring(r) for r in g["arcs"]]}
        else:
            geometry = {"type": "MultiPolygon", "coordinates": [[ring(r) for r in p] for p in g["arcs"]]}
        features.append({"type": "Feature", "geometry": geometry, "properties": g.get("properties", {})})
    return features
