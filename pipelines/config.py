"""Configuration: one TOML file (region and sources) plus environment overrides.

Environment variables win over the file so that tests and air-gapped installs can point every
external address elsewhere. Secrets (IT.NRW credentials) come only from the environment or from
`.streamlit/secrets.toml`, never from the committed configuration file.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator

from pipelines import PROJECT_ROOT
from pipelines.errors import ConfigError

DEFAULT_CONFIG = PROJECT_ROOT / "xregion.toml"
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"

# environment variable -> dotted path in the configuration
ENV_OVERRIDES = {
    "XREGION_REGION": "region.ags",
    "XREGION_DB": "warehouse.path",
    "XREGION_RAW_DIR": "warehouse.raw_dir",
    "XREGION_STATE_DIR": "warehouse.state_dir",
    "XREGION_ITNRW_URL": "sources.itnrw.rest_url",
    "XREGION_ITNRW_DOWNLOADER_URL": "sources.itnrw.downloader_url",
    "XREGION_ITNRW_USER": "sources.itnrw.user",
    "XREGION_ITNRW_PASSWORD": "sources.itnrw.password",
    "XREGION_BKG_WFS_URL": "sources.bkg.wfs_url",
    "XREGION_OVERPASS_URL": "sources.osm.overpass_url",
    "XREGION_ZENSUS_URL": "sources.zensus.url",
    "XREGION_CATALOGUE": "indicators.catalogue",
    "XREGION_REGISTER_STORE": "register.store",
    "XREGION_DEMO": "register.demo",
    "XREGION_DEMO_STORE": "register.demo_store",
    "XREGION_REPORTS_DIR": "reports.dir",
    "XREGION_CA_FILE": "http.ca_file",
    "XREGION_MAIL_HOST": "mail.host",
    "XREGION_MAIL_PORT": "mail.port",
    "XREGION_MAIL_STARTTLS": "mail.starttls",
    "XREGION_MAIL_SENDER": "mail.sender",
    "XREGION_MAIL_USER": "mail.user",
    "XREGION_MAIL_PASSWORD": "mail.password",
    "XREGION_BACKUP_DIR": "backup.dir",
    "XREGION_A11Y_CONTACT": "accessibility.contact_email",
}
SECRET_KEYS = ("XREGION_ITNRW_USER", "XREGION_ITNRW_PASSWORD", "XREGION_MAIL_USER", "XREGION_MAIL_PASSWORD")


class RegionSettings(BaseModel):
    ags: str = "05762"

    @field_validator("ags")
    @classmethod
    def _nrw_kreis(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"05\d{3}", value):
            raise ValueError(
                f"„{value}“ ist kein Kreisschlüssel in NRW (erwartet: fünf Ziffern, beginnend mit 05, z. B. 05762)"
            )
        return value

    @property
    def land_ags(self) -> str:
        return self.ags[:2]

    @property
    def regbez_ags(self) -> str:
        return self.ags[:3]


class WarehouseSettings(BaseModel):
    path: Path = Path("data/warehouse/xregion.duckdb")
    raw_dir: Path = Path("data/raw")
    state_dir: Path = Path("data/state")


class IndicatorSettings(BaseModel):
    catalogue: Path = Path("data/indicators.toml")


class RegisterSettings(BaseModel):
    store: Path = Path("data/register/store.sqlite")  # edits live here, outside the warehouse
    workbook: Path = Path("data/register/register.xlsx")  # the committed register; seeds an empty store
    demo: bool = False  # the training register with fictional values, in its own store and warehouse
    demo_store: Path = Path("data/register/demo-store.sqlite")
    demo_workbook: Path = Path("data/register/demo.xlsx")


class RoleSettings(BaseModel):
    """Who may do what once sign-in (OIDC) is configured; e-mail addresses as the provider sends them."""

    admins: list[str] = []
    editors: list[str] = []
    default: Literal["viewer", "editor"] = "viewer"

    def role_of(self, email: str | None) -> str:
        address = (email or "").strip().lower()
        if address and address in {a.lower() for a in self.admins}:
            return "admin"
        if address and address in {e.lower() for e in self.editors}:
            return "editor"
        return self.default


class ReportSettings(BaseModel):
    dir: Path = Path("data/reports")  # saved reports (JSON)
    logo: Path | None = None  # optional logo on every slide (PNG)


class MailSettings(BaseModel):
    """The Kreis' SMTP server for scheduled reports. The password only from the environment
    (XREGION_MAIL_PASSWORD) or `.streamlit/secrets.toml`."""

    host: str | None = None
    port: int = 587
    starttls: bool = True  # port 465 (implicit TLS) is spoken when starttls is false and the port is 465
    sender: str | None = None
    user: str | None = None
    password: SecretStr | None = None
    timeout_s: float = 30.0


class AccessibilitySettings(BaseModel):
    """For the Erklärung zur Barrierefreiheit (BITV NRW): who takes feedback, who enforces."""

    contact_name: str = "Stabsstelle Smart Region des Kreises"
    contact_email: str | None = None  # XREGION_A11Y_CONTACT; without it the page asks to set one
    contact_phone: str | None = None
    enforcement: str = (
        "Ombudsstelle für barrierefreie Informationstechnik des Landes Nordrhein-Westfalen "
        "(bei der oder dem Beauftragten der Landesregierung für Menschen mit Behinderung)"
    )
    statement_date: str = "02.12.2026"  # when the statement was last reviewed (German date)


class BackupSettings(BaseModel):
    dir: Path = Path("data/backup")  # where `xregion backup` writes when no directory is given
    warn_after_days: int = 7


class HttpSettings(BaseModel):
    user_agent: str = "XRegionMonitor/0.1 (regional indicator dashboard of an NRW Kreis)"
    connect_timeout_s: float = 15
    read_timeout_s: float = 300
    retries: int = 4
    backoff_initial_s: float = 2.0
    backoff_max_s: float = 60.0
    # one request with all its retries gives up after this long (an unreachable server must not
    # hold a refresh for retries × read timeout)
    total_timeout_s: float = 600.0
    # PEM file of the Kreis' own certificate authority, trusted beside the system's and certifi's
    # (a proxy that breaks HTTPS open, a mail server with a Kreis certificate): pipelines/tls.py
    ca_file: Path | None = None


class ItnrwSettings(BaseModel):
    rest_url: str = "https://www.landesdatenbank.nrw.de/ldbnrwws/rest/2020/"
    downloader_url: str = "https://www.landesdatenbank.nrw.de/ldbnrwws/downloader/00/tables/"
    user: str | None = None
    password: SecretStr | None = None
    tables: list[str] = ["12411-15i"]
    start_year: int = 2011  # GENESIS returns only the latest period without it
    # REST route: one request per regional level; {kreis}, {regbez}, {land} are filled in
    rest_regions: list[tuple[str, str]] = [
        ("GEMEIN", "{kreis}*"),
        ("KREISE", "{kreis}"),
        ("REGBEZ", "{regbez}"),
        ("DLAND", "{land}"),
    ]

    @property
    def has_credentials(self) -> bool:
        return bool(self.user and self.password and self.password.get_secret_value())


class BkgSettings(BaseModel):
    wfs_url: str = "https://sgx.geodatenzentrum.de/wfs_vg250-ew"
    output_format: str = "application/json"  # GeoJSON as the WFS names it
    route: Literal["wfs", "gpkg"] = "wfs"  # gpkg: the bulk download of all of Germany instead
    gpkg_url: str = (
        "https://daten.gdz.bkg.bund.de/produkte/vg/vg250-ew_ebenen_1231/aktuell/vg250-ew_12-31.utm32s.gpkg.ebenen.zip"
    )


class OsmSettings(BaseModel):
    overpass_url: str = "https://overpass-api.de/api/interpreter"
    margin_deg: float = 0.07  # around the Kreis (≈ 5 km): shops across the border serve border villages
    min_wait_on_429_s: float = 30.0  # Overpass usage policy


class ZensusSettings(BaseModel):
    url: str = "https://www.destatis.de/static/DE/zensus/gitterdaten/Zensus2022_Bevoelkerungszahl.zip"
    margin_m: float = 5000.0  # cells kept around the Kreis


class SourcesSettings(BaseModel):
    itnrw: ItnrwSettings = ItnrwSettings()
    bkg: BkgSettings = BkgSettings()
    osm: OsmSettings = OsmSettings()
    zensus: ZensusSettings = ZensusSettings()


class Settings(BaseModel):
    region: RegionSettings = RegionSettings()
    warehouse: WarehouseSettings = WarehouseSettings()
    http: HttpSettings = HttpSettings()
    sources: SourcesSettings = SourcesSettings()
    indicators: IndicatorSettings = IndicatorSettings()
    # `register` in the file; renamed here because BaseModel has a method of that name
    project_register: RegisterSettings = Field(RegisterSettings(), alias="register")
    roles: RoleSettings = RoleSettings()
    reports: ReportSettings = ReportSettings()
    mail: MailSettings = MailSettings()
    backup: BackupSettings = BackupSettings()
    accessibility: AccessibilitySettings = AccessibilitySettings()

    @property
    def db_path(self) -> Path:
        path = self.warehouse.path
        # demo data never shares a file with real data
        return path.with_name(f"{path.stem}-demo{path.suffix}") if self.project_register.demo else path

    @property
    def reports_dir(self) -> Path:
        return self.reports.dir

    @property
    def register_store(self) -> Path:
        return self.project_register.demo_store if self.project_register.demo else self.project_register.store

    @property
    def register_workbook(self) -> Path:
        return self.project_register.demo_workbook if self.project_register.demo else self.project_register.workbook

    @property
    def raw_dir(self) -> Path:
        return self.warehouse.raw_dir

    @property
    def state_dir(self) -> Path:
        return self.warehouse.state_dir

    @property
    def catalogue_path(self) -> Path:
        return self.indicators.catalogue


def _set_dotted(tree: dict, dotted: str, value: object) -> None:
    *parents, leaf = dotted.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[leaf] = value


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(
            f"Die Konfigurationsdatei {path} fehlt.",
            "Legen Sie sie an (Vorlage: xregion.toml im Projektverzeichnis) oder setzen Sie XREGION_CONFIG.",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Die Konfigurationsdatei {path} ist kein gültiges TOML: {exc}.",
            "Korrigieren Sie die genannte Zeile.",
        ) from None


def _secrets_from_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data = _read_toml(path)
    return {key: str(data[key]) for key in SECRET_KEYS if key in data}


def auth_configured(secrets_file: Path = SECRETS_FILE) -> bool:
    """Sign-in (OIDC via Streamlit's st.login) is configured in .streamlit/secrets.toml."""
    return secrets_file.exists() and "auth" in _read_toml(secrets_file)


def _resolve(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else (base / path)


_SECRET_NAMES = ("password", "passwort", "secret", "token", "client_secret")


def config_warnings(config_path: Path | None = None, env: dict[str, str] | None = None) -> list[str]:
    """German warnings about the configuration file itself: a password in `xregion.toml` (which
    may be committed or backed up) instead of the environment or `.streamlit/secrets.toml`."""
    env = dict(os.environ if env is None else env)
    config_path = Path(env.get("XREGION_CONFIG") or config_path or DEFAULT_CONFIG)
    found: list[str] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        elif node not in ("", None) and path.rsplit(".", 1)[-1].lower() in _SECRET_NAMES:
            found.append(path)

    walk(_read_toml(config_path), "")
    return [
        f"In {config_path.name} steht ein Passwort ({name}). Passwörter gehören in die Umgebung "
        "(z. B. XREGION_ITNRW_PASSWORD) oder in .streamlit/secrets.toml, nie in die Konfigurationsdatei."
        for name in found
    ]


def load_settings(config_path: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read the configuration file and apply environment overrides."""
    env = dict(os.environ if env is None else env)
    config_path = Path(env.get("XREGION_CONFIG") or config_path or DEFAULT_CONFIG)
    tree = _read_toml(config_path)
    overrides = {**_secrets_from_file(SECRETS_FILE), **{k: v for k, v in env.items() if k in ENV_OVERRIDES}}
    for key, value in overrides.items():
        if value != "":
            _set_dotted(tree, ENV_OVERRIDES[key], value)
    try:
        settings = Settings.model_validate(tree)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"Die Konfiguration in {config_path} ist ungültig ({problems}).",
            "Korrigieren Sie den Wert in der Datei oder in der Umgebungsvariablen.",
        ) from None
    base = PROJECT_ROOT
    wh = settings.warehouse
    settings.warehouse = WarehouseSettings(
        path=_resolve(wh.path, base), raw_dir=_resolve(wh.raw_dir, base), state_dir=_resolve(wh.state_dir, base)
    )
    settings.indicators = IndicatorSettings(catalogue=_resolve(settings.indicators.catalogue, base))
    if settings.http.ca_file is not None:
        settings.http = settings.http.model_copy(update={"ca_file": _resolve(settings.http.ca_file, base)})
    settings.reports = ReportSettings(
        dir=_resolve(settings.reports.dir, base),
        logo=_resolve(settings.reports.logo, base) if settings.reports.logo else None,
    )
    settings.backup = BackupSettings(dir=_resolve(settings.backup.dir, base),
                                     warn_after_days=settings.backup.warn_after_days)  # fmt: skip
    reg = settings.project_register
    settings.project_register = RegisterSettings(
        store=_resolve(reg.store, base), workbook=_resolve(reg.workbook, base), demo=reg.demo,
        demo_store=_resolve(reg.demo_store, base), demo_workbook=_resolve(reg.demo_workbook, base),
    )  # fmt: skip
    return settings
