"""The process that runs one console query (`python -m pipelines.sqlworker`), outside the server.

It is started by `pipelines.sqlconsole` for every query, reads its order as JSON from stdin and
writes a JSON header line followed by the result as Arrow IPC to stdout. Before DuckDB is even
imported the process caps its own address space, so no query can take the server's memory; DuckDB
itself gets a memory limit, a thread count, a temporary-file cap and a wall-clock limit, all locked.

The warehouse is reached through a symbolic link `warehouse.duckdb` in a private temporary
directory that is also the working directory: `duckdb_databases()` and error texts name only that
link, never the server's paths.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import tempfile
import threading
from pathlib import Path

LINK_NAME = "warehouse.duckdb"


def _cap_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _reply(header: dict, payload: bytes = b"") -> None:
    out = sys.stdout.buffer
    out.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
    out.write(payload)
    out.flush()


def main() -> int:
    order = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    _cap_memory(order["address_space_mb"])
    import duckdb  # only now: its allocations count against the cap

    from pipelines import sqlguard
    from pipelines.duck import attach_readonly

    private = Path(tempfile.mkdtemp(prefix="xregion-sql-"))
    os.chdir(private)
    (private / LINK_NAME).symlink_to(order["db_path"])
    con = None
    try:
        statement = sqlguard.check_statement(order["sql"])
        con = attach_readonly(LINK_NAME, config={
            "memory_limit": f"{order['memory_mb']}MB", "threads": str(order["threads"]),
            "temp_directory": "tmp", "max_temp_directory_size": f"{order['temp_mb']}MB",
            "allow_unsigned_extensions": "false", "autoinstall_known_extensions": "false",
            "autoload_known_extensions": "false",
        })  # fmt: skip
        con.execute("SET search_path = 'warehouse.marts,warehouse.main'")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")  # the query cannot switch any of the above back
        timer = threading.Timer(order["timeout_s"], con.interrupt)
        timer.start()
        try:
            table, truncated = _run(con, statement, order["max_rows"])
        finally:
            timer.cancel()
    except sqlguard.QueryRefused as exc:
        _reply({"ok": False, "message": exc.message, "hint": exc.hint})
        return 0
    except duckdb.InterruptException:
        _reply({"ok": False, "interrupted": True})
        return 0
    except duckdb.OutOfMemoryException:
        _reply({"ok": False, "out_of_memory": True})
        return 0
    except duckdb.Error as exc:
        _reply({"ok": False, "duckdb_error": str(exc).splitlines()[0]})
        return 0
    finally:
        if con is not None:
            con.close()
    import pyarrow as pa

    buffer = io.BytesIO()
    with pa.ipc.new_stream(buffer, table.schema) as writer:
        writer.write_table(table)
    _reply({"ok": True, "truncated": truncated}, buffer.getvalue())
    return 0


def _run(con, statement: str, max_rows: int):
    """The first `max_rows` rows as an Arrow table that polars can read: duplicate column names
    made unique, types polars has no counterpart for (MAP, UNION) as text."""
    import pyarrow as pa

    cursor = con.execute(statement)
    if cursor.description is None:
        return pa.table({}), False
    reader = cursor.fetch_record_batch(min(max_rows + 1, 100_000))
    batches, count = [], 0
    for batch in reader:
        batches.append(batch)
        count += batch.num_rows
        if count > max_rows:
            break
    table = pa.Table.from_batches(batches, schema=reader.schema).slice(0, max_rows + 1)
    truncated = table.num_rows > max_rows
    table = table.slice(0, max_rows)
    from pipelines.sqlguard import unique_names

    table = table.rename_columns(unique_names(table.column_names))
    for i, field in enumerate(table.schema):
        if pa.types.is_map(field.type) or pa.types.is_union(field.type) or pa.types.is_dictionary(field.type):
            as_text = pa.array([None if v is None else str(v) for v in table.column(i).to_pylist()], pa.string())
            table = table.set_column(i, field.name, as_text)
    return table, truncated


if __name__ == "__main__":
    raise SystemExit(main())
