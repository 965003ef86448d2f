"""The Stadtprofil: one town of the Kreis on one page (and one A4 PDF, `profile_pdf`) — its key
indicators with the change to the previous Stichtag and its rank in the Kreis, where it lies,
the strategy's measures and funding for it and its Nahversorgung coverage, each with source and
Stand, in plain German sentences ("Höxter: 28.166 Einwohner, −0,4 % zum Vorjahr, Rang 1 von 10").

Built once per warehouse build and town (like the views); no Streamlit here."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import polars as pl

from dashboard import data, views
from pipelines.german import fmt_date, fmt_number, fmt_value

# the indicator of the headline sentence, and how the sentence names its unit
HEADLINE_INDICATOR = "bevoelkerung"
HEADLINE_NOUN = "Einwohner"
MINUS = "\u2212"  # a real minus sign: "−0,4 %", as in print
COVERAGE_THRESHOLD_M = 1000  # the BBSR's distance for "within walking reach"
# the grid's share of the official population below which shares carry a warning / are not given
FULL_GRID, MIN_GRID = 0.9, 0.5


@dataclass(frozen=True)
class Figure:
    """One indicator of one town at its latest Stichtag."""

    indicator_id: str
    title: str
    handlungsfeld: str
    unit: str
    value: float
    period: date
    previous_value: float | None
    previous_period: date | None
    comparable: bool  # the previous value is on the same series base (no Zensus 2022 break between)
    rank: int
    ranked_of: int
    source: str
    stand_label: str
    data_stand: date | None

    @property
    def value_text(self) -> str:
        return fmt_value(self.value, self.unit)

    @property
    def change_text(self) -> str:
        """ "−0,4 % zum Vorjahr"; shares change in Prozentpunkte; never across a series break."""
        if self.previous_value is None or self.previous_period is None:
            return "kein früherer Stichtag"
        if not self.comparable:
            return f"nicht vergleichbar mit {fmt_date(self.previous_period)} (Reihenbruch Zensus 2022)"
        when = "zum Vorjahr" if _one_year_apart(self.previous_period, self.period) else f"zum {fmt_date(self.previous_period)}"
        if self.unit == "%":
            return f"{_signed(self.value - self.previous_value)} Prozentpunkte {when}"
        if self.previous_value == 0:
            return f"vorher 0 {self.unit} ({fmt_date(self.previous_period)})".replace("  ", " ")
        return f"{_signed((self.value / self.previous_value - 1) * 100)} % {when}"

    @property
    def rank_text(self) -> str:
        return f"Rang {self.rank} von {self.ranked_of}"

    @property
    def stand_text(self) -> str:
        return f"{self.stand_label} {fmt_date(self.data_stand, missing='unbekannt')}"


def _one_year_apart(earlier: date, later: date) -> bool:
    return (later.month, later.day) == (earlier.month, earlier.day) and later.year - earlier.year == 1


def _signed(number: float) -> str:
    """One decimal with its sign: +1,2 / −0,4 / ±0,0."""
    rounded = round(number, 1)
    if rounded == 0:
        return "±0,0"
    return ("+" if rounded > 0 else MINUS) + fmt_number(abs(rounded), 1)


@dataclass(frozen=True)
class Coverage:
    """Nahversorgung of the town: people within 1 000 m (straight line) of a supermarket or
    discounter and of any supply point, with the rank among the towns."""

    population: int
    share_full: float | None
    share_any: float | None
    rank: int | None
    ranked_of: int
    villages_without: int
    grid_completeness: float | None
    kreis_share_full: float | None
    bbsr_share_nrw: float


@dataclass(frozen=True)
class Profile:
    ags: str
    name: str
    region: str  # the Kreis
    figures: list[Figure]
    own_measures: pl.DataFrame  # measures that name the town
    kreis_measures: pl.DataFrame  # measures for the whole Kreis (every town takes part)
    funding: pl.DataFrame  # the town's allocations and bookings per programme
    coverage: Coverage | None
    location: views.View | None
    register_stand: date | None
    supply_stand: date | None
    demo: bool

    @property
    def headline(self) -> str:
        """ "Höxter: 28.166 Einwohner, −0,4 % zum Vorjahr, Rang 1 von 10" """
        figure = self.figure(HEADLINE_INDICATOR) or (self.figures[0] if self.figures else None)
        if figure is None:
            return f"{self.name}: noch keine amtlichen Werte im Datenbestand."
        value = fmt_number(figure.value) + f" {HEADLINE_NOUN}" if figure.indicator_id == HEADLINE_INDICATOR else figure.value_text
        return f"{self.name}: {value}, {figure.change_text}, {figure.rank_text}"

    def figure(self, indicator_id: str) -> Figure | None:
        return next((f for f in self.figures if f.indicator_id == indicator_id), None)

    def sentence(self, figure: Figure) -> str:
        return f"{figure.title}: {figure.value_text} ({fmt_date(figure.period)}), {figure.change_text}, {figure.rank_text}"

    @property
    def data_stand(self) -> date | None:
        """The newest release of the official figures and supply points shown (the register is
        judged as of the build, which is no data date)."""
        stands = [f.data_stand for f in self.figures if f.data_stand] + ([self.supply_stand] if self.supply_stand else [])
        return max(stands) if stands else None

    @property
    def coverage_sentence(self) -> str:
        c = self.coverage
        if c is None:
            return "Noch keine Nahversorgungsdaten (Versorgungspunkte und Bevölkerungsraster) im Datenbestand."
        if c.share_full is None:
            return f"Im Bevölkerungsraster sind für {self.name} keine Einwohner verzeichnet."
        if c.grid_completeness is not None and c.grid_completeness < MIN_GRID:
            # as on the Nahversorgung page: a share of a small part of the people says nothing
            return (f"Das Bevölkerungsraster erfasst nur {fmt_number(c.grid_completeness * 100, 0)} % der amtlichen Einwohnerzahl "
                    f"von {self.name}; ein Anteil wird daher nicht angegeben.")  # fmt: skip
        text = (f"{fmt_number(c.share_full * 100, 0)} % der Einwohner wohnen höchstens {fmt_number(COVERAGE_THRESHOLD_M)} m "
                f"(Luftlinie) von einem Supermarkt oder Discounter entfernt, {fmt_number((c.share_any or 0) * 100, 0)} % von "
                "irgendeinem Versorgungspunkt")  # fmt: skip
        if c.rank is not None:
            text += f"; Rang {c.rank} von {c.ranked_of}"
        if c.kreis_share_full is not None:
            text += f" (Kreis {fmt_number(c.kreis_share_full * 100, 0)} %, NRW laut BBSR {fmt_number(c.bbsr_share_nrw * 100, 0)} %)"
        text += "."
        if c.villages_without:
            text += f" Orte ohne Versorgungspunkt in {fmt_number(COVERAGE_THRESHOLD_M)} m: {c.villages_without}."
        if c.grid_completeness is not None and c.grid_completeness < FULL_GRID:
            text += (f" Achtung: Das Raster erfasst nur {fmt_number(c.grid_completeness * 100, 0)} % der amtlichen "
                     "Einwohnerzahl; die Anteile gelten nur für diesen Teil.")  # fmt: skip
        return text


def towns() -> dict[str, str]:
    """The towns of the configured Kreis: AGS → name, in the order of their keys."""
    regions = data.focus_regions()
    rows = regions.filter(pl.col("level") == "gemeinde").sort("ags") if regions.height else regions
    return dict(rows.select("ags", "name").iter_rows()) if rows.height else {}


def build(ags: str) -> Profile:
    """The profile of one town of the Kreis (German ViewUnavailable for any other key)."""
    return _build(data.build_signature(), ags)


@functools.lru_cache(maxsize=32)
def _build(signature: tuple | None, ags: str) -> Profile:
    names = towns()
    if ags not in names:
        raise views.ViewUnavailable(
            f"„{ags[:20]}“ ist keine Stadt oder Gemeinde im {views.region_label()}.",
        )
    figures = [_figure(row) for row in _figures(signature).filter(pl.col("ags") == ags).iter_rows(named=True)]
    measures = data.measures()
    region_ags = data.settings().region.ags
    if measures.height:
        named = measures.filter(pl.col("town_ags").list.contains(ags))
        kreis = measures.filter(pl.col("town_ags").list.contains(region_ags) | (pl.col("town_ags").list.len() == 0))
        register_stand = measures["as_of"][0]
    else:
        named = kreis = measures
        register_stand = None
    funding = data.funding()
    funding = funding.filter(pl.col("town_ags") == ags) if funding.height else funding
    try:
        location = views.town_location(ags)
    except views.ViewUnavailable:
        location = None
    stamps = data.supply_points()
    supply_stand = stamps["data_date"].max() if stamps.height else None
    return Profile(ags, names[ags], views.region_label(), figures, named, kreis, funding, _coverage(ags, region_ags, names),
                   location, register_stand, supply_stand, data.is_demo())  # fmt: skip


@functools.lru_cache(maxsize=4)
def _figures(signature: tuple | None) -> pl.DataFrame:
    return data.town_figures()


def _figure(row: dict) -> Figure:
    return Figure(
        indicator_id=row["indicator_id"], title=row["title"], handlungsfeld=row["handlungsfeld"], unit=row["unit"],
        value=row["value"], period=row["period"], previous_value=row["previous_value"], previous_period=row["previous_period"],
        comparable=row["previous_series_break"] == row["series_break"], rank=int(row["rank"]), ranked_of=int(row["ranked_of"]),
        source=f"{row['source']}, Tabelle {row['table_code']}",
        stand_label="abgerufen am" if row["data_stand_kind"] == "abgerufen" else "Stand", data_stand=row["data_stand"],
    )  # fmt: skip


def _coverage(ags: str, region_ags: str, names: dict[str, str]) -> Coverage | None:
    frame = data.town_coverage()
    if not frame.height:
        return None
    at = frame.filter(pl.col("threshold_m") == COVERAGE_THRESHOLD_M)
    full = at.filter(pl.col("category_group") == "Vollsortiment")
    mine = full.filter(pl.col("ags") == ags)
    if not mine.height:
        return Coverage(0, None, None, None, 0, 0, None, None, 0.81)
    row = mine.row(0, named=True)
    any_row = at.filter((pl.col("category_group") == "alle") & (pl.col("ags") == ags))
    towns_full = full.filter(pl.col("ags").is_in(list(names)) & pl.col("share_within").is_not_null())
    rank = int(towns_full.filter(pl.col("share_within") > row["share_within"]).height + 1)
    kreis = full.filter(pl.col("ags") == region_ags)
    return Coverage(
        population=int(row["population"]), share_full=row["share_within"],
        share_any=any_row["share_within"][0] if any_row.height else None, rank=rank, ranked_of=towns_full.height,
        villages_without=int(row["villages_without_supply"] or 0), grid_completeness=row["grid_completeness"],
        kreis_share_full=kreis["share_within"][0] if kreis.height else None, bbsr_share_nrw=float(row["bbsr_share_nrw"]),
    )  # fmt: skip


def clear_cache() -> None:
    _build.cache_clear()
    _figures.cache_clear()
