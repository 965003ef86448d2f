"""Page furniture shared by all pages: header, empty-warehouse notice."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import data
from dashboard.views import region_label  # noqa: F401  (pages call ui.region_label)
from pipelines.german import fmt_date, fmt_datetime, fmt_number, slug

# marts.indicators.status in the words of the pages
INDICATOR_STATUS_DE = {
    "ok": "verfügbar",
    "tabelle_fehlt": "Tabelle nicht geladen",
    "keine_werte": "keine passenden Werte",
    "mehrdeutig": "mehrdeutig, ausgeblendet",
    "grundwerte_fehlen": "Grundwerte fehlen",
}


def indicator_picker(usable: pl.DataFrame) -> dict:
    """Select box over the usable indicators, labelled and ordered by Handlungsfeld; the choice
    lives in the URL (`?indikator=…`), so a link opens the same indicator."""
    ids = usable["indicator_id"].to_list()
    labels = {r["indicator_id"]: f"{r['handlungsfeld']} · {r['title']}" for r in usable.iter_rows(named=True)}
    # the URL first (a shared link), else the choice made on the other page of this session, so
    # Indikatoren and Karte show the same indicator when one goes from one to the other
    wanted = st.query_params.get("indikator") or st.session_state.get(LAST_INDICATOR)
    chosen = st.selectbox(
        "Indikator (nach Handlungsfeld)",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=labels.__getitem__,
    )
    st.query_params["indikator"] = chosen
    st.session_state[LAST_INDICATOR] = chosen
    return usable.row(ids.index(chosen), named=True)


LAST_INDICATOR = "zuletzt_indikator"


def query_choice(param: str, label: str, options: list, format_func):
    """A select box whose choice lives in the URL (`?param=…`), so a shared link opens it again."""
    texts = [str(o) for o in options]
    wanted = st.query_params.get(param)
    chosen = st.selectbox(label, options, index=texts.index(wanted) if wanted in texts else 0, format_func=format_func)
    st.query_params[param] = str(chosen)
    return chosen


def query_radio(param: str, label: str, options: list, format_func, horizontal: bool = True):
    """Radio buttons whose choice lives in the URL, like `query_choice`."""
    texts = [str(o) for o in options]
    wanted = st.query_params.get(param)
    chosen = st.radio(label, options, index=texts.index(wanted) if wanted in texts else 0, format_func=format_func,
                      horizontal=horizontal)  # fmt: skip
    st.query_params[param] = str(chosen)
    return chosen


def query_slider(param: str, label: str, low: int, high: int, default: int) -> int:
    """A whole-number slider whose value lives in the URL; an odd value in a link falls back."""
    wanted = st.query_params.get(param, "")
    start = int(wanted) if wanted.isdecimal() and low <= int(wanted) <= high else default
    chosen = st.slider(label, low, high, start)
    st.query_params[param] = str(chosen)
    return chosen


def usable_indicators(catalogue: pl.DataFrame) -> pl.DataFrame:
    """The indicators with values that are offered for selection."""
    return catalogue.filter((pl.col("status") == "ok") & pl.col("listed")) if catalogue.height else catalogue


# status words with an icon, so that colour is never the only signal
KPI_STATUS = {
    "erreicht": ":material/verified: Ziel erreicht",
    "auf_kurs": ":material/trending_up: auf Kurs",
    "zu_langsam": ":material/slow_motion_video: zu langsam",
    "entfernt_sich": ":material/trending_down: entfernt sich vom Ziel",
    "keine_daten": ":material/help: keine Daten",
}
MEASURE_STATUS = {
    "nicht begonnen": ":material/radio_button_unchecked: nicht begonnen",
    "Planung": ":material/edit_calendar: Planung",
    "Umsetzung": ":material/construction: Umsetzung",
    "abgeschlossen": ":material/task_alt: abgeschlossen",
    "pausiert": ":material/pause_circle: pausiert",
}
DEMO_NOTICE = (
    ":material/school: **Beispieldaten** – diese Ansicht zeigt das Übungsregister mit erfundenen Werten "
    "(nur für Schulung und Ausprobieren, nicht für Berichte)."
)


@functools.lru_cache(maxsize=1)
def favicon() -> str:
    """The tab icon as a data URL, read once: given as a file path, Streamlit reads it and files
    it with its media manager again on every rerun of every session."""
    png = (Path(__file__).parent / "assets" / "favicon.png").read_bytes()
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def page_header(title: str, subtitle: str | None = None) -> None:
    from dashboard.accessibility import document_title

    st.set_page_config(page_title=document_title(title))
    st.title(title)
    st.caption(subtitle or region_label())
    if data.warehouse_exists() and data.is_demo():
        st.warning(DEMO_NOTICE)


def missing_data_notice() -> None:
    """What a first run without warehouse shows instead of empty charts (or a traceback)."""
    st.info(
        "**Noch kein Datenbestand vorhanden.** Die Daten werden aus den amtlichen Quellen geladen und in "
        "einer DuckDB-Datei gespeichert. So kommen sie hinein:\n\n"
        "1. **Online:** im Projektverzeichnis `xregion refresh` ausführen (macht `make run` automatisch).\n"
        "2. **Ohne Internetzugang:** die Dateien von Hand herunterladen und mit `xregion import <Datei> …` "
        "einlesen — welche Dateien, steht je Quelle auf der Seite **Daten**."
    )


def require_data() -> bool:
    """True when there is data to show; otherwise shows the notice and returns False."""
    if data.has_data():
        return True
    missing_data_notice()
    return False


def built_at_caption() -> None:
    info = data.build_info()
    if info:
        st.caption(f"Datenbestand gebaut am {fmt_datetime(info['built_at'])}")


def table(frame) -> None:
    """Every table on a page goes to Streamlit here, as Arrow: Streamlit sends an Arrow table as it
    is, while a polars frame it converts through pandas on every rerun (a tenth of a page's work)."""
    st.dataframe(frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame, hide_index=True, width="stretch")


def show_view(view, key: str | None = None, on_select: bool = False):
    """A view's chart with its downloads (PNG, SVG, PDF, CSV, XLSX, generated only when clicked)
    and a button that adds it to the report being assembled on the Präsentation page."""
    from dashboard import downloads, export, reports, static_maps

    key = key or view.name
    kwargs = {"on_select": "rerun", "key": f"chart_{key}"} if on_select else {"key": f"chart_{key}"}
    event = st.vega_lite_chart(static_maps.for_screen(view.spec), width="stretch", **kwargs)
    demo = data.is_demo()
    name = slug(view.meta.title, "grafik", limit=60)
    frame = view.frame.with_columns(pl.lit("BEISPIELDATEN").alias("Hinweis")) if demo else view.frame

    cols = st.columns([1, 1, 1, 1, 1, 2])
    cols[0].download_button("PNG", lambda: export.rendered(view, "png", demo), f"{name}.png", "image/png",
                            key=f"png_{key}", icon=":material/image:")  # fmt: skip
    cols[1].download_button("SVG", lambda: export.rendered(view, "svg", demo), f"{name}.svg", "image/svg+xml",
                            key=f"svg_{key}")  # fmt: skip
    cols[2].download_button("PDF", lambda: export.rendered(view, "pdf", demo), f"{name}.pdf", "application/pdf",
                            key=f"pdf_{key}")  # fmt: skip
    cols[3].download_button("CSV", lambda: downloads.german_csv(frame, view.meta), f"{name}.csv", "text/csv",
                            key=f"csv_{key}")  # fmt: skip
    cols[4].download_button(
        "XLSX", lambda: downloads.xlsx(frame, meta=view.meta), f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"xlsx_{key}",
    )  # fmt: skip
    with st.expander("Daten als Tabelle", icon=":material/table:"):
        st.caption(view.description)
        table(view.table)
    if cols[5].button("Zum Bericht hinzufügen", key=f"report_{key}", icon=":material/playlist_add:"):
        from dashboard import auth

        reports.draft_add(st.session_state, view, auth.owner())
        st.toast(f"„{view.meta.title}“ ist im Bericht (Seite Präsentation).")
    return event


def german_table(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame for reading on screen: numbers the German way ("1.234,5"), dates as 31.12.2024, an
    empty cell instead of "None". Whole-number columns without decimals; in others two decimals,
    dropped where a value is whole ("12,35", "1,50", "3")."""
    formats: dict[str, Callable[[object], str]] = {}
    for name, dtype in frame.schema.items():
        if dtype.is_integer() or (dtype.is_float() and bool((frame[name].drop_nulls() % 1 == 0).all())):
            formats[name] = _whole
        elif dtype.is_float():
            formats[name] = _two_decimals
        elif dtype == pl.Date:
            formats[name] = lambda v: fmt_date(v, missing="")
        elif dtype == pl.Datetime:
            formats[name] = lambda v: fmt_datetime(v, missing="")
        elif dtype == pl.Boolean:
            formats[name] = lambda v: "" if v is None else ("ja" if v else "nein")
    return formatted(frame, formats).with_columns(pl.col(pl.String).fill_null(""))


def _whole(value) -> str:
    return fmt_number(value, 0, missing="")


def _two_decimals(value) -> str:
    text = fmt_number(value, 2, missing="")
    return text[:-3] if text.endswith(",00") else text


def formatted(frame: pl.DataFrame, formats: dict[str, Callable[[object], str]]) -> pl.DataFrame:
    """Columns as display text, formatted by Python over the rows shown (a page shows a few
    hundred at most). Never as a polars callback: polars runs such Python inside its thread pool,
    which deadlocks against another session's `to_pandas()` under Streamlit's threads (see the
    reproduction in ../shared/repro/)."""
    return frame.with_columns(
        pl.Series(name, [fn(v) for v in frame[name].to_list()], dtype=pl.String) for name, fn in formats.items()
    )
