"""Zensus 2022 population on the 100 m grid (Destatis), kept for the region only.

The national ZIP is streamed to disk and its CSV read line by line; only cells inside the
region's bounding box (EPSG:3035, with a margin) are kept, so the whole country is never in
memory. Cells with "-", "–" (U+2013; byte 0x96 in a Windows-1252 copy) or no value are "kein
Wert veröffentlicht": left out and counted in the lineage, never read as 0. UTF-8, Latin-1 and
Windows-1252 files are all read: the columns that matter are ASCII, so the file is decoded as
Latin-1 (every byte is a character) and the dash is recognised in each spelling. A file is read
completely before anything is kept, so a broken one never replaces the last good grid.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.config import Settings
from pipelines.errors import ParseError, SourceError
from pipelines.frames import execute_with
from pipelines.german import fmt_number
from pipelines.http import HttpClient
from pipelines.progress import Reporter
from pipelines.rawstore import RawFile, RawStore
from pipelines.sources.bkg import region_bounds
from pipelines.sources import ImportMatch, Source

NAME = "zensus"
LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)"
MEDIA = "zensus-grid-csv"  # the cells of the region, as kept from the national file
COLUMNS = ("GITTER_ID_100m", "x_mp_100m", "y_mp_100m", "Einwohner")
RAW_DDL = "CREATE TABLE raw.zensus_cells (cell_id VARCHAR, x DOUBLE, y DOUBLE, population INTEGER);"
HINT = "Die Datei Zensus2022_Bevoelkerungszahl.zip bei destatis.de herunterladen und mit `xregion import` einlesen."
FIX_HINT = (
    "Die Datei wurde nicht übernommen; das bisherige Gitter bleibt in Gebrauch. Die Originaldatei von destatis.de "
    "(nicht in Excel gespeichert) erneut herunterladen und einlesen."
)


def region_bbox_3035(settings: Settings, margin_m: float) -> tuple[float, float, float, float]:
    bounds = region_bounds(settings, "EPSG:3035")
    if bounds is None:
        raise SourceError(
            "Für den Zensus-Ausschnitt fehlen die Grenzen des Kreises.",
            "Zuerst die Gebietsgrenzen laden (`xregion refresh --source bkg`), dann den Zensus.",
        )
    xmin, ymin, xmax, ymax = bounds
    return (xmin - margin_m, ymin - margin_m, xmax + margin_m, ymax + margin_m)


# "kein Wert veröffentlicht": hyphen, en dash in UTF-8 or Windows-1252, read as Latin-1
UNPUBLISHED = {"", "-", "\u2013", "\x96", "\u00e2\u0080\u0093"}
ALL_OF_GERMANY = (float("-inf"), float("-inf"), float("inf"), float("inf"))


@dataclass
class Grid:
    cells: pl.DataFrame  # cell_id, x, y, population (EPSG:3035 midpoints)
    unpublished: int  # cells inside the box without a published value

    @property
    def note(self) -> str:
        return f"{fmt_number(self.unpublished)} Zellen ohne veröffentlichten Wert („–“) ausgelassen"


def filter_grid(csv_stream: io.TextIOBase, bbox: tuple[float, float, float, float], filename: str) -> Grid:
    """Cells with population inside `bbox`, read line by line from the national CSV (a stream
    decoded as Latin-1)."""
    reader = csv.reader(csv_stream, delimiter=";")
    header = [h.strip().removeprefix("\u00ef\u00bb\u00bf").lstrip("\ufeff") for h in next(reader, [])]
    if tuple(header[:4]) != COLUMNS:
        raise ParseError(f"{filename}, Zeile 1: erwartet {';'.join(COLUMNS)}, gefunden {';'.join(header[:4])}.", HINT)
    xmin, ymin, xmax, ymax = bbox
    ids, xs, ys, people = [], [], [], []
    unpublished = 0
    for line_no, row in enumerate(reader, start=2):
        if len(row) < 4:
            if not row:
                continue
            raise ParseError(f"{filename}, Zeile {line_no}: {len(row)} statt 4 Spalten.", FIX_HINT)
        try:
            x, y = float(row[1]), float(row[2])
        except ValueError:
            raise ParseError(f"{filename}, Zeile {line_no}: Koordinaten „{row[1]};{row[2]}“ nicht lesbar.", FIX_HINT) from None
        if not (xmin <= x <= xmax and ymin <= y <= ymax):
            continue
        value = row[3].strip()
        if value in UNPUBLISHED:
            unpublished += 1
            continue
        try:
            count = int(value)
        except ValueError:
            shown = value.encode("latin-1").decode("utf-8", errors="replace") if value.isprintable() else repr(value)
            raise ParseError(f"{filename}, Zeile {line_no}: Einwohnerzahl „{shown}“ nicht lesbar.", FIX_HINT) from None
        ids.append(row[0])
        xs.append(x)
        ys.append(y)
        people.append(count)
    cells = pl.DataFrame({"cell_id": ids, "x": xs, "y": ys, "population": people},
                         schema={"cell_id": pl.String, "x": pl.Float64, "y": pl.Float64, "population": pl.Int32})  # fmt: skip
    return Grid(cells, unpublished)


def cells_from_zip(path: Path, bbox: tuple[float, float, float, float]) -> Grid:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise ParseError(f"{path.name}: das ZIP enthält keine CSV-Datei.", HINT)
            with archive.open(names[0]) as raw:
                return filter_grid(io.TextIOWrapper(raw, encoding="latin-1", newline=""), bbox, names[0])
    except zipfile.BadZipFile:
        raise ParseError(f"{path.name}: das ZIP-Archiv ist beschädigt.", HINT) from None


def cells_from_csv(path: Path, bbox: tuple[float, float, float, float]) -> Grid:
    with path.open(encoding="latin-1", newline="") as fh:
        return filter_grid(fh, bbox, path.name)


def _keep(store: RawStore, grid: Grid, url: str, origin: str) -> RawFile:
    return store.put(NAME, "grid", grid.cells.write_csv(separator=";").encode("utf-8"), url=url, origin=origin,
                     licence=LICENCE, media=MEDIA, ext="csv", data_stand="2022-05-15", notes=grid.note)  # fmt: skip


def fetch(settings: Settings, store: RawStore, reporter: Reporter) -> list[RawFile]:
    bbox = region_bbox_3035(settings, settings.sources.zensus.margin_m)
    url = settings.sources.zensus.url
    with tempfile.TemporaryDirectory() as tmp, HttpClient(settings.http, "Destatis (Zensus 2022)", reporter) as client:
        path = client.download(url, Path(tmp) / "zensus.zip", label="Zensus-2022-Gitter")
        grid = cells_from_zip(path, bbox)
    if not grid.cells.height:
        raise SourceError("Im Zensus-Gitter liegt keine bewohnte Zelle im Gebiet des Kreises.", "Grenzen und Datei prüfen.")
    reporter.info(
        f"Zensus 2022: {fmt_number(grid.cells.height)} bewohnte 100-m-Zellen, "
        f"{fmt_number(grid.cells['population'].sum())} Einwohner; {grid.note}"
    )
    return [_keep(store, grid, url, "download")]


def recognise(filename: str, content: bytes) -> ImportMatch | None:
    """A Zensus grid file, read completely (every line checked) before it is kept."""
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            return None
        if not any("zensus" in n.lower() and n.lower().endswith(".csv") for n in names):
            return None
        media, ext, what = "zensus-zip", "zip", "Zensus-2022-Gitter (wird auf den Kreis zugeschnitten)"
    elif content.lstrip(b"\xef\xbb\xbf").startswith(b"GITTER_ID_100m;"):
        media, ext, what = "zensus-csv", "csv", "Zensus-2022-Gitter (CSV)"
    else:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_bytes(content)
        grid = _read_file(path, media, ALL_OF_GERMANY)
    description = f"{what}: {fmt_number(grid.cells.height)} bewohnte Zellen; {grid.note}"
    return ImportMatch(NAME, "grid-import", media, ext, description, notes=grid.note)


def _read_file(path: Path, media: str, bbox: tuple[float, float, float, float]) -> Grid:
    return cells_from_zip(path, bbox) if media == "zensus-zip" else cells_from_csv(path, bbox)


def load(con: duckdb.DuckDBPyConnection, store: RawStore, files: list[RawFile], settings: Settings) -> None:
    newest = max(files, key=lambda f: f.fetched_at, default=None)
    if newest is None:
        return
    path = store.root / newest.path
    if newest.media == MEDIA:
        cells = pl.read_csv(path, separator=";", schema={"cell_id": pl.String, "x": pl.Float64, "y": pl.Float64, "population": pl.Int32})
    else:  # an imported national file: cut to the region now that boundaries may be there
        cells = _read_file(path, newest.media, region_bbox_3035(settings, settings.sources.zensus.margin_m)).cells
    execute_with(con, "zensus_batch", cells, "INSERT INTO raw.zensus_cells SELECT * FROM zensus_batch")


SOURCE = Source(
    name=NAME,
    title="Bevölkerung im 100-m-Gitter (Zensus 2022)",
    licence=LICENCE,
    attribution="© Statistische Ämter des Bundes und der Länder, Zensus 2022",
    how_to_get=(
        "Online: `xregion refresh --source zensus` lädt die bundesweite Datei und behält nur den Kreis (braucht die "
        "Gebietsgrenzen). Ohne Internetzugang: Zensus2022_Bevoelkerungszahl.zip von destatis.de mit `xregion import` einlesen."
    ),
    raw_ddl=RAW_DDL,
    raw_tables=("zensus_cells",),
    fetch=fetch,
    recognise=recognise,
    load=load,
    release_cycle_days=3650,  # a census about every ten years
)
