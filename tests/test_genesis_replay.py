"""Replays the recorded GENESIS interactions in ../shared/reference/genesis/ through the fake
server: the client must send what the real clients sent and understand what the service answered."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest
import yaml
from pydantic import SecretStr

from pipelines.genesis import GenesisClient, GenesisError
from pipelines.parsers.genesis_ffcsv import parse_genesis_ffcsv
from tests.conftest import reference_file
from tests.support.fake_server import Reply

pytestmark = pytest.mark.integration
HOEXTER_TOWNS = {f"05762{n:03d}" for n in range(4, 44, 4)}


def recorded(name: str, method: str = "data/tablefile") -> tuple[dict, Reply, str]:
    """The first German interaction with `method` in a recording: (form sent, reply, filename)."""
    data = yaml.safe_load(reference_file(f"genesis/{name}.yaml").read_text(encoding="utf-8"))
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        form = {k: v[0] for k, v in parse_qs(request["body"], keep_blank_values=True).items()}
        if urlsplit(request["uri"]).path.endswith(f"/{method}") and form.get("language") == "de":
            body = response["body"]["string"]
            body = body if isinstance(body, bytes) else body.encode("utf-8")
            headers = {k: v[0] for k, v in response["headers"].items() if k in ("Content-Type", "Content-Disposition")}
            filename = headers.get("Content-Disposition", "=x.zip").split("filename=")[-1]
            return form, Reply(response["status"]["code"], body, headers), filename
    raise AssertionError(f"no {method} interaction in {name}")


@pytest.fixture
def client(settings, fake_server):
    settings.sources.itnrw.rest_url = f"{fake_server.url}/genesisws/rest/2020/"
    settings.sources.itnrw.user = "recorded"
    settings.sources.itnrw.password = SecretStr("recorded")
    with GenesisClient(settings, sleep=lambda s: None) as c:
        yield c


@pytest.mark.parametrize("name", ["12411-01-01-4", "13111-01-03-4", "AI-N-01-2-5"])
def test_recorded_tables_are_requested_and_parsed_like_the_real_service_answered(client, fake_server, name):
    form, reply, filename = recorded(name)
    fake_server.route("POST", "/genesisws/rest/2020/data/tablefile", reply)
    answer = client.tablefile(name, "", "", "")
    sent = fake_server.requests[0].form
    for key in ("name", "area", "format", "language", "compress", "quality", "job"):
        assert sent[key] == form[key], key
    table = parse_genesis_ffcsv(answer.content, filename)
    assert table.table_code == name
    assert table.values.height > 1000
    assert table.values["period"].null_count() == 0
    kreis = table.values.filter(pl.col("ags") == "05762")
    if name != "AI-N-01-2-5":
        assert kreis.height > 0 and kreis["region_name"][0] == "Höxter, Kreis"


def test_recorded_gemeinde_table_holds_the_ten_hoexter_towns(client, fake_server):
    _, reply, filename = recorded("AI-N-01-2-5")
    fake_server.route("POST", "/genesisws/rest/2020/data/tablefile", reply)
    table = parse_genesis_ffcsv(client.tablefile("AI-N-01-2-5", "GEMEIN", "05762*", "2011").content, filename)
    towns = table.values.filter(pl.col("ags").str.starts_with("05762"))
    assert set(towns["ags"]) == HOEXTER_TOWNS
    assert "Borgentreich, Stadt" in set(towns["region_name"])


def test_recorded_error_answer_becomes_a_german_message(client, fake_server):
    _, reply, _ = recorded("61111-0021")
    fake_server.route("POST", "/genesisws/rest/2020/data/tablefile", reply)
    with pytest.raises(GenesisError) as err:
        client.tablefile("61111-0021", "", "", "")
    assert err.value.code == -1
    assert "kein Datenquader gefunden" in err.value.message


def test_recorded_metadata_gives_the_stand_of_the_table(client, fake_server):
    form, reply, _ = recorded("12411-01-01-4", "metadata/table")
    fake_server.route("POST", "/genesisws/rest/2020/metadata/table", reply)
    assert client.table_stand("12411-01-01-4") == date(2025, 3, 31)
    sent = fake_server.requests[0].form
    assert all(sent[key] == form[key] for key in ("name", "area", "language"))
