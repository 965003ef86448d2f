"""Shared reports: only editors save or overwrite them, notes are Markdown (never HTML), and a
report name from the URL is only ever a saved report's name."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import reports
from tests.test_export import series

HOSTILE_NOTE = '<style>body{display:none}</style><iframe src="https://example.org"></iframe><form><input type="password"></form> **fett**'


def presentation(query: dict | None = None) -> AppTest:
    at = AppTest.from_string("from dashboard.screens import praesentation\npraesentation.render()", default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture
def quarterly(statistics):
    report = reports.Report("Quartalsbericht", "Für den Kreistag",
                            [reports.Item("indikator_verlauf", series().params, "Arbeitslose", HOSTILE_NOTE)])  # fmt: skip
    reports.save(report)
    return report


def test_a_viewer_cannot_overwrite_a_shared_report(quarterly, as_role, monkeypatch):
    from dashboard.screens import praesentation

    as_role("viewer")
    before = (reports.reports_dir() / "quartalsbericht.json").read_bytes()
    errors = []
    monkeypatch.setattr(praesentation.st, "error", errors.append)
    praesentation.save_report(reports.Report("Quartalsbericht", "GEFÄLSCHT", quarterly.items))
    assert (reports.reports_dir() / "quartalsbericht.json").read_bytes() == before
    assert errors and "nicht erlaubt" in errors[0]
    as_role("editor")
    monkeypatch.setattr(praesentation.st, "success", lambda *_: None)
    praesentation.save_report(reports.Report("Quartalsbericht", "Neu", quarterly.items))
    assert reports.load("quartalsbericht").notes == "Neu"


def test_notes_are_markdown_not_html(quarterly):
    at = presentation({"bericht": "quartalsbericht", "folie": "1"})
    assert not at.exception
    with_html = [m for m in at.markdown if m.proto.allow_html]
    assert with_html and not any("<iframe" in m.value or "<form" in m.value or "display:none" in m.value
                                 for m in with_html)  # fmt: skip
    assert any(HOSTILE_NOTE == m.value and not m.proto.allow_html for m in at.markdown)


@pytest.mark.parametrize("name", ["../raw/bkg/manifest", "../../xregion", "/etc/passwd", "gibt-es-nicht"])
def test_only_saved_reports_open_from_the_url(quarterly, name):
    at = presentation({"bericht": name})
    assert not at.exception
    assert "gibt es nicht" in at.error[0].value and "quartalsbericht" in at.error[0].value


@pytest.mark.parametrize("slide", ["abc", "-1", "99999999999", "1.5", ""])
def test_an_odd_slide_number_opens_the_first_slide(quarterly, slide):
    at = presentation({"bericht": "quartalsbericht", "folie": slide})
    assert not at.exception
    assert at.header[0].value == "Arbeitslose"


def test_vorfuehren_builds_only_the_slide_shown(statistics, monkeypatch):
    from dashboard import views

    items = [reports.Item("indikator_verlauf", series().params, f"Folie {i}") for i in range(1, 6)]
    reports.save(reports.Report("Zehn Folien", "", items))
    built = []
    real = views.build
    monkeypatch.setattr(views, "build", lambda name, params: built.append(name) or real(name, params))
    at = presentation({"bericht": "zehn-folien", "folie": "3"})
    assert not at.exception and at.header[0].value == "Folie 3"
    assert len(built) == 1


def test_the_report_draft_survives_a_reload_and_is_kept_per_person(statistics, as_role):
    """A new session (reload, new tab, server restart) finds the draft; another person does not."""
    def indikatoren() -> AppTest:
        return AppTest.from_string("from dashboard.screens import indikatoren\nindikatoren.render()", default_timeout=60)

    as_role("editor")
    at = indikatoren().run()
    add = next(b for b in at.button if b.label == "Zum Bericht hinzufügen")
    add.click().run()
    assert not at.exception
    reloaded = presentation()
    assert not reloaded.exception
    titles = [t.value for t in reloaded.text_input if t.label.startswith("Folie 1")]
    assert len(titles) == 1 and titles[0]  # the chart added in the other session
    reloaded.text_input(key="item_note_0").input("Zuerst zeigen").run()
    again = presentation()
    assert again.text_input(key="item_note_0").value == "Zuerst zeigen"
    as_role("viewer")  # another person (test-viewer@…) starts with an empty draft
    other = presentation()
    assert not [t for t in other.text_input if t.label.startswith("Folie 1")]
