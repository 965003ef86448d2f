"""Official statistics of IT.NRW (Landesdatenbank NRW).

Two routes, chosen by whether credentials are configured:
- with credentials, the GENESIS REST interface: `data/tablefile` as ffcsv ZIP, one request per
  regional level of the configured region, and `metadata/table` for the table's Stand, which
  the ffcsv does not state (pipelines.genesis);
- without, the no-login downloader: each table as the human-layout CSV (`<CODE>_00.csv`).
Every file is parsed before it is kept, so a broken download never replaces the last good one.
Files downloaded by hand (human-layout CSV, ffcsv as ZIP or CSV) come in through `recognise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from pipelines.config import Settings
from pipelines.duck import open_readonly
from pipelines.errors import HostUnreachable, ParseError, PartialSourceError, SourceError, XRegionError
from pipelines.frames import execute_with
from pipelines.german import fmt_date, fmt_number
from pipelines import genesis
from pipelines.genesis import GenesisClient
from pipelines.http import HttpClient
from pipelines.parsers.genesis_ffcsv import looks_like_ffcsv, looks_like_zip, parse_genesis_ffcsv, unzip_ffcsv
from pipelines.parsers.itnrw_table_csv import (
    ParsedTable,
    decode,
    looks_like_itnrw_table,
    parse_itnrw_table_csv,
)
from pipelines.progress import Reporter
from pipelines.rawstore import RawFile, RawStore
from pipelines.region_names import known_names, resolve_region_names
from pipelines.sources import ImportMatch, ItemFailure, Source

NAME = "itnrw"
LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)"
# per publisher (the footer of a table says who): display name, licence with attribution
PUBLISHED_BY = {
    "itnrw": ("IT.NRW, Landesdatenbank NRW", LICENCE),
    "regionalstatistik": (
        "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland",
        f"© Statistische Ämter des Bundes und der Länder, Deutschland; {LICENCE}",
    ),
}
MEDIA_TABLE_CSV = "itnrw-table-csv"
MEDIA_FFCSV = "genesis-ffcsv"  # ZIP or plain CSV

RAW_DDL = """
CREATE TABLE raw.itnrw_tables (
    table_code VARCHAR, title VARCHAR, data_stand DATE, copyright VARCHAR, footnotes VARCHAR,
    raw_sha256 VARCHAR, url VARCHAR, fetched_at TIMESTAMPTZ,
    publisher VARCHAR, source VARCHAR, licence VARCHAR, notes VARCHAR,
    data_stand_kind VARCHAR  -- 'veröffentlicht' (the publisher's Stand) or 'abgerufen' (fetch date)
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
    if settings.sources.itnrw.has_credentials:
        return _fetch_rest(settings, store, reporter)
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
            except HostUnreachable as exc:
                _unreachable(exc, failures, kept)
                break
            except XRegionError as exc:
                failures.append(f"Tabelle {code}: {exc.message}")
                reporter.warn(failures[-1])
                continue
            reporter.info(f"Tabelle {code}: {fmt_number(parsed.values.height)} Werte, Stand {_de(parsed)}")
            kept.append(_keep(store, parsed, body, url, "download"))
    _raise_if_failed(failures, kept)
    return kept


def _unreachable(exc: HostUnreachable, failures: list[str], kept: list[RawFile]) -> None:
    """Without any table the source fails with the one message; with some, the rest are named."""
    if not kept and not failures:
        raise exc
    failures.append(f"die übrigen Tabellen: {exc.message}")


def _rest_levels(settings: Settings) -> list[tuple[str, str]]:
    region = settings.region
    return [
        (variable, key.format(kreis=region.ags, regbez=region.regbez_ags, land=region.land_ags))
        for variable, key in settings.sources.itnrw.rest_regions
    ]


def _fetch_rest(settings: Settings, store: RawStore, reporter: Reporter) -> list[RawFile]:
    kept: list[RawFile] = []
    failures: list[str] = []
    refused = False
    with GenesisClient(settings, reporter) as client:
        for code in settings.sources.itnrw.tables:
            answers = []
            for variable, key in _rest_levels(settings):
                try:
                    answer = client.tablefile(code, variable, key, str(settings.sources.itnrw.start_year))
                    parsed = parse_genesis_ffcsv(answer.content, f"{code}.zip", table_code=code)
                except HostUnreachable as exc:
                    _unreachable(exc, failures, kept)
                    refused = True  # the other tables would fail the same way, at once
                    break
                except XRegionError as exc:
                    failures.append(f"Tabelle {code} ({variable} {key}): {exc.message}")
                    reporter.warn(failures[-1])
                    # every further call would be refused as well
                    refused = getattr(exc, "code", None) == genesis.NOT_AUTHORISED
                    if refused:
                        break
                    continue
                reporter.info(f"Tabelle {code} ({variable}): {fmt_number(parsed.values.height)} Werte")
                answers.append((variable, answer, parsed.values["period"].max()))
            stand = _table_stand(client, code, reporter) if answers and not refused else None
            stand, stand_kind = stand_not_before_data(stand, [p for _, _, p in answers])
            for variable, answer, _ in answers:
                kept.append(
                    store.put(
                        NAME,
                        f"{code}@{variable}",
                        answer.content,
                        url=answer.url,
                        origin="download",
                        licence=LICENCE,
                        media=MEDIA_FFCSV,
                        ext="zip" if looks_like_zip(answer.content) else "csv",
                        data_stand=stand.isoformat() if stand else None,
                        data_stand_kind=stand_kind,
                    )
                )
            if refused:
                break
    _raise_if_failed(failures, kept)
    return kept


def stand_not_before_data(stand: date | None, newest_periods: list[date | None]) -> tuple[date | None, str | None]:
    """A Stand that predates the newest period it dates (metadata `Updated` of 28.12.2022 for
    values of 31.12.2024) is not the release date: the fetch date is kept instead, marked as
    such ("abgerufen am")."""
    newest = max((p for p in newest_periods if p), default=None)
    if stand is not None and newest is not None and stand < newest:
        return date.today(), STAND_FETCHED
    return stand, None


STAND_FETCHED = "abgerufen"


def _table_stand(client: GenesisClient, code: str, reporter: Reporter) -> date | None:
    """The ffcsv does not say when the table was updated; the metadata does. Without it the data
    are still good, so a failure here is only a warning."""
    try:
        return client.table_stand(code)
    except XRegionError as exc:
        reporter.warn(f"Stand der Tabelle {code} nicht abrufbar: {exc.message}")
        return None


def _raise_if_failed(failures: list[str], kept: list[RawFile]) -> None:
    if not failures:
        return
    hint = "für die genannten bleiben die zuletzt geladenen Daten in Gebrauch."
    if kept:
        raise PartialSourceError(" ".join(failures), "Die übrigen Tabellen wurden aktualisiert; " + hint)
    raise SourceError(" ".join(failures), hint[0].upper() + hint[1:])


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
        notes=" ".join(parsed.notes) or None,
    )


def recognise(filename: str, content: bytes) -> ImportMatch | None:
    if looks_like_zip(content[:4]) or looks_like_ffcsv(content[:64]):
        return _recognise_ffcsv(filename, content)
    if not looks_like_itnrw_table(decode(content[:200]) if content else ""):
        return None
    parsed = parse_itnrw_table_csv(content, filename)
    licence = PUBLISHED_BY[parsed.publisher][1]
    return ImportMatch(
        source=NAME,
        item=parsed.table_code,
        media=MEDIA_TABLE_CSV,
        ext="csv",
        description=(
            f"{'IT.NRW' if parsed.publisher == 'itnrw' else 'Regionaldatenbank'}-Tabelle {parsed.table_code} "
            f"({fmt_number(parsed.values.height)} Werte, Stand {_de(parsed)})"
        ),
        data_stand=parsed.data_stand.isoformat() if parsed.data_stand else None,
        licence=None if parsed.publisher == "itnrw" else licence,
        notes=" ".join(parsed.notes) or None,
    )


def _recognise_ffcsv(filename: str, content: bytes) -> ImportMatch | None:
    if looks_like_zip(content[:4]):
        try:
            _, inner = unzip_ffcsv(content, filename)
        except ParseError:
            return None  # some other ZIP (e.g. boundaries): not ours
        if not looks_like_ffcsv(inner[:64]):
            return None
    parsed = parse_genesis_ffcsv(content, filename)
    return ImportMatch(
        source=NAME,
        item=f"{parsed.table_code}@import",
        media=MEDIA_FFCSV,
        ext="zip" if looks_like_zip(content[:4]) else "csv",
        description=f"GENESIS-Tabelle {parsed.table_code} (ffcsv, {fmt_number(parsed.values.height)} Werte)",
    )


def _table_code(raw: RawFile) -> str:
    return raw.item.split("@", 1)[0]


def _newest_route(files: list[RawFile]) -> list[RawFile]:
    """Per table, only the files of the route fetched last (downloader, REST or import), so a
    table is never loaded twice after switching routes."""
    newest: dict[str, tuple[str, str]] = {}
    for raw in files:
        route = raw.media if raw.origin == "download" else "import"
        code = _table_code(raw)
        if code not in newest or raw.fetched_at > newest[code][1]:
            newest[code] = (route, raw.fetched_at)
    return [
        raw
        for raw in files
        if (raw.media if raw.origin == "download" else "import") == newest[_table_code(raw)][0]
    ]


@dataclass
class _LoadedTable:
    code: str
    title: str
    stand: date | None
    stand_kind: str | None
    copyright: str | None
    footnotes: str
    notes: list[str]
    publisher: str
    files: list[RawFile]
    values: pl.DataFrame


def _read_table(store: RawStore, code: str, files: list[RawFile]) -> _LoadedTable:
    """All files of one table (the REST route keeps one per regional level) as one table."""
    frames, table = [], None
    for raw in files:
        content = store.read(raw)
        if raw.media == MEDIA_TABLE_CSV:
            parsed = parse_itnrw_table_csv(content, raw.path)
            stand, stand_kind = stand_not_before_data(parsed.data_stand, [parsed.values["period"].max()])
            table = _LoadedTable(parsed.table_code, parsed.title, stand, stand_kind, parsed.copyright,
                                 parsed.footnotes, parsed.notes, parsed.publisher, files, parsed.values)  # fmt: skip
        elif raw.media == MEDIA_FFCSV:
            flat = parse_genesis_ffcsv(content, raw.path, table_code=code)
            stand = date.fromisoformat(raw.data_stand) if raw.data_stand else None  # from the metadata
            table = _LoadedTable(flat.table_code, flat.statistics_label, stand, raw.data_stand_kind, None, "", [],
                                 _ffcsv_publisher(raw), files, flat.values)  # fmt: skip
        else:
            raise ParseError(f"Unbekanntes Dateiformat {raw.media} für {raw.path}.")
        frames.append(table.values)
    assert table is not None
    table.values = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
    return table


def _ffcsv_publisher(raw: RawFile) -> str:
    # the ffcsv has no footer: an IT.NRW table code ends in "i"; others come from the
    # Regionaldatenbank (or another GENESIS of the Statistische Ämter)
    return "itnrw" if _table_code(raw).endswith("i") else "regionalstatistik"


def load(con: duckdb.DuckDBPyConnection, store: RawStore, files: list[RawFile], settings: Settings) -> list[ItemFailure]:
    """Load every table; a table that cannot be read or whose regions cannot be identified is
    returned as a failure (and quarantined by the build), the others load."""
    by_code: dict[str, list[RawFile]] = {}
    for raw in _newest_route(files):
        by_code.setdefault(_table_code(raw), []).append(raw)
    failures: list[ItemFailure] = []
    tables: list[_LoadedTable] = []
    for code, table_files in sorted(by_code.items()):
        try:
            tables.append(_read_table(store, code, table_files))
        except XRegionError as exc:
            failures.append(ItemFailure(code, exc.message))
    # names of keyed tables first: they identify the regions of tables given by name only
    keyed = [t for t in tables if t.values["ags"].null_count() < t.values.height]
    known = known_names(
        [pair for t in keyed for pair in t.values.select("ags", "region_name").unique().iter_rows()]
        + _live_region_names(settings)
    )
    for table in tables:
        try:
            values = resolve_region_names(table.values, known, table.files[0].path)
        except XRegionError as exc:
            failures.append(ItemFailure(table.code, exc.message))
            continue
        _insert_table(con, table, values)
    return failures


def _live_region_names(settings: Settings) -> list[tuple[str, str]]:
    if not settings.db_path.exists():
        return []
    try:
        with open_readonly(settings.db_path) as con:
            return con.execute("SELECT ags, official_name FROM marts.regions").fetchall()
    except duckdb.Error:  # a warehouse from before marts.regions had names
        return []


def _insert_table(con: duckdb.DuckDBPyConnection, table: _LoadedTable, values: pl.DataFrame) -> None:
    values = values.with_columns(pl.lit(table.code).alias("table_code"), pl.lit(table.stand, dtype=pl.Date).alias("data_stand"))
    execute_with(
        con,
        "itnrw_batch",
        values,
        """INSERT INTO raw.itnrw_values BY NAME
           SELECT table_code, period, period_label, ags, region_name, region_depth, classification,
                  statistic, variable, unit, value, symbol, source_line, data_stand FROM itnrw_batch""",
    )
    source_name, licence = PUBLISHED_BY[table.publisher]
    for raw in table.files:
        con.execute(
            "INSERT INTO raw.itnrw_tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [table.code, table.title, table.stand, table.copyright, table.footnotes, raw.sha256, raw.url,
             raw.fetched_at, table.publisher, source_name, licence, "\n".join(table.notes) or None,
             table.stand_kind or "veröffentlicht"],
        )  # fmt: skip


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
    release_cycle_days=365,  # annual tables / boundaries as of 31.12.
    item_column="table_code",
)
