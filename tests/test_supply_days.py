"""Mobile and part-time supply: the days of the week a point serves (the register's Wochentage,
OSM opening_hours), and on how many days a cell or village is supplied within 1 000 m."""

from __future__ import annotations

import pytest

from pipelines.refresh import import_files
from pipelines.sources import bkg
from pipelines.weekdays import WeekdayProblem, fmt_weekdays, opening_days, parse_weekdays
from tests.support import geo, register_fixtures
from tests.support.supply import centre_3035, grid_csv, node, overpass_json, to_wgs84
from tests.support.warehouse import rows


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("Di, Fr", "Di, Fr"), ("mo–sa", "Mo–Sa"), ("Mo-Fr und Sa", "Mo–Sa"), ("Dienstag", "Di"), ("täglich", "täglich"),
     ("Fr-Mo", "Mo, Fr–So"), ("Mo; Mi / Fr", "Mo, Mi, Fr")],
)  # fmt: skip
def test_weekdays_typed_the_way_people_write_them(typed, shown):
    assert fmt_weekdays(parse_weekdays(typed)) == shown


@pytest.mark.parametrize("typed", ["Mo, Fre", "zweimal die Woche", "1, 2"])
def test_anything_else_is_refused_in_german(typed):
    with pytest.raises(WeekdayProblem, match="ist kein Wochentag"):
        parse_weekdays(typed)


@pytest.mark.parametrize(
    ("opening_hours", "days"),
    [("Mo-Fr 08:00-18:00; Sa 08:00-12:00", "Mo–Sa"), ("Tu,Fr 09:00-10:30", "Di, Fr"), ("24/7", "täglich"),
     ("07:00-19:00", "täglich"), ("Mo-Sa 08:00-20:00; PH off", "Mo–Sa"), ("nach Vereinbarung", "–"), (None, "–")],
)  # fmt: skip
def test_osm_opening_hours_give_the_days(opening_hours, days):
    assert fmt_weekdays(opening_days(opening_hours)) == days


def test_a_mobile_shop_stop_needs_its_weekdays(settings, tmp_path):
    from pipelines.errors import XRegionError

    records = register_fixtures.records()
    records["supply_points"] = [{"id": "V1", "name": "Verkaufswagen Ovenhausen", "category": "Verkaufswagen",
                                 "lat": 51.75, "lon": 9.38}]  # fmt: skip
    with pytest.raises(XRegionError, match="Nahversorgungspunkte.*Wochentage.*beim Verkaufswagen bitte die Wochentage"):
        import_files(settings, [register_fixtures.workbook(tmp_path / "register.xlsx", records)], replace=True)
    records["supply_points"][0]["weekdays"] = "Di, Fre"
    with pytest.raises(XRegionError, match="„Fre“ ist kein Wochentag"):
        import_files(settings, [register_fixtures.workbook(tmp_path / "register.xlsx", records)], replace=True)


def test_a_village_with_the_mobile_shop_twice_a_week_and_a_saturday_bakery(settings, tmp_path):
    geojson = tmp_path / "gemeinden.geojson"
    geojson.write_bytes(geo.gemeinden_geojson())
    import_files(settings, [geojson], sources=[bkg.SOURCE])
    x, y = centre_3035(settings, "05762020")
    village = to_wgs84(x + 200, y)
    (tmp_path / "osm.json").write_bytes(overpass_json([
        node(1, *village, place="village", name="Ovenhausen"),
        node(2, *to_wgs84(x + 500, y), shop="bakery", name="Backstube", opening_hours="Sa 07:00-11:00"),
    ]))  # fmt: skip
    records = register_fixtures.records()
    records["supply_points"] = [{"id": "V1", "name": "Verkaufswagen Ovenhausen", "category": "Verkaufswagen",
                                 "kind": "Halt am Dorfplatz", "lat": village[1], "lon": village[0], "weekdays": "Di, Fr", "times": "9:00–9:30"}]  # fmt: skip
    (tmp_path / "grid.csv").write_text(grid_csv([("dorf", x + 100, y, "25"), ("hof", x + 2500, y, "4")]))
    import_files(settings, [tmp_path / "osm.json", tmp_path / "grid.csv",
                            register_fixtures.workbook(tmp_path / "register.xlsx", records)], replace=True)  # fmt: skip
    cells = dict((c, (d, w)) for c, d, w in rows(settings, "SELECT cell_id, supplied_days, supplied_weekdays "
                                                            "FROM marts.nahversorgung_cells"))  # fmt: skip
    assert cells["dorf"] == (3, "Di, Fr, Sa") and cells["hof"] == (0, None)
    assert rows(settings, "SELECT name, supplied_days, supplied_weekdays FROM marts.nahversorgung_places") == [
        ("Ovenhausen", 3, "Di, Fr, Sa")
    ]
    assert rows(settings, "SELECT weekdays, times FROM marts.supply_points WHERE category = 'Verkaufswagen'") == [
        ("Di, Fr", "9:00–9:30")
    ]


def test_the_page_shows_people_and_villages_by_days_per_week(app_env, settings, tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.support.apptest import page_tables

    test_a_village_with_the_mobile_shop_twice_a_week_and_a_saturday_bakery(settings, tmp_path)
    at = AppTest.from_string("from dashboard.screens import nahversorgung\nnahversorgung.render()", default_timeout=60).run()
    assert not at.exception
    table = next(t.value for t in page_tables(at) if "versorgt an" in t.value.columns)
    three = table[table["versorgt an"] == "3 Tagen je Woche"].iloc[0]
    assert (three["Menschen (Gitter)"], three["Anteil"]) == ("25", "86,2 %")  # 25 of 29 people
    assert any("Ovenhausen (Höxter): 3 – Di, Fr, Sa" in m.value for m in at.markdown)
    assert any("1 im Register" in c.value for c in at.caption)
