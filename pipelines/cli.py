"""The `xregion` command line: refresh, import, status, serve.

Errors are printed as one German sentence plus what to do; the traceback only with --verbose.
"""

from __future__ import annotations

import os
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
    if result.failed or result.partial or (result.build and result.build.quarantined):
        console.print("Für die nicht erreichbaren Quellen bleiben die zuletzt geladenen Daten in Gebrauch.")
        raise typer.Exit(code=1)


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
    out: Path = typer.Option(Path("."), "--out", help="Zielverzeichnis für --report."),
) -> None:
    """Daten exportieren: Parquet aller marts, oder einen gespeicherten Bericht (PPTX, PDF) mit aktuellen Daten."""
    if parquet is None and report is None:
        raise XRegionError("Bitte angeben, was exportiert werden soll.", "Beispiele: --parquet export/ oder --report quartalsbericht")
    settings = _settings()
    if parquet is not None:
        from pipelines.sqlconsole import export_parquet

        for path in export_parquet(settings.db_path, parquet):
            console.print(f"geschrieben: {escape(str(path))}")
    if report is not None:
        from dashboard import reports

        loaded = reports.load(report)
        out.mkdir(parents=True, exist_ok=True)
        for suffix, content in (("pptx", reports.pptx(loaded, settings.reports.logo)), ("pdf", reports.pdf(loaded))):
            path = out / f"{loaded.slug}.{suffix}"
            path.write_bytes(content)
            console.print(f"geschrieben: {escape(str(path))}")


@app.command("register-template")
def register_template(path: Path = typer.Argument(..., help="Zieldatei (.xlsx).")) -> None:
    """Leere Excel-Vorlage des Projektregisters schreiben (Blätter, Spalten, Auswahllisten)."""
    from pipelines.register.workbook import write_workbook

    write_workbook(path)
    console.print(f"Vorlage geschrieben: {escape(str(path))}")


@app.command()
def status() -> None:
    """Stand jeder Quelle: letzte Aktualisierung, Datenstand, Zeilen, letzter Fehler."""
    from pipelines.status import source_overview

    overview = source_overview(_settings())
    table = Table(title="Quellen")
    for column in ("Quelle", "Zustand", "Letzte Aktualisierung", "Datenstand", "Zeilen", "Letzter Fehler"):
        table.add_column(column)
    for row in overview:
        table.add_row(*(Text(v) for v in (row.title, row.status_de, row.last_success_de, row.data_stand_de, row.rows_de, row.error_de)))
    Console().print(table)


@app.command()
def serve(
    port: int = typer.Option(8501, help="Port des Dashboards."),
    address: str = typer.Option("127.0.0.1", help="Adresse; ohne Anmeldung (OIDC) nur lokal."),
) -> None:
    """Das Dashboard starten (http://127.0.0.1:8501)."""
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
    console.print(f"Dashboard: http://{address}:{port}")
    raise typer.Exit(subprocess.call(cmd, cwd=PROJECT_ROOT, env=os.environ.copy()))


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
