"""Verwaltung: editing the project register (measures, KPI measurements, funding records, …) in
tables and a quick form, with the same validation as the Excel import; the history of every
change with who/when/old/new, and undo.

Edits go to the register's own store, never into the warehouse; the warehouse is rebuilt after
each save so that every page shows the change. An edit made on data someone else has changed
in the meantime is refused (each row remembers the version it was loaded with).
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime

import polars as pl
import streamlit as st

from dashboard import auth, data, ui
from pipelines.errors import XRegionError
from pipelines.german import fmt_date, fmt_datetime, fmt_number
from pipelines.refresh import rebuild_for_change
from pipelines.register.model import ENTITIES, Field, ValueProblem, parse_value
from pipelines.register.store import Change, RegisterStore, RegisterValidationError, StaleEditError
from pipelines.sources.register import ensure_seeded

EDITABLE = ["measurements", "measures", "kpis", "funding_records", "programmes", "allocations", "supply_points", "fields",
            "towns"]  # fmt: skip
KEY_COLUMN = "_key"


def store() -> RegisterStore:
    return ensure_seeded(data.settings())


STRUCTURE = {"towns", "fields"}  # changing what the register is about: admins only


def current_user() -> str:
    who = auth.identity()
    return f"{who.name} <{who.email}>" if who.email and who.email != who.name else who.name


def _role_for(entities: set[str]) -> str:
    return "admin" if entities & STRUCTURE else "editor"


def _names(entity_name: str) -> dict[str, str]:
    """key → display name for references shown by name (Handlungsfelder, towns)."""
    return {r["id" if entity_name == "fields" else "ags"]: r["name"] for _, _, r in store().records(entity_name)}


def number_text(value) -> str | None:
    """A number as German text for the table editor ("5.700.000", "1,5"): the browser's own number
    field would read "5.600.000" as 5,6, so numbers are edited as text and parsed the German way."""
    if value is None or value != value:
        return None
    if float(value).is_integer():
        return fmt_number(value, 0)
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def _display(field: Field, value, names: dict[str, dict[str, str]]):
    """A stored value as the table editor shows it. An empty text or number cell is shown empty:
    the editor would write "None" into it (an empty cell reads back as empty, see parse_value)."""
    if field.kind == "int":  # years and positions: never "2.024"
        return "" if value is None or value != value else str(int(value))
    if field.kind == "number":
        return number_text(value) or ""
    if field.kind == "text":
        return value if value is not None else ""
    if field.kind == "towns":
        return ", ".join(names["towns"].get(v, v) for v in value or [])
    if field.kind == "ref" and field.ref in names:
        return names[field.ref].get(value, value)
    return value


def _column_config(entity, names, records) -> dict:
    config = {KEY_COLUMN: None}
    for f in entity.fields:
        label = f.header + (" *" if f.required else "")
        if f.kind == "date":
            config[f.header] = st.column_config.DateColumn(label, format="DD.MM.YYYY", help=f.help or None)
        elif f.kind in ("number", "int"):
            config[f.header] = st.column_config.TextColumn(
                label, help=(f.help + " " if f.help else "") + "Deutsche Schreibweise, z. B. 1.234,56 oder 5.600.000."
            )
        elif f.kind == "choice":
            config[f.header] = st.column_config.SelectboxColumn(label, options=list(f.choices))
        elif f.kind == "ref":
            options = sorted(names[f.ref].values()) if f.ref in names else sorted(k for k, _, _ in store().records(f.ref))
            config[f.header] = st.column_config.SelectboxColumn(label, options=options)
        else:
            config[f.header] = st.column_config.TextColumn(label, help=f.help or None)
    return config


# A click on Speichern right after a cell was confirmed with Enter runs before the grid has sent the
# edit; the edit's own run follows within moments. Up to this long after a click that found nothing
# to save, that run saves what arrived.
LATE_EDIT_SECONDS = 5.0


def _table_editor(entity_name: str) -> None:
    entity = ENTITIES[entity_name]
    snapshot_key, editor_key, asked_key = f"snapshot_{entity_name}", f"editor_{entity_name}", f"save_asked_{entity_name}"
    records = store().records(entity_name)
    if snapshot_key not in st.session_state:
        # the versions the user is editing on; a save checks them against the store
        st.session_state[snapshot_key] = {key: version for key, version, _ in records}
    loaded = st.session_state[snapshot_key]
    names = {"fields": _names("fields"), "towns": _names("towns")}
    shown = [(k, r) for k, _, r in records if k in loaded]
    frame = pl.DataFrame(
        {KEY_COLUMN: [k for k, _ in shown]}
        | {f.header: [_display(f, r.get(f.name), names) for _, r in shown] for f in entity.fields},
        schema={KEY_COLUMN: pl.String} | {f.header: _polars_type(f) for f in entity.fields},
    )
    st.caption(entity.description + " Pflichtfelder sind mit * markiert. "
               "Zeilen hinzufügen: unten in der Tabelle; löschen: Zeile markieren und Entf.")
    edited = st.data_editor(
        frame.to_pandas(), num_rows="dynamic", hide_index=True, width="stretch",
        column_config=_column_config(entity, names, records), key=editor_key,
    )  # fmt: skip
    left, right = st.columns([1, 4])
    clicked = left.button("Speichern", type="primary", key=f"save_{entity_name}")
    reload = right.button("Neu laden (Änderungen anderer übernehmen)", key=f"reload_{entity_name}")
    asked_at = st.session_state.pop(asked_key, None)
    if reload:
        st.session_state.pop(snapshot_key, None)
        st.session_state.pop(editor_key, None)
        st.rerun()
    late = asked_at is not None and time.monotonic() - asked_at <= LATE_EDIT_SECONDS
    grid = st.session_state.get(editor_key) or {}  # untouched grid: nothing to compare
    if not (clicked or late or any(grid.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))):
        return
    changes, problems = _changes(entity_name, frame, pl.from_pandas(edited), loaded, {k: r for k, _, r in records})
    if clicked or late:
        if problems:
            st.error("Nicht gespeichert: " + "; ".join(problems))
            return
        if changes:
            st.session_state[OPEN_TAB] = TABLES_TAB  # the page comes back on the table that was saved
            # the grid's edits go with the snapshot: the saved rows come back from the store as stored
            _save(changes, f"Bearbeitung in der App: {entity.sheet}", [snapshot_key, editor_key])
            return  # a refused save has said why
        if clicked:
            # a cell confirmed just before the click reaches the server in a run of its own after
            # this one: that run still saves it, instead of the click being lost
            st.session_state[asked_key] = time.monotonic()
            st.info("Keine Änderungen.")
            return
    if changes:
        # a click the browser spent on ending a cell's edit never reaches the button, so the page
        # says what is still unsaved
        rows = "1 geänderte Zeile" if len(changes) == 1 else f"{len(changes)} geänderte Zeilen"
        st.warning(f"Noch nicht gespeichert: {rows}. „Speichern“ klicken, um sie zu übernehmen.")


def _polars_type(f: Field):
    return {"date": pl.Date}.get(f.kind, pl.String)  # numbers as German text, see number_text


def _changes(
    entity_name: str, before: pl.DataFrame, after: pl.DataFrame, versions: dict, originals: dict | None = None
) -> tuple[list[Change], list[str]]:
    """What the edited table asks of the store. A cell the user did not touch keeps its stored
    value (shown text such as "2.500" is not parsed again); typed cells are parsed the German way."""
    entity = ENTITIES[entity_name]
    originals = originals or {}
    changes, problems = [], []
    original = {row[KEY_COLUMN]: row for row in before.iter_rows(named=True)}
    kept = set()
    for number, row in enumerate(after.iter_rows(named=True), start=1):
        key = row.get(KEY_COLUMN)
        if key is not None and key == key:  # pandas NaN for new rows
            kept.add(key)
            if all(_same(row[f.header], original[key][f.header]) for f in entity.fields):
                continue
        record = {}
        for f in entity.fields:
            value = row[f.header]
            if key in original and key in originals and _same(value, original[key][f.header]):
                record[f.name] = originals[key].get(f.name)
                continue
            try:
                record[f.name] = parse_value(f, None if value != value else value)  # NaN → empty
            except ValueProblem as exc:
                problems.append(f"Zeile {number}, Spalte „{f.header}“: {exc}")
        if key is not None and key == key:
            stored = originals.get(key)
            if stored is not None and all(f.name in record and record[f.name] == stored.get(f.name) for f in entity.fields):
                continue  # the same value typed another way ("20.000,00" over "20.000"): nothing to store
            changes.append(Change(entity_name, key, record, versions.get(key)))
        else:
            changes.append(Change(entity_name, None, record, None))
    for key in original.keys() - kept:
        changes.append(Change(entity_name, key, None, versions.get(key)))
    return changes, problems


def _same(a, b) -> bool:
    if a is None or a != a:
        return b is None or b != b
    if isinstance(a, datetime):  # the editor hands dates back as datetimes (a subclass of date)
        a = a.date()
    if isinstance(b, datetime):
        b = b.date()
    return a == b


def _save(changes: list[Change], reason: str, forget: list[str]) -> None:
    try:
        auth.require(_role_for({c.entity for c in changes}), "Das Speichern von Änderungen")
        number = store().apply(changes, current_user(), reason)
    except (StaleEditError, RegisterValidationError, auth.PermissionDenied) as exc:
        st.error(f"{exc.message} {exc.hint}")
        return
    for key in forget:
        st.session_state.pop(key, None)
    _rebuild(f"Gespeichert (Änderung Nr. {number}).")


# How long a save waits for a refresh that is running (another person's save takes seconds; a
# refresh of the weekly timer that fetches every source can take minutes — that one builds the change in itself)
REBUILD_WAIT_SECONDS = 30.0


def _rebuild(done: str) -> None:
    with st.spinner("Der Datenbestand wird mit der Änderung neu gebaut …"):
        try:
            built = rebuild_for_change(data.settings(), wait=REBUILD_WAIT_SECONDS)
        except XRegionError as exc:
            _flash("error", f"{done} Der Datenbestand konnte nicht neu gebaut werden: {exc}")
    if built:
        _flash("success", f"{done} Alle Seiten zeigen den neuen Stand.")
    else:
        _flash("warning", f"{done} Gerade läuft eine Aktualisierung des Datenbestands; sie baut die Änderung an ihrem Ende ein.")


def _flash(kind: str, text: str) -> None:
    """The outcome of a save, shown once on the page that comes back (a failed rebuild is no
    success); ends this run."""
    st.session_state["flash"] = (kind, text)
    st.rerun()


FORM_VERSIONS = "messwert_versions"


def _measurement_form() -> None:
    kpis = {k: r for k, _, r in store().records("kpis")}
    if not kpis:
        st.caption("Noch keine Kennzahlen angelegt.")
        return
    # the versions as the form was shown: a measurement someone else saved meanwhile is not
    # silently overwritten (the store refuses a stale version, as in the table editor)
    shown = st.session_state.setdefault(FORM_VERSIONS, {k: v for k, v, _ in store().records("measurements")})
    with st.form("messwert", clear_on_submit=True, enter_to_submit=False):
        kpi = st.selectbox("Kennzahl", list(kpis), format_func=lambda k: f"{k} · {kpis[k]['title']} ({kpis[k]['unit']})")
        when = st.date_input("Datum", value=date.today(), format="DD.MM.YYYY")
        text = st.text_input("Wert", placeholder="z. B. 1,5 oder 1.234,56",
                             help="Deutsche Schreibweise: Komma für Dezimalstellen.")
        note = st.text_input("Quelle / Bemerkung")
        submitted = st.form_submit_button("Messwert speichern", type="primary")
    if submitted:
        try:
            value = parse_value(next(f for f in ENTITIES["measurements"].fields if f.name == "value"), text)
        except ValueProblem as exc:
            st.error(f"Nicht gespeichert: Wert {exc}.")
            return
        record = {"kpi": kpi, "date": when, "value": value, "source": note or None}
        key = ENTITIES["measurements"].key_of(record)
        change = Change("measurements", key if key in shown else None, record, shown.get(key))
        _save([change], "Messwert erfasst", ["snapshot_measurements", "editor_measurements", FORM_VERSIONS])


def _history() -> None:
    history = store().history()
    if not history:
        st.caption("Noch keine Änderungen.")
        return
    sets = {}
    for h in history:
        sets.setdefault(h["change_set"], h | {"n": 0})["n"] += 1
    ui.table(
        pl.DataFrame(
            {
                "Nr.": list(sets),
                "Zeitpunkt": [fmt_datetime(s["at"]) for s in sets.values()],
                "Wer": [s["who"] for s in sets.values()],
                "Anlass": [s["reason"] for s in sets.values()],
                "Einträge": [s["n"] for s in sets.values()],
                "Rückgängig gemacht durch": [str(s["undone_by"]) if s["undone_by"] else "" for s in sets.values()],
            }
        ),
    )
    chosen = st.selectbox("Änderung ansehen", list(sets), format_func=lambda n: f"Nr. {n} – {sets[n]['reason']}")
    rows = []
    labels = _labels()
    for h in (h for h in history if h["change_set"] == chosen):
        old, new = json.loads(h["old"] or "{}"), json.loads(h["new"] or "{}")
        entity = ENTITIES[h["entity"]]
        for f in entity.fields:
            if old.get(f.name) != new.get(f.name):
                rows.append({"Blatt": entity.sheet, "Eintrag": labels.get((h["entity"], h["key"]), h["key"]), "Feld": f.header,
                             "Alt": _text(old.get(f.name), f, labels) if h["old"] else "(neu)",
                             "Neu": _text(new.get(f.name), f, labels) if h["new"] else "(gelöscht)"})  # fmt: skip
    ui.table(pl.DataFrame(rows))
    if not auth.allowed("editor"):
        return
    if not sets[chosen]["undone_by"] and st.button(f"Änderung Nr. {chosen} rückgängig machen"):
        _undo(chosen, {h["entity"] for h in history if h["change_set"] == chosen})


def _undo(change_set: int, touched: set[str]) -> None:
    try:
        auth.require(_role_for(touched), "Das Rückgängigmachen von Änderungen")
        number = store().undo(change_set, current_user())
    except XRegionError as exc:
        st.error(f"{exc.message} {exc.hint}".strip())
        return
    for name in EDITABLE:
        st.session_state.pop(f"snapshot_{name}", None)
        st.session_state.pop(f"editor_{name}", None)
    st.session_state[OPEN_TAB] = HISTORY_TAB
    _rebuild(f"Änderung Nr. {change_set} rückgängig gemacht (als Änderung Nr. {number}).")


HISTORY_TAB = "Verlauf und Rückgängig"
TABLES_TAB = "Tabellen bearbeiten"
OPEN_TAB = "verwaltung_offener_reiter"


def _labels() -> dict[tuple[str, str], str]:
    """(entity, key) → what a person calls the record (the programme's name, the KPI's title)."""
    out = {}
    for name in ENTITIES:
        for key, _, record in store().records(name):
            label = record.get("name") or record.get("title")
            if label:
                out[(name, key)] = f"{label} ({key})" if label != key else str(label)
    return out


def _text(value, field=None, labels: dict | None = None) -> str:
    """A stored value as a person reads it: German numbers and dates, names instead of ids."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v, field, labels) for v in value)
    kind = field.kind if field else "text"
    if kind == "number" and isinstance(value, (int, float)):
        decimals = 0 if float(value).is_integer() else 2
        return f"{fmt_number(value, decimals)}{' €' if '€' in field.header else ''}"
    if kind == "date" and isinstance(value, str):
        try:
            return fmt_date(date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if kind in ("ref", "towns") and labels is not None:
        target = field.ref or "towns"
        return labels.get((target, str(value)), str(value))
    return str(value)


def render() -> None:
    ui.page_header("Verwaltung", "Projektregister pflegen: Maßnahmen, Kennzahlen, Fördermittel")
    if flash := st.session_state.pop("flash", None):
        kind, text = flash
        {"success": st.success, "warning": st.warning, "error": st.error}[kind](text)
    st.caption(f"Angemeldet als: {current_user()}. Jede Änderung wird mit Person, Zeitpunkt, altem und neuem Wert festgehalten.")
    if not auth.allowed("editor"):
        st.info(
            f"Ihre Rolle ({auth.ROLE_DE[auth.identity().role]}) erlaubt keine Änderungen. Hier sehen Sie den Verlauf; "
            "Bearbeitungsrechte vergibt die Administration."
        )
        _history()
        return
    # after an undo the page comes back on the Verlauf, where the undo was made (after a save on its
    # table); a link with ?tabelle=<name> opens that table
    editable = [n for n in EDITABLE if auth.allowed(_role_for({n}))]
    linked = st.query_params.get("tabelle")
    opened = st.session_state.pop(OPEN_TAB, None) or (TABLES_TAB if linked in editable else None)
    tab_quick, tab_tables, tab_history = st.tabs(["Messwert erfassen", TABLES_TAB, HISTORY_TAB], default=opened)
    with tab_quick:
        _measurement_form()
    with tab_tables:
        entity_name = ui.query_radio("tabelle", "Was bearbeiten?", editable, lambda n: ENTITIES[n].sheet)
        _table_editor(entity_name)
    with tab_history:
        _history()
