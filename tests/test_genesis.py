"""GENESIS REST client against a local fake that answers like the Landesdatenbank NRW."""

from datetime import date

import polars as pl
import pytest
from pydantic import SecretStr

from pipelines.errors import SourceError
from pipelines.genesis import GenesisClient, GenesisError
from pipelines.parsers.genesis_ffcsv import parse_genesis_ffcsv
from tests.support import genesis_fake as gf
from tests.support.fake_server import Reply

TABLEFILE = "/rest/2020/data/tablefile"
RESULTS = "/rest/2020/catalogue/results"
RESULTFILE = "/rest/2020/data/resultfile"
METADATA = "/rest/2020/metadata/table"
TOWNS = [("GEMEIN", "05762004", "Bad Driburg, Stadt"), ("GEMEIN", "05762020", "Höxter, Stadt")]


@pytest.fixture
def credentials(settings):
    settings.sources.itnrw.user = "kreis-hx"
    settings.sources.itnrw.password = SecretStr("streng-geheim")
    return settings


@pytest.fixture
def client(credentials):
    sleeps = []
    with GenesisClient(credentials, sleep=sleeps.append, busy_wait_s=1, poll_interval_s=5, poll_timeout_s=60) as c:
        c.sleeps = sleeps
        yield c


def fetch(client):
    return client.tablefile("12411-15i", "GEMEIN", "05762*", "2011")


def test_ffcsv_zip_success_with_credentials_only_in_headers(client, fake_server):
    fake_server.route("POST", TABLEFILE, gf.zip_reply(gf.ffcsv_zip(gf.ffcsv_rows(TOWNS))))
    answer = fetch(client)
    request = fake_server.requests[0]
    assert request.headers["username"] == "kreis-hx" and request.headers["password"] == "streng-geheim"
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    form = request.form
    assert "username" not in form and "password" not in form and not request.query
    assert form["name"] == "12411-15i" and form["format"] == "ffcsv" and form["job"] == "false"
    assert (form["regionalvariable"], form["regionalkey"], form["startyear"]) == ("GEMEIN", "05762*", "2011")
    table = parse_genesis_ffcsv(answer.content, "12411-15i.zip", table_code="12411-15i")
    total = table.values.filter(
        (pl.col("ags") == "05762020") & (pl.col("classification") == "Geschlecht: Insgesamt")
    )
    assert total["value"].to_list() == [1010, 1010]
    assert not answer.via_job


def test_code_6_waits_and_repeats(client, fake_server):
    fake_server.route(
        "POST", TABLEFILE, gf.status(6, "Zu viele parallele Anfragen"), gf.zip_reply(gf.ffcsv_zip(gf.ffcsv_rows(TOWNS)))
    )
    assert fetch(client).content.startswith(b"PK")
    assert client.sleeps == [1]


def test_code_6_for_ever_gives_up_with_a_message(client, fake_server):
    fake_server.route("POST", TABLEFILE, gf.status(6, "Zu viele parallele Anfragen"))
    with pytest.raises(GenesisError, match="dauerhaft zu viele gleichzeitige Anfragen"):
        fetch(client)
    assert len(fake_server.requests) == client.busy_retries + 1


def test_wrong_credentials_code_15(client, fake_server):
    fake_server.route("POST", TABLEFILE, gf.status(15, "Sie sind nicht berechtigt"))
    with pytest.raises(GenesisError) as err:
        fetch(client)
    assert "lehnt die Zugangsdaten ab" in err.value.message
    assert "XREGION_ITNRW_USER" in err.value.hint
    assert len(fake_server.requests) == 1


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (90, "Die Tabelle 12411-15i gibt es in der Landesdatenbank NRW nicht (Code 90)"),
        (25, "Ungültiger Parameter für Tabelle 12411-15i (Code 25): regionalkey"),
        (50, "keine neueren Daten (Code 50)"),
        (104, "wurde nichts gefunden (Code 104)"),
        (-1, "meldet einen Fehler für Tabelle 12411-15i (Code -1)"),
        (0, "keine Daten geliefert (Code 0)"),
        (22, "keine Daten geliefert (Code 22)"),
    ],
)
def test_status_codes_become_german_messages(client, fake_server, code, expected):
    fake_server.route("POST", TABLEFILE, gf.status(code, "regionalkey"))
    with pytest.raises(GenesisError) as err:
        fetch(client)
    assert expected in err.value.message
    assert err.value.code == code


def test_job_flow_for_a_table_that_is_too_large(client, fake_server):
    result = "12411-15i_235422709"
    fake_server.route(
        "POST",
        TABLEFILE,
        gf.status(98, "Die Tabelle ist zu groß. Bitte als Hintergrundauftrag starten."),
        gf.status(99, f"Der Bearbeitungsauftrag wurde erstellt. Ergebnis mit folgendem Namen abrufbar: {result}"),
    )
    fake_server.route("POST", RESULTS, gf.results_listing([]), gf.results_listing([]), gf.results_listing([result]))
    fake_server.route("POST", RESULTFILE, gf.zip_reply(gf.ffcsv_zip(gf.ffcsv_rows(TOWNS))))
    answer = fetch(client)
    assert answer.via_job and answer.content.startswith(b"PK")
    calls = [(r.path, r.form.get("job"), r.form.get("selection"), r.form.get("name")) for r in fake_server.requests]
    assert calls == [
        (TABLEFILE, "false", None, "12411-15i"),
        (TABLEFILE, "true", None, "12411-15i"),
        (RESULTS, None, result, None),
        (RESULTS, None, result, None),
        (RESULTS, None, result, None),
        (RESULTFILE, None, None, result),
    ]
    assert fake_server.requests_to(RESULTS)[0].form["area"] == "user"
    assert client.sleeps == [5, 5]


def test_a_job_that_never_finishes_is_reported(client, fake_server):
    fake_server.route("POST", TABLEFILE, gf.status(98, "zu groß"), gf.status(99, "Name: 12411-15i_1234567"))
    fake_server.route("POST", RESULTS, gf.results_listing([]))
    with pytest.raises(GenesisError, match="ist nach 1 Minuten nicht fertig"):
        fetch(client)


def test_server_errors_are_retried(client, fake_server):
    fake_server.route("POST", TABLEFILE, Reply(503), gf.zip_reply(gf.ffcsv_zip(gf.ffcsv_rows(TOWNS))))
    assert fetch(client).content.startswith(b"PK")
    assert len(fake_server.requests) == 2


def test_timeouts_end_in_a_german_message(client, fake_server):
    fake_server.route("POST", TABLEFILE, Reply(200, b"{}", delay=1.5))
    with pytest.raises(SourceError) as err:  # from the HTTP layer, after all retries
        fetch(client)
    assert "keine Antwort innerhalb der Wartezeit" in err.value.message


def test_an_html_error_page_instead_of_data(client, fake_server):
    fake_server.route("POST", TABLEFILE, Reply(200, b"<!DOCTYPE html><html><body>Fehler</body></html>",
                                                {"Content-Type": "text/html"}))  # fmt: skip
    with pytest.raises(GenesisError, match="eine Webseite statt Daten"):
        fetch(client)


def test_without_credentials_the_client_says_what_to_configure(settings):
    with pytest.raises(GenesisError) as err:
        GenesisClient(settings)
    assert "XREGION_ITNRW_PASSWORD" in err.value.hint


@pytest.mark.parametrize("updated", ["31.03.2025 11:18:07h", "2025-03-31 11:18:07h"])
def test_the_stand_of_a_table_comes_from_its_metadata(client, fake_server, updated):
    fake_server.route("POST", METADATA, gf.table_metadata("12411-15i", updated))
    assert client.table_stand("12411-15i") == date(2025, 3, 31)
    request = fake_server.requests[0]
    assert request.form["name"] == "12411-15i" and request.headers["username"] == "kreis-hx"


def test_metadata_without_a_date_gives_no_stand(client, fake_server):
    fake_server.route("POST", METADATA, gf.table_metadata("12411-15i", "see parent"), gf.status(90, "", "table"))
    assert client.table_stand("12411-15i") is None
    assert client.table_stand("12411-15i") is None
