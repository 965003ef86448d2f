"""Helpers for browser tests: start the real app on a free port, drive Debian's chromium."""

from __future__ import annotations

import os
import re
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from pipelines import PROJECT_ROOT
from tests.support.st_client import running

# Flags headless Chromium needs on these machines (root, no GPU, closed network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
OUTPUT = PROJECT_ROOT / "test-output"


def chromium_path() -> str:
    path = os.environ.get("XREGION_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("XREGION_REQUIRE_BROWSER") == "1":
        pytest.fail("Chromium fehlt, die Browser-Tests sind aber verlangt (XREGION_REQUIRE_BROWSER=1).")
    pytest.skip("Chromium ist nicht installiert (Debian: apt-get install chromium); .ci/run installiert es.")


@contextmanager
def running_app(env: dict[str, str]) -> Iterator[str]:
    def command(port: int) -> list[str]:
        return [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "dashboard" / "app.py"),
                "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true"]  # fmt: skip

    with running(command, env, lambda port: OUTPUT / f"streamlit-{port}.log") as port:
        yield f"http://127.0.0.1:{port}"


def screenshot_path(name: str) -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT / f"{name}.png"


def wait_for_confirmation(page, text: str | re.Pattern, timeout: float = 60_000) -> None:
    """Wait for the message an action ends with (a save's „Alle Seiten zeigen den neuen Stand“).
    When it does not come, fail with what the page shows instead — its messages and whether the
    script still runs — so that a failure on CI explains itself without the screenshot."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.get_by_text(text).first.wait_for(timeout=timeout)
    except PlaywrightTimeout:
        alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
        state = page.locator('[data-testid="stApp"]').first.get_attribute("data-test-script-state")
        shown = getattr(text, "pattern", text)
        raise AssertionError(
            f"„{shown}“ erscheint nicht binnen {timeout / 1000:.0f} s; Skript: {state}; Meldungen auf der Seite: {alerts}"
        ) from None
