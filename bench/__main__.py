"""`make bench`: run all benchmarks, print ratios, write bench/results/<time>.json."""

from __future__ import annotations

import json
import platform
import sys
from datetime import datetime
from pathlib import Path

from bench import coverage, exports, maps, parsers


def main() -> int:
    results = parsers.run() + maps.spec_build() + exports.run() + coverage.run()
    try:
        results += maps.browser_render()
    except Exception as exc:  # no chromium here: the other results still count
        print(f"Browser-Messung übersprungen: {exc}")
    for result in results:
        print(result.line())
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"{stamp}.json").write_text(
        json.dumps(
            {"machine": platform.platform(), "python": sys.version, "results": [r.as_dict() for r in results]},
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
