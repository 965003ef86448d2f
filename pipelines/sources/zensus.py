"""Zensus 2022 population on the 100 m grid (Destatis), kept for the region only.

The national ZIP is streamed to disk and its CSV read line by line; only cells inside the
region's bounding box (EPSG:3035, with a margin) are kept, so the whole country is never in
memory. Cells with `-` or no value are left out (no population published).
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
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
from pipelines.readonly import region_bounds
from pipelines.sources import ImportMatch, Source

NAME = "zensus"
LICENCE = "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)"
MEDIA = "zensus-grid-csv"  # the cells of the region, as kept from the national file
COLUMNS = ("GITTER_ID_100m", "x_mp_100m", "y_mp_100m", "Einwohner")
RAW_DDL = "CREATE TABLE raw.zensus_cells (cell_id VARCHAR, x DOUBLE, y DOUBLE, population INTEGER);"
HINT = "Die Datei Zensus2022_Bevoelkerungszahl.zip bei destatis.de herunterladen und mit `xregion import` einlesen."


def region_bbox_3035(settings: Settings, margin_m: float) -> tuple[float, float, float, float]:
    bounds = region_bounds(settings.db_path, settings.region.ags, "EPSG:3035")
    if bounds is None:
        raise SourceError(
            "Für den Zensus-Ausschnitt fehlen die Grenzen des Kreises.",
            "Zuerst die Gebietsgrenzen laden (`xregion refresh --source bkg`), dann den Zensus.",
        )
    xmin, ymin, xmax, ymax = bounds
    return (xmin - margin_m, ymin - margin_m, xmax + margin_m, ymax + margin_m)


def filter_grid(csv_stream: io.TextIOBase, bbox: tuple[float, float, float, float], filename: str) -> pl.DataFrame:
    """Cells with population inside `bbox`, read line by line from the national CSV."""
    reader = csv.reader(csv_stream, delimiter=";")
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    if tuple(header[:4]) != COLUMNS:
        raise ParseError(f"{filename}, Zeile 1: erwartet {';'.join(COLUMNS)}, gefunden {';'.join(header[:4])}.", HINT)
    xmin, ymin, xmax, ymax = bbox
    ids, xs, ys, people = [], [], [], []
    for line_no, row in enumerate(reader, start=2):
        if len(row) < 4:
            if not row:
                continue
            raise ParseError(f"{filename}, Zeile {line_no}: {len(row)} statt 4 Spalten.", HINT)
        try:
            x, y = float(row[1]), float(row[2])
        except ValueError:
            raise ParseError(f"{filename}, Zeile {line_no}: Koordinaten „{row[1]};{row[2]}“ nicht lesbar.", HINT) from None
        if not (xmin <= x <= xmax and ymin <= y <= ymax):
            continue
        value = row[3].strip()
        if value in ("", "-"):
            continue  # no population published for this cell
        try:
            count = int(value)
        except ValueError:
            raise ParseError(f"{filename}, Zeile {line_no}: Einwohnerzahl „{value}“ nicht lesbar.", HINT) from None
        ids.append(row[0])
        xs.append(x)
        ys.append(y)
        people.append(count)
    return pl.DataFrame({"cell_id": ids, "x": xs, "y": ys, "population": people},
                        schema={"cell_id": pl.String, "x": pl.Float64, "y": pl.Float64, "population": pl.Int32})  # fmt: skip


def cells_from_zip(path: Path, bbox: tuple[float, float, float, float]) -> pl.DataFrame:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if not names:
                raise ParseError(f"{path.name}: das ZIP enthält keine CSV-Datei.", HINT)
            with archive.open(names[0]) as raw:
                return filter_grid(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), bbox, names[0])
    except zipfile.BadZipFile:
        raise ParseError(f"{path.name}: das ZIP-Archiv ist beschädigt.", HINT) from None


def _keep(store: RawStore, cells: pl.DataFrame, url: str, origin: str) -> RawFile:
    return store.put(NAME, "grid", cells.write_csv(separator=";").encode("utf-8"), url=url, origin=origin,
                     licence=LICENCE, media=MEDIA, ext="csv", data_stand="2022-05-15")  # fmt: skip


def fetch(settings: Settings, store: RawStore, reporter: Reporter) -> list[RawFile]:
    bbox = region_bbox_3035(settings, settings.sources.zensus.margin_m)
    url = settings.sources.zensus.url
    with tempfile.TemporaryDirectory() as tmp, HttpClient(settings.http, "Destatis (Zensus 2022)", reporter) as client:
        path = client.download(url, Path(tmp) / "zensus.zip", label="Zensus-2022-Gitter")
        cells = cells_from_zip(path, bbox)
    if not cells.height:
        raise SourceError("Im Zensus-Gitter liegt keine bewohnte Zelle im Gebiet des Kreises.", "Grenzen und Datei prüfen.")
    reporter.info(f"Zensus 2022: {fmt_number(cells.height)} bewohnte 100-m-Zellen, {fmt_number(cells['population'].sum())} Einwohner")
    return [_keep(store, cells, url, "download")]


def recognise(filename: str, content: bytes) -> ImportMatch | None:
    if content.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            return None
        if not any("zensus" in n.lower() and n.lower().endswith(".csv") for n in names):
            return None
        return ImportMatch(NAME, "grid-import", "zensus-zip", "zip", "Zensus-2022-Gitter (wird auf den Kreis zugeschnitten)")
    if content.lstrip(b"\xef\xbb\xbf").startswith(b"GITTER_ID_100m;"):
        return ImportMatch(NAME, "grid-import", "zensus-csv", "csv", "Zensus-2022-Gitter (CSV)")
    return None


def load(con: duckdb.DuckDBPyConnection, store: RawStore, files: list[RawFile], settings: Settings) -> None:
    newest = max(files, key=lambda f: f.fetched_at, default=None)
    if newest is None:
        return
    path = store.root / newest.path
    if newest.media == MEDIA:
        cells = pl.read_csv(path, separator=";", schema={"cell_id": pl.String, "x": pl.Float64, "y": pl.Float64, "population": pl.Int32})
    else:  # an imported national file: cut to the region now that boundaries may be there
        bbox = region_bbox_3035(settings, settings.sources.zensus.margin_m)
        if newest.media == "zensus-zip":
            cells = cells_from_zip(path, bbox)
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                cells = filter_grid(fh, bbox, path.name)
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
