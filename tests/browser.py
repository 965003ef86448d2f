"""Helpers for browser tests: start the real app on a free port, drive Debian's chromium."""

from __future__ import annotations

import os
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
