"""Quarantine, not veto: a table that fails its checks is left out of the new build while every
other table and source goes in; a fresh install is complete after one refresh; the Zensus grid
reads every encoding and never half-imports."""

from __future__ import annotations

import io
import json
import zipfile

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.errors import XRegionError
from pipelines.rawstore import RawStore
from pipelines.refresh import import_files, refresh
from pipelines.sources import zensus
from pipelines.status import source_overview
from tests.support import geo, itnrw_tables
from tests.support.fake_server import Reply
from tests.support.warehouse import rows

OVERPASS_ANSWER = json.dumps({
    "version": 0.6, "osm3s": {"timestamp_osm_base": "2026-11-20T10:00:00Z"},
    "elements": [{"type": "node", "id": 1, "lon": 9.1, "lat": 51.7, "tags": {"shop": "supermarket", "name": "Markt"}}],
}).encode()  # fmt: skip


def grid_zip(lines: list[str], encoding: str = "utf-8") -> bytes:
    text = "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n" + "".join(f"{line}\n" for line in lines)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("Zensus2022_Bevoelkerungszahl_100m-Gitter.csv", text.encode(encoding))
    return buffer.getvalue()


def kreis_cells() -> list[str]:
    """Cells at the centres of the fixture towns (EPSG:3035), one of them unpublished ("–")."""
    con = duckdb.connect()
    from pipelines.duck import load_spatial

    load_spatial(con)
    cells = []
    for i, (col, row) in enumerate([(0, 0), (1, 0), (0, 1)]):
        x, y = con.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Point(?, ?), 'EPSG:25832', 'EPSG:3035', always_xy := true) AS p)",
            [geo.ORIGIN[0] + (col + 0.5) * geo.SIZE, geo.ORIGIN[1] + (row + 0.5) * geo.SIZE],
        ).fetchone()
        cells.append(f"c{i};{x:.0f};{y:.0f};{'–' if i == 2 else 40 + i}")
    return cells


def serve_everything(fake_server, tables: dict[str, bytes]) -> None:
    itnrw_tables.serve_catalogue_tables(fake_server, tables)

    def wfs(request):
        layer = request.query["typeNames"][0]
        return Reply(200, geo.gemeinden_geojson() if layer.endswith("gem") else geo.kreise_geojson())

    fake_server.route("GET", "/wfs", wfs)
    fake_server.route("POST", "/api/interpreter", Reply(200, OVERPASS_ANSWER))
    fake_server.route("GET", "/zensus.zip", Reply(200, grid_zip(kreis_cells())))


@pytest.fixture
def all_tables(settings):
    settings.sources.itnrw.tables = list(itnrw_tables.catalogue_tables())
    return settings


def test_a_fresh_install_is_complete_after_one_refresh(all_tables, fake_server):
    serve_everything(fake_server, itnrw_tables.catalogue_tables())
    result = refresh(all_tables)
    assert result.failed == {} and result.partial == {}
    assert result.build.quarantined == []
    # the grid was cut with the boundaries fetched in the same refresh
    assert rows(all_tables, "SELECT count(*), sum(population) FROM raw.zensus_cells") == [(2, 81)]
    lineage = rows(all_tables, "SELECT notes FROM meta.lineage WHERE source = 'zensus'")
    assert lineage == [("1 Zellen ohne veröffentlichten Wert („–“) ausgelassen",)]
    assert rows(all_tables, "SELECT count(*) FROM marts.regions WHERE geometry IS NOT NULL")[0][0] > 0
    assert rows(all_tables, "SELECT count(*) FROM raw.osm_elements")[0][0] == 1


def test_one_table_failing_its_checks_is_quarantined_and_the_rest_goes_in(all_tables, fake_server, app_env):
    tables = itnrw_tables.catalogue_tables()
    serve_everything(fake_server, tables)
    refresh(all_tables)
    before = rows(all_tables, "SELECT sum(value) FROM raw.itnrw_values WHERE table_code = '13211-05i'")

    # next week: 12411-15i has new numbers, 13211-05i lists Höxter, Stadt twice with different values
    tables["12411-15i"] = itnrw_tables.population_series_table().replace(b"Stadt;1178;", b"Stadt;1179;")
    bad = tables["13211-05i"].decode("latin-1")
    line = next(ln for ln in bad.splitlines() if ln.startswith("31.12.2024;05762020;"))
    tables["13211-05i"] = bad.replace(line, f"{line}\n{line[:-2]}99").encode("latin-1")
    serve_everything(fake_server, tables)
    result = refresh(all_tables)

    assert [e.item for e in result.build.quarantined] == ["13211-05i"]
    entry = result.build.quarantined[0]
    assert entry.kept_previous and "itnrw_values_unique" in entry.message and "05762020" in entry.message
    # the failed table keeps its previous values, the other tables and sources are new
    assert rows(all_tables, "SELECT sum(value) FROM raw.itnrw_values WHERE table_code = '13211-05i'") == before
    assert rows(all_tables, "SELECT value FROM marts.indicator_values WHERE indicator_id = 'bevoelkerung' AND "
                            "ags = '05762020' AND period = '2024-12-31'") == [(1179.0,)]  # fmt: skip
    assert rows(all_tables, "SELECT count(*) FROM raw.zensus_cells")[0][0] == 2
    assert rows(all_tables, "SELECT source, item FROM meta.quarantine") == [("itnrw", "13211-05i")]

    itnrw_status = next(s for s in source_overview(all_tables) if s.name == "itnrw")
    assert itnrw_status.status_de == "teilweise aktualisiert"
    assert "Tabelle 13211-05i zurückgestellt seit" in itnrw_status.error_de
    assert "letzte Daten in Gebrauch" in itnrw_status.error_de

    at = AppTest.from_string("from dashboard.screens import daten\ndaten.render()", default_timeout=30).run()
    assert not at.exception
    page = "\n".join(str(e.value) for kind in ("markdown", "warning", "error", "caption") for e in getattr(at, kind))
    assert "teilweise aktualisiert" in page.lower() and "13211-05i" in page and "itnrw_values_unique" in page

    # the table is fixed at the source: the quarantine lifts
    tables["13211-05i"] = itnrw_tables.catalogue_tables()["13211-05i"]
    serve_everything(fake_server, tables)
    assert refresh(all_tables).build.quarantined == []
    assert rows(all_tables, "SELECT count(*) FROM meta.quarantine") == [(0,)]


def test_a_table_whose_regions_are_unknown_is_quarantined_not_loaded_empty(all_tables, fake_server):
    tables = itnrw_tables.catalogue_tables()
    tables["31231-01i"] = itnrw_tables.names_only_table(extra_header_row=True).replace(b"Bad Driburg", b"Bad Unbekannt")
    serve_everything(fake_server, tables)
    result = refresh(all_tables)
    entry = next(e for e in result.build.quarantined if e.item == "31231-01i")
    assert "„Bad Unbekannt, Stadt“ passt zu keiner bekannten Region" in entry.message
    assert not entry.kept_previous  # it never loaded
    assert rows(all_tables, "SELECT count(*) FROM raw.itnrw_values WHERE table_code = '31231-01i'") == [(0,)]
    assert rows(all_tables, "SELECT count(*) FROM raw.itnrw_values WHERE table_code = '12411-15i'")[0][0] > 0


def test_regions_by_name_are_loaded_under_their_keys(all_tables, fake_server):
    tables = itnrw_tables.catalogue_tables()
    tables["31231-01i"] = itnrw_tables.names_only_table(extra_header_row=True)
    serve_everything(fake_server, tables)
    assert refresh(all_tables).build.quarantined == []
    assert rows(all_tables, "SELECT ags, value FROM marts.table_values WHERE table_code = '31231-01i' "
                            "AND region_name = 'Höxter, Stadt'") == [("05762020", 704.0)]  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "latin-1"])
def test_grid_files_in_every_encoding_skip_the_dash_cells(tmp_path, encoding):
    dash = "–" if encoding != "latin-1" else "-"
    path = tmp_path / "grid.zip"
    path.write_bytes(grid_zip(["a;4250050;3150050;12", f"b;4250150;3150050;{dash}", "c;4250250;3150050;3"], encoding))
    grid = zensus.cells_from_zip(path, zensus.ALL_OF_GERMANY)
    assert grid.cells["population"].to_list() == [12, 3]
    assert grid.unpublished == 1


def test_a_failed_grid_import_leaves_manifest_and_raw_store_as_before(all_tables, fake_server, tmp_path):
    serve_everything(fake_server, itnrw_tables.catalogue_tables())
    refresh(all_tables)
    manifest = (all_tables.raw_dir / "zensus" / "manifest.json").read_bytes()
    files = sorted(p.name for p in (all_tables.raw_dir / "zensus").rglob("*"))
    broken = tmp_path / "Zensus2022_Bevoelkerungszahl.zip"
    broken.write_bytes(grid_zip(kreis_cells() + ["d;4250050;3150050;viele"], "cp1252"))
    with pytest.raises(XRegionError, match="Einwohnerzahl „viele“ nicht lesbar"):
        import_files(all_tables, [broken])
    assert (all_tables.raw_dir / "zensus" / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in (all_tables.raw_dir / "zensus").rglob("*")) == files
    # and the next refresh works without repair
    assert refresh(all_tables).failed == {}
    # a Windows-1252 copy of the grid imports
    good = tmp_path / "Zensus2022_Bevoelkerungszahl_cp1252.zip"
    good.write_bytes(grid_zip(kreis_cells(), "cp1252"))
    import_files(all_tables, [good])
    assert rows(all_tables, "SELECT sum(population) FROM raw.zensus_cells") == [(81,)]
    assert RawStore(all_tables.raw_dir).current_item("zensus", "grid-import").notes.startswith("1 Zellen")


def test_a_regionaldatenbank_table_carries_its_own_publisher_and_licence(settings, tmp_path):
    population = tmp_path / "12411-15i.csv"
    population.write_bytes(itnrw_tables.population_table())
    other = tmp_path / "12411-02-03-4.csv"
    other.write_bytes(itnrw_tables.regionaldatenbank_table())
    matches, _ = import_files(settings, [population, other])
    assert matches[1].description.startswith("Regionaldatenbank-Tabelle 12411-02-03-4")
    sources = rows(settings, "SELECT DISTINCT table_code, source, licence FROM marts.table_values ORDER BY 1")
    assert sources[0][:2] == ("12411-02-03-4", "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland")
    assert "© Statistische Ämter des Bundes und der Länder" in sources[0][2] and "dl-de/by-2-0" in sources[0][2]
    assert sources[1][:2] == ("12411-15i", "IT.NRW, Landesdatenbank NRW")
    lineage = dict(rows(settings, "SELECT item, licence FROM meta.lineage WHERE source = 'itnrw'"))
    assert "Statistische Ämter" in lineage["12411-02-03-4"] and "Statistische Ämter" not in lineage["12411-15i"]


def test_xregion_sql_prints_timestamps_with_time_zone(settings, tmp_path):
    from pipelines.sqlconsole import run_query

    table = tmp_path / "12411-15i.csv"
    table.write_bytes(itnrw_tables.population_table())
    import_files(settings, [table])
    result = run_query(settings.db_path, "SELECT built_at FROM meta.build")
    assert result.frame.height == 1 and result.frame.item(0, 0).tzinfo is not None


def test_dissolved_units_are_no_regions_but_stay_in_the_table_mart(settings, tmp_path):
    text = itnrw_tables.population_table().decode("latin-1")
    first = next(line for line in text.splitlines() if line.startswith("31.12.2024;05774;"))
    former = "31.12.2024;05354;    Aachen, Kreis;-;-;-\n31.12.2024;05354004;      Alsdorf, Stadt;-;-;-"
    table = tmp_path / "12411-15i.csv"
    table.write_bytes(text.replace(first, f"{former}\n{first}").encode("latin-1"))
    import_files(settings, [table])
    regions = {r[0] for r in rows(settings, "SELECT ags FROM marts.regions")}
    assert "05354" not in regions and "05354004" not in regions and "05762020" in regions
    assert rows(settings, "SELECT count(*), count(*) FILTER (WHERE symbol = '-') FROM marts.table_values "
                          "WHERE ags LIKE '05354%'") == [(6, 6)]  # fmt: skip
