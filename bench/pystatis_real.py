"""The real pystatis as a baseline: pystatis 0.5.5 needs pandas 2, the project runs pandas 3, so
it lives in a venv of its own (`bench/.venv-pystatis`, created on first use from the package
registry). `bench/pystatis_worker.py` runs there and times pystatis' own parse of a file; our
parser is timed here on the same bytes. Without the registry the lines are skipped with the
reason, never replaced by an imitation."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bench.harness import Result, runs
from pipelines.parsers.genesis_ffcsv import parse_genesis_ffcsv

PYSTATIS = "pystatis==0.5.5"
VENV = Path(__file__).parent / ".venv-pystatis"
WORKER = Path(__file__).parent / "pystatis_worker.py"
REAL_FILE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "genesis" / "AI-N-01-2-5.yaml"


class Unavailable(Exception):
    """The real pystatis cannot be run here (German reason)."""


def interpreter() -> Path:
    python = VENV / "bin" / "python"
    if python.exists() and (VENV / ".installed").exists():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, capture_output=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", PYSTATIS], check=True, capture_output=True,
                       timeout=900)  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise Unavailable(f"{PYSTATIS} ließ sich nicht in {VENV} installieren: {detail.decode(errors='replace')[-300:] or exc}")
    (VENV / ".installed").write_text(PYSTATIS)
    return python


def _pystatis_seconds(python: Path, csv: bytes, repeat: int) -> tuple[int, float, tuple[float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        path.write_bytes(csv)
        # pystatis writes its configuration under HOME: a scratch one, never the user's
        env = {**os.environ, "HOME": tmp, "PYTHONPATH": ""}
        done = subprocess.run([str(python), str(WORKER), str(path), str(repeat)], capture_output=True, env=env,
                              timeout=1800, check=False)  # fmt: skip
        if done.returncode:
            raise Unavailable(f"pystatis-Lauf fehlgeschlagen: {done.stderr.decode(errors='replace')[-400:]}")
        out = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return out["rows"], out["median"], (out["min"], out["max"])


def real_ffcsv() -> bytes | None:
    """The CSV inside the recorded Regionalatlas answer (read in place; None without ../shared)."""
    if not REAL_FILE.exists():
        return None
    import yaml

    for interaction in yaml.safe_load(REAL_FILE.read_text(encoding="utf-8"))["interactions"]:
        if interaction["request"]["uri"].split("?")[0].endswith("/data/tablefile"):
            body = interaction["response"]["body"]["string"]
            body = body if isinstance(body, bytes) else body.encode("utf-8")
            if body[:2] == b"PK":
                with zipfile.ZipFile(io.BytesIO(body)) as archive:
                    return archive.read(archive.namelist()[0])
    return None


def lines(generated: bytes, repeat: int = 5) -> list[Result]:
    """Our ffcsv parser against the real pystatis on the generated 1-million-row file and on the
    real 27 000-row AI-N-01-2-5 (target ≥ 10×, DESIGN.md)."""
    python = interpreter()
    files = [("erzeugt", generated)]
    real = real_ffcsv()
    if real is not None:
        files.append(("echte Tabelle AI-N-01-2-5", real))
    out = []
    for label, csv in files:
        rows, theirs, span = _pystatis_seconds(python, csv, repeat)
        parse = lambda: parse_genesis_ffcsv(csv, "bench.csv").values.height  # noqa: E731
        parse(), parse()
        ours, ours_span = runs(parse, repeat)
        out.append(Result(f"ffcsv (GENESIS) parsen, {label} – Basis: echtes {PYSTATIS} (eigene venv, pandas 2)",
                          rows, ours, theirs, 10.0, candidate_range=ours_span, baseline_range=span))  # fmt: skip
    return out


__all__ = ["Unavailable", "lines"]
