"""Nahversorgung on foot: the path network from OpenStreetMap (a fake Overpass, an `.osm`
import), distances along it on a hand-made river with one bridge (300 m straight, 2 km on
foot), the access legs, the ways a person or a bike may use, the BBSR's five services, and the
cells not connected to the network."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from pipelines import network
from pipelines.errors import XRegionError
from pipelines.refresh import import_files, refresh
from pipelines.sources import bkg, osm, wegenetz
from tests.support import geo
from tests.support.fake_server import Reply
from tests.support.network import osm_xml, overpass_network_json, river_between_near_paths, river_with_one_bridge
from tests.support.supply import centre_3035, grid_csv, node, overpass_json, to_wgs84
from tests.support.warehouse import rows

OVERPASS = "/api/interpreter"


def _graph(nodes: dict, ways: list, waters: bool = True) -> tuple[network.Graph, network.Graph]:
    """The graphs of a hand-made network; `waters=False`: as if the file held no rivers."""
    node_frame = pl.DataFrame([(i, x, y) for i, (x, y) in nodes.items()], schema=["node_id", "x", "y"], orient="row")
    tag = {k: [t.get(k) for _, t, _ in ways] for k in ("highway", "foot", "bicycle", "access", "waterway")}
    way_frame = pl.DataFrame({**tag, "nodes": [refs for _, _, refs in ways]})
    rivers = way_frame.filter(pl.col("waterway").is_in(wegenetz.BARRIER_WATERWAYS)) if waters else None
    return network.graphs_from(node_frame, network.walkable_ways(way_frame), rivers)


def test_across_the_river_it_is_300_m_straight_and_2_km_on_foot():
    nodes, ways = river_with_one_bridge(0.0, 0.0)
    walk, _ = _graph(nodes, ways)
    home = np.array([[0.0, -150.0 - 20.0]])  # 20 m south of the path: the access leg
    shop = np.array([[0.0, 150.0 + 5.0]])
    distance = network.network_distance(walk, network.snap(walk, home), network.snap(walk, shop))
    assert distance == pytest.approx([20 + 850 + 300 + 850 + 5])
    assert network.minutes(distance, network.WALK_KMH) == pytest.approx([2025 / 75])  # 4,5 km/h = 75 m/min
    # several shops: the nearest along the network wins, not the nearest in a straight line
    both = np.array([[0.0, 155.0], [850.0, -400.0]])  # the second is 250 m south of the bridge's foot, off the path
    assert network.network_distance(walk, network.snap(walk, home), network.snap(walk, both)) == pytest.approx([20 + 850 + 250])


def test_a_cell_or_point_far_from_the_network_gets_no_distance():
    nodes, ways = river_with_one_bridge(0.0, 0.0)
    walk, _ = _graph(nodes, ways)
    cells = network.snap(walk, np.array([[0.0, -150.0], [0.0, -900.0]]))  # on the path; 750 m from it
    assert cells.access[1] == pytest.approx(750)
    reach = network.network_distance(walk, cells, network.snap(walk, np.array([[0.0, 150.0]])))
    assert reach[0] == pytest.approx(2000) and np.isnan(reach[1])
    lonely_shop = network.snap(walk, np.array([[0.0, 2000.0]]))
    assert np.isnan(network.network_distance(walk, cells, lonely_shop)).all()


def test_an_access_leg_does_not_cross_the_river():
    # before, a home 20 m north of the Weser was joined to the riverside path across the water
    # and walked 1,3 km round by the bridge to a shop 190 m away on its own bank
    nodes, ways = river_between_near_paths(0.0, 0.0)
    home, shop = np.array([[0.0, 20.0]]), np.array([[0.0, 210.0]])
    for waters, access, along in ((False, 50, 50 + 500 + 230 + 500 + 10), (True, 180, 180 + 10)):
        walk, bike = _graph(nodes, ways, waters)
        cells = network.snap(walk, home)  # 35 nodes across the water are nearer than the own bank's
        assert cells.access == pytest.approx([access])
        assert network.network_distance(walk, cells, network.snap(walk, shop)) == pytest.approx([along])
        assert network.snap(bike, home).access == pytest.approx([access])  # the bike's legs alike
    walk, _ = _graph(nodes, ways)
    ford = network.snap(walk, np.array([[250.0, 5.0]]))  # a leg that ends on the water line does not cross it
    assert ford.access == pytest.approx([5]) and tuple(walk.xy[ford.node[0]]) == (250.0, 0.0)
    # every node within 500 m lies across the water: not connected, not joined across it
    stranded = network.snap(walk, np.array([[-600.0, 20.0], [0.0, 20.0]]))
    assert stranded.access[0] == np.inf and stranded.access[1] == pytest.approx(180)
    assert np.isnan(network.network_distance(walk, stranded, network.snap(walk, shop))[0])


def test_the_river_keeps_a_built_home_on_its_own_bank(settings, tmp_path):
    geojson = tmp_path / "gemeinden.geojson"
    geojson.write_bytes(geo.gemeinden_geojson())
    import_files(settings, [geojson], sources=[bkg.SOURCE])
    x, y = (round(c) for c in centre_3035(settings, "05762020"))
    nodes, ways = river_between_near_paths(x, y)
    (tmp_path / "wege.json").write_bytes(overpass_network_json(nodes, ways))
    (tmp_path / "osm.json").write_bytes(overpass_json([node(1, *to_wgs84(x, y + 210), shop="supermarket", name="Markt")]))
    (tmp_path / "grid.csv").write_text(grid_csv([("home", x, y + 20, "40"), ("stranded", x - 600, y + 20, "3")]))
    import_files(settings, [tmp_path / "wege.json", tmp_path / "osm.json", tmp_path / "grid.csv"])
    assert rows(settings, "SELECT waterway FROM raw.osm_network_ways WHERE waterway IS NOT NULL") == [("river",)]
    got = dict((r[0], r[1:]) for r in rows(settings, "SELECT cell_id, network_full, access_m, network_connected "
                                                     "FROM marts.nahversorgung_cells"))  # fmt: skip
    assert got["home"][0] == pytest.approx(190, abs=1) and got["home"][1] == pytest.approx(180, abs=1)
    assert got["stranded"] == (None, None, False)


def test_who_may_use_which_way():
    ways = pl.DataFrame({
        "highway": ["footway", "steps", "path", "path", "residential", "residential", "footway", "motorway", "service"],
        "foot": [None, None, None, None, "no", None, None, None, "yes"],
        "bicycle": [None, None, None, "no", None, None, "designated", None, None],
        "access": [None, None, None, None, None, "private", None, None, "private"],
        "nodes": [[1, 2]] * 9,
    })  # fmt: skip
    usable = network.walkable_ways(ways.with_row_index("i"))
    assert usable["i"].to_list() == [0, 1, 2, 3, 6, 8]  # not foot=no, not private, not a motorway
    assert usable["cycle"].to_list() == [False, False, True, False, True, True]


def test_the_network_is_fetched_with_one_overpass_query(settings, fake_server, tmp_path):
    path = tmp_path / "gemeinden.geojson"
    path.write_bytes(geo.gemeinden_geojson())
    import_files(settings, [path], sources=[bkg.SOURCE])
    nodes, ways = river_with_one_bridge(*centre_3035(settings, "05762020"))
    fake_server.route("POST", OVERPASS, Reply(200, overpass_network_json(nodes, ways)))
    result = refresh(settings, selected=[wegenetz.SOURCE])
    assert result.failed == {}
    (request,) = fake_server.requests_to(OVERPASS)
    assert request.headers["User-Agent"].startswith("XRegionMonitor/")
    query = request.form["data"]
    assert query.startswith("[out:json]") and '["highway"~"^(footway|path|' in query and "out body" in query
    assert '["access"!~"^(private|no)$"]["foot"!="no"]' in query and "area" not in query  # the Kreis' box
    assert '["waterway"~"^(river|canal)$"]->.wasser' in query and "node(w.wasser)" in query  # the rivers, with their nodes
    assert rows(settings, "SELECT count(*) FROM raw.osm_network_ways") == [(3,)]
    assert rows(settings, "SELECT data_stand::VARCHAR FROM meta.lineage WHERE source = 'wegenetz'") == [("2026-11-25",)]


def test_an_overpass_fault_keeps_the_last_network(settings, fake_server):
    nodes, ways = river_with_one_bridge(4_000_000.0, 3_000_000.0)
    fake_server.route("POST", OVERPASS, Reply(200, overpass_network_json(nodes, ways)))
    refresh(settings, selected=[wegenetz.SOURCE])
    fake_server.route("POST", OVERPASS, Reply(200, b"<html><body>Dispatcher busy</body></html>"))
    result = refresh(settings, selected=[wegenetz.SOURCE])
    assert "eine Webseite statt Daten" in result.failed["wegenetz"]
    assert rows(settings, "SELECT count(*) FROM raw.osm_network_ways") == [(3,)]


@pytest.fixture
def river_town(settings, tmp_path):
    """Höxter with the river: a home on the south bank, a supermarket on the north bank (300 m
    straight, 2 km on foot), a pharmacy on the home's bank, and a farm 2 km from any path."""
    geojson = tmp_path / "gemeinden.geojson"
    geojson.write_bytes(geo.gemeinden_geojson())
    import_files(settings, [geojson], sources=[bkg.SOURCE])
    x, y = centre_3035(settings, "05762020")
    nodes, ways = river_with_one_bridge(x, y)
    (tmp_path / "wege.osm").write_bytes(osm_xml(nodes, ways))
    (tmp_path / "osm.json").write_bytes(overpass_json([
        node(1, *to_wgs84(x, y + 150), shop="supermarket", name="Markt Nordufer"),
        node(2, *to_wgs84(x + 400, y - 150), amenity="pharmacy", name="Apotheke Südufer"),
        node(3, *to_wgs84(x + 600, y - 150), amenity="school", school="primary", name="Grundschule"),
        node(4, *to_wgs84(x + 300, y - 150), highway="bus_stop", name="Südufer"),
        node(5, *to_wgs84(x + 800, y + 150), amenity="doctors", name="Praxis Dr. A"),
    ]))  # fmt: skip
    (tmp_path / "grid.csv").write_text(grid_csv([("home", x, y - 150, "40"), ("farm", x - 2000, y - 2000, "7")]))
    import_files(settings, [tmp_path / "wege.osm", tmp_path / "osm.json", tmp_path / "grid.csv"])
    return settings


def test_cells_carry_straight_and_walking_distance_per_category(river_town):
    reach = {r[0]: r[1:] for r in rows(river_town, "SELECT category, straight_m, network_m, walk_min, cycle_min "
                                                   "FROM marts.erreichbarkeit_cells WHERE cell_id = 'home'")}  # fmt: skip
    straight, along, walk, cycle = reach["Vollsortiment"]
    assert straight == pytest.approx(300, abs=1) and along == pytest.approx(2000, abs=1)
    assert walk == pytest.approx(2000 / 75, abs=0.1) and cycle == pytest.approx(2000 / 250, abs=0.1)  # 15 km/h = 250 m/min
    assert reach["Apotheke"][1] == pytest.approx(400, abs=1) and reach["Haltestelle"][1] == pytest.approx(300, abs=1)
    assert reach["Grundschule"][1] == pytest.approx(600, abs=1)
    assert reach["Hausarzt"][1] == pytest.approx(850 + 300 + 50, abs=1)
    assert reach["alle"][1] == pytest.approx(2000, abs=1)
    (home,) = rows(river_town, "SELECT distance_full, network_full, walk_min_full, network_connected FROM marts.nahversorgung_cells "
                               "WHERE cell_id = 'home'")  # fmt: skip
    assert home[0] == pytest.approx(300, abs=1) and home[1] == pytest.approx(2000, abs=1) and home[3] is True
    (farm,) = rows(river_town, "SELECT network_full, access_m > 500, network_connected FROM marts.nahversorgung_cells WHERE cell_id = 'farm'")
    assert farm == (None, True, False)


def test_coverage_on_foot_differs_from_the_straight_line(river_town):
    got = {r[0]: r[1:] for r in rows(river_town, "SELECT category, population, population_not_connected, within_1000_straight, "
                                                 "within_1000_network, within_15_min FROM marts.erreichbarkeit_coverage "
                                                 "WHERE ags = '05762020'")}  # fmt: skip
    assert got["Vollsortiment"] == (47, 7, 40, 0, 0)  # near across the river, but not on foot
    assert got["Apotheke"] == (47, 7, 40, 40, 40)
    assert got["alle fünf"][2:] == (40, 0, 0)  # the supermarket and the doctor are across the river
    assert got["keine der fünf"][2:] == (7, 7, 7)  # the farm reaches none
    assert rows(river_town, "SELECT DISTINCT bbsr_2025_rural_none FROM marts.erreichbarkeit_coverage") == [(0.21,)]


def test_a_broken_osm_file_is_refused_naming_it(settings, tmp_path):
    broken = tmp_path / "wege.osm"
    broken.write_bytes(b'<?xml version="1.0"?><osm version="0.6"><node id="1" lat="51.7" lon="9.3"><way id=')
    with pytest.raises(XRegionError, match="Die OSM-Datei wege.osm ist beschädigt"):
        import_files(settings, [broken])
    assert not settings.db_path.exists()  # nothing was imported


def test_the_network_and_the_supply_points_are_told_apart(tmp_path):
    nodes, ways = river_with_one_bridge(4_000_000.0, 3_000_000.0)
    assert wegenetz.recognise("wege.json", overpass_network_json(nodes, ways)).source == "wegenetz"
    assert wegenetz.recognise("osm.json", overpass_json([node(1, 9.0, 51.7, shop="supermarket")])) is None
    assert osm.recognise("wege.json", overpass_network_json(nodes, ways)) is None  # not taken for supply points
    assert wegenetz.recognise("wege.osm", osm_xml(nodes, ways)).description.startswith("OpenStreetMap-Wegenetz (3 Wege")
    empty = json.dumps({"osm3s": {}, "elements": [{"type": "node", "id": 1, "lat": 1.0, "lon": 1.0}]}).encode()
    assert wegenetz.recognise("leer.json", empty) is None


def test_the_page_shows_straight_line_and_walking_side_by_side(app_env, river_town):
    from streamlit.testing.v1 import AppTest

    from tests.support.apptest import page_tables

    at = AppTest.from_string("from dashboard.screens import nahversorgung\nnahversorgung.render()", default_timeout=60).run()
    assert not at.exception
    assert any(h.value.startswith("Zu Fuß auf dem Wegenetz") for h in at.header)
    assert any("Nicht ans Wegenetz angebunden" in m.label and m.value == "7 Menschen" for m in at.metric)
    five = next(t.value for t in page_tables(at) if "Einrichtung" in t.value.columns)
    supermarket = five[five["Einrichtung"] == "Supermarkt/Discounter"].iloc[0]
    assert (supermarket["Luftlinie ≤ 1.000 m"], supermarket["Fußweg ≤ 1.000 m"]) == ("85 %", "0 %")  # 40 of 47 people
    assert five[five["Einrichtung"] == "keine der fünf erreichbar"].iloc[0]["zu Fuß ≤ 15 min"] == "15 %"
    captions = "\n".join(c.value for c in at.caption)
    assert "Luftlinie:" in captions and "Fußweg:" in captions and "21 % der Menschen keine der fünf" in captions
    assert "ohne Angabe einer Fachrichtung" in captions  # what counts as a Hausarztpraxis


def test_without_a_network_the_page_says_how_to_get_one(app_env, settings, tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.support.supply import import_shop_and_village

    geojson = tmp_path / "gemeinden.geojson"
    geojson.write_bytes(geo.gemeinden_geojson())
    import_files(settings, [geojson], sources=[bkg.SOURCE])
    import_shop_and_village(settings, tmp_path)
    at = AppTest.from_string("from dashboard.screens import nahversorgung\nnahversorgung.render()", default_timeout=60).run()
    assert not at.exception
    assert any("Noch kein Wegenetz geladen" in i.value and "xregion refresh --source wegenetz" in i.value for i in at.info)


def test_the_geopackage_has_every_layer_with_its_crs(river_town, tmp_path):
    import pyogrio

    from pipelines import gis

    path = gis.write_gpkg(river_town.db_path, tmp_path / "gis" / "nahversorgung.gpkg")
    assert [name for name, _ in pyogrio.list_layers(path)] == list(gis.LAYERS)
    cells = pyogrio.read_dataframe(path, layer="rasterzellen")
    assert cells.crs.to_epsg() == 3035 and set(cells["cell_id"]) == {"home", "farm"}
    home = cells[cells["cell_id"] == "home"].iloc[0]
    assert home["fussweg_supermarkt_m"] == pytest.approx(2000, abs=1) and home["luftlinie_supermarkt_m"] == pytest.approx(300, abs=1)
    assert home["apotheke_min"] == pytest.approx(400 / 75, abs=0.05) and home.geometry.area == pytest.approx(10_000)
    assert pyogrio.read_info(path, layer="einrichtungen_bbsr")["crs"] == "EPSG:4326"
    assert pyogrio.read_info(path, layer="einrichtungen_bbsr")["features"] == 4
    frames = gis.layers(river_town.db_path)  # the analysts' helper: GeoDataFrames
    assert frames["versorgung_gemeinden"].crs.to_epsg() == 4326 and "anteil_1000m_fussweg" in frames["versorgung_gemeinden"]


def test_export_gpkg_from_the_command_line(river_town, env, tmp_path):
    from tests.test_cli import xregion

    done = xregion(env, "export", "--gpkg", str(tmp_path / "gis"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "gis" / "nahversorgung-05762.gpkg").stat().st_size > 10_000


def test_a_scenario_changes_the_walking_coverage(app_env, river_town):
    """(How fast: bench/network.py, the scenario line.)"""
    from dashboard import data

    x, y = centre_3035(river_town, "05762020")
    lon, lat = to_wgs84(x + 200, y - 150)  # a new shop on the home's bank, 200 m along the path
    towns, _ = data.scenario([{"lon": lon, "lat": lat, "category": "Vollsortiment"}], [], 1000, True)
    hoexter = towns.filter(pl.col("ags") == "05762020").row(0, named=True)
    assert (hoexter["before"], hoexter["after"]) == (40, 40)  # straight: near before as well
    assert (hoexter["before_network"], hoexter["after_network"]) == (0, 40)  # on foot: now within 1 km
    (shop,) = rows(river_town, "SELECT point_id FROM marts.supply_points")
    closed, _ = data.scenario([], [shop[0]], 3000, True)  # the only shop closes
    hoexter = closed.filter(pl.col("ags") == "05762020").row(0, named=True)
    assert (hoexter["before_network"], hoexter["after_network"]) == (40, 0) and hoexter["after"] == 0


def test_the_coverage_mart_carries_the_walking_figures(river_town):
    got = rows(river_town, "SELECT population_within, population_within_network, share_within_network, population_within_15_min "
                           "FROM marts.nahversorgung_coverage WHERE ags = '05762020' AND category_group = 'Vollsortiment' "
                           "AND threshold_m = 1000")  # fmt: skip
    assert got == [(40, 0, 0.0, 0)]  # 300 m across the river, 2 km (27 minutes) on foot


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Dispatcher busy</body></html>", "eine Webseite statt Daten"),
        (json.dumps({"remark": "runtime error: Query timed out", "elements": []}).encode(), "runtime error"),
        (b'{"elements": [{"type": "way", "id": 1,', "kein lesbares JSON"),
        (b"[1, 2, 3]", "JSON ohne Liste „elements“"),
        (b'{"elements": {"type": "way"}}', "JSON ohne Liste „elements“"),
        (b'{"elements": [{"type": "node", "id": 1, "lat": 51.7, "lon": 9.3}, 2]}', "JSON ohne Liste „elements“"),
    ],
)
def test_a_bad_network_answer_is_refused_naming_it(body, message):
    with pytest.raises(XRegionError, match=message) as refused:
        wegenetz.read(body, "das Wegenetz")
    assert "das Wegenetz" in str(refused.value)


@pytest.fixture
def json_decodes(monkeypatch) -> list[int]:
    """The length of every text `json.loads` decodes from here on."""
    decoded = []
    real_loads = json.loads
    monkeypatch.setattr(json, "loads", lambda text, *a, **k: decoded.append(len(text)) or real_loads(text, *a, **k))
    return decoded


def test_the_network_answer_is_decoded_once(json_decodes):
    # the answer for a Kreis runs to tens of MB: a second decode (once for the refusals, once for
    # the ways) doubled the parse of every build
    nodes, ways = river_with_one_bridge(4_000_000.0, 3_000_000.0)
    body = overpass_network_json(nodes, ways)
    (node_frame, way_frame), _ = wegenetz.read(body, "das Wegenetz")
    assert json_decodes == [len(body)]
    assert (node_frame.height, way_frame.height) == (len(nodes), len(ways))


@pytest.mark.parametrize("kind", ["wegenetz", "osm"])
def test_an_import_decodes_an_overpass_file_once(kind, json_decodes, tmp_path):
    # at import every source looks at the file in turn: the network source asked twice, the supply
    # points source twice more, which for a Kreis network of tens of MB is seconds per decode
    from pipelines.refresh import recognise_file
    from pipelines.sources import all_sources

    nodes, ways = river_with_one_bridge(4_000_000.0, 3_000_000.0)
    body = overpass_network_json(nodes, ways) if kind == "wegenetz" else overpass_json(
        [node(1, 9.0, 51.7, shop="supermarket"), node(2, 9.1, 51.7, shop="convenience", name="Dorfladen „Mitte“")])
    path = tmp_path / "export.json"
    path.write_bytes(body)
    match, _ = recognise_file(path, all_sources())
    assert match.source == kind
    assert json_decodes == [len(body)]
