"""What the read-only SQL console accepts: exactly one statement of a read type, decided by
DuckDB's own parser (never by a regular expression).

Accepted: SELECT (with WITH, VALUES, DESCRIBE, SHOW, SUMMARIZE, which DuckDB parses as SELECT) and
EXPLAIN of such a statement. Refused before anything runs: several statements, COPY, EXPORT,
ATTACH, DETACH, USE, SET, RESET, PRAGMA, CALL, CHECKPOINT, INSTALL/LOAD and all DDL/DML, and the
functions that disclose the server's configuration or paths (settings, extensions, secrets,
environment). The checks need only DuckDB, so the query worker can run them again itself.
"""

from __future__ import annotations

import json

import duckdb

from pipelines.errors import XRegionError

READ_ONLY_HINT = "Die Konsole liest nur; Dateien, Netz, Einstellungen und Änderungen sind gesperrt."
# table and scalar functions that show the server's settings, paths, extensions or environment
DISCLOSING_FUNCTIONS = {
    "duckdb_settings", "current_setting", "duckdb_extensions", "duckdb_secrets", "which_secret",
    "duckdb_temporary_files", "duckdb_memory", "duckdb_databases", "getenv", "duckdb_logs",
    "duckdb_external_file_cache", "duckdb_approx_database_count", "database_size",
}  # fmt: skip
DISCLOSING_PREFIXES = ("pragma_",)
REFUSED_TYPES = {
    "COPY": "COPY (Dateien schreiben oder lesen)",
    "EXPORT": "EXPORT DATABASE",
    "ATTACH": "ATTACH",
    "DETACH": "DETACH",
    "SET": "SET, RESET und USE",
    "CALL": "CALL, CHECKPOINT und PRAGMA",
    "PRAGMA": "PRAGMA",
    "LOAD": "INSTALL und LOAD",
    "EXTENSION": "INSTALL und LOAD",
}


class QueryRefused(XRegionError):
    """The SQL console did not run or finish a query."""


def check_statement(sql: str) -> str:
    """The one read statement in `sql` (as DuckDB parsed it), or QueryRefused in German."""
    if not sql.strip():
        raise QueryRefused("Bitte eine SQL-Abfrage eingeben.")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(f"Die Abfrage ist fehlerhaft: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise QueryRefused(
            f"Die Konsole führt genau eine Abfrage aus, hier sind es {len(statements)}.",
            "Bitte nur eine Anweisung (ohne weiteres „;“) eingeben.",
        )
    statement = statements[0]
    kind = statement.type.name
    if kind == "EXPLAIN":
        _check_explained(sql)
    elif kind != "SELECT":
        what = REFUSED_TYPES.get(kind, f"{kind} (Änderungen am Datenbestand)")
        raise QueryRefused(f"Nur lesende Abfragen sind erlaubt; {what} ist in der Konsole gesperrt.", READ_ONLY_HINT)
    else:
        _check_functions(sql)
    return sql


def _check_explained(sql: str) -> None:
    """EXPLAIN [ANALYZE] runs the statement after it: that one must be a read statement too."""
    tokens = duckdb.tokenize(sql)
    words = [sql[start:].split(None, 1)[0].upper() for start, kind in tokens[:2] if kind == duckdb.token_type.keyword]
    skip = 2 if words[1:2] == ["ANALYZE"] else 1
    if len(tokens) <= skip:
        raise QueryRefused("EXPLAIN ohne Abfrage.", "Zum Beispiel: EXPLAIN SELECT * FROM regions")
    inner = sql[tokens[skip][0] :]
    statements = duckdb.extract_statements(inner)
    if len(statements) != 1 or statements[0].type.name != "SELECT":
        raise QueryRefused("EXPLAIN ist nur für lesende Abfragen erlaubt.", READ_ONLY_HINT)
    _check_functions(inner)


def _check_functions(sql: str) -> None:
    """PRAGMA-style statements parse as SELECT but cannot be serialised; functions that disclose
    the server are refused by name, wherever they stand in the query."""
    with duckdb.connect() as con:
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error"):
        message = tree.get("error_message", "")
        if "Only SELECT statements" in message:
            raise QueryRefused("Nur lesende Abfragen sind erlaubt; PRAGMA ist in der Konsole gesperrt.", READ_ONLY_HINT)
        raise QueryRefused(f"Die Abfrage ist fehlerhaft: {message}")
    for name in _function_names(tree):
        if name in DISCLOSING_FUNCTIONS or name.startswith(DISCLOSING_PREFIXES):
            raise QueryRefused(
                f"Die Funktion {name}() ist in der Konsole gesperrt: sie zeigt Einstellungen oder Pfade des Servers.",
                "Tabellen und Spalten zeigt die Übersicht neben der Konsole (oder information_schema).",
            )


def _function_names(node) -> set[str]:
    names: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("function_name"), str):
                names.add(item["function_name"].lower())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names


def unique_names(columns: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out
