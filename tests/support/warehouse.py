"""Reading the test installation's warehouse the way analysts do (read-only, spatial loaded)."""

from __future__ import annotations

from pipelines.duck import connect_readonly


def rows(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = connect_readonly(settings.db_path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
