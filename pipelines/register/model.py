"""The project register of the Kreis: which entities it has, their fields, German headers and
value types. Workbook template, import, validation, store, warehouse load and the editing forms
all work from these definitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

STATUSES = ["nicht begonnen", "Planung", "Umsetzung", "abgeschlossen", "pausiert"]
DIRECTIONS = ["steigen", "sinken"]
FUNDING_KINDS = ["bewilligt", "abgerufen", "ausgegeben"]
WHOLE_KREIS = "ganzer Kreis"
SUPPLY_CATEGORIES = ["Vollsortiment", "Lebensmittelhandwerk", "Ergänzung", "Dorfladen", "Automat", "Markt", "Verkaufswagen",
                     "Abholpunkt"]  # fmt: skip
# mobile and part-time supply: a stop of the mobile shop, a pick-up point of a delivery service
MOBILE_CATEGORIES = ("Verkaufswagen", "Abholpunkt")


@dataclass(frozen=True)
class Field:
    name: str  # identifier in code, store and warehouse
    header: str  # German column header in the workbook and the app
    kind: str = "text"  # text, int, number, date, choice, ref, towns, weekdays
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None  # entity whose key this field names
    help: str = ""


@dataclass(frozen=True)
class Entity:
    name: str
    sheet: str  # German sheet name
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # fields that identify a row
    description: str = ""
    optional: bool = False  # a workbook may leave the sheet out (added after the first registers)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def key_of(self, record: dict) -> str:
        return " | ".join(_key_text(record.get(name)) for name in self.key)


def _key_text(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.strftime("%d.%m.%Y")
    return "" if value is None else str(value)


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "towns", "Gebiete",
            (Field("ags", "AGS", required=True, help="Gemeindeschlüssel (8 Stellen) oder Kreisschlüssel (5 Stellen)"),
             Field("name", "Name", required=True)),
            ("ags",), "Der Kreis und seine Städte und Gemeinden, auf die sich Maßnahmen und Mittel beziehen.",
        ),
        Entity(
            "fields", "Handlungsfelder",
            (Field("id", "Kürzel", required=True), Field("name", "Name", required=True),
             Field("position", "Reihenfolge", "int"), Field("description", "Beschreibung")),
            ("id",), "Die Handlungsfelder der Strategie.",
        ),
        Entity(
            "measures", "Maßnahmen",
            (Field("id", "ID", required=True), Field("title", "Titel", required=True),
             Field("field", "Handlungsfeld", "ref", required=True, ref="fields"),
             Field("towns", "Städte", "towns", required=True,
                   help=f"Namen aus „Gebiete“, mit Komma getrennt, oder „{WHOLE_KREIS}“"),
             Field("lead", "Verantwortlich"), Field("start", "Beginn", "date"), Field("end", "Ende", "date"),
             Field("status", "Status", "choice", required=True, choices=tuple(STATUSES)),
             Field("milestone", "Nächster Meilenstein"), Field("milestone_due", "Meilenstein fällig am", "date"),
             Field("source", "Quelle / Bemerkung")),
            ("id",), "Maßnahmen und Projekte der Strategie.",
        ),
        Entity(
            "kpis", "Kennzahlen",
            (Field("id", "ID", required=True), Field("title", "Titel", required=True),
             Field("measure", "Maßnahme", "ref", ref="measures"),
             Field("field", "Handlungsfeld", "ref", required=True, ref="fields"),
             Field("unit", "Einheit", required=True),
             Field("baseline_value", "Ausgangswert", "number"), Field("baseline_year", "Ausgangsjahr", "int"),
             Field("target_value", "Zielwert", "number"), Field("target_year", "Zieljahr", "int"),
             Field("direction", "Gewünschte Richtung", "choice", required=True, choices=tuple(DIRECTIONS)),
             Field("source", "Quelle / Bemerkung")),
            ("id",), "Kennzahlen (KPIs) je Maßnahme oder Handlungsfeld, mit Ausgangs- und Zielwert.",
        ),
        Entity(
            "measurements", "Messwerte",
            (Field("kpi", "Kennzahl", "ref", required=True, ref="kpis"), Field("date", "Datum", "date", required=True),
             Field("value", "Wert", "number", required=True), Field("source", "Quelle / Bemerkung")),
            ("kpi", "date"), "Gemessene Werte der Kennzahlen mit Datum.",
        ),
        Entity(
            "programmes", "Förderprogramme",
            (Field("id", "ID", required=True), Field("funder", "Fördergeber", required=True),
             Field("name", "Programm", required=True), Field("start", "Beginn", "date"), Field("end", "Ende", "date"),
             Field("budget", "Gesamtbudget (€)", "number"), Field("rate", "Förderquote (%)", "number"),
             Field("own_share", "Eigenanteil (€)", "number"), Field("source", "Quelle / Bemerkung")),
            ("id",), "Förderprogramme mit Laufzeit, Budget, Förderquote und Eigenanteil.",
        ),
        Entity(
            "allocations", "Zuweisungen",
            (Field("programme", "Programm", "ref", required=True, ref="programmes"),
             Field("town", "Stadt", "ref", required=True, ref="towns"),
             Field("amount", "Betrag (€)", "number", required=True)),
            ("programme", "town"), "Geplante Mittel je Programm und Stadt (oder ganzer Kreis).",
        ),
        Entity(
            "funding_records", "Mittel",
            (Field("programme", "Programm", "ref", required=True, ref="programmes"),
             Field("town", "Stadt", "ref", required=True, ref="towns"), Field("date", "Datum", "date", required=True),
             Field("kind", "Art", "choice", required=True, choices=tuple(FUNDING_KINDS)),
             Field("amount", "Betrag (€)", "number", required=True), Field("source", "Quelle / Bemerkung")),
            ("programme", "town", "date", "kind"),
            "Bewilligte, abgerufene und ausgegebene Beträge (je Buchung, mit Datum).",
        ),
        Entity(
            "supply_points", "Nahversorgungspunkte",
            (Field("id", "ID", required=True), Field("name", "Name", required=True),
             Field("category", "Kategorie", "choice", required=True, choices=tuple(SUPPLY_CATEGORIES)),
             Field("kind", "Art", help="z. B. Haltestelle Verkaufswagen, Abholstation, Liefergebiet"),
             Field("lat", "Breite (WGS84)", "number", required=True), Field("lon", "Länge (WGS84)", "number", required=True),
             Field("weekdays", "Wochentage", "weekdays",
                   help="an welchen Tagen versorgt wird, z. B. Di, Fr oder Mo–Sa; leer: Mo–Sa (beim Verkaufswagen: Pflicht)"),
             Field("times", "Uhrzeit", help="z. B. 9:00–10:30 (nur zur Information)"),
             Field("source", "Quelle / Bemerkung")),
            ("id",), "Versorgungspunkte, die der Kreis kennt und OpenStreetMap nicht (z. B. aus #SNZ), auch Halte des "
            "Verkaufswagens und Abholpunkte mit ihren Wochentagen.", optional=True,
        ),
    )
}  # fmt: skip


class ValueProblem(ValueError):
    """A value that does not fit its field; the message is German."""


_GERMAN_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$")
_PLAIN_NUMBER = re.compile(r"^-?\d+$")
# one dot before exactly three digits, no comma: 2.500 is 2500 in German and 2.5 in English
_AMBIGUOUS_NUMBER = re.compile(r"^-?\d{1,3}\.\d{3}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_value(f: Field, raw: Any) -> Any:
    """A cell or form value as the field's type; German number and date formats accepted."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if f.required:
            raise ValueProblem("Pflichtfeld ist leer")
        return [] if f.kind == "towns" else None
    if f.kind in ("text", "ref"):
        return str(raw).strip() if not isinstance(raw, float) or not raw.is_integer() else str(int(raw))
    if f.kind == "choice":
        text = str(raw).strip()
        match = next((c for c in f.choices if c.lower() == text.lower()), None)
        if match is None:
            raise ValueProblem(f"„{text}“ ist nicht erlaubt (erlaubt: {', '.join(f.choices)})")
        return match
    if f.kind == "towns":
        return [part.strip() for part in str(raw).split(",") if part.strip()]
    if f.kind in ("number", "int"):
        value = _number(raw)
        if f.kind == "int":
            if not float(value).is_integer():
                raise ValueProblem(f"„{raw}“ ist keine ganze Zahl")
            return int(value)
        return value
    if f.kind == "date":
        return _date(raw)
    if f.kind == "weekdays":
        from pipelines.weekdays import WeekdayProblem, fmt_weekdays, parse_weekdays

        try:
            return fmt_weekdays(parse_weekdays(str(raw)))  # stored the one way it is shown: "Di, Fr"
        except WeekdayProblem as exc:
            raise ValueProblem(str(exc)) from None
    raise AssertionError(f.kind)


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueProblem(f"„{raw}“ ist keine Zahl")
    if isinstance(raw, (int, float)):
        return float(raw)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").removesuffix("€").removesuffix("%")
    if _AMBIGUOUS_NUMBER.match(text):
        whole, part = text.replace("-", "").split(".")
        raise ValueProblem(
            f"„{raw}“ ist mehrdeutig ({whole}{part} oder {whole},{part.rstrip('0') or '0'}?) – bitte ohne Tausenderpunkt "
            f"({whole}{part}) oder mit Komma ({whole},{part.rstrip('0') or '0'}) schreiben"
        )
    if _GERMAN_NUMBER.match(text):
        return float(text.replace(".", "").replace(",", "."))
    if _PLAIN_NUMBER.match(text):
        return float(text)
    raise ValueProblem(f"„{raw}“ ist keine Zahl in deutscher Schreibweise (Format 1.234,56)")


def _date(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    if m := _GERMAN_DATE.match(text):
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            raise ValueProblem(f"„{text}“ ist kein gültiges Datum") from None
    if not _ISO_DATE.match(text):  # "2024-12-31 geplant" is not a date: nothing is cut off
        raise ValueProblem(f"„{text}“ ist kein Datum (Format 31.12.2024)")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueProblem(f"„{text}“ ist kein gültiges Datum") from None


def to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def from_json(f: Field, value: Any) -> Any:
    if value is not None and f.kind == "date":
        return date.fromisoformat(value)
    return value


@dataclass
class Problem:
    """One validation problem, located for the user (sheet, row, column)."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"Blatt „{self.sheet}“"]
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column:
            where.append(f"Spalte „{self.column}“")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class Dataset:
    """All records of a register, per entity, typed; `rows` remembers the workbook row of each."""

    records: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in ENTITIES})
    rows: dict[str, list[int | None]] = field(default_factory=lambda: {name: [] for name in ENTITIES})
