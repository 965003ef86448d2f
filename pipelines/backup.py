"""Backup and restore of what only this installation has: the register store (every edit and
its history), the saved reports, the configuration (without secrets) and the raw manifests
(which files with which Stand the warehouse was built from). Everything else comes back with
`xregion refresh`.

The archive is one dated `.tar.gz` with a manifest of SHA-256 checksums inside and a `.sha256`
file beside it. The register is copied with SQLite's online backup, which is consistent while
the app goes on editing. A restore checks everything before it changes anything, then replaces
the store in one rename and rebuilds the warehouse.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipelines.config import DEFAULT_CONFIG, Settings
from pipelines.errors import XRegionError

FORMAT = "xregion-backup"
VERSION = 1
MANIFEST = "MANIFEST.json"
LAST_BACKUP = "last_backup.json"  # in the state directory: when and where the last backup went
_SECRET_LINE = re.compile(r"^(\s*)(password|passwort|secret|token|client_secret)(\s*=).*$", re.IGNORECASE | re.MULTILINE)


class BackupError(XRegionError):
    """A backup or restore that cannot be done (German message and hint)."""


@dataclass
class Restored:
    archive: Path
    created_at: str
    register_changes: int
    reports: int


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _register_copy(store: Path) -> bytes:
    """The store as one consistent SQLite file, taken with the online backup API (an edit that
    runs meanwhile is either wholly in the copy or not at all)."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "store.sqlite"
        source = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=30)
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            copy.close()
        finally:
            source.close()
        return target.read_bytes()


def _config_without_secrets(path: Path) -> bytes:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return _SECRET_LINE.sub(r"\1# \2 entfernt (Geheimnisse gehören nicht in eine Sicherung)", text).encode("utf-8")


def create(settings: Settings, directory: Path, config_path: Path | None = None) -> Path:
    """Write the archive into `directory`; returns its path."""
    store = settings.register_store
    if not store.exists():
        raise BackupError(f"Es gibt noch kein Register zum Sichern ({store}).",
                          "Das Register entsteht mit der ersten Aktualisierung oder dem ersten Einlesen.")  # fmt: skip
    members: dict[str, bytes] = {"register/store.sqlite": _register_copy(store)}
    for report in sorted(settings.reports_dir.glob("*.json")) if settings.reports_dir.exists() else []:
        members[f"reports/{report.name}"] = report.read_bytes()
    config = Path(os.environ.get("XREGION_CONFIG") or config_path or DEFAULT_CONFIG)
    members["config/xregion.toml"] = _config_without_secrets(config)
    for manifest in sorted(settings.raw_dir.glob("*/manifest.json")) if settings.raw_dir.exists() else []:
        members[f"raw/{manifest.parent.name}/manifest.json"] = manifest.read_bytes()
    created = datetime.now().astimezone()
    manifest = {
        "format": FORMAT, "version": VERSION, "created_at": created.isoformat(timespec="seconds"),
        "region_ags": settings.region.ags, "demo": settings.project_register.demo,
        "files": {name: _sha256(data) for name, data in members.items()},
    }  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"xregion-sicherung-{settings.region.ags}-{created.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    part = target.with_name(target.name + ".part")
    with tarfile.open(part, "w:gz") as archive:
        for name, data in [(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode()), *members.items()]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(created.timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
    part.replace(target)
    digest = _sha256(target.read_bytes())
    target.with_name(target.name + ".sha256").write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    (settings.state_dir / LAST_BACKUP).write_text(
        json.dumps({"at": manifest["created_at"], "path": str(target), "sha256": digest}, ensure_ascii=False), encoding="utf-8"
    )
    return target


def last_backup(settings: Settings) -> dict | None:
    """{"at": ISO time, "path": …} of the last backup of this installation, or None."""
    path = settings.state_dir / LAST_BACKUP
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def backup_age_days(settings: Settings, now: datetime | None = None, last: dict | None = None) -> float | None:
    """Days since the last backup (`last`: the record of `last_backup`, when already read)."""
    last = last or last_backup(settings)
    if not last:
        return None
    at = datetime.fromisoformat(last["at"])
    return ((now or datetime.now().astimezone()) - at).total_seconds() / 86400


def _read(archive_path: Path) -> tuple[dict, dict[str, bytes]]:
    """Manifest and members, every checksum verified; nothing is written."""
    name = archive_path.name
    if not archive_path.is_file():
        raise BackupError(f"Die Sicherung {archive_path} gibt es nicht.", "Pfad prüfen.")
    sidecar = archive_path.with_name(name + ".sha256")
    if sidecar.exists():
        expected = (sidecar.read_text(encoding="utf-8").split() or [""])[0]
        if expected != _sha256(archive_path.read_bytes()):
            raise BackupError(f"Die Sicherung {name} ist beschädigt: die Prüfsumme stimmt nicht mit {sidecar.name} überein.",
                              "Eine andere Sicherung nehmen; diese ist nach dem Schreiben verändert worden.")  # fmt: skip
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            for member in archive.getmembers():
                if not member.isfile() or member.name.startswith(("/", "..")) or "/../" in member.name:
                    raise BackupError(f"{name} enthält einen unzulässigen Eintrag „{member.name}“.",
                                      "Das ist keine Sicherung des XRegion Monitors.")  # fmt: skip
                members[member.name] = archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(f"Die Sicherung {name} ist beschädigt oder kein tar.gz-Archiv ({exc}).",
                          "Eine andere Sicherung nehmen.") from None  # fmt: skip
    if MANIFEST not in members:
        raise BackupError(f"{name} ist keine Sicherung des XRegion Monitors (es fehlt {MANIFEST}).",
                          "Nur Archive von `xregion backup` lassen sich zurückspielen.")  # fmt: skip
    try:
        manifest = json.loads(members.pop(MANIFEST))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BackupError(f"{name}: {MANIFEST} ist unlesbar.", "Eine andere Sicherung nehmen.") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{name} ist keine Sicherung dieses Formats ({manifest.get('format')}, Version "
                          f"{manifest.get('version')}).", "Nur Archive von `xregion backup` lassen sich zurückspielen.")  # fmt: skip
    listed = manifest.get("files", {})
    if set(listed) != set(members):
        raise BackupError(f"{name} ist unvollständig oder verändert: {', '.join(sorted(set(listed) ^ set(members)))}.",
                          "Eine andere Sicherung nehmen.")  # fmt: skip
    for member, digest in listed.items():
        if _sha256(members[member]) != digest:
            raise BackupError(f"{name} ist beschädigt: {member} hat nicht die vermerkte Prüfsumme.", "Eine andere Sicherung nehmen.")
    if "register/store.sqlite" not in members:
        raise BackupError(f"{name} enthält kein Register.", "Eine andere Sicherung nehmen.")
    return manifest, members


def _changes_in(store_bytes: bytes) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "check.sqlite"
        path.write_bytes(store_bytes)
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise sqlite3.DatabaseError("integrity_check")
                return con.execute("SELECT count(*) FROM change_sets").fetchone()[0]
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"Das Register in der Sicherung ist keine gültige Datenbank ({exc}).",
                              "Eine andere Sicherung nehmen.") from None  # fmt: skip


def restore(settings: Settings, archive_path: Path, rebuild=None) -> Restored:
    """Check the archive completely, then bring the register and the reports back. The current
    configuration stays; the archived one is put beside it for comparison. `rebuild()` builds
    the warehouse with the restored register (default: `refresh` without fetching)."""
    manifest, members = _read(archive_path)
    if manifest.get("region_ags") != settings.region.ags:
        raise BackupError(
            f"Die Sicherung gehört zum Kreis {manifest.get('region_ags')}, konfiguriert ist {settings.region.ags}.",
            "In xregion.toml den Kreis der Sicherung einstellen (region.ags) oder die richtige Sicherung nehmen.",
        )
    changes = _changes_in(members["register/store.sqlite"])
    store = settings.register_store
    store.parent.mkdir(parents=True, exist_ok=True)
    part = store.with_name(store.name + ".restore")
    part.write_bytes(members["register/store.sqlite"])
    for suffix in ("-wal", "-shm"):  # the old store's journal must not be replayed onto the restored one
        store.with_name(store.name + suffix).unlink(missing_ok=True)
    part.replace(store)
    reports = [n for n in members if n.startswith("reports/") and n.endswith(".json")]
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    for name in reports:
        (settings.reports_dir / Path(name).name).write_bytes(members[name])
    keep = settings.state_dir / "aus-sicherung"
    keep.mkdir(parents=True, exist_ok=True)
    (keep / "xregion.toml").write_bytes(members["config/xregion.toml"])
    for name in (n for n in members if n.startswith("raw/")):
        target = keep / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(members[name])
    if rebuild is None:
        from pipelines.refresh import refresh

        def rebuild() -> None:
            refresh(settings, selected=[])
    rebuild()
    return Restored(archive_path, manifest["created_at"], changes, len(reports))
