"""Large map outlines reach the browser as a file, not inside the chart spec.

Streamlit writes a chart's spec as JSON and parses it again on every rerun of every session
(to give Altair's counters stable names, and once more for a chart with a selection), then
sends it over the websocket. For the NRW map that is 0,64 MB of TopoJSON per rerun, most of
the page's server time. On screen, a TopoJSON layer above `MIN_BYTES` is written once to
`dashboard/static/karten/<hash of its content>.json` (served by Streamlit's static file
serving) and the spec names its relative URL: the spec shrinks to a few kilobytes, the file is
fetched once and the same content always has the same name. The View's own spec stays
inline: exports, decks and the Stadtprofil render it without a browser.

Only TopoJSON layers travel this way: outlines of public boundaries with the classes and
values of official statistics. Static files are served without sign-in."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

FOLDER = Path(__file__).parent / "static" / "karten"
URL_PREFIX = "app/static/karten/"  # relative: resolves below the base path behind a reverse proxy
MIN_BYTES = 50_000  # arcs below this stay inline (ten towns of a Kreis: a few KB)
MAX_FILES = 400  # the oldest files beyond this are removed (each distinct map view is one file)
REMEMBERED = 64  # screen specs kept, keyed by the View's spec they came from

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_screen: OrderedDict[int, tuple[dict, dict, list[Path]]] = OrderedDict()


def for_screen(spec: dict) -> dict:
    """`spec` with every large TopoJSON layer replaced by the URL of a file holding exactly
    its values; `spec` itself where there is none, static serving is off or the folder cannot
    be written (then the map still shows, inline)."""
    key = id(spec)
    with _lock:
        hit = _screen.get(key)
    # the original is held, so its id is not reused; a pruned file is written again
    if hit is not None and hit[0] is spec and all(path.exists() for path in hit[2]):
        with _lock:
            if key in _screen:
                _screen.move_to_end(key)
        return hit[1]
    served = _served(spec)
    files = [FOLDER / layer["data"]["url"].removeprefix(URL_PREFIX) for layer in served.get("layer", [])
             if "url" in layer.get("data", {})]  # fmt: skip
    with _lock:
        _screen[key] = (spec, served, files)
        while len(_screen) > REMEMBERED:
            _screen.popitem(last=False)
    return served


def _served(spec: dict) -> dict:
    import streamlit as st

    layers = [layer for layer in spec.get("layer", []) if _is_large_topojson(layer.get("data"))]
    if not layers or not st.get_option("server.enableStaticServing"):
        return spec
    out = copy.copy(spec)
    out["layer"] = []
    try:
        for layer in spec["layer"]:
            if any(layer is large for large in layers):
                layer = {**layer, "data": {"url": URL_PREFIX + _written(layer["data"]["values"]), "format": layer["data"]["format"]}}
            out["layer"].append(layer)
    except OSError as exc:
        _log.warning("Kartenumrisse bleiben in der Spezifikation: %s ist nicht beschreibbar (%s)", FOLDER, exc)
        return spec
    return out


def _is_large_topojson(data) -> bool:
    if not isinstance(data, dict) or data.get("format", {}).get("type") != "topojson" or "values" not in data:
        return False
    values = data["values"]
    # the arcs are most of the bytes; measured once per view (for_screen keeps the answer)
    return isinstance(values, dict) and len(json.dumps(values.get("arcs", []), separators=(",", ":"))) >= MIN_BYTES


def _written(values: dict) -> str:
    """The file name of `values` as JSON, written atomically if it is not there yet."""
    text = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    name = hashlib.sha256(text).hexdigest()[:24] + ".json"
    path = FOLDER / name
    if not path.exists():
        FOLDER.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_bytes(text)
        os.replace(partial, path)  # a browser never reads half a file
        _prune()
    return name


def _prune() -> None:
    files = []
    for path in FOLDER.glob("*.json"):
        try:
            files.append((path.stat().st_mtime, path))
        except FileNotFoundError:  # another process pruned it a moment ago
            continue
    files.sort()
    for _, old in files[: max(0, len(files) - MAX_FILES)]:
        old.unlink(missing_ok=True)
