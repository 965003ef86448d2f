"""Run inside the separate venv that holds the real pystatis 0.5.5 (pandas 2): parse a GENESIS
ffcsv file the way `pystatis.Table.get_data(prettify=True)` does, with the two HTTP calls
answered from the file (no network), and print the median, minimum and maximum of n runs as
JSON. Started by `bench/pystatis_venv.py`; imports nothing of the project."""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time


def main(path: str, repeat: int) -> None:
    from pystatis import db, table

    raw = open(path, "rb").read()
    metadata = json.dumps({"Status": {"Code": 0}, "Object": {"Code": "BENCH"}}).encode()
    # the HTTP layer and the credential lookup are the only parts replaced; parsing is pystatis' own
    table.load_data = lambda endpoint, method, params, db_name=None: raw if endpoint == "data" else metadata
    db.identify_db_matches = lambda name: ["regio"]
    db.select_db_by_credentials = lambda matches: "regio"

    def once() -> int:
        t = table.Table("BENCH")
        t.get_data(prettify=True)
        return len(t.data)

    rows = once()
    once()  # warm-up, as on our side
    times = []
    for _ in range(repeat):
        gc.collect()  # as bench/harness.py does before each of our runs: the same conditions on both sides
        started = time.perf_counter()
        once()
        times.append(time.perf_counter() - started)
    times.sort()
    print(json.dumps({"rows": rows, "median": statistics.median(times), "min": times[0], "max": times[-1]}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
