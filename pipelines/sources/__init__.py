"""The sources the warehouse is built from, one module each, behind one small interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import duckdb

from pipelines.config import Settings
from pipelines.progress import Reporter
from pipelines.rawstore import RawFile, RawStore


@dataclass(frozen=True)
class ImportMatch:
    """A file that `xregion import` recognised; already parsed once, so it is known to be valid."""

    source: str
    item: str
    media: str
    ext: str
    description: str  # German, shown to the user
    data_stand: str | None = None
    licence: str | None = None  # when it differs from the source's (another publisher)
    notes: str | None = None  # German: what reading the file left out or merged (lineage)


@dataclass(frozen=True)
class ItemFailure:
    """One item of a source (e.g. a table) that could not be loaded; the rest of the source is."""

    item: str
    message: str  # German, names file and line where it can


@dataclass(frozen=True)
class Source:
    name: str
    title: str  # German display name
    licence: str
    attribution: str
    how_to_get: str  # German: how to get the data online and by hand
    raw_ddl: str  # creates the source's empty tables in schema `raw`
    raw_tables: tuple[str, ...]
    # downloads, validates and stores the source's files; raises SourceError (after keeping
    # whatever part did succeed) when something could not be fetched
    fetch: Callable[[Settings, RawStore, Reporter], list[RawFile]]
    # returns a match when `content` is a file of this source, raises ParseError when it looks
    # like one but is broken, None when it is not this source's
    recognise: Callable[[str, bytes], ImportMatch | None]
    # fills the raw tables from the current raw files; returns the items it had to leave out
    # (their previous data are then taken from the live warehouse), raises for the whole source
    load: Callable[[duckdb.DuckDBPyConnection, RawStore, list[RawFile], Settings], list[ItemFailure] | None]
    # how often the publisher releases new data (days), for "next release expected"; None: ongoing
    release_cycle_days: int | None = None
    # the column that names the item in every raw table of the source, when a single item can be
    # quarantined on its own (IT.NRW: table_code); None: only the whole source
    item_column: str | None = None
    # False for a source that never leaves the machine (the register): its "success" does not
    # count as an update when a scheduler asks whether anything came in (exit code 2)
    online: bool = True

    @property
    def raw_table_names(self) -> list[str]:
        """Every table the source's DDL creates in schema `raw`."""
        import re

        return re.findall(r"CREATE TABLE raw\.(\w+)", self.raw_ddl)


def all_sources() -> list[Source]:
    from pipelines.sources import bkg, itnrw, osm, register, wegenetz, zensus

    # in this order files are recognised (the path network before the supply points: both are
    # Overpass answers) and sources refreshed
    return [itnrw.SOURCE, bkg.SOURCE, wegenetz.SOURCE, osm.SOURCE, zensus.SOURCE, register.SOURCE]


def by_name(names: list[str] | None, sources: list[Source] | None = None) -> list[Source]:
    from pipelines.errors import ConfigError

    sources = sources if sources is not None else all_sources()
    if not names:
        return sources
    known = {s.name: s for s in sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(
            f"Unbekannte Quelle: {', '.join(unknown)}.",
            f"Bekannte Quellen: {', '.join(known)}.",
        )
    return [known[n] for n in names]
