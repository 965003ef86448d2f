"""Boundaries from BKG VG250-EW: the WFS route against a fake server, file imports (GeoJSON,
GeoPackage, zipped shapefile), geometry in marts.regions and map-ready shapes."""

from __future__ import annotations

import zipfile

import pytest

from pipelines.errors import ParseError, XRegionError
from pipelines.rawstore import RawStore
from pipelines.refresh import import_files, refresh
from pipelines.sources import bkg, itnrw
from tests.conftest import reference_file
from tests.support.warehouse import rows
from tests.support import geo, itnrw_tables
from tests.support.fake_server import Reply

WFS = "/wfs"
SOURCES = [itnrw.SOURCE, bkg.SOURCE]


def serve_wfs(fake_server, gemeinden: Reply, kreise: Reply | None = None) -> None:
    """The fake WFS answers by the requested layer (typeNames)."""
    replies = {"vg250-ew:vg250_gem": gemeinden, "vg250-ew:vg250_krs": kreise or Reply(200, geo.kreise_geojson())}

    def answer(request):
        return replies[request.query["typeNames"][0]]

    fake_server.route("GET", WFS, answer)


UTM_AREA_KM2 = "ST_Area(ST_Transform(geometry, 'EPSG:4326', 'EPSG:25832', always_xy := true)) / 1e6"


@pytest.fixture
def statistics(settings, tmp_path):
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    import_files(settings, [table], sources=SOURCES)
    return settings


def test_the_wfs_is_asked_for_all_gemeinden_and_kreise_of_the_land(statistics, fake_server):
    serve_wfs(fake_server, Reply(200, geo.gemeinden_geojson()))
    result = refresh(statistics, selected=[bkg.SOURCE], sources=SOURCES)
    assert result.failed == {}
    layers = [r.query["typeNames"][0] for r in fake_server.requests_to(WFS)]
    assert layers == ["vg250-ew:vg250_gem", "vg250-ew:vg250_krs"]
    query = fake_server.requests_to(WFS)[0].query
    assert query["request"] == ["GetFeature"] and query["outputFormat"] == ["application/json"]
    assert query["srsName"] == ["EPSG:25832"]
    assert "<fes:Literal>05*</fes:Literal>" in query["FILTER"][0] and "AGS" in query["FILTER"][0]
    assert fake_server.requests_to(WFS)[0].headers["User-Agent"].startswith("XRegionMonitor/")


def test_geometries_land_in_marts_regions_in_wgs84_with_the_water_area_left_out(statistics, fake_server):
    serve_wfs(fake_server, Reply(200, geo.gemeinden_geojson()))
    refresh(statistics, selected=[bkg.SOURCE], sources=SOURCES)
    towns = rows(
        statistics,
        f"SELECT ags, ST_GeometryType(geometry)::VARCHAR, round({UTM_AREA_KM2}, 1), "
        "ST_XMin(geometry) BETWEEN 5 AND 10 FROM marts.regions WHERE level = 'gemeinde' ORDER BY ags",
    )
    assert [t[0] for t in towns] == ["05762004", "05762020", "05774032"]
    assert all(t[2] == pytest.approx(100.0, abs=0.5) for t in towns)  # 10 km squares; water not added
    assert all(t[3] for t in towns)  # degrees, not metres
    kreis = rows(statistics, f"SELECT round({UTM_AREA_KM2}) FROM marts.regions WHERE ags = '05762'")
    assert kreis == [(200.0,)]
    crs = rows(statistics, "SELECT DISTINCT source_crs FROM raw.bkg_areas")
    assert crs == [("EPSG:25832",)]
    land = rows(statistics, f"SELECT round({UTM_AREA_KM2}) FROM marts.regions WHERE ags = '05'")
    assert land == [(300.0,)]  # the Land is the union of its Kreise


def test_map_shapes_share_borders_and_carry_the_attribution(statistics, fake_server):
    serve_wfs(fake_server, Reply(200, geo.gemeinden_geojson()))
    refresh(statistics, selected=[bkg.SOURCE], sources=SOURCES)
    shapes = rows(
        statistics,
        "SELECT ags, level, name, in_region, attribution FROM marts.region_shapes ORDER BY level, ags",
    )
    assert [(s[0], s[1], s[3]) for s in shapes] == [
        ("05762004", "gemeinde", True), ("05762020", "gemeinde", True), ("05774032", "gemeinde", False),
        ("05762", "kreis", True), ("05774", "kreis", False),
    ]  # fmt: skip
    assert shapes[0][2] == "Bad Driburg" and shapes[0][4] == "© GeoBasis-DE / BKG (2024)"
    # neighbours touch along their whole border (10 km ≈ 0,09°): no gap, no overlap
    touching = rows(
        statistics,
        "SELECT ST_Length(ST_Intersection(a.geometry, b.geometry)) > 0.08, ST_Area(ST_Intersection(a.geometry, b.geometry)) "
        "FROM marts.region_shapes a, marts.region_shapes b WHERE a.ags = '05762004' AND b.ags = '05762020'",
    )
    assert touching[0][0] and touching[0][1] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(200, b'{"type": "FeatureCollection", "features": []}'), "keine Gebiete geliefert"),
        (
            Reply(200, b'<?xml version="1.0"?><ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1">'
                       b"<ows:Exception><ows:ExceptionText>Unknown type vg250_gem</ows:ExceptionText></ows:Exception>"
                       b"</ows:ExceptionReport>"),
            "meldet für gemeinden einen Fehler: Unknown type vg250_gem",
        ),
        (Reply(200, b"<html><body>Wartung</body></html>"), "kein GeoJSON geliefert"),
        (Reply(503), "HTTP 503"),
        (Reply(200, geo.gemeinden_geojson(), delay=3), "keine Antwort innerhalb der Wartezeit"),
    ],
)  # fmt: skip
def test_a_failing_wfs_keeps_the_last_good_boundaries(statistics, fake_server, reply, message):
    serve_wfs(fake_server, Reply(200, geo.gemeinden_geojson()))
    refresh(statistics, selected=[bkg.SOURCE], sources=SOURCES)
    kept = RawStore(statistics.raw_dir).current_item("bkg", "gemeinden")
    serve_wfs(fake_server, reply)
    result = refresh(statistics, selected=[bkg.SOURCE], sources=SOURCES)
    assert message in result.failed["bkg"]
    assert RawStore(statistics.raw_dir).current_item("bkg", "gemeinden") == kept
    assert rows(statistics, "SELECT count(*) FROM marts.regions WHERE geometry IS NOT NULL AND level = 'gemeinde'") == [(3,)]


def test_the_wfs_is_retried_after_a_server_error(statistics, fake_server):
    fake_server.route("GET", WFS, Reply(502), Reply(200, geo.gemeinden_geojson()), Reply(200, geo.kreise_geojson()))
    result = refresh(statistics, selected=[bkg.SOURCE], sources=SOURCES)
    assert result.failed == {}
    assert len(fake_server.requests_to(WFS)) == 3


@pytest.mark.parametrize("kind", ["geojson", "gpkg", "shp-zip"])
def test_boundaries_can_be_imported_from_a_file(statistics, tmp_path, kind):
    path = {
        "geojson": lambda: _write(tmp_path / "gemeinden.geojson", geo.gemeinden_geojson()),
        "gpkg": lambda: geo.write_with_gdal(geo.gemeinden_geojson(), tmp_path / "vg250.gpkg", "GPKG"),
        "shp-zip": lambda: geo.shapefile_zip(geo.gemeinden_geojson(), tmp_path),
    }[kind]()
    matches, _ = import_files(statistics, [path], sources=SOURCES)
    assert matches[0].source == "bkg" and matches[0].media == kind
    assert "3 Gemeinden" in matches[0].description
    areas = rows(statistics, "SELECT ags, round(area_km2) FROM staging.stg_bkg__areas ORDER BY ags")
    assert areas == [("05762004", 100.0), ("05762020", 100.0), ("05774032", 100.0)]
    # the Kreis outline comes from its towns when only the Gemeinde layer was imported
    assert rows(statistics, "SELECT count(*) FROM marts.region_shapes WHERE level = 'kreis' AND ags = '05762'") == [(1,)]


def _write(path, content):
    path.write_bytes(content)
    return path


def test_a_broken_boundary_file_is_refused_with_its_name(statistics, tmp_path):
    bad = tmp_path / "grenzen.geojson"
    bad.write_bytes(geo.gemeinden_geojson().replace(b'"05762004"', b'"5762004"'))
    with pytest.raises(XRegionError, match="grenzen.geojson: ungültiger Gebietsschlüssel „5762004“"):
        import_files(statistics, [bad], sources=SOURCES)
    with pytest.raises(ParseError, match="keine Geometrie oder keine Spalte AGS"):
        bkg.recognise("liste.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
                      b'"properties": {"x": 1}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}')  # fmt: skip


def test_the_real_nrw_gemeinden_file(settings, tmp_path):
    import_files(settings, [reference_file("geo/nrw_gemeinden.geojson")], sources=SOURCES)
    gemeinden = rows(settings, "SELECT count(*) FROM marts.regions WHERE level = 'gemeinde' AND geometry IS NOT NULL")
    assert gemeinden == [(396,)]
    towns = rows(settings, "SELECT name FROM marts.region_shapes WHERE level = 'gemeinde' AND in_region ORDER BY name")
    assert [t[0] for t in towns] == [
        "Bad Driburg", "Beverungen", "Borgentreich", "Brakel", "Höxter", "Marienmünster", "Nieheim", "Steinheim",
        "Warburg", "Willebadessen",
    ]  # fmt: skip
    (area,) = rows(settings, "SELECT sum(area_km2) FROM staging.stg_bkg__areas WHERE ags LIKE '05762%'")[0]
    assert area == pytest.approx(1201, abs=1)
    # the simplified coverage has no overlaps and no gaps: its union covers what the towns cover
    overlap, union, parts = rows(
        settings,
        "SELECT sum(ST_Area(geometry)), ST_Area(ST_Union_Agg(geometry)), "
        "(SELECT ST_Area(ST_Union_Agg(geometry)) FROM staging.stg_bkg__areas WHERE ags LIKE '05762%') "
        "FROM marts.region_shapes WHERE level = 'gemeinde' AND in_region",
    )[0]
    assert overlap == pytest.approx(union, rel=1e-6)
    assert union == pytest.approx(parts, rel=0.01)


def test_the_bulk_geopackage_route_keeps_only_the_land(statistics, fake_server, tmp_path):
    """route = "gpkg": the ZIP with the GeoPackage of all of Germany; a Gemeinde of another
    Land in it is left out, and the WFS files fetched before are not loaded twice."""
    serve_wfs(fake_server, Reply(200, geo.gemeinden_geojson()))
    refresh(statistics, selected=[bkg.SOURCE], sources=SOURCES)
    germany = geo.gemeinden_geojson().replace(b'"05774032"', b'"06411000"')
    package = geo.write_with_gdal(germany, tmp_path / "DE_VG250.gpkg", "GPKG")
    bulk = tmp_path / "vg250.zip"
    with zipfile.ZipFile(bulk, "w") as zf:
        zf.write(package, "vg250-ew_ebenen_1231/DE_VG250.gpkg")
    fake_server.route("GET", "/vg250.zip", Reply(200, bulk.read_bytes()))
    statistics.sources.bkg.route = "gpkg"
    statistics.sources.bkg.gpkg_url = f"{fake_server.url}/vg250.zip"
    result = refresh(statistics, selected=[bkg.SOURCE], sources=SOURCES)
    assert result.failed == {}
    assert rows(statistics, "SELECT ags, round(area_km2) FROM staging.stg_bkg__areas ORDER BY ags") == [
        ("05762004", 100.0), ("05762020", 100.0),
    ]  # fmt: skip
    assert rows(statistics, "SELECT DISTINCT raw_path LIKE '%gpkg%' FROM raw.bkg_areas") == [(True,)]
