"""Rules across the register: unique keys, references, plausible periods, money.

References are written the way people write them (a Handlungsfeld by name, a town by name) and
normalised here to keys (Kürzel, AGS), so the store and the warehouse join on keys only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from pipelines.register.model import ENTITIES, MOBILE_CATEGORIES, WHOLE_KREIS, Dataset, Problem


# a measurement is a value that was observed: a date far ahead is a typing error (2062 for 2026)
MEASUREMENT_FUTURE_DAYS = 31


def validate(data: Dataset) -> list[Problem]:
    """Check and normalise `data` in place; returns every problem found (empty: valid)."""
    problems: list[Problem] = []

    def add(entity: str, index: int, column: str | None, message: str) -> None:
        ent = ENTITIES[entity]
        header = ent.field(column).header if column else None
        problems.append(Problem(ent.sheet, data.rows[entity][index] if index is not None else None, header, message))

    for name, entity in ENTITIES.items():
        seen: dict[str, int] = {}
        for i, record in enumerate(data.records[name]):
            key = entity.key_of(record)
            if key in seen:
                add(name, i, entity.key[0], f"„{key}“ ist doppelt (schon in Zeile {data.rows[name][seen[key]]})")
            else:
                seen[key] = i

    towns = data.records["towns"]
    town_keys = {t["ags"]: t["ags"] for t in towns} | {t["name"].lower(): t["ags"] for t in towns}
    kreis = [t["ags"] for t in towns if len(t["ags"]) == 5]
    for i, t in enumerate(towns):
        if not (t["ags"].isdigit() and len(t["ags"]) in (5, 8)):
            add("towns", i, "ags", f"„{t['ags']}“ ist kein Gemeinde- (8 Stellen) oder Kreisschlüssel (5 Stellen)")
    lookups = {
        "towns": town_keys,
        "fields": {f["id"]: f["id"] for f in data.records["fields"]}
        | {f["name"].lower(): f["id"] for f in data.records["fields"]},
        "measures": {m["id"]: m["id"] for m in data.records["measures"]},
        "kpis": {k["id"]: k["id"] for k in data.records["kpis"]},
        "programmes": {p["id"]: p["id"] for p in data.records["programmes"]},
    }

    for name, entity in ENTITIES.items():
        for i, record in enumerate(data.records[name]):
            for f in entity.fields:
                value = record.get(f.name)
                if f.kind == "ref" and value is not None:
                    target = lookups[f.ref].get(value) or lookups[f.ref].get(str(value).lower())
                    if target is None:
                        sheet = ENTITIES[f.ref].sheet
                        add(name, i, f.name, f"„{value}“ gibt es im Blatt „{sheet}“ nicht")
                    else:
                        record[f.name] = target
                if f.kind == "towns":
                    resolved = []
                    for town in value or []:
                        if town.lower() == WHOLE_KREIS.lower() and kreis:
                            resolved.append(kreis[0])
                        elif (ags := town_keys.get(town) or town_keys.get(town.lower())) is not None:
                            resolved.append(ags)
                        else:
                            add(name, i, f.name, f"„{town}“ steht nicht im Blatt „Gebiete“")
                    record[f.name] = resolved
                if f.kind == "number" and value is not None and value < 0 and f.name != "value":
                    add(name, i, f.name, "darf nicht negativ sein")

    for i, m in enumerate(data.records["measures"]):
        if m.get("start") and m.get("end") and m["end"] < m["start"]:
            add("measures", i, "end", "Ende liegt vor dem Beginn")
    for i, p in enumerate(data.records["programmes"]):
        if p.get("start") and p.get("end") and p["end"] < p["start"]:
            add("programmes", i, "end", "Ende liegt vor dem Beginn")
        if p.get("rate") is not None and p["rate"] > 100:
            add("programmes", i, "rate", "eine Förderquote über 100 % ist nicht möglich")
    for i, k in enumerate(data.records["kpis"]):
        if (k.get("baseline_year") is None) != (k.get("baseline_value") is None):
            add("kpis", i, "baseline_year", "Ausgangswert und Ausgangsjahr gehören zusammen")
        if (k.get("target_year") is None) != (k.get("target_value") is None):
            add("kpis", i, "target_year", "Zielwert und Zieljahr gehören zusammen")
        if k.get("baseline_year") and k.get("target_year") and k["target_year"] <= k["baseline_year"]:
            add("kpis", i, "target_year", "das Zieljahr muss nach dem Ausgangsjahr liegen")
        if k.get("baseline_value") is not None and k.get("target_value") is not None:
            wanted = k["target_value"] - k["baseline_value"]
            if (k.get("direction") == "steigen" and wanted <= 0) or (k.get("direction") == "sinken" and wanted >= 0):
                add("kpis", i, "target_value", f"der Zielwert passt nicht zur gewünschten Richtung „{k['direction']}“")

    latest = date.today() + timedelta(days=MEASUREMENT_FUTURE_DAYS)
    for i, m in enumerate(data.records["measurements"]):
        if m.get("date") and m["date"] > latest:
            add("measurements", i, "date", f"liegt mehr als {MEASUREMENT_FUTURE_DAYS} Tage in der Zukunft (Tippfehler?)")

    for i, p in enumerate(data.records["supply_points"]):
        if p.get("lat") is not None and not -90 <= p["lat"] <= 90:
            add("supply_points", i, "lat", "keine geographische Breite (−90 bis 90)")
        if p.get("lon") is not None and not -180 <= p["lon"] <= 180:
            add("supply_points", i, "lon", "keine geographische Länge (−180 bis 180)")
        if p.get("category") in MOBILE_CATEGORIES and not p.get("weekdays"):
            # a stop served twice a week must not count as a shop open every day
            add("supply_points", i, "weekdays", f"beim {p['category']} bitte die Wochentage angeben (z. B. Di, Fr)")
    _check_money(data, add)
    return problems


def _check_money(data: Dataset, add) -> None:
    """Per programme and town, at no date may more be called or spent than committed so far."""
    totals: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    order = sorted(
        range(len(data.records["funding_records"])),
        key=lambda i: (data.records["funding_records"][i]["date"], ["bewilligt", "abgerufen", "ausgegeben"].index(
            data.records["funding_records"][i]["kind"])),
    )  # fmt: skip
    for i in order:
        r = data.records["funding_records"][i]
        running = totals[(r["programme"], r["town"])]
        running[r["kind"]] += r["amount"]
        if r["kind"] != "bewilligt" and running[r["kind"]] > running["bewilligt"] + 0.005:
            verb = "abgerufen" if r["kind"] == "abgerufen" else "ausgegeben"
            add(
                "funding_records", i, "amount",
                f"bis {r['date']:%d.%m.%Y} wären {_euro(running[r['kind']])} {verb}, aber nur "
                f"{_euro(running['bewilligt'])} bewilligt",
            )  # fmt: skip


def _euro(amount: float) -> str:
    from pipelines.german import fmt_number

    return f"{fmt_number(amount, 2)} €"
