"""Days of the week a supply point serves, as a 7-bit mask (bit 0 = Monday): from what people
type in the register ("Di, Fr", "Mo–Sa", "täglich") and, leniently, from OpenStreetMap's
`opening_hours` ("Mo-Fr 08:00-18:00; Sa 08:00-12:00").

A cell is "versorgt an N Tagen je Woche" when the points within reach together open on N days."""

from __future__ import annotations

import re

DAYS = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
ALL_DAYS = 0b1111111
MONDAY_TO_SATURDAY = 0b0111111  # a shop without opening hours: the German default
# German and OSM (English) day abbreviations and full German names
_NAMES = {**{d.lower(): i for i, d in enumerate(DAYS)},
          **{d: i for i, d in enumerate(["mo", "tu", "we", "th", "fr", "sa", "su"])},
          **{d: i for i, d in enumerate(["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"])},
          "sonnabend": 5}  # fmt: skip
_EVERY_DAY = ("täglich", "taeglich", "24/7", "jeden tag", "mo-so", "mo–so")
_RANGE = re.compile(r"^([a-zäöü]+)\.?\s*[-–]\s*([a-zäöü]+)\.?$", re.IGNORECASE)


class WeekdayProblem(ValueError):
    """German message for a weekday text that cannot be read."""


def _day(word: str) -> int:
    key = word.strip().rstrip(".").lower()
    if key not in _NAMES:
        raise WeekdayProblem(f"„{word.strip()}“ ist kein Wochentag (Mo, Di, Mi, Do, Fr, Sa, So)")
    return _NAMES[key]


def parse_weekdays(text: str) -> int:
    """ "Di, Fr" → Tuesday and Friday; "Mo–Sa", "Mo-Fr und Sa", "täglich". Anything else is
    refused (a person typed it: never guess)."""
    cleaned = text.strip()
    if cleaned.lower() in _EVERY_DAY:
        return ALL_DAYS
    mask = 0
    for part in re.split(r"\s*(?:,|;|/|\+|\bund\b|&)\s*", cleaned, flags=re.IGNORECASE):
        if not part:
            continue
        if m := _RANGE.match(part):
            start, end = _day(m.group(1)), _day(m.group(2))
            days = range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]
            for day in days:
                mask |= 1 << day
        else:
            mask |= 1 << _day(part)
    if not mask:
        raise WeekdayProblem(f"„{text}“ nennt keinen Wochentag")
    return mask


def fmt_weekdays(mask: int | None) -> str:
    """ "Di, Fr"; "Mo–Sa" for a run of three or more days; "täglich"."""
    if not mask:
        return "–"
    if mask == ALL_DAYS:
        return "täglich"
    days = [i for i in range(7) if mask >> i & 1]
    runs, start = [], days[0]
    for previous, current in zip(days, days[1:] + [None]):
        if current != previous + 1 if current is not None else True:
            runs.append((start, previous))
            start = current
    return ", ".join(DAYS[a] if a == b else (f"{DAYS[a]}, {DAYS[b]}" if b == a + 1 else f"{DAYS[a]}–{DAYS[b]}")
                     for a, b in runs)  # fmt: skip


def opening_days(opening_hours: str | None) -> int | None:
    """The days named in an OSM `opening_hours` value; None where it says nothing readable
    (then the caller's default applies). Only the weekday part of each rule is read: "off"
    rules and public holidays (PH) are left out."""
    if not opening_hours:
        return None
    text = opening_hours.strip().lower()
    if text.startswith("24/7"):
        return ALL_DAYS
    mask = 0
    for rule in text.split(";"):
        rule = rule.strip()
        if not rule or rule.endswith(("off", "closed")):
            continue
        selector = re.match(r"^((?:[a-z]{2}(?:\s*-\s*[a-z]{2})?\s*,?\s*)+)(?=\s|\d|$)", rule)
        if not selector:
            if re.match(r"^\d", rule):  # hours only ("08:00-18:00"): every day
                mask |= ALL_DAYS
            continue
        for part in selector.group(1).split(","):
            try:
                mask |= parse_weekdays(part) if part.strip() else 0
            except WeekdayProblem:
                continue
    return mask or None
