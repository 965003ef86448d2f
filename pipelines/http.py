"""HTTP access to the sources: retries with backoff, long read timeouts, streamed downloads.

One client per source, one request at a time (the official services ask for no parallel
requests). Timeouts, 5xx and 429 are retried with exponential backoff; when the retries are
used up the caller gets a SourceError with one German sentence and a hint.

A host that cannot be reached at all (name not resolved, connection refused, no route, proxy
refused) is not retried: retrying cannot help, and a Kreis server without network would wait
minutes before the app appears. The host is remembered for the rest of the run
(`UNREACHABLE`), so the other tables of the same service fail at once with the same message.
Proxies come from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as requests reads them. A certificate
that is not trusted is treated the same way (retrying cannot help either); which ones are trusted
is `pipelines/tls.py`'s business.
"""

from __future__ import annotations

import errno
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay

from pipelines.config import HttpSettings
from pipelines.errors import HostUnreachable, SourceError, exception_chain
from pipelines.progress import Reporter, human_size
from pipelines.tls import CA_HINT, certificate_problem, trusting_session

CHUNK = 1 << 16


class _Retryable(Exception):
    """A failure worth another attempt (network fault, 5xx, 429)."""

    def __init__(self, reason: str, wait_at_least: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait_at_least = wait_at_least


class UnreachableHosts:
    """Hosts found unreachable in this run, with the error they gave (thread-safe; `refresh`
    starts each run with none)."""

    def __init__(self) -> None:
        self._hosts: dict[str, HostUnreachable] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._hosts.clear()

    def mark(self, host: str, error: HostUnreachable) -> None:
        with self._lock:
            self._hosts.setdefault(host, error)

    def error(self, host: str) -> HostUnreachable | None:
        with self._lock:
            return self._hosts.get(host)

    def reason(self, host: str) -> str | None:
        error = self.error(host)
        return error.message if error else None


UNREACHABLE = UnreachableHosts()
_UNREACHABLE_ERRNOS = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL}


def unreachable_reason(exc: BaseException) -> str | None:
    """German reason when `exc` says the host cannot be reached at all; None for timeouts and
    everything else worth retrying."""
    if isinstance(exc, requests.exceptions.ProxyError):
        return "der Proxy ist nicht erreichbar oder lehnt die Verbindung ab"
    if isinstance(exc, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)):
        return None
    for current in exception_chain(exc):
        if isinstance(current, (urllib3.exceptions.NameResolutionError, socket.gaierror)):
            return "der Name des Servers lässt sich nicht auflösen"
        if isinstance(current, urllib3.exceptions.ProxyError):
            return "der Proxy ist nicht erreichbar oder lehnt die Verbindung ab"
        if isinstance(current, OSError) and current.errno in _UNREACHABLE_ERRNOS:
            return {errno.ECONNREFUSED: "die Verbindung wird abgelehnt"}.get(current.errno, "keine Route zum Server")
        # urllib3's NewConnectionError is a ConnectTimeoutError by class: only a real timeout stops here
        timeout = isinstance(current, (socket.timeout, urllib3.exceptions.ConnectTimeoutError))
        if timeout and not isinstance(current, urllib3.exceptions.NewConnectionError):
            return None
    return None


def proxy_for(url: str) -> str | None:
    """The proxy requests would use for `url` (HTTPS_PROXY / HTTP_PROXY, minus NO_PROXY)."""
    proxies = requests.utils.get_environ_proxies(url)
    return proxies.get(urlsplit(url).scheme) or proxies.get("all")


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").lower()


class HttpClient:
    """Requests with retries for one source (`service` names it in German messages)."""

    def __init__(
        self,
        settings: HttpSettings,
        service: str,
        reporter: Reporter | None = None,
        min_wait_on_429_s: float = 0.0,
    ) -> None:
        self.settings = settings
        self.service = service
        self.reporter = reporter or Reporter()
        self.min_wait_on_429_s = min_wait_on_429_s
        self.session = trusting_session(settings.ca_file)
        self.session.headers["User-Agent"] = settings.user_agent

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, params: dict | None = None, headers: dict | None = None, label: str = "") -> Response:
        return self.request("GET", url, params=params, headers=headers, label=label)

    def post(self, url: str, *, data: dict | None = None, headers: dict | None = None, label: str = "") -> Response:
        return self.request("POST", url, data=data, headers=headers, label=label)

    def request(self, method: str, url: str, *, label: str = "", **kwargs: object) -> Response:
        return self._with_retries(url, self._attempt, method, url, label or url, **kwargs)

    def _unreachable(self, url: str, reason: str) -> HostUnreachable:
        return HostUnreachable(
            f"{self.service} ist nicht erreichbar ({_host(url)}: {reason}) – Netz oder Proxy prüfen.",
            "Ohne Verbindung bleiben die zuletzt geladenen Daten in Gebrauch. In einem Kreisnetz muss meist "
            "HTTPS_PROXY gesetzt sein (siehe README, „Betrieb im Kreis“); `xregion doctor` prüft jede Quelle.",
        )

    def _untrusted(self, url: str, reason: str) -> HostUnreachable:
        return HostUnreachable(f"{self.service} ist nicht sicher erreichbar ({_host(url)}: {reason}).",
                               f"{CA_HINT} Bis dahin bleiben die zuletzt geladenen Daten in Gebrauch.")  # fmt: skip

    def _with_retries(self, url: str, attempt_fn, *args: object, **kwargs: object):
        known = UNREACHABLE.error(_host(url))
        if known:  # an earlier request of this run found the host unreachable: no second wait
            raise HostUnreachable(known.message, known.hint)
        self._deadline = time.monotonic() + self.settings.total_timeout_s
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.settings.retries)) | stop_after_delay(self.settings.total_timeout_s),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: isinstance(exc, _Retryable)),
            before_sleep=self._report_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return attempt_fn(*args, **kwargs)
        except _Retryable as exc:
            attempts = retrying.statistics.get("attempt_number", self.settings.retries)
            raise SourceError(
                f"{self.service} ist nicht erreichbar ({url}): {exc.reason}, "
                f"auch nach {attempts} Versuch{'en' if attempts != 1 else ''}.",
                "Prüfen Sie die Netzverbindung oder die Adresse in der Konfiguration und versuchen Sie es später "
                "erneut; bis dahin bleiben die zuletzt geladenen Daten in Gebrauch.",
            ) from exc
        raise AssertionError("unreachable")

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        backoff = min(
            self.settings.backoff_max_s, self.settings.backoff_initial_s * 2 ** (state.attempt_number - 1)
        )
        floor = exc.wait_at_least if isinstance(exc, _Retryable) else 0.0
        return max(0.0, min(max(backoff, floor), self._remaining()))

    def _remaining(self) -> float:
        return max(0.0, getattr(self, "_deadline", float("inf")) - time.monotonic())

    def _report_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0
        self.reporter.warn(
            f"{self.service}: {getattr(exc, 'reason', exc)} – neuer Versuch in {wait:.0f} s "
            f"({state.attempt_number}/{self.settings.retries})"
        )

    def _attempt(self, method: str, url: str, label: str, **kwargs: object) -> Response:
        remaining = max(1.0, self._remaining())  # an attempt never runs past the request's total time
        timeout = (min(self.settings.connect_timeout_s, remaining), min(self.settings.read_timeout_s, remaining))
        try:
            with self.session.request(method, url, timeout=timeout, stream=True, **kwargs) as resp:
                if resp.status_code == 429:
                    retry_after = _seconds(resp.headers.get("Retry-After"))
                    raise _Retryable(
                        "zu viele Anfragen (HTTP 429)", max(self.min_wait_on_429_s, retry_after)
                    )
                if resp.status_code >= 500:
                    raise _Retryable(f"Serverfehler HTTP {resp.status_code}")
                if resp.status_code >= 400:
                    raise SourceError(
                        f"{self.service} lehnt die Anfrage ab ({url}): HTTP {resp.status_code} "
                        f"{_reason_de(resp.status_code)}.",
                        "Prüfen Sie die Adresse und die Zugangsdaten in der Konfiguration.",
                    )
                body = self._read_body(resp, label)
                return Response(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, body, resp.url)
        except requests.exceptions.ConnectTimeout:
            raise _Retryable("keine Verbindung innerhalb der Wartezeit") from None
        except requests.exceptions.ReadTimeout:
            raise _Retryable("keine Antwort innerhalb der Wartezeit") from None
        except requests.exceptions.ConnectionError as exc:
            if "Read timed out" in str(exc):
                raise _Retryable("keine Antwort innerhalb der Wartezeit") from None
            self._raise_if_unreachable(url, exc)
            raise _Retryable(_connection_failure(exc)) from None
        except requests.exceptions.ChunkedEncodingError:
            raise _Retryable("Übertragung abgebrochen") from None

    def _raise_if_unreachable(self, url: str, exc: BaseException) -> None:
        untrusted = certificate_problem(exc)
        if untrusted:
            error = self._untrusted(url, untrusted)
            UNREACHABLE.mark(_host(url), error)
            raise error from None
        reason = unreachable_reason(exc)
        proxy = proxy_for(url)
        if reason and proxy and "Proxy" in reason:
            reason = reason.replace("der Proxy", f"der Proxy {proxy}")
        if reason:
            error = self._unreachable(url, reason)
            UNREACHABLE.mark(_host(url), error)
            raise error from None

    def download(self, url: str, target: Path, label: str = "") -> Path:
        """Stream a large file to disk (never whole into memory), with the same retries."""
        return self._with_retries(url, self._download_attempt, url, target, label or url)

    def _download_attempt(self, url: str, target: Path, label: str) -> Path:
        remaining = max(1.0, self._remaining())  # an attempt never runs past the request's total time
        timeout = (min(self.settings.connect_timeout_s, remaining), min(self.settings.read_timeout_s, remaining))
        tmp = target.with_name(target.name + ".part")
        try:
            with self.session.get(url, timeout=timeout, stream=True) as resp:
                if resp.status_code == 429:
                    raise _Retryable("zu viele Anfragen (HTTP 429)", self.min_wait_on_429_s)
                if resp.status_code >= 500:
                    raise _Retryable(f"Serverfehler HTTP {resp.status_code}")
                if resp.status_code >= 400:
                    raise SourceError(f"{self.service} lehnt die Anfrage ab ({url}): HTTP {resp.status_code} "
                                      f"{_reason_de(resp.status_code)}.")  # fmt: skip
                total = int(resp.headers.get("Content-Length") or 0) or None
                written = 0
                with tmp.open("wb") as out, self.reporter.task(f"Download {label}", total=total, unit="bytes") as advance:
                    for chunk in resp.iter_content(CHUNK):
                        out.write(chunk)
                        written += len(chunk)
                        advance(len(chunk))
                if total is not None and written < total:
                    raise _Retryable(f"Übertragung unvollständig ({written} von {total} Bytes)")
        except requests.exceptions.Timeout:
            raise _Retryable("keine Antwort innerhalb der Wartezeit") from None
        except requests.exceptions.ConnectionError as exc:
            self._raise_if_unreachable(url, exc)
            raise _Retryable(_connection_failure(exc)) from None
        except requests.exceptions.ChunkedEncodingError:
            raise _Retryable("Übertragung abgebrochen") from None
        tmp.replace(target)
        return target

    def _read_body(self, resp: requests.Response, label: str) -> bytes:
        total = resp.headers.get("Content-Length")
        total_n = int(total) if total and total.isdigit() else None
        chunks: list[bytes] = []
        desc = f"Download {label}" + (f" ({human_size(total_n)})" if total_n else "")
        with self.reporter.task(desc, total=total_n, unit="bytes") as advance:
            for chunk in resp.iter_content(CHUNK):
                chunks.append(chunk)
                advance(len(chunk))
        body = b"".join(chunks)
        if total_n is not None and not resp.headers.get("Content-Encoding") and len(body) < total_n:
            raise _Retryable(f"Übertragung unvollständig ({len(body)} von {total_n} Bytes)")
        return body


def _connection_failure(exc: BaseException) -> str:
    tls = next((e for e in exception_chain(exc) if isinstance(e, ssl.SSLError)), None)
    if tls is not None:  # e.g. WRONG_VERSION_NUMBER: https:// to a server that speaks plain HTTP
        return f"die verschlüsselte Verbindung kommt nicht zustande ({tls.reason or tls})"
    return "Verbindung fehlgeschlagen"


def _seconds(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def _reason_de(status: int) -> str:
    return {
        400: "(ungültige Anfrage)",
        401: "(nicht angemeldet)",
        403: "(kein Zugriff)",
        404: "(nicht gefunden)",
        406: "(nicht akzeptiert – fehlt eine Kennung des Programms?)",
        410: "(nicht mehr vorhanden)",
    }.get(status, "")
