"""Tables on screen in German: the data under each chart and the SQL console's result."""

from datetime import date, datetime, timezone

import polars as pl

from dashboard.ui import german_table


def test_numbers_dates_and_gaps_are_written_the_german_way():
    frame = pl.DataFrame({
        "Anzahl": [28166, None], "Ganz": [1234.0, 5.0], "Anteil": [12.345, 1.5], "Zeitpunkt": [date(2024, 12, 31), None],
        "Gebaut": [datetime(2026, 12, 2, 13, 5, tzinfo=timezone.utc), None], "Gilt": [True, None], "Name": ["Höxter", None],
    })  # fmt: skip
    shown = german_table(frame)
    assert shown.row(0) == ("28.166", "1.234", "12,35", "31.12.2024", "02.12.2026, 14:05 Uhr", "ja", "Höxter")
    assert shown.row(1) == ("", "5", "1,50", "", "", "", "")
    assert all(dtype == pl.String for dtype in shown.schema.values())
