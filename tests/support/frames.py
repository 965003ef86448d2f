"""Small helpers for looking into polars frames in tests."""

from __future__ import annotations

import polars as pl


def one_row(frame: pl.DataFrame, **filters) -> dict:
    """The single row matching all `column=value` filters (fails if there are none or several)."""
    for key, value in filters.items():
        frame = frame.filter(pl.col(key) == value)
    assert frame.height == 1, frame
    return frame.row(0, named=True)
