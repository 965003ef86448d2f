"""Keep Python's full garbage collections short in the served app.

With geopandas, shapely, pandas, polars, altair and the caches per warehouse build loaded, the
heap holds millions of objects that live as long as the process. A full collection walks all of
them: ~0.12 s with the GIL held, and the NRW map's reruns trigger one every few reruns — a stall
for every session at once. (Streamlit's own full collection after every rerun is switched off in
`.streamlit/config.toml`.) Moving the long-lived objects into the permanent generation
(`gc.freeze`) lets the collector skip them; a full collection then takes milliseconds.

Once shortly after start and then every `PERIOD_S` seconds a background thread unfreezes,
collects everything (so cyclic garbage among once-frozen objects — closed sessions, caches of an
old build — is freed, bounding what freezing can hold back) and freezes what is left.
"""

from __future__ import annotations

import gc
import threading
import time

FIRST_S = 20.0  # after the first pages are shown and their caches are built
PERIOD_S = 600.0
_started = False
_lock = threading.Lock()


def settle() -> None:
    """Collect everything, then freeze the survivors."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _keep() -> None:
    time.sleep(FIRST_S)
    while True:
        settle()
        time.sleep(PERIOD_S)


def start_keeper() -> bool:
    """Start the background thread once per process; True when this call started it."""
    global _started
    with _lock:
        if _started:
            return False
        _started = True
    threading.Thread(target=_keep, name="xregion-heap", daemon=True).start()
    return True
