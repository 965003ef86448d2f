"""Many people at once: N simultaneous Streamlit sessions over the websocket protocol (the
frontend's own protobuf messages, no browser) against a running `xregion serve`, for each page
the Kreistag and a training use. Each user reruns the page several times; reported per page,
user model and number of users: median and p90 seconds per rerun, and reruns per second.

Two user models:
- "Sitzung": people at work — after each rerun a user looks at the page for 0,5–2,5 s (seeded)
  before the next click, and the users do not start in the same millisecond. This is what a
  Kreistag session or a training does to the server, and the model of the goal.
- "Dauerfeuer": every user reruns again the moment the last one finished. A stress test: the
  server is never idle, so with N users each rerun waits for the others' page work (Python's GIL
  lets one of them run at a time), and its latency grows about linearly with N whatever a page
  does. It shows throughput and that nothing stalls, not the latency a person sees. (A rerun sent
  right after the last one's end also waits 20–40 ms for Streamlit to finish that run's
  bookkeeping, so the single-user median of this model is higher than the "Sitzung" one.)

Goal (DESIGN.md): 20 simultaneous users on every page without a stall in either model; in the
"Sitzung" model p90 at 10 users at most 3× the single-user median. The baseline of the ratio is
the single-user median of the same run and model.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipelines.german import fmt_number

USERS = (1, 2, 4, 10, 20)
# timed reruns per user; the session model takes more, so its p90 at 10 users rests on 100 reruns
RERUNS = {"Sitzung": 10, "Dauerfeuer": 5}
# seconds a user looks at the page between two reruns, per model (None: no pause at all)
MODELS: dict[str, tuple[float, float] | None] = {"Sitzung": (0.5, 2.5), "Dauerfeuer": None}
MODEL_USERS = {"Sitzung": (1, 4, 10, 20), "Dauerfeuer": USERS}
PAGES = {
    "Wochenblick": ("wochenblick", ""),
    "Indikatoren": ("indikatoren", ""),
    "Karte (Kreis)": ("karte", "nrw=0"),
    "Karte (NRW)": ("karte", "nrw=1"),
    "Nahversorgung": ("nahversorgung", ""),
    "Vorführen": ("praesentation", "bericht=lastprobe&folie=2"),
}


@dataclass
class LoadLine:
    page: str
    model: str
    users: int
    median_s: float
    p90_s: float
    throughput: float  # reruns per second, all users together
    stalls: int

    def line(self) -> str:
        return (
            f"Last {self.page} ({self.model}), {self.users} Nutzer: Median {fmt_number(self.median_s, 3)} s, p90 {fmt_number(self.p90_s, 3)} s, "
            f"{fmt_number(self.throughput, 1)} Läufe/s" + (f", {self.stalls} HÄNGER" if self.stalls else "")
        )


def _installation(base: Path) -> dict[str, str]:
    """Catalogue tables, 396 Gemeinden (ten of them the Kreis), supply points, a grid and a
    report: every page has something real to do."""
    import duckdb

    from bench.maps import KREIS_TOWNS, NRW_GEMEINDEN, features
    from dashboard import reports
    from pipelines.config import load_settings
    from pipelines.duck import load_spatial
    from pipelines.refresh import import_files
    from tests.support import itnrw_tables
    from tests.support.installation import installation_env

    env = installation_env(base)
    feats = features(NRW_GEMEINDEN)
    for i, f in enumerate(feats[:KREIS_TOWNS]):
        f["ags"] = f"05762{4 * (i + 1):03d}"
    geo = base / "gemeinden.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": f["geometry"], "properties": {"AGS": f["ags"], "GEN": f["name"]}} for f in feats
    ]}))  # fmt: skip
    con = duckdb.connect()
    load_spatial(con)
    cells, points = [], []
    for i, f in enumerate(feats[:KREIS_TOWNS]):
        ring = f["geometry"]["coordinates"][0]
        lon, lat = sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
        x, y = con.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Point(?, ?), 'EPSG:4326', 'EPSG:3035', "
                           "always_xy := true) AS p)", [lon, lat]).fetchone()  # fmt: skip
        cells += [f"c{i}_{dx}_{dy};{x + 100 * dx:.0f};{y + 100 * dy:.0f};{5 + (dx * dy) % 7}" for dx in range(-20, 20) for dy in range(-20, 20)]
        if i % 2 == 0:
            points.append({"type": "node", "id": i, "lon": lon, "lat": lat, "tags": {"shop": "supermarket", "name": f"Markt {i}"}})
    (base / "grid.csv").write_text("GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n" + "\n".join(cells) + "\n")
    (base / "osm.json").write_text(json.dumps({"osm3s": {"timestamp_osm_base": "2026-11-20T10:00:00Z"}, "elements": points}))
    settings = load_settings(env=env)
    import_files(settings, itnrw_tables.write_catalogue_tables(base) + [geo])
    import_files(settings, [base / "osm.json", base / "grid.csv"])
    with environment(env):  # reports are saved where the served installation reads them
        params = {"indicator_id": "arbeitslose", "towns": [], "comparison": []}
        items = [reports.Item("indikator_verlauf", params, f"Folie {i}") for i in range(1, 11)]
        reports.save(reports.Report("Lastprobe", "", items))
    return env


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """`env` in os.environ while in use (dashboard.data and reports read the installation from
    there), the previous values restored after."""
    previous = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def installed() -> Iterator[dict[str, str]]:
    """The load installation in a temporary folder, in use in this process (see `environment`)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = _installation(Path(tmp))
        with environment(env):
            yield env


def _user(port: int, page: str, query: str, model: str, seed: int, times: list, stalls: list) -> None:
    from tests.support.st_client import Session, Stalled

    pause = random.Random(seed)
    think = MODELS[model]
    session = Session(port, timeout_s=60)
    try:
        session.rerun(page, query)  # the first run of a session sets it up; not timed
        for _ in range(RERUNS[model]):
            if think:
                time.sleep(pause.uniform(*think))
            seconds, _ = session.rerun(page, query)
            times.append(seconds)
    except Stalled:
        stalls.append(page)
    finally:
        session.close()


def _measure(port: int, title: str, page: str, query: str, model: str, users: int) -> LoadLine:
    times: list[float] = []
    stalls: list[str] = []
    threads = [threading.Thread(target=_user, args=(port, page, query, model, 1000 * users + i, times, stalls), daemon=True)
               for i in range(users)]  # fmt: skip
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.perf_counter() - started
    stalls += ["hängt"] * sum(t.is_alive() for t in threads)
    ordered = sorted(times) or [float("nan")]
    return LoadLine(title, model, users, statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
                    len(times) / elapsed, len(stalls))  # fmt: skip


def run() -> list[LoadLine]:
    from tests.support.st_client import served

    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = _installation(base)
        with served(env, base / "serve.log") as port:
            for title, (page, query) in PAGES.items():
                for model in MODELS:
                    for users in MODEL_USERS[model]:
                        lines.append(_measure(port, title, page, query, model, users))
                        print(lines[-1].line(), flush=True)
    return lines


def verdicts(lines: list[LoadLine]) -> list[str]:
    """Per page: no stall at any number of users in any model; in the "Sitzung" model p90 at 10
    users ≤ 3× the single-user median. The "Dauerfeuer" ratio is printed beside it, without a goal."""
    out = []
    for title in PAGES:
        stalls = sum(line.stalls for line in lines if line.page == title)
        most = max((line.users for line in lines if line.page == title), default=0)
        ratios = {}
        for model in MODELS:
            mine = {line.users: line for line in lines if line.page == title and line.model == model}
            if 1 in mine and 10 in mine:
                ratios[model] = mine[10].p90_s / mine[1].median_s if mine[1].median_s else float("inf")
        if "Sitzung" not in ratios:
            continue
        met = ratios["Sitzung"] <= 3 and not stalls
        stress = f"; Dauerfeuer {fmt_number(ratios['Dauerfeuer'], 1)}× (Stresstest, ohne Ziel)" if "Dauerfeuer" in ratios else ""
        out.append(
            f"Last {title}: p90 bei 10 Nutzern (Sitzung) = {fmt_number(ratios['Sitzung'], 1)}× Median bei 1 Nutzer "
            f"(Ziel ≤ 3×){stress}, {stalls} Hänger bis {most} Nutzer – {'erreicht' if met else 'VERFEHLT'}"
        )
    return out
