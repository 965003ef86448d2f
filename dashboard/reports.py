"""Reports: an ordered list of views (name + parameters) with a title and notes, saved as JSON in
`data/reports/`, rendered as a PPTX deck (16:9, one chart per slide) or one PDF. A saved report
is rebuilt with the data of the day, so `xregion export --report …` can run on a schedule."""

from __future__ import annotations

import hashlib
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
    return _write_report(report, reports_dir() / f"{report.slug}.json")


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
        return _read_report(path)
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise XRegionError(f"Die Berichtsdatei „{slug}“ ist beschädigt ({type(exc).__name__}).",
                           "Den Bericht neu zusammenstellen und speichern.") from None


def _draft_path(owner: str) -> Path:
    # one file per person, named by a hash: an e-mail address never becomes a file name
    digest = hashlib.sha256(owner.encode("utf-8")).hexdigest()[:32]
    return data.settings().state_dir / "berichtsentwuerfe" / f"{digest}.json"


def _read_report(path: Path) -> Report:
    """A report as `save` and `keep_draft` write it (raises on a missing or damaged file)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Report(raw["title"], raw.get("notes", ""), [Item(**i) for i in raw.get("items", [])])


def _write_report(report: Report, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a report
    return path


def _load_draft(owner: str) -> Report | None:
    try:
        return _read_report(_draft_path(owner))
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
        return None  # no draft (or an unreadable one): start a new one


def draft(state, owner: str) -> Report:
    """The report being assembled by `owner` (who is signed in; "lokal" without sign-in): kept in
    the session and on disk, so it survives a reload, a new tab and a restart of the server."""
    if DRAFT not in state:
        state[DRAFT] = _load_draft(owner) or Report(f"Bericht {fmt_date(date.today())}")
    return state[DRAFT]


def keep_draft(state, owner: str) -> None:
    if DRAFT in state:
        _write_report(state[DRAFT], _draft_path(owner))


def draft_add(state, view: views.View, owner: str) -> None:
    draft(state, owner).items.append(Item(view.name, view.params, view.meta.title))
    keep_draft(state, owner)


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
    _text(title_slide, title_line(built, demo), Inches(0.7), Inches(3.8), Inches(12), Inches(0.6), 20)
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


def title_line(built: list, demo: bool) -> str:
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


A4_LANDSCAPE = (841.89, 595.28)  # points
MARGIN = 36.0  # half an inch


def text_block(lines: list[tuple[str, int, bool]], width: int = export.EXPORT_WIDTH) -> bytes:
    """Lines of text (text, size, bold) as a small PDF, wrapped to the page width."""
    import textwrap

    rows, top = [], 0.0
    for text, size, bold in lines:
        for part in text.splitlines() or [""]:
            for wrapped in textwrap.wrap(part, width=int(width / (size * 0.55))) or [""]:
                # each line as high as its own type: a 30 pt title does not run into the line below
                rows.append({"y": top, "t": wrapped, "s": size, "b": "bold" if bold else "normal"})
                top += size * 1.45
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json", "data": {"values": rows},
        "mark": {"type": "text", "align": "left", "baseline": "top", "x": 0, "font": export.FONT},
        "encoding": {"y": {"field": "y", "type": "quantitative", "axis": None, "scale": None},
                     "text": {"field": "t"}, "size": {"field": "s", "type": "quantitative", "scale": None},
                     "fontWeight": {"field": "b", "type": "nominal", "scale": None}},
        "width": width, "height": int(top) + 4, "background": "white",
        "config": {"view": {"stroke": None}},
    }  # fmt: skip
    return export.pdf(spec)


def a4_page(parts: list[bytes]):
    """One A4 landscape page with the first page of each PDF in `parts` stacked from the top,
    scaled together to fit between the margins: every page of the handout has the same size,
    whatever size its chart was rendered at."""
    from pypdf import PageObject, Transformation

    page = PageObject.create_blank_page(width=A4_LANDSCAPE[0], height=A4_LANDSCAPE[1])
    pieces = [PdfReader(io.BytesIO(part)).pages[0] for part in parts]
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in pieces]
    room_w, room_h = A4_LANDSCAPE[0] - 2 * MARGIN, A4_LANDSCAPE[1] - 2 * MARGIN
    gap = 10.0
    total_h = sum(h for _, h in sizes) + gap * (len(sizes) - 1)
    scale = min(room_w / max(w for w, _ in sizes), (room_h - gap * (len(sizes) - 1)) / (total_h - gap * (len(sizes) - 1)), 1.6)
    top = A4_LANDSCAPE[1] - MARGIN
    for piece, (w, h) in zip(pieces, sizes):
        top -= h * scale
        left = MARGIN + (room_w - w * scale) / 2
        page.merge_transformed_page(piece, Transformation().scale(scale).translate(left, top))
        top -= gap
    return page


def pdf(report: Report) -> bytes:
    """The handout: A4 landscape, every page the same size; a title page (title, region, Stand of
    the data, notes), then one chart per page with its title, the note of the slide and the
    source, licence and Stand (in the chart's footer)."""
    demo = data.is_demo()
    writer = PdfWriter()
    built = build_views(report)
    cover = [(report.title, 30, True), (title_line(built, demo), 16, False)]
    if report.notes:
        cover += [("", 12, False), (report.notes, 14, False)]
    writer.add_page(a4_page([text_block(cover)]))
    documents = iter(export.rendered_many([view for _, view, _ in built if view is not None], "pdf", demo))
    for item, view, problem in built:
        if view is None:  # said on its page, as on the slide
            writer.add_page(a4_page([text_block([(item.title, 20, True), (f"Nicht verfügbar: {problem}", 14, False)])]))
            continue
        parts = [text_block([(item.title, 20, True)]), next(documents)]
        if item.note:
            parts.append(text_block([(item.note, 13, False)]))
        writer.add_page(a4_page(parts))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
