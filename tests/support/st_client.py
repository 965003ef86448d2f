"""A browser-less Streamlit client: one session over the app's websocket protocol, as the real
frontend speaks it (binary protobuf BackMsg/ForwardMsg on /_stcore/stream). It asks for a rerun
of a page and waits for `script_finished`, so tests and the load benchmark can run many real
sessions against a running `xregion serve` without a browser each."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from pipelines import PROJECT_ROOT


class Stalled(Exception):
    """The server sent no `script_finished` within the time allowed."""


class Session:
    def __init__(self, port: int, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self.ws = connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=None, legacy=True,
                          open_timeout=timeout_s)  # fmt: skip

    def rerun(self, page: str, query: str = "") -> tuple[float, list[ForwardMsg]]:
        """Run `page` once; returns the seconds until the script finished and the messages."""
        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.query_string = query
        started = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        received = []
        while True:
            remaining = self.timeout_s - (time.perf_counter() - started)
            if remaining <= 0:
                raise Stalled(f"{page}: keine Antwort nach {self.timeout_s:.0f} s")
            try:
                raw = self.ws.recv(timeout=remaining)
            except TimeoutError:
                raise Stalled(f"{page}: keine Antwort nach {self.timeout_s:.0f} s") from None
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            received.append(forward)
            if forward.WhichOneof("type") == "script_finished":
                return time.perf_counter() - started, received

    def close(self) -> None:
        self.ws.close()


def exceptions(messages: list[ForwardMsg]) -> list[str]:
    """Exception elements the script sent (a traceback on the page)."""
    found = []
    for m in messages:
        if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element":
            element = m.delta.new_element
            if element.WhichOneof("type") == "exception":
                found.append(f"{element.exception.type}: {element.exception.message}")
    return found


def _die_with_parent() -> None:
    """Linux: the app gets SIGKILL when the test process that started it ends, however it ends (a
    test worker that exits without running the fixture's teardown left apps running)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: the teardown still stops the app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port: int, timeout_s: float = 2.0, base_path: str = "") -> bool:
    prefix = f"/{base_path.strip('/')}" if base_path.strip("/") else ""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{prefix}/_stcore/health", timeout=timeout_s) as resp:
            return resp.status == 200
    except OSError:
        return False


@contextmanager
def running(command: Callable[[int], list[str]], env: dict[str, str], log: Path | Callable[[int], Path],
            base_path: str = "") -> Iterator[int]:
    """The app started by `command(port)` on a free port, healthy, until the block ends; its
    output goes to `log` (or to `log(port)`)."""
    port = free_port()
    log = log(port) if callable(log) else log
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(command(port), cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=out,
                                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not healthy(port, base_path=base_path):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Die App ist nicht gestartet, siehe {log}:\n{log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.3)
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:  # a deadlocked server ignores SIGTERM
                proc.kill()
                proc.wait(10)


def served(env: dict[str, str], log: Path, base_path: str = ""):
    """`xregion serve` of the installation in `env`, as Kreis IT runs it (behind a reverse proxy
    under `base_path`, if given)."""
    extra = ["--base-path", base_path] if base_path else []
    return running(
        lambda port: [sys.executable, "-c", "from pipelines.cli import main; main()", "serve", "--port", str(port),
                      *extra], env, log, base_path=base_path,
    )  # fmt: skip
