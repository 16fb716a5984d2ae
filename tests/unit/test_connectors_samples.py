"""The connectors read the real recorded responses in ../shared/samples (skipped when that folder is absent)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from dashboard.settings import load_settings
from data_sources.connectors.http import unwrap_rows
from data_sources.connectors.kobo import FormDefinition, KoboRecord, repeat_entries
from data_sources.connectors.mapping import FactMapping, Problems, aggregate, collect_rows
from data_sources.connectors.unhcr import UnhcrConnector
from tests.conftest import SHARED
from tests.unit.replay_server import serve

SAMPLES = SHARED / "samples"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not available")


def sample(folder: str, name: str) -> Any:
    return json.loads((SAMPLES / folder / name).read_text(encoding="utf-8"))


def test_kobo_keys_that_moved_between_form_versions_and_labels_from_the_asset() -> None:
    kobo = "kobo-api-v2-robotoolbox"
    data = sample(kobo, "data_group_names_select_multiple.json")
    form = FormDefinition.from_asset(sample(kobo, "asset_aDMHypRASH2EuJdvKMx5Mi_form_group_change.json"))
    groups = {key.split("/")[0] for r in data["results"] for key in r if key.endswith("/hh_sex")}
    assert len(groups) >= 2  # the same question under several groups (v0, v1, v2)
    expected = Counter(next(v for k, v in r.items() if k.endswith("/hh_sex")) for r in data["results"])
    mapping = FactMapping.parse({"indicator": "SPECIALISTS_TRAINED", "organisation": "Light of Hope",
                                 "location": "UA53", "date": {"field": "today"}, "sex": {"field": "hh_sex"}},
                                "test", "group change")
    records = [KoboRecord(r, f"submission {r['_id']}", form) for r in data["results"]]
    problems = Problems("submission")
    facts = aggregate(collect_rows(mapping, records, problems), "KoboToolbox: test")
    assert problems.skipped == 0
    assert dict(zip(facts["sex"], facts["value"], strict=True)) == {"male": expected["1"], "female": expected["2"]}
    pets = [KoboRecord(r, "", form) for r in data["results"]]
    assert pets[0].is_multiple("pet_type") and pets[0].raw("pet_type") == "2 4"
    assert [pets[0].label("pet_type", c) for c in ["2", "4"]] == ["chicken", "cat"]


def test_kobo_repeat_groups_give_one_record_per_entry() -> None:
    data = sample("kobo-api-v2-robotoolbox", "data_repeat_groups.json")
    entries = [e for r in data["results"] for e in repeat_entries(r, ["demo"])]
    assert len(entries) == sum(len(r.get("demo", [])) for r in data["results"])
    assert all("today" in e and "demo/age" in e for e in entries)
    nested = [e for r in data["results"] for e in repeat_entries(r, ["demo", "hobbies_list"])]
    assert nested and all("demo/hobbies_list/hobbies" in e and "demo/name" in e for e in nested)


def test_hapi_bare_list_and_envelope() -> None:
    hapi = "hapi-docs-response-examples"
    assert len(unwrap_rows(sample(hapi, "operational_presence_v1beta_bare_list.json")) or []) == 1
    assert len(unwrap_rows(sample(hapi, "metadata_resource_v1_envelope.json")) or []) == 1


def test_unhcr_real_sublocation_and_timeseries() -> None:
    folder = "unhcr-odp-ukraine-situation-api"
    series = sample(folder, "odp_timeseries_ukraine_situation_2022-08.json")
    with serve() as srv:
        srv.add("/population/get/sublocation", sample(folder, "odp_sublocation_ukraine_situation_2022-08.json"))
        srv.add("/population/get/timeseries", series)  # a real series, served for Lithuania (its shape matters)
        settings = replace(load_settings({}), unhcr_url=srv.url, unhcr_timeseries=(("LT", "10888"),))
        result = UnhcrConnector(settings).load()
    got = {(r.location, r.ref_date): r.value for r in result.denominators.itertuples()}
    assert got[("PL", date(2022, 8, 1))] == 1_256_568
    assert ("LT", date(2022, 8, 2)) in got  # the latest figure (60,755) or the series' value that day
    assert sum(1 for key in got if key[0] == "LT") == len({p["data_date"] for p in series["data"]["timeseries"]} |
                                                         {"2022-08-02"})
    assert "host countries outside the admin table left out" in result.warnings[0]
