"""Small answers shaped like the real ones of each live source (see ../shared/samples/*/README.md), written
for these tests: an MHPSS training-attendance Kobo form, HDX HAPI population/refugee rows, UNHCR ODP
sublocation and time series, an ActivityInfo column set. ``{BASE}`` is replaced by the test server's address."""

from __future__ import annotations

import json
from typing import Any

KOBO_UID = "aTrainPFA2025xyz"
KOBO_SESSIONS_UID = "aGroupPSS2025abc"


def _question(name: str, qtype: str, label: str, list_name: str | None = None, xpath: str | None = None) -> dict[str, Any]:
    q: dict[str, Any] = {"name": name, "type": qtype, "$kuid": f"k{name}", "label": [label, f"{label} (uk)"],
                         "$autoname": name}
    if xpath:
        q["$xpath"] = xpath
    if list_name:
        q["select_from_list_name"] = list_name
    return q


def _choice(list_name: str, code: str, label: str) -> dict[str, Any]:
    return {"name": code, "$kuid": f"c{code}", "label": [label, label.upper()], "list_name": list_name,
            "$autovalue": code}


def kobo_asset(uid: str = KOBO_UID) -> dict[str, Any]:
    """The form definition: labels in two translations; the sex question now sits in group ``v1``."""
    return {
        "uid": uid, "name": "PFA training attendance", "deployment__submission_count": 5,
        "content": {
            "survey": [
                {"name": "start", "type": "start", "$kuid": "a"},
                {"name": "today", "type": "today", "$kuid": "b"},
                _question("oblast", "select_one", "Where was the training?", "oblast"),
                _question("org", "select_one", "Organisation", "org"),
                {"name": "v1", "type": "begin_group", "$kuid": "g1"},
                _question("p_sex", "select_one", "Participant's sex", "sex", xpath="v1/p_sex"),
                _question("p_age", "integer", "Participant's age", xpath="v1/p_age"),
                {"type": "end_group", "$kuid": "g1e"},
                _question("topics", "select_multiple", "Topics covered", "topic"),
            ],
            "choices": [
                _choice("oblast", "ua46", "Lviv"), _choice("oblast", "ua53", "Poltava"),
                _choice("oblast", "pl_maz", "Mazowieckie"), _choice("oblast", "zz", "Atlantis"),
                _choice("org", "loh", "Light of Hope"), _choice("org", "iom", "International Organization for Migration"),
                _choice("sex", "1", "male"), _choice("sex", "2", "female"),
                _choice("topic", "pfa", "Psychological first aid"), _choice("topic", "selfcare", "Staff care"),
            ],
            "translations": ["English (en)", "Українська (uk)"],
        },
    }


def kobo_submission(sid: int, day: str, oblast: str, org: str, sex: str, *, group: str = "v1",
                    age: str = "34", topics: str = "pfa", status: dict[str, Any] | None = None) -> dict[str, Any]:
    """One flat submission: every answer a string, select_multiple as space-separated codes."""
    return {
        "_id": sid, "formhub/uuid": "f0e1d2c3", "start": f"{day}T09:00:01.100+02:00", "today": day,
        "oblast": oblast, "org": org, f"{group}/p_sex": sex, f"{group}/p_age": age, "topics": topics,
        "__version__": "vOld" if group == "v0" else "vNew", "meta/instanceID": f"uuid:{sid}",
        "_xform_id_string": KOBO_UID, "_uuid": str(sid), "_attachments": [], "_status": "submitted_via_web",
        "_geolocation": [None, None], "_submission_time": f"{day}T10:00:00", "_tags": [], "_notes": [],
        "_validation_status": status or {}, "_submitted_by": None, "meta/rootUuid": f"uuid:{sid}",
    }


SUBMISSIONS = [
    # old form version: the sex question was in group v0
    kobo_submission(101, "2025-03-04", "ua46", "loh", "2", group="v0"),
    kobo_submission(102, "2025-03-04", "ua46", "loh", "2", group="v0", topics="pfa selfcare"),
    kobo_submission(103, "2025-03-18", "ua46", "loh", "1"),
    kobo_submission(104, "2025-04-02", "ua53", "loh", "2"),
    kobo_submission(105, "2025-04-09", "pl_maz", "iom", "1"),
]


def kobo_page(results: list[dict[str, Any]], count: int, next_start: int | None, uid: str = KOBO_UID) -> dict[str, Any]:
    following = f"{{BASE}}/api/v2/assets/{uid}/data.json?format=json&limit=2&start={next_start}" if next_start else None
    return {"count": count, "next": following, "previous": None, "results": results}


def kobo_pages() -> list[dict[str, Any]]:
    """The five submissions in pages of two, linked by ``next``."""
    return [kobo_page(SUBMISSIONS[0:2], 5, 2), kobo_page(SUBMISSIONS[2:4], 5, 4), kobo_page(SUBMISSIONS[4:], 5, None)]


def kobo_forms_setting(**extra: Any) -> str:
    form = {
        "uid": KOBO_UID, "name": "PFA training attendance", "indicator": "SPECIALISTS_TRAINED",
        "organisation": {"field": "org"}, "activity": "3.2", "location": {"field": "oblast"},
        "date": {"field": "today"}, "sex": {"field": "p_sex"}, "page_size": 2, **extra,
    }
    return json.dumps([form])


def kobo_sessions_asset() -> dict[str, Any]:
    """A group-session form: participants in a repeat group, activities as select_multiple."""
    return {
        "uid": KOBO_SESSIONS_UID, "name": "Group PSS sessions",
        "content": {
            "survey": [
                _question("session_date", "date", "Date"),
                _question("activities", "select_multiple", "Activities", "act"),
                {"name": "participants", "type": "begin_repeat", "$kuid": "r1"},
                _question("sex", "select_one", "Sex", "sex"),
                _question("age", "integer", "Age"),
                _question("status", "select_one", "Status", "grp"),
                {"type": "end_repeat", "$kuid": "r1e"},
            ],
            "choices": [
                _choice("act", "pfa", "PFA"), _choice("act", "grp", "Group psychological intervention"),
                _choice("sex", "f", "Female"), _choice("sex", "m", "Male"),
                _choice("grp", "r", "Refugee"), _choice("grp", "h", "Host community"),
            ],
            "translations": [None],
        },
    }


def kobo_sessions_page() -> dict[str, Any]:
    return {"count": 2, "next": None, "previous": None, "results": [
        {"_id": 201, "session_date": "2025-05-06", "activities": "pfa grp", "participants_count": "2",
         "participants": [
             {"participants/sex": "f", "participants/age": "9", "participants/status": "r"},
             {"participants/sex": "m", "participants/age": "41", "participants/status": "h"},
         ]},
        # a session with no participants: Kobo leaves the repeat out entirely
        {"_id": 202, "session_date": "2025-05-07", "activities": "pfa", "participants_count": "0"},
    ]}


def kobo_sessions_setting() -> str:
    return json.dumps([{
        "uid": KOBO_SESSIONS_UID, "repeat": "participants", "indicator": "PPL_REACHED",
        "organisation": "Polish Migration Forum", "location": "PL-MZ", "date": {"field": "session_date"},
        "activity": {"field": "activities", "map": {"pfa": "2.1", "grp": "2.2"}},
        "sex": {"field": "sex"}, "age_band": {"field": "age"}, "population_group": {"field": "status"},
    }])


# --- HDX HAPI ------------------------------------------------------------------------------------------------


def hapi_population_row(admin1: str | None, name: str | None, population: int, gender: str = "all",
                        age: str = "all", location: str = "UKR") -> dict[str, Any]:
    return {
        "resource_hdx_id": "b1c2", "admin2_ref": 1, "gender": gender, "age_range": age, "min_age": None,
        "max_age": None, "population": population, "reference_period_start": "2025-01-01T00:00:00",
        "reference_period_end": "2025-12-31T23:59:59", "location_ref": 1, "location_code": location,
        "location_name": {"UKR": "Ukraine", "POL": "Poland", "LTU": "Lithuania"}.get(location, location), "admin1_ref": 2, "admin1_code": admin1, "admin1_name": name,
        "admin2_code": None, "admin2_name": None,
    }


def hapi_refugee_row(asylum: str, population: int, group: str = "REF", gender: str = "all", age: str = "all",
                     end: str = "2024-12-31T23:59:59") -> dict[str, Any]:
    return {
        "resource_hdx_id": "r1", "origin_location_ref": 1, "asylum_location_ref": 2, "population_group": group,
        "gender": gender, "age_range": age, "min_age": None, "max_age": None, "population": population,
        "reference_period_start": "2024-01-01T00:00:00", "reference_period_end": end,
        "origin_location_code": "UKR", "origin_location_name": "Ukraine", "asylum_location_code": asylum,
        "asylum_location_name": {"POL": "Poland", "LTU": "Lithuania"}.get(asylum, asylum),
    }


def hapi_presence_row(org: str, acronym: str, org_type: str, admin1: str, name: str) -> dict[str, Any]:
    return {
        "sector_code": "PRO", "dataset_hdx_stub": "ukraine-operational-presence", "resource_hdx_id": "p1",
        "org_acronym": acronym, "org_name": org, "sector_name": "Protection", "location_code": "UKR",
        "location_name": "Ukraine", "admin1_code": admin1, "admin1_name": name, "admin2_code": None,
        "admin2_name": None, "org_type_code": "437", "org_type_description": org_type,
        "reference_period_start": "2025-01-01T00:00:00", "reference_period_end": "2025-03-31T23:59:59",
    }


# --- UNHCR Operational Data Portal ---------------------------------------------------------------------------


def odp_country(name: str, geo_id: int, individuals: str, day: str) -> dict[str, Any]:
    """A sublocation record: numbers as strings, each country with its own date, codes nested."""
    return {
        "geomaster_name": name, "geomaster_id": geo_id, "admin_level": "Country", "centroid_lon": "19.4013",
        "centroid_lat": "52.1224", "lat_max": 55.46, "lon_max": 26.40, "lat_min": 48.02, "lon_min": 12.40,
        "source": "UNHCR, Government", "date": day, "month": day[5:7].lstrip("0"), "year": day[:4],
        "population_groups_concat": "Individual refugees from Ukraine recorded across Europe (cumulative)",
        "population_group_id": "5478", "individuals_type": "1", "demography_type": "1",
        "individuals": individuals, "households": "0",
        "population_groups": [{"id": "5478", "pop_type_code": "REF", "pop_origin_code": "UKR"}],
        "published": name != "Lithuania", "numChildren": "0", "color": "#3c8dbc",
    }


def odp_sublocation() -> dict[str, Any]:
    return {"situation_view_id": "54", "situation_view_name": "Ukraine Refugee Situation",
            "situation_view_description": "…", "data": [
                odp_country("Russian Federation", 10801, "1968127", "2022-08-02"),
                odp_country("Poland", 10781, "1256568", "2022-08-01"),
                odp_country("Germany", 10743, "915000", "2022-08-03"),
                odp_country("Lithuania", 10888, "60755", "2022-08-02"),
                odp_country("Türkiye", 10829, "145000", "2022-05-19"),
            ]}


def odp_timeseries(points: list[tuple[str, int]]) -> dict[str, Any]:
    """A time series: numbers as integers (unlike sublocation)."""
    return {"situation_view_id": "54", "situation_view_name": "Ukraine Refugee Situation",
            "data": {"timeseries": [{"data_date": d, "unix_timestamp": 0, "individuals": n} for d, n in points],
                     "source": "UNHCR, Government"}, "currentSeries": 1}


# --- ActivityInfo --------------------------------------------------------------------------------------------


def activityinfo_columns(rows: list[dict[str, Any]], ids: dict[str, str]) -> dict[str, Any]:
    """A column set for ``rows`` (expression → value): array columns, one constant and the record ids."""
    columns: dict[str, Any] = {"_id": {"type": "STRING", "storage": "array",
                                       "values": [f"c{i}" for i in range(len(rows))]}}
    for expression, column_id in ids.items():
        values = [row.get(expression) for row in rows]
        if len(set(map(str, values))) == 1 and values:
            columns[column_id] = {"type": "STRING", "storage": "constant", "value": values[0]}
        else:
            columns[column_id] = {"type": "STRING", "storage": "array", "values": values}
    return {"rows": len(rows), "columns": columns}
