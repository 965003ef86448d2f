"""Client for GENESIS REST 2020 (Landesdatenbank NRW; same software as regionalstatistik.de).

Facts this follows (see the reference README): every call is a POST with a form body;
credentials only in the `username`/`password` headers; HTTP 200 even for errors, so the JSON
`Status.Code` decides; tables too large for a direct answer go through the job flow
(code 98 → `job=true` → 99 with a result name → poll `catalogue/results` → `data/resultfile`).
One request at a time, long read timeouts, retries with backoff for network faults and 5xx
(in HttpClient), and a bounded wait-and-retry for code 6 (too many parallel requests).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

from pipelines.config import Settings
from pipelines.errors import SourceError
from pipelines.http import HttpClient, Response
from pipelines.parsers.genesis_ffcsv import looks_like_zip
from pipelines.parsers.itnrw_table_csv import parse_period
from pipelines.progress import Reporter

SERVICE = "Die Landesdatenbank NRW"
FORM = "application/x-www-form-urlencoded; charset=UTF-8"

OK = 0
ERROR = -1
TOO_MANY_REQUESTS = 6
NOT_AUTHORISED = 15
PARAMETERS_ADJUSTED = 22
INVALID_PARAMETER = 25
NO_NEWER_DATA = 50
TABLE_MISSING = 90
TABLE_TOO_LARGE = 98
JOB_CREATED = 99
NO_OBJECT = 104


@dataclass
class Status:
    code: int
    content: str
    type: str


@dataclass
class TableFile:
    """What `data/tablefile` or `data/resultfile` delivered: the ffcsv ZIP and where it came from."""

    content: bytes
    url: str
    via_job: bool


class GenesisError(SourceError):
    def __init__(self, message: str, hint: str = "", code: int | None = None) -> None:
        super().__init__(message, hint)
        self.code = code


class GenesisClient:
    def __init__(
        self,
        settings: Settings,
        reporter: Reporter | None = None,
        *,
        busy_wait_s: float = 20.0,
        busy_retries: int = 5,
        poll_interval_s: float = 10.0,
        poll_timeout_s: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        itnrw = settings.sources.itnrw
        if not itnrw.has_credentials:
            raise GenesisError(
                "Für die GENESIS-Schnittstelle der Landesdatenbank NRW fehlen Benutzername und Passwort.",
                "Setzen Sie XREGION_ITNRW_USER und XREGION_ITNRW_PASSWORD (kostenlose Registrierung auf "
                "www.landesdatenbank.nrw.de) – oder nutzen Sie den Abruf ohne Anmeldung.",
            )
        self.base = itnrw.rest_url.rstrip("/") + "/"
        self._auth = {"username": itnrw.user or "", "password": itnrw.password.get_secret_value()}
        self.reporter = reporter or Reporter()
        self.http = HttpClient(settings.http, SERVICE, self.reporter)
        self.busy_wait_s = busy_wait_s
        self.busy_retries = busy_retries
        self.poll_interval_s = poll_interval_s
        self.poll_timeout_s = poll_timeout_s
        self.sleep = sleep

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "GenesisClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- low level -------------------------------------------------------------------------
    def call(self, method: str, params: dict[str, str], label: str = "") -> Response:
        """POST one method; waits and repeats while the service reports code 6 (busy)."""
        headers = {**self._auth, "Content-Type": FORM}
        for attempt in range(self.busy_retries + 1):
            resp = self.http.post(self.base + method, data=params, headers=headers, label=label or method)
            status = self._status_of(resp)
            if status is None or status.code != TOO_MANY_REQUESTS:
                return resp
            if attempt < self.busy_retries:
                self.reporter.warn(f"{SERVICE} meldet zu viele gleichzeitige Anfragen – neuer Versuch gleich.")
                self.sleep(self.busy_wait_s * (attempt + 1))
        raise GenesisError(
            f"{SERVICE} meldet dauerhaft zu viele gleichzeitige Anfragen (Code 6).",
            "Versuchen Sie es später erneut; laufen andere Abrufe mit demselben Konto?",
            TOO_MANY_REQUESTS,
        )

    def _status_of(self, resp: Response) -> Status | None:
        """The JSON status of an answer, None for a data file (ZIP/CSV); HTML is refused."""
        body = resp.body
        if looks_like_zip(body):
            return None
        head = body[:256].lstrip().lower()
        if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
            raise GenesisError(
                f"{SERVICE} hat eine Webseite statt Daten geliefert ({resp.url}).",
                "Vermutlich ist der Dienst gestört oder die Adresse (XREGION_ITNRW_URL) falsch.",
            )
        if "json" not in resp.content_type and not head.startswith(b"{"):
            return None
        try:
            data = json.loads(body.decode("utf-8", errors="replace"))
        except json.JSONDecodeError:
            raise GenesisError(f"{SERVICE} hat eine unlesbare Antwort geliefert ({resp.url}).") from None
        status = data.get("Status") or {}
        return Status(int(status.get("Code", ERROR)), str(status.get("Content", "")), str(status.get("Type", "")))

    # -- tables ----------------------------------------------------------------------------
    def table_stand(self, table_code: str) -> date | None:
        """When the service last updated the table (`metadata/table`, `Object.Updated`, e.g.
        "31.03.2025 11:18:07h"); None if the answer does not say."""
        params = {"name": table_code, "area": "all", "language": "de"}
        resp = self.call("metadata/table", params, f"Metadaten {table_code}")
        status = self._status_of(resp)
        if status is None or status.code != OK:
            return None
        updated = str((json.loads(resp.body.decode("utf-8", errors="replace")).get("Object") or {}).get("Updated"))
        return parse_period(updated.split(" ", 1)[0])  # the date before the time of day

    def tablefile(
        self, table_code: str, regionalvariable: str, regionalkey: str, startyear: str
    ) -> TableFile:
        """The table as ffcsv ZIP, through the job flow when it is too large."""
        params = {
            "name": table_code,
            "area": "all",
            "format": "ffcsv",
            "language": "de",
            "compress": "false",
            "quality": "off",
            "regionalvariable": regionalvariable,
            "regionalkey": regionalkey,
            "startyear": startyear,
            "job": "false",
        }
        label = f"Tabelle {table_code} ({regionalvariable} {regionalkey})"
        resp = self.call("data/tablefile", params, label)
        status = self._status_of(resp)
        if status is None:
            return TableFile(resp.body, resp.url, via_job=False)
        if status.code == TABLE_TOO_LARGE:
            self.reporter.info(f"Tabelle {table_code} ist groß – wird als Auftrag erstellt …")
            resp = self.call("data/tablefile", {**params, "job": "true"}, label)
            status = self._status_of(resp)
            if status is None:
                return TableFile(resp.body, resp.url, via_job=False)
            if status.code == JOB_CREATED:
                return self._collect_job(table_code, status)
        self._raise_for(status, table_code)
        raise AssertionError("unreachable")

    def _collect_job(self, table_code: str, status: Status) -> TableFile:
        match = re.search(r"([A-Za-z0-9][A-Za-z0-9-]*_\d+)", status.content)
        if not match:
            raise GenesisError(f"{SERVICE} hat einen Auftrag für {table_code} erstellt, aber keinen Ergebnisnamen genannt.")
        result = match[1]
        waited = 0.0
        while True:
            resp = self.call("catalogue/results", {"selection": result, "area": "user", "pagelength": "10"})
            listing = json.loads(resp.body.decode("utf-8", errors="replace"))
            code = int((listing.get("Status") or {}).get("Code", ERROR))
            ready = any(item.get("Code") == result for item in listing.get("List") or [])
            if ready:
                break
            if code not in (OK, NO_OBJECT):
                self._raise_for(self._status_of(resp), table_code)
            if waited >= self.poll_timeout_s:
                raise GenesisError(
                    f"Der Auftrag {result} für Tabelle {table_code} ist nach {waited / 60:.0f} Minuten nicht fertig.",
                    "Versuchen Sie die Aktualisierung später erneut.",
                )
            self.sleep(self.poll_interval_s)
            waited += self.poll_interval_s
        resp = self.call(
            "data/resultfile",
            {"name": result, "area": "user", "format": "ffcsv", "language": "de", "compress": "false"},
            f"Ergebnis {result}",
        )
        status = self._status_of(resp)
        if status is not None:
            self._raise_for(status, table_code)
        return TableFile(resp.body, resp.url, via_job=True)

    def _raise_for(self, status: Status | None, table_code: str) -> None:
        code = status.code if status else ERROR
        detail = (status.content if status else "").strip().replace("\n", " ")
        if code == NOT_AUTHORISED:
            raise GenesisError(
                f"{SERVICE} lehnt die Zugangsdaten ab (Code 15: nicht berechtigt).",
                "Prüfen Sie XREGION_ITNRW_USER und XREGION_ITNRW_PASSWORD; das Gastkonto genügt für Datenabrufe nicht.",
                code,
            )
        if code == TABLE_MISSING:
            raise GenesisError(
                f"Die Tabelle {table_code} gibt es in der Landesdatenbank NRW nicht (Code 90).",
                "Prüfen Sie den Tabellencode in sources.itnrw.tables.",
                code,
            )
        if code == INVALID_PARAMETER:
            raise GenesisError(f"Ungültiger Parameter für Tabelle {table_code} (Code 25): {detail}", "", code)
        if code == NO_NEWER_DATA:
            raise GenesisError(f"Für Tabelle {table_code} gibt es keine neueren Daten (Code 50).", "", code)
        if code == NO_OBJECT:
            raise GenesisError(f"Für Tabelle {table_code} wurde nichts gefunden (Code 104): {detail}", "", code)
        if code in (OK, PARAMETERS_ADJUSTED):
            raise GenesisError(
                f"{SERVICE} hat für Tabelle {table_code} keine Daten geliefert (Code {code}): {detail}", "", code
            )
        raise GenesisError(f"{SERVICE} meldet einen Fehler für Tabelle {table_code} (Code {code}): {detail}", "", code)
