"""Reports: an ordered list of views (name + parameters) with a title and notes, saved as JSON in
`data/reports/`, rendered as a PPTX deck (16:9, one chart per slide) or one PDF. A saved report
is rebuilt with the data of the day, so `xregion export --report …` can run on a schedule."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from pptx import Presentation
from pptx.util import Emu, Inches, Pt
from pypdf import PdfReader, PdfWriter

from dashboard import data, export, pptx_charts, views
from pipelines.errors import XRegionError
from pipelines.german import fmt_date, slug

DRAFT = "bericht_entwurf"


@dataclass
class Item:
    view: str
    params: dict
    title: str
    note: str = ""


@dataclass
class Report:
    title: str
    notes: str = ""
    items: list[Item] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return slug(self.title, "bericht")


def reports_dir() -> Path:
    return data.settings().reports_dir


def save(report: Report) -> Path:
    directory = reports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{report.slug}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def saved() -> list[str]:
    directory = reports_dir()
    return sorted(p.stem for p in directory.glob("*.json")) if directory.exists() else []


def load(slug: str) -> Report:
    """A saved report by its name. Only the names of saved reports are accepted (a name from a
    URL never becomes a path of its own); messages name the report, never a server path."""
    if slug not in saved():
        raise XRegionError(f"Den Bericht „{slug[:80]}“ gibt es nicht.", f"Gespeicherte Berichte: {', '.join(saved()) or 'keine'}.")
    path = reports_dir() / f"{slug}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Report(raw["title"], raw.get("notes", ""), [Item(**i) for i in raw.get("items", [])])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise XRegionError(f"Die Berichtsdatei „{slug}“ ist beschädigt ({type(exc).__name__}).",
                           "Den Bericht neu zusammenstellen und speichern.") from None


def draft(state) -> Report:
    if DRAFT not in state:
        state[DRAFT] = Report(f"Bericht {fmt_date(date.today())}")
    return state[DRAFT]


def draft_add(state, view: views.View) -> None:
    draft(state).items.append(Item(view.name, view.params, view.meta.title))


def build_view(item: Item) -> tuple[Item, views.View | None, str | None]:
    """The item's view with today's data; an item that cannot be built says why (German)."""
    try:
        return item, views.build(item.view, item.params), None
    except views.ViewUnavailable as exc:
        return item, None, str(exc)


def build_views(report: Report) -> list[tuple[Item, views.View | None, str | None]]:
    return [build_view(item) for item in report.items]


def pptx(report: Report, logo: Path | None = None) -> bytes:
    demo = data.is_demo()
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)  # 16:9
    blank = deck.slide_layouts[6]
    built = build_views(report)
    title_slide = deck.slides.add_slide(blank)
    _text(title_slide, report.title, Inches(0.7), Inches(2.6), Inches(12), Inches(1.2), 40, bold=True)
    _text(title_slide, _title_line(built, demo), Inches(0.7), Inches(3.8), Inches(12), Inches(0.6), 20)
    if report.notes:
        _text(title_slide, report.notes, Inches(0.7), Inches(4.6), Inches(12), Inches(1.5), 16)
    # charts PowerPoint has (lines, bars) go in as native charts with their data; maps as images
    images = iter(export.rendered_many(
        [view for _, view, _ in built if view is not None and not pptx_charts.supports(view.name)], "png", demo))
    for item, view, problem in built:
        slide = deck.slides.add_slide(blank)
        _text(slide, item.title, Inches(0.5), Inches(0.25), Inches(12.3), Inches(0.8), 28, bold=True)
        if view is None:
            _text(slide, f"Nicht verfügbar: {problem}", Inches(0.5), Inches(3), Inches(12.3), Inches(1), 20)
        else:
            if pptx_charts.supports(view.name):
                pptx_charts.add(slide, view, Inches(0.5), Inches(1.1), Inches(12.3), Inches(5.6))
                footer = view.meta.source_line + (" · BEISPIELDATEN" if demo else "")
                _text(slide, footer, Inches(0.5), Inches(6.85), Inches(12.3), Inches(0.4), 11)
            else:  # the rendered map carries its source line (and demo marker) itself
                _picture(slide, next(images), Inches(0.5), Inches(1.1), Inches(12.3), Inches(6.1))
        if item.note:
            slide.notes_slide.notes_text_frame.text = item.note
        if logo and logo.exists():
            slide.shapes.add_picture(str(logo), Inches(12.2), Inches(0.2), height=Inches(0.6))
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _title_line(built: list, demo: bool) -> str:
    """Region and the Stand of the data shown (the newest data date of the slides), not the day
    the deck was made; that one is named as "erstellt"."""
    stands = [view.meta.data_stand for _, view, _ in built if view is not None and view.meta.data_stand]
    stand = f"Stand der Daten {fmt_date(max(stands))} · " if stands else ""
    return f"{views.region_label()} · {stand}erstellt am {fmt_date(date.today())}" + (" · BEISPIELDATEN" if demo else "")


def _text(slide, text: str, left, top, width, height, size: int, bold: bool = False) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold


def _picture(slide, png: bytes, left, top, max_width, max_height) -> None:
    """Fit the image into the box, keeping its proportions."""
    from PIL import Image

    width, height = Image.open(io.BytesIO(png)).size
    scale = min(max_width / width, max_height / height)
    slide.shapes.add_picture(io.BytesIO(png), left, top, Emu(int(width * scale)), Emu(int(height * scale)))


def pdf(report: Report) -> bytes:
    demo = data.is_demo()
    writer = PdfWriter()
    cover = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": [{"i": 0, "t": report.title}, {"i": 1, "t": views.region_label()},
                            {"i": 2, "t": f"Stand {fmt_date(date.today())}" + (" · BEISPIELDATEN" if demo else "")},
                            *([{"i": 3, "t": report.notes}] if report.notes else [])]},
        "mark": {"type": "text", "align": "left", "fontSize": 18, "x": 0},
        "encoding": {"y": {"field": "i", "type": "ordinal", "axis": None}, "text": {"field": "t"}},
        "width": export.EXPORT_WIDTH, "height": 160, "config": {"view": {"stroke": None}},
    }  # fmt: skip
    for page in PdfReader(io.BytesIO(export.pdf(cover))).pages:
        writer.add_page(page)
    shown = [view for _, view, _ in build_views(report) if view is not None]
    for document in export.rendered_many(shown, "pdf", demo):
        for page in PdfReader(io.BytesIO(document)).pages:
            writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
