"""KoboToolbox connector against a local server replaying answers shaped like kobo.unhcr.org's: paging by
``next``, all-string answers, labels from the form definition, keys that moved between form versions,
select_multiple codes, repeat groups, validation status, empty results and bad configuration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pandas as pd
import pytest

from dashboard.settings import Settings, load_settings
from data_sources.connectors.base import ConnectorError, NotConfigured
from data_sources.connectors.kobo import FormDefinition, KoboConnector, KoboRecord, repeat_entries
from tests.unit import live_fixtures as fx
from tests.unit.replay_server import Answer, Replay, serve

TOKEN = "kobo-token-0a1b2c3d"
ASSET = f"/api/v2/assets/{fx.KOBO_UID}/"
DATA = f"/api/v2/assets/{fx.KOBO_UID}/data.json"


@pytest.fixture
def srv() -> Iterator[Replay]:
    with serve() as replay:
        yield replay


def settings(srv: Replay, forms: str | None = None) -> Settings:
    return replace(load_settings({}), kobo_url=srv.url, kobo_token=TOKEN, kobo_forms=forms or fx.kobo_forms_setting(),
                   http_retries=1, http_timeout=2.0)


def load(srv: Replay, forms: str | None = None) -> Any:
    return KoboConnector(settings(srv, forms), sleep=lambda _s: None).load()


def table(facts: pd.DataFrame) -> list[tuple[str, ...]]:
    columns = ["period_month", "organisation", "location", "sex", "value"]
    return sorted(tuple(str(v) for v in row) for row in facts[columns].itertuples(index=False))


def test_submissions_over_three_pages_become_monthly_counts(srv: Replay) -> None:
    srv.add(ASSET, fx.kobo_asset())
    srv.add(DATA, *fx.kobo_pages())
    result = load(srv)
    assert table(result.facts) == [
        ("2025-03", "Light of Hope", "UA46", "female", "2.0"),  # two from the old form version (v0/p_sex)
        ("2025-03", "Light of Hope", "UA46", "male", "1.0"),
        ("2025-04", "International Organization for Migration", "PL14", "male", "1.0"),  # label 'Mazowieckie'
        ("2025-04", "Light of Hope", "UA53", "female", "1.0"),
    ]
    assert result.facts["value"].sum() == 5
    assert set(result.facts["indicator"]) == {"SPECIALISTS_TRAINED"} and set(result.facts["activity"]) == {"3.2"}
    assert set(result.facts["source"]) == {"KoboToolbox: PFA training attendance"}
    assert result.facts.loc[result.facts["value"] == 2, "note"].item() == "2 submissions"
    assert result.warnings == []
    pages = srv.requests_to(DATA)
    assert [p.query.get("start") for p in pages] == [None, ["2"], ["4"]]
    assert all(s.headers["Authorization"] == f"Token {TOKEN}" for s in srv.seen)
    assert result.requests == 4  # the form definition and three pages


def test_an_empty_result_is_no_facts_and_no_error(srv: Replay) -> None:
    srv.add(ASSET, fx.kobo_asset())
    srv.add(DATA, {"count": 0, "next": None, "previous": None, "results": []})
    result = load(srv)
    assert result.facts.empty and result.warnings == []


def test_an_unknown_place_is_skipped_and_reported_with_the_submission(srv: Replay) -> None:
    srv.add(ASSET, fx.kobo_asset())
    srv.add(DATA, fx.kobo_page([*fx.SUBMISSIONS, fx.kobo_submission(106, "2025-04-10", "zz", "loh", "1")], 6, None))
    result = load(srv)
    assert result.facts["value"].sum() == 5
    assert result.warnings == ["PFA training attendance: 1 submission(s) skipped: location 'zz' (Atlantis) "
                               "in 'oblast' is not recognised (e.g. submission 106)"]


def test_not_approved_submissions_are_left_out_unless_asked(srv: Replay) -> None:
    rejected = fx.kobo_submission(107, "2025-04-10", "ua53", "loh", "1", status={
        "timestamp": 1700000000, "uid": "validation_status_not_approved", "by_whom": "m.e", "label": "Not Approved"})
    on_hold = fx.kobo_submission(108, "2025-04-10", "ua53", "loh", "1", status={
        "uid": "validation_status_on_hold", "label": "On Hold"})
    srv.add(ASSET, fx.kobo_asset())
    srv.add(DATA, fx.kobo_page([*fx.SUBMISSIONS, rejected, on_hold], 7, None))
    result = load(srv)
    assert result.facts["value"].sum() == 6
    assert "1 submission(s) marked 'Not approved' in KoboToolbox left out" in result.warnings[0]
    assert load(srv, fx.kobo_forms_setting(include_not_approved=True)).facts["value"].sum() == 7


def test_where_keeps_matching_select_multiple_answers(srv: Replay) -> None:
    srv.add(ASSET, fx.kobo_asset())
    srv.add(DATA, fx.kobo_page(fx.SUBMISSIONS, 5, None))
    result = load(srv, fx.kobo_forms_setting(where={"field": "topics", "equals": "selfcare"}))
    assert table(result.facts) == [("2025-03", "Light of Hope", "UA46", "female", "1.0")]  # only submission 102


def test_repeat_groups_and_select_multiple_become_people_per_activity(srv: Replay) -> None:
    srv.add(f"/api/v2/assets/{fx.KOBO_SESSIONS_UID}/", fx.kobo_sessions_asset())
    srv.add(f"/api/v2/assets/{fx.KOBO_SESSIONS_UID}/data.json", fx.kobo_sessions_page())
    facts = load(srv, fx.kobo_sessions_setting()).facts
    got = sorted(facts[["activity", "sex", "age_band", "population_group", "value"]].itertuples(index=False, name=None))
    # one session, two participants, two activities ("pfa grp"); the session with no participants adds nothing
    assert got == [("2.1", "female", "5-11", "refugee", 1.0), ("2.1", "male", "18-59", "host", 1.0),
                   ("2.2", "female", "5-11", "refugee", 1.0), ("2.2", "male", "18-59", "host", 1.0)]
    assert set(facts["location"]) == {"PL14"} and set(facts["period_month"]) == {"2025-05"}
    assert set(facts["note"]) == {"1 repeat entry"}


def test_nested_repeats_carry_every_level_and_absent_repeats_give_nothing() -> None:
    submission = {"_id": 1, "today": "2022-01-06", "demo": [
        {"demo/name": "A", "demo/hobbies_list": [{"demo/hobbies_list/hobbies": "Basketball"},
                                                 {"demo/hobbies_list/hobbies": "Video games"}]},
        {"demo/name": "B", "demo/lang_list_count": "0"},  # no hobbies_list key at all
    ]}
    entries = repeat_entries(submission, ["demo", "hobbies_list"])
    assert [(e["today"], e["demo/name"], e["demo/hobbies_list/hobbies"]) for e in entries] == [
        ("2022-01-06", "A", "Basketball"), ("2022-01-06", "A", "Video games")]
    assert repeat_entries({"_id": 2}, ["demo"]) == []


def test_labels_come_from_the_chosen_translation() -> None:
    form = FormDefinition.from_asset(fx.kobo_asset(), "uk")
    record = KoboRecord({"v0/p_sex": "2", "topics": "pfa selfcare"}, "submission 1", form)
    assert record.raw("p_sex") == "2" and record.raw("v1/p_sex") == "2"  # moved between groups: still found
    assert record.label("p_sex", "2") == "FEMALE"
    assert record.is_multiple("topics") and not record.is_multiple("p_sex")
    assert FormDefinition.from_asset(fx.kobo_asset()).choices["sex"]["2"] == "female"


def test_an_answer_outside_the_mapping_is_reported(srv: Replay) -> None:
    srv.add(ASSET, fx.kobo_asset())
    srv.add(DATA, fx.kobo_page(fx.SUBMISSIONS, 5, None))
    result = load(srv, fx.kobo_forms_setting(sex={"field": "p_sex", "map": {"2": "female"}}))
    assert result.facts["value"].sum() == 3
    assert "2 submission(s) skipped: answer '1' (male) of 'p_sex' is not in the mapping" in result.warnings[0]


def test_missing_settings_are_named() -> None:
    connector = KoboConnector(load_settings({}))
    assert connector.missing_settings() == ["MHPSS_KOBO_TOKEN", "MHPSS_KOBO_FORMS"]
    with pytest.raises(NotConfigured, match="KoboToolbox is not configured: set MHPSS_KOBO_TOKEN and MHPSS_KOBO_FORMS"):
        connector.load()


@pytest.mark.parametrize(("forms", "message"), [
    ("[{\"uid\": ", "MHPSS_KOBO_FORMS is not valid JSON: Expecting value at line 1 column 9"),
    (json.dumps([{"name": "x"}]), "MHPSS_KOBO_FORMS: form 1 needs the form's \"uid\""),
    (json.dumps([{"uid": "a1", "indicator": "X", "organisation": "Y", "date": {"field": "today"}}]),
     'MHPSS_KOBO_FORMS, form 1 (a1): location missing (a constant or {"field": …})'),
    (json.dumps([{"uid": "a1", "indicator": "X", "organisation": "Y", "location": "UA46", "date": {"field": "d"},
                  "sex": "robot"}]), "MHPSS_KOBO_FORMS, form 1 (a1): sex 'robot' is not a known value"),
    (json.dumps([{"uid": "a1", "indicator": "X", "organisation": "Y", "location": "UA46", "date": "today",
                  "colour": "red"}]), "MHPSS_KOBO_FORMS, form 1 (a1): unknown key(s) colour"),
    ("config/missing-forms.json", "MHPSS_KOBO_FORMS: cannot read"),
    (json.dumps([{"uid": "a1", "indicator": "X", "organisation": "Y", "location": "UA46", "date": "today"}]),
     "MHPSS_KOBO_FORMS, form 1 (a1): date must be {\"field\": …} or a date such as 2025-03-01, not 'today'"),
    (json.dumps([{"uid": "a1", "indicator": "X", "organisation": "Y", "location": "UA46", "date": "2025-03-01",
                  "value": "many"}]), "MHPSS_KOBO_FORMS, form 1 (a1): value must be a number"),
])
def test_a_bad_forms_setting_is_one_clear_message(srv: Replay, forms: str, message: str) -> None:
    with pytest.raises(ConnectorError) as err:
        load(srv, forms)
    assert message in str(err.value)
    assert srv.seen == []  # nothing was requested


def test_check_connection_names_the_forms(srv: Replay) -> None:
    srv.add(ASSET, fx.kobo_asset())
    message = KoboConnector(settings(srv)).check_connection()
    assert message == "KoboToolbox answered for 1 form(s): 'PFA training attendance' (5 submissions)"


def test_a_wrong_token_is_a_clear_message_without_the_token(srv: Replay) -> None:
    srv.add(ASSET, Answer({"detail": "Invalid token."}, status=401))
    with pytest.raises(ConnectorError) as err:
        load(srv)
    assert str(err.value).startswith("KoboToolbox: the server refused the credentials (HTTP 401)")
    assert "check MHPSS_KOBO_TOKEN" in str(err.value) and TOKEN not in str(err.value)
