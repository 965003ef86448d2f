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
from pipelines.parsers.itnrw_table_csv import MISSING_SYMBOLS, VALUE_SCHEMA, ZERO_SYMBOL, parse_period

# GENESIS names of regional variables; their attribute code is the region key
REGION_VARIABLES = {"GEMEIN", "KREISE", "REGBEZ", "DLAND", "DINSG", "LAND", "GEMVB"}
FIXED_COLUMNS = ("statistics_code", "statistics_label", "time_code", "time_label", "time", "value", "value_unit",
                 "value_variable_code", "value_variable_label")  # fmt: skip
# the columns read; the codes of statistic, time and value variable (and quality flags, if a file
# has them) are left out, which makes reading about a quarter faster
USED_COLUMNS = re.compile(
    r"statistics_label|time|value|value_unit|value_variable_label|\d+_variable_(attribute_)?(code|label)"
)
HINT = "Laden Sie die Tabelle als „flat file CSV“ (ffcsv) aus der Landesdatenbank NRW herunter, unverändert."


def _only_regions(codes: pl.Series) -> bool:
    """Whether every code names a regional variable. Mostly a column holds one code (GEMEIN), which
    a comparison with the first row shows faster than collecting the distinct codes."""
    if codes.is_empty():
        return False
    if (codes == codes[0]).all():
        return codes[0] in REGION_VARIABLES
    return bool(codes.unique().is_in(list(REGION_VARIABLES)).all())


def _header(content: bytes) -> list[str]:
    end = content.find(b"\n")
    line = content[: end if end >= 0 else len(content)].decode("utf-8-sig", errors="replace").rstrip("\r")
    return [c.strip('"') for c in line.split(";")]


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
    header = _header(content)
    missing = [c for c in FIXED_COLUMNS if c not in header]
    if missing:
        raise ParseError(f"{filename}, Zeile 1: Spalten fehlen: {', '.join(missing)}.", HINT)
    n_vars = len([c for c in header if re.fullmatch(r"\d+_variable_code", c)])
    needed = [c for c in header if USED_COLUMNS.fullmatch(c)]
    try:
        frame = pl.read_csv(
            content, separator=";", infer_schema=False, quote_char='"', encoding="utf8", columns=needed,
            empty_string_is_null=False,  # an empty field means "Insgesamt" (codes) or no value
            row_index_name="source_line", row_index_offset=2,
        )  # fmt: skip
    except pl.exceptions.PolarsError as exc:
        raise ParseError(f"{filename}: die CSV-Datei lässt sich nicht lesen ({exc}).", HINT) from None
    region_vars = [i for i in range(1, n_vars + 1) if _only_regions(frame[f"{i}_variable_code"])]
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
    labels = frame["time"].unique().to_list()
    periods = {label: parse_period(label) for label in labels}
    unreadable = [label for label, period in periods.items() if period is None]
    if unreadable:
        line = frame["time"].index_of(unreadable[0]) + 2
        raise ParseError(f"{filename}, Zeile {line}: Zeitangabe „{unreadable[0]}“ nicht lesbar.", HINT)
    dimensions = {
        # without rows: replace_strict with an empty mapping would hand back the String column
        "period": pl.col("time").replace_strict(periods, return_dtype=pl.Date) if periods else pl.lit(None, pl.Date),
        "period_label": pl.col("time"),
        "ags": pl.col(f"{region}_variable_attribute_code") if region else pl.lit(None, dtype=pl.String),
        "region_name": pl.col(f"{region}_variable_attribute_label") if region else pl.lit("", dtype=pl.String),
        "region_depth": pl.lit(None, dtype=pl.Int32),
        "classification": pl.concat_str(class_parts, separator=" | ") if class_parts else pl.lit(None, dtype=pl.String),
        "statistic": pl.col("statistics_label"),
        "variable": pl.col("value_variable_label"),
        "unit": pl.col("value_unit"),
        "source_line": pl.col("source_line").cast(pl.Int32),
    }
    values = _values_read(frame, filename)
    long = values.select(
        [(dimensions[name] if name in dimensions else pl.col(name)).alias(name) for name in VALUE_SCHEMA]
    )
    label = frame["statistics_label"][0] if frame.height else ""
    return ParsedFlatTable(table_code or table_code_from_filename(filename), label, long)


def _values_read(frame: pl.DataFrame, filename: str) -> pl.DataFrame:
    """The frame with `value` as number and `symbol`. Cells are used as they are; only if some do
    not read are blanks around them stripped and the reading repeated (stripping costs a full pass)."""
    symbols = [*MISSING_SYMBOLS, ""]
    for stripped in (False, True):
        cell = pl.col("value").str.strip_chars() if stripped else pl.col("value")
        cells = frame.with_columns(
            cell.alias("cell"), cell.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False).alias("number")
        )
        unreadable = cells["number"].is_null() & ~cells["cell"].is_in(symbols)
        if not unreadable.any():
            break
    else:
        line = cells["source_line"][unreadable.arg_true()[0]]
        raise ParseError(f"{filename}, Zeile {line}: „{cells['cell'][line - 2]}“ ist weder Zahl noch Zeichen.", HINT)
    cell, number = pl.col("cell"), pl.col("number")
    return cells.with_columns(
        # "-" ("nichts vorhanden") is exactly zero; the other symbols have no value
        pl.when(cell == ZERO_SYMBOL).then(0.0).otherwise(number).alias("value"),
        pl.when(number.is_null() & (cell != "")).then(cell).alias("symbol"),
    )
