"""Refresh and import: get new raw files, then rebuild the warehouse from the raw store.

A source that fails is recorded with its German error and keeps its last good raw files; the
others still refresh and the warehouse is rebuilt from everything that is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.catalogue import load_catalogue
from pipelines.config import Settings
from pipelines.errors import BuildError, ParseError, PartialSourceError, RefreshBusyError, XRegionError
from pipelines.http import UNREACHABLE
from pipelines.progress import Reporter
from pipelines.rawstore import RawStore
from pipelines.register.store import RegisterStore
from pipelines.sources import ImportMatch, Source, all_sources, register
from pipelines.state import RebuildRequests, StateStore, refresh_lock
from pipelines.warehouse import BuildReport, build_warehouse


@dataclass
class RefreshResult:
    succeeded: list[str] = field(default_factory=list)
    partial: dict[str, str] = field(default_factory=dict)  # source -> German message on what kept its data
    failed: dict[str, str] = field(default_factory=dict)  # source -> German message
    build: BuildReport | None = None
    local: set[str] = field(default_factory=set)  # sources that never fetch (the register)

    @property
    def fetched(self) -> list[str]:
        """Sources that brought something in from outside, wholly or in part."""
        return [s for s in self.succeeded + list(self.partial) if s not in self.local]


def refresh(
    settings: Settings,
    selected: list[Source] | None = None,
    reporter: Reporter | None = None,
    sources: list[Source] | None = None,
) -> RefreshResult:
    """Fetch `selected` sources (default: all), then rebuild from all `sources`."""
    reporter = reporter or Reporter()
    sources = sources if sources is not None else all_sources()
    selected = selected if selected is not None else sources
    store = RawStore(settings.raw_dir)
    states = StateStore(settings.state_dir)
    result = RefreshResult(local={s.name for s in sources if not s.online})
    UNREACHABLE.reset()  # a host unreachable in the last run may be back
    load_catalogue(settings.catalogue_path)  # a broken catalogue stops before anything is fetched
    with refresh_lock(settings.state_dir):
        before = store.snapshot([s.name for s in selected])
        for source in selected:
            reporter.info(f"Aktualisiere {source.title} …")
            try:
                source.fetch(settings, store, reporter)
            except PartialSourceError as exc:
                states.record_partial(source.name, str(exc))
                result.partial[source.name] = str(exc)
                reporter.warn(f"{source.title}: {exc}")
                continue
            except XRegionError as exc:
                states.record_failure(source.name, str(exc))
                result.failed[source.name] = str(exc)
                reporter.warn(f"{source.title}: {exc}")
                continue
            except Exception as exc:  # a bug must not stop the other sources either
                message = f"Unerwarteter Fehler ({type(exc).__name__}: {exc})."
                states.record_failure(source.name, message)
                result.failed[source.name] = message
                reporter.warn(f"{source.title}: {message}")
                continue
            states.record_success(source.name)
            result.succeeded.append(source.name)
        changed = result.succeeded + list(result.partial)
        with RebuildRequests(settings.state_dir).taken():
            result.build = _build_or_roll_back(settings, sources, reporter, store, before, changed)
        result.build = _answer_rebuild_requests(settings, sources, reporter) or result.build
    return result


def rebuild_for_change(settings: Settings, wait: float, reporter: Reporter | None = None) -> bool:
    """Bring a change just stored in the register into the warehouse. A refresh running meanwhile
    (another person's save, `xregion refresh` of the weekly timer) is asked to build once more at its end,
    and this waits up to `wait` seconds for it. True once the warehouse holds the change; False
    when that refresh still runs after `wait` — it builds the change in when it ends."""
    requests = RebuildRequests(settings.state_dir)
    requests.ask()
    try:
        with refresh_lock(settings.state_dir, wait=wait):
            if not requests.pending():
                return True  # the refresh that held the lock has built it in
            with requests.taken():
                build_warehouse(settings, all_sources(), reporter or Reporter())
    except RefreshBusyError:
        return False
    return True


def _answer_rebuild_requests(settings: Settings, sources: list[Source], reporter: Reporter) -> BuildReport | None:
    """Under the lock, after a build: once more for each change saved in the app while it ran."""
    requests = RebuildRequests(settings.state_dir)
    report = None
    while requests.pending():
        reporter.info("Während des Neubaus wurde eine Änderung gespeichert; der Datenbestand wird noch einmal gebaut …")
        try:
            with requests.taken():
                report = build_warehouse(settings, sources, reporter)
        except BuildError as exc:
            # this run's own build stands; the request stays, the next build (or the app that
            # waits for it) tries again and shows the error where the change was made
            reporter.warn(f"Eine zwischendurch gespeicherte Änderung ließ sich nicht einbauen: {exc}")
            break
    return report


def _build_or_roll_back(settings, sources, reporter, store, before, changed) -> BuildReport:
    """Build; if the new files break the build, the raw store goes back to the files of the
    live warehouse, so that the next build is not blocked by them."""
    try:
        return build_warehouse(settings, sources, reporter)
    except BuildError as exc:
        # every source fetched in this run goes back, also one that kept some tables and failed on others
        store.restore(before)
        states = StateStore(settings.state_dir)
        for name in changed:
            states.record_failure(name, str(exc))
        raise


def recognise_file(path: Path, sources: list[Source]) -> tuple[ImportMatch, bytes]:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise XRegionError(f"Die Datei {path} lässt sich nicht lesen ({exc.strerror}).") from None
    for source in sources:
        match = source.recognise(path.name, content)
        if match:
            return match, content
    raise ParseError(
        f"Das Format der Datei {path} wurde nicht erkannt.",
        "Eingelesen werden Dateien der Quellen: " + ", ".join(s.title for s in sources) + ".",
    )


def import_files(
    settings: Settings,
    paths: list[Path],
    reporter: Reporter | None = None,
    sources: list[Source] | None = None,
    replace: bool = False,
) -> tuple[list[ImportMatch], BuildReport]:
    """Import hand-downloaded files. All files are checked first; one bad file imports nothing.
    Store changes and the build are one unit: a failed or interrupted build (Ctrl-C, kill)
    takes the register and the raw files back as well. `replace` confirms a register import
    that deletes most of the register."""
    reporter = reporter or Reporter()
    sources = sources if sources is not None else all_sources()
    by_name = {s.name: s for s in sources}
    with refresh_lock(settings.state_dir):
        matches = []
        errors = []
        for path in paths:
            try:
                matches.append((path, *recognise_file(path, sources)))
            except XRegionError as exc:
                errors.append(exc)
        if errors:
            raise XRegionError(
                " ".join(e.message for e in errors),
                "Es wurde nichts eingelesen. " + (errors[0].hint or ""),
            )
        # the register goes into its own store first: its last check (the Kreis) can still refuse it
        register_changes = [
            register.import_workbook(settings, content, path.name, register.who_on_command_line(), replace=replace)
            for path, match, content in matches
            if match.source == register.NAME
        ]
        store = RawStore(settings.raw_dir)
        before = store.snapshot(sorted({m.source for _, m, _ in matches}))
        for path, match, content in matches:
            store.put(
                match.source,
                match.item,
                content,
                url=path.resolve().as_uri(),
                origin="import",
                licence=match.licence or by_name[match.source].licence,
                media=match.media,
                ext=match.ext,
                data_stand=match.data_stand,
                notes=match.notes,
            )
            reporter.info(f"Eingelesen: {path.name} → {match.description}")
        try:
            with RebuildRequests(settings.state_dir).taken():
                report = _build_or_roll_back(settings, sources, reporter, store, before, list(before))
        except BaseException:  # a failed build, Ctrl-C or an interrupted query: both or neither
            store.restore(before)
            for change_set in reversed(register_changes):  # the register goes back as well
                RegisterStore(settings.register_store).undo(change_set, "System (Import verworfen)")
            raise
        states = StateStore(settings.state_dir)
        for name in before:
            states.record_success(name)
        report = _answer_rebuild_requests(settings, sources, reporter) or report
    return [m for _, m, _ in matches], report
