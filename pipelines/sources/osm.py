"""Grocery supply points from OpenStreetMap (Overpass API), and the other four services of the
BBSR's walking analysis of 2025 (Hausarzt, Apotheke, Grundschule, ÖV-Haltestelle).

One request for the region (its bounding box plus a margin, so shops just across the border
that serve border villages are included), a descriptive User-Agent (Overpass answers 406
without one), at least 30 s wait on HTTP 429, never in parallel, never at page load. The OSM
data timestamp (`osm3s.timestamp_osm_base`) is kept as the data date. Classification into the
planner's categories happens in SQL (sql/staging/80_stg_osm__supply_points.sql).
"""

from __future__ import annotations

import json

import duckdb
import polars as pl

from pipelines.config import Settings
from pipelines.errors import SourceError
from pipelines.frames import execute_with
from pipelines.german import fmt_number
from pipelines.http import HttpClient
from pipelines.progress import Reporter
from pipelines.rawstore import RawFile, RawStore
from pipelines.sources.bkg import region_bounds
from pipelines.sources import ImportMatch, Source

NAME = "osm"
LICENCE = "Open Database License (ODbL) 1.0"
MEDIA = "overpass-json"
FOOD_SHOPS = "supermarket|discount|convenience|general|bakery|pastry|butcher|greengrocer|farm|kiosk|deli|beverages|dairy|cheese"
FOOD_VENDING = "food|groceries|milk|eggs|meat|sausage|bread|potato|vegetable|fruit|cheese|honey|regional"
VILLAGE_SHOP_NAMES = "Dorfladen|Dorfgemeinschaftsladen|Bürgerladen|Hofladen|Regiomat|Tante.?Enso"

RAW_DDL = """
CREATE TABLE raw.osm_elements (
    osm_type VARCHAR, osm_id BIGINT, lon DOUBLE, lat DOUBLE, name VARCHAR, tags JSON, osm_timestamp TIMESTAMPTZ
);
"""


def region_bbox(settings: Settings, margin_deg: float) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of the configured Kreis, with a margin; None without boundaries."""
    bounds = region_bounds(settings)
    if bounds is None:
        return None
    w, s, e, n = bounds
    return (s - margin_deg * 0.65, w - margin_deg, n + margin_deg * 0.65, e + margin_deg)


def overpass_query(settings: Settings) -> str:
    bbox = region_bbox(settings, settings.sources.osm.margin_deg)
    if bbox:
        scope, where = "", "({:.5f},{:.5f},{:.5f},{:.5f})".format(*bbox)
    else:  # no boundaries yet: the Kreis as an OSM area, by its official key
        scope = (f'area["boundary"="administrative"]["de:amtlicher_gemeindeschluessel"="{settings.region.ags}"]->.r;\n')
        where = "(area.r)"
    return (
        "[out:json][timeout:180];\n" + scope + "(\n"
        f'  nwr{where}["shop"~"^({FOOD_SHOPS})$"];\n'
        f'  nwr{where}["amenity"="vending_machine"]["vending"~"{FOOD_VENDING}",i];\n'
        f'  nwr{where}["amenity"="vending_machine"]["brand"~"Regiomat",i];\n'
        f'  nwr{where}["amenity"="marketplace"];\n'
        f'  nwr{where}["name"~"{VILLAGE_SHOP_NAMES}",i];\n'
        f'  node{where}["place"~"^(town|village|hamlet|suburb)$"];\n'  # the places people ask about
        # the other services of the BBSR's 2025 walking analysis
        f'  nwr{where}["amenity"~"^(doctors|pharmacy|school)$"];\n'
        f'  nwr{where}["healthcare"~"^(doctor|pharmacy)$"];\n'
        f'  node{where}["highway"="bus_stop"];\n'
        f'  nwr{where}["public_transport"="platform"];\n'
        f'  nwr{where}["railway"~"^(station|halt)$"];\n'
        ");\nout center tags;\n"
    )


def overpass_document(body: bytes, label: str) -> dict:
    """The decoded Overpass answer; an HTML page, broken JSON, JSON without a list of element
    objects or a runtime error is refused. Both OSM sources decode their answer once, through
    here (the path network runs to many MB)."""
    head = body[:300].lstrip().lower()
    if head.startswith(b"<") or b"<html" in head:
        raise SourceError(f"Overpass hat für {label} eine Webseite statt Daten geliefert.",
                          "Der Dienst ist vermutlich überlastet; später erneut versuchen.")  # fmt: skip
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SourceError(f"Overpass hat für {label} kein lesbares JSON geliefert.") from None
    return checked_overpass_document(doc, label)


def checked_overpass_document(doc, label: str) -> dict:
    """`doc`, already decoded, if it is an Overpass answer; refused as in `overpass_document`."""
    elements = doc.get("elements", []) if isinstance(doc, dict) else None
    if not isinstance(elements, list) or not all(isinstance(element, dict) for element in elements):
        raise SourceError(f"Overpass hat für {label} JSON ohne Liste „elements“ von Objekten geliefert – "
                          "keine Overpass-Antwort.",
                          "Die Abfrage als Overpass-JSON (`[out:json]`) ausführen oder exportieren.")  # fmt: skip
    if isinstance(doc.get("remark"), str) and "error" in doc["remark"].lower():
        raise SourceError(f"Overpass meldet für {label} einen Fehler: {doc['remark'][:200]}.", "Später erneut versuchen.")
    return doc


def parse_overpass(body: bytes, label: str) -> tuple[list[dict], str | None]:
    """Elements as rows and the OSM timestamp; refused as in `overpass_document`."""
    doc = overpass_document(body, label)
    rows = []
    for element in doc.get("elements", []):
        lat = element.get("lat", element.get("center", {}).get("lat"))
        lon = element.get("lon", element.get("center", {}).get("lon"))
        if lat is None or lon is None:
            continue
        tags = element.get("tags", {})
        rows.append({"osm_type": element["type"], "osm_id": element["id"], "lon": lon, "lat": lat,
                     "name": tags.get("name"), "tags": json.dumps(tags, ensure_ascii=False)})  # fmt: skip
    return rows, (doc.get("osm3s") or {}).get("timestamp_osm_base")


def fetch(settings: Settings, store: RawStore, reporter: Reporter) -> list[RawFile]:
    osm = settings.sources.osm
    with HttpClient(settings.http, "Die Overpass-API (OpenStreetMap)", reporter, min_wait_on_429_s=osm.min_wait_on_429_s) as client:
        response = client.post(osm.overpass_url, data={"data": overpass_query(settings)}, label="Nahversorgung (OSM)")
    rows, stamp = parse_overpass(response.body, "die Nahversorgungspunkte")
    reporter.info(f"OpenStreetMap: {fmt_number(len(rows))} Nahversorgungspunkte, Stand {stamp or 'unbekannt'}")
    return [store.put(NAME, "supply_points", response.body, url=response.url, origin="download", licence=LICENCE,
                      media=MEDIA, ext="json", data_stand=stamp[:10] if stamp else None)]  # fmt: skip


def recognise(filename: str, content: bytes) -> ImportMatch | None:
    if not content.lstrip()[:1] == b"{" or b'"elements"' not in content[:4096] or b"osm3s" not in content[:4096]:
        return None
    from pipelines.sources.wegenetz import is_network

    if is_network(content):
        return None  # the path network: source wegenetz
    rows, stamp = parse_overpass(content, filename)
    return ImportMatch(NAME, "supply_points", MEDIA, "json", f"OpenStreetMap-Export ({fmt_number(len(rows))} Punkte)",
                       data_stand=stamp[:10] if stamp else None)  # fmt: skip


def load(con: duckdb.DuckDBPyConnection, store: RawStore, files: list[RawFile], settings: Settings) -> None:
    for raw in files:
        rows, stamp = parse_overpass(store.read(raw), raw.path)
        frame = pl.DataFrame(rows, schema={"osm_type": pl.String, "osm_id": pl.Int64, "lon": pl.Float64, "lat": pl.Float64,
                                           "name": pl.String, "tags": pl.String})  # fmt: skip
        sql = "INSERT INTO raw.osm_elements SELECT *, ?::TIMESTAMPTZ FROM osm_batch"
        execute_with(con, "osm_batch", frame, sql, [stamp])


SOURCE = Source(
    name=NAME,
    title="Nahversorgungspunkte (OpenStreetMap)",
    licence=LICENCE,
    attribution="© OpenStreetMap-Mitwirkende",
    how_to_get=(
        "Online: `xregion refresh --source osm` fragt die Overpass-API einmal für den Kreis (mit Rand) ab. "
        "Ohne Internetzugang: die Abfrage auf overpass-turbo.eu ausführen, als JSON exportieren und mit "
        "`xregion import <Datei>` einlesen."
    ),
    raw_ddl=RAW_DDL,
    raw_tables=("osm_elements",),
    fetch=fetch,
    recognise=recognise,
    load=load,
    release_cycle_days=7,  # OSM changes daily; a weekly refresh keeps it current
)
