"""The `xregion` command line: refresh, import, sql, export, status, backup, restore, doctor, serve.

Errors are printed as one German sentence plus what to do; the traceback only with --verbose.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pipelines import PROJECT_ROOT
from pipelines.config import Settings, config_warnings, load_settings
from pipelines.duck import is_interrupt
from pipelines.errors import XRegionError
from pipelines.german import fmt_number
from pipelines.progress import Reporter

app = typer.Typer(
    help="XRegion Monitor: Daten holen, einlesen, prüfen und das Dashboard starten.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
_verbose = False


class ConsoleReporter(Reporter):
    """Progress bars with sizes and counts on the terminal."""

    def info(self, message: str) -> None:
        console.print(escape(message))

    def warn(self, message: str) -> None:
        console.print(f"[yellow]Warnung:[/yellow] {escape(message)}")

    @contextmanager
    def task(self, description: str, total: float | None = None, unit: str = "") -> Iterator[Callable[[float], None]]:
        columns = [TextColumn("{task.description}"), BarColumn()]
        columns.append(DownloadColumn() if unit == "bytes" else TextColumn("{task.completed:.0f}/{task.total}"))
        columns.append(TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            task_id = progress.add_task(escape(description), total=total)
            yield lambda n: progress.advance(task_id, n)


@app.callback()
def main_options(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Bei Fehlern den vollständigen Traceback zeigen."),
) -> None:
    global _verbose
    _verbose = verbose


def _settings() -> Settings:
    settings = load_settings()
    for warning in config_warnings():
        console.print(f"[yellow]Warnung:[/yellow] {escape(warning)}")
    return settings


@app.command()
def refresh(
    source: Optional[list[str]] = typer.Option(None, "--source", "-s", help="Nur diese Quelle(n) aktualisieren."),
) -> None:
    """Quellen online aktualisieren und den Datenbestand neu bauen."""
    from pipelines.refresh import refresh as run_refresh
    from pipelines.sources import by_name

    settings = _settings()
    result = run_refresh(settings, by_name(source), ConsoleReporter())
    for name in result.succeeded:
        console.print(f"[green]✓[/green] {escape(name)} aktualisiert")
    for name, message in result.partial.items():
        console.print(f"[yellow]⚠[/yellow] {escape(name)} teilweise aktualisiert: {escape(message)}")
    for entry in result.build.quarantined if result.build else []:
        what = f"{entry.source}, {entry.what_de}"
        console.print(f"[yellow]⚠[/yellow] {escape(what)} zurückgestellt ({entry.kept_de}): {escape(entry.message)}")
    for name, message in result.failed.items():
        console.print(f"[red]✗[/red] {escape(name)}: {escape(message)}")
    code = refresh_exit_code(result)
    if code:
        console.print("Für die nicht erreichbaren Quellen bleiben die zuletzt geladenen Daten in Gebrauch.")
        raise typer.Exit(code=code)


EXIT_OK, EXIT_PARTIAL, EXIT_NOTHING = 0, 1, 2


def refresh_exit_code(result) -> int:
    """For schedulers: 0 every source updated, 1 some sources or tables kept their last data,
    2 nothing could be updated."""
    if result.failed and not result.fetched:
        return EXIT_NOTHING
    if result.failed or result.partial or (result.build and result.build.quarantined):
        return EXIT_PARTIAL
    return EXIT_OK


@app.command("import")
def import_(
    paths: list[Path] = typer.Argument(..., help="Von Hand heruntergeladene Dateien."),
    replace: bool = typer.Option(False, "--replace", help="Bestätigt einen Register-Import, der die meisten Einträge löscht."),
) -> None:
    """Von Hand heruntergeladene Dateien einlesen (Format wird am Inhalt erkannt)."""
    from pipelines.refresh import import_files

    matches, _ = import_files(_settings(), paths, ConsoleReporter(), replace=replace)
    console.print(f"[green]✓[/green] {len(matches)} Datei(en) eingelesen, Datenbestand neu gebaut.")


@app.command(context_settings={"ignore_unknown_options": True})  # "-- Kommentar …" is a query, not an option
def sql(
    query: str = typer.Argument(..., help="Eine SQL-Abfrage (nur lesend) über dem Schema marts."),
    csv: bool = typer.Option(False, "--csv", help="Ergebnis als CSV (Semikolon, Dezimalkomma) auf die Standardausgabe."),
    max_rows: int = typer.Option(10_000, help="Höchstens so viele Zeilen."),
    timeout: float = typer.Option(60.0, help="Abbruch nach so vielen Sekunden."),
) -> None:
    """Lesende SQL-Abfrage auf dem Warehouse (ohne Datei- und Netzzugriff)."""
    from pipelines.sqlconsole import run_query

    result = run_query(_settings().db_path, query, timeout_s=timeout, max_rows=max_rows)
    if csv:
        sys.stdout.write(_german_csv(result.frame))
    else:
        # data are shown as text, never read as console markup ("[/x]" in a value)
        table = Table(*(escape(c) for c in result.frame.columns))
        for row in result.frame.iter_rows():
            table.add_row(*(Text("" if v is None else (fmt_number(v, 2) if isinstance(v, float) else str(v))) for v in row))
        Console().print(table)
    if result.truncated:
        console.print(f"[yellow]Hinweis:[/yellow] nur die ersten {fmt_number(max_rows)} Zeilen.")


def _german_csv(frame) -> str:
    """Semicolon-separated with decimal commas, as German Excel reads it."""
    import polars as pl

    return frame.with_columns(
        pl.col(c).cast(pl.String).str.replace(".", ",", literal=True) for c, t in frame.schema.items() if t.is_float()
    ).write_csv(separator=";")


@app.command()
def export(
    parquet: Optional[Path] = typer.Option(None, "--parquet", help="Alle Tabellen von marts als Parquet in dieses Verzeichnis."),
    report: Optional[str] = typer.Option(None, "--report", help="Gespeicherten Bericht als PPTX und PDF erzeugen."),
    profile: Optional[str] = typer.Option(None, "--profile", help="Stadtprofil (A4-PDF) einer Gemeinde (AGS) oder aller (all)."),
    gpkg: Optional[Path] = typer.Option(None, "--gpkg", help="Nahversorgung als GeoPackage (QGIS) in dieses Verzeichnis."),
    out: Path = typer.Option(Path("."), "--out", help="Zielverzeichnis für --report und --profile."),
    mail: Optional[str] = typer.Option(None, "--mail", help="Den Bericht (PPTX und PDF) an diese Adressen senden (durch Komma getrennt)."),
) -> None:
    """Daten exportieren: Parquet aller marts, einen gespeicherten Bericht (PPTX, PDF) mit aktuellen Daten
    oder Stadtprofile (A4-PDF)."""
    if parquet is None and report is None and profile is None and gpkg is None:
        raise XRegionError("Bitte angeben, was exportiert werden soll.",
                           "Beispiele: --parquet export/, --report quartalsbericht, --profile all oder --gpkg gis/")  # fmt: skip
    settings = _settings()
    if gpkg is not None:
        from pipelines.gis import write_gpkg

        if not settings.db_path.exists():
            raise XRegionError("Noch kein Datenbestand vorhanden.", "Erst `xregion refresh` oder `xregion import <Datei>` ausführen.")
        path = write_gpkg(settings.db_path, gpkg / f"nahversorgung-{settings.region.ags}.gpkg")
        console.print(f"geschrieben: {escape(str(path))}")
    if profile is not None:
        _export_profiles(settings, profile, out)
    if parquet is not None:
        from pipelines.sqlconsole import export_parquet

        for path in export_parquet(settings.db_path, parquet):
            console.print(f"geschrieben: {escape(str(path))}")
    if report is not None:
        from dashboard import reports

        recipients = None
        if mail is not None:
            from pipelines.mail import recipients_from

            recipients = recipients_from(mail)  # a typo fails before minutes of rendering
        loaded = reports.load(report)
        out.mkdir(parents=True, exist_ok=True)
        files = []
        for suffix, content in (("pptx", reports.pptx(loaded, settings.reports.logo)), ("pdf", reports.pdf(loaded))):
            path = out / f"{loaded.slug}.{suffix}"
            path.write_bytes(content)
            files.append(path)
            console.print(f"geschrieben: {escape(str(path))}")
        if recipients:
            _mail_report(settings, loaded, files, recipients)
    elif mail is not None:
        raise XRegionError("--mail gehört zu --report.", "Beispiel: xregion export --report wochenbericht --mail a@kreis.example")


def _export_profiles(settings: Settings, wanted: str, out: Path) -> None:
    """One A4 PDF per town: the one named by its AGS, or all towns of the Kreis ("all")."""
    from dashboard import data, profile, profile_pdf

    if not settings.db_path.exists():
        raise XRegionError("Noch kein Datenbestand vorhanden.", "Erst `xregion refresh` oder `xregion import <Datei>` ausführen.")
    towns = profile.towns()
    if wanted.strip().lower() in ("all", "alle"):
        chosen = list(towns)
    elif wanted.strip() in towns:
        chosen = [wanted.strip()]
    else:
        listed = ", ".join(f"{a} ({n})" for a, n in towns.items()) or "keine – der Datenbestand enthält noch keine Gemeinden"
        raise XRegionError(f"„{wanted[:40]}“ ist keine Stadt oder Gemeinde im {data.region_name(settings.region.ags) or settings.region.ags}.",
                           f"Gemeindeschlüssel (AGS) des Kreises: {listed}; oder --profile all.")  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    for ags in chosen:
        built = profile.build(ags)
        path = out / profile_pdf.file_name(built)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(profile_pdf.profile_pdf(built))
        tmp.replace(path)  # a half-written PDF never carries the final name
        console.print(f"geschrieben: {escape(str(path))}")


def _mail_report(settings: Settings, report, files: list[Path], recipients: list[str]) -> None:
    from datetime import date

    from dashboard import views
    from pipelines.german import fmt_date
    from pipelines.mail import Attachment, compose, send
    from pipelines.status import source_overview

    mimes = {".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pdf": "application/pdf"}
    stands = "\n".join(f"- {row.title}: Datenstand {row.data_stand_de}, zuletzt aktualisiert {row.last_success_de}"
                       + (f" ({row.status_de})" if row.status_de != "aktualisiert" else "")
                       for row in source_overview(settings))  # fmt: skip
    body = (
        f"Guten Tag,\n\nanbei der Bericht „{report.title}“ ({views.region_label()}), erstellt am {fmt_date(date.today())} "
        f"mit den Daten dieses Tages – als Präsentation (PPTX) und als Handout (PDF).\n\nStand der Quellen:\n{stands}\n\n"
        "Diese Nachricht wurde vom XRegion Monitor automatisch versandt.\n"
    )
    message = compose(settings.mail, recipients, f"{report.title} – {views.region_label()} – {fmt_date(date.today())}", body,
                      [Attachment(p.name, p.read_bytes(), mimes[p.suffix]) for p in files])  # fmt: skip
    send(settings.mail, message, ca_file=settings.http.ca_file)
    console.print(f"[green]✓[/green] gesendet an {escape(', '.join(recipients))}")


@app.command("register-template")
def register_template(path: Path = typer.Argument(..., help="Zieldatei (.xlsx).")) -> None:
    """Leere Excel-Vorlage des Projektregisters schreiben (Blätter, Spalten, Auswahllisten)."""
    from pipelines.register.workbook import write_workbook

    write_workbook(path)
    console.print(f"Vorlage geschrieben: {escape(str(path))}")


@app.command()
def status(
    as_json: bool = typer.Option(False, "--json", help="Maschinenlesbar für eine Überwachung (eine JSON-Liste)."),
) -> None:
    """Stand jeder Quelle: letzte Aktualisierung, Datenstand, Zeilen, letzter Fehler."""
    from pipelines.status import source_overview

    overview = source_overview(_settings())
    if as_json:
        sys.stdout.write(json.dumps([row.as_json() for row in overview], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="Quellen")
    for column in ("Quelle", "Zustand", "Letzte Aktualisierung", "Datenstand", "Zeilen", "Letzter Fehler"):
        table.add_column(column)
    for row in overview:
        table.add_row(*(Text(v) for v in (row.title, row.status_de, row.last_success_de, row.data_stand_de, row.rows_de, row.error_de)))
    Console().print(table)


@app.command()
def backup(
    directory: Optional[Path] = typer.Argument(None, help="Zielverzeichnis (Standard: [backup] dir, data/backup)."),
) -> None:
    """Sichern, was nur diese Installation hat: Register mit Verlauf, Berichte, Konfiguration (ohne Geheimnisse), Manifeste."""
    from pipelines.backup import create

    settings = _settings()
    path = create(settings, directory or settings.backup.dir)
    console.print(f"[green]✓[/green] Sicherung geschrieben: {escape(str(path))} (Prüfsumme in {escape(path.name)}.sha256)")


@app.command()
def restore(archive: Path = typer.Argument(..., help="Archiv von `xregion backup` (.tar.gz).")) -> None:
    """Eine Sicherung prüfen und zurückspielen (Register und Berichte); danach wird der Datenbestand neu gebaut."""
    from pipelines.backup import restore as run_restore
    from pipelines.german import fmt_datetime

    done = run_restore(_settings(), archive)
    console.print(
        f"[green]✓[/green] Sicherung vom {escape(fmt_datetime(done.created_at))} zurückgespielt: Register mit "
        f"{done.register_changes} Änderungen, {done.reports} Bericht(e). Die gesicherte Konfiguration liegt zum Vergleich "
        "unter data/state/aus-sicherung/ (die aktuelle bleibt in Gebrauch)."
    )


@app.command()
def doctor(
    offline: bool = typer.Option(False, "--offline", help="Weder die Quellen noch den Mailserver anfragen."),
) -> None:
    """Prüft Konfiguration, Zertifikate, Erreichbarkeit der Quellen (mit Proxy), Mailserver, Verzeichnisse, Speicherplatz, Erweiterung, Anmeldung, Sicherung, Aktualisierung."""
    from pipelines.doctor import run

    checks = run(reach_sources=not offline)
    out = Console()
    for check in checks:
        colour = "green" if check.ok else "red"
        out.print(Text.assemble((("✓" if check.ok else "✗"), colour), " " + check.text))
    failed = sum(not c.ok for c in checks)
    out.print(f"{len(checks) - failed} von {len(checks)} Prüfungen in Ordnung.")
    if failed:
        raise typer.Exit(code=1)


@app.command()
def serve(
    port: int = typer.Option(8501, help="Port des Dashboards."),
    address: str = typer.Option("127.0.0.1", help="Adresse; ohne Anmeldung (OIDC) nur lokal."),
    base_path: str = typer.Option("", "--base-path", help="Pfad hinter einem Reverse-Proxy, z. B. /monitor."),
) -> None:
    """Das Dashboard starten (http://127.0.0.1:8501). Gesundheitsprüfung: <Pfad>/_stcore/health."""
    from pipelines.config import auth_configured

    _settings()  # fail early with a clear message on a broken configuration
    if address not in ("127.0.0.1", "localhost", "::1") and not auth_configured():
        raise XRegionError(
            f"Ohne Anmeldung (OIDC) läuft das Dashboard nur lokal; die Adresse {address} ist nicht erlaubt.",
            "Anmeldung in .streamlit/secrets.toml einrichten (Abschnitt [auth], siehe README) oder ohne --address starten.",
        )
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "dashboard" / "app.py"),
        "--server.address", address, "--server.port", str(port),
    ]  # fmt: skip
    path = base_path.strip().strip("/")
    if path and not re.fullmatch(r"[A-Za-z0-9._~/-]+", path):
        raise XRegionError(f"Der Pfad „{base_path}“ taugt nicht als Adresspfad.", "Beispiel: --base-path /monitor")
    if path:
        cmd += ["--server.baseUrlPath", path]
    console.print(f"Dashboard: http://{address}:{port}/{path + '/' if path else ''}")
    environment = serve_environment(os.environ)
    if os.name == "posix":
        # Streamlit takes this process's place: a stop signal (systemd, docker, a supervisor that
        # signals only the process it started) reaches the server itself. As a child it was left
        # running, orphaned, when only this process was terminated.
        sys.stdout.flush()
        sys.stderr.flush()
        os.chdir(PROJECT_ROOT)  # Streamlit reads .streamlit/config.toml from the working directory
        os.execve(sys.executable, cmd, environment)
    raise typer.Exit(subprocess.call(cmd, cwd=PROJECT_ROOT, env=environment))


def serve_environment(environ) -> dict[str, str]:
    """The dashboard's environment. polars computes with one thread there: a page works on frames
    of a few hundred rows, where handing each step to a thread pool costs more than the step
    (and every hand-off waits for the GIL among all sessions); warehouse builds run elsewhere.
    An explicit POLARS_MAX_THREADS is kept."""
    env = dict(environ)
    env.setdefault("POLARS_MAX_THREADS", "1")
    return env


def main() -> None:
    try:
        app()
    except XRegionError as exc:
        if _verbose:
            traceback.print_exc()
        console.print(f"[red]Fehler:[/red] {escape(exc.message)}")
        if exc.hint:
            console.print(escape(exc.hint))
        sys.exit(2)
    except (KeyboardInterrupt, duckdb.InterruptException, RuntimeError) as exc:
        if not is_interrupt(exc):
            raise
        console.print("Abgebrochen – nichts geändert. Der bisherige Datenbestand und das Register sind unverändert.")
        sys.exit(130)
