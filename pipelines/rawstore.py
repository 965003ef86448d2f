"""The raw store: the bytes every source delivered, with lineage, outside the warehouse.

The warehouse is rebuilt from here on every refresh, so a source that fails to download keeps
its last good file and the build still uses it. Layout:

    <raw_dir>/<source>/<item>/<fetched-at>_<sha256-prefix>.<ext>   the bytes as delivered
    <raw_dir>/<source>/manifest.json                               the current file per item + lineage

Every write goes to a temporary file that is renamed into place, so a killed process never
leaves a half-written file or manifest behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class RawFile:
    source: str
    item: str  # what the file is within the source, e.g. a table code
    path: str  # relative to the raw store root
    url: str  # where it came from (http(s) URL, or file:// for an import)
    origin: str  # "download" or "import"
    fetched_at: str  # ISO 8601, UTC
    sha256: str
    size: int
    licence: str
    media: str  # format identifier the source's loader understands
    data_stand: str | None = None  # ISO date of the source's release, if the file states it
    data_stand_kind: str | None = None  # "abgerufen": the Stand is the fetch date (see itnrw)
    notes: str | None = None  # German: what was left out or merged while reading it


def atomic_write(path: Path, content: bytes) -> None:
    """Write via a temporary file and one rename; fsync so a crash cannot leave a torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) or "_"


class RawStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(
        self,
        source: str,
        item: str,
        content: bytes,
        *,
        url: str,
        origin: str,
        licence: str,
        media: str,
        ext: str,
        data_stand: str | None = None,
        data_stand_kind: str | None = None,
        notes: str | None = None,
    ) -> RawFile:
        """Keep `content` as the current file of (source, item) and return its lineage."""
        digest = hashlib.sha256(content).hexdigest()
        fetched_at = utc_now()
        stamp = fetched_at.replace(":", "").replace("-", "")[:15]
        rel = Path(_safe(source)) / _safe(item) / f"{stamp}_{digest[:16]}.{ext.lstrip('.')}"
        previous = self.current_item(source, item)
        if previous and previous.sha256 == digest and (self.root / previous.path).exists():
            rel = Path(previous.path)  # same bytes: keep one copy, record the newer fetch
        else:
            atomic_write(self.root / rel, content)
        raw = RawFile(
            source=source,
            item=item,
            path=rel.as_posix(),
            url=url,
            origin=origin,
            fetched_at=fetched_at,
            sha256=digest,
            size=len(content),
            licence=licence,
            media=media,
            data_stand=data_stand,
            data_stand_kind=data_stand_kind,
            notes=notes,
        )
        manifest = self._manifest(source)
        manifest[item] = asdict(raw)
        atomic_write(self._manifest_path(source), json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        return raw

    def current(self, source: str) -> list[RawFile]:
        return [RawFile(**entry) for _, entry in sorted(self._manifest(source).items())]

    def current_item(self, source: str, item: str) -> RawFile | None:
        entry = self._manifest(source).get(item)
        return RawFile(**entry) if entry else None

    def read(self, raw: RawFile) -> bytes:
        return (self.root / raw.path).read_bytes()

    def snapshot(self, sources: list[str]) -> dict[str, bytes | None]:
        """The manifests of `sources` as they are now, to roll back to if a build fails."""
        return {
            source: path.read_bytes() if (path := self._manifest_path(source)).exists() else None
            for source in sources
        }

    def restore(self, snapshot: dict[str, bytes | None]) -> None:
        for source, content in snapshot.items():
            if content is None:
                self._manifest_path(source).unlink(missing_ok=True)
            else:
                atomic_write(self._manifest_path(source), content)

    def _manifest_path(self, source: str) -> Path:
        return self.root / _safe(source) / MANIFEST

    def _manifest(self, source: str) -> dict[str, dict]:
        path = self._manifest_path(source)
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))
