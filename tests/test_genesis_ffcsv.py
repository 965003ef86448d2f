"""The ffcsv parser on small hand-written tables: symbols, blanks around values, a region
variable whose code changes from row to row, and the lines named in its messages."""

from datetime import date

import polars as pl
import pytest

from pipelines.errors import ParseError
from pipelines.parsers.genesis_ffcsv import parse_genesis_ffcsv
from pipelines.parsers.itnrw_table_csv import VALUE_SCHEMA
from tests.support import genesis_fake as gf

LEVELS = [("GEMEIN", "05762004", "Bad Driburg, Stadt"), ("KREISE", "05762", "Höxter, Kreis")]


def _parse(text: str):
    return parse_genesis_ffcsv(text.encode("utf-8"), "12411-15i_flat.csv").values


def test_regions_periods_and_classification_of_every_row():
    values = _parse(gf.ffcsv_rows(LEVELS))
    assert values.height == 2 * 2 * 3
    assert values["source_line"].to_list() == list(range(2, 14))
    row = values.filter((pl.col("ags") == "05762") & (pl.col("classification") == "Geschlecht: Insgesamt")).row(
        1, named=True
    )
    assert row["period"] == date(2024, 12, 31) and row["value"] == 1010
    assert row["region_name"] == "Höxter, Kreis" and row["variable"] == "Bevölkerungsstand"


def test_missing_value_symbols_and_blanks_around_values():
    text = gf.ffcsv_rows(LEVELS[:1]).replace(";500;", ";-;", 1).replace(";510;", ";.;", 1).replace(";1010;", "; 1010 ;")
    values = _parse(text)
    by_line = {r["source_line"]: r for r in values.iter_rows(named=True)}
    assert by_line[2]["value"] == 0.0 and by_line[2]["symbol"] == "-"  # "nichts vorhanden" is zero
    assert by_line[3]["value"] is None and by_line[3]["symbol"] == "."
    assert by_line[4]["value"] == 1010 and by_line[4]["symbol"] is None


def test_an_unreadable_value_or_period_names_its_line():
    lines = gf.ffcsv_rows(LEVELS[:1]).splitlines()
    lines[3] = lines[3].replace(";1010;", ";10x0;")  # line 4 of the file
    with pytest.raises(ParseError, match=r"Zeile 4: „10x0“ ist weder Zahl noch Zeichen"):
        _parse("\n".join(lines))
    lines = gf.ffcsv_rows(LEVELS[:1]).splitlines()
    lines[6] = lines[6].replace("2024-12-31", "Ende 2024")
    with pytest.raises(ParseError, match=r"Zeile 7: Zeitangabe „Ende 2024“ nicht lesbar"):
        _parse("\n".join(lines))


def test_a_table_without_rows_has_the_schema_of_any_other():
    values = _parse(gf.ffcsv_rows([]))
    assert values.height == 0 and dict(values.schema) == VALUE_SCHEMA
    assert dict(_parse(gf.ffcsv_rows(LEVELS)).schema) == VALUE_SCHEMA


def test_columns_the_parser_does_not_use_are_left_alone():
    lines = gf.ffcsv_rows(LEVELS[:1]).splitlines()
    with_quality = "\n".join([lines[0] + ";value_q"] + [line + ";e" for line in lines[1:]])
    assert _parse(with_quality).equals(_parse(gf.ffcsv_rows(LEVELS[:1])))
