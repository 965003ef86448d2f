"""The register as an Excel workbook: one sheet per entity, German headers, selection lists.

`read_workbook` types every cell (German numbers and dates as text are accepted too) and
collects every problem with sheet, row and column; `write_workbook` writes the template or a
filled register.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from pipelines.register.model import ENTITIES, Dataset, Problem, ValueProblem, parse_value

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
README_SHEET = "Hinweise"


def looks_like_register(content: bytes) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        names = load_workbook(BytesIO(content), read_only=True).sheetnames
    except Exception:  # not a workbook at all
        return False
    return ENTITIES["measures"].sheet in names and ENTITIES["fields"].sheet in names


# An .xlsx is a ZIP of XML: a small file can expand to gigabytes (a 1.7 MB workbook to 450 MB
# of XML took minutes and GBs before). A register is a few hundred rows.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_EXPANSION = 200


def _refuse_oversized_or_macro(content: bytes, filename: str) -> Problem | None:
    import zipfile

    try:
        archive = zipfile.ZipFile(BytesIO(content))
    except zipfile.BadZipFile:
        return Problem(filename, None, None, "keine lesbare Excel-Datei (kein gültiges .xlsx-Archiv)")
    names = archive.namelist()
    if filename.lower().endswith((".xlsm", ".xltm")) or any(n.lower().endswith("vbaproject.bin") for n in names):
        return Problem(filename, None, None, "Arbeitsmappen mit Makros (.xlsm) werden nicht eingelesen; bitte als .xlsx speichern")
    unpacked = sum(i.file_size for i in archive.infolist())
    packed = max(1, sum(i.compress_size for i in archive.infolist()))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_EXPANSION:
        return Problem(
            filename, None, None,
            f"die Arbeitsmappe ist entpackt {unpacked // (1024 * 1024)} MB groß (erlaubt: {MAX_UNPACKED_BYTES // (1024 * 1024)} MB); "
            "für ein Projektregister ist das zu groß – ist es die richtige Datei?",
        )  # fmt: skip
    return None


def read_workbook(content: bytes, filename: str) -> tuple[Dataset, list[Problem]]:
    if refused := _refuse_oversized_or_macro(content, filename):
        return Dataset(), [refused]
    try:
        book = load_workbook(BytesIO(content), read_only=True, data_only=True)
        formulas = load_workbook(BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any damage of the archive or its XML
        return Dataset(), [Problem(filename, None, None, f"keine lesbare Excel-Datei ({type(exc).__name__})")]
    data, problems = Dataset(), []
    for name, entity in ENTITIES.items():
        if entity.sheet not in book.sheetnames:
            if not entity.optional:
                found = ", ".join(f"„{n}“" for n in book.sheetnames if n != README_SHEET) or "keine"
                problems.append(Problem(entity.sheet, None, None, f"das Blatt fehlt; gefunden: {found}"))
            continue
        try:
            _read_sheet(book, formulas, name, entity, data, problems)
        except Exception as exc:  # noqa: BLE001 - broken or hostile sheet XML surfaces while iterating
            problems.append(Problem(entity.sheet, None, None, f"das Blatt ist beschädigt und nicht lesbar ({type(exc).__name__})"))
    return data, problems


def _read_sheet(book, formulas, name: str, entity, data: Dataset, problems: list[Problem]) -> None:
    rows = book[entity.sheet].iter_rows(values_only=True)
    raw_rows = formulas[entity.sheet].iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    next(raw_rows, None)
    positions = {}
    for f in entity.fields:
        matches = [i for i, h in enumerate(header) if h.lower() == f.header.lower()]
        if matches:
            positions[f.name] = matches[0]
        elif f.required:
            problems.append(Problem(entity.sheet, 1, f.header, "die Spalte fehlt"))
    for row_no, (row, raw_row) in enumerate(zip(rows, raw_rows), start=2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in row) and not any(
            isinstance(c, str) and c.startswith("=") for c in raw_row
        ):
            continue
        record = {}
        for f in entity.fields:
            at = positions.get(f.name)
            raw = row[at] if at is not None and at < len(row) else None
            formula = raw_row[at] if at is not None and at < len(raw_row) else None
            if raw is None and isinstance(formula, str) and formula.startswith("="):
                problems.append(Problem(entity.sheet, row_no, f.header, "Formel ohne gespeicherten Wert – die Datei in Excel "
                                        "öffnen, neu berechnen und speichern"))  # fmt: skip
                record[f.name] = None
                continue
            try:
                record[f.name] = parse_value(f, raw)
            except ValueProblem as exc:
                problems.append(Problem(entity.sheet, row_no, f.header, str(exc)))
                record[f.name] = None
        data.records[name].append(record)
        data.rows[name].append(row_no)


def write_workbook(path: Path, records: dict[str, list[dict]] | None = None) -> None:
    """The register template, optionally filled; selection lists for choices and references."""
    records = records or {}
    book = Workbook()
    notes = book.active
    notes.title = README_SHEET
    notes["A1"] = "Projektregister – XRegion Monitor"
    notes["A1"].font = Font(bold=True, size=14)
    lines = [
        "Ein Blatt je Art von Einträgen; die erste Zeile enthält die Spaltennamen (nicht ändern).",
        "Zahlen im deutschen Format (1.234,56), Datum als 31.12.2024 oder als Excel-Datum.",
        "Einlesen: xregion import <Datei>. Enthält die Datei einen Fehler, wird nichts geändert; "
        "die Meldung nennt Blatt, Zeile und Spalte.",
    ] + [f"{e.sheet}: {e.description}" for e in ENTITIES.values()]
    for i, line in enumerate(lines, start=3):
        notes.cell(row=i, column=1, value=line)
    notes.column_dimensions["A"].width = 120

    for name, entity in ENTITIES.items():
        sheet = book.create_sheet(entity.sheet)
        for col, f in enumerate(entity.fields, start=1):
            cell = sheet.cell(row=1, column=col, value=f.header)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            sheet.column_dimensions[get_column_letter(col)].width = max(14, len(f.header) + 4)
        for row_no, record in enumerate(records.get(name, []), start=2):
            for col, f in enumerate(entity.fields, start=1):
                value = record.get(f.name)
                if f.kind == "towns" and isinstance(value, list):
                    value = ", ".join(value)
                cell = sheet.cell(row=row_no, column=col, value=value)
                if isinstance(value, date):
                    cell.number_format = "DD.MM.YYYY"
                elif f.kind == "number":
                    cell.number_format = "#,##0.00"
        sheet.freeze_panes = "A2"
    for name, entity in ENTITIES.items():
        sheet = book[entity.sheet]
        for col, f in enumerate(entity.fields, start=1):
            letter = get_column_letter(col)
            if f.kind == "choice":
                formula = '"' + ",".join(f.choices) + '"'
            elif f.kind == "ref":
                target = ENTITIES[f.ref]
                # Handlungsfelder and towns are picked by name (names are what people write)
                shown = "name" if f.ref in ("fields", "towns") else target.key[0]
                key_col = get_column_letter([x.name for x in target.fields].index(shown) + 1)
                formula = f"'{target.sheet}'!${key_col}$2:${key_col}$500"
            else:
                continue
            validation = DataValidation(type="list", formula1=formula, allow_blank=not f.required)
            validation.error = f"Bitte einen Wert aus der Liste wählen ({f.header})."
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}500")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
