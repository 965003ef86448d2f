"""Pipelines: fetch or import source data, keep it with lineage, build the DuckDB warehouse."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
