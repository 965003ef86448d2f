"""Parser for the human-layout CSV tables of the Landesdatenbank NRW (downloader and web export).

Layout of the family (ISO-8859-1, `;`):

    Tabelle: 12411-15i                                   table code
    <title>;;;;;                                         title
    ;;;<statistic>;<statistic>                           one to several header rows: statistic,
    ;;;<variable>;<variable>                             classification values, value variable,
    ;;;<unit>;<unit>                                     unit (last row); a row may hold periods
    31.12.2024;05762;    Höxter, Kreis;139252;1201,42    data: dimension columns (period, region
    ...                                                  key, indented region name, classifications)
    <footnotes, possibly quoted over many lines>         then the value columns
    © IT.NRW, Düsseldorf, 2026. …
    Stand: 19.01.2026 / 13:58:12

Head and foot are read line by line; the data block, which can have millions of rows, goes
through polars in one vectorised pass. Anything that does not fit the family raises ParseError
naming the file and line, rather than guessing numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from pipelines.errors import ParseError

MISSING_SYMBOLS = {"-", ".", "...", "/", "x"}  # GENESIS "Zeichenerklärung"
ZERO_SYMBOL = "-"  # "nichts vorhanden": exactly zero

_DATE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_GERMAN_NUMBER = r"-?\d+(,\d+)?"
_NUMBER = rf"^{_GERMAN_NUMBER}$"
_PERIOD = r"^(\d{2}\.\d{2}\.\d{4}|\d{4})$"
_KEY = r"^\d{2}(\d|\d{3}|\d{6})?$"  # 2 Land, 3 Regierungsbezirk, 5 Kreis, 8 Gemeinde
_TABLE_LINE = re.compile(r"^Tabelle:\s*([0-9A-Za-z][0-9A-Za-z.\-]*)")
_STAND = re.compile(r"Stand:\s*(\d{2})\.(\d{2})\.(\d{4})")

HINT = (
    "Die Datei hat nicht den bekannten Aufbau der IT.NRW-Tabellen. Laden Sie die Tabelle als CSV aus der "
    "Landesdatenbank NRW herunter (unverändert, nicht in Excel gespeichert) oder melden Sie die Datei dem Betrieb."
)


@dataclass
class ParsedTable:
    table_code: str
    title: str
    data_stand: date | None
    copyright: str | None
    footnotes: str
    values: pl.DataFrame  # long format, see VALUE_SCHEMA
    dimension_labels: list[str] = field(default_factory=list)


VALUE_SCHEMA = {
    "period": pl.Date,
    "period_label": pl.String,
    "ags": pl.String,
    "region_name": pl.String,
    "region_depth": pl.Int32,
    "classification": pl.String,
    "statistic": pl.String,
    "variable": pl.String,
    "unit": pl.String,
    "value": pl.Float64,
    "symbol": pl.String,
    "source_line": pl.Int32,
}


def decode(content: bytes) -> str:
    """The downloader sends ISO-8859-1; a file saved again by a user may be UTF-8 (with BOM)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    return content.decode(_encoding(content))


def looks_like_itnrw_table(text_head: str) -> bool:
    return bool(_TABLE_LINE.match(text_head.lstrip("\ufeff")))


def parse_period(label: str) -> date | None:
    if m := _DATE.match(label):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if m := _YEAR.match(label):
        return date(int(m[1]), 12, 31)  # annual figures refer to the end of the year
    if m := _ISO_DATE.match(label):
        return date(int(m[1]), int(m[2]), int(m[3]))
    return None


def _cells(line: str) -> list[str]:
    return [c.strip().strip('"') for c in line.split(";")]


def _is_data_line(line: str, width: int) -> bool:
    # header rows start with empty cells above the dimension columns; data rows never do
    cells = line.split(";")
    if len(cells) != width or not cells[0].strip():
        return False
    last = cells[-1].strip()
    return bool(re.match(_NUMBER, last) or last in MISSING_SYMBOLS)


def parse_itnrw_table_csv(content: bytes, filename: str) -> ParsedTable:
    lines = _Lines(content)

    def fail(line_no: int, problem: str) -> ParseError:
        return ParseError(f"{filename}, Zeile {line_no}: {problem}.", HINT)

    head = lines.head(3)
    if not head or not (m := _TABLE_LINE.match(head[0].lstrip("\ufeff"))):
        raise fail(1, "die erste Zeile nennt keine Tabelle („Tabelle: <Code>“)")
    table_code = m[1]
    if len(head) < 3:
        raise fail(len(head), "die Datei endet nach dem Tabellenkopf")
    title = _cells(head[1])[0]
    width = len(head[2].split(";"))
    if width < 2:
        raise fail(3, "die Kopfzeile hat keine Spalten (Trennzeichen „;“ erwartet)")

    first = lines.first_data_line(2, lambda line: _is_data_line(line, width))
    if first is None:
        raise fail(3, f"keine Datenzeile mit {width} Spalten gefunden")
    header_lines, footer = lines.head_and_foot(first, lambda line: _is_data_line(line, width))
    header_rows = [_cells(line) for line in header_lines[2:]]
    if not header_rows:
        raise fail(first + 1, "vor den Daten fehlt die Kopfzeile mit den Merkmalen")
    for offset, row in enumerate(header_rows):
        if len(row) != width:
            raise fail(3 + offset, f"die Kopfzeile hat {len(row)} statt {width} Spalten")

    n_dims = _count_leading_empty(header_rows[-1])
    if n_dims == 0 or n_dims >= width:
        raise fail(first, "die Kopfzeilen lassen nicht erkennen, welche Spalten Werte enthalten")

    block = _read_block(lines.block_utf8(), first, width, fail)
    dims = _classify_dimensions(block, n_dims, header_rows, first, fail)
    columns = _describe_value_columns(header_rows, n_dims, width)
    if dims.period_col is None and any(c.period is None for c in columns):
        raise fail(3, "kein Zeitbezug gefunden (weder Datumsspalte noch Jahr in den Kopfzeilen)")

    values = _to_long(block, dims, columns, first, fail)
    return ParsedTable(
        table_code=table_code,
        title=title,
        data_stand=_data_stand(footer),
        copyright=next((ln.strip() for ln in footer if ln.lstrip().startswith("©")), None),
        footnotes=_footnotes(footer),
        values=values,
        dimension_labels=dims.labels,
    )


class _Lines:
    """The file as lines without splitting all of it: head and foot are decoded line by line,
    the data block between them stays bytes and goes to polars in one piece (a table can have
    millions of rows; decoding and splitting it in Python was most of the parse time)."""

    def __init__(self, content: bytes) -> None:
        if content.startswith(b"\xef\xbb\xbf"):
            content = content[3:]
        self.content = content.replace(b"\r\n", b"\n") if b"\r\n" in content[:4096] else content
        self.encoding = _encoding(self.content)
        self.block_start = self.block_end = 0  # byte range of the data block

    def _decode(self, raw: bytes) -> str:
        return raw.decode(self.encoding, errors="replace")

    def head(self, n: int) -> list[str]:
        out, pos = [], 0
        while len(out) < n and pos < len(self.content):
            end = self.content.find(b"\n", pos)
            end = len(self.content) if end < 0 else end
            out.append(self._decode(self.content[pos:end]))
            pos = end + 1
        return out

    def first_data_line(self, start: int, is_data) -> int | None:
        """Index of the first data line at or after line `start`; remembers where it begins."""
        pos, index = 0, 0
        while pos < len(self.content):
            end = self.content.find(b"\n", pos)
            end = len(self.content) if end < 0 else end
            if index >= start and is_data(self._decode(self.content[pos:end])):
                self.block_start = pos
                return index
            pos, index = end + 1, index + 1
        return None

    def head_and_foot(self, first: int, is_data) -> tuple[list[str], list[str]]:
        """The lines before the block and the lines after its last data line."""
        header = self._decode(self.content[: self.block_start]).split("\n")[:first]
        footer: list[str] = []
        end = len(self.content)
        while end > self.block_start and self.content[end - 1] == 0x0A:  # not rstrip(): that copies the file
            end -= 1
        while end > self.block_start:
            start = self.content.rfind(b"\n", self.block_start, end) + 1
            line = self._decode(self.content[start:end])
            if is_data(line):
                self.block_end = end
                break
            footer.insert(0, line)
            end = start - 1
        return header, footer

    def block_utf8(self) -> bytes:
        block = self.content[self.block_start : self.block_end]
        if self.encoding == "utf-8" or block.isascii():
            return block
        return block.decode(self.encoding, errors="replace").encode("utf-8")


_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")


def _is_utf8(content: bytes) -> bool:
    # in slices: decode() of the whole file allocates room for all of it before it fails at the
    # first umlaut of an ISO-8859-1 title (tens of milliseconds for a large table)
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(content)
    try:
        for start in range(0, len(content), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(content: bytes) -> str:
    """The downloader sends ISO-8859-1; a file saved again by a user may be UTF-8 or Windows-1252."""
    if _is_utf8(content):
        return "utf-8"
    # ISO-8859-1 decodes as fast as a copy; Windows-1252 only differs in 0x80-0x9F, which appear
    # in typographic quotes and dashes of titles and footnotes: look there, not in the data block
    sample = content[:65536] + content[-65536:]
    if _CP1252_ONLY.search(sample):
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return "latin-1"


def _count_leading_empty(row: list[str]) -> int:
    n = 0
    for cell in row:
        if cell:
            break
        n += 1
    return n


def _read_block(block: bytes, first: int, width: int, fail) -> pl.DataFrame:
    """Split the data block into columns c0..c{width-1}, rejecting rows with a different width.

    polars reads the block in one native pass and refuses rows with too many fields; rows with
    too few would be padded silently, so the separators are counted once as well. Only on a
    mismatch is the block scanned line by line, to name the offending line."""
    columns = [f"c{i}" for i in range(width)]
    frame = None
    try:
        frame = pl.read_csv(
            block, separator=";", has_header=False, new_columns=columns, infer_schema=False, quote_char=None,
            empty_string_is_null=False,
        )  # fmt: skip
    except pl.exceptions.PolarsError:
        pass
    if frame is None or block.count(b";") != frame.height * (width - 1):
        for offset, line in enumerate(block.split(b"\n")):
            if line.count(b";") != width - 1:
                raise fail(first + offset + 1, f"die Datenzeile hat {line.count(b';') + 1} statt {width} Spalten")
        raise fail(first + 1, "der Datenblock lässt sich nicht in Spalten zerlegen")
    return frame.with_row_index("row")


@dataclass
class _Dimensions:
    period_col: int | None
    key_col: int | None
    name_col: int | None
    class_cols: list[int]
    labels: list[str]
    period_labels: list[str]  # the distinct labels of the period column
    padded: set[int]  # columns with blanks around some cells

    def cell(self, i: int) -> pl.Expr:
        return pl.col(f"c{i}").str.strip_chars() if i in self.padded else pl.col(f"c{i}")


def _classify_dimensions(block: pl.DataFrame, n_dims: int, header_rows, first: int, fail) -> _Dimensions:
    period_col = key_col = name_col = None
    class_cols: list[int] = []
    # a column has few distinct values (periods, keys, names): test those, not every row
    distinct_values = block.select([pl.col(f"c{i}").unique().implode() for i in range(n_dims)])
    for i in range(n_dims):
        distinct = distinct_values[f"c{i}"][0]
        non_empty = distinct.str.strip_chars().filter(distinct.str.strip_chars() != "")
        is_period = non_empty.str.contains(_PERIOD)
        if non_empty.len() == 0:
            class_cols.append(i)
        elif period_col is None and is_period.all():
            period_col = i
        elif period_col is None and i == 0 and re.match(_PERIOD, block["c0"][0].strip()):
            bad = block.filter(~block["c0"].str.strip_chars().str.contains(_PERIOD)).row(0, named=True)
            raise fail(first + bad["row"] + 1, f"Zeitangabe „{bad['c0'].strip()}“ nicht lesbar")
        elif key_col is None and non_empty.str.contains(_KEY).all():
            key_col = i
        elif name_col is None and (key_col is not None or distinct.str.starts_with(" ").any()):
            name_col = i
        else:
            class_cols.append(i)
    if name_col is None and key_col is None:
        # region only by name, without indentation: the first text column is the region
        if not class_cols:
            raise fail(first + 1, "keine Spalte mit Regionsschlüssel oder Regionsnamen gefunden")
        name_col = class_cols.pop(0)
    labels = []
    for i in class_cols:
        label = next((row[i] for row in header_rows if row[i]), "")
        labels.append(label or f"Merkmal {len(labels) + 1}")
    period_labels = []
    if period_col is not None:
        period_labels = distinct_values[f"c{period_col}"][0].str.strip_chars().unique().to_list()
    # stripping a million cells costs a pass; most columns have nothing to strip
    padded = set()
    for i in range(n_dims):
        distinct = distinct_values[f"c{i}"][0]
        if not (distinct == distinct.str.strip_chars()).all():
            padded.add(i)
    return _Dimensions(period_col, key_col, name_col, class_cols, labels, period_labels, padded)


@dataclass
class _ValueColumn:
    index: int
    statistic: str | None
    variable: str
    unit: str | None
    classification: str | None
    period: date | None
    period_label: str | None


def _describe_value_columns(header_rows: list[list[str]], n_dims: int, width: int) -> list[_ValueColumn]:
    rows = [list(r) for r in header_rows]
    # merged header cells arrive as one filled cell followed by empty ones: fill them to the right,
    # except in the unit row, where an empty cell means "no unit"
    for r in rows[:-1] if len(rows) > 1 else rows:
        for j in range(n_dims + 1, width):
            if not r[j]:
                r[j] = r[j - 1]
    period_rows = [r for r in rows if all(parse_period(c) for c in r[n_dims:])]
    label_rows = [r for r in rows if r not in period_rows]
    columns = []
    for j in range(n_dims, width):
        period_label = period_rows[0][j] if period_rows else None
        cells = [r[j] for r in label_rows]
        if len(cells) >= 2:
            variable, unit = cells[-2], cells[-1] or None
        else:
            variable, unit = (cells[0] if cells else f"Wert {j - n_dims + 1}"), None
        statistic = cells[0] if len(cells) >= 3 else None
        middle = [c for c in cells[1:-2] if c]
        columns.append(
            _ValueColumn(
                index=j,
                statistic=statistic,
                variable=variable,
                unit=unit,
                classification=" | ".join(middle) or None,
                period=parse_period(period_label) if period_label else None,
                period_label=period_label,
            )
        )
    return columns


def _to_long(block: pl.DataFrame, dims: _Dimensions, columns: list[_ValueColumn], first: int, fail) -> pl.DataFrame:
    """Unpivot the value columns into one row per value. The dimension columns are computed once
    and shared by every value column (polars appends chunks without copying them)."""
    name_raw = pl.col(f"c{dims.name_col}") if dims.name_col is not None else pl.lit("", dtype=pl.String)
    base_exprs = [
        (dims.cell(dims.key_col) if dims.key_col is not None else pl.lit(None, dtype=pl.String)).alias("ags"),
        name_raw.str.strip_chars().alias("region_name"),
        ((name_raw.str.len_chars() - name_raw.str.strip_chars_start().str.len_chars()) // 2)
        .cast(pl.Int32)
        .alias("region_depth"),
        (pl.col("row") + first + 1).cast(pl.Int32).alias("source_line"),
    ]
    if dims.period_col is not None:
        periods = {label: parse_period(label) for label in dims.period_labels}
        unreadable = [label for label, period in periods.items() if period is None]
        if unreadable:
            row = block.filter(dims.cell(dims.period_col) == unreadable[0])["row"][0]
            raise fail(first + row + 1, f"Zeitangabe „{unreadable[0]}“ nicht lesbar")
        label = dims.cell(dims.period_col)
        base_exprs += [label.alias("period_label"), label.replace_strict(periods, return_dtype=pl.Date).alias("period")]
    base = block.select(base_exprs)
    row_class = [pl.lit(f"{lab}: ") + dims.cell(i) for i, lab in zip(dims.class_cols, dims.labels)]
    values = _values(block, columns, first, fail)

    frames = []
    for col in columns:
        cls_parts = list(row_class) + ([pl.lit(col.classification)] if col.classification else [])
        classification = pl.concat_str(cls_parts, separator=" | ") if cls_parts else pl.lit(None, dtype=pl.String)
        # literals are broadcast to the height of the frame they are added to
        per_column = values.select(pl.col(f"v{col.index}").alias("value"), pl.col(f"s{col.index}").alias("symbol"))
        if row_class:
            per_column = per_column.hstack(block.select(classification.alias("classification")))
        per_column = per_column.with_columns(
            *([] if row_class else [classification.alias("classification")]),
            pl.lit(col.statistic, dtype=pl.String).alias("statistic"),
            pl.lit(col.variable, dtype=pl.String).alias("variable"),
            pl.lit(col.unit, dtype=pl.String).alias("unit"),
            *(
                []
                if dims.period_col is not None
                else [
                    pl.lit(col.period_label, dtype=pl.String).alias("period_label"),
                    pl.lit(col.period, dtype=pl.Date).alias("period"),
                ]
            ),
        )
        frames.append(base.hstack(per_column).select(list(VALUE_SCHEMA)))
    return pl.concat(frames, rechunk=False)


# one cell of a value column: a number in German notation, a GENESIS symbol, or empty
_VALUE_CELL = rf"^({_GERMAN_NUMBER}|{'|'.join(re.escape(s) for s in sorted(MISSING_SYMBOLS))})?$"


def _values(block: pl.DataFrame, columns: list[_ValueColumn], first: int, fail) -> pl.DataFrame:
    """Numbers and symbols of all value columns (`v<i>`, `s<i>`), converted in one parallel pass.

    The cast alone would also take "1.5" (a thousands separator in German) or "1e3", so every cell
    is checked against the German notation as well. Cells are used as they are; only if some do
    not fit are blanks around them stripped and the check repeated (stripping costs a full pass)."""
    for stripped in (False, True):
        checks = []
        for col in columns:
            cell = pl.col(f"c{col.index}")
            cell = cell.str.strip_chars() if stripped else cell
            checks += [
                cell.alias(f"s{col.index}"),
                cell.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False).alias(f"v{col.index}"),
                cell.str.contains(_VALUE_CELL).alias(f"ok{col.index}"),
            ]
        wide = block.select("row", *checks)
        valid = [f"ok{col.index}" for col in columns]
        if wide.select(pl.all_horizontal(valid).all()).item():
            break
    else:
        bad = wide.filter(~pl.all_horizontal(valid)).row(0, named=True)
        col = next(c for c in columns if not bad[f"ok{c.index}"])
        raise fail(
            first + bad["row"] + 1, f"Spalte {col.index + 1}: „{bad[f's{col.index}']}“ ist weder Zahl noch Zeichen"
        )
    exprs = []
    for col in columns:
        cell, number = pl.col(f"s{col.index}"), pl.col(f"v{col.index}")
        exprs += [
            # "-" ("nichts vorhanden") is exactly zero; the other symbols have no value
            pl.when(cell == ZERO_SYMBOL).then(0.0).otherwise(number).alias(f"v{col.index}"),
            pl.when(number.is_null() & (cell != "")).then(cell).alias(f"s{col.index}"),
        ]
    return wide.select(exprs)


def _data_stand(footer: list[str]) -> date | None:
    for line in reversed(footer):
        if m := _STAND.search(line):
            return date(int(m[3]), int(m[2]), int(m[1]))
    return None


def _footnotes(footer: list[str]) -> str:
    # footnotes are CSV records too: a quoted note spans lines and may contain ";"
    records = csv.reader(io.StringIO("\n".join(footer)), delimiter=";")
    kept = []
    for record in records:
        text = " ".join(cell.strip() for cell in record if cell.strip())
        if text and not text.startswith("©") and not _STAND.search(text) and set(text) - {"_", " "}:
            kept.append(text)
    return "\n".join(kept)
