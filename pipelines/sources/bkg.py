"""Municipal and district boundaries: BKG VG250-EW.

Online, the WFS (`XREGION_BKG_WFS_URL`) is asked for all Gemeinden and Kreise of the Land of the
configured Kreis (AGS prefix, e.g. `05`), so the Kreis can be compared with the rest of NRW.
By hand, `xregion import` takes the BKG GeoPackage, a zipped shapefile or a GeoJSON file.
Files are read with GDAL (DuckDB spatial `ST_Read`), kept as delivered, and loaded into
`raw.bkg_areas` in EPSG:4326 together with their source CRS.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb

from pipelines.config import Settings
from pipelines.errors import HostUnreachable, ParseError, SourceError, XRegionError
from pipelines.german import fmt_number
from pipelines.http import HttpClient
from pipelines.progress import Reporter
from pipelines.rawstore import RawFile, RawStore
from pipelines.duck import region_bounds as warehouse_region_bounds
from pipelines.sources import ImportMatch, Source

NAME = "bkg"
LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)"
LAYERS = {"gemeinden": "vg250-ew:vg250_gem", "kreise": "vg250-ew:vg250_krs"}
GPKG_LAYERS = ("vg250_gem", "vg250_krs")
MEDIA_GEOJSON = "geojson"
MEDIA_GPKG = "gpkg"
MEDIA_SHP_ZIP = "shp-zip"
MEDIA_GPKG_ZIP = "gpkg-zip"  # the BKG bulk download: a ZIP with the GeoPackage inside
HINT = (
    "Laden Sie die Verwaltungsgebiete VG250-EW beim BKG herunter (GeoPackage, Shapefile als ZIP oder GeoJSON) "
    "und lesen Sie sie mit `xregion import <Datei>` ein."
)

RAW_DDL = """
CREATE TABLE raw.bkg_areas (
    ags VARCHAR, name VARCHAR, bez VARCHAR, ewz BIGINT, kfl DOUBLE, gf INTEGER,
    geometry GEOMETRY('EPSG:4326'), source_crs VARCHAR, stand DATE, county VARCHAR, raw_path VARCHAR
);
"""

# attribute names of VG250 and of derived files (lower case, e.g. the NRW Gemeinden GeoJSON)
COLUMN_NAMES = {
    "ags": ("ags",),
    "name": ("gen", "name"),
    "bez": ("bez", "kind"),
    "ewz": ("ewz", "pop"),
    "kfl": ("kfl", "area_km2"),
    "gf": ("gf",),
    "stand": ("wsk", "beginn"),
    "county": ("county",),  # name of the Kreis, in derived Gemeinde files only
}


def wfs_params(settings: Settings, layer: str) -> dict[str, str]:
    prefix = settings.region.land_ags
    fes_filter = (
        '<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsLike wildCard="*" singleChar="?" '
        f'escapeChar="\\"><fes:ValueReference>AGS</fes:ValueReference><fes:Literal>{prefix}*</fes:Literal>'
        "</fes:PropertyIsLike></fes:Filter>"
    )
    return {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": LAYERS[layer],
        "outputFormat": settings.sources.bkg.output_format,
        "srsName": "EPSG:25832",
        "FILTER": fes_filter,
    }


def _wfs_error(body: bytes) -> str | None:
    """The message of an OGC exception report (XML), or None when the body is something else."""
    text = body[:4000].decode("utf-8", errors="replace")
    if "ExceptionReport" not in text and "ServiceException" not in text:
        return None
    m = re.search(r"<(?:\w+:)?(?:ExceptionText|ServiceException)[^>]*>(.*?)</", text, re.S)
    return (m[1].strip() if m else "ohne Text")[:300]


def check_geojson(body: bytes, label: str) -> int:
    """Number of features; raises SourceError for an exception report, HTML or an empty result."""
    if (problem := _wfs_error(body)) is not None:
        raise SourceError(f"Der WFS des BKG meldet für {label} einen Fehler: {problem}.", "Prüfen Sie XREGION_BKG_WFS_URL.")
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SourceError(
            f"Der WFS des BKG hat für {label} kein GeoJSON geliefert.",
            "Vermutlich ist der Dienst gestört; versuchen Sie es später erneut.",
        ) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not features:
        raise SourceError(
            f"Der WFS des BKG hat für {label} keine Gebiete geliefert.",
            "Prüfen Sie den Kreisschlüssel und XREGION_BKG_WFS_URL; die zuletzt geladenen Grenzen bleiben in Gebrauch.",
        )
    return len(features)


def fetch(settings: Settings, store: RawStore, reporter: Reporter) -> list[RawFile]:
    if settings.sources.bkg.route == "gpkg":
        return _fetch_bulk(settings, store, reporter)
    kept: list[RawFile] = []
    failures: list[str] = []
    url = settings.sources.bkg.wfs_url
    with HttpClient(settings.http, "Der WFS des BKG", reporter) as client:
        for item in LAYERS:
            try:
                response = client.get(url, params=wfs_params(settings, item), label=f"Grenzen {item}")
                count = check_geojson(response.body, item)
                _read_areas(response.body, f"{item}.geojson", MEDIA_GEOJSON)  # readable by GDAL?
            except HostUnreachable as exc:
                if not kept and not failures:
                    raise  # one message for the service, not one per level
                failures.append(exc.message)
                break
            except XRegionError as exc:
                failures.append(exc.message)
                reporter.warn(exc.message)
                continue
            reporter.info(f"Grenzen {item}: {fmt_number(count)} Gebiete")
            kept.append(
                store.put(NAME, item, response.body, url=response.url, origin="download", licence=LICENCE,
                          media=MEDIA_GEOJSON, ext="geojson")
            )  # fmt: skip
    if failures:
        raise SourceError(" ".join(failures), "Für die übrigen Ebenen bleiben die zuletzt geladenen Grenzen in Gebrauch.")
    return kept


def _fetch_bulk(settings: Settings, store: RawStore, reporter: Reporter) -> list[RawFile]:
    """The whole of Germany as one GeoPackage ZIP (tens of MB); kept as delivered, the Land is
    selected when loading."""
    url = settings.sources.bkg.gpkg_url
    with HttpClient(settings.http, "Der Download-Dienst des BKG", reporter) as client:
        body = client.get(url, label="VG250-EW (GeoPackage)").body
    if _media_of("vg250.zip", body) != MEDIA_GPKG_ZIP:
        raise SourceError(f"Das BKG hat unter {url} kein ZIP mit GeoPackage geliefert.", "Prüfen Sie sources.bkg.gpkg_url.")
    areas = _read_areas(body, "vg250.zip", MEDIA_GPKG_ZIP)
    reporter.info(f"VG250-EW: {fmt_number(len(areas))} Gebiete")
    return [store.put(NAME, "gpkg", body, url=url, origin="download", licence=LICENCE, media=MEDIA_GPKG_ZIP, ext="zip")]


def _media_of(filename: str, content: bytes) -> str | None:
    if content.startswith(b"SQLite format 3\x00"):
        return MEDIA_GPKG
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            return None
        if any(n.lower().endswith(".gpkg") for n in names):
            return MEDIA_GPKG_ZIP
        return MEDIA_SHP_ZIP if any(n.lower().endswith(".shp") for n in names) else None
    head = content[:2048].lstrip()
    if head.startswith(b"{") and b"FeatureCollection" in head or filename.lower().endswith((".geojson", ".json")):
        return MEDIA_GEOJSON if b"FeatureCollection" in content[:1_000_000] else None
    return None


def recognise(filename: str, content: bytes) -> ImportMatch | None:
    media = _media_of(filename, content)
    if media is None:
        return None
    areas = _read_areas(content, filename, media)
    levels = {len(a["ags"]) for a in areas}
    if not levels <= {5, 8}:
        raise ParseError(f"{filename}: Gebietsschlüssel (AGS) mit {sorted(levels)} Stellen; erwartet 5 (Kreise) oder 8 (Gemeinden).", HINT)
    keys = {a["ags"] for a in areas}  # a Gemeinde may have several parts (land, water)
    gemeinden = sum(1 for key in keys if len(key) == 8)
    kreise = len(keys) - gemeinden
    ext = {MEDIA_GPKG: "gpkg", MEDIA_SHP_ZIP: "zip", MEDIA_GPKG_ZIP: "zip", MEDIA_GEOJSON: "geojson"}[media]
    return ImportMatch(
        source=NAME,
        item="import",
        media=media,
        ext=ext,
        description=f"Gebietsgrenzen ({fmt_number(gemeinden)} Gemeinden, {fmt_number(kreise)} Kreise)",
    )


@contextmanager
def _layers(path: Path, media: str) -> Iterator[list[tuple[str, str | None]]]:
    """(GDAL path, layer) pairs to read from a file. A GeoPackage inside a ZIP is unpacked to a
    temporary file first (GDAL's /vsizip/ access to SQLite crashes DuckDB spatial)."""
    if media == MEDIA_SHP_ZIP:
        with zipfile.ZipFile(path) as archive:
            shapes = [n for n in archive.namelist() if n.lower().endswith(".shp")]
        yield [(f"/vsizip/{path}/{name}", None) for name in shapes]
    elif media == MEDIA_GPKG_ZIP:
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path) as archive:
            inner = next(n for n in archive.namelist() if n.lower().endswith(".gpkg"))
            target = Path(tmp) / "vg250.gpkg"
            with archive.open(inner) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            with _layers(target, MEDIA_GPKG) as layers:
                yield layers
    elif media == MEDIA_GPKG:
        con = duckdb.connect()
        _load_spatial(con)
        layers = [r[0] for r in con.execute("SELECT unnest(layers).name FROM ST_Read_Meta(?)", [str(path)]).fetchall()]
        con.close()
        wanted = [layer for layer in layers if layer.lower() in GPKG_LAYERS]
        yield [(str(path), layer) for layer in (wanted or layers[:1])]
    else:
        yield [(str(path), None)]


def _load_spatial(con: duckdb.DuckDBPyConnection) -> None:
    from pipelines.duck import load_spatial

    load_spatial(con)


def _select_areas(con: duckdb.DuckDBPyConnection, gdal_path: str, layer: str | None, filename: str) -> str:
    """A SELECT over one layer with the VG250 attributes under fixed names, geometry in EPSG:4326."""
    args = "?" + (", layer := ?" if layer else "")
    params = [gdal_path] + ([layer] if layer else [])
    con.execute(f"CREATE OR REPLACE TEMP TABLE bkg_layer AS SELECT * FROM ST_Read({args})", params)
    described = con.execute("DESCRIBE bkg_layer").fetchall()
    columns = {name.lower(): name for name, *_ in described}
    geometry = next((name for name, type_, *_ in described if type_.upper().startswith("GEOMETRY")), None)
    if geometry is None or "ags" not in columns:
        raise ParseError(f"{filename}: keine Geometrie oder keine Spalte AGS gefunden.", HINT)
    geo_type = next(type_ for name, type_, *_ in described if name == geometry)
    crs = m[1] if (m := re.search(r"GEOMETRY\('([^']+)'\)", geo_type)) else None
    if crs is None:
        # no CRS in the file: coordinates beyond ±180 are metres of the BKG's UTM zone 32
        xmax = con.execute(f'SELECT max(ST_XMax("{geometry}")) FROM bkg_layer').fetchone()[0]
        crs = "EPSG:25832" if xmax is not None and abs(xmax) > 180 else "EPSG:4326"
    target = f'"{geometry}"::GEOMETRY'  # without the typed CRS; transformed explicitly below
    if crs not in ("EPSG:4326", "OGC:CRS84"):
        target = f"ST_Transform({target}, '{crs}', 'EPSG:4326', always_xy := true)"

    def pick(field: str, cast: str) -> str:
        name = next((columns[n] for n in COLUMN_NAMES[field] if n in columns), None)
        return f'TRY_CAST("{name}" AS {cast})' if name else f"NULL::{cast}"

    return (
        f"SELECT trim(CAST(\"{columns['ags']}\" AS VARCHAR)) AS ags, {pick('name', 'VARCHAR')} AS name, "
        f"{pick('bez', 'VARCHAR')} AS bez, {pick('ewz', 'BIGINT')} AS ewz, {pick('kfl', 'DOUBLE')} AS kfl, "
        f"{pick('gf', 'INTEGER')} AS gf, ST_SetCRS({target}, 'EPSG:4326') AS geometry, '{crs}' AS source_crs, "
        f"{pick('stand', 'DATE')} AS stand, {pick('county', 'VARCHAR')} AS county FROM bkg_layer"
    )


def _read_areas(content: bytes, filename: str, media: str) -> list[dict]:
    """Read a file completely (validation before it is kept or imported)."""
    suffix = {MEDIA_GPKG: ".gpkg", MEDIA_SHP_ZIP: ".zip", MEDIA_GPKG_ZIP: ".zip", MEDIA_GEOJSON: ".geojson"}[media]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"areas{suffix}"
        path.write_bytes(content)
        con = duckdb.connect()
        try:
            _load_spatial(con)
            rows = []
            with _layers(path, media) as layers:
                for gdal_path, layer in layers:
                    select = _select_areas(con, gdal_path, layer, filename)
                    rows += con.execute(f"SELECT ags, name FROM ({select})").fetchall()
        except duckdb.Error as exc:
            raise ParseError(f"{filename}: die Geodaten lassen sich nicht lesen ({str(exc).splitlines()[0]}).", HINT) from None
        finally:
            con.close()
    if not rows:
        raise ParseError(f"{filename}: die Datei enthält keine Gebiete.", HINT)
    bad = [r[0] for r in rows if not r[0] or not re.fullmatch(r"\d{5}|\d{8}", r[0])]
    if bad:
        raise ParseError(f"{filename}: ungültiger Gebietsschlüssel „{bad[0]}“ (erwartet 5 oder 8 Ziffern).", HINT)
    return [{"ags": r[0], "name": r[1]} for r in rows]


def _newest_route(files: list[RawFile]) -> list[RawFile]:
    """Only the files of the route used last (WFS layers, bulk GeoPackage or an import), so
    boundaries are never loaded twice after switching routes."""
    newest = max(files, key=lambda f: f.fetched_at, default=None)
    if newest is None or newest.origin == "import":
        return [newest] if newest else []
    return [f for f in files if f.origin == "download" and f.media == newest.media]


def load(con: duckdb.DuckDBPyConnection, store: RawStore, files: list[RawFile], settings: Settings) -> None:
    for raw in _newest_route(files):
        path = store.root / raw.path
        fallback = date.fromisoformat(raw.fetched_at[:10]).isoformat()
        with _layers(path, raw.media) as layers:
            for gdal_path, layer in layers:
                select = _select_areas(con, gdal_path, layer, raw.path)
                con.execute(
                    f"INSERT INTO raw.bkg_areas SELECT * EXCLUDE (stand, county), coalesce(stand, DATE '{fallback}'), "
                    f"county, ? FROM ({select}) WHERE starts_with(ags, ?)",  # a bulk file covers all of Germany
                    [raw.path, settings.region.land_ags],
                )


def region_bounds(settings: Settings, crs: str = "EPSG:4326") -> tuple[float, float, float, float] | None:
    """(xmin, ymin, xmax, ymax) of the configured Kreis in `crs`: from the live warehouse, or,
    before any warehouse has boundaries (the first refresh of a fresh install), from the
    boundary files already in the raw store, so the Zensus grid can be cut in the same refresh."""
    bounds = warehouse_region_bounds(settings.db_path, settings.region.ags, crs)
    if bounds is not None:
        return bounds
    store = RawStore(settings.raw_dir)
    files = _newest_route(store.current(NAME))
    if not files:
        return None
    con = duckdb.connect()
    try:
        _load_spatial(con)
        con.execute("CREATE SCHEMA raw")
        con.execute(RAW_DDL)
        load(con, store, files, settings)
        row = con.execute(
            "SELECT min(ST_XMin(g)), min(ST_YMin(g)), max(ST_XMax(g)), max(ST_YMax(g)) FROM (SELECT "
            "ST_Transform(geometry::GEOMETRY, 'EPSG:4326', ?, always_xy := true) AS g FROM raw.bkg_areas "
            "WHERE starts_with(ags, ?))",
            [crs, settings.region.ags],
        ).fetchone()
    except (duckdb.Error, XRegionError):
        return None
    finally:
        con.close()
    return None if row is None or row[0] is None else tuple(row)


SOURCE = Source(
    name=NAME,
    title="Gebietsgrenzen (BKG, VG250-EW)",
    licence=LICENCE,
    attribution="© GeoBasis-DE / BKG",
    how_to_get=(
        "Online: `xregion refresh --source bkg` lädt die Grenzen aller Gemeinden und Kreise des Landes über den WFS "
        "des BKG. Ohne Internetzugang: VG250-EW (GeoPackage, Shapefile-ZIP oder GeoJSON) von gdz.bkg.bund.de "
        "herunterladen und mit `xregion import <Datei>` einlesen."
    ),
    raw_ddl=RAW_DDL,
    raw_tables=("bkg_areas",),
    fetch=fetch,
    recognise=recognise,
    load=load,
    release_cycle_days=365,  # annual tables / boundaries as of 31.12.
)
