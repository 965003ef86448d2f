"""Parser for GENESIS "flat file CSV" (ffcsv), as `data/tablefile?format=ffcsv` delivers it in a
ZIP, and as the web interface exports it.

UTF-8 (with BOM), `;`, one value per row, English column names:
    statistics_code;statistics_label;time_code;time_label;time;
    1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;…;
    value;value_unit;value_variable_code;value_variable_label
The region is one of the numbered variables (GEMEIN, KREISE, …) with the key as attribute code;
the other variables become the classification. An empty attribute code means "Insgesamt".
Output has the same long schema as the human-layout parser, so both routes load alike.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import polars as pl

from pipelines.errors import ParseError
from pipelines.parsers.itnrw_table_csv import MISSING_SYMBOLS, VALUE_SCHEMA, ZERO_SYMBOL, with_periods

# GENESIS names of regional variables; their attribute code is the region key
REGION_VARIABLES = {"GEMEIN", "KREISE", "REGBEZ", "DLAND", "DINSG", "LAND", "GEMVB"}
FIXED_COLUMNS = ("statistics_code", "statistics_label", "time_code", "time_label", "time", "value", "value_unit",
                 "value_variable_code", "value_variable_label")  # fmt: skip
HINT = "Laden Sie die Tabelle als „flat file CSV“ (ffcsv) aus der Landesdatenbank NRW herunter, unverändert."


@dataclass
class ParsedFlatTable:
    table_code: str
    statistics_label: str
    values: pl.DataFrame  # columns of VALUE_SCHEMA


def looks_like_ffcsv(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf").startswith(b"statistics_code;statistics_label;")


def looks_like_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def table_code_from_filename(filename: str) -> str:
    """`12411-01-01-4_1773175772751_de_flat.csv` → `12411-01-01-4`."""
    stem = re.sub(r"\.(csv|zip)$", "", filename.rsplit("/", 1)[-1], flags=re.I)
    return re.sub(r"(_\d{6,})?(_(de|en))?(_flat)?$", "", stem)


def unzip_ffcsv(content: bytes, filename: str) -> tuple[str, bytes]:
    """The one CSV inside a tablefile ZIP: (inner file name, bytes)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
        if len(names) != 1:
            raise ParseError(f"{filename}: das ZIP enthält {len(names)} CSV-Dateien statt einer.", HINT)
        return names[0], archive.read(names[0])
    except zipfile.BadZipFile:
        raise ParseError(f"{filename}: das ZIP-Archiv ist beschädigt.", HINT) from None


def parse_genesis_ffcsv(content: bytes, filename: str, table_code: str | None = None) -> ParsedFlatTable:
    if looks_like_zip(content):
        filename, content = unzip_ffcsv(content, filename)
    if not looks_like_ffcsv(content[:64]):
        raise ParseError(f"{filename}, Zeile 1: keine ffcsv-Kopfzeile (statistics_code;statistics_label;…).", HINT)
    try:
        frame = pl.read_csv(
            content, separator=";", infer_schema=False, quote_char='"', encoding="utf8"
        )
    except pl.exceptions.PolarsError as exc:
        raise ParseError(f"{filename}: die CSV-Datei lässt sich nicht lesen ({exc}).", HINT) from None
    frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")}).with_columns(
        pl.all().fill_null("")  # an empty field means "Insgesamt" (codes) or no value, never null
    )
    missing = [c for c in FIXED_COLUMNS if c not in frame.columns]
    if missing:
        raise ParseError(f"{filename}, Zeile 1: Spalten fehlen: {', '.join(missing)}.", HINT)
    n_vars = len([c for c in frame.columns if re.fullmatch(r"\d+_variable_code", c)])
    frame = frame.with_row_index("row")
    region_vars = [
        i for i in range(1, n_vars + 1) if frame[f"{i}_variable_code"].is_in(list(REGION_VARIABLES)).all()
    ]
    if len(region_vars) > 1:
        raise ParseError(f"{filename}: mehrere Regionsmerkmale ({len(region_vars)}).", HINT)
    region = region_vars[0] if region_vars else None
    classes = [i for i in range(1, n_vars + 1) if i != region]
    class_parts = [
        pl.col(f"{i}_variable_label")
        + pl.lit(": ")
        + pl.when(pl.col(f"{i}_variable_attribute_code") == "")
        .then(pl.lit("Insgesamt"))
        .otherwise(pl.col(f"{i}_variable_attribute_label"))
        for i in classes
    ]
    value = pl.col("value").str.strip_chars()
    symbols = list(MISSING_SYMBOLS)
    long = frame.select(
        pl.col("time").alias("period_label"),
        (pl.col(f"{region}_variable_attribute_code") if region else pl.lit(None, dtype=pl.String)).alias("ags"),
        (pl.col(f"{region}_variable_attribute_label") if region else pl.lit("", dtype=pl.String)).alias("region_name"),
        pl.lit(None, dtype=pl.Int32).alias("region_depth"),
        (pl.concat_str(class_parts, separator=" | ") if class_parts else pl.lit(None, dtype=pl.String)).alias(
            "classification"
        ),
        pl.col("statistics_label").alias("statistic"),
        pl.col("value_variable_label").alias("variable"),
        pl.col("value_unit").alias("unit"),
        pl.when(value == ZERO_SYMBOL)
        .then(0.0)
        .otherwise(value.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False))
        .alias("value"),
        pl.when(value.is_in(symbols)).then(value).alias("symbol"),
        (pl.col("row") + 2).cast(pl.Int32).alias("source_line"),
        value.alias("cell"),
    )
    bad = long.filter(pl.col("value").is_null() & pl.col("symbol").is_null() & (pl.col("cell") != ""))
    if bad.height:
        row = bad.row(0, named=True)
        raise ParseError(f"{filename}, Zeile {row['source_line']}: „{row['cell']}“ ist weder Zahl noch Zeichen.", HINT)
    long = with_periods(long)
    unreadable = long.filter(pl.col("period").is_null())
    if unreadable.height:
        row = unreadable.row(0, named=True)
        raise ParseError(f"{filename}, Zeile {row['source_line']}: Zeitangabe „{row['period_label']}“ nicht lesbar.", HINT)
    values = long.select([pl.col(name).cast(dtype) for name, dtype in VALUE_SCHEMA.items()])
    label = frame["statistics_label"][0] if frame.height else ""
    return ParsedFlatTable(table_code or table_code_from_filename(filename), label, values)
