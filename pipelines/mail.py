"""Reports by e-mail through the Kreis' SMTP server (configuration `[mail]`, password only from
the environment or `.streamlit/secrets.toml`). Every failure is one German sentence that says
what to check; nothing is retried (a scheduler runs the job again next week)."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from pipelines.config import MailSettings
from pipelines.errors import XRegionError
from pipelines.tls import CA_HINT, trust_context


class MailError(XRegionError):
    """Sending failed (German message and hint)."""


@dataclass
class Attachment:
    filename: str
    content: bytes
    mime: str  # "application/pdf"


def recipients_from(text: str) -> list[str]:
    """"a@kreis.de, b@kreis.de" → addresses; refuses anything that is no address."""
    found = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    bad = [a for a in found if a.count("@") != 1 or a.startswith("@") or a.endswith("@") or " " in a]
    if not found or bad:
        raise MailError(f"Keine gültige Empfängeradresse: „{', '.join(bad) or text}“.",
                        "Adressen durch Komma trennen, z. B. --mail kreistagsbuero@kreis.example,sr@kreis.example")  # fmt: skip
    return found


def compose(settings: MailSettings, to: list[str], subject: str, body: str, attachments: list[Attachment]) -> EmailMessage:
    if not settings.sender:
        raise MailError("Kein Absender für E-Mails konfiguriert.", "In xregion.toml unter [mail] sender = … eintragen "
                        "(oder XREGION_MAIL_SENDER setzen).")  # fmt: skip
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, ", ".join(to), subject
    message["Date"], message["Message-ID"] = formatdate(localtime=True), make_msgid(domain=settings.sender.split("@")[-1])
    message.set_content(body)
    for item in attachments:
        main, sub = item.mime.split("/", 1)
        message.add_attachment(item.content, maintype=main, subtype=sub, filename=item.filename)
    return message


def send(settings: MailSettings, message: EmailMessage, ca_file: Path | None = None) -> None:
    """`ca_file`: the Kreis' CA beside the system's and certifi's (`[http] ca_file`, pipelines/tls.py)."""
    with connected(settings, ca_file) as smtp:
        smtp.send_message(message)


def encryption(settings: MailSettings) -> str:
    if settings.port == 465 and not settings.starttls:
        return "TLS von Anfang an"
    return "STARTTLS" if settings.starttls else "ohne Verschlüsselung"


@contextmanager
def connected(settings: MailSettings, ca_file: Path | None = None) -> Iterator[smtplib.SMTP]:
    """A session with the Kreis' server, encrypted and signed in as configured; every failure in
    it (also of what the caller does inside) becomes one German MailError."""
    if not settings.host:
        raise MailError("Kein Mailserver konfiguriert.", "In xregion.toml unter [mail] host = … eintragen (oder XREGION_MAIL_HOST).")
    where = f"{settings.host}:{settings.port}"
    implicit_tls = settings.port == 465 and not settings.starttls
    context = trust_context(ca_file) if implicit_tls or settings.starttls else None
    try:
        if implicit_tls:
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        with smtp:
            if settings.starttls and not implicit_tls:
                smtp.starttls(context=context)
            if settings.user:
                password = settings.password.get_secret_value() if settings.password else ""
                smtp.login(settings.user, password)
            yield smtp
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"Der Mailserver {where} lehnt die Anmeldung von „{settings.user}“ ab ({_reply(exc)}).",
                        "Benutzer und Passwort prüfen (XREGION_MAIL_USER, XREGION_MAIL_PASSWORD).") from None  # fmt: skip
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"Der Mailserver {where} kann das Verlangte nicht ({exc}).",
                        "Ohne Verschlüsselung: [mail] starttls = false; ohne Anmeldung: kein Benutzer.") from None  # fmt: skip
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"Der Mailserver {where} nimmt diese Empfänger nicht an: {', '.join(exc.recipients)}.",
                        "Adressen prüfen.") from None  # fmt: skip
    except smtplib.SMTPSenderRefused:
        raise MailError(f"Der Mailserver {where} nimmt den Absender „{settings.sender}“ nicht an.",
                        "[mail] sender prüfen; oft muss er zum angemeldeten Benutzer passen.") from None  # fmt: skip
    except smtplib.SMTPException as exc:
        raise MailError(f"Der Mailserver {where} hat die Nachricht abgewiesen ({_reply(exc)}).",
                        "Die Antwort des Servers oben nennt den Grund; sonst die Mail-Administration fragen.") from None  # fmt: skip
    except ssl.SSLCertVerificationError as exc:
        raise MailError(f"Der Mailserver {where} weist sich mit einem Zertifikat aus, das nicht anerkannt wird "
                        f"({exc.verify_message or exc.reason}).", CA_HINT) from None  # fmt: skip
    except ssl.SSLError as exc:
        raise MailError(f"Die verschlüsselte Verbindung zum Mailserver {where} kommt nicht zustande ({exc.reason or exc}).",
                        "Port und Verschlüsselung prüfen: 587 mit starttls = true, 465 mit starttls = false "
                        "(TLS von Anfang an).") from None  # fmt: skip
    except (OSError, socket.timeout) as exc:
        raise MailError(f"Der Mailserver {where} ist nicht erreichbar ({exc.strerror or exc}).",
                        "[mail] host und port prüfen, und ob der Server vom Kreisnetz aus erreichbar ist.") from None  # fmt: skip


def _reply(exc: smtplib.SMTPException) -> str:
    code, text = getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", b"")
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text or exc)
    return f"{code} {text}".strip() if code else text
