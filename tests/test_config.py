from pathlib import Path

import pytest

from pipelines import PROJECT_ROOT
from pipelines.config import load_settings
from pipelines.errors import ConfigError


def test_defaults_are_kreis_hoexter_and_the_real_services():
    s = load_settings(env={})
    assert s.region.ags == "05762"
    assert s.region.regbez_ags == "057" and s.region.land_ags == "05"
    assert s.sources.itnrw.rest_url.startswith("https://www.landesdatenbank.nrw.de/")
    assert s.db_path == PROJECT_ROOT / "data" / "warehouse" / "xregion.duckdb"
    assert not s.sources.itnrw.has_credentials


def test_environment_overrides_every_address_and_the_region(tmp_path: Path):
    s = load_settings(
        env={
            "XREGION_REGION": "05774",
            "XREGION_DB": str(tmp_path / "w.duckdb"),
            "XREGION_ITNRW_URL": "http://127.0.0.1:1/rest/",
            "XREGION_ITNRW_DOWNLOADER_URL": "http://127.0.0.1:1/dl/",
            "XREGION_ITNRW_USER": "kreis",
            "XREGION_ITNRW_PASSWORD": "geheim",
            "XREGION_BKG_WFS_URL": "http://127.0.0.1:1/wfs",
            "XREGION_OVERPASS_URL": "http://127.0.0.1:1/overpass",
            "XREGION_ZENSUS_URL": "http://127.0.0.1:1/z.zip",
        }
    )
    assert s.region.ags == "05774"
    assert s.db_path == tmp_path / "w.duckdb"
    assert s.sources.itnrw.rest_url == "http://127.0.0.1:1/rest/"
    assert s.sources.itnrw.downloader_url == "http://127.0.0.1:1/dl/"
    assert s.sources.itnrw.has_credentials
    assert "geheim" not in repr(s)  # secrets never end up in logs
    assert s.sources.bkg.wfs_url.endswith("/wfs")
    assert s.sources.osm.overpass_url.endswith("/overpass")
    assert s.sources.zensus.url.endswith("/z.zip")


@pytest.mark.parametrize("ags", ["06411", "5762", "05762004", "abcde"])
def test_a_region_outside_nrw_or_not_a_kreis_is_refused_in_german(ags):
    with pytest.raises(ConfigError) as err:
        load_settings(env={"XREGION_REGION": ags})
    assert "region.ags" in err.value.message
    assert "kein Kreisschlüssel in NRW" in err.value.message


def test_a_broken_config_file_names_the_file(tmp_path: Path):
    bad = tmp_path / "x.toml"
    bad.write_text("[region\nags = 1", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(env={"XREGION_CONFIG": str(bad)})
    assert str(bad) in err.value.message and "kein gültiges TOML" in err.value.message


def test_a_missing_config_file_says_what_to_do(tmp_path: Path):
    with pytest.raises(ConfigError) as err:
        load_settings(env={"XREGION_CONFIG": str(tmp_path / "fehlt.toml")})
    assert "fehlt" in err.value.message and "XREGION_CONFIG" in err.value.hint


def test_roles_come_from_the_mapping_and_sign_in_from_the_secrets(tmp_path):
    from pipelines.config import RoleSettings, auth_configured

    roles = RoleSettings(admins=["Chefin@Kreis.example"], editors=["sr@kreis.example"])
    assert roles.role_of("chefin@kreis.example") == "admin"
    assert roles.role_of("sr@kreis.example") == "editor"
    assert roles.role_of("buerger@example.org") == "viewer" and roles.role_of(None) == "viewer"
    secrets = tmp_path / "secrets.toml"
    assert not auth_configured(secrets)
    secrets.write_text('XREGION_ITNRW_USER = "x"\n', encoding="utf-8")
    assert not auth_configured(secrets)
    secrets.write_text('[auth]\nredirect_uri = "https://monitor.kreis.example/oauth2callback"\n', encoding="utf-8")
    assert auth_configured(secrets)


def test_a_password_in_the_configuration_file_is_warned_about(tmp_path):
    from pipelines.config import DEFAULT_CONFIG, config_warnings

    path = tmp_path / "xregion.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "[sources.itnrw]\n", '[sources.itnrw]\npassword = "geheim"\n', 1), encoding="utf-8")  # fmt: skip
    warnings = config_warnings(env={"XREGION_CONFIG": str(path)})
    assert len(warnings) == 1 and "sources.itnrw.password" in warnings[0] and "geheim" not in warnings[0]
    assert config_warnings(env={"XREGION_CONFIG": str(DEFAULT_CONFIG)}) == []
