"""`xregion doctor`: one line per check of what a Kreis IT person would look at first, ✓ or ✗
with a German hint. Nothing is changed; the sources are asked once each, without retries."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from pipelines.config import Settings, auth_configured, config_warnings, load_settings
from pipelines.errors import XRegionError
from pipelines.german import fmt_datetime, fmt_number
from pipelines.http import proxy_for, unreachable_reason
from pipelines.tls import CA_HINT, ca_certificates, certificate_problem, trusting_session

MIN_FREE_BYTES = 2 << 30  # a refresh rebuilds the warehouse beside the old one


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""

    @property
    def text(self) -> str:
        return f"{self.name}: {self.detail}" + (f" – {self.hint}" if self.hint and not self.ok else "")

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.text}"


def source_urls(settings: Settings) -> list[tuple[str, str]]:
    itnrw = settings.sources.itnrw
    rest = itnrw.user and itnrw.password
    return [
        ("Landesdatenbank NRW", itnrw.rest_url if rest else itnrw.downloader_url),
        ("BKG (Gebietsgrenzen)", settings.sources.bkg.wfs_url),
        ("OpenStreetMap (Overpass)", settings.sources.osm.overpass_url),
        ("Zensus 2022 (Destatis)", settings.sources.zensus.url),
    ]


def check_reachable(title: str, url: str, user_agent: str, timeout_s: float = 10.0, ca_file: Path | None = None) -> Check:
    """Any HTTP answer counts (a 4xx still proves the way there works); only the head is read.
    The same trust as the refresh (pipelines/tls.py), so a certificate problem shows here first."""
    proxy = proxy_for(url)
    via = f" über Proxy {proxy}" if proxy else " ohne Proxy"
    started = time.monotonic()
    try:
        with trusting_session(ca_file) as session, session.get(
            url, timeout=(min(5.0, timeout_s), timeout_s), stream=True, headers={"User-Agent": user_agent}
        ) as resp:
            seconds = time.monotonic() - started
            return Check(f"Quelle {title}", True, f"{url}{via}, HTTP {resp.status_code} in {fmt_number(seconds, 1)} s")
    except requests.exceptions.RequestException as exc:
        untrusted = certificate_problem(exc)
        if untrusted:
            return Check(f"Quelle {title}", False, f"{url}{via}: {untrusted}", CA_HINT)
        reason = unreachable_reason(exc) or ("keine Antwort innerhalb der Wartezeit" if isinstance(
            exc, requests.exceptions.Timeout) else type(exc).__name__)  # fmt: skip
        return Check(f"Quelle {title}", False, f"{url}{via}: {reason}",
                     "Netz oder Proxy prüfen (HTTPS_PROXY, NO_PROXY); ohne Verbindung die Dateien mit `xregion import` "
                     "einlesen")  # fmt: skip


def check_ca_file(ca_file: Path | None) -> Check:
    if ca_file is None:
        return Check("Zertifikate", True, "System und certifi (keine eigene CA-Datei)")
    try:
        count = len(ca_certificates(ca_file))
    except XRegionError as exc:
        return Check("Zertifikate", False, exc.message, exc.hint)
    return Check("Zertifikate", True, f"System, certifi und {ca_file} ({count} Zertifikat{'e' if count != 1 else ''})")


def check_mail(settings: Settings) -> Check:
    """Connect, encrypt and sign in as the weekly report would, and send nothing."""
    from pipelines.mail import connected, encryption

    mail = settings.mail
    if not mail.host:
        return Check("Mailserver", True, "nicht eingerichtet (Berichte werden nicht per E-Mail versandt)")
    started = time.monotonic()
    try:
        with connected(mail, settings.http.ca_file):
            seconds = time.monotonic() - started
    except XRegionError as exc:  # MailError, or the CA file unreadable (its own line says so too)
        return Check("Mailserver", False, exc.message, exc.hint)
    signed_in = f", angemeldet als {mail.user}" if mail.user else ", ohne Anmeldung"
    return Check("Mailserver", True, f"{mail.host}:{mail.port}, {encryption(mail)}{signed_in}, in {fmt_number(seconds, 1)} s")


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-"):
            return True
    except OSError:
        return False


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def run(env: dict[str, str] | None = None, reach_sources: bool = True) -> list[Check]:
    """`reach_sources`: ask the sources and the mail server (off: `xregion doctor --offline`)."""
    checks: list[Check] = []
    try:
        settings = load_settings(env=env)
    except XRegionError as exc:
        return [Check("Konfiguration", False, exc.message, exc.hint or "")]
    warnings = config_warnings(env=env)
    checks.append(Check("Konfiguration", not warnings, "gültig" if not warnings else " ".join(warnings),
                        "Passwörter in die Umgebung oder .streamlit/secrets.toml verschieben"))  # fmt: skip
    ca = check_ca_file(settings.http.ca_file)
    checks.append(ca)
    if reach_sources:
        checks += [check_reachable(title, url, settings.http.user_agent, ca_file=settings.http.ca_file if ca.ok else None)
                   for title, url in source_urls(settings)]  # fmt: skip
    directories = {
        "Datenbestand": settings.db_path.parent, "Rohdaten": settings.raw_dir, "Zustand": settings.state_dir,
        "Register": settings.register_store.parent, "Berichte": settings.reports_dir, "Sicherungen": settings.backup.dir,
    }  # fmt: skip
    not_writable = [f"{name} ({path})" for name, path in directories.items() if not _writable(path)]
    checks.append(Check("Verzeichnisse beschreibbar", not not_writable,
                        "alle" if not not_writable else "nicht beschreibbar: " + ", ".join(not_writable),
                        "Rechte des Dienstkontos prüfen (siehe deploy/xregion.service)"))  # fmt: skip
    free = shutil.disk_usage(_nearest_existing(settings.db_path.parent)).free
    advice = f"mindestens {MIN_FREE_BYTES >> 30} GiB freimachen: ein Neubau entsteht neben dem alten Bestand"
    checks.append(Check("Speicherplatz", free >= MIN_FREE_BYTES, f"{fmt_number(free / (1 << 30), 1)} GiB frei", advice))
    checks.append(_spatial())
    checks.append(Check("Anmeldung", True, "OIDC eingerichtet" if auth_configured()
                        else "lokaler Modus (nur auf 127.0.0.1, eine Person, darf bearbeiten)"))  # fmt: skip
    if reach_sources:
        checks.append(check_mail(settings))
    checks.append(_backup(settings))
    checks.append(_refresh(settings))
    checks.append(_rebuild_owed(settings))
    return checks


def _spatial() -> Check:
    import duckdb

    from pipelines.duck import load_spatial, spatial_extension_path

    try:
        con = duckdb.connect()
        load_spatial(con)
        con.execute("SELECT ST_Point(1, 2)").fetchone()
        con.close()
        return Check("Räumliche Erweiterung (DuckDB spatial)", True, f"offline geladen aus {spatial_extension_path()}")
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return Check("Räumliche Erweiterung (DuckDB spatial)", False, str(exc).splitlines()[0][:200],
                     "`make run` bzw. `pip install -e .` erneut ausführen (die Erweiterung kommt mit dem Paket)")  # fmt: skip


def _backup(settings: Settings) -> Check:
    from pipelines.backup import backup_age_days, last_backup

    last = last_backup(settings)
    if last is None:
        return Check("Letzte Sicherung", False, "noch keine", "`xregion backup` einrichten (wöchentlicher Timer in deploy/)")
    age = backup_age_days(settings, last=last)
    ok = age <= settings.backup.warn_after_days
    return Check("Letzte Sicherung", ok, f"{fmt_datetime(last['at'])} ({fmt_number(age, 0)} Tage alt): {last['path']}",
                 f"älter als {settings.backup.warn_after_days} Tage – `xregion backup` ausführen")  # fmt: skip


def _refresh(settings: Settings) -> Check:
    from pipelines.state import StateStore

    states = StateStore(settings.state_dir).all()
    successes = [s.last_success for s in states.values() if s.last_success]
    failing = sorted(name for name, s in states.items() if s.failing)
    if not successes:
        return Check("Letzte Aktualisierung", False, "noch keine erfolgreiche", "`xregion refresh` ausführen")
    last = max(successes)
    detail = f"zuletzt erfolgreich {fmt_datetime(last)}" + (f"; zuletzt fehlgeschlagen: {', '.join(failing)}" if failing else "")
    return Check("Letzte Aktualisierung", not failing, detail, "`xregion status` zeigt den Fehler jeder Quelle")


def _rebuild_owed(settings: Settings) -> Check:
    """A change saved in the app that no build has taken in, with no refresh running that would:
    the build after it failed or was killed."""
    from pipelines.errors import RefreshBusyError
    from pipelines.state import RebuildRequests, refresh_lock

    requests = RebuildRequests(settings.state_dir)
    owed = False
    if requests.pending():
        try:
            with refresh_lock(settings.state_dir):
                owed = requests.pending()
        except RefreshBusyError:
            pass  # the running refresh builds it in at its end
    return Check("Änderungen aus der App im Datenbestand", not owed,
                 "eine gespeicherte Änderung ist noch nicht eingebaut (der Neubau danach schlug fehl oder brach ab)"
                 if owed else "alle eingebaut",
                 "`xregion refresh` ausführen; schlägt der Neubau fehl, nennt die Meldung den Grund")  # fmt: skip
