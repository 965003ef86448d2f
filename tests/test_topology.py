"""TopoJSON of the map outlines: shared borders stored once, coordinates within half a quantum,
enclaves and multi-part Gemeinden, and a spec that Vega draws area by area."""

from __future__ import annotations

import json

import altair as alt
import vl_convert as vlc

from dashboard import charts, topology


def square(x: float, y: float, size: float = 1.0, clockwise: bool = True) -> list[list[float]]:
    ring = [[x, y], [x, y + size], [x + size, y + size], [x + size, y], [x, y]]
    return ring if clockwise else ring[::-1]


def polygon(*rings) -> dict:
    return {"type": "Polygon", "coordinates": list(rings)}


def points_of(feature: dict) -> set[tuple[float, float]]:
    coords = feature["geometry"]["coordinates"]
    rings = coords if feature["geometry"]["type"] == "Polygon" else [r for p in coords for r in p]
    return {(round(x, 4), round(y, 4)) for ring in rings for x, y in ring}  # within a quantum


def test_two_neighbours_store_their_common_border_once():
    # two squares side by side: the border x = 8.1 belongs to both
    left, right = polygon(square(8.0, 51.0, 0.1)), polygon(square(8.1, 51.0, 0.1))
    topo = topology.build(["a", "b"], [left, right])
    shared = [ref for g in topo.geometries for ref in g["arcs"][0]]
    assert len(topo.arcs) == 3  # the common border, and the outer part of each square
    assert any(r < 0 for r in shared)  # one square walks the common border backwards
    decoded = topology.decode(topo.with_properties([{"ags": "a"}, {"ags": "b"}]))
    assert [f["properties"]["ags"] for f in decoded] == ["a", "b"]
    assert points_of(decoded[0]) == points_of({"geometry": left})
    assert points_of(decoded[1]) == points_of({"geometry": right})
    assert all(f["geometry"]["coordinates"][0][0] == f["geometry"]["coordinates"][0][-1] for f in decoded)


def test_coordinates_stay_within_half_a_quantum():
    wiggly = [[8.0 + 0.3 * i / 97 + 0.00001 * (i % 7), 51.0 + 0.2 * ((i * 37) % 97) / 97] for i in range(97)]
    ring = sorted(wiggly, key=lambda p: p[0]) + [[8.3, 50.9], [8.0, 50.9]]
    ring.append(ring[0])
    topo = topology.build(["x"], [polygon(ring)], quantization=10_000)
    (decoded,) = topology.decode(topo.with_properties([{}]))
    out = decoded["geometry"]["coordinates"][0]
    sx, sy = topo.transform["scale"]
    for x, y in out:
        nearest = min(ring, key=lambda p: abs(p[0] - x) + abs(p[1] - y))
        assert abs(nearest[0] - x) <= sx / 2 + 1e-12 and abs(nearest[1] - y) <= sy / 2 + 1e-12


def test_an_enclave_and_the_hole_it_leaves_share_one_arc():
    outer = polygon(square(8.0, 51.0, 1.0), square(8.4, 51.4, 0.2, clockwise=False))
    enclave = polygon(square(8.4, 51.4, 0.2))
    island = {"type": "MultiPolygon", "coordinates": [[square(10.0, 51.0, 0.1)], [square(10.5, 51.0, 0.1)]]}
    topo = topology.build(["outer", "enclave", "island"], [outer, enclave, island])
    hole, inner = topo.geometries[0]["arcs"][1][0], topo.geometries[1]["arcs"][0][0]
    assert hole == ~inner or hole == inner
    decoded = topology.decode(topo.with_properties([{}, {}, {}]))
    assert decoded[2]["geometry"]["type"] == "MultiPolygon" and len(decoded[2]["geometry"]["coordinates"]) == 2
    assert points_of(decoded[1]) == points_of({"geometry": enclave})


def test_the_filled_spec_is_valid_vega_lite_and_draws_every_area():
    feats = [polygon(square(8.0 + 0.1 * i, 51.0, 0.1)) for i in range(4)]
    topo = topology.build([f"0576200{i}" for i in range(4)], feats)
    props = [{"ags": f"0576200{i}", "name": f"Ort {i}", "klasse": "1 – 2" if i % 2 else charts.MISSING_CLASS,
              "wert": f"{i} Personen", "rang": f"{i + 1} von 4", "stand": "31.12.2024"} for i in range(4)]  # fmt: skip
    classes = charts.Classes(["1 – 2"], ["#084594"], [])
    meta = charts.ChartMeta("Bevölkerung", "Kreis Höxter, 31.12.2024", "Personen", "IT.NRW", "dl-de/by-2-0")
    spec = charts.choropleth(topo.with_properties(props), classes, meta, outline=topo.with_properties([{}] * 4))
    alt.LayerChart.from_dict(spec, validate=True)  # raises on a spec Vega-Lite would refuse
    assert spec["title"]["text"] == "Bevölkerung" and spec["title"]["subtitle"] == ["Kreis Höxter, 31.12.2024"]
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["title"] == "Personen" and colour["scale"]["range"] == ["#084594", charts.MISSING_COLOUR]
    # a second spec of another indicator does not see the first one's values (the frame is shared)
    other = charts.choropleth(topo.with_properties(props), charts.Classes(["a"], ["#111111"], []),
                              charts.ChartMeta("Andere", "x", "km²", "", ""))  # fmt: skip
    assert spec["layer"][0]["encoding"]["color"]["title"] == "Personen" and other["title"]["text"] == "Andere"
    # without outline and labels Altair hoists the single layer's data to the top: it is filled too
    assert vlc.vegalite_to_svg({**other, "width": 400}).count('aria-roledescription="geoshape"') == 4
    svg = vlc.vegalite_to_svg({**spec, "width": 400})
    assert svg.count('aria-roledescription="geoshape"') == 4  # the areas
    assert svg.count('stroke="#000000" stroke-width="2.2"') == 4  # and the outline over them
    assert "Ort 3" in json.dumps(spec, ensure_ascii=False)
    assert svg.count('fill="#084594"') >= 2 and svg.count(f'fill="{charts.MISSING_COLOUR}"') >= 2


# --- large outlines as a served file (dashboard/static_maps.py) --------------------------------


def _map_spec(areas: int) -> dict:
    from bench.maps import features

    feats = features(areas)
    topo = topology.build([f["ags"] for f in feats], [f["geometry"] for f in feats])
    document = topo.with_properties([{k: f[k] for k in ("ags", "name", "klasse", "wert", "rang", "stand")} for f in feats])
    classes = charts.Classes(["1 – 2"], ["#c6dbef"], [0] * areas)
    meta = charts.ChartMeta("Bevölkerung", "NRW", "Personen", "IT.NRW", "dl-de/by-2-0")
    return charts.choropleth(document, classes, meta, outline=document)


def test_a_large_map_names_a_served_file_with_exactly_its_outlines(tmp_path, monkeypatch):
    from dashboard import static_maps

    monkeypatch.setattr(static_maps, "FOLDER", tmp_path / "karten")
    monkeypatch.setattr(static_maps, "_screen", type(static_maps._screen)())
    spec = _map_spec(396)
    screen = static_maps.for_screen(spec)
    urls = [layer["data"].get("url") for layer in screen["layer"] if "data" in layer]
    assert all(u and u.startswith("app/static/karten/") for u in urls) and len(set(urls)) == 1  # areas and outline: one file
    served = json.loads((tmp_path / "karten" / urls[0].removeprefix(static_maps.URL_PREFIX)).read_text(encoding="utf-8"))
    assert served == spec["layer"][0]["data"]["values"]
    assert screen["layer"][0]["data"]["format"] == {"type": "topojson", "feature": topology.OBJECT}
    assert len(json.dumps(screen)) < len(json.dumps(spec)) / 10
    assert "values" in spec["layer"][0]["data"]  # the view's own spec stays inline for the exports
    assert static_maps.for_screen(spec) is screen  # the next rerun: nothing written, nothing dumped
    # a pruned file is written again before the spec is sent once more
    (tmp_path / "karten" / urls[0].removeprefix(static_maps.URL_PREFIX)).unlink()
    assert static_maps.for_screen(spec)["layer"][0]["data"]["url"] == urls[0]
    assert (tmp_path / "karten" / urls[0].removeprefix(static_maps.URL_PREFIX)).exists()


def test_a_small_map_or_an_unwritable_folder_keeps_the_outlines_inline(tmp_path, monkeypatch, caplog):
    from dashboard import static_maps

    monkeypatch.setattr(static_maps, "_screen", type(static_maps._screen)())
    kreis = _map_spec(10)
    assert static_maps.for_screen(kreis) is kreis
    blocked = tmp_path / "datei"
    blocked.write_text("kein Ordner")
    monkeypatch.setattr(static_maps, "FOLDER", blocked / "karten")
    land = _map_spec(396)
    assert static_maps.for_screen(land) is land  # the map still shows, inline
    assert "nicht beschreibbar" in caplog.text
    # without static file serving (a configuration that turned it off) the URL would not answer
    import streamlit as st

    monkeypatch.setattr(static_maps, "FOLDER", tmp_path / "karten")
    monkeypatch.setattr(static_maps, "_screen", type(static_maps._screen)())
    monkeypatch.setattr(st, "get_option", lambda name: False if name == "server.enableStaticServing" else None)
    assert static_maps.for_screen(land) is land and not (tmp_path / "karten").exists()


def test_only_the_newest_files_are_kept(tmp_path, monkeypatch):
    import os

    from dashboard import static_maps

    monkeypatch.setattr(static_maps, "FOLDER", tmp_path)
    monkeypatch.setattr(static_maps, "MAX_FILES", 2)
    names = []
    for i in range(3):
        names.append(static_maps._written({"n": i}))
        os.utime(tmp_path / names[-1], (1_000_000 + i, 1_000_000 + i))
    static_maps._prune()
    assert sorted(p.name for p in tmp_path.glob("*.json")) == sorted(names[1:])


def test_the_served_app_and_its_service_may_serve_the_outline_files():
    """Streamlit serves only dashboard/static/ and only when told to; the systemd unit protects
    the system strictly, so the folder must be among the paths the service may write."""
    import tomllib

    from dashboard import static_maps
    from pipelines import PROJECT_ROOT

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True
    assert static_maps.FOLDER.parent == PROJECT_ROOT / "dashboard" / "static" and static_maps.FOLDER.is_dir()
    unit = (PROJECT_ROOT / "deploy" / "xregion.service").read_text(encoding="utf-8")
    writable = next(line for line in unit.splitlines() if line.startswith("ReadWritePaths="))
    assert "/opt/xregion/dashboard/static/karten" in writable.split("=", 1)[1].split()
