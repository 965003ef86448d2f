"""Data downloads in the formats German offices open without fuss: CSV for German Excel (UTF-8
with BOM, `;`, decimal comma), XLSX, Parquet. Pure functions frame → bytes."""

from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font


def german_csv(frame: pl.DataFrame) -> bytes:
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
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def xlsx(frame: pl.DataFrame, sheet: str = "Daten") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append(frame.columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.iter_rows():
        ws.append([_cell(v) for v in row])
    for col, (name, dtype) in enumerate(frame.schema.items(), start=1):
        letter = ws.cell(row=1, column=col).column_letter
        ws.column_dimensions[letter].width = max(12, min(60, len(str(name)) + 4))
        if dtype == pl.Date:
            for cell in ws[letter][1:]:
                cell.number_format = "DD.MM.YYYY"
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
