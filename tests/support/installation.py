"""Where a test (or benchmark) installation keeps its files: everything under one directory."""

from __future__ import annotations

from pathlib import Path


def installation_env(base: Path) -> dict[str, str]:
    """XREGION_* settings that put warehouse, raw files, state, register and reports under `base`."""
    return {
        "XREGION_DB": str(base / "warehouse" / "xregion.duckdb"),
        "XREGION_RAW_DIR": str(base / "raw"),
        "XREGION_STATE_DIR": str(base / "state"),
        "XREGION_REGISTER_STORE": str(base / "register" / "store.sqlite"),
        "XREGION_DEMO_STORE": str(base / "register" / "demo-store.sqlite"),
        "XREGION_REPORTS_DIR": str(base / "reports"),
    }
