"""The benchmarks stay runnable and compare like with like (timings are reported by `make bench`,
never asserted here)."""

from bench import parsers


def test_parser_benchmark_runs_and_both_sides_produce_the_same_rows():
    results = parsers.run(repeat=1, rows=3000)
    assert [r.name for r in results] == ["Tabellen-CSV (IT.NRW-Layout) parsen", "ffcsv (GENESIS) parsen"]
    assert all(r.candidate_s > 0 and r.baseline_s > 0 for r in results)
    assert "Faktor" in results[0].line()
