"""Named views: parameters → chart, its metadata and the data behind it.

A page shows a view, an export renders it, a saved report stores only its name and parameters
and builds it again with the data of the day (so a scheduled report is current). No Streamlit here.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import altair as alt
import polars as pl

from dashboard import charts, data
from pipelines.german import fmt_date, fmt_number, fmt_value


class ViewUnavailable(Exception):
    """The view cannot be built with the data there is (German message)."""


@dataclass
class View:
    name: str  # which builder, e.g. "indikator_verlauf"
    params: dict  # what it was built with (JSON-safe)
    chart: alt.TopLevelMixin | dict
    meta: charts.ChartMeta
    frame: pl.DataFrame  # the data behind the chart, for CSV/XLSX
    classes: charts.Classes | None = None  # maps: the class scheme (areas without value have none)
    summary: str = ""  # one sentence in plain German: what the chart shows (its text alternative)

    @property
    def description(self) -> str:
        """The chart's text alternative: its title and the one-sentence summary (screen readers
        read it as the chart's label; the data table under the chart repeats it)."""
        return f"{self.meta.title}. {self.summary}".strip()

    @functools.cached_property
    def spec(self) -> dict:
        """The chart as the Vega-Lite dict the page sends, its data already as Arrow. Built (and
        validated by Altair) once per view: views are kept per warehouse build (`per_build`), so a
        rerun skips the validation that otherwise costs more than the rest of the page. Uses
        Streamlit's own conversion (private in streamlit 1.67, pinned in pyproject; the browser
        tests draw every chart through it)."""
        if isinstance(self.chart, dict):
            spec = dict(self.chart)
        else:
            from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

            spec = _convert_altair_to_vega_lite_spec(self.chart)
        # Vega puts the top-level description on the drawing as its ARIA label
        spec["description"] = self.description
        return spec

    @functools.cached_property
    def table(self):
        """The data behind the chart as German text for the table under it: formatted once per
        view (views are kept per build), not on every rerun of the page — and as an Arrow table,
        which Streamlit sends as it is (a polars frame it converts through pandas each time)."""
        from dashboard.ui import german_table

        return german_table(self.frame).to_arrow()


def per_build(builder: Callable[..., View]) -> Callable[..., View]:
    """Build a view once per warehouse build and parameters: a rerun (or a second user) with the
    same choice gets the same View. Views are never changed after they are built (pages and
    exports copy before they add anything), so sharing them between sessions is safe. Every
    edit in Verwaltung builds a new warehouse, so register views are current too."""
    signature = inspect.signature(builder)

    @functools.lru_cache(maxsize=128)
    def cached(build: tuple | None, arguments: str) -> View:
        return builder(**json.loads(arguments))

    @functools.wraps(builder)
    def wrapper(*args, **kwargs) -> View:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = json.dumps(bound.arguments, sort_keys=True, default=str)  # dates as ISO text
        return cached(data.build_signature(), arguments)

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return wrapper


def _indicator(indicator_id: str) -> dict:
    catalogue = data.indicators()
    found = catalogue.filter(pl.col("indicator_id") == indicator_id) if catalogue.height else catalogue
    if not found.height:
        raise ViewUnavailable(f"Den Indikator „{indicator_id}“ gibt es nicht (mehr).")
    return found.row(0, named=True)


def region_label() -> str:
    ags = data.settings().region.ags
    return data.region_name(ags) or f"Kreis {ags}"


def _stand_label(indicator: dict) -> str:
    return "abgerufen am" if indicator.get("data_stand_kind") == "abgerufen" else "Stand"


def _source(indicator: dict) -> str:
    return f"{indicator['source']}, Tabelle {indicator['table_code']}"


SERIES_SCALES = {"werte": "Werte", "index": "Index (erster Stichtag = 100)"}
# comparison regions this many times larger (or smaller) than the towns get an axis of their own
SECOND_AXIS_RATIO = 3.0


@per_build
def indicator_series(indicator_id: str, towns: list[str], comparison: list[str], scale: str = "werte") -> View:
    """The indicator over time for towns and comparison regions. `scale` "werte": the values; when
    the comparison regions (the Kreis, NRW) are of another size than the towns, they get a second
    axis on the right, so the towns are never squashed to a flat line. "index": every region's
    first Stichtag = 100, so towns and Land compare on one axis."""
    if scale not in SERIES_SCALES:
        raise ViewUnavailable(f"Unbekannte Darstellung „{scale[:20]}“ (möglich: {', '.join(SERIES_SCALES)}).")
    indicator = _indicator(indicator_id)
    regions = data.focus_regions()
    names = dict(regions.select("ags", "name").iter_rows())
    order = {ags: i for i, ags in enumerate(regions["ags"])}  # towns, Kreis, Regierungsbezirk, NRW
    values = data.indicator_values(indicator_id, [*towns, *comparison])
    if not values.height:
        raise ViewUnavailable("Für die gewählten Regionen gibt es zu diesem Indikator keine Werte.")
    values = values.filter(pl.col("ags").is_in(list(names))).with_columns(
        pl.col("ags").replace_strict(names).alias("region"),
        pl.col("ags").is_in(comparison).alias("comparison"),
        pl.col("ags").replace_strict(order, return_dtype=pl.Int32).alias("region_order"),
    ).sort("region_order", "period")
    meta = charts.ChartMeta(
        title=indicator["title"],
        subtitle=f"{region_label()}, {fmt_date(values['period'].min())} bis {fmt_date(values['period'].max())}",
        region=", ".join(dict.fromkeys(values["region"].to_list())),
        period=f"{fmt_date(values['period'].min())} bis {fmt_date(values['period'].max())}",
        unit=indicator["unit"],
        source=_source(indicator),
        licence=indicator["licence"],
        stand_label=_stand_label(indicator),
        data_stand=values["data_stand"].max(),
    )
    params = {"indicator_id": indicator_id, "towns": towns, "comparison": comparison, "scale": scale}
    last = values.filter(pl.col("period") == pl.col("period").max().over("ags"))
    summary = "Letzte Werte: " + "; ".join(
        f"{r['region']} {fmt_value(r['value'], indicator['unit'])} ({fmt_date(r['period'])})" for r in last.iter_rows(named=True)
    ) + "."
    original = pl.col("value").alias(f"Wert ({indicator['unit']})")
    if scale == "index":
        # a new series base (Zensus 2022) starts at 100 again: the two bases are never compared
        first = pl.col("value").sort_by("period").first().over("ags", pl.col("series_break").fill_null(""))
        values = values.with_columns((pl.col("value") / first * 100).alias("index"), pl.col("value").alias("original"))
        frame = values.select(
            pl.col("region").alias("Region"), pl.col("ags").alias("AGS"), pl.col("period").alias("Zeitpunkt"),
            pl.col("index").alias(f"Wert ({INDEX_UNIT})"), pl.col("original").alias(f"Originalwert ({indicator['unit']})"),
            pl.col("series_break").alias("Reihe"),
        )  # fmt: skip
        chart = charts.time_series(values.with_columns(pl.col("index").alias("value")), replace(meta, unit=INDEX_UNIT))
        summary += " Dargestellt als Index: der erste Stichtag jeder Region = 100 (nach einem Reihenbruch neu)."
        return View("indikator_verlauf", params, chart, meta, frame, summary=summary)
    frame = values.select(
        pl.col("region").alias("Region"), pl.col("ags").alias("AGS"), pl.col("period").alias("Zeitpunkt"),
        original, pl.col("series_break").alias("Reihe"),
    )  # fmt: skip
    second_axis = _needs_second_axis(values)
    if second_axis:
        summary += f" {SECOND_AXIS_NOTE}"
    chart = charts.time_series(values, meta, second_axis=second_axis)
    return View("indikator_verlauf", params, chart, meta, frame, summary=summary)


INDEX_UNIT = "Index, erster Stichtag = 100"
SECOND_AXIS_NOTE = "Die Vergleichsgebiete haben eine eigene Achse rechts."


def _spread(values: pl.Series) -> float:
    """How many times the largest magnitude exceeds the smallest (1 for one or no value)."""
    sizes = values.abs().drop_nulls()
    sizes = sizes.filter(sizes > 0)
    return float(sizes.max() / sizes.min()) if sizes.len() else 1.0


def _needs_second_axis(values: pl.DataFrame) -> bool:
    """True when towns and comparison regions are shown and differ in size by more than
    SECOND_AXIS_RATIO (the towns of a Kreis beside NRW: thousands beside millions)."""
    largest = values.group_by("comparison").agg(pl.col("value").abs().max())
    return largest.height == 2 and _spread(largest["value"]) > SECOND_AXIS_RATIO


def series_default_scale(indicator_id: str, towns: list[str], comparison: list[str]) -> str:
    """ "index" when even two axes would squash a line (the comparison regions differ in size among
    themselves, like a Kreis and NRW), else "werte" (towns left, comparison regions right if needed).
    Decided once per build and choice: the page asks on every rerun."""
    return _default_scale(indicator_id, tuple(towns), tuple(comparison))


@data.once_per_build(maxsize=128)
def _default_scale(indicator_id: str, towns: tuple, comparison: tuple) -> str:
    view = indicator_series(indicator_id, list(towns), list(comparison), "werte")
    value = next(c for c in view.frame.columns if c.startswith("Wert"))
    largest = view.frame.filter(pl.col("AGS").is_in(list(comparison))).group_by("AGS").agg(pl.col(value).abs().max())[value]
    return "index" if SECOND_AXIS_NOTE in view.summary and _spread(largest) > SECOND_AXIS_RATIO else "werte"


@per_build
def indicator_ranking(indicator_id: str, period: str | date | None = None) -> View:
    indicator = _indicator(indicator_id)
    towns = data.focus_regions().filter(pl.col("level") == "gemeinde")
    names = dict(towns.select("ags", "name").iter_rows())
    values = data.indicator_values(indicator_id, list(names))
    if not values.height:
        raise ViewUnavailable("Für die Städte und Gemeinden gibt es zu diesem Indikator keine Werte.")
    chosen = date.fromisoformat(str(period)) if period else values["period"].max()
    current = values.filter(pl.col("period") == chosen).with_columns(pl.col("ags").replace_strict(names).alias("region"))
    if not current.height:
        raise ViewUnavailable(f"Für den {fmt_date(chosen)} gibt es zu diesem Indikator keine Werte.")
    ranked = charts.rank_towns(current, indicator["direction"])
    meta = charts.ChartMeta(
        title=f"{indicator['title']}: Rangfolge",
        subtitle=f"{region_label()}, {fmt_date(chosen)}",
        region=f"Städte und Gemeinden, {region_label()}", period=fmt_date(chosen),
        unit=indicator["unit"],
        source=_source(indicator),
        licence=indicator["licence"],
        stand_label=_stand_label(indicator),
        data_stand=ranked["data_stand"].max(),
    )
    frame = ranked.select(pl.col("rank").alias("Rang"), pl.col("region").alias("Stadt"),
                          pl.col("value").alias(f"Wert ({indicator['unit']})"))  # fmt: skip
    params = {"indicator_id": indicator_id, "period": chosen.isoformat()}
    summary = _ranking_sentence(ranked, indicator["unit"], "Städten und Gemeinden")
    chart = charts.ranking(ranked, meta, indicator["direction"])
    return View("indikator_rangfolge", params, chart, meta, frame, summary=summary)


def _ranking_sentence(ranked: pl.DataFrame, unit: str, of_what: str) -> str:
    """ "Rang 1 von 10 Städten und Gemeinden: Höxter (28.166 Personen); Rang 10: Nieheim (6.000 Personen)." """
    valued = ranked.filter(pl.col("value").is_not_null())
    if not valued.height:
        return "Keine Werte."
    first, last = valued.row(0, named=True), valued.row(valued.height - 1, named=True)
    text = f"Rang 1 von {valued.height} {of_what}: {first['region']} ({fmt_value(first['value'], unit)})"
    if valued.height > 1:
        text += f"; Rang {last['rank']}: {last['region']} ({fmt_value(last['value'], unit)})"
    return text + "."


@per_build
def indicator_map(
    indicator_id: str, period: str | date | None = None, scheme: str = "quantile", k: int = 5, whole_land: bool = False
) -> View:
    indicator = _indicator(indicator_id)
    shapes = data.area_topology("gemeinde", whole_land)
    areas, names = shapes.topology, shapes.names
    if not areas.keys:
        raise ViewUnavailable("Noch keine Gebietsgrenzen geladen.")
    values = data.indicator_values_at_level(indicator_id, "gemeinde", whole_land)
    if not values.height:
        raise ViewUnavailable("Für die Gemeinden gibt es zu diesem Indikator keine Werte.")
    chosen = date.fromisoformat(str(period)) if period else values["period"].max()
    current = charts.rank_towns(values.filter(pl.col("period") == chosen), indicator["direction"])
    fmt = charts.value_format(current["value"], indicator["unit"])
    decimals = {",.0f": 0, ",.2f": 2}.get(fmt, 1)
    by_ags = {r["ags"]: r for r in current.iter_rows(named=True)}
    classes = charts.classify(
        [by_ags[a]["value"] if a in by_ags else None for a in areas.keys], scheme, k, indicator["direction"],
        lambda v: fmt_number(v, decimals),
    )  # fmt: skip
    properties = []
    for ags, cls in zip(areas.keys, classes.index):
        row = by_ags.get(ags)
        properties.append({
            "ags": ags, "name": names[ags],
            "klasse": charts.MISSING_CLASS if cls is None else classes.labels[cls],
            "wert": f"{fmt_number(row['value'], decimals)} {indicator['unit']}" if row else charts.MISSING_CLASS,
            "rang": f"{row['rank']} von {current.height}" if row else "–",
            "stand": fmt_date(row["data_stand"]) if row else "–",
        })  # fmt: skip
    outline = None
    if whole_land:
        kreis = data.area_topology("kreis", whole_land=False).topology
        outline = kreis.with_properties([{} for _ in kreis.keys])
    meta = charts.ChartMeta(
        title=f"{indicator['title']} ({indicator['unit']})",
        subtitle=f"{'Gemeinden in NRW' if whole_land else region_label()}, {fmt_date(chosen)}",
        region="Gemeinden in NRW" if whole_land else f"Gemeinden, {region_label()}", period=fmt_date(chosen),
        unit=indicator["unit"],
        source=f"{_source(indicator)}; Geometrie: {data.boundary_attribution()}",
        licence=indicator["licence"],
        stand_label=_stand_label(indicator),
        data_stand=current["data_stand"].max(),
    )
    frame = pl.DataFrame({
        "Gemeinde": [p["name"] for p in properties], "AGS": list(areas.keys),
        f"Wert ({indicator['unit']})": [by_ags[a]["value"] if a in by_ags else None for a in areas.keys],
        "Klasse": [p["klasse"] for p in properties],
    })  # fmt: skip
    params = {"indicator_id": indicator_id, "period": chosen.isoformat(), "scheme": scheme, "k": k, "whole_land": whole_land}
    # 396 names would cover the map of the Land; the towns of a Kreis are named (also in every export)
    labels = None if whole_land else shapes.labels
    chart = charts.choropleth(areas.with_properties(properties), classes, meta, outline=outline, labels=labels)
    named = current.with_columns(pl.col("ags").replace_strict(names, default=pl.col("ags")).alias("region"))
    summary = f"Karte der {len(areas.keys)} Gemeinden, eingefärbt nach Klassen. " + _ranking_sentence(
        named, indicator["unit"], "Gemeinden"
    )
    missing = sum(1 for a in areas.keys if a not in by_ags)
    if missing:
        summary += f" Ohne Angabe: {missing}."
    return View("indikator_karte", params, chart, meta, frame, classes, summary=summary)


REGISTER_SOURCE = "Projektregister des Kreises"
REGISTER_LICENCE = "intern"


@per_build
def kpi_history(kpi_id: str) -> View:
    kpis = data.kpi_progress()
    found = kpis.filter(pl.col("kpi_id") == kpi_id) if kpis.height else kpis
    if not found.height:
        raise ViewUnavailable(f"Die Kennzahl „{kpi_id}“ gibt es nicht (mehr).")
    kpi = found.row(0, named=True)
    history = data.kpi_measurements(kpi_id)
    if not history.height:
        raise ViewUnavailable("Noch keine Messwerte erfasst.")
    path = pl.DataFrame(schema={"date": pl.Date, "value": pl.Float64})
    if kpi["baseline_value"] is not None and kpi["target_value"] is not None:
        path = pl.DataFrame({"date": [date(kpi["baseline_year"], 12, 31), date(kpi["target_year"], 12, 31)],
                             "value": [kpi["baseline_value"], kpi["target_value"]]})  # fmt: skip
    meta = charts.ChartMeta(
        title=kpi["title"], subtitle=f"{region_label()} · {kpi['status_label']}", unit=kpi["unit"], region=region_label(),
        period=f"{fmt_date(history['date'].min())} bis {fmt_date(history['date'].max())}",
        source=REGISTER_SOURCE, licence=REGISTER_LICENCE, data_stand=history["date"].max(),
    )  # fmt: skip
    frame = history.select(pl.col("date").alias("Datum"), pl.col("value").alias(f"Wert ({kpi['unit']})"),
                           pl.col("source").alias("Quelle / Bemerkung"))  # fmt: skip
    latest = history.sort("date").row(history.height - 1, named=True)
    summary = f"Letzter Messwert am {fmt_date(latest['date'])}: {fmt_value(latest['value'], kpi['unit'])}; {kpi['status_label']}"
    if kpi["target_value"] is not None:
        summary += f"; Ziel {fmt_value(kpi['target_value'], kpi['unit'])} bis {kpi['target_year']}"
    chart = charts.kpi_history(history, path, meta)
    return View("kennzahl_verlauf", {"kpi_id": kpi_id}, chart, meta, frame, summary=summary + ".")


@per_build
def measures_timeline() -> View:
    measures = data.measures()
    if not measures.height:
        raise ViewUnavailable("Noch keine Maßnahmen im Projektregister.")
    as_of = measures["as_of"][0]
    meta = charts.ChartMeta(
        title="Maßnahmen im Zeitplan", subtitle=f"{region_label()} · alle Handlungsfelder · Stand {fmt_date(as_of)}",
        unit="", source=REGISTER_SOURCE, licence=REGISTER_LICENCE, data_stand=as_of, region=region_label(),
    )  # fmt: skip
    frame = measures.sort("handlungsfeld_position", "start_date").select(
        pl.col("handlungsfeld").alias("Handlungsfeld"), pl.col("title").alias("Maßnahme"), pl.col("status").alias("Status"),
        pl.col("start_date").alias("Beginn"), pl.col("end_date").alias("Ende"), pl.col("milestone").alias("Nächster Meilenstein"),
        pl.col("milestone_due").alias("fällig am"), pl.col("town_names").alias("Städte"),
    )  # fmt: skip
    counts = measures.group_by("status").len().sort("len", descending=True)
    summary = f"{measures.height} Maßnahmen: " + ", ".join(f"{n} {status}" for status, n in counts.iter_rows()) + "."
    if overdue := int(measures["milestone_overdue"].fill_null(False).sum()):
        summary += f" Überfällige Meilensteine: {overdue}."
    chart = charts.measures_timeline(measures, as_of, meta)
    return View("massnahmen_zeitplan", {}, chart, meta, frame, summary=summary)


@per_build
def funding(programme_id: str, town_ags: str | None = None) -> View:
    rows = data.funding().filter(pl.col("programme_id") == programme_id)
    total = rows.filter(pl.col("town_ags").is_null() if town_ags is None else pl.col("town_ags") == town_ags)
    if not total.height:
        raise ViewUnavailable(f"Das Förderprogramm „{programme_id}“ gibt es nicht (für diese Stadt).")
    row = total.row(0, named=True)
    timeline = data.funding_timeline(programme_id, town_ags)
    if not timeline.height:
        raise ViewUnavailable("Noch keine Buchungen.")
    budget = row["budget"] if town_ags is None else row["allocation"]
    meta = charts.ChartMeta(
        title=f"{row['programme']}", subtitle=f"{row['town_name'] if town_ags else 'Programm gesamt'} · Fördergeber: {row['funder']}",
        region=row["town_name"] if town_ags else f"Programm gesamt, {region_label()}",
        period=f"{fmt_date(timeline['date'].min())} bis {fmt_date(timeline['date'].max())}",
        unit="Euro", source=REGISTER_SOURCE, licence=REGISTER_LICENCE, data_stand=timeline["date"].max(),
    )  # fmt: skip
    frame = timeline.select(pl.col("date").alias("Datum"), pl.col("committed").alias("Bewilligt (€)"),
                            pl.col("called").alias("Abgerufen (€)"), pl.col("spent").alias("Ausgegeben (€)"))  # fmt: skip
    params = {"programme_id": programme_id, "town_ags": town_ags}
    now = timeline.sort("date").row(timeline.height - 1, named=True)
    summary = (f"Stand {fmt_date(now['date'])}: bewilligt {fmt_number(now['committed'])} €, abgerufen {fmt_number(now['called'])} €, "
               f"ausgegeben {fmt_number(now['spent'])} €")  # fmt: skip
    if budget is not None:
        summary += f" von {fmt_number(budget)} €"
    chart = charts.funding_timeline(timeline, meta, budget)
    return View("foerdermittel_verlauf", params, chart, meta, frame, summary=summary + ".")


@per_build
def supply_map(distance_m: int = 1000, full_range: bool = True, extra: dict | None = None) -> View:
    points = data.supply_points()
    if not points.height:
        raise ViewUnavailable("Noch keine Nahversorgungspunkte geladen.")
    cells = data.display_cells(full_range)
    towns = data.region_shapes("gemeinde", whole_land=False)
    shapes = [{"type": "Feature", "geometry": json.loads(g), "name": n} for n, g in towns.select("name", "geojson").iter_rows()]
    stamps = points["data_date"].drop_nulls()
    meta = charts.ChartMeta(
        title="Nahversorgung: Entfernung zum nächsten " + ("Supermarkt oder Discounter" if full_range else "Versorgungspunkt"),
        subtitle=f"{region_label()}, Bevölkerung im 500-m-Raster (Zensus 2022)",
        region=region_label(),
        unit="m",
        source=f"OpenStreetMap-Mitwirkende (ODbL), Register des Kreises; Zensus 2022; {data.boundary_attribution()}",
        licence="ODbL / dl-de/by-2-0",
        data_stand=stamps.max() if stamps.len() else None,
    )  # fmt: skip
    frame = points.select(pl.col("name").alias("Name"), pl.col("category").alias("Kategorie"), pl.col("town").alias("Gemeinde"),
                          pl.col("origin").alias("Quelle"), pl.col("lat").alias("Breite"), pl.col("lon").alias("Länge"))  # fmt: skip
    params = {"distance_m": distance_m, "full_range": full_range}
    shown = points.select("lon", "lat", "name", "category", "origin", "town")
    summary = (f"Karte mit {fmt_number(points.height)} Versorgungspunkten und {fmt_number(cells.height)} bewohnten Rasterzellen; "
               "die Farbe einer Zelle zeigt die Luftlinie zum nächsten Punkt.")  # fmt: skip
    chart = charts.supply_map(shapes, cells, shown, meta, extra)
    return View("nahversorgung_karte", params, chart, meta, frame, summary=summary)


TOWN_COLOUR, OTHER_TOWNS_COLOUR = "#084594", "#dfe6ee"


@per_build
def town_location(ags: str) -> View:
    """The Kreis with one town filled dark and the others light, all named: where the town lies
    (the map of the Stadtprofil)."""
    shapes = data.area_topology("gemeinde", whole_land=False)
    areas, names = shapes.topology, shapes.names
    if ags not in names:
        raise ViewUnavailable(f"Für die Gemeinde {ags} sind keine Gebietsgrenzen geladen.")
    town, others = names[ags], "übrige Städte und Gemeinden"
    stand, stand_label = data.boundary_stand()
    classes = charts.Classes([town, others], [TOWN_COLOUR, OTHER_TOWNS_COLOUR], [0 if a == ags else 1 for a in areas.keys])
    properties = [{"ags": a, "name": names[a], "klasse": town if a == ags else others, "wert": "", "rang": "", "stand": ""}
                  for a in areas.keys]  # fmt: skip
    meta = charts.ChartMeta(
        title=f"{town} im {region_label()}", subtitle=f"{len(areas.keys)} Städte und Gemeinden", unit="Lage",
        source=f"Geometrie: {data.boundary_attribution()}", licence="dl-de/by-2-0", region=town,
        data_stand=stand, stand_label=stand_label,
    )  # fmt: skip
    frame = pl.DataFrame({"Gemeinde": [names[a] for a in areas.keys], "AGS": list(areas.keys),
                          "ausgewählt": [a == ags for a in areas.keys]})  # fmt: skip
    chart = charts.choropleth(areas.with_properties(properties), classes, meta, selectable=False, height=420,
                              labels=shapes.labels, missing=False)  # fmt: skip
    summary = f"Karte: {region_label()} mit {len(areas.keys)} Städten und Gemeinden; {town} ist dunkel hervorgehoben."
    return View("stadt_lage", {"ags": ags}, chart, meta, frame, classes, summary=summary)


BUILDERS = {"indikator_verlauf": indicator_series, "indikator_rangfolge": indicator_ranking, "indikator_karte": indicator_map,
            "kennzahl_verlauf": kpi_history, "foerdermittel_verlauf": funding, "massnahmen_zeitplan": measures_timeline,
            "nahversorgung_karte": supply_map, "stadt_lage": town_location}  # fmt: skip
TITLES = {"indikator_verlauf": "Zeitreihe", "indikator_rangfolge": "Rangfolge", "indikator_karte": "Karte",
          "kennzahl_verlauf": "Kennzahl", "foerdermittel_verlauf": "Fördermittel", "massnahmen_zeitplan": "Zeitplan",
          "nahversorgung_karte": "Nahversorgung", "stadt_lage": "Lage der Stadt"}  # fmt: skip


def build(name: str, params: dict) -> View:
    if name not in BUILDERS:
        raise ViewUnavailable(f"Unbekannte Ansicht „{name}“.")
    return BUILDERS[name](**params)
