"""Official statistics of IT.NRW (Landesdatenbank NRW).

Route without login: the downloader delivers each table as the human-layout CSV
(`<downloader_url><CODE>_00.csv`). Every file is parsed before it is kept, so a broken download
never replaces the last good one.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.config import Settings
from pipelines.errors import ParseError, SourceError, XRegionError
from pipelines.german import fmt_date, fmt_number
from pipelines.http import HttpClient
from pipelines.parsers.itnrw_table_csv import (
    ParsedTable,
    decode,
    looks_like_itnrw_table,
    parse_itnrw_table_csv,
)
from pipelines.progress import Reporter
from pipelines.rawstore import RawFile, RawStore
from pipelines.sources import ImportMatch, Source

NAME = "itnrw"
LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)"
MEDIA_TABLE_CSV = "itnrw-table-csv"

RAW_DDL = """
CREATE TABLE raw.itnrw_tables (
    table_code VARCHAR, title VARCHAR, data_stand DATE, copyright VARCHAR, footnotes VARCHAR,
    raw_sha256 VARCHAR, url VARCHAR, fetched_at TIMESTAMPTZ
);
CREATE TABLE raw.itnrw_values (
    table_code VARCHAR, period DATE, period_label VARCHAR, ags VARCHAR, region_name VARCHAR,
    region_depth INTEGER, classification VARCHAR, statistic VARCHAR, variable VARCHAR, unit VARCHAR,
    value DOUBLE, symbol VARCHAR, source_line INTEGER, data_stand DATE
);
"""


def downloader_url(settings: Settings, table_code: str) -> str:
    return f"{settings.sources.itnrw.downloader_url.rstrip('/')}/{table_code}_00.csv"


def _check_html(body: bytes, url: str) -> None:
    head = body[:512].lstrip().lower()
    if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
        raise SourceError(
            f"IT.NRW hat für {url} eine Webseite statt einer Tabelle geliefert.",
            "Vermutlich ist der Dienst gestört oder der Tabellencode falsch; versuchen Sie es später erneut.",
        )


def fetch(settings: Settings, store: RawStore, reporter: Reporter) -> list[RawFile]:
    kept: list[RawFile] = []
    failures: list[str] = []
    with HttpClient(settings.http, "Die Landesdatenbank NRW", reporter) as client:
        for code in settings.sources.itnrw.tables:
            url = downloader_url(settings, code)
            try:
                body = client.get(url, label=f"Tabelle {code}").body
                _check_html(body, url)
                parsed = parse_itnrw_table_csv(body, f"{code}_00.csv")
                if parsed.table_code != code:
                    raise SourceError(f"IT.NRW hat für {code} die Tabelle {parsed.table_code} geliefert.")
            except XRegionError as exc:
                failures.append(f"Tabelle {code}: {exc.message}")
                reporter.warn(failures[-1])
                continue
            reporter.info(f"Tabelle {code}: {fmt_number(parsed.values.height)} Werte, Stand {_de(parsed)}")
            kept.append(_keep(store, parsed, body, url, "download"))
    if failures:
        raise SourceError(
            " ".join(failures),
            "Die übrigen Tabellen wurden aktualisiert; für die genannten bleiben die zuletzt geladenen Daten in Gebrauch.",
        )
    return kept


def _de(parsed: ParsedTable) -> str:
    return fmt_date(parsed.data_stand, missing="unbekannt")


def _keep(store: RawStore, parsed: ParsedTable, body: bytes, url: str, origin: str) -> RawFile:
    return store.put(
        NAME,
        parsed.table_code,
        body,
        url=url,
        origin=origin,
        licence=LICENCE,
        media=MEDIA_TABLE_CSV,
        ext="csv",
        data_stand=parsed.data_stand.isoformat() if parsed.data_stand else None,
    )


def recognise(filename: str, content: bytes) -> ImportMatch | None:
    if not looks_like_itnrw_table(decode(content[:200]) if content else ""):
        return None
    parsed = parse_itnrw_table_csv(content, filename)
    return ImportMatch(
        source=NAME,
        item=parsed.table_code,
        media=MEDIA_TABLE_CSV,
        ext="csv",
        description=f"IT.NRW-Tabelle {parsed.table_code} ({fmt_number(parsed.values.height)} Werte, Stand {_de(parsed)})",
        data_stand=parsed.data_stand.isoformat() if parsed.data_stand else None,
    )


def load(con: duckdb.DuckDBPyConnection, store: RawStore, files: list[RawFile], settings: Settings) -> None:
    for raw in files:
        if raw.media != MEDIA_TABLE_CSV:
            raise ParseError(f"Unbekanntes Dateiformat {raw.media} für {raw.path}.")
        parsed = parse_itnrw_table_csv(store.read(raw), raw.path)
        values = parsed.values.with_columns(
            pl.lit(parsed.table_code).alias("table_code"), pl.lit(parsed.data_stand, dtype=pl.Date).alias("data_stand")
        )
        con.register("itnrw_batch", values.to_arrow())
        con.execute(
            """INSERT INTO raw.itnrw_values BY NAME
               SELECT table_code, period, period_label, ags, region_name, region_depth, classification,
                      statistic, variable, unit, value, symbol, source_line, data_stand FROM itnrw_batch"""
        )
        con.unregister("itnrw_batch")
        con.execute(
            "INSERT INTO raw.itnrw_tables VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                parsed.table_code,
                parsed.title,
                parsed.data_stand,
                parsed.copyright,
                parsed.footnotes,
                raw.sha256,
                raw.url,
                raw.fetched_at,
            ],
        )


SOURCE = Source(
    name=NAME,
    title="Amtliche Statistik (IT.NRW, Landesdatenbank NRW)",
    licence=LICENCE,
    attribution="© IT.NRW, Düsseldorf",
    how_to_get=(
        "Online: `xregion refresh --source itnrw` lädt die Tabellen ohne Anmeldung aus der Landesdatenbank NRW. "
        "Ohne Internetzugang: die Tabelle (z. B. 12411-15i) auf www.landesdatenbank.nrw.de als CSV herunterladen "
        "und mit `xregion import <Datei>` einlesen."
    ),
    raw_ddl=RAW_DDL,
    raw_tables=("itnrw_values",),
    fetch=fetch,
    recognise=recognise,
    load=load,
)
