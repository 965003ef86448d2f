"""Hand-made Nahversorgung inputs: Overpass answers, Zensus grid lines, coordinates in both CRS."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipelines.duck import connect_readonly, load_spatial
from pipelines.refresh import import_files


def to_wgs84(x: float, y: float) -> tuple[float, float]:
    con = duckdb.connect()
    load_spatial(con)
    lon, lat = con.execute(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Point(?, ?), 'EPSG:3035', 'EPSG:4326', always_xy := true) AS p)",
        [x, y],
    ).fetchone()
    return lon, lat


def centre_3035(settings, ags: str) -> tuple[float, float]:
    con = connect_readonly(settings.db_path)
    try:
        return con.execute(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(geometry), 'EPSG:4326', 'EPSG:3035', "
            "always_xy := true) AS c FROM marts.regions WHERE ags = ?)",
            [ags],
        ).fetchone()
    finally:
        con.close()


def overpass_json(elements: list[dict]) -> bytes:
    return json.dumps({"version": 0.6, "osm3s": {"timestamp_osm_base": "2026-11-20T10:00:00Z"}, "elements": elements}).encode()


def node(i: int, lon: float, lat: float, **tags) -> dict:
    return {"type": "node", "id": i, "lon": lon, "lat": lat, "tags": tags}


def grid_csv(cells: list[tuple[str, float, float, str]]) -> str:
    return "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n" + "".join(f"{c};{x:.0f};{y:.0f};{p}\n" for c, x, y, p in cells)


def import_shop_and_village(settings, directory: Path) -> tuple[float, float]:
    """On the fixture boundaries: a supermarket "Mitte" at Bad Driburg's centre with 30 people 300 m
    away, 50 people at Höxter's centre (no shop there) and the village Ovenhausen 200 m east of it.
    Returns Höxter's centre in EPSG:3035."""
    x, y = centre_3035(settings, "05762004")
    hx, hy = centre_3035(settings, "05762020")
    (directory / "osm.json").write_bytes(overpass_json([
        node(1, *to_wgs84(x, y), shop="supermarket", name="Mitte"),
        node(2, *to_wgs84(hx + 200, hy), place="village", name="Ovenhausen"),
    ]))  # fmt: skip
    (directory / "grid.csv").write_text(grid_csv([("a", x + 300, y, "30"), ("b", hx, hy, "50")]))
    import_files(settings, [directory / "osm.json", directory / "grid.csv"])
    return hx, hy
