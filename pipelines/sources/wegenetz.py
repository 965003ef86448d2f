"""The path network a person can walk, from OpenStreetMap (Overpass API), for distances along
paths instead of the straight line (BBSR 2025).

One request for the Kreis plus the same margin as the supply points, by the same rules (own
User-Agent, never in parallel, at least 30 s after HTTP 429, the OSM timestamp as Stand): every
way with a walkable `highway` value that is not `access=private`/`no` or `foot=no`, with its
nodes, and the rivers and canals (`waterway=river|canal`), which no access leg to the network may
cross. Also importable as the Overpass JSON of that query or an `.osm` XML file (JOSM, Geofabrik
extracts cut with osmium). The graph is built at build time (`pipelines/network.py`)."""

from __future__ import annotations

import io
import json

import duckdb
import polars as pl

from pipelines.config import Settings
from pipelines.errors import ParseError, SourceError
from pipelines.frames import execute_with
from pipelines.german import fmt_number
from pipelines.http import HttpClient
from pipelines.progress import Reporter
from pipelines.rawstore import RawFile, RawStore
from pipelines.sources import ImportMatch, Source
from pipelines.sources.osm import LICENCE, checked_overpass_document, overpass_document, region_bbox

NAME = "wegenetz"
ITEM = "wege"
# the highway values a person may walk along (motorways and their links are not among them)
WALKABLE = ("footway", "path", "pedestrian", "steps", "living_street", "residential", "service", "track", "unclassified",
            "tertiary", "tertiary_link", "secondary", "secondary_link", "primary", "primary_link", "cycleway",
            "bridleway", "road", "trunk", "trunk_link", "corridor")  # fmt: skip
NO_ACCESS = ("private", "no")
# waters no access leg to the network may cross (streams and ditches have many unmapped footbridges)
BARRIER_WATERWAYS = ("river", "canal")

RAW_DDL = """
CREATE TABLE raw.osm_network_nodes (node_id BIGINT, lon DOUBLE, lat DOUBLE);
CREATE TABLE raw.osm_network_ways (
    way_id BIGINT, highway VARCHAR, foot VARCHAR, bicycle VARCHAR, access VARCHAR, waterway VARCHAR, nodes BIGINT[],
    osm_timestamp TIMESTAMPTZ
);
"""
NODE_SCHEMA = {"node_id": pl.Int64, "lon": pl.Float64, "lat": pl.Float64}
WAY_SCHEMA = {"way_id": pl.Int64, "highway": pl.String, "foot": pl.String, "bicycle": pl.String, "access": pl.String,
              "waterway": pl.String, "nodes": pl.List(pl.Int64)}  # fmt: skip


def overpass_query(settings: Settings) -> str:
    bbox = region_bbox(settings, settings.sources.osm.margin_deg)
    if bbox:
        scope, where = "", "({:.5f},{:.5f},{:.5f},{:.5f})".format(*bbox)
    else:  # no boundaries yet: the Kreis as an OSM area, by its official key
        scope = f'area["boundary"="administrative"]["de:amtlicher_gemeindeschluessel"="{settings.region.ags}"]->.r;\n'
        where = "(area.r)"
    return (
        "[out:json][timeout:300];\n" + scope
        + f'way{where}["highway"~"^({"|".join(WALKABLE)})$"]["access"!~"^(private|no)$"]["foot"!="no"]->.wege;\n'
        + f'way{where}["waterway"~"^({"|".join(BARRIER_WATERWAYS)})$"]->.wasser;\n'
        "(.wege; node(w.wege); .wasser; node(w.wasser););\nout body qt;\n"
    )  # fmt: skip


def _is_network(doc: dict) -> bool:
    """An Overpass answer of ways with their node lists (not the supply points' `out center`)."""
    ways = [e for e in doc.get("elements", []) if e.get("type") == "way"]
    return bool(ways) and all("nodes" in w for w in ways[:50]) and any("highway" in w.get("tags", {}) for w in ways[:50])


def is_network(content: bytes) -> bool:
    """True for an Overpass JSON answer of the network query (or any answer of ways with nodes)."""
    return _network_document(content) is not None


def _network_document(content: bytes) -> dict | None:
    """The decoded answer if it is one of the path network, else None. The bytes are tested
    first: a supply-point answer (`out center`) lists no nodes of its ways, and decoding a
    file of many MB only to find that out costs seconds at every import."""
    if b'"nodes"' not in content:
        return None
    try:
        doc = json.loads(content)
        return doc if _is_network(doc) else None
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None


def parse_json(body: bytes, label: str) -> tuple[tuple[pl.DataFrame, pl.DataFrame], str | None]:
    """(nodes, ways, OSM timestamp) of an Overpass JSON answer."""
    # the same refusals as for the supply points (HTML, shape, runtime error)
    return _json_frames(overpass_document(body, label))


def _json_frames(doc: dict) -> tuple[tuple[pl.DataFrame, pl.DataFrame], str | None]:
    nodes = [(e["id"], e["lon"], e["lat"]) for e in doc.get("elements", []) if e.get("type") == "node" and "lat" in e]
    ways = [_way(e["id"], e.get("tags", {}), e.get("nodes", [])) for e in doc.get("elements", []) if e.get("type") == "way"]
    return _frames(nodes, ways), (doc.get("osm3s") or {}).get("timestamp_osm_base")


def _way(way_id: int, tags: dict, nodes: list[int]) -> tuple:
    return (way_id, tags.get("highway"), tags.get("foot"), tags.get("bicycle"), tags.get("access"), tags.get("waterway"), nodes)


def _frames(nodes: list[tuple], ways: list[tuple]) -> tuple[pl.DataFrame, pl.DataFrame]:
    node_frame = pl.DataFrame(nodes, schema=NODE_SCHEMA, orient="row")
    way_frame = pl.DataFrame(ways, schema=WAY_SCHEMA, orient="row")
    return node_frame, way_frame


def parse_osm_xml(body: bytes, label: str) -> tuple[tuple[pl.DataFrame, pl.DataFrame], str | None]:
    """(nodes, ways) and the timestamp of an `.osm` XML file, read as a stream (defusedxml: no
    entity expansion); a broken file is refused naming it."""
    from xml.etree.ElementTree import ParseError as XmlError

    from defusedxml.ElementTree import iterparse

    nodes, ways, stamp = [], [], None
    try:
        for _, element in iterparse(io.BytesIO(body), events=("end",)):
            if element.tag == "node" and element.get("lat") is not None:
                nodes.append((int(element.get("id")), float(element.get("lon")), float(element.get("lat"))))
                element.clear()
            elif element.tag == "way":
                tags = {t.get("k"): t.get("v") for t in element.iter("tag")}
                ways.append(_way(int(element.get("id")), tags, [int(n.get("ref")) for n in element.iter("nd")]))
                element.clear()
            elif element.tag == "meta" and element.get("osm_base"):
                stamp = element.get("osm_base")
            elif element.tag == "osm" and stamp is None:
                stamp = element.get("timestamp") or None
    except (XmlError, ValueError, TypeError) as exc:
        raise ParseError(f"Die OSM-Datei {label} ist beschädigt ({exc}).", "Die Datei neu exportieren.") from None
    return _frames(nodes, ways), stamp


def read(body: bytes, label: str) -> tuple[tuple[pl.DataFrame, pl.DataFrame], str | None]:
    """Nodes, ways and timestamp of either format."""
    if body.lstrip()[:1] == b"<" and b"<osm" in body[:2048]:
        return parse_osm_xml(body, label)
    return parse_json(body, label)


def fetch(settings: Settings, store: RawStore, reporter: Reporter) -> list[RawFile]:
    osm = settings.sources.osm
    with HttpClient(settings.http, "Die Overpass-API (OpenStreetMap)", reporter, min_wait_on_429_s=osm.min_wait_on_429_s) as client:
        response = client.post(osm.overpass_url, data={"data": overpass_query(settings)}, label="Wegenetz (OSM)")
    (nodes, ways), stamp = parse_json(response.body, "das Wegenetz")
    if not ways.height:
        reporter.warn("OpenStreetMap: die Antwort enthält keine Wege – Entfernungen auf dem Wegenetz bleiben leer.")
    reporter.info(f"OpenStreetMap: Wegenetz mit {fmt_number(ways.height)} Wegen und {fmt_number(nodes.height)} Knoten, "
                  f"Stand {stamp or 'unbekannt'}")  # fmt: skip
    return [store.put(NAME, ITEM, response.body, url=response.url, origin="download", licence=LICENCE,
                      media="overpass-json", ext="json", data_stand=stamp[:10] if stamp else None)]  # fmt: skip


def recognise(filename: str, content: bytes) -> ImportMatch | None:
    head = content.lstrip()[:2048]
    if head[:1] == b"<" and b"<osm" in head:
        (nodes, ways), stamp = parse_osm_xml(content, filename)
        media, ext = "osm-xml", "osm"
    elif head[:1] == b"{" and b'"elements"' in content[:4096]:
        doc = _network_document(content)
        if doc is None:
            return None  # supply points or another Overpass answer
        (nodes, ways), stamp = _json_frames(checked_overpass_document(doc, filename))  # decoded once
        media, ext = "overpass-json", "json"
    else:
        return None
    if not ways.height:
        raise ParseError(f"Die OSM-Datei {filename} enthält keine Wege.", "Für das Wegenetz Wege mit ihren Knoten exportieren.")
    return ImportMatch(NAME, ITEM, media, ext, f"OpenStreetMap-Wegenetz ({fmt_number(ways.height)} Wege, "
                       f"{fmt_number(nodes.height)} Knoten)", data_stand=stamp[:10] if stamp else None)  # fmt: skip


def load(con: duckdb.DuckDBPyConnection, store: RawStore, files: list[RawFile], settings: Settings) -> None:
    for raw in files:
        (nodes, ways), stamp = read(store.read(raw), raw.path)
        execute_with(con, "network_nodes", nodes.unique("node_id"), "INSERT INTO raw.osm_network_nodes SELECT * FROM network_nodes")
        execute_with(con, "network_ways", ways, "INSERT INTO raw.osm_network_ways SELECT *, ?::TIMESTAMPTZ FROM network_ways",
                     [stamp])  # fmt: skip
        if ways.height and not nodes.height:
            raise SourceError(f"Im Wegenetz {raw.path} fehlen die Knoten der Wege.", "Wege mit ihren Knoten exportieren.")


SOURCE = Source(
    name=NAME,
    title="Wegenetz (OpenStreetMap)",
    licence=LICENCE,
    attribution="© OpenStreetMap-Mitwirkende",
    how_to_get=(
        "Online: `xregion refresh --source wegenetz` fragt die Overpass-API einmal nach allen begehbaren Wegen und "
        "den Flüssen des Kreises (mit Rand). Ohne Internetzugang: die Abfrage auf overpass-turbo.eu ausführen und als "
        "JSON exportieren, oder einen OSM-Auszug (`.osm`) des Kreises – und mit `xregion import <Datei>` einlesen."
    ),
    raw_ddl=RAW_DDL,
    raw_tables=("osm_network_nodes", "osm_network_ways"),
    fetch=fetch,
    recognise=recognise,
    load=load,
    release_cycle_days=30,
)
