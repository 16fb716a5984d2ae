"""ActivityInfo connector against a local server: the columns query, column-set storage kinds, a wide form
(women/men columns) turned into disaggregated facts, auth failure and inconsistent answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from dashboard.settings import Settings, load_settings
from data_sources.connectors.activityinfo import ActivityInfoConnector, parse_column_set
from data_sources.connectors.base import ConnectorError
from tests.unit.live_fixtures import activityinfo_columns
from tests.unit.replay_server import Answer, Replay, serve

TOKEN = "ai-token-9f8e7d6c5b"
FORM = "cq8x1yz2"
QUERY = "/resources/query/columns"
MAPPING = {
    "name": "Protection cluster 5W",
    "indicator": {"field": "[Indicator]", "map": {
        "# of individuals who received individual or group-based psychosocial support": "PPL_REACHED"}},
    "organisation": {"field": "Partner.Name"},
    "org_type": "ingo",
    "activity": {"field": "[Activity]"},
    "location": {"field": "Oblast.Code"},
    "date": {"field": "[Reporting month]"},
    "population_group": {"field": "[Population group]"},
    "values": [{"field": "WOMEN", "sex": "female", "age_band": "18-59"},
               {"field": "MEN", "sex": "male", "age_band": "18-59"}],
}
INDICATOR = "# of individuals who received individual or group-based psychosocial support"
RECORDS = [
    {"[Indicator]": INDICATOR, "Partner.Name": "NGO Alpha", "[Activity]": "2.1 Person-focused psychosocial work",
     "Oblast.Code": "UA46", "[Reporting month]": "2025-03", "[Population group]": "IDPs", "WOMEN": 40, "MEN": 12},
    {"[Indicator]": INDICATOR, "Partner.Name": "NGO Alpha", "[Activity]": "2.1 Person-focused psychosocial work",
     "Oblast.Code": "UA46", "[Reporting month]": "2025-03", "[Population group]": "Host community", "WOMEN": 8,
     "MEN": 0},
    {"[Indicator]": INDICATOR, "Partner.Name": "NGO Beta", "[Activity]": "2.2 Psychological intervention",
     "Oblast.Code": "UA63", "[Reporting month]": "2025-04", "[Population group]": "IDPs", "WOMEN": 5, "MEN": None},
]


@pytest.fixture
def srv() -> Iterator[Replay]:
    with serve() as replay:
        yield replay


def settings(srv: Replay, mapping: dict[str, Any] | None = None) -> Settings:
    return replace(load_settings({}), activityinfo_url=srv.url, activityinfo_token=TOKEN, activityinfo_form=FORM,
                   activityinfo_mapping=json.dumps(mapping or MAPPING), http_retries=0)


def answer(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The column set the server sends for the connector's query (column ids c0, c1… in mapping order)."""
    fields = ActivityInfoConnector(replace(load_settings({}), activityinfo_mapping=json.dumps(MAPPING))).mapping().fields()
    return activityinfo_columns(records, {f: f"c{i}" for i, f in enumerate(fields)})


def test_records_become_disaggregated_facts(srv: Replay) -> None:
    srv.add(QUERY, answer(RECORDS), method="POST")
    result = ActivityInfoConnector(settings(srv)).load()
    got = sorted(result.facts[["organisation", "activity", "location", "period_month", "population_group", "sex",
                               "value"]].itertuples(index=False, name=None))
    assert got == [
        ("NGO Alpha", "2.1", "UA46", "2025-03", "host", "female", 8.0),
        ("NGO Alpha", "2.1", "UA46", "2025-03", "host", "male", 0.0),
        ("NGO Alpha", "2.1", "UA46", "2025-03", "idp", "female", 40.0),
        ("NGO Alpha", "2.1", "UA46", "2025-03", "idp", "male", 12.0),
        ("NGO Beta", "2.2", "UA63", "2025-04", "idp", "female", 5.0),
    ]
    assert result.warnings == []
    assert set(result.facts["indicator"]) == {"PPL_REACHED"} and set(result.facts["org_type"]) == {"ingo"}
    assert set(result.facts["source"]) == {"ActivityInfo: Protection cluster 5W"}
    sent = srv.requests_to(QUERY)[0]
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.body["rowSources"] == [{"rootFormId": FORM}]
    assert {c["expression"] for c in sent.body["columns"]} >= {"_id", "Partner.Name", "WOMEN", "[Reporting month]"}


def test_a_blank_value_cell_adds_no_row_but_a_non_number_skips_the_record(srv: Replay) -> None:
    bad = {**RECORDS[0], "Partner.Name": "NGO Gamma", "WOMEN": "about forty"}
    srv.add(QUERY, answer([*RECORDS, bad]), method="POST")
    result = ActivityInfoConnector(settings(srv)).load()
    beta = result.facts[result.facts["organisation"] == "NGO Beta"]
    assert beta[["sex", "value"]].values.tolist() == [["female", 5.0]]  # MEN was blank: no male row
    assert "NGO Gamma" not in set(result.facts["organisation"])
    assert result.warnings == ["Protection cluster 5W: 1 record(s) skipped: 'WOMEN' is not a number "
                               "('about forty') (e.g. record c3)"]


def test_no_records_is_no_facts(srv: Replay) -> None:
    srv.add(QUERY, {"rows": 0, "columns": {"_id": {"type": "STRING", "storage": "empty"}}}, method="POST")
    result = ActivityInfoConnector(settings(srv)).load()
    assert result.facts.empty and result.warnings == []


def test_column_storage_kinds() -> None:
    body = {"rows": 3, "columns": {
        "a": {"type": "STRING", "storage": "array", "values": ["x", None, "z"]},
        "b": {"type": "NUMBER", "storage": "constant", "value": 4},
        "c": {"type": "STRING", "storage": "empty"},
    }}
    assert parse_column_set(body, "ActivityInfo") == [
        {"a": "x", "b": 4, "c": None}, {"a": None, "b": 4, "c": None}, {"a": "z", "b": 4, "c": None}]


@pytest.mark.parametrize(("body", "message"), [
    ({"columns": {}}, "no row count"),
    ({"rows": 2, "columns": {"a": {"storage": "array", "values": [1]}}}, "column a has 1 values for 2 rows"),
    ({"rows": 1, "columns": {"a": {"storage": "bitmap"}}}, "unknown storage 'bitmap'"),
])
def test_an_inconsistent_column_set_is_rejected(body: dict[str, Any], message: str) -> None:
    with pytest.raises(ConnectorError, match=message):
        parse_column_set(body, "ActivityInfo")


def test_a_refused_token_names_the_setting(srv: Replay) -> None:
    srv.add(QUERY, Answer({"message": "Unauthorized"}, status=401), method="POST")
    with pytest.raises(ConnectorError) as err:
        ActivityInfoConnector(settings(srv)).load()
    assert "refused the credentials (HTTP 401)" in str(err.value)
    assert "MHPSS_ACTIVITYINFO_TOKEN" in str(err.value) and TOKEN not in str(err.value)


def test_check_connection_reads_the_form_schema(srv: Replay) -> None:
    srv.add(f"/resources/form/{FORM}/schema", {"id": FORM, "label": "5W reporting", "elements": [{}, {}, {}]})
    assert ActivityInfoConnector(settings(srv)).check_connection() == "ActivityInfo answered: form '5W reporting' with 3 fields"


def test_missing_settings_are_named() -> None:
    assert ActivityInfoConnector(load_settings({})).missing_settings() == [
        "MHPSS_ACTIVITYINFO_TOKEN", "MHPSS_ACTIVITYINFO_FORM", "MHPSS_ACTIVITYINFO_MAPPING"]
