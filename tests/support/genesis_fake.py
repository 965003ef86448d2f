"""Answers like the GENESIS REST 2020 service: JSON status documents and ffcsv ZIPs, built from
the documented formats with fictional numbers."""

from __future__ import annotations

import io
import json
import zipfile

from tests.support.fake_server import Reply

HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
    "1_variable_attribute_code;1_variable_attribute_label;2_variable_code;2_variable_label;"
    "2_variable_attribute_code;2_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label"
)


def status(code: int, content: str = "", method: str = "tablefile") -> Reply:
    doc = {
        "Ident": {"Service": "data", "Method": method},
        "Status": {"Code": code, "Content": content, "Type": "Fehler" if code not in (0, 22, 99) else "Information"},
        "Parameter": {"username": "********************", "password": "********************"},
        "Object": None,
        "Copyright": "© IT.NRW, Düsseldorf, 2026",
    }
    return Reply(200, json.dumps(doc).encode("utf-8"), {"Content-Type": "application/json;charset=UTF-8"})


def table_metadata(code: str, updated: str) -> Reply:
    """A `metadata/table` answer, cut down to the fields the client reads."""
    doc = {
        "Ident": {"Service": "metadata", "Method": "table"},
        "Status": {"Code": 0, "Content": "erfolgreich", "Type": "Information"},
        "Object": {"Code": code, "Content": "Testtabelle", "Time": {"From": "31.12.2011", "To": "31.12.2024"},
                   "Updated": updated},
    }  # fmt: skip
    return Reply(200, json.dumps(doc).encode("utf-8"), {"Content-Type": "application/json;charset=UTF-8"})


def results_listing(names: list[str]) -> Reply:
    if not names:
        return status(104, "Es gibt keine Objekte zum angegebenen Selektionskriterium", method="results")
    doc = {
        "Ident": {"Service": "catalogue", "Method": "results"},
        "Status": {"Code": 0, "Content": "erfolgreich", "Type": "Information"},
        "List": [{"Code": n, "Content": "Ergebnistabelle", "Values": "1234", "Date": "24.11.2026"} for n in names],
    }
    return Reply(200, json.dumps(doc).encode("utf-8"), {"Content-Type": "application/json;charset=UTF-8"})


def ffcsv_rows(regions: list[tuple[str, str, str]], years=("2023-12-31", "2024-12-31")) -> str:
    """Population by sex: regions as (variable code, key, name)."""
    lines = [HEADER]
    for variable, key, name in regions:
        for year in years:
            for sex_code, sex_label, value in (("GESM", "männlich", "500"), ("GESW", "weiblich", "510"), ("", "Insgesamt", "1010")):
                lines.append(
                    f"12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;{year};{variable};Gemeinden;{key};{name};"
                    f"GES;Geschlecht;{sex_code};{sex_label};{value};Anzahl;BEVSTD;Bevölkerungsstand"
                )
    return "\ufeff" + "\n".join(lines) + "\n"


def ffcsv_zip(text: str, name: str = "12411-15i_123456789_de_flat.csv") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def zip_reply(content: bytes, name: str = "12411-15i_123456789_de_flat.zip") -> Reply:
    return Reply(200, content, {"Content-Type": "application/zip", "Content-Disposition": f"attachment; filename={name}"})
