"""Rendering several charts at once in worker processes.

vl-convert renders one chart at a time per process (threads do not help: measured 2,0 s for
four NRW maps in one process with or without threads, 1,3 s in two processes), so a deck's
slides go to a small pool of processes. The pool is started on first use and kept for the life
of the server; it uses "spawn", because forking a process whose JavaScript engine has threads
running hangs the child. If the pool breaks, the charts are rendered here instead.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()
WORKERS = max(1, min(4, (os.cpu_count() or 1)))


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))
        return _pool


def _discard() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def render(renderer: Callable[[dict], bytes | str], specs: list[dict]) -> list[bytes | str]:
    """`renderer` (a module-level function, so that a worker can import it) over `specs`, in
    order. One spec is rendered here: starting a worker costs more than it saves."""
    if len(specs) <= 1 or WORKERS == 1:
        return [renderer(spec) for spec in specs]
    try:
        return list(_executor().map(renderer, specs))
    except BrokenProcessPool:  # a worker died (out of memory, killed): do it here, start anew next time
        _discard()
        return [renderer(spec) for spec in specs]
