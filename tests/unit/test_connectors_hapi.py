"""HDX HAPI connector against a local server: limit/offset paging over bare lists and ``{"data": …}``
envelopes, the app_identifier on every request, population split by gender, refugee groups, 3W presence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from dashboard.settings import Settings, load_settings
from data_sources.connectors import hapi
from data_sources.connectors.base import ConnectorError
from data_sources.connectors.hapi import HapiConnector, org_type, total
from tests.unit import live_fixtures as fx
from tests.unit.replay_server import Answer, Replay, serve

APP = "bWhwc3MtZGFzaGJvYXJkOm1lQGV4YW1wbGUub3Jn"  # base64("mhpss-dashboard:me@example.org")


@pytest.fixture
def srv(monkeypatch: pytest.MonkeyPatch) -> Iterator[Replay]:
    monkeypatch.setattr(hapi, "PAGE_SIZE", 2)  # small pages, so three rows take two requests
    with serve() as replay:
        yield replay


def settings(srv: Replay, **overrides: object) -> Settings:
    base = replace(load_settings({}), hapi_url=srv.url, hapi_app_identifier=APP, http_retries=0)
    return replace(base, **overrides)  # type: ignore[arg-type]


def by_key(frame: object) -> dict[tuple[str, str, date], float]:
    return {(r.location, r.measure, r.ref_date): r.value for r in frame.itertuples()}  # type: ignore[attr-defined]


def population_routes(srv: Replay) -> None:
    ukraine_admin1 = [  # bare list (the beta shape), three rows over two pages
        fx.hapi_population_row("UA46", "Lvivska", 2_478_133),
        fx.hapi_population_row("UA53", "Poltavska", 690_000, gender="f"),
        fx.hapi_population_row("UA53", "Poltavska", 610_000, gender="m"),
    ]
    srv.add(hapi.POPULATION, ukraine_admin1[:2], ukraine_admin1[2:], when={"admin_level": "1"})
    srv.add(hapi.POPULATION, {"data": [fx.hapi_population_row(None, None, 37_000_000)]}, when={"admin_level": "0"})


def test_population_pages_and_envelopes_become_resident_denominators(srv: Replay) -> None:
    population_routes(srv)
    result = HapiConnector(settings(srv, hapi_themes=("population",), hapi_locations=("UKR",))).load()
    assert by_key(result.denominators) == {
        ("UA46", "residents", date(2025, 12, 31)): 2_478_133.0,
        ("UA53", "residents", date(2025, 12, 31)): 1_300_000.0,  # female + male: no all-genders row
        ("UA", "residents", date(2025, 12, 31)): 37_000_000.0,
    }
    assert set(result.denominators["source"]) == {"HDX HAPI: baseline population (COD-PS)"}
    seen = srv.requests_to(hapi.POPULATION)
    assert [(s.query["admin_level"], s.query["offset"]) for s in seen] == [(["0"], ["0"]), (["1"], ["0"]), (["1"], ["2"])]
    assert all(s.query["app_identifier"] == [APP] and s.query["output_format"] == ["json"] for s in seen)
    assert all(s.query["location_code"] == ["UKR"] and s.query["limit"] == ["2"] for s in seen)


def test_refugees_keep_the_refugee_group_per_host_country(srv: Replay) -> None:
    srv.add(hapi.REFUGEES, {"data": [
        fx.hapi_refugee_row("POL", 950_000),
        fx.hapi_refugee_row("POL", 2_100, group="ASY"),  # asylum-seekers are another group
    ]}, {"data": []}, when={"asylum_location_code": "POL"})
    srv.add(hapi.REFUGEES, {"data": [
        fx.hapi_refugee_row("LTU", 24_000, gender="f", age="18-59"),
        fx.hapi_refugee_row("LTU", 9_000, gender="f", age="0-4"),
    ]}, {"data": [fx.hapi_refugee_row("LTU", 10_000, gender="all", age="all", end="2023-12-31T23:59:59")]},
        when={"asylum_location_code": "LTU"})
    result = HapiConnector(settings(srv, hapi_themes=("refugees",))).load()
    assert by_key(result.denominators) == {
        ("PL", "refugees_present", date(2024, 12, 31)): 950_000.0,
        ("LT", "refugees_present", date(2024, 12, 31)): 33_000.0,
        ("LT", "refugees_present", date(2023, 12, 31)): 10_000.0,
    }
    asked = [(s.query["origin_location_code"], s.query["asylum_location_code"]) for s in srv.requests_to(hapi.REFUGEES)]
    assert asked == [(["UKR"], ["POL"]), (["UKR"], ["POL"]), (["UKR"], ["LTU"]), (["UKR"], ["LTU"])]  # not UKR


def test_presence_becomes_one_fact_per_organisation_area_and_period(srv: Replay) -> None:
    srv.add(hapi.PRESENCE, [
        fx.hapi_presence_row("Light of Hope", "LoH", "National NGO", "UA53", "Poltavska"),
        fx.hapi_presence_row("Light of Hope", "LoH", "National NGO", "UA53", "Poltavska"),  # two activities
    ], [fx.hapi_presence_row("Médecins Sans Frontières", "MSF", "International NGO", "UA63", "Kharkivska")], [])
    result = HapiConnector(settings(srv, hapi_themes=("presence",), hapi_locations=("UKR",))).load()
    facts = result.facts.sort_values("organisation")
    assert facts[["organisation", "org_type", "location", "value"]].values.tolist() == [
        ["Light of Hope", "nngo", "UA53", 1.0], ["Médecins Sans Frontières", "ingo", "UA63", 1.0]]
    assert set(facts["indicator"]) == {"ORGS_REPORTING"}
    assert set(facts["period_month"]) == {"2025-01"} and set(facts["period_end"]) == {date(2025, 3, 31)}
    assert srv.requests_to(hapi.PRESENCE)[0].query["sector_code"] == ["PRO"]


def test_places_outside_the_admin_table_are_counted(srv: Replay) -> None:
    srv.add(hapi.POPULATION, [fx.hapi_population_row("ML07", "Gao", 500_000, location="MLI")])
    result = HapiConnector(settings(srv, hapi_themes=("population",), hapi_locations=("MLI",))).load()
    assert result.denominators.empty
    assert result.warnings == ["rows for 2 place(s) outside the admin table left out (e.g. ML07, MLI)"]


def test_an_empty_answer_is_no_data(srv: Replay) -> None:
    srv.add(hapi.POPULATION, {"data": []})
    result = HapiConnector(settings(srv, hapi_themes=("population",), hapi_locations=("UKR",))).load()
    assert result.denominators.empty and result.facts.empty and result.requests == 2


def test_a_refused_identifier_is_a_clear_message_without_it(srv: Replay) -> None:
    srv.add(hapi.POPULATION, Answer({"error": "Invalid app identifier"}, status=403))
    with pytest.raises(ConnectorError) as err:
        HapiConnector(settings(srv)).load()
    assert "refused the credentials (HTTP 403)" in str(err.value) and "MHPSS_HAPI_APP_IDENTIFIER" in str(err.value)
    assert APP not in str(err.value)


def test_missing_settings_include_the_presence_indicator_when_presence_is_on() -> None:
    plain = load_settings({})
    assert HapiConnector(plain).missing_settings() == ["MHPSS_HAPI_APP_IDENTIFIER"]
    with_presence = replace(plain, hapi_app_identifier=APP, hapi_themes=("presence",), hapi_presence_indicator="")
    assert HapiConnector(with_presence).missing_settings() == ["MHPSS_HAPI_PRESENCE_INDICATOR"]


@pytest.mark.parametrize(("rows", "expected"), [
    ([{"gender": "all", "age_range": "all", "population": 10}, {"gender": "f", "age_range": "all", "population": 6}], 10),
    ([{"gender": "all", "age_range": "0-4", "population": 3}, {"gender": "all", "age_range": "5-17", "population": 4}], 7),
    ([{"gender": "f", "age_range": "0-4", "population": 1}, {"gender": "m", "age_range": "0-4", "population": 2}], 3),
    ([{"gender": "all", "age_range": "all", "population": "n/a"}], None),
])
def test_total_prefers_the_all_row(rows: list[dict[str, object]], expected: float | None) -> None:
    assert total(rows) == expected


@pytest.mark.parametrize(("description", "code"), [
    ("International NGO", "ingo"), ("National NGO", "nngo"), ("UN Agency", "un"), ("Government", "government"),
    ("Academic / Research", "academic"), (None, "nngo"),
])
def test_org_types(description: str | None, code: str) -> None:
    assert org_type(description) == code
