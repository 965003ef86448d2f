"""A second, minimal source for testing the refresh mechanics: one CSV from `<server>/extra.csv`
with lines `key;value`. Its load can be made slow (for the kill test) through XREGION_TEST_SLOW_LOAD,
a path: the load touches that file and then sleeps."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pipelines.errors import ParseError, SourceError
from pipelines.http import HttpClient
from pipelines.sources import ImportMatch, Source

NAME = "extra"


def _parse(content: bytes, filename: str) -> list[tuple[str, float]]:
    rows = []
    for n, line in enumerate(content.decode("utf-8").splitlines(), start=1):
        key, _, value = line.partition(";")
        try:
            rows.append((key, float(value)))
        except ValueError:
            raise ParseError(f"{filename}, Zeile {n}: „{value}“ ist keine Zahl.") from None
    return rows


def make_source(url: str) -> Source:
    def fetch(settings, store, reporter):
        with HttpClient(settings.http, "Die Testquelle", reporter) as client:
            body = client.get(url).body
        try:
            _parse(body, "extra.csv")
        except ParseError as exc:
            raise SourceError(exc.message) from None
        return [store.put(NAME, "extra", body, url=url, origin="download", licence="CC0", media="extra-csv", ext="csv")]

    def recognise(filename: str, content: bytes):
        if not filename.startswith("extra"):
            return None
        _parse(content, filename)
        return ImportMatch(NAME, "extra", "extra-csv", "csv", "Testdatei")

    def load(con, store, files, settings):
        slow = os.environ.get("XREGION_TEST_SLOW_LOAD")
        if slow:
            Path(slow).touch()
            time.sleep(120)
        for raw in files:
            for key, value in _parse(store.read(raw), raw.path):
                con.execute("INSERT INTO raw.extra_values VALUES (?, ?)", [key, value])

    return Source(
        name=NAME,
        title="Testquelle",
        licence="CC0",
        attribution="Test",
        how_to_get="`xregion refresh --source extra`",
        raw_ddl="CREATE TABLE raw.extra_values (key VARCHAR, value DOUBLE);",
        raw_tables=("extra_values",),
        fetch=fetch,
        recognise=recognise,
        load=load,
    )
