"""Data downloads in the formats German offices open without fuss: CSV for German Excel (UTF-8
with BOM, `;`, decimal comma), XLSX, Parquet. Pure functions frame → bytes.

The data of a chart carry a header block (title, region, period, unit, Quelle, Lizenz, Stand):
dl-de/by-2-0 and ODbL require the attribution to travel with the data, also when a table is
passed on without its chart. CSV: the block, an empty line, then the table. XLSX: the block over
the table on sheet "Daten" and once more on a sheet "Info"."""

from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font


def header_rows(meta) -> list[tuple[str, str]]:
    """The header block of a chart's data (`meta`: dashboard.charts.ChartMeta)."""
    from pipelines.german import fmt_date

    rows = [("Titel", meta.title), ("Region", meta.region), ("Zeitraum", meta.period), ("Einheit", meta.unit),
            ("Quelle", meta.source), ("Lizenz", meta.licence), (meta.stand_label[:1].upper() + meta.stand_label[1:],
            fmt_date(meta.data_stand, missing="unbekannt")), ("Erstellt", f"{fmt_date(date.today())}, XRegion Monitor")]  # fmt: skip
    return [(k, v) for k, v in rows if v]


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ';"\n') else text


def german_csv(frame: pl.DataFrame, meta=None) -> bytes:
    """`meta` (a ChartMeta) puts the header block above the table."""
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    # polars expressions only (no Python callbacks: they can deadlock under Streamlit's threads)
    text = frame.with_columns(
        pl.col(c).cast(pl.String).str.replace(".", ",", literal=True) for c in floats
    ).with_columns(
        pl.col(c).dt.strftime("%d.%m.%Y") for c, t in frame.schema.items() if t == pl.Date
    ).select(
        pl.col(c).cast(pl.String) if isinstance(t, (pl.List, pl.Struct, pl.Binary)) or str(t).startswith("Binary")
        else pl.col(c) for c, t in frame.schema.items()
    ).write_csv(separator=";")  # fmt: skip
    if meta is not None:
        text = "".join(f"{_csv_field(k)};{_csv_field(v)}\n" for k, v in header_rows(meta)) + "\n" + text
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def xlsx(frame: pl.DataFrame, sheet: str = "Daten", meta=None) -> bytes:
    """`meta` (a ChartMeta): title and source line over the table, the whole block on sheet "Info"."""
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    first = 1
    if meta is not None:
        ws.append([meta.title])
        ws.cell(row=1, column=1).font = Font(bold=True, size=13)
        ws.append([meta.source_line])
        ws.append([])
        first = 4
        info = book.create_sheet("Info")
        for key, value in header_rows(meta):
            info.append([key, value])
            info.cell(row=info.max_row, column=1).font = Font(bold=True)
        info.column_dimensions["A"].width, info.column_dimensions["B"].width = 14, 90
    ws.append(frame.columns)
    for cell in ws[first]:
        cell.font = Font(bold=True)
    for row in frame.iter_rows():
        ws.append([_cell(v) for v in row])
    for col, (name, dtype) in enumerate(frame.schema.items(), start=1):
        letter = ws.cell(row=first, column=col).column_letter
        ws.column_dimensions[letter].width = max(12, min(60, len(str(name)) + 4))
        if dtype == pl.Date:
            for cell in ws[letter][first:]:
                cell.number_format = "DD.MM.YYYY"
    if meta is not None:
        ws.freeze_panes = ws.cell(row=first + 1, column=1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, (list, dict, bytes)):
        return str(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (int, float, str, date)) or value is None:
        return value
    return str(value)


def parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()
