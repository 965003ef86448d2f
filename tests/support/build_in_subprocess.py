"""Run a refresh of the IT.NRW source plus the test source in a separate process, so a test can
kill it at a chosen moment. Configuration comes from the XREGION_* environment."""

import sys

from pipelines.config import load_settings
from pipelines.refresh import refresh
from pipelines.sources import itnrw
from tests.support.extra_source import make_source

if __name__ == "__main__":
    sources = [itnrw.SOURCE, make_source(sys.argv[1])]
    refresh(load_settings(), selected=[], sources=sources)
