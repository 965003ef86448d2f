"""Nahversorgung: the Overpass route against a fake server, the Zensus grid cut from a streamed
ZIP, and coverage on hand-made grids with known answers."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from pipelines.errors import ParseError
from pipelines.refresh import import_files, refresh
from pipelines.sources import bkg, osm, zensus
from tests.support.warehouse import rows
from tests.support import geo
from tests.support.supply import centre_3035, grid_csv, import_shop_and_village, node, overpass_json, to_wgs84
from tests.support.fake_server import Reply

OVERPASS = "/api/interpreter"


@pytest.fixture
def boundaries(settings, tmp_path):
    path = tmp_path / "gemeinden.geojson"
    path.write_bytes(geo.gemeinden_geojson())
    import_files(settings, [path], sources=[bkg.SOURCE])
    return settings


# --- Overpass ------------------------------------------------------------------------------------


def test_one_overpass_request_for_the_region_with_a_user_agent(boundaries, fake_server):
    fake_server.route("POST", OVERPASS, Reply(200, overpass_json([
        node(1, 9.0, 51.7, shop="supermarket", name="Markt A"),
        node(2, 9.0, 51.7, shop="convenience", name="Dorfladen Ottbergen"),
        {"type": "way", "id": 3, "center": {"lon": 9.01, "lat": 51.71}, "tags": {"shop": "bakery"}},
        node(4, 9.0, 51.7, amenity="vending_machine", vending="milk;eggs", brand="Regiomat"),
        node(5, 9.0, 51.7, amenity="marketplace"),
        node(6, 9.0, 51.7, shop="kiosk"),
        node(7, 9.0, 51.7, place="village", name="Ottbergen"),
    ])))  # fmt: skip
    result = refresh(boundaries, selected=[osm.SOURCE])
    assert result.failed == {}
    (request,) = fake_server.requests_to(OVERPASS)
    assert request.headers["User-Agent"].startswith("XRegionMonitor/")
    query = request.form["data"]
    assert query.startswith("[out:json]") and "out center tags;" in query
    assert "area" not in query  # the Kreis is known: its bounding box with a margin
    categories = dict(rows(boundaries, "SELECT name, category FROM marts.supply_points WHERE name IS NOT NULL"))
    assert categories == {"Markt A": "Vollsortiment", "Dorfladen Ottbergen": "Dorfladen"}
    all_categories = sorted(r[0] for r in rows(boundaries, "SELECT category FROM marts.supply_points"))
    assert all_categories == ["Automat", "Dorfladen", "Ergänzung", "Lebensmittelhandwerk", "Markt", "Vollsortiment"]
    assert rows(boundaries, "SELECT DISTINCT data_date::VARCHAR FROM marts.supply_points WHERE origin = 'OpenStreetMap'") == [("2026-11-20",)]


def test_429_waits_and_tries_again(boundaries, fake_server):
    boundaries.sources.osm.min_wait_on_429_s = 0.2
    fake_server.route("POST", OVERPASS, Reply(429, b"rate limited"), Reply(200, overpass_json([])))
    assert refresh(boundaries, selected=[osm.SOURCE]).failed == {}
    times = [r for r in fake_server.requests_to(OVERPASS)]
    assert len(times) == 2


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(406, b""), "HTTP 406 (nicht akzeptiert – fehlt eine Kennung des Programms?)"),
        (Reply(200, b"<html><body>Dispatcher busy</body></html>"), "eine Webseite statt Daten"),
        (Reply(200, overpass_json([]), delay=3), "keine Antwort innerhalb der Wartezeit"),
        (Reply(200, json.dumps({"remark": "runtime error: Query timed out", "elements": []}).encode()), "runtime error"),
        (Reply(200, b'{"elements": [1, 2]}'), "JSON ohne Liste „elements“ von Objekten"),
    ],
)
def test_overpass_faults_are_reported_and_keep_the_last_points(boundaries, fake_server, reply, message):
    fake_server.route("POST", OVERPASS, Reply(200, overpass_json([node(1, 9.0, 51.7, shop="supermarket")])))
    refresh(boundaries, selected=[osm.SOURCE])
    fake_server.route("POST", OVERPASS, reply)
    result = refresh(boundaries, selected=[osm.SOURCE])
    assert message in result.failed["osm"]
    assert rows(boundaries, "SELECT count(*) FROM marts.supply_points") == [(1,)]


# --- Zensus grid ---------------------------------------------------------------------------------


def test_the_grid_is_streamed_from_the_zip_and_cut_to_the_box(tmp_path):
    path = tmp_path / "Zensus2022_Bevoelkerungszahl.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Zensus2022_Bevoelkerungszahl_100m-Gitter.csv", grid_csv([
            ("inside", 4_250_050, 3_150_050, "12"), ("dash", 4_250_150, 3_150_050, "-"), ("empty", 4_250_250, 3_150_050, ""),
            ("outside", 4_100_050, 3_150_050, "99"),
        ]))  # fmt: skip
    grid = zensus.cells_from_zip(path, (4_245_000, 3_148_000, 4_284_000, 3_200_000))
    assert grid.cells.rows() == [("inside", 4_250_050.0, 3_150_050.0, 12)]
    assert grid.unpublished == 2  # "-" and empty: no value published, not 0
    with pytest.raises(ParseError, match="Zeile 1: erwartet GITTER_ID_100m"):
        zensus.filter_grid(io.StringIO("a;b;c;d\n"), (0, 0, 1, 1), "falsch.csv")
    with pytest.raises(ParseError, match="kaputt.csv, Zeile 2: Einwohnerzahl „viele“"):
        zensus.filter_grid(io.StringIO(grid_csv([("x", 5, 5, "viele")])), (0, 0, 10, 10), "kaputt.csv")


def test_the_zensus_download_route(boundaries, fake_server):
    x, y = centre_3035(boundaries, "05762004")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("Zensus2022_Bevoelkerungszahl_100m-Gitter.csv", grid_csv([("c1", x, y, "7"), ("far", x + 900_000, y, "5")]))
    fake_server.route("GET", "/zensus.zip", Reply(200, buffer.getvalue()))
    assert refresh(boundaries, selected=[zensus.SOURCE]).failed == {}
    assert rows(boundaries, "SELECT cell_id, population FROM raw.zensus_cells") == [("c1", 7)]


# --- coverage ------------------------------------------------------------------------------------


def test_coverage_on_a_hand_made_grid(boundaries, tmp_path):
    x, y = centre_3035(boundaries, "05762004")  # Bad Driburg, a 10 km square
    supermarket = to_wgs84(x, y)
    # a shop in the next Kreis (Paderborn, north of Bad Driburg) serves Bad Driburg's northern edge
    px, py = centre_3035(boundaries, "05774032")
    outside = to_wgs84(px, py - 4_700)
    (tmp_path / "osm.json").write_bytes(overpass_json([
        node(1, *supermarket, shop="supermarket", name="Mitte"), node(2, *outside, shop="bakery", name="Nachbar"),
    ]))  # fmt: skip
    (tmp_path / "grid.csv").write_text(grid_csv([
        ("at_1000", x + 1000, y, "10"),    # exactly on the threshold: counts as within
        ("at_300", x + 300, y, "30"),
        ("at_1100", x + 1100, y, "20"),
        ("north_edge", px, py - 4_700 - 400, "40"),  # 400 m from the bakery across the Kreis border
    ]))  # fmt: skip
    import_files(boundaries, [tmp_path / "osm.json", tmp_path / "grid.csv"])
    cells = dict(rows(boundaries, "SELECT cell_id, round(distance_full) FROM marts.nahversorgung_cells"))
    assert cells["at_1000"] == 1000 and cells["at_300"] == 300 and cells["at_1100"] == 1100
    served = rows(boundaries, "SELECT round(distance_any), ags FROM marts.nahversorgung_cells WHERE cell_id = 'north_edge'")
    assert served[0][0] == 400
    coverage = {
        (r[0], r[1], r[2]): r[3:]
        for r in rows(boundaries, "SELECT ags, category_group, threshold_m, population, population_within, cells_without_supply "
                                  "FROM marts.nahversorgung_coverage")
    }  # fmt: skip
    assert served[0][1] == "05762004"  # the border cell lies in Bad Driburg
    assert coverage[("05762004", "Vollsortiment", 1000)][:2] == (100, 40)  # 10 + 30 of 100 within 1 000 m
    assert coverage[("05762004", "Vollsortiment", 500)][:2] == (100, 30)
    assert coverage[("05762004", "Vollsortiment", 1000)][2] == 2  # at_1100 and the border cell lack a full-range shop
    kreis = coverage[("05762", "alle", 500)]
    assert kreis[0] == 100 and kreis[1] == 30 + 40  # the border cell is served from outside


def test_the_page_shows_coverage_and_a_scenario(app_env, tmp_path):
    from streamlit.testing.v1 import AppTest

    from pipelines.config import load_settings

    settings = load_settings()
    path = tmp_path / "gemeinden.geojson"
    path.write_bytes(geo.gemeinden_geojson())
    import_files(settings, [path])
    hx, hy = import_shop_and_village(settings, tmp_path)  # Höxter: no shop yet
    at = AppTest.from_string("from dashboard.screens import nahversorgung\nnahversorgung.render()", default_timeout=60).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Kreis: Anteil ≤ 1.000 m"] == "37,5 %"  # 30 of 80
    assert "NRW 81 %, Deutschland 74 %" in "\n".join(c.value for c in at.caption)
    # a village shop in Höxter: the BBSR measure counts only supermarkets, "alle Kategorien" counts it
    lat_input = next(t for t in at.text_input if t.label == "Breite")
    lat_input.set_value(f"{to_wgs84(hx, hy)[1]:.4f}".replace(".", ",")).run()
    lon_input = next(t for t in at.text_input if t.label == "Länge")
    lon_input.set_value(f"{to_wgs84(hx, hy)[0]:.4f}".replace(".", ",")).run()
    label = "Veränderung der Versorgten, Luftlinie ≤ 1.000 m"
    assert {m.label: m.value for m in at.metric}[label] == "0 Menschen"
    at.radio[0].set_value("alle Kategorien").run()
    assert {m.label: m.value for m in at.metric}[label] == "+50 Menschen"
    assert "Ovenhausen (Höxter" in "\n".join(m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Szenario speichern").click().run()
    assert at.dataframe[-1].value["Veränderung"].tolist() == [50]
    # closing the only supermarket instead: its 30 neighbours lose their supply within 1 000 m
    at.toggle[0].set_value(False).run()
    at.multiselect[0].select("node/1").run()
    assert {m.label: m.value for m in at.metric}[label] == "-30 Menschen"
    villages = rows(settings, "SELECT villages_without_supply FROM marts.nahversorgung_coverage "
                              "WHERE ags = '05762020' AND category_group = 'alle' AND threshold_m = 1000")  # fmt: skip
    assert villages == [(1,)]  # Ovenhausen
    # a coordinate in English notation is refused, not misread
    at.toggle[0].set_value(True).run()
    next(t for t in at.text_input if t.label == "Breite").set_value("51.7234").run()
    assert not at.exception
    assert any("„51.7234“ ist keine Koordinate" in e.value for e in at.error)


def test_the_page_follows_a_new_build(app_env, tmp_path):
    """The page keeps its tables, its scenario answers and its point list per warehouse build; the
    next build (a new shop in Höxter) shows on the next rerun of the same session."""
    from streamlit.testing.v1 import AppTest

    from pipelines.config import load_settings

    settings = load_settings()
    (tmp_path / "gemeinden.geojson").write_bytes(geo.gemeinden_geojson())
    import_files(settings, [tmp_path / "gemeinden.geojson"])
    hx, hy = import_shop_and_village(settings, tmp_path)
    at = AppTest.from_string("from dashboard.screens import nahversorgung\nnahversorgung.render()", default_timeout=60).run()
    share, scenario = "Kreis: Anteil ≤ 1.000 m", "Veränderung der Versorgten, Luftlinie ≤ 1.000 m"
    assert {m.label: m.value for m in at.metric}[share] == "37,5 %"
    assert _cells_without_supply(at, "Höxter") == [1]
    at.toggle[0].set_value(False).run()
    at.multiselect[0].select("node/1").run()
    assert {m.label: m.value for m in at.metric}[scenario] == "-30 Menschen"
    assert at.multiselect[0].options == ["Mitte (Bad Driburg, Vollsortiment)"]
    (tmp_path / "osm.json").write_bytes(overpass_json([
        node(1, *to_wgs84(*centre_3035(settings, "05762004")), shop="supermarket", name="Mitte"),
        node(3, *to_wgs84(hx + 100, hy), shop="supermarket", name="Markt Höxter"),
    ]))  # fmt: skip
    import_files(settings, [tmp_path / "osm.json"])
    at.run()
    assert {m.label: m.value for m in at.metric}[share] == "100,0 %"  # all 80 people within 1 000 m
    assert sorted(at.multiselect[0].options) == ["Markt Höxter (Höxter, Vollsortiment)", "Mitte (Bad Driburg, Vollsortiment)"]
    at.multiselect[0].set_value(["node/3"]).run()  # a new list of points starts a new selection (Streamlit)
    assert {m.label: m.value for m in at.metric}[scenario] == "-50 Menschen"
    assert _cells_without_supply(at, "Höxter") == [0]


def _cells_without_supply(at, town: str) -> list:
    table = next(d.value for d in at.dataframe if "Stadt" in d.value.columns)
    return table.loc[table["Stadt"] == town, "Zellen ohne Versorgung"].tolist()


def test_the_supply_map_exports_with_its_sources(app_env, tmp_path):
    from dashboard import export, views
    from pipelines.config import load_settings

    settings = load_settings()
    path = tmp_path / "gemeinden.geojson"
    path.write_bytes(geo.gemeinden_geojson())
    import_files(settings, [path])
    x, y = centre_3035(settings, "05762004")
    (tmp_path / "osm.json").write_bytes(overpass_json([node(1, *to_wgs84(x, y), shop="supermarket", name="Mitte")]))
    (tmp_path / "grid.csv").write_text(grid_csv([("a", x + 300, y, "30")]))
    import_files(settings, [tmp_path / "osm.json", tmp_path / "grid.csv"])
    view = views.supply_map(1000, True)
    svg = export.svg(export.printable(view.chart, view.meta))
    assert "OpenStreetMap-Mitwirkende" in svg and "Stand: 20.11.2026" in svg
    assert view.frame["Name"].to_list() == ["Mitte"]


def test_the_national_zip_can_be_imported_and_is_cut_to_the_kreis(boundaries, tmp_path):
    x, y = centre_3035(boundaries, "05762004")
    path = tmp_path / "Zensus2022_Bevoelkerungszahl.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Zensus2022_Bevoelkerungszahl_100m-Gitter.csv", grid_csv([("c1", x, y, "7"), ("far", x + 900_000, y, "5")]))
    matches, _ = import_files(boundaries, [path])
    assert matches[0].source == "zensus" and matches[0].media == "zensus-zip"
    assert rows(boundaries, "SELECT cell_id, population FROM raw.zensus_cells") == [("c1", 7)]


@pytest.mark.parametrize(
    ("people", "share", "warning"),
    [
        (900, "33,3 %", None),  # 900 of 1 074 official inhabitants: 84 %, below 90 % → a warning
        (500, "–", "Gitter deckt nur 47 % der Einwohner ab"),
        (2000, "15,0 %", None),
    ],
)
def test_partial_grids_are_named_and_too_partial_ones_give_no_share(app_env, tmp_path, people, share, warning):
    from streamlit.testing.v1 import AppTest

    from pipelines.config import load_settings
    from tests.support import itnrw_tables

    settings = load_settings()
    (tmp_path / "gemeinden.geojson").write_bytes(geo.gemeinden_geojson())
    (tmp_path / "12411-15i.csv").write_bytes(itnrw_tables.population_table())  # Kreis Höxter: 1 074 inhabitants
    import_files(settings, [tmp_path / "gemeinden.geojson", tmp_path / "12411-15i.csv"])
    x, y = centre_3035(settings, "05762004")
    (tmp_path / "osm.json").write_bytes(overpass_json([node(1, *to_wgs84(x, y), shop="supermarket", name="Mitte")]))
    near = people // 3 if people != 2000 else 300
    (tmp_path / "grid.csv").write_text(grid_csv([("near", x + 300, y, str(near)), ("far", x + 4000, y, str(people - near))]))
    import_files(settings, [tmp_path / "osm.json", tmp_path / "grid.csv"])
    coverage = rows(settings, "SELECT population, population_official, round(grid_completeness, 3) FROM "
                              "marts.nahversorgung_coverage WHERE ags = '05762' AND category_group = 'alle' AND threshold_m = 1000")  # fmt: skip
    assert coverage == [(people, 1074, round(people / 1074, 3))]
    at = AppTest.from_string("from dashboard.screens import nahversorgung\nnahversorgung.render()", default_timeout=60).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Kreis: Anteil ≤ 1.000 m"] == share
    warnings = "\n".join(w.value for w in at.warning)
    if people == 900:
        assert "Gitter deckt nur 84 % der Einwohner ab" in warnings and "gelten nur für die erfassten" in warnings
    elif warning:
        assert warning in warnings and "wird nicht angezeigt" in warnings
    else:
        assert "Gitter deckt nur" not in warnings


def test_a_kreis_without_grid_cells_gets_an_explanation_not_an_exception(app_env, tmp_path):
    from streamlit.testing.v1 import AppTest

    from pipelines.config import load_settings

    settings = load_settings()
    (tmp_path / "gemeinden.geojson").write_bytes(geo.gemeinden_geojson())
    import_files(settings, [tmp_path / "gemeinden.geojson"])
    x, y = centre_3035(settings, "05774032")  # Paderborn: the grid of the wrong Kreis
    (tmp_path / "osm.json").write_bytes(overpass_json([node(1, *to_wgs84(x, y), shop="supermarket", name="Mitte")]))
    (tmp_path / "grid.csv").write_text(grid_csv([("a", x + 300, y, "30")]))
    import_files(settings, [tmp_path / "osm.json", tmp_path / "grid.csv"])
    at = AppTest.from_string("from dashboard.screens import nahversorgung\nnahversorgung.render()", default_timeout=60).run()
    assert not at.exception
    assert "keine bewohnte Zelle im Gebiet des Kreises" in "\n".join(i.value for i in at.info)


def test_the_k_d_tree_agrees_with_all_pairs_and_stops_at_10_km():
    import numpy as np

    from pipelines.nearest import nearest

    rng = np.random.default_rng(7)
    cells = rng.uniform(0, 40_000, size=(2000, 2))
    points = rng.uniform(0, 40_000, size=(30, 2))
    distance, index = nearest(cells, points)
    pairs = np.hypot(cells[:, None, 0] - points[None, :, 0], cells[:, None, 1] - points[None, :, 1])
    within = pairs.min(axis=1) <= 10_000
    assert np.allclose(distance[within], pairs.min(axis=1)[within])
    assert (index[within] == pairs.argmin(axis=1)[within]).all()
    assert np.isnan(distance[~within]).all() and (index[~within] == -1).all()
    far, none = nearest(cells[:3], np.empty((0, 2)))
    assert np.isnan(far).all() and (none == -1).all()


def test_the_build_step_names_the_nearest_point_of_each_kind():
    """The full-range search runs only for cells whose nearest point is not full range; both
    answers keep the point's id, and beyond 10 km there is neither distance nor id."""
    import duckdb

    from pipelines.nearest import build_nearest_supply

    con = duckdb.connect()
    for schema in ("raw", "marts", "staging"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE TABLE raw.zensus_cells AS SELECT * FROM (VALUES ('nahe-Markt', 0.0, 0.0), "
                "('nahe-Bäcker', 5000.0, 0.0), ('weit', 50000.0, 0.0), ('Mitte', 2400.0, 0.0)) t(cell_id, x, y)")  # fmt: skip
    con.execute("CREATE TABLE marts.supply_points AS SELECT * FROM (VALUES ('markt', 100.0, 0.0, true), "
                "('bäcker', 5100.0, 0.0, false), ('kiosk', 2500.0, 0.0, NULL)) t(point_id, x, y, full_range)")  # fmt: skip
    build_nearest_supply(con)
    got = con.execute("SELECT cell_id, round(distance_any), nearest_any, round(distance_full), nearest_full "
                      "FROM staging.nearest_supply ORDER BY cell_id").fetchall()  # fmt: skip
    assert got == [
        ("Mitte", 100.0, "kiosk", 2300.0, "markt"),
        ("nahe-Bäcker", 100.0, "bäcker", 4900.0, "markt"),
        ("nahe-Markt", 100.0, "markt", 100.0, "markt"),
        ("weit", None, None, None, None),
    ]
    con.execute("DELETE FROM marts.supply_points WHERE full_range")  # no full-range shop at all
    build_nearest_supply(con)
    assert con.execute("SELECT count(nearest_any), count(nearest_full) FROM staging.nearest_supply").fetchone() == (3, 0)


def test_the_build_step_pairs_each_result_with_its_own_cell_on_a_large_grid(tmp_path):
    """The result goes back by position (the cell ids never leave DuckDB): on a grid of several
    row groups, written in batches with deletions in between and scanned by two threads, every
    cell's distance is the distance to the point the row names."""
    import duckdb

    from pipelines.nearest import build_nearest_supply

    con = duckdb.connect(str(tmp_path / "grid.duckdb"))
    con.execute("SET threads = 2")
    for schema in ("raw", "marts", "staging"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE TABLE raw.zensus_cells AS SELECT 'z' || hash(i) AS cell_id, (i % 700) * 100.0 AS x, "
                "(i // 700) * 100.0 AS y FROM range(200000) r(i)")  # fmt: skip
    con.execute("DELETE FROM raw.zensus_cells WHERE hash(cell_id) % 7 = 0")
    con.execute("INSERT INTO raw.zensus_cells SELECT 'n' || i, 70050.0 + i % 300 * 100, (i // 300) * 100.0 FROM range(60000) r(i)")
    con.execute("CREATE TABLE marts.supply_points AS SELECT 'p' || i AS point_id, (hash(i, 1) % 100000)::DOUBLE AS x, "
                "(hash(i, 2) % 30000)::DOUBLE AS y, i % 5 = 0 AS full_range FROM range(400) r(i)")  # fmt: skip
    build_nearest_supply(con)
    cells, wrong = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE abs(r.distance_any - sqrt((c.x - a.x) ^ 2 + (c.y - a.y) ^ 2)) > 0.01 "
        "OR abs(r.distance_full - sqrt((c.x - f.x) ^ 2 + (c.y - f.y) ^ 2)) > 0.01 OR NOT f.full_range) "
        "FROM raw.zensus_cells c JOIN staging.nearest_supply r USING (cell_id) "
        "JOIN marts.supply_points a ON a.point_id = r.nearest_any JOIN marts.supply_points f ON f.point_id = r.nearest_full"
    ).fetchone()
    assert (cells, wrong) == (con.execute("SELECT count(*) FROM raw.zensus_cells").fetchone()[0], 0)
