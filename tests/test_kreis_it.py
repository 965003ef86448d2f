"""What Kreis IT runs: reports by e-mail (against a local SMTP server), backup and restore of
the register (while someone edits), `xregion doctor`, the app behind a path, and the systemd
units and proxy snippets in deploy/."""

from __future__ import annotations

import email
import io
import re
import shlex
import tarfile
import threading
import urllib.request
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import typer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from dashboard import reports
from pipelines import PROJECT_ROOT, backup, mail
from pipelines.cli import app
from pipelines.config import MailSettings, load_settings
from pipelines.register.store import Change, RegisterStore
from tests.support.certificates import server_context
from tests.support.st_client import free_port, served
from tests.test_cli import xregion

DEPLOY = PROJECT_ROOT / "deploy"


# --- e-mail --------------------------------------------------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.encrypted: list[bool] = []  # per message: did it come over TLS (after STARTTLS or from the start)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        self.encrypted.append(session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"smart-region", b"richtig")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=_authenticator,
                            auth_require_tls=False)  # fmt: skip
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def smtp_starttls(kreis_ca):
    """The shipped default: port 587 style, STARTTLS required before anything else, login only
    over TLS, certificate of the Kreis' own CA."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), authenticator=_authenticator,
                            tls_context=server_context(kreis_ca, "127.0.0.1"), require_starttls=True, auth_require_tls=True)  # fmt: skip
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def saved_report(statistics):
    from dashboard import views

    params = {"indicator_id": "arbeitslose", "towns": ["05762004"], "comparison": ["05762"]}
    views.indicator_series(**params)  # the view can be built with the fixture data
    reports.save(reports.Report("Wochenbericht", "Für das Kreistagsbüro", [reports.Item("indikator_verlauf", params, "Arbeitslose")]))
    return statistics


def mail_env(env: dict, port: int, password: str = "richtig") -> dict:
    return {**env, "XREGION_MAIL_HOST": "127.0.0.1", "XREGION_MAIL_PORT": str(port), "XREGION_MAIL_SENDER": "sr@kreis.example",
            "XREGION_MAIL_USER": "smart-region", "XREGION_MAIL_PASSWORD": password}  # fmt: skip


def _no_starttls(env: dict, tmp_path: Path) -> dict:
    """The local test server speaks plain SMTP; the shipped default is STARTTLS."""
    return {**env, "XREGION_MAIL_STARTTLS": "false"}


def test_a_report_goes_out_by_mail_with_both_files_and_the_stand_of_each_source(saved_report, smtp, tmp_path):
    controller, inbox = smtp
    env = _no_starttls(mail_env(saved_report, controller.port), tmp_path)
    done = xregion(env, "export", "--report", "wochenbericht", "--out", str(tmp_path / "out"),
                   "--mail", "kreistagsbuero@kreis.example, sr@kreis.example")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "gesendet an kreistagsbuero@kreis.example, sr@kreis.example" in done.stderr
    (sender, recipients, content), = inbox.messages
    assert inbox.encrypted == [False]  # starttls = false: plain SMTP, as configured
    assert sender == "sr@kreis.example" and recipients == ["kreistagsbuero@kreis.example", "sr@kreis.example"]
    message = email.message_from_bytes(content, policy=policy.default)
    assert message["Subject"].startswith("Wochenbericht – Kreis Höxter – ")
    body = message.get_body(("plain",)).get_content()
    assert "Stand der Quellen:" in body and "Landesdatenbank" in body and "Datenstand 02.03.2026" in body
    files = {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}
    assert set(files) == {"wochenbericht.pptx", "wochenbericht.pdf"}
    assert files["wochenbericht.pdf"].startswith(b"%PDF") and files["wochenbericht.pptx"].startswith(b"PK")
    assert "richtig" not in done.stderr + done.stdout  # the password is never printed


def test_a_refused_login_is_a_clear_message_and_a_failing_exit_code(saved_report, smtp, tmp_path):
    controller, inbox = smtp
    env = _no_starttls(mail_env(saved_report, controller.port, password="falsch"), tmp_path)
    done = xregion(env, "export", "--report", "wochenbericht", "--out", str(tmp_path / "out"), "--mail", "a@kreis.example")
    assert done.returncode == 2 and inbox.messages == []
    assert "lehnt die Anmeldung von „smart-region“ ab" in done.stderr and "XREGION_MAIL_PASSWORD" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreachable_mail_server_is_a_clear_message(saved_report, tmp_path):
    env = _no_starttls(mail_env(saved_report, free_port()), tmp_path)
    done = xregion(env, "export", "--report", "wochenbericht", "--out", str(tmp_path / "out"), "--mail", "a@kreis.example")
    assert done.returncode == 2
    assert re.search(r"Der Mailserver 127\.0\.0\.1:\d+ ist nicht erreichbar", done.stderr), done.stderr


def test_the_report_goes_out_over_starttls_to_a_server_with_a_kreis_certificate(saved_report, smtp_starttls, ca_file, tmp_path):
    controller, inbox = smtp_starttls
    env = {**mail_env(saved_report, controller.port), "XREGION_CA_FILE": str(ca_file)}  # starttls: the default
    done = xregion(env, "export", "--report", "wochenbericht", "--out", str(tmp_path / "out"), "--mail", "a@kreis.example")
    assert done.returncode == 0, done.stderr
    assert len(inbox.messages) == 1 and inbox.encrypted == [True]


def _starttls_settings(port: int, **changes) -> MailSettings:
    fields = {"host": "127.0.0.1", "sender": "sr@kreis.example", "user": "smart-region", "password": "richtig",
              "timeout_s": 5, **changes}  # fmt: skip
    return MailSettings(port=port, **fields)


def _message() -> EmailMessage:
    return mail.compose(_starttls_settings(0), ["a@kreis.example"], "Test", "Text", [])


def test_without_the_kreis_ca_the_mail_server_certificate_is_a_clear_message(smtp_starttls):
    controller, inbox = smtp_starttls
    with pytest.raises(mail.MailError) as caught:
        mail.send(_starttls_settings(controller.port), _message())
    assert re.match(r"Der Mailserver 127\.0\.0\.1:\d+ weist sich mit einem Zertifikat aus, das nicht anerkannt wird "
                    r"\(.*(self-signed|local issuer).*\)\.", caught.value.message), caught.value.message  # fmt: skip
    assert "XREGION_CA_FILE" in caught.value.hint and inbox.messages == []


def test_a_certificate_for_another_name_is_refused_by_the_mail_too(kreis_ca, ca_file, smtp_starttls):
    controller, inbox = smtp_starttls
    with pytest.raises(mail.MailError) as caught:  # the certificate names 127.0.0.1, not localhost
        mail.send(_starttls_settings(controller.port, host="localhost"), _message(), ca_file=ca_file)
    assert "nicht anerkannt" in caught.value.message and "mismatch" in caught.value.message, caught.value.message


def test_port_465_speaks_tls_from_the_first_byte_with_the_kreis_certificate(kreis_ca, ca_file):
    inbox = _Inbox()
    # aiosmtpd offers AUTH "over TLS" only after STARTTLS; here the whole session is TLS
    controller = Controller(inbox, hostname="127.0.0.1", port=465, authenticator=_authenticator,
                            ssl_context=server_context(kreis_ca, "127.0.0.1"), auth_require_tls=False)  # fmt: skip
    try:
        controller.start()
    except (OSError, RuntimeError) as exc:  # no root, or 465 taken on this machine
        pytest.skip(f"Port 465 lässt sich hier nicht öffnen ({exc}): der Weg mit TLS von Anfang an bleibt ungeprüft")
    try:
        with pytest.raises(mail.MailError) as caught:  # without the Kreis CA: the same clear message
            mail.send(_starttls_settings(465, starttls=False), _message())
        assert "mit einem Zertifikat aus, das nicht anerkannt wird" in caught.value.message
        mail.send(_starttls_settings(465, starttls=False), _message(), ca_file=ca_file)
        assert len(inbox.messages) == 1 and inbox.encrypted == [True]
    finally:
        controller.stop()


def test_starttls_against_a_server_without_tls_is_a_clear_message(smtp):
    controller, inbox = smtp
    with pytest.raises(mail.MailError) as caught:
        mail.send(_starttls_settings(controller.port), _message())
    assert "kann das Verlangte nicht" in caught.value.message and "starttls = false" in caught.value.hint
    assert inbox.messages == []


def test_a_wrong_address_is_refused_before_anything_is_rendered(saved_report, tmp_path):
    done = xregion(saved_report, "export", "--report", "wochenbericht", "--out", str(tmp_path / "out"), "--mail", "kreis.example")
    assert done.returncode == 2 and "Keine gültige Empfängeradresse" in done.stderr
    assert not (tmp_path / "out").exists()


# --- backup and restore --------------------------------------------------------------------------


def _kpi_change(store: RegisterStore, n: int) -> None:
    kpi = store.records("kpis")[0][2]["id"]
    measurement = {"kpi": kpi, "date": date(2020, 1, 1) + timedelta(days=n), "value": float(n), "source": f"laufend {n}"}
    store.apply([Change("measurements", None, measurement, None)], "test", f"Messwert {n}")


def _register_state(store_path: Path) -> tuple[list, list]:
    from pipelines.register.model import ENTITIES

    store = RegisterStore(store_path)
    rows = sorted((entity, key, version, repr(sorted(record.items())))
                  for entity in ENTITIES for key, version, record in store.records(entity))  # fmt: skip
    history = [(h["change_set"], h["who"], h["reason"], h["key"]) for h in store.history(limit=100_000)]
    return rows, history


@pytest.fixture
def register(statistics):
    """The installation's register with the committed workbook in its store."""
    settings = load_settings()
    assert RegisterStore(settings.register_store).exists()
    return settings


def test_backup_during_edits_restores_exactly_into_a_fresh_installation(register, tmp_path, monkeypatch):
    settings = register
    store = RegisterStore(settings.register_store)
    reports.save(reports.Report("Quartalsbericht", "Notizen", []))
    stop = threading.Event()
    errors: list[BaseException] = []

    def edit() -> None:
        n = 0
        while not stop.is_set():
            try:
                n += 1
                _kpi_change(store, n)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        archive = backup.create(settings, tmp_path / "sicherung")
    finally:
        stop.set()
        editor.join(30)
    assert not errors
    # what the archive holds is one consistent state of the store: the history and the rows agree
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        copy = tmp_path / "copy.sqlite"
        copy.write_bytes(tar.extractfile("register/store.sqlite").read())
        config = tar.extractfile("config/xregion.toml").read().decode()
    assert {"MANIFEST.json", "register/store.sqlite", "reports/quartalsbericht.json", "config/xregion.toml"} <= names
    assert any(n.startswith("raw/itnrw/") for n in names)
    snapshot = _register_state(copy)
    # consistent: every edit in the copy's history has its row, and no row is there without its edit
    edits = {h[0] for h in snapshot[1] if h[2].startswith("Messwert ")}
    rows = [r for r in snapshot[0] if r[0] == "measurements" and "laufend" in r[3]]
    assert len(edits) == len(rows)
    assert len(_register_state(settings.register_store)[1]) >= len(snapshot[1])  # the edits went on
    assert (archive.parent / f"{archive.name}.sha256").exists()
    assert backup.backup_age_days(settings) < 0.01

    # a fresh installation of the same Kreis
    fresh = tmp_path / "neu"
    from tests.support.installation import installation_env

    fresh_env = installation_env(fresh)
    for key, value in fresh_env.items():
        monkeypatch.setenv(key, value)
    target = load_settings()
    assert target.register_store != settings.register_store
    done = backup.restore(target, archive)
    assert done.reports == 1 and done.register_changes == len({h[0] for h in snapshot[1]})
    assert _register_state(target.register_store) == snapshot
    assert reports.load("quartalsbericht").notes == "Notizen"
    assert (target.state_dir / "aus-sicherung" / "xregion.toml").read_text(encoding="utf-8") == config
    assert target.db_path.exists()  # rebuilt with the restored register


def test_a_backup_never_contains_secrets(register, tmp_path, monkeypatch):
    config = tmp_path / "xregion.toml"
    config.write_text((PROJECT_ROOT / "xregion.toml").read_text(encoding="utf-8")
                      + '\n[extra]\npassword = "geheim123"\ntoken = "abc"\n', encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("XREGION_CONFIG", str(config))
    monkeypatch.setenv("XREGION_MAIL_PASSWORD", "auchgeheim")
    archive = backup.create(load_settings(), tmp_path / "s")
    with tarfile.open(archive) as tar:
        everything = b"".join(tar.extractfile(m).read() for m in tar.getmembers())
    assert b"geheim123" not in everything and b"abc" not in everything.split(b"token")[-1][:20]
    assert b"auchgeheim" not in everything


def test_a_damaged_or_foreign_archive_is_refused_and_nothing_changes(register, tmp_path):
    settings = register
    archive = backup.create(settings, tmp_path / "s")
    before = settings.register_store.read_bytes()
    damaged = tmp_path / "kaputt.tar.gz"
    damaged.write_bytes(archive.read_bytes()[:-200])
    with pytest.raises(backup.BackupError, match="beschädigt"):
        backup.restore(settings, damaged)
    tampered = tmp_path / archive.name
    tampered.write_bytes(archive.read_bytes())
    (tmp_path / f"{archive.name}.sha256").write_text("0" * 64 + f"  {archive.name}\n")
    with pytest.raises(backup.BackupError, match="Prüfsumme"):
        backup.restore(settings, tampered)
    foreign = tmp_path / "fremd.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("irgendwas.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    with pytest.raises(backup.BackupError, match="keine Sicherung des XRegion Monitors"):
        backup.restore(settings, foreign)
    assert settings.register_store.read_bytes() == before


def test_backup_and_restore_from_the_command_line(register, statistics, tmp_path):
    done = xregion(statistics, "backup", str(tmp_path / "s"))
    assert done.returncode == 0, done.stderr
    archive = next((tmp_path / "s").glob("xregion-sicherung-05762-*.tar.gz"))
    assert f"Sicherung geschrieben: {archive}" in done.stderr.replace("\n", "")
    back = xregion(statistics, "restore", str(archive))
    assert back.returncode == 0, back.stderr and "zurückgespielt" in back.stderr
    wrong = xregion(statistics, "restore", str(tmp_path / "gibt-es-nicht.tar.gz"))
    assert wrong.returncode == 2 and "gibt es nicht" in wrong.stderr


def test_the_daten_page_warns_when_the_last_backup_is_old(register, statistics):
    import json
    from datetime import datetime, timedelta

    from streamlit.testing.v1 import AppTest

    from tests.test_app import texts

    def page_text() -> str:
        at = AppTest.from_string("from dashboard.screens import daten\ndaten.render()", default_timeout=60).run()
        assert not at.exception
        return texts(at) + " ".join(w.value for w in at.warning)

    assert "Noch keine Sicherung des Registers" in page_text()
    backup.create(register, register.backup.dir)
    assert "Letzte Sicherung:" in page_text() and "älter als" not in page_text()
    last = register.state_dir / backup.LAST_BACKUP
    old = (datetime.now().astimezone() - timedelta(days=9)).isoformat(timespec="seconds")
    last.write_text(json.dumps({**json.loads(last.read_text()), "at": old}))
    assert "älter als 7 Tage" in page_text()


# --- doctor --------------------------------------------------------------------------------------


def test_doctor_names_each_problem_with_a_hint(env, fake_server, tmp_path):
    from tests.support.fake_server import Reply

    fake_server.route("GET", "/downloader/00/tables/", Reply(404, b"nope"))  # any answer proves the way there
    dead = f"http://127.0.0.1:{free_port()}"
    done = xregion({**env, "XREGION_OVERPASS_URL": f"{dead}/api/interpreter"}, "doctor")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.startswith("✓ Konfiguration: gültig") for line in lines)
    assert any(line.startswith("✓ Quelle Landesdatenbank NRW:") and "ohne Proxy, HTTP 404" in line for line in lines)
    overpass = next(line for line in lines if "Quelle OpenStreetMap" in line)
    assert overpass.startswith("✗") and "die Verbindung wird abgelehnt" in overpass and "HTTPS_PROXY" in overpass
    assert any(line.startswith("✓ Räumliche Erweiterung") for line in lines)
    assert any(line.startswith("✗ Letzte Sicherung: noch keine") for line in lines)
    assert any(line.startswith("✗ Letzte Aktualisierung: noch keine erfolgreiche") for line in lines)
    assert re.search(r"\d+ von \d+ Prüfungen in Ordnung", done.stdout)


def test_doctor_signs_in_at_the_mail_server_as_the_weekly_report_would_and_sends_nothing(env, smtp_starttls, ca_file):
    from pipelines import doctor

    controller, inbox = smtp_starttls
    mail = mail_env(env, controller.port)
    by_name = lambda extra: {c.name: c for c in doctor.run(env={**mail, **extra})}  # noqa: E731
    good = by_name({"XREGION_CA_FILE": str(ca_file)})["Mailserver"]
    assert good.ok and re.fullmatch(r"127\.0\.0\.1:\d+, STARTTLS, angemeldet als smart-region, in \d+,\d s", good.detail)
    untrusted = by_name({})["Mailserver"]
    assert not untrusted.ok and "Zertifikat" in untrusted.detail and "XREGION_CA_FILE" in untrusted.hint
    refused = by_name({"XREGION_CA_FILE": str(ca_file), "XREGION_MAIL_PASSWORD": "falsch"})["Mailserver"]
    assert not refused.ok and "lehnt die Anmeldung von „smart-region“ ab" in refused.detail
    missing_ca = by_name({"XREGION_CA_FILE": str(ca_file.with_name("fehlt.pem"))})["Mailserver"]
    assert not missing_ca.ok and "fehlt.pem" in missing_ca.detail  # no crash: the line names the file
    assert inbox.messages == []
    assert {c.name: c for c in doctor.run(env=env)}["Mailserver"].detail.startswith("nicht eingerichtet")
    assert "Mailserver" not in {c.name for c in doctor.run(env=mail, reach_sources=False)}  # --offline asks no server


def test_doctor_reports_an_invalid_configuration(env):
    done = xregion({**env, "XREGION_REGION": "99999"}, "doctor", "--offline")
    assert done.returncode == 1 and done.stdout.startswith("✗ Konfiguration:") and "kein Kreisschlüssel in NRW" in done.stdout


# --- behind a path, and deploy/ ------------------------------------------------------------------


def test_the_app_answers_under_its_base_path(statistics, tmp_path):
    with served(statistics, tmp_path / "serve.log", base_path="/monitor") as port:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/monitor/_stcore/health", timeout=10) as resp:
            assert resp.status == 200 and resp.read() == b"ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/monitor/karte?indikator=arbeitslose", timeout=10) as resp:
            assert resp.status == 200 and b"<html" in resp.read().lower()
    assert "Dashboard: http://127.0.0.1:" in (tmp_path / "serve.log").read_text() and "/monitor/" in (tmp_path / "serve.log").read_text()


def _exec_lines() -> list[list[str]]:
    commands = []
    for unit in sorted(DEPLOY.glob("*.service")):
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart="):
                commands.append(shlex.split(line.removeprefix("ExecStart=").lstrip("-")))
    return commands


def test_every_command_of_the_systemd_units_exists_and_parses():
    commands = _exec_lines()
    assert len(commands) >= 4
    command = typer.main.get_command(app)
    for argv in commands:
        assert argv[0].endswith("/.venv/bin/xregion"), argv
        name, *args = argv[1:]
        assert name in command.commands, f"{name}: kein Befehl von xregion"
        sub = command.commands[name]
        sub.make_context(name, list(args), resilient_parsing=False)  # raises on an unknown option
        helped = xregion({}, name, "--help")
        assert helped.returncode == 0, helped.stderr
        for option in (a.split("=")[0] for a in args if a.startswith("--")):
            assert option in helped.stdout, f"{name} {option}"


def test_timer_and_proxy_snippets_fit_the_service():
    service = (DEPLOY / "xregion.service").read_text(encoding="utf-8")
    base = re.search(r"--base-path (\S+)", service).group(1)
    port = re.search(r"--port (\d+)", service).group(1)
    for snippet in ("nginx-xregion.conf", "apache-xregion.conf"):
        text = (DEPLOY / snippet).read_text(encoding="utf-8")
        assert f"127.0.0.1:{port}{base}/" in text, snippet
    assert "Upgrade" in (DEPLOY / "nginx-xregion.conf").read_text() and "websocket" in (DEPLOY / "apache-xregion.conf").read_text()
    timer = (DEPLOY / "xregion-weekly.timer").read_text(encoding="utf-8")
    assert "OnCalendar=" in timer and "Persistent=true" in timer
    weekly = (DEPLOY / "xregion-weekly.service").read_text(encoding="utf-8")
    assert "SuccessExitStatus=1" in weekly  # "some sources kept their data" is no failure of the job
    assert "PASSWORD=" not in service + weekly  # secrets only in the EnvironmentFile
