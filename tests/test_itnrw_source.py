"""The IT.NRW source end to end: REST route with credentials, ffcsv import, route switching."""

import duckdb
import pytest
from pydantic import SecretStr

from pipelines.refresh import import_files, refresh
from pipelines.sources import itnrw
from tests.support import genesis_fake as gf
from tests.support import itnrw_tables
from tests.support.fake_server import Reply

TABLEFILE = "/rest/2020/data/tablefile"
METADATA = "/rest/2020/metadata/table"
LEVELS = [
    ("GEMEIN", "05762004", "Bad Driburg, Stadt"),
    ("KREISE", "05762", "Höxter, Kreis"),
    ("REGBEZ", "057", "Detmold, Regierungsbezirk"),
    ("DLAND", "05", "Nordrhein-Westfalen"),
]


def values(settings, sql):
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_with_credentials_each_regional_level_is_fetched_by_rest(settings, fake_server):
    settings.sources.itnrw.user = "kreis"
    settings.sources.itnrw.password = SecretStr("pw")
    fake_server.route("POST", TABLEFILE, *[gf.zip_reply(gf.ffcsv_zip(gf.ffcsv_rows([lvl]))) for lvl in LEVELS])
    fake_server.route("POST", METADATA, gf.table_metadata("12411-15i", "19.01.2026 13:58:12h"))
    result = refresh(settings, sources=[itnrw.SOURCE])
    assert result.failed == {}
    sent = [
        (r.form["regionalvariable"], r.form["regionalkey"], r.form["startyear"])
        for r in fake_server.requests
        if r.path.endswith("tablefile")
    ]
    assert sent == [("GEMEIN", "05762*", "2011"), ("KREISE", "05762", "2011"), ("REGBEZ", "057", "2011"),
                    ("DLAND", "05", "2011")]  # fmt: skip
    # the ffcsv has no Stand line; the table's metadata gives it, once per table
    assert [r.path for r in fake_server.requests].count(METADATA) == 1
    assert values(settings, "SELECT DISTINCT data_stand::VARCHAR FROM raw.itnrw_tables") == [("2026-01-19",)]
    rows = values(
        settings,
        "SELECT ags, period::VARCHAR, value FROM staging.stg_itnrw__values "
        "WHERE classification = 'Geschlecht: Insgesamt' AND period = '2024-12-31' ORDER BY ags",
    )
    assert rows == [("05", "2024-12-31", 1010), ("057", "2024-12-31", 1010), ("05762", "2024-12-31", 1010),
                    ("05762004", "2024-12-31", 1010)]  # fmt: skip


def test_without_metadata_the_rest_data_are_kept_without_a_stand(settings, fake_server):
    settings.sources.itnrw.user = "kreis"
    settings.sources.itnrw.password = SecretStr("pw")
    fake_server.route("POST", TABLEFILE, *[gf.zip_reply(gf.ffcsv_zip(gf.ffcsv_rows([lvl]))) for lvl in LEVELS])
    # no route for metadata/table: the fake answers with an HTML "Not Found" page
    result = refresh(settings, sources=[itnrw.SOURCE])
    assert result.failed == {}
    assert values(settings, "SELECT count(*), count(data_stand) FROM raw.itnrw_tables") == [(4, 0)]


def test_wrong_credentials_stop_after_the_first_refusal(settings, fake_server):
    settings.sources.itnrw.user = "kreis"
    settings.sources.itnrw.password = SecretStr("falsch")
    fake_server.route("POST", TABLEFILE, gf.status(15, "nicht berechtigt"))
    result = refresh(settings, sources=[itnrw.SOURCE])
    assert "lehnt die Zugangsdaten ab" in result.failed["itnrw"]
    assert len(fake_server.requests) == 1


@pytest.mark.parametrize("as_zip", [True, False])
def test_import_of_ffcsv_as_zip_or_csv(settings, tmp_path, as_zip):
    text = gf.ffcsv_rows(LEVELS)
    path = tmp_path / ("12411-15i_1773175772751_de_flat." + ("zip" if as_zip else "csv"))
    path.write_bytes(gf.ffcsv_zip(text) if as_zip else text.encode("utf-8"))
    matches, _ = import_files(settings, [path], sources=[itnrw.SOURCE])
    assert matches[0].item == "12411-15i@import"
    assert "GENESIS-Tabelle 12411-15i (ffcsv, 24 Werte)" == matches[0].description
    assert values(settings, "SELECT count(*) FROM raw.itnrw_values WHERE table_code = '12411-15i'") == [(24,)]


def test_a_broken_ffcsv_import_names_the_line(settings, tmp_path):
    text = gf.ffcsv_rows(LEVELS[:1]).replace(";510;", ";5x0;")
    path = tmp_path / "12411-15i_flat.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Exception) as err:
        import_files(settings, [path], sources=[itnrw.SOURCE])
    assert "12411-15i_flat.csv, Zeile 3: „5x0“ ist weder Zahl noch Zeichen" in str(err.value)


def test_after_switching_routes_a_table_is_loaded_once(settings, fake_server, tmp_path):
    fake_server.route("GET", "/downloader/00/tables/12411-15i_00.csv", Reply(200, itnrw_tables.population_table()))
    refresh(settings, sources=[itnrw.SOURCE])
    flat = tmp_path / "12411-15i_flat.csv"
    flat.write_text(gf.ffcsv_rows(LEVELS), encoding="utf-8")
    import_files(settings, [flat], sources=[itnrw.SOURCE])
    tables = values(settings, "SELECT DISTINCT variable FROM raw.itnrw_values")
    assert tables == [("Bevölkerungsstand",)]  # only the newer (imported ffcsv) route


def test_a_stand_older_than_the_data_becomes_the_fetch_date(settings, fake_server):
    from datetime import date

    from dashboard import views

    settings.sources.itnrw.user = "kreis"
    settings.sources.itnrw.password = SecretStr("pw")
    fake_server.route("POST", TABLEFILE, *[gf.zip_reply(gf.ffcsv_zip(gf.ffcsv_rows([lvl]))) for lvl in LEVELS])
    # "Updated" of the metadata predates the values of 31.12.2024
    fake_server.route("POST", METADATA, gf.table_metadata("12411-15i", "28.12.2022 09:00:00h"))
    assert refresh(settings, sources=[itnrw.SOURCE]).failed == {}
    assert values(settings, "SELECT DISTINCT data_stand, data_stand_kind FROM raw.itnrw_tables") == [
        (date.today(), "abgerufen")
    ]
    assert values(settings, "SELECT DISTINCT data_stand_kind FROM meta.lineage WHERE source = 'itnrw'") == [("abgerufen",)]
    assert views._stand_label({"data_stand_kind": "abgerufen"}) == "abgerufen am"
