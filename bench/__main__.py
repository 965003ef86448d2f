"""`make bench`: run all benchmarks, print ratios, write bench/results/<time>.json."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from bench import coverage, exports, load, maps, network, parsers, pystatis_real, scenario


def main() -> int:
    results = parsers.run()
    try:
        results += pystatis_real.lines(parsers.flat_layout())
    except pystatis_real.Unavailable as exc:
        print(f"Vergleich mit dem echten pystatis übersprungen: {exc}")
    results += maps.spec_build() + exports.run()
    try:
        results += coverage.run()
    except coverage.Unavailable as exc:
        print(f"Nahversorgung übersprungen: {exc}")
    results += scenario.run() + network.run()
    try:
        results += maps.browser_render()
    except Exception as exc:  # no chromium here: the other results still count
        print(f"Browser-Messung übersprungen: {exc}")
    for result in results:
        print(result.line())
    load_lines = []
    try:
        load_lines = load.run()
    except Exception as exc:  # noqa: BLE001 - the other results still count
        print(f"Lastmessung übersprungen: {exc}")
    for verdict in load.verdicts(load_lines):
        print(verdict)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"{stamp}.json").write_text(
        json.dumps(
            {"machine": platform.platform(), "cores": os.cpu_count(), "python": sys.version,
             "results": [r.as_dict() for r in results], "load": [asdict(line) for line in load_lines]},
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
