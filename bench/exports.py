"""Exports: a chart and the NRW and Nahversorgung maps as print PNG (spec, footer, rendering),
first and repeated (the image is kept per view and warehouse build), and a 10-slide PPTX deck of
maps rendered from scratch, each against rendering the bare line chart (vl-convert SVG, no
footer) in the same run. Targets (DESIGN.md, issue 14): a chart or map export ≤ 0,5 s, a
10-slide deck with maps ≤ 5 s."""

from __future__ import annotations

import vl_convert as vlc

from bench.harness import Result, runs


def run(repeat: int = 5) -> list[Result]:
    from bench.load import installed

    with installed():
        return _measure(repeat)


def _measure(repeat: int) -> list[Result]:
    from dashboard import export, reports, views

    params = {"indicator_id": "arbeitslose", "towns": ["05762004", "05762008"], "comparison": ["05762", "05"]}
    series = views.indicator_series(**params)
    bare = series.chart.to_dict()
    nrw = views.indicator_map("bevoelkerung", whole_land=True)
    supply = views.supply_map()

    def bare_render():
        return vlc.vegalite_to_svg(bare, vl_version=export.VL_VERSION)

    def first(view):
        def render():
            export.clear_cache()
            return export.rendered(view, "png")

        return render

    maps = [reports.Item("indikator_karte", {"indicator_id": "bevoelkerung", "k": k, "whole_land": land}, f"Karte {k}")
            for k in (3, 4, 5, 6, 7) for land in (False, True)]  # fmt: skip
    deck = reports.Report("Benchmark", items=maps)

    def deck_from_scratch():
        export.clear_cache()
        return reports.pptx(deck)

    bare_render(), first(series)(), first(nrw)(), reports.pptx(deck)  # warm up the engine and the worker processes
    baseline, base_span = runs(bare_render, repeat)
    out = []
    for label, view in (("einer Grafik", series), ("der NRW-Karte (396 Gemeinden)", nrw), ("der Nahversorgungskarte", supply)):
        cold, cold_span = runs(first(view), repeat)
        out.append(Result(f"Export {label} (PNG, Druckauflösung), erstmals gerendert, gegen das nackte Diagramm", 1,
                          cold, baseline, 0.0, target_s=0.5, candidate_range=cold_span, baseline_range=base_span))  # fmt: skip
        export.rendered(view, "png")
        warm, warm_span = runs(lambda v=view: export.rendered(v, "png"), repeat)
        out.append(Result(f"Export {label} (PNG) erneut, aus dem Zwischenspeicher des Builds", 1, warm, baseline, 0.0,
                          target_s=0.5, candidate_range=warm_span, baseline_range=base_span))  # fmt: skip
    deck_s, deck_span = runs(deck_from_scratch, repeat)
    out.append(Result("PPTX mit 10 Kartenfolien, alle neu gerendert, gegen das nackte Diagramm", 10, deck_s, baseline, 0.0,
                      target_s=5.0, candidate_range=deck_span, baseline_range=base_span))  # fmt: skip
    return out
