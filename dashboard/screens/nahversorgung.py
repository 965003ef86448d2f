"""Nahversorgung: how many people live within reach of a grocery supply point — per town and for
the Kreis, at 500 m, 1 000 m (BBSR) or any distance — on a map of supply points and population,
and scenarios: what would a new village shop or vending station change, and for which villages."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import streamlit as st

from dashboard import data, ui, views

# below FULL_GRID the figures carry a warning, below MIN_GRID no share is given at all: it would
# describe only part of the people (the Stadtprofil follows the same rule)
from dashboard.profile import FULL_GRID, MIN_GRID
from pipelines.german import fmt_date, fmt_number, fmt_share
from pipelines.register.model import MOBILE_CATEGORIES, SUPPLY_CATEGORIES

SCENARIOS = "nahversorgung_szenarien"


def _completeness_warning(completeness: float, row: dict) -> str:
    covered = f"Gitter deckt nur {fmt_number(100 * completeness, 0)} % der Einwohner ab"
    detail = (f" ({fmt_number(row['population'])} von {fmt_number(row['population_official'])} laut amtlicher "
              "Bevölkerungszahl)")  # fmt: skip
    if completeness < MIN_GRID:
        return covered + detail + ": ein Anteil für den Kreis wird nicht angezeigt. Das vollständige Zensus-Gitter einlesen."
    return covered + detail + ": die Anteile gelten nur für die erfassten Menschen."


def _pct(part, whole) -> str:
    return "–" if not whole else f"{fmt_number(100 * part / whole, 1)} %"


def _coordinate(container, label: str, default: float, low: float, high: float, enabled: bool) -> float | None:
    """A coordinate typed the German way (51,7234); anything else is refused with a message."""
    text = container.text_input(label, value=fmt_number(default, 4).replace(".", ""), disabled=not enabled,
                                help="Dezimalgrad mit Komma, z. B. 51,7234")  # fmt: skip
    if not enabled:
        return default
    cleaned = text.strip().replace(" ", "")
    try:
        if "." in cleaned or cleaned.count(",") > 1:
            raise ValueError
        value = float(cleaned.replace(",", "."))
    except ValueError:
        container.error(f"{label}: „{text}“ ist keine Koordinate (Dezimalgrad mit Komma, z. B. 51,7234).")
        return None
    if not low <= value <= high:
        container.error(f"{label}: {fmt_number(value, 4)} liegt nicht in Deutschland ({fmt_number(low, 0)} bis {fmt_number(high, 0)}).")
        return None
    return value


@dataclass(frozen=True)
class PointChoices:
    labels: dict[str, str]  # point id → label, the points in the Kreis
    centre: tuple[float, float]  # lat, lon: where a new point starts
    mobile: int  # mobile and part-time points in the register
    stamp: str  # Stand of the supply points


@data.once_per_build(maxsize=2)
def _point_choices() -> PointChoices:
    """What the page shows of the supply points, worked out once per warehouse build."""
    points = data.supply_points()
    local = points.filter(pl.col("in_region"))
    labels = {r["point_id"]: f"{r['name'] or r['category']} ({r['town']}, {r['category']})" for r in local.iter_rows(named=True)}
    centre = (float(points["lat"].mean()), float(points["lon"].mean())) if points.height else (51.7, 9.2)
    stamps = points["data_date"].drop_nulls()
    return PointChoices(labels, centre, points.filter(pl.col("category").is_in(list(MOBILE_CATEGORIES))).height,
                        fmt_date(stamps.max()) if stamps.len() else "unbekannt")  # fmt: skip


def _scenario(distance: int, full_range: bool, choices: PointChoices) -> dict | None:
    st.header("Szenario: Versorgungspunkt hinzufügen oder wegnehmen")
    st.caption("Wem hilft ein neuer Dorfladen, ein Automat oder ein Verkaufswagen-Halt – und wen trifft eine Schließung?")
    name = st.text_input("Name des Szenarios", value="Neuer Dorfladen")
    cols = st.columns([1, 1, 1, 1])
    add = cols[0].toggle("Punkt hinzufügen", value=True)
    default_lat, default_lon = choices.centre
    # coordinates as German text ("51,7234"): the browser's number field would misread a comma
    lat = _coordinate(cols[1], "Breite", default_lat, 47.0, 56.0, add)
    lon = _coordinate(cols[2], "Länge", default_lon, 5.0, 16.0, add)
    if lat is None or lon is None:
        add = False
    category = cols[3].selectbox("Kategorie", SUPPLY_CATEGORIES, index=SUPPLY_CATEGORIES.index("Dorfladen"), disabled=not add)
    labels = choices.labels
    removed = st.multiselect("Bestehende Punkte wegnehmen", list(labels), format_func=labels.__getitem__,
                             placeholder="Punkte auswählen …")
    added = [{"lon": lon, "lat": lat, "category": category}] if add else []
    towns, places = data.scenario(added, removed, distance, full_range)
    change = int(towns["after"].sum() - towns["before"].sum()) if towns.height else 0
    on_foot = int(towns["after_network"].sum() - towns["before_network"].sum()) if towns.height else 0
    left_metric, right_metric = st.columns(2)
    left_metric.metric(f"Veränderung der Versorgten, Luftlinie ≤ {fmt_number(distance)} m",
                       f"{'+' if change > 0 else ''}{fmt_number(change)} Menschen")  # fmt: skip
    if data.network_rows():
        right_metric.metric(f"Veränderung der Versorgten, Fußweg ≤ {fmt_number(distance)} m",
                            f"{'+' if on_foot > 0 else ''}{fmt_number(on_foot)} Menschen")  # fmt: skip
    if full_range and add and category != "Vollsortiment":
        st.caption("Für die BBSR-Kennzahl zählen nur Supermärkte und Discounter; ein anderer neuer Punkt ändert sie nicht.")
    if places.height:
        st.markdown("**Orte, deren Versorgung in Reichweite sich ändert:** " + ", ".join(
            f"{r['name']} ({r['town']}: {fmt_number(r['bisher_m'])} m → {fmt_number(r['neu_m'])} m)"
            for r in places.iter_rows(named=True)))  # fmt: skip
    saved = st.session_state.setdefault(SCENARIOS, [])
    if st.button("Szenario speichern", icon=":material/bookmark_add:"):
        saved.append({"Szenario": name, "Hinzugefügt": f"{category} ({lat:.4f}, {lon:.4f})" if add else "–",
                      "Weggenommen": ", ".join(labels[p] for p in removed) or "–", "Entfernung (m)": distance,
                      "Veränderung": change, "Orte": ", ".join(places["name"].to_list())})  # fmt: skip
    if saved:
        st.markdown("**Gespeicherte Szenarien im Vergleich**")
        ui.table(pl.DataFrame(saved).sort("Veränderung", descending=True))
    return {"lon": lon, "lat": lat, "name": name} if add else None


BBSR_FIVE = {"Vollsortiment": "Supermarkt/Discounter", "Hausarzt": "Hausarztpraxis", "Apotheke": "Apotheke",
             "Grundschule": "Grundschule", "Haltestelle": "ÖV-Haltestelle", "alle fünf": "alle fünf erreichbar",
             "keine der fünf": "keine der fünf erreichbar"}  # fmt: skip


def _on_foot(shown: bool) -> None:
    """Straight line against the path network, for the five services of the BBSR's 2025 analysis."""
    st.header("Zu Fuß auf dem Wegenetz: die fünf Einrichtungen des BBSR (2025)")
    if not data.network_rows():
        st.info("Noch kein Wegenetz geladen: `xregion refresh --source wegenetz` fragt es bei OpenStreetMap ab, ohne "
                "Internet eine `.osm`-Datei mit `xregion import <Datei>` einlesen (siehe Seite **Daten**). Bis dahin "
                "gelten alle Entfernungen als Luftlinie.")  # fmt: skip
        return
    reach = data.reach_coverage()
    region = data.settings().region.ags
    kreis = {r["category"]: r for r in reach.filter(pl.col("ags") == region).iter_rows(named=True)}
    if not kreis:
        st.info("Im Bevölkerungsgitter liegt keine bewohnte Zelle des Kreises (siehe Seite **Daten**).")
        return
    any_row = next(iter(kreis.values()))
    st.metric("Nicht ans Wegenetz angebunden (über 500 m vom nächsten Weg)",
              f"{fmt_number(any_row['population_not_connected'])} Menschen")  # fmt: skip
    rows = [{"Einrichtung": label,
             "Luftlinie ≤ 1.000 m": fmt_share(kreis[c]["share_1000_straight"]) if c in kreis and shown else "–",
             "Fußweg ≤ 1.000 m": fmt_share(kreis[c]["share_1000_network"]) if c in kreis and shown else "–",
             "zu Fuß ≤ 15 min": fmt_share(kreis[c]["share_15_min"]) if c in kreis and shown else "–",
             "zu Fuß ≤ 10 min": fmt_share(kreis[c]["share_10_min"]) if c in kreis and shown else "–"}
            for c, label in BBSR_FIVE.items()]  # fmt: skip
    ui.table(pl.DataFrame(rows))
    st.caption(
        "**Luftlinie:** gerade Entfernung von der Rasterzelle zum nächsten Punkt (BBSR-Methode bis 2022). "
        "**Fußweg:** entlang der begehbaren OpenStreetMap-Wege, mit dem geraden Weg von der Zelle und vom Punkt zum "
        f"nächsten Wegeknoten; Gehzeit bei 4,5 km/h. Vergleich BBSR 2025: in ländlichen Gemeinden erreichen "
        f"{fmt_share(any_row['bbsr_2025_rural_none'])} der Menschen keine der fünf Einrichtungen zu Fuß "
        "(Analysen Kompakt 01/2025). "
        # OSM rarely tags a speciality, so untagged practices count; the reader must know it
        "**Hausarztpraxis:** Arztpraxen aus OpenStreetMap mit Fachrichtung Allgemeinmedizin oder ohne Angabe einer "
        "Fachrichtung; Praxen, die eine andere Fachrichtung angeben, zählen nicht."
    )
    towns = reach.filter((pl.col("ags") != region))
    by_town: dict[str, dict] = {}
    for r in towns.iter_rows(named=True):
        by_town.setdefault(r["name"], {})[r["category"]] = r
    table = [{"Stadt": name,
              "Supermarkt Luftlinie ≤ 1.000 m": fmt_share(c.get("Vollsortiment", {}).get("share_1000_straight")) if shown else "–",
              "Supermarkt Fußweg ≤ 1.000 m": fmt_share(c.get("Vollsortiment", {}).get("share_1000_network")) if shown else "–",
              "keine der fünf zu Fuß ≤ 15 min": fmt_share(c.get("keine der fünf", {}).get("share_15_min")) if shown else "–",
              "nicht angebunden": fmt_number(next(iter(c.values()))["population_not_connected"])}
             for name, c in sorted(by_town.items())]  # fmt: skip
    if table:
        ui.table(pl.DataFrame(table))


def _days_per_week(choices: PointChoices) -> None:
    """Mobile and part-time supply: on how many days a week people are supplied within 1 000 m."""
    st.header("Wie oft versorgt? Tage je Woche (bis 1.000 m)")
    table, villages = _days_table()
    if table is None:
        return
    st.caption(
        "Ein Dorfladen von Montag bis Freitag und der Verkaufswagen am Samstag ergeben sechs Tage. Gezählt werden die Tage "
        "aller Lebensmittelpunkte bis 1.000 m Luftlinie: Wochentage aus dem Register (Verkaufswagen, Abholpunkte: "
        f"{fmt_number(choices.mobile)} im Register), sonst die Öffnungszeiten aus OpenStreetMap, ohne Angabe Mo–Sa."
    )
    ui.table(table)
    if villages:
        st.markdown("**Orte mit weniger als sechs Versorgungstagen:** " + villages)


@data.once_per_build(maxsize=2)
def _days_table():
    """The table of supply days and the villages below six days, once per warehouse build."""
    by_days = data.supplied_days()
    total = int(by_days["population"].sum()) if by_days.height else 0
    if not total:
        return None, ""
    rows = {r["supplied_days"]: r for r in by_days.iter_rows(named=True)}
    table = [{"versorgt an": f"{d} Tag{'en' if d != 1 else ''} je Woche" if d else "keinem Tag (kein Punkt bis 1.000 m)",
              "Menschen (Gitter)": fmt_number(rows[d]["population"] if d in rows else 0),
              "Anteil": _pct(rows[d]["population"] if d in rows else 0, total)} for d in range(7, -1, -1)]  # fmt: skip
    villages = "; ".join(f"{r['name']} ({r['town']}): {r['supplied_days']} – {r['supplied_weekdays'] or 'kein Punkt'}"
                         for r in data.villages_by_days().iter_rows(named=True))  # fmt: skip
    return pl.DataFrame(table).to_arrow(), villages


@dataclass(frozen=True)
class Coverage:
    kreis: dict | None  # the Kreis row of marts.nahversorgung at this distance
    towns: object  # the table per town, as Arrow


@data.once_per_build(maxsize=32)
def _coverage(distance: int, full_range: bool) -> Coverage:
    """Coverage of the Kreis and the table per town at one distance, once per warehouse build."""
    coverage = data.coverage_at(distance, full_range)
    region = data.settings().region.ags
    kreis = coverage.filter(pl.col("ags") == region)
    # rows built in Python: no polars callbacks per request (they can deadlock under Streamlit's threads)
    table = pl.DataFrame(
        [
            {
                "Stadt": r["name"],
                "Einwohner (Gitter)": fmt_number(r["population"]),
                "Einwohner (amtlich)": fmt_number(r["population_official"]) if r["population_official"] else "–",
                "Gitterabdeckung": _pct(r["grid_completeness"], 1) if r["grid_completeness"] is not None else "–",
                f"Anteil ≤ {distance} m": (
                    _pct(r["population_within"], r["population"])
                    if r["grid_completeness"] is None or r["grid_completeness"] >= MIN_GRID else "– (Gitter unvollständig)"
                ),
                "Zellen ohne Versorgung": r["cells_without"],
            }
            for r in coverage.filter(pl.col("ags") != region).iter_rows(named=True)
        ]
    )
    return Coverage(kreis.row(0, named=True) if kreis.height else None, table.to_arrow())


def render() -> None:
    ui.page_header("Nahversorgung", f"{ui.region_label()} — Lebensmittel in erreichbarer Nähe (#SNZ)")
    if not data.warehouse_exists():
        ui.missing_data_notice()
        return
    points = data.supply_points()
    cells = data.query("SELECT count(*) AS n FROM marts.nahversorgung_cells")
    if not points.height or not cells.height or not cells.item(0, 0):
        st.info(
            "Für die Nahversorgung fehlen noch Daten: die Versorgungspunkte (`xregion refresh --source osm`), das "
            "Bevölkerungsgitter (`xregion refresh --source zensus`, braucht die Gebietsgrenzen) – siehe Seite **Daten**."
        )
        return
    left, right = st.columns([1, 2])
    measure = left.radio("Versorgungspunkte", ["Supermarkt oder Discounter (BBSR)", "alle Kategorien"], horizontal=False)
    full_range = measure.startswith("Supermarkt")
    distance = right.select_slider("Entfernung (Luftlinie)", options=[300, 500, 750, 1000, 1500, 2000, 3000], value=1000,
                                   format_func=lambda m: f"{fmt_number(m)} m")  # fmt: skip
    coverage = _coverage(distance, full_range)
    kreis_row = coverage.kreis
    if not kreis_row or not kreis_row["population"]:
        st.info(
            "Im Bevölkerungsgitter liegt keine bewohnte Zelle im Gebiet des Kreises. Vermutlich wurde das Gitter für "
            "ein anderes Gebiet eingelesen oder die Gebietsgrenzen fehlen – siehe Seite **Daten**."
        )
        return
    completeness = kreis_row["grid_completeness"]
    if completeness is not None and completeness < FULL_GRID:
        st.warning(f":material/warning: {_completeness_warning(completeness, kreis_row)}")
    cols = st.columns(3)
    shown = completeness is None or completeness >= MIN_GRID
    cols[0].metric(f"Kreis: Anteil ≤ {fmt_number(distance)} m",
                   _pct(kreis_row["population_within"], kreis_row["population"]) if shown else "–")  # fmt: skip
    cols[1].metric("Menschen ohne Versorgung in Reichweite (im Gitter)",
                   fmt_number(kreis_row["population"] - kreis_row["population_within"]) if shown else "–")  # fmt: skip
    cols[2].metric("Bewohnte 100-m-Zellen ohne Versorgung", fmt_number(kreis_row["cells_without"]))
    if full_range and distance == 1000 and shown:
        st.caption("Vergleich BBSR (1 000 m, Supermarkt/Discounter): NRW 81 %, Deutschland 74 %.")
    choices = _point_choices()
    extra = None
    with st.container():
        map_slot = st.empty()
        ui.table(coverage.towns)
        _on_foot(shown)
        _days_per_week(choices)
        extra = _scenario(distance, full_range, choices)
        with map_slot.container():
            ui.show_view(views.supply_map(distance, full_range, extra), key="nahversorgung")
    st.download_button(
        "GeoPackage für QGIS", data.gpkg, f"nahversorgung-{data.settings().region.ags}.gpkg", "application/geopackage+sqlite3",
        icon=":material/layers:", help="Versorgungspunkte, Einrichtungen, Rasterzellen mit Entfernungen, Versorgung je "
        "Gemeinde und Gebiete – jede Ebene mit ihrem Koordinatensystem (xregion export --gpkg).",
    )  # fmt: skip
    st.caption(
        f"Quellen: Versorgungspunkte © OpenStreetMap-Mitwirkende (ODbL), Stand {choices.stamp}"
        " – ergänzt um Punkte aus dem Register des Kreises; Bevölkerung: Zensus 2022, 100-m-Gitter (dl-de/by-2-0); "
        f"Grenzen: {data.boundary_attribution()}. Entfernungen als Luftlinie zum nächsten Punkt (bis 10 km gesucht)."
    )
