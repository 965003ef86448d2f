"""Exports: one chart as print PNG (spec, footer, rendering) and a 10-slide PPTX deck, each
against rendering the bare chart (vl-convert SVG, no footer) in the same run.
Targets (DESIGN.md): a chart export under 0.5 s, a 10-slide deck under 5 s."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import vl_convert as vlc

from bench.harness import Result, runs


def run(repeat: int = 5) -> list[Result]:
    from pipelines.config import load_settings
    from pipelines.refresh import import_files
    from tests.support import itnrw_tables
    from tests.support.installation import installation_env

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = installation_env(base)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            paths = []
            for code, body in itnrw_tables.catalogue_tables().items():
                paths.append(base / f"{code}.csv")
                paths[-1].write_bytes(body)
            import_files(load_settings(env=env), paths)
            return _measure(repeat)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _measure(repeat: int) -> list[Result]:
    from dashboard import export, reports, views

    params = {"indicator_id": "arbeitslose", "towns": ["05762004", "05762020"], "comparison": ["05762", "05"]}
    view = views.indicator_series(**params)
    bare = view.chart.to_dict()

    def bare_render():
        return vlc.vegalite_to_svg(bare, vl_version=export.VL_VERSION)

    def chart_export():
        return export.png(export.printable(views.indicator_series(**params).chart, view.meta))

    report = reports.Report("Benchmark", items=[reports.Item("indikator_verlauf", params, f"Folie {i}") for i in range(10)])
    bare_render(), chart_export()  # warm up the JavaScript engine
    baseline, base_span = runs(bare_render, repeat)
    export_s, export_span = runs(chart_export, repeat)
    deck_s, deck_span = runs(lambda: reports.pptx(report), max(1, repeat // 2))
    return [
        Result("Export einer Grafik (PNG, Druckauflösung) gegen das nackte Diagramm", 1, export_s, baseline, 0.0,
               target_s=0.5, candidate_range=export_span, baseline_range=base_span),
        Result("PPTX mit 10 Folien gegen das nackte Diagramm", 10, deck_s, baseline, 0.0, target_s=5.0,
               candidate_range=deck_span, baseline_range=base_span),
    ]  # fmt: skip
