"""German number and date formats (1.234,5; 31.12.2024; 31.12.2024, 14:05 Uhr)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def fmt_number(value: float | int | None, decimals: int = 0, missing: str = "–") -> str:
    if value is None or value != value:  # None or NaN
        return missing
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def fmt_value(value: float | int | None, unit: str = "", missing: str = "–") -> str:
    """A measured value as people write it: whole numbers without decimals, others with one,
    then the unit (6 Standorte; 2,5 VZÄ)."""
    if value is None or value != value:
        return missing
    return f"{fmt_number(value, 0 if float(value).is_integer() else 1)} {unit}".strip()


def fmt_euro(value: float | int | None, missing: str = "–") -> str:
    """An amount in whole euros: 5.600.000 €."""
    return missing if value is None or value != value else f"{fmt_number(value, 0)} €"


def fmt_share(value: float | None, missing: str = "–") -> str:
    """A share (0,634) as whole per cent: 63 %."""
    return missing if value is None or value != value else f"{fmt_number(100 * value, 0)} %"


def slug(text: str, fallback: str, limit: int | None = None) -> str:
    """A file name from a German title: lower case, umlauts transliterated, dashes."""
    import re

    plain = re.sub(r"[^a-z0-9]+", "-", text.lower().translate(str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "s"})))
    return plain.strip("-")[:limit] or fallback


def fmt_date(value: date | str | None, missing: str = "–") -> str:
    if value is None or value == "":
        return missing
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d.%m.%Y")


def fmt_datetime(value: datetime | str | None, missing: str = "–") -> str:
    if value is None or value == "":
        return missing
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(BERLIN)
    return value.strftime("%d.%m.%Y, %H:%M Uhr")
