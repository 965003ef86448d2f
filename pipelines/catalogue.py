"""The indicator catalogue (`data/indicators.toml`): which official figures the dashboard shows.

The catalogue is data, validated here and written into the warehouse as `raw.indicator_catalogue`;
selecting and deriving the values happens in SQL (sql/staging/int_indicator_*.sql).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from pipelines.errors import ConfigError
from pipelines.frames import execute_with

SERIES_BREAKS = {"zensus2022"}
HINT = "Korrigieren Sie den Eintrag in der Katalogdatei; der bisherige Datenbestand bleibt in Gebrauch."


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    unit: str
    handlungsfeld: str
    direction: Literal["up", "down", "neutral"]
    definition: str
    listed: bool = True
    # base indicator
    table: str | None = None
    variable: str | None = None
    classification: str | None = None
    age_from: int | None = None
    age_to: int | None = None
    series_break: str | None = None
    # derived indicator
    numerator: str | None = None
    denominator: str | None = None
    factor: float | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError("nur Kleinbuchstaben, Ziffern und _ erlaubt")
        return value

    @field_validator("series_break")
    @classmethod
    def _series_break(cls, value: str | None) -> str | None:
        if value is not None and value not in SERIES_BREAKS:
            raise ValueError(f"unbekannt (erlaubt: {', '.join(sorted(SERIES_BREAKS))})")
        return value

    @model_validator(mode="after")
    def _base_or_derived(self) -> Indicator:
        base = self.table is not None
        derived = self.numerator is not None
        if base == derived:
            raise ValueError("braucht entweder table + variable (Grundwert) oder numerator + denominator (abgeleitet)")
        if base and not self.variable:
            raise ValueError("variable fehlt")
        if derived and not (self.denominator and self.factor):
            raise ValueError("denominator und factor fehlen")
        if derived and (self.variable or self.classification or self.age_from is not None or self.series_break):
            raise ValueError("ein abgeleiteter Indikator hat keine eigenen Filter (variable, classification, age_…)")
        if self.age_to is not None and self.age_from is None:
            raise ValueError("age_to ohne age_from")
        if self.age_to is not None and self.age_to <= (self.age_from or 0):
            raise ValueError("age_to muss größer als age_from sein")
        return self

    @property
    def kind(self) -> str:
        return "derived" if self.numerator else "base"


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    licence: str
    handlungsfelder: list[str]
    indicator: list[Indicator]

    @property
    def tables(self) -> list[str]:
        return sorted({i.table for i in self.indicator if i.table})


def load_catalogue(path: Path) -> Catalogue:
    try:
        with path.open("rb") as fh:
            tree = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"Der Indikatorkatalog {path} fehlt.", "Legen Sie ihn an (Vorlage: data/indicators.toml).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Der Indikatorkatalog {path} ist kein gültiges TOML: {exc}.", HINT) from None
    try:
        catalogue = Catalogue.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(f"Der Indikatorkatalog {path} ist ungültig: {_describe(exc, tree)}.", HINT) from None
    _check_references(catalogue, path)
    return catalogue


def _describe(exc: ValidationError, tree: dict) -> str:
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "indicator" and isinstance(loc[1], int):
            entries = tree.get("indicator") or []
            ident = entries[loc[1]].get("id", "?") if loc[1] < len(entries) else "?"
            field = ".".join(str(p) for p in loc[2:]) or "Eintrag"
            where = f"Indikator {loc[1] + 1} („{ident}“), Feld {field}"
        problems.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def _check_references(catalogue: Catalogue, path: Path) -> None:
    by_id: dict[str, Indicator] = {}
    problems = []
    for ind in catalogue.indicator:
        if ind.id in by_id:
            problems.append(f"„{ind.id}“ ist doppelt vergeben")
        by_id[ind.id] = ind
        if ind.handlungsfeld not in catalogue.handlungsfelder:
            problems.append(f"„{ind.id}“: Handlungsfeld „{ind.handlungsfeld}“ steht nicht in handlungsfelder")
    for ind in catalogue.indicator:
        for role in ("numerator", "denominator"):
            ref = getattr(ind, role)
            if ref is None:
                continue
            if ref not in by_id:
                problems.append(f"„{ind.id}“: {role} „{ref}“ gibt es nicht")
            elif by_id[ref].kind != "base":
                problems.append(f"„{ind.id}“: {role} „{ref}“ ist selbst abgeleitet (nur Grundwerte erlaubt)")
    if problems:
        raise ConfigError(f"Der Indikatorkatalog {path} ist ungültig: {'; '.join(problems)}.", HINT)


CATALOGUE_SCHEMA = {
    "position": pl.Int32, "indicator_id": pl.String, "title": pl.String, "unit": pl.String,
    "handlungsfeld": pl.String, "handlungsfeld_position": pl.Int32, "direction": pl.String,
    "definition": pl.String, "listed": pl.Boolean, "kind": pl.String, "table_code": pl.String,
    "variable_like": pl.String, "classification_like": pl.String, "age_from": pl.Int32, "age_to": pl.Int32,
    "series_break_rule": pl.String, "numerator_id": pl.String, "denominator_id": pl.String,
    "factor": pl.Float64, "source": pl.String, "licence": pl.String,
}  # fmt: skip


def write_catalogue(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    rows = [
        {
            "position": pos,
            "indicator_id": ind.id,
            "title": ind.title,
            "unit": ind.unit,
            "handlungsfeld": ind.handlungsfeld,
            "handlungsfeld_position": catalogue.handlungsfelder.index(ind.handlungsfeld),
            "direction": ind.direction,
            "definition": ind.definition,
            "listed": ind.listed,
            "kind": ind.kind,
            "table_code": ind.table,
            "variable_like": ind.variable,
            "classification_like": ind.classification,
            "age_from": ind.age_from,
            "age_to": ind.age_to,
            "series_break_rule": ind.series_break,
            "numerator_id": ind.numerator,
            "denominator_id": ind.denominator,
            "factor": ind.factor,
            "source": catalogue.source,
            "licence": catalogue.licence,
        }
        for pos, ind in enumerate(catalogue.indicator)
    ]
    execute_with(
        con,
        "catalogue_df",
        pl.DataFrame(rows, schema=CATALOGUE_SCHEMA),
        "CREATE TABLE raw.indicator_catalogue AS SELECT * FROM catalogue_df",
    )
