"""Präsentation: assemble charts from any page into a report (order, title, notes), save it,
download it as PPTX or PDF, and show it full-screen for the Kreistag: one chart per screen,
large type, no sidebar or widgets, next/previous.

The URL carries the state (`?bericht=<name>&folie=<n>`), so a link opens the same slide."""

from __future__ import annotations

import html
from datetime import date

import streamlit as st

from dashboard import auth, data, export, reports, ui, views
from pipelines.errors import XRegionError
from pipelines.german import fmt_date

FULL_SCREEN_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"] {display: none !important;}
.block-container {padding-top: 1rem !important; max-width: 100% !important;}
h2 {font-size: 2.6rem !important; color: #000 !important;}
h1.xr-title {font-size: 3.4rem !important; color: #000 !important; margin-top: 18vh !important;}
.st-key-xr_keys {display: none !important;}
.xr-slide-foot, .xr-slide-foot p, .st-key-xr_slide_note p {font-size: 1.15rem !important; color: #222 !important;}
</style>
"""


def _slide_number(text: str | None) -> int:
    """`?folie=` as a slide number (0: the title slide); anything else opens the first chart."""
    return int(text) if text and text.isdecimal() and len(text) < 6 else 1


def _go(number: int) -> None:
    st.query_params["folie"] = str(number)
    st.rerun()


def _title_slide(report: reports.Report, count: int) -> None:
    # no chart is built for the title (each slide's own Stand stands under its chart)
    line = f"{views.region_label()} · {fmt_date(date.today())} · {count} Folie{'n' if count != 1 else ''}"
    line += " · BEISPIELDATEN" if data.is_demo() else ""
    st.markdown(f"<h1 class='xr-title'>{html.escape(report.title)}</h1>", unsafe_allow_html=True)
    st.markdown(f"<p class='xr-slide-foot'>{html.escape(line)}</p>", unsafe_allow_html=True)
    if report.notes:
        with st.container(key="xr_slide_note"):
            st.markdown(report.notes)  # Markdown written by people, never HTML


def _controls(number: int, count: int) -> None:
    """◀/▶ and the keys a presenter uses: arrows, PageUp/PageDown (what a clicker sends), space;
    Esc leaves. A button takes one shortcut, so the other keys sit on hidden twins."""
    back, counter, forward, leave = st.columns([1, 1, 1, 1])
    if back.button("◀ Zurück", disabled=number <= 0, use_container_width=True, shortcut="Left"):
        _go(number - 1)
    label = "Titelfolie" if number == 0 else f"Folie {number} von {count}"
    counter.markdown(f"<p class='xr-slide-foot' style='text-align:center'>{label}</p>", unsafe_allow_html=True)
    if forward.button("Weiter ▶", disabled=number >= count, use_container_width=True, shortcut="Right"):
        _go(number + 1)
    if leave.button("Beenden", use_container_width=True, shortcut="Esc"):
        st.query_params.clear()
        st.rerun()
    with st.container(key="xr_keys"):
        if st.button("vor (Bild ab)", disabled=number >= count, shortcut="PageDown", key="key_pagedown"):
            _go(number + 1)
        if st.button("vor (Leertaste)", disabled=number >= count, shortcut="Space", key="key_space"):
            _go(number + 1)
        if st.button("zurück (Bild auf)", disabled=number <= 0, shortcut="PageUp", key="key_pageup"):
            _go(number - 1)


def _present(slug: str) -> None:
    try:
        report = reports.load(slug)
    except XRegionError as exc:
        st.error(f"{exc.message} {exc.hint}".strip())
        return
    count = len(report.items)
    if not count:
        st.info("Der Bericht enthält noch keine Grafiken.")
        return
    st.markdown(FULL_SCREEN_CSS, unsafe_allow_html=True)
    number = min(max(_slide_number(st.query_params.get("folie")), 0), count)
    if number == 0:
        _title_slide(report, count)
        _controls(number, count)
        return
    item, view, problem = reports.build_view(report.items[number - 1])  # only the slide shown
    st.header(item.title, anchor=False)
    if view is None:
        st.error(f"Nicht verfügbar: {problem}")
    else:
        st.vega_lite_chart(export.for_projector(view.chart, item.title), width="stretch", key=f"slide_{number}")
        footer = view.meta.source_line + (" · BEISPIELDATEN" if data.is_demo() else "")
        st.markdown(f'<p class="xr-slide-foot">{html.escape(footer)}</p>', unsafe_allow_html=True)
    if item.note:
        # notes are Markdown written by people: never rendered as HTML
        with st.container(key="xr_slide_note"):
            st.markdown(item.note)
    _controls(number, count)


def save_report(draft: reports.Report) -> None:
    """Saving (and overwriting) a shared report needs the editor role, checked on the server."""
    try:
        auth.require("editor", "Das Speichern eines Berichts")
    except auth.PermissionDenied as exc:
        st.error(f"{exc.message} {exc.hint}")
        return
    path = reports.save(draft)
    st.success(f"Gespeichert als „{path.stem}“.")


def _builder() -> None:
    ui.page_header("Präsentation", "Berichte zusammenstellen, speichern, herunterladen und vorführen")
    owner = auth.owner()
    draft = reports.draft(st.session_state, owner)
    st.header("Bericht zusammenstellen")
    st.caption("Grafiken fügen Sie auf den Seiten Indikatoren und Karte mit „Zum Bericht hinzufügen“ hinzu.")
    draft.title = st.text_input("Titel", value=draft.title)
    draft.notes = st.text_area("Notizen (Titelfolie)", value=draft.notes, height=80)
    for i, item in enumerate(list(draft.items)):
        with st.container(border=True):
            cols = st.columns([6, 1, 1, 1])
            item.title = cols[0].text_input(f"Folie {i + 1}: Titel", value=item.title, key=f"item_title_{i}")
            if cols[1].button("▲", key=f"up_{i}", disabled=i == 0, help="nach oben"):
                draft.items[i - 1], draft.items[i] = draft.items[i], draft.items[i - 1]
                st.rerun()
            if cols[2].button("▼", key=f"down_{i}", disabled=i == len(draft.items) - 1, help="nach unten"):
                draft.items[i + 1], draft.items[i] = draft.items[i], draft.items[i + 1]
                st.rerun()
            if cols[3].button("✕", key=f"remove_{i}", help="entfernen"):
                draft.items.pop(i)
                st.rerun()
            item.note = st.text_input("Notiz (Sprechertext)", value=item.note, key=f"item_note_{i}")
            st.caption(f"{views.TITLES.get(item.view, item.view)} · {item.params}")
    reports.keep_draft(st.session_state, owner)  # what was typed and moved survives a reload
    may_save = auth.allowed("editor")
    if draft.items and st.button("Bericht speichern", type="primary", disabled=not may_save,
                                 help=None if may_save else "Berichte speichern dürfen Bearbeiterinnen und Bearbeiter."):  # fmt: skip
        save_report(draft)

    st.header("Gespeicherte Berichte")
    names = reports.saved()
    if not names:
        st.caption("Noch keine gespeicherten Berichte.")
        return
    chosen = st.selectbox("Bericht", names)
    report = reports.load(chosen)
    logo = data.settings().reports.logo
    cols = st.columns(4)
    cols[0].download_button(
        "PPTX", lambda: reports.pptx(report, logo), f"{chosen}.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )  # fmt: skip
    cols[1].download_button("PDF", lambda: reports.pdf(report), f"{chosen}.pdf", "application/pdf")
    if cols[2].button("Vorführen", type="primary"):
        st.query_params["bericht"] = chosen
        st.query_params["folie"] = "0"  # the title slide first
        st.rerun()
    if cols[3].button("Zum Bearbeiten laden"):
        st.session_state[reports.DRAFT] = report
        reports.keep_draft(st.session_state, owner)
        st.rerun()
    st.caption(f"Zeitgesteuert: `xregion export --report {chosen} --out berichte/` erzeugt PPTX und PDF mit den aktuellen Daten.")


def render() -> None:
    if not data.warehouse_exists():
        ui.page_header("Präsentation")
        ui.missing_data_notice()
        return
    if slug := st.query_params.get("bericht"):
        _present(slug)
    else:
        _builder()
