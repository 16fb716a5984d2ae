"""UNHCR Operational Data Portal connector against a local server: numbers as strings in sublocation and as
integers in the time series, a date per country, countries outside the admin table, malformed answers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from dashboard.settings import Settings, load_settings
from data_sources.connectors.base import ConnectorError
from data_sources.connectors.unhcr import SOURCE, UnhcrConnector
from tests.unit import live_fixtures as fx
from tests.unit.replay_server import Answer, Replay, serve

SUB = "/population/get/sublocation"
SERIES = "/population/get/timeseries"


@pytest.fixture
def srv() -> Iterator[Replay]:
    with serve() as replay:
        yield replay


def settings(srv: Replay, timeseries: tuple[tuple[str, str], ...] = (("PL", "10781"),)) -> Settings:
    return replace(load_settings({}), unhcr_url=srv.url, unhcr_timeseries=timeseries, http_retries=1)


def figures(frame: object) -> dict[tuple[str, date], float]:
    return {(r.location, r.ref_date): r.value for r in frame.itertuples()}  # type: ignore[attr-defined]


def test_latest_figures_keep_each_countrys_own_date_and_the_series_adds_history(srv: Replay) -> None:
    srv.add(SUB, fx.odp_sublocation())
    srv.add(SERIES, fx.odp_timeseries([("2022-07-30", 1_249_000), ("2022-07-31", 1_250_000),
                                       ("2022-08-01", 1_256_568)]))
    result = UnhcrConnector(settings(srv), sleep=lambda _s: None).load()
    assert figures(result.denominators) == {
        ("PL", date(2022, 7, 30)): 1_249_000.0, ("PL", date(2022, 7, 31)): 1_250_000.0,
        ("PL", date(2022, 8, 1)): 1_256_568.0,  # "1256568" (string) and 1256568 (int): one figure
        ("LT", date(2022, 8, 2)): 60_755.0,  # Lithuania's own date, one day after Poland's
    }
    assert set(result.denominators["measure"]) == {"refugees_present"}
    assert set(result.denominators["population_group"]) == {"refugee"}
    assert set(result.denominators["source"]) == {SOURCE}
    assert result.warnings == ["3 host countries outside the admin table left out (e.g. Russian Federation, Germany, "
                               "Türkiye)"]
    sub = srv.requests_to(SUB)[0].query
    assert sub["sv_id"] == ["54"] and sub["population_group"] == ["5478"] and sub["forcesublocation"] == ["0"]
    series = srv.requests_to(SERIES)[0].query
    assert series["geo_id"] == ["10781"] and series["frequency"] == ["day"]


def test_without_time_series_only_the_latest_figures(srv: Replay) -> None:
    srv.add(SUB, fx.odp_sublocation())
    result = UnhcrConnector(settings(srv, ())).load()
    assert figures(result.denominators) == {("PL", date(2022, 8, 1)): 1_256_568.0, ("LT", date(2022, 8, 2)): 60_755.0}
    assert srv.requests_to(SERIES) == []


def test_a_figure_that_is_not_a_number_is_left_out_with_a_warning(srv: Replay) -> None:
    body = fx.odp_sublocation()
    body["data"][1]["individuals"] = "n/a"  # Poland
    srv.add(SUB, body)
    result = UnhcrConnector(settings(srv, ())).load()
    assert figures(result.denominators) == {("LT", date(2022, 8, 2)): 60_755.0}
    assert "Poland: figure 'n/a' of '2022-08-01' is not a count with a date; left out" in result.warnings


def test_an_empty_situation_is_no_data(srv: Replay) -> None:
    srv.add(SUB, {"situation_view_id": "54", "data": []})
    result = UnhcrConnector(settings(srv, ())).load()
    assert result.denominators.empty and result.warnings == []


@pytest.mark.parametrize(("route", "body", "message"), [
    (SUB, {"situation_view_id": "54"}, "unexpected answer from /population/get/sublocation \\(no 'data' list\\)"),
    (SERIES, {"data": {"source": "UNHCR"}}, "timeseries for Poland \\(no 'data.timeseries' list\\)"),
    (SERIES, fx.odp_timeseries([("2022-08-01", "many")]), "time series for Poland has a point without a count"),
    (SUB, "<html>Service Unavailable</html>", "is not valid JSON"),
])
def test_malformed_answers_are_clear_errors(srv: Replay, route: str, body: object, message: str) -> None:
    srv.add(SUB, fx.odp_sublocation())
    srv.add(route, body)
    with pytest.raises(ConnectorError, match=message):
        UnhcrConnector(settings(srv)).load()


def test_a_timeseries_code_outside_the_admin_table_names_the_setting(srv: Replay) -> None:
    srv.add(SUB, fx.odp_sublocation())
    with pytest.raises(ConnectorError, match="MHPSS_UNHCR_TIMESERIES: 'DE' is not a P-code"):
        UnhcrConnector(settings(srv, (("DE", "10743"),))).load()


def test_a_503_then_success(srv: Replay) -> None:
    srv.add(SUB, Answer("down for maintenance", status=503), fx.odp_sublocation())
    sleeps: list[float] = []
    result = UnhcrConnector(settings(srv, ()), sleep=sleeps.append, backoff=0.5).load()
    assert len(result.denominators) == 2 and sleeps == [0.5] and result.requests == 2


def test_unhcr_needs_no_secret() -> None:
    assert UnhcrConnector(load_settings({})).missing_settings() == []
