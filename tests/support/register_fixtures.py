"""A small project register written for the tests (fictional), and helpers to break it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from pipelines.register.workbook import write_workbook

TOWNS = [("05762", "Kreis Höxter"), ("05762004", "Bad Driburg"), ("05762020", "Höxter")]


def records() -> dict[str, list[dict]]:
    return {
        "towns": [{"ags": a, "name": n} for a, n in TOWNS],
        "fields": [{"id": "WI", "name": "Wirtschaft", "position": 1}, {"id": "VE", "name": "Verwaltung", "position": 2}],
        "measures": [
            {"id": "M1", "title": "Dorfladen", "field": "Wirtschaft", "towns": ["Bad Driburg"], "status": "Umsetzung",
             "start": date(2024, 1, 1), "end": date(2026, 12, 31), "milestone": "Eröffnung",
             "milestone_due": date(2025, 6, 30)},
            {"id": "M2", "title": "E-Akte", "field": "Verwaltung", "towns": ["ganzer Kreis"], "status": "Planung"},
        ],
        "kpis": [
            {"id": "K1", "title": "Läden", "measure": "M1", "field": "Wirtschaft", "unit": "Standorte",
             "baseline_value": 0, "baseline_year": 2024, "target_value": 10, "target_year": 2026, "direction": "steigen"},
        ],
        "measurements": [{"kpi": "K1", "date": date(2025, 12, 31), "value": 6}],
        "programmes": [
            {"id": "P1", "funder": "Land NRW", "name": "Förderprogramm Test", "start": date(2024, 1, 1),
             "end": date(2027, 12, 31), "budget": 100_000, "rate": 80, "own_share": 20_000},
        ],
        "allocations": [{"programme": "P1", "town": "Bad Driburg", "amount": 60_000},
                        {"programme": "P1", "town": "Höxter", "amount": 40_000}],
        "funding_records": [
            {"programme": "P1", "town": "Bad Driburg", "date": date(2024, 2, 1), "kind": "bewilligt", "amount": 60_000},
            {"programme": "P1", "town": "Bad Driburg", "date": date(2024, 6, 1), "kind": "abgerufen", "amount": 20_000},
            {"programme": "P1", "town": "Bad Driburg", "date": date(2024, 9, 1), "kind": "ausgegeben", "amount": 15_000},
            {"programme": "P1", "town": "Höxter", "date": date(2024, 2, 1), "kind": "bewilligt", "amount": 40_000},
        ],
    }  # fmt: skip


def workbook(path: Path, recs: dict | None = None) -> Path:
    write_workbook(path, recs or records())
    return path


def with_cell(path: Path, sheet: str, cell: str, value) -> Path:
    """The workbook with one cell changed (e.g. a wrong value for a validation test)."""
    book = load_workbook(path)
    book[sheet][cell] = value
    book.save(path)
    return path
