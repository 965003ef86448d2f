"""Map rendering: the choropleth spec for the Kreis (10 towns) and for all 396 NRW Gemeinden,
built by `dashboard.charts.choropleth` against building the same chart the plain Altair way
(inline data, which Altair walks and validates), and the real app in headless Chromium: time
from a click until every area is drawn, against a bare line chart rendered in the same run.

Geometries are generated (jagged squares with ~260 vertices each, about the size of the
simplified NRW file); target (DESIGN.md): the NRW map in under 1 s.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from pathlib import Path

import altair as alt

from bench.harness import Result, median_of
from dashboard import charts

NRW_GEMEINDEN = 396
KREIS_TOWNS = 10
VERTICES = 260


def _jagged_square(col: int, row: int, size: float = 0.08) -> dict:
    """A cell of a grid whose edges wiggle. Every vertex is computed from its absolute grid
    position, so neighbouring cells share their edges exactly (a valid coverage)."""
    side = VERTICES // 4
    height = size * 0.65

    def point(gx: int, gy: int) -> list[float]:
        # a horizontal grid line wiggles in y, a vertical one in x; never at a corner
        on_vertical_line, on_horizontal_line = gx % side == 0, gy % side == 0
        x = 6.0 + gx * size / side + (0.004 * math.sin(math.pi * 2 * (gy % side) / side) if on_vertical_line else 0)
        y = 50.4 + gy * height / side + (0.004 * math.sin(math.pi * 2 * (gx % side) / side) if on_horizontal_line else 0)
        return [round(x, 5), round(y, 5)]

    x0, y0 = col * side, row * side
    ring = (
        [point(x0 + k, y0) for k in range(side)]  # bottom, west → east
        + [point(x0 + side, y0 + k) for k in range(side)]  # east, south → north
        + [point(x0 + side - k, y0 + side) for k in range(side)]  # top, east → west
        + [point(x0, y0 + side - k) for k in range(side)]  # west, north → south
    )
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring[::-1]]}  # clockwise outer ring, as d3 expects


def features(n: int) -> list[dict]:
    cols = math.ceil(math.sqrt(n))
    return [
        {"type": "Feature", "geometry": _jagged_square(i % cols, i // cols), "ags": f"05{i:06d}", "name": f"Gemeinde {i}",
         "klasse": "1 – 2", "wert": f"{i} Personen", "rang": f"{i + 1} von {n}", "stand": "31.12.2024"}
        for i in range(n)
    ]  # fmt: skip


def _plain_altair(feats: list[dict], meta: charts.ChartMeta) -> dict:
    return (
        alt.Chart(alt.Data(values=feats))
        .mark_geoshape()
        .encode(color="klasse:N", tooltip=["name:N", "wert:N"])
        .project(type="mercator")
        .properties(title=meta.title)
        .to_dict()
    )


def spec_build(repeat: int = 5) -> list[Result]:
    """What a rerun of the Karte does with the map once the build's topology is cached: attach
    the properties of the day, fill the spec, serialise it (as Streamlit does) — against the plain
    Altair way with inline GeoJSON. A second line compares the bytes sent."""
    from dashboard import topology

    meta = charts.ChartMeta("Bevölkerung", "NRW", "Personen", "IT.NRW", "dl-de/by-2-0")
    classes = charts.Classes(["1 – 2"], ["#084594"], [])
    results = []
    for label, n in (("Kreis", KREIS_TOWNS), ("NRW", NRW_GEMEINDEN)):
        feats = features(n)
        topo = topology.build([f["ags"] for f in feats], [f["geometry"] for f in feats],
                              quantization=20_000 if n > KREIS_TOWNS else 100_000)  # fmt: skip
        props = [{k: f[k] for k in ("ags", "name", "klasse", "wert", "rang", "stand")} for f in feats]
        result = median_of(
            f"Karte {label} ({n} Gebiete): Spezifikation je Seitenaufruf",
            lambda: len(json.dumps(charts.choropleth(topo.with_properties(props), classes, meta))) and n,
            lambda: len(json.dumps(_plain_altair(feats, meta))) and n,
            rows=n,
            repeat=repeat,
            target=1.0,
        )
        result.target_s = 0.15 if n > KREIS_TOWNS else None
        results.append(result)
        sent = len(json.dumps(charts.choropleth(topo.with_properties(props), classes, meta)))
        before = len(json.dumps(_plain_altair(feats, meta)))
        # bytes in place of seconds: the ratio is what the line is about (target: at least halved)
        results.append(Result(f"Karte {label}: Bytes der Spezifikation (TopoJSON gegen GeoJSON; Ziel ≥ 2×)",
                              n, sent / 1e6, before / 1e6, 2.0, unit="MB"))  # fmt: skip
    return results


def browser_render() -> list[Result]:
    """End to end in the real app: page script, transfer, Vega drawing in Chromium."""
    from playwright.sync_api import sync_playwright

    from pipelines.config import load_settings
    from pipelines.refresh import import_files
    from tests.browser import CHROMIUM_ARGS, chromium_path, running_app
    from tests.support import itnrw_tables
    from tests.support.installation import installation_env

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = installation_env(base)
        geo = base / "gemeinden.geojson"
        feats = features(NRW_GEMEINDEN)
        for i, f in enumerate(feats[:KREIS_TOWNS]):
            f["ags"] = f"05762{4 * (i + 1):03d}"
        geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": f["geometry"], "properties": {"AGS": f["ags"], "GEN": f["name"]}} for f in feats
        ]}))  # fmt: skip
        table = base / "12411-15i.csv"
        table.write_bytes(itnrw_tables.population_table())
        import_files(load_settings(env=env), [table, geo])
        with running_app(env) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.get_by_role("heading", name="Wochenblick", exact=True).first.wait_for(timeout=60_000)
            svg = '[data-testid="stVegaLiteChart"] svg'
            # every chart drawn so far is marked; a reading ends when a chart without the mark
            # (drawn after the action) is there — with exactly the expected areas for a map
            mark = f"() => document.querySelectorAll('{svg}').forEach(s => {{ s.__bench_old = true; }})"

            def fresh(areas: int | None) -> str:
                count = "" if areas is None else (
                    f" && s.querySelectorAll('path[aria-roledescription=\"geoshape\"]').length === {areas}")
                return f"() => [...document.querySelectorAll('{svg}')].some(s => !s.__bench_old{count})"

            def timed(action, ready: str) -> float:
                page.evaluate(mark)
                started = time.perf_counter()
                action()
                page.wait_for_function(ready, timeout=60_000)
                return time.perf_counter() - started

            def nav(title):
                return lambda: page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()

            toggle = page.get_by_text("Kreis im NRW-Vergleich")
            for _ in range(3):  # the first pass warms imports and caches up; the last one is reported
                bare = timed(nav("Indikatoren"), fresh(None))
                kreis = timed(nav("Karte"), fresh(KREIS_TOWNS))
                nrw = timed(lambda: toggle.click(), fresh(NRW_GEMEINDEN))
                timed(lambda: toggle.click(), fresh(KREIS_TOWNS))  # back to the Kreis for the next pass
            browser.close()
    return [
        Result(f"Karte Kreis ({KREIS_TOWNS} Gebiete) im Browser, gegen ein Liniendiagramm", KREIS_TOWNS, kreis, bare, 0.0),
        Result(f"Karte NRW ({NRW_GEMEINDEN} Gebiete) im Browser (Ziel < 1 s), gegen ein Liniendiagramm",
               NRW_GEMEINDEN, nrw, bare, 0.0, target_s=1.0),
    ]  # fmt: skip
