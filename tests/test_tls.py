"""Certificates in a Kreis network: a source (or a proxy that breaks HTTPS open) with a certificate
of the Kreis' own authority, the CA file that makes it trusted, and the messages when it is
missing, wrong or the name does not match. Local HTTPS servers with certificates from trustme."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from pipelines import doctor
from pipelines.errors import ConfigError, HostUnreachable, SourceError
from pipelines.http import UNREACHABLE, HttpClient
from pipelines.progress import CollectingReporter
from pipelines.tls import ca_certificates, trust_context
from tests.support.certificates import server_context
from tests.support.fake_server import FakeServer, Reply


def _https(ca: trustme.CA, *names: str) -> FakeServer:
    server = FakeServer(tls=server_context(ca, *names)).start()
    server.route("GET", "/tabelle", Reply(200, b"Inhalt;1,5\n", {"Content-Type": "text/csv"}))
    return server


@pytest.fixture
def https_server(kreis_ca):
    server = _https(kreis_ca, "127.0.0.1")
    yield server
    server.stop()


def test_a_source_signed_by_the_kreis_ca_is_refused_at_once_without_the_ca_file_and_the_host_remembered(
    settings, https_server, no_proxy_env
):
    settings.http.backoff_initial_s = 30  # a retry would hold the test for half a minute
    reporter = CollectingReporter()
    with HttpClient(settings.http, "Die Landesdatenbank NRW", reporter) as client:
        for path in ("/tabelle", "/andere"):
            with pytest.raises(HostUnreachable) as caught:
                client.get(f"{https_server.url}{path}")
            message = str(caught.value)
            assert "Die Landesdatenbank NRW ist nicht sicher erreichbar (127.0.0.1:" in message, message
            assert "das Zertifikat des Servers wird nicht anerkannt" in message and "XREGION_CA_FILE" in message
            assert "self-signed" in message or "local issuer" in message, message
    assert not [m for m in reporter.messages if "neuer Versuch" in m]
    assert https_server.requests == []  # no request ever reached the server
    assert "Zertifikat" in UNREACHABLE.reason(https_server.url.removeprefix("https://"))


def test_with_the_kreis_ca_file_the_source_is_read(settings, https_server, ca_file, no_proxy_env):
    settings.http.ca_file = ca_file
    with HttpClient(settings.http, "Die Landesdatenbank NRW") as client:
        assert client.get(f"{https_server.url}/tabelle").body == b"Inhalt;1,5\n"
    assert len(https_server.requests_to("/tabelle")) == 1


def test_a_certificate_for_another_name_is_refused_even_with_the_ca_file(settings, kreis_ca, ca_file, no_proxy_env):
    server = _https(kreis_ca, "statistik.kreis.example")
    try:
        settings.http.ca_file = ca_file
        with HttpClient(settings.http, "Der Testdienst") as client, pytest.raises(HostUnreachable) as caught:
            client.get(f"{server.url}/tabelle")
        assert "wird nicht anerkannt" in str(caught.value) and "mismatch" in str(caught.value), caught.value
    finally:
        server.stop()


def test_the_ca_file_adds_to_the_trusted_authorities_and_does_not_replace_them(ca_file):
    plain, with_kreis = trust_context(None), trust_context(ca_file)
    assert len(with_kreis.get_ca_certs()) == len(plain.get_ca_certs()) + 1
    assert len(plain.get_ca_certs()) > 50  # certifi's list (and the system's) stay trusted
    assert any(dict(part[0] for part in c["subject"]).get("organizationName") == "Kreis Testhausen IT"
               for c in with_kreis.get_ca_certs())  # fmt: skip


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "lässt sich nicht lesen"),
        (b"", "enthält kein Zertifikat im PEM-Format"),
        (b"0\x82\x03\x1d0\x82\x02\x05\xa0\x03", "enthält kein Zertifikat im PEM-Format"),  # DER, as Windows exports it
        (b"-----BEGIN CERTIFICATE-----\nbWFsIGtlaW4gWmVydGlmaWthdA==\n-----END CERTIFICATE-----\n", "unlesbares Zertifikat"),
    ],
)
def test_a_wrong_ca_file_is_a_configuration_error_that_names_the_file(tmp_path, content, expected):
    path = tmp_path / "ca.cer"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        ca_certificates(path)
    assert str(path) in caught.value.message and expected in caught.value.message, caught.value.message


def test_a_pem_file_with_a_chain_gives_every_certificate(kreis_ca, tmp_path):
    other = trustme.CA()
    path = tmp_path / "kette.pem"
    path.write_bytes(b"Kreis-CA\n" + kreis_ca.cert_pem.bytes() + b"\nZwischen-CA\n" + other.cert_pem.bytes())
    assert len(ca_certificates(path)) == 2
    assert doctor.check_ca_file(path).detail.endswith("(2 Zertifikate)")


def test_doctor_names_the_certificate_problem_and_is_satisfied_with_the_ca_file(https_server, ca_file, no_proxy_env):
    url = f"{https_server.url}/tabelle"
    refused = doctor.check_reachable("Landesdatenbank NRW", url, "test")
    assert not refused.ok and "das Zertifikat des Servers wird nicht anerkannt" in refused.detail
    assert "XREGION_CA_FILE" in refused.hint
    trusted = doctor.check_reachable("Landesdatenbank NRW", url, "test", ca_file=ca_file)
    assert trusted.ok and "HTTP 200" in trusted.detail, trusted.detail


def test_doctor_reports_a_missing_ca_file(env, tmp_path):
    checks = {c.name: c for c in doctor.run(env={**env, "XREGION_CA_FILE": str(tmp_path / "fehlt.pem")}, reach_sources=False)}
    assert not checks["Zertifikate"].ok and "fehlt.pem" in checks["Zertifikate"].detail
    assert doctor.run(env=env, reach_sources=False)[1].name == "Zertifikate"


def test_https_to_a_server_that_speaks_plain_http_is_a_clear_message_after_the_retries(settings, fake_server, no_proxy_env):
    fake_server.route("GET", "/tabelle", Reply(200, b"x"))
    with HttpClient(settings.http, "Der Testdienst") as client, pytest.raises(SourceError) as caught:
        client.get(fake_server.url.replace("http://", "https://") + "/tabelle")
    assert "die verschlüsselte Verbindung kommt nicht zustande (WRONG_VERSION_NUMBER)" in str(caught.value), caught.value
    assert f"auch nach {settings.http.retries} Versuchen" in str(caught.value)


def test_the_ca_file_setting_comes_from_the_environment_and_a_relative_path_is_the_project_s(env):
    from pipelines import PROJECT_ROOT
    from pipelines.config import load_settings

    assert load_settings(env=env).http.ca_file is None
    assert load_settings(env={**env, "XREGION_CA_FILE": "konfig/kreis-ca.pem"}).http.ca_file == PROJECT_ROOT / "konfig" / "kreis-ca.pem"
