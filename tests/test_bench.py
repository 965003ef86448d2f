"""The benchmarks stay runnable and compare like with like (timings are reported by `make bench`,
never asserted here)."""

from bench import parsers


def test_parser_benchmark_runs_and_both_sides_produce_the_same_rows():
    results = parsers.run(repeat=1, rows=3000)
    assert [r.name.split(" – ")[0] for r in results] == [
        "ffcsv (GENESIS) parsen", "ffcsv (GENESIS) parsen", "Tabellen-CSV (IT.NRW-Layout) parsen",
        "Tabellen-CSV (IT.NRW-Layout) parsen",
    ]  # fmt: skip
    assert all(r.candidate_s > 0 and r.baseline_s > 0 for r in results)
    assert "Faktor" in results[0].line() and "echte pystatis" in results[0].name


def test_map_benchmark_builds_both_specs():
    from bench import maps

    results = maps.spec_build(repeat=1)
    assert [r.rows for r in results] == [maps.KREIS_TOWNS] * 2 + [maps.NRW_GEMEINDEN] * 2
    assert all(r.candidate_s > 0 and r.baseline_s > 0 for r in results)
    assert [r.unit for r in results] == ["s", "MB", "s", "MB"] and results[2].target_s == 0.15


def test_generated_map_geometries_form_a_valid_coverage():
    """Neighbouring cells share their edges, so the pipeline can simplify them as a coverage."""
    import duckdb

    from bench import maps
    from pipelines.duck import load_spatial

    con = duckdb.connect()
    load_spatial(con)
    geometries = [str(f["geometry"]).replace("'", '"') for f in maps.features(16)]
    valid, overlap = con.execute(
        "SELECT bool_and(ST_IsValid(g)), sum(ST_Area(g)) - ST_Area(ST_Union_Agg(g)) "
        "FROM (SELECT ST_GeomFromGeoJSON(unnest(?)) AS g)",
        [geometries],
    ).fetchone()
    assert valid and abs(overlap) < 1e-9


def test_export_benchmark_runs():
    from bench import exports

    results = exports.run(repeat=1)
    assert [r.rows for r in results] == [1] * 6 + [10]
    assert all(r.candidate_s > 0 and r.target_s for r in results)


def test_coverage_benchmark_runs_on_the_real_town_polygons_and_agrees_with_all_pairs():
    import pytest

    from bench import coverage

    if not coverage.GEMEINDEN.exists():
        pytest.skip(f"Gemeindegrenzen {coverage.GEMEINDEN} fehlen (../shared/reference nur in der Projektumgebung)")
    # raises when a distance (any point or full range) differs from all pairs, or when the model
    # did not put the cells into the real polygons
    (kreis,) = coverage.run(nrw=False, repeat=1)
    assert "10 echte Gemeindegrenzen" in kreis.name and "k-d-Baum" in kreis.name
    assert kreis.rows > 10_000 and kreis.candidate_s > 0 and kreis.baseline_s > 0


def test_coverage_benchmark_says_why_it_cannot_run_without_the_polygons(tmp_path):
    import pytest

    from bench import coverage

    with pytest.raises(coverage.Unavailable, match="Gemeindegrenzen"):
        coverage._database(coverage.KREIS, tmp_path / "fehlt.geojson")


def test_scenario_benchmark_agrees_with_a_full_recompute():
    from bench import scenario

    (line,) = scenario.run(repeat=1)  # raises when the incremental answer differs or changes nothing
    assert line.rows == 16_000 and line.target_s == scenario.BUDGET_S and line.candidate_s > 0


def test_load_benchmark_runs_real_sessions(monkeypatch):
    from bench import load

    monkeypatch.setattr(load, "MODELS", {"Sitzung": (0.05, 0.1), "Dauerfeuer": None})
    monkeypatch.setattr(load, "MODEL_USERS", {"Sitzung": (1, 10), "Dauerfeuer": (1, 2)})
    monkeypatch.setattr(load, "RERUNS", {"Sitzung": 1, "Dauerfeuer": 1})
    monkeypatch.setattr(load, "PAGES", {k: v for k, v in load.PAGES.items() if k in ("Indikatoren", "Vorführen")})
    lines = load.run()
    assert [(line.page, line.model, line.users) for line in lines] == [
        (page, model, users) for page in ("Indikatoren", "Vorführen")
        for model, users in (("Sitzung", 1), ("Sitzung", 10), ("Dauerfeuer", 1), ("Dauerfeuer", 2))
    ]  # fmt: skip
    assert all(line.stalls == 0 and line.median_s > 0 for line in lines)
    verdicts = load.verdicts(lines)
    assert len(verdicts) == 2 and all("p90 bei 10 Nutzern (Sitzung)" in v and "0 Hänger bis 10 Nutzer" in v for v in verdicts)


def test_load_verdict_judges_the_session_model_and_counts_every_stall():
    from bench.load import LoadLine, verdicts

    def lines(p90_at_10: float, stalls: int = 0) -> list[LoadLine]:
        return [LoadLine("Karte (NRW)", "Sitzung", 1, 0.1, 0.12, 9.0, 0), LoadLine("Karte (NRW)", "Sitzung", 10, 0.15, p90_at_10, 6.0, 0),
                LoadLine("Karte (NRW)", "Dauerfeuer", 1, 0.1, 0.1, 10.0, 0),
                LoadLine("Karte (NRW)", "Dauerfeuer", 20, 2.0, 3.0, 10.0, stalls)]  # fmt: skip

    (met,) = verdicts(lines(0.29))
    assert met.endswith("erreicht") and "2,9×" in met and "0 Hänger bis 20 Nutzer" in met
    (missed,) = verdicts(lines(0.31))
    assert missed.endswith("VERFEHLT") and "3,1×" in missed
    (stalled,) = verdicts(lines(0.2, stalls=1))  # a stall in the stress model fails the page too
    assert stalled.endswith("VERFEHLT") and "1 Hänger" in stalled


def test_the_real_pystatis_baseline_reads_the_recorded_table_in_place():
    """The worker's file is the CSV inside the recorded ZIP answer (skipped without ../shared)."""
    import pytest

    from bench import pystatis_real

    if not pystatis_real.REAL_FILE.exists():
        pytest.skip(f"Referenzdatei {pystatis_real.REAL_FILE} fehlt")
    csv = pystatis_real.real_ffcsv()
    assert csv is not None and csv.lstrip(b"\xef\xbb\xbf").startswith(b"statistics_code;")


def test_network_benchmark_agrees_with_single_source_searches():
    from bench import network

    # a small network: the benchmark raises when a multi-source distance differs from the loop
    (line,) = network.kreis(repeat=1, side_nodes=60, cells=500, scale=0.05)
    assert line.rows == 500 and line.candidate_s > 0 and line.baseline_s > 0


def test_network_reading_benchmark_reads_every_node_and_way():
    from bench import network

    (line,) = network.parse(repeat=1, nodes=2_000, ways=300)
    assert line.rows == 2_300 and line.candidate_s > 0 and line.baseline_s > 0
    assert "2.000 Knoten, 300 Wege" in line.name


def test_the_benchmarks_give_the_environment_back(monkeypatch):
    import os

    from bench.load import environment

    monkeypatch.setenv("XREGION_BENCH_KEPT", "vorher")
    monkeypatch.delenv("XREGION_BENCH_NEW", raising=False)
    try:
        with environment({"XREGION_BENCH_KEPT": "während", "XREGION_BENCH_NEW": "neu"}):
            assert os.environ["XREGION_BENCH_KEPT"] == "während" and os.environ["XREGION_BENCH_NEW"] == "neu"
            raise RuntimeError("Messung bricht ab")
    except RuntimeError:
        pass
    assert os.environ["XREGION_BENCH_KEPT"] == "vorher" and "XREGION_BENCH_NEW" not in os.environ
