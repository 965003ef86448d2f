"""Which certificates the project trusts on HTTPS and on the mail server's TLS.

In a Kreis network two things are common that the defaults of requests miss: Kreis IT installs
its own certificate authority into the system's store (requests only knows certifi's list), and
the proxy breaks HTTPS open and signs every site with that authority. So one context trusts the
system's store, certifi's list and, if set, the PEM file of `[http] ca_file` (XREGION_CA_FILE);
the sources, `xregion doctor` and the mail all use it.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import requests
from requests.adapters import HTTPAdapter

from pipelines.errors import ConfigError, exception_chain

CA_HINT = (
    "Die CA-Datei der Kreis-IT (PEM) in XREGION_CA_FILE bzw. [http] ca_file eintragen – nötig, wenn ein Proxy "
    "HTTPS aufbricht oder ein Server ein Zertifikat der Kreis-CA trägt; der Name des Servers muss im Zertifikat stehen."
)


def trust_context(ca_file: Path | None) -> ssl.SSLContext:
    """A verifying client context (a fresh one per call: callers may hand it to other threads)."""
    context = ssl.create_default_context()  # the system's store
    context.load_verify_locations(cafile=certifi.where())
    if ca_file is not None:
        for pem in ca_certificates(Path(ca_file)):
            context.load_verify_locations(cadata=pem)
    return context


def ca_certificates(path: Path) -> tuple[str, ...]:
    """The certificates of `path` (read on every use: Kreis IT may renew the file while the app
    runs); a wrong path or a file without a certificate is a configuration error naming the file."""
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise ConfigError(f"Die CA-Datei {path} (XREGION_CA_FILE, [http] ca_file) lässt sich nicht lesen "
                          f"({exc.strerror or exc}).", CA_HINT) from None  # fmt: skip
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    pems = tuple(begin + block.split(end, 1)[0] + end for block in text.split(begin)[1:] if end in block)
    if not pems:
        raise ConfigError(f"Die CA-Datei {path} enthält kein Zertifikat im PEM-Format (-----BEGIN CERTIFICATE-----).",
                          "Eine .cer/.der-Datei vorher umwandeln: openssl x509 -inform der -in ca.cer -out ca.pem")  # fmt: skip
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata="\n".join(pems))  # an empty store: only parses
    except ssl.SSLError as exc:
        raise ConfigError(f"Die CA-Datei {path} enthält ein unlesbares Zertifikat ({exc.reason or exc}).", CA_HINT) from None
    return pems


def certificate_problem(exc: BaseException) -> str | None:
    """The German reason when `exc` (or what caused it) is a failed certificate check."""
    for current in exception_chain(exc):  # requests wraps it: SSLError → MaxRetryError → SSLError → the check
        if isinstance(current, ssl.SSLCertVerificationError):
            return f"das Zertifikat des Servers wird nicht anerkannt: {current.verify_message or current.reason}"
    return None


class _TrustAdapter(HTTPAdapter):
    """requests' documented way to a context of one's own: put it into the pool key."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host, pool = super().build_connection_pool_key_attributes(request, verify, cert)
        if verify is not False:  # a path from REQUESTS_CA_BUNDLE stays in `ca_certs` and is added to it
            pool["ssl_context"] = self._context
        return host, pool


def trusting_session(ca_file: Path | None) -> requests.Session:
    session = requests.Session()
    session.mount("https://", _TrustAdapter(trust_context(ca_file)))
    return session
