"""Small boundary files written for the tests: square Gemeinden on a grid (fictional), in the
VG250 attribute scheme, as GeoJSON (EPSG:25832 like the WFS answer), GeoPackage or zipped
shapefile."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb

from pipelines.duck import load_spatial

# Kreis 05762 with two towns side by side, Kreis 05774 with one; 10 km squares (100 km² each)
ORIGIN = (500_000.0, 5_730_000.0)
SIZE = 10_000.0
GEMEINDEN = [
    ("05762004", "Bad Driburg", "Stadt", 0, 0),
    ("05762020", "Höxter", "Stadt", 1, 0),
    ("05774032", "Paderborn", "Stadt", 0, 1),
]


def _square(col: int, row: int, cols: int = 1) -> list:
    x0, y0 = ORIGIN[0] + col * SIZE, ORIGIN[1] + row * SIZE
    x1 = x0 + cols * SIZE
    return [[[x0, y0], [x1, y0], [x1, y0 + SIZE], [x0, y0 + SIZE], [x0, y0]]]


def gemeinden_geojson(with_water: bool = True) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {"AGS": ags, "GEN": name, "BEZ": bez, "EWZ": 1000 + i, "KFL": 100.0, "GF": 4,
                           "WSK": "2024-01-01"},
            "geometry": {"type": "Polygon", "coordinates": _square(col, row)},
        }
        for i, (ags, name, bez, col, row) in enumerate(GEMEINDEN)
    ]  # fmt: skip
    if with_water:  # a water area (GF 2) of Höxter: must not count as land
        features.append(
            {
                "type": "Feature",
                "properties": {"AGS": "05762020", "GEN": "Höxter", "BEZ": "Stadt", "EWZ": 0, "KFL": 5.0, "GF": 2},
                "geometry": {"type": "Polygon", "coordinates": _square(1, 0)},
            }
        )
    return _collection(features)


def kreise_geojson() -> bytes:
    features = [
        {"type": "Feature", "properties": {"AGS": "05762", "GEN": "Höxter", "BEZ": "Kreis", "EWZ": 2001, "KFL": 200.0, "WSK": "2024-01-01",
                                           "GF": 4}, "geometry": {"type": "Polygon", "coordinates": _square(0, 0, 2)}},
        {"type": "Feature", "properties": {"AGS": "05774", "GEN": "Paderborn", "BEZ": "Kreis", "EWZ": 1002,
                                           "KFL": 100.0, "GF": 4, "WSK": "2024-01-01"},
         "geometry": {"type": "Polygon", "coordinates": _square(0, 1)}},
    ]  # fmt: skip
    return _collection(features)


def _collection(features: list[dict]) -> bytes:
    return json.dumps(
        {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
         "features": features}
    ).encode("utf-8")  # fmt: skip


def write_with_gdal(geojson: bytes, target: Path, driver: str) -> Path:
    """Convert a fixture GeoJSON into another GDAL format (GeoPackage, ESRI Shapefile)."""
    source = target.with_suffix(".src.geojson")
    source.write_bytes(geojson)
    con = duckdb.connect()
    load_spatial(con)
    con.execute(
        f"COPY (SELECT * EXCLUDE (geom, OGC_FID), geom FROM ST_Read('{source}')) TO '{target}' "
        f"WITH (FORMAT GDAL, DRIVER '{driver}', SRS 'EPSG:25832')"
    )
    con.close()
    source.unlink()
    return target


def shapefile_zip(geojson: bytes, directory: Path) -> Path:
    write_with_gdal(geojson, directory / "vg250_gem.shp", "ESRI Shapefile")
    archive = directory / "vg250_shape.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in directory.glob("vg250_gem.*"):
            zf.write(part, part.name)
    return archive
