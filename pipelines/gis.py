"""The Nahversorgung for GIS users: supply points, services, populated cells with their
distances, coverage per town and the town outlines as GeoDataFrames (for analysts) and as one
GeoPackage that QGIS opens with each layer's CRS (written with geopandas/pyogrio).

    from pipelines.gis import layers
    frames = layers("data/warehouse/xregion.duckdb")   # {"rasterzellen": GeoDataFrame, …}
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipelines.duck import connect_readonly

# layer → (query with a WKB column `geometry`, CRS of that geometry, geometry type in the file)
LAYERS = {
    "versorgungspunkte": (
        "SELECT point_id, name, category AS kategorie, origin AS herkunft, kind AS art, ags, town AS gemeinde, "
        "data_date AS stand, ST_AsWKB(ST_Point(lon, lat)) AS geometry FROM marts.supply_points",
        "EPSG:4326",
        "Point",
    ),
    "einrichtungen_bbsr": (
        "SELECT point_id, name, category AS kategorie, ags, town AS gemeinde, data_date AS stand, "
        "ST_AsWKB(ST_Point(lon, lat)) AS geometry FROM marts.service_points",
        "EPSG:4326",
        "Point",
    ),
    "rasterzellen": (
        # the 100 m cell as a square in the grid's own CRS; distances in m, times in minutes
        "SELECT c.cell_id, c.ags, c.population AS einwohner, c.distance_any AS luftlinie_alle_m, "
        "c.distance_full AS luftlinie_supermarkt_m, c.network_any AS fussweg_alle_m, c.network_full AS fussweg_supermarkt_m, "
        "c.walk_min_full AS gehzeit_supermarkt_min, c.access_m AS zugang_wegenetz_m, c.network_connected AS am_wegenetz, "
        "r.hausarzt_min, r.apotheke_min, r.grundschule_min, r.haltestelle_min, "
        "ST_AsWKB(ST_MakeEnvelope(c.x - 50, c.y - 50, c.x + 50, c.y + 50)) AS geometry "
        "FROM marts.nahversorgung_cells c LEFT JOIN (SELECT cell_id, "
        "  any_value(walk_min) FILTER (WHERE category = 'Hausarzt') AS hausarzt_min, "
        "  any_value(walk_min) FILTER (WHERE category = 'Apotheke') AS apotheke_min, "
        "  any_value(walk_min) FILTER (WHERE category = 'Grundschule') AS grundschule_min, "
        "  any_value(walk_min) FILTER (WHERE category = 'Haltestelle') AS haltestelle_min "
        "  FROM marts.erreichbarkeit_cells GROUP BY cell_id) r USING (cell_id) WHERE c.ags IS NOT NULL",
        "EPSG:3035",
        "Polygon",
    ),
    "versorgung_gemeinden": (
        "SELECT v.ags, v.name, v.category AS kategorie, v.population AS einwohner, v.share_1000_straight AS anteil_1000m_luftlinie, "
        "v.share_1000_network AS anteil_1000m_fussweg, v.share_15_min AS anteil_15min_zu_fuss, "
        "v.population_not_connected AS nicht_angebunden, ST_AsWKB(r.geometry) AS geometry "
        "FROM marts.erreichbarkeit_coverage v JOIN marts.regions r USING (ags) WHERE r.geometry IS NOT NULL",
        "EPSG:4326",
        "MultiPolygon",
    ),
    "gebiete": (
        "SELECT ags, name, level AS ebene, attribution AS quelle, ST_AsWKB(geometry) AS geometry FROM marts.region_shapes "
        "WHERE in_region",
        "EPSG:4326",
        "MultiPolygon",
    ),
}


def layers(db_path: Path | str) -> dict:
    """Every layer as a geopandas GeoDataFrame with its CRS (empty layers included)."""
    import geopandas as gpd

    con = connect_readonly(Path(db_path))
    try:
        result = {}
        for name, (sql, crs, _) in LAYERS.items():
            frame = con.execute(sql).df()
            geometry = gpd.GeoSeries.from_wkb(frame.pop("geometry").map(bytes), crs=crs)
            result[name] = gpd.GeoDataFrame(frame, geometry=geometry, crs=crs)
        return result
    finally:
        con.close()


def write_gpkg(db_path: Path | str, target: Path) -> Path:
    """All layers into one GeoPackage at `target` (written beside it first, then renamed: a
    half-written file never carries the name)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # GDAL creates the file itself
    try:
        for name, frame in layers(db_path).items():
            kind = LAYERS[name][2]
            frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", geometry_type=kind,
                          promote_to_multi=kind.startswith("Multi"))  # fmt: skip
        Path(tmp).replace(target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def gpkg_bytes(db_path: Path | str) -> bytes:
    """The GeoPackage as bytes (the page's download)."""
    with tempfile.TemporaryDirectory() as directory:
        return write_gpkg(db_path, Path(directory) / "nahversorgung.gpkg").read_bytes()
