"""Parser for the human-layout CSV tables of the Landesdatenbank NRW (downloader and web export).

Layout of the family (ISO-8859-1, `;`):

    Tabelle: 12411-15i                                   table code
    <title>;;;;;                                         one or more title lines (the last may name
    <statistic>;;;;;                                     the statistic, one may end in "(Anzahl)")
    ;;;<statistic>;<statistic>                           header rows, each optional: statistic,
    ;;;<variable>;<variable>                             value variable, classification name and
    ;;;<classification>;<classification>                 values (a sub-split only above some columns),
    ;;;<unit>;<unit>                                     periods, unit ("Anzahl", "qkm", …)
    31.12.2024;05762;    Höxter, Kreis;139252;1201,42    data: dimension columns (period, region
    ...                                                  key, indented region name, classifications)
    <footnotes, possibly quoted over many lines>         then the value columns
    © IT.NRW, Düsseldorf, 2026. …                        publisher (IT.NRW or the Statistische
    Stand: 19.01.2026 / 13:58:12                         Ämter des Bundes und der Länder)

Head and foot are read line by line; the data block, which can have millions of rows, goes
through polars in one vectorised pass. Anything that does not fit the family raises ParseError
naming the file and line, rather than guessing numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
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
    notes: list[str] = field(default_factory=list)  # German: what the parser merged or inferred

    @property
    def publisher(self) -> str:
        """"itnrw" or "regionalstatistik" (the Regionaldatenbank Deutschland, tables like
        12411-02-03-4, same layout): the copyright line says who; IT.NRW when there is none."""
        if self.copyright and "Statistische Ämter des Bundes und der Länder" in self.copyright:
            return "regionalstatistik"
        return "itnrw"


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

    head = lines.head(60)
    if not head or not (m := _TABLE_LINE.match(head[0].lstrip("\ufeff"))):
        raise fail(1, "die erste Zeile nennt keine Tabelle („Tabelle: <Code>“)")
    table_code = m[1]
    if len(head) < 3:
        raise fail(len(head), "die Datei endet nach dem Tabellenkopf")
    width = _table_width(head[1:])
    if width < 2:
        raise fail(3, "die Kopfzeile hat keine Spalten (Trennzeichen „;“ erwartet)")

    first = lines.first_data_line(2, lambda line: _is_data_line(line, width))
    if first is None:
        raise fail(3, f"keine Datenzeile mit {width} Spalten gefunden")
    header_lines, footer = lines.head_and_foot(first, lambda line: _is_data_line(line, width))
    title_lines, header_rows = _split_head(header_lines, width, fail)
    if not header_rows:
        raise fail(first + 1, "vor den Daten fehlt die Kopfzeile mit den Merkmalen")

    leading = [n for n in (_count_leading_empty(row) for _, row in header_rows) if n > 0]
    n_dims = min(leading, default=0)
    if n_dims == 0 or n_dims >= width:
        raise fail(first, "die Kopfzeilen lassen nicht erkennen, welche Spalten Werte enthalten")
    rows = [row for _, row in header_rows]

    block = _read_block(lines.block_utf8(), first, width, fail)
    dims = _classify_dimensions(block, n_dims, rows, first, fail)
    head_model = _describe_value_columns(rows, title_lines, n_dims, width)
    columns, notes = _merge_repeated_columns(block, head_model.columns, first, filename)
    if dims.period_col is None and any(c.period is None for c in columns):
        raise fail(3, "kein Zeitbezug gefunden (weder Datumsspalte noch Jahr in den Kopfzeilen)")

    values = _to_long(block, dims, columns, first, fail)
    return ParsedTable(
        table_code=table_code,
        title=head_model.title,
        data_stand=_data_stand(footer),
        copyright=next((ln.strip() for ln in footer if ln.lstrip().startswith("©")), None),
        footnotes=_footnotes(footer),
        values=values,
        dimension_labels=dims.labels,
        notes=notes,
    )


def _table_width(lines: list[str]) -> int:
    """The number of columns: what most lines of the head (header rows, first data rows) have;
    title lines may be written without separators."""
    counts = Counter(line.count(";") + 1 for line in lines if ";" in line)
    return counts.most_common(1)[0][0] if counts else 1


def _split_head(header_lines: list[str], width: int, fail) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Title lines (text in the first cell only, before any header row) and header rows (with
    their line numbers). Empty lines are left out."""
    title_lines: list[str] = []
    header_rows: list[tuple[int, list[str]]] = []
    for line_no, line in enumerate(header_lines[1:], start=2):
        cells = _cells(line)
        if not any(cells):
            continue
        if not header_rows and cells[0] and not any(cells[1:]):
            title_lines.append(cells[0])
            continue
        if len(cells) != width:
            raise fail(line_no, f"die Kopfzeile hat {len(cells)} statt {width} Spalten")
        header_rows.append((line_no, cells))
    return title_lines, header_rows


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

    def label(self) -> str:
        return " | ".join(p for p in (self.variable, self.classification, self.unit, self.period_label) if p)


@dataclass
class _HeadModel:
    title: str
    columns: list[_ValueColumn]


# Units as GENESIS writes them in a unit row or in parentheses at the end of a title line.
_UNIT = re.compile(
    r"^(Anzahl|Prozent|%|‰|Promille|qkm|km²|km|ha|m²|qm|m³|t|kg|Tonnen|kWh|MWh|GWh|Tage|Stunden|Std\.|Monate|"
    r"Jahre|Punkte|Index|Personen|"
    r"(1 ?000 |Tsd\. ?|Mill\. ?|Mio\. ?|Mrd\. ?)(EUR|Euro|€|t|m³|m²|kWh|MWh|Personen|Anzahl)|EUR|Euro|€|"
    r"(EW|Einw\.?|Einwohner|Personen|Anzahl) (pro|je) (qkm|km²|ha|1 ?000 (EW|Einw\.?|Einwohner))|"
    r"(EUR|Euro) (pro|je) \S.*)$",
    re.IGNORECASE,
)
# Names of GENESIS statistics ("Fortschreibung des Bevölkerungsstandes", "Flächenerhebung …",
# "Sozialberichterstattung …", "Arbeitsmarktstatistik", "Monatserhebung im Tourismus").
_STATISTIC = re.compile(
    r"^(Fortschreibung|Statistik|Erhebung|Sozialberichterstattung|Volkszählung|Mikrozensus)\b|"
    r"(statistik|erhebung|berichterstattung)\b",
    re.IGNORECASE,
)
# cells that are values of a classification, not the name of a measure
_CLASS_VALUE = re.compile(r"^(insgesamt|zusammen|männlich|weiblich|divers)$|\d+ Jahre?\b|^unter \d+", re.IGNORECASE)
_TITLE_UNIT = re.compile(r"^(?P<measure>.+?)\s*\((?P<unit>[^()]+)\)$")


def _describe_value_columns(
    header_rows: list[list[str]], title_lines: list[str], n_dims: int, width: int
) -> _HeadModel:
    """What each value column measures, from the header rows and the title lines.

    Each header row is one of: periods, a unit row (every cell a unit), or a label row. Label
    rows read top down are the statistic (rows naming a GENESIS statistic), the value variable,
    then classifications; a row that is the same over all columns and is followed by a varying
    row names that classification ("Altersjahre (…): unter 1 Jahr"). Without a unit row the unit
    may sit in a title line ("Bevölkerungsstand (Anzahl)"); that line then names the variable and
    every label row is a classification."""
    raw = [row[n_dims:] for row in header_rows]
    n = width - n_dims
    period_rows = [i for i, r in enumerate(raw) if any(r) and all(parse_period(c) for c in r if c)]
    unit_rows = [i for i, r in enumerate(raw) if i not in period_rows and any(r) and all(_UNIT.match(c) for c in r if c)]
    filled = _fill_merged_cells(raw, [i for i in range(len(raw)) if i not in unit_rows])
    label_rows = [i for i in range(len(raw)) if i not in unit_rows and i not in period_rows]

    title_statistic = None
    if len(title_lines) >= 2 and _STATISTIC.search(title_lines[-1]) and not title_lines[-1].endswith(":"):
        title_statistic = title_lines[-1]
        title_lines = title_lines[:-1]
    title = re.sub(r"\s+", " ", " ".join(title_lines)).strip()

    statistic_rows = []
    for i in label_rows:
        cells = [c for c in filled[i] if c]
        if not cells or not all(_STATISTIC.search(c) for c in cells):
            break
        statistic_rows.append(i)
    rest = [i for i in label_rows if i not in statistic_rows]

    title_unit = title_measure = None
    for segment in (seg.strip() for line in title_lines for seg in line.split(" - ")):
        if (m := _TITLE_UNIT.match(segment)) and _UNIT.match(m["unit"].strip()):
            title_unit, title_measure = m["unit"].strip(), m["measure"].strip()
            break
    variable_row = None
    if not (title_unit and not unit_rows) and rest and not any(_CLASS_VALUE.search(c) for c in filled[rest[0]] if c):
        variable_row, rest = rest[0], rest[1:]
    fallback_variable = title_measure if title_unit and not unit_rows else _measure_of(title)
    names = _classification_names(filled, rest, n)

    columns = []
    for j in range(n):
        parts, name = [], None
        for i in rest:
            if i in names:
                name = filled[i][j]
                continue
            if filled[i][j]:
                parts.append(f"{name}: {filled[i][j]}" if name else filled[i][j])
            name = None
        statistic = " | ".join(filled[i][j] for i in statistic_rows if filled[i][j]) or title_statistic
        variable = (filled[variable_row][j] if variable_row is not None else "") or fallback_variable or f"Wert {j + 1}"
        unit = (raw[unit_rows[-1]][j] or None) if unit_rows else title_unit
        period_label = filled[period_rows[0]][j] or None if period_rows else None
        columns.append(
            _ValueColumn(
                index=n_dims + j,
                statistic=statistic,
                variable=variable,
                unit=unit,
                classification=" | ".join(parts) or None,
                period=parse_period(period_label) if period_label else None,
                period_label=period_label,
            )
        )
    return _HeadModel(title=title, columns=columns)


def _fill_merged_cells(raw: list[list[str]], rows: list[int]) -> list[list[str]]:
    """A merged header cell can arrive as one filled cell followed by empty ones. An empty cell
    takes its left neighbour's label only when both stand under the same labels in every row
    above: a sub-split over three columns must not spill into the next column."""
    filled = [list(r) for r in raw]
    for pos, i in enumerate(rows):
        above = rows[:pos]
        for j in range(1, len(filled[i])):
            if not filled[i][j] and filled[i][j - 1] and all(filled[a][j] == filled[a][j - 1] for a in above):
                filled[i][j] = filled[i][j - 1]
    return filled


def _classification_names(filled: list[list[str]], rows: list[int], n: int) -> set[int]:
    """Rows that name the classification below them: one label over every column, above a row
    whose labels vary."""
    names = set()
    for k, i in enumerate(rows[:-1]):
        below = rows[k + 1]
        if n >= 2 and all(filled[i]) and len(set(filled[i])) == 1 and len(set(filled[below])) > 1:
            names.add(i)
    return names


def _measure_of(title: str) -> str | None:
    """The measure a title names: "Bevölkerungsstand nach Altersjahren - …" → "Bevölkerungsstand"."""
    head = title.split(" - ")[0].strip()
    head = re.split(r"\s+nach\s+", head)[0]
    head = re.sub(r"\s*\([^()]*\)$", "", head).strip()
    return head or None


def _merge_repeated_columns(
    block: pl.DataFrame, columns: list[_ValueColumn], first: int, filename: str
) -> tuple[list[_ValueColumn], list[str]]:
    """A column that repeats another one (same header, same cells in every row) is merged into
    it with a note; the same header over different cells is refused: which one would be right?"""
    kept: dict[tuple, _ValueColumn] = {}
    notes = []
    for col in columns:
        key = (col.statistic, col.variable, col.classification, col.unit, col.period_label)
        earlier = kept.get(key)
        if earlier is None:
            kept[key] = col
            continue
        a, b = pl.col(f"c{earlier.index}").str.strip_chars(), pl.col(f"c{col.index}").str.strip_chars()
        differing = block.filter(a != b)
        if differing.height:
            raise ParseError(
                f"{filename}, Zeile {first + differing['row'][0] + 1}: die Spalten {earlier.index + 1} und "
                f"{col.index + 1} haben dieselbe Überschrift („{col.label()}“), aber verschiedene Werte.",
                "Die Tabelle wird nicht übernommen, weil nicht zu entscheiden ist, welche Spalte gilt. "
                "Melden Sie die Datei dem Betrieb oder laden Sie die Tabelle erneut herunter.",
            )
        notes.append(
            f"Spalte {col.index + 1} wiederholt Spalte {earlier.index + 1} („{col.label()}“) mit denselben Werten "
            "und wurde mit ihr zusammengeführt."
        )
    return list(kept.values()), notes


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
