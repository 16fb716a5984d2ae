"""Live-source settings: environment over secrets, mappings written as TOML tables, per-source pairs, and
tokens that never show in a settings object's text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.settings import SettingsError, load_settings
from data_sources.connectors.kobo import KoboConnector

SECRETS = """
[mhpss]
MHPSS_KOBO_TOKEN = "from-secrets-0000"
MHPSS_HAPI_APP_IDENTIFIER = "c2VjcmV0OmFwcA=="

[[mhpss.kobo_forms]]
uid = "aTrainPFA2025xyz"
indicator = "SPECIALISTS_TRAINED"
organisation = "Light of Hope"
location = "UA53"
date = {field = "today"}
sex = {field = "p_sex", map = {"1" = "male", "2" = "female"}}
"""


def test_a_mapping_in_secrets_toml_is_read_as_json(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(SECRETS, encoding="utf-8")
    settings = load_settings({}, secrets_path=path)
    assert settings.kobo_token == "from-secrets-0000"
    assert json.loads(settings.kobo_forms)[0]["sex"]["map"] == {"1": "male", "2": "female"}
    forms = KoboConnector(settings).forms()
    assert forms[0][1].specs["sex"].mapping == {"1": "male", "2": "female"}
    overridden = load_settings({"MHPSS_KOBO_TOKEN": "from-env-1111"}, secrets_path=path)
    assert overridden.kobo_token == "from-env-1111"  # the environment wins


def test_tokens_are_not_in_the_settings_text(tmp_path: Path) -> None:
    settings = load_settings({"MHPSS_KOBO_TOKEN": "tok-aaaa-bbbb", "MHPSS_ACTIVITYINFO_TOKEN": "tok-cccc-dddd",
                              "MHPSS_HAPI_APP_IDENTIFIER": "tok-eeee-ffff"}, secrets_path=tmp_path / "none.toml")
    text = repr(settings) + str(settings)
    assert "tok-" not in text and "kobo_url" in text


def test_per_source_pairs_fill_in_defaults() -> None:
    settings = load_settings({"MHPSS_STALE_DAYS": "unhcr=3", "MHPSS_REFRESH_HOURS": "kobo=1, hapi=24"})
    assert dict(settings.stale_days) == {"kobo": 2, "activityinfo": 7, "hapi": 45, "unhcr": 3}
    assert dict(settings.refresh_hours) == {"kobo": 1, "activityinfo": 24, "hapi": 24, "unhcr": 24}
    assert load_settings({"MHPSS_UNHCR_TIMESERIES": "none"}).unhcr_timeseries == ()
    assert load_settings({"MHPSS_HAPI_LOCATIONS": "ukr, pol"}).hapi_locations == ("UKR", "POL")


@pytest.mark.parametrize(("environ", "message"), [
    ({"MHPSS_STALE_DAYS": "unhcr=0"}, "MHPSS_STALE_DAYS must be 1 or more, got 0"),
    ({"MHPSS_STALE_DAYS": "dhis2=4"}, "MHPSS_STALE_DAYS: unknown source 'dhis2'"),
    ({"MHPSS_REFRESH_HOURS": "kobo"}, "MHPSS_REFRESH_HOURS must be a list of name=value pairs"),
    ({"MHPSS_HTTP_TIMEOUT": "soon"}, "MHPSS_HTTP_TIMEOUT must be a number of seconds, got 'soon'"),
    ({"MHPSS_HTTP_RETRIES": "-1"}, "MHPSS_HTTP_RETRIES must be 0 or more, got -1"),
    ({"MHPSS_HAPI_THEMES": "population,weather"}, "MHPSS_HAPI_THEMES: unknown theme(s) weather"),
])
def test_bad_values_name_the_setting(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(environ)
    assert message in str(err.value)
