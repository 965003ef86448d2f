"""Official region keys for tables that give only region names.

Some IT.NRW tables name their regions without a key ("Nordrhein-Westfalen", "  Detmold,
Regierungsbezirk", "    Höxter, Kreis", "Bielefeld, krfr. Stadt"). The names are matched to the
regions the warehouse knows (names with keys from the keyed tables of the same build, such as
12411-15i, and the live warehouse's regions). The indentation gives the hierarchy: a name under
"Höxter, Kreis" can only be a region of that Kreis; the suffix gives the level. A name that does
not match exactly one region fails the table with a German message naming the line: never a
NULL key, never a guess.
"""

from __future__ import annotations

import re
from collections import defaultdict

import polars as pl

from pipelines.errors import ParseError

# key length by the suffix of an official name
_LEVEL_SUFFIXES = (
    (re.compile(r",\s*Regierungsbezirk$|^Regierungsbezirk\s", re.IGNORECASE), (3,)),
    (re.compile(r"krfr\.\s*Stadt|kreisfreie Stadt", re.IGNORECASE), (5,)),
    (re.compile(r",\s*Kreis$|kreis$|^Kreis\s|Städteregion", re.IGNORECASE), (5,)),
    (re.compile(r"^(Nordrhein-Westfalen|Deutschland)$", re.IGNORECASE), (2,)),
)
HINT = (
    "Die Tabelle wird nicht übernommen. Laden Sie zuerst die Tabelle 12411-15i oder die Gebietsgrenzen "
    "(sie liefern die amtlichen Namen mit Schlüssel) oder laden Sie die Tabelle mit Regionalschlüssel herunter."
)


def normalise(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def known_names(pairs: list[tuple[str, str]]) -> dict[str, set[str]]:
    """Normalised official name → region keys, from (ags, name) pairs."""
    names: dict[str, set[str]] = defaultdict(set)
    for ags, name in pairs:
        if ags and name:
            names[normalise(name)].add(ags)
    return names


def _key_lengths(name: str) -> tuple[int, ...] | None:
    for pattern, lengths in _LEVEL_SUFFIXES:
        if pattern.search(name.strip()):
            return lengths
    return None


def resolve_region_names(values: pl.DataFrame, known: dict[str, set[str]], filename: str) -> pl.DataFrame:
    """Fill `ags` of the rows that have only a region name; raise ParseError for a name that
    matches no region or more than one."""
    missing = values.filter(pl.col("ags").is_null())
    if not missing.height:
        return values
    lines = missing.select("source_line", "region_name", "region_depth").unique("source_line").sort("source_line")
    resolved: dict[int, str] = {}
    parents: list[tuple[int, str]] = []  # (depth, key) of the rows above, by indentation
    for line, name, depth in lines.iter_rows():
        while parents and parents[-1][0] >= depth:
            parents.pop()
        candidates = set(known.get(normalise(name or ""), set()))
        lengths = _key_lengths(name or "")
        if lengths:
            candidates = {c for c in candidates if len(c) in lengths}
        if parents and len(candidates) > 1:
            parent = parents[-1][1]
            candidates = {c for c in candidates if c.startswith(parent) and c != parent}
        if len(candidates) != 1:
            problem = "passt zu keiner bekannten Region" if not candidates else (
                f"passt zu mehreren Regionen ({', '.join(sorted(candidates))})"
            )
            raise ParseError(f"{filename}, Zeile {line}: der Regionsname „{name}“ {problem}.", HINT)
        key = candidates.pop()
        resolved[line] = key
        parents.append((depth, key))
    mapping = pl.DataFrame(
        {"source_line": list(resolved), "resolved_ags": list(resolved.values())},
        schema={"source_line": pl.Int32, "resolved_ags": pl.String},
    )
    return (
        values.join(mapping, on="source_line", how="left")
        .with_columns(pl.coalesce("ags", "resolved_ags").alias("ags"))
        .drop("resolved_ags")
    )
