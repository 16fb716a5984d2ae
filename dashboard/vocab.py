"""Domain vocabularies shared by every layer: disaggregation values, organisation types, aggregation rules.

Codes are what the database stores; labels are what people read. Labels are English message ids marked
with ``N_`` (the dicts are built at import time, before any language is chosen): read them through
:func:`label` / :func:`labels` (or ``dashboard.format.label``), which translate into the current language at
call time. Iterating a dict gives its codes, in display order, whatever the language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.i18n import N_, _

ALL = "all"  # a value that is not disaggregated on this dimension

SEX = {"female": N_("Female"), "male": N_("Male"), "other": N_("Other / unknown"), ALL: N_("All (not disaggregated)")}
# Age bands read the same in every language: only "all ages" is a message.
AGE_BANDS = {
    "0-4": "0–4",
    "5-11": "5–11",
    "12-17": "12–17",
    "18-59": "18–59",
    "60+": "60+",
    ALL: N_("All ages (not disaggregated)"),
}
POPULATION_GROUPS = {
    "refugee": N_("Refugees"),
    "host": N_("Host community"),
    "idp": N_("Internally displaced"),
    "returnee": N_("Returnees"),
    ALL: N_("All groups (not disaggregated)"),
}
DISABILITY = {"yes": N_("With disability"), "no": N_("Without disability"), "unknown": N_("Unknown"),
              ALL: N_("All (not disaggregated)")}

ORG_TYPES = {
    "un": N_("UN agency"),
    "ingo": N_("International NGO"),
    "nngo": N_("National NGO"),
    "government": N_("Government"),
    "academic": N_("Academic"),
    "cbo": N_("Community-based organisation"),
    "coordination": N_("Coordination body"),
}

COUNTRIES = {"UKR": N_("Ukraine"), "POL": N_("Poland"), "LTU": N_("Lithuania")}

PYRAMID_LAYERS = {
    1: N_("1 Basic services and security"),
    2: N_("2 Community and family supports"),
    3: N_("3 Focused, non-specialised supports"),
    4: N_("4 Specialised services"),
}

# How an indicator's values combine; the words are shown to donors next to the number.
AGGREGATIONS = {
    "sum": N_("Summed over organisations, places and months."),
    "unique_max": N_(
        "Unique people: for each area and population group the largest figure reported by any one "
        "organisation and activity is taken, then areas are added up (the cluster rule, which avoids "
        "counting a person twice)."
    ),
    "latest": N_("Latest reported value (a stock or a rate, not added over time)."),
    "distinct_organisations": N_("Number of distinct organisations with at least one report."),
}

EVENT_KINDS = {
    "twg_meeting": N_("tWG meeting"),
    "forum": N_("Forum"),
    "training": N_("Training"),
    "milestone": N_("Milestone"),
}

DENOMINATOR_MEASURES = {
    "refugees_present": N_("Refugees present"),
    "residents": N_("Resident population"),
    "refugee_arrivals": N_("Refugee arrivals (cumulative entries)"),
}

# Live data sources (data_sources/connectors): store name -> what people read. Denominators a live source
# writes carry "<label>: <detail>" in their source column, so readers can tell which source they depend on.
# Product names: not translated.
LIVE_SOURCES = {
    "kobo": "KoboToolbox",
    "activityinfo": "ActivityInfo",
    "hapi": "HDX HAPI",
    "unhcr": "UNHCR",
}

#: Dimension name (the column name of the read path, see dashboard.columns) -> its vocabulary.
VOCABULARIES: dict[str, Mapping[Any, str]] = {
    "sex": SEX,
    "age_band": AGE_BANDS,
    "population_group": POPULATION_GROUPS,
    "disability": DISABILITY,
    "org_type": ORG_TYPES,
    "country": COUNTRIES,
    "pyramid_layer": PYRAMID_LAYERS,
    "event_kind": EVENT_KINDS,
    "aggregation": AGGREGATIONS,
    "measure": DENOMINATOR_MEASURES,
    "live_source": LIVE_SOURCES,
}


def _key(dimension: str, code: object) -> object:
    if dimension == "pyramid_layer":
        try:
            return int(str(code).strip().split(".")[0])
        except ValueError:
            return code
    return str(code)


def label(dimension: str, code: object) -> str:
    """The label of a coded value in the current language (``'ingo'`` -> ``International NGO`` /
    ``Міжнародна НУО``); the code itself when the dimension or the code is unknown. Pyramid layers take
    ``3`` or ``"3"``."""
    vocabulary = VOCABULARIES.get(dimension)
    if vocabulary is None:
        return str(code)
    text = vocabulary.get(_key(dimension, code))
    return str(code) if text is None else _(text)


def labels(dimension: str, *, with_all: bool = True) -> dict[object, str]:
    """Code -> label in the current language for every value of ``dimension``, in display order (for a
    selectbox: ``format_func=labels("sex").__getitem__``); ``with_all=False`` leaves out "all (not
    disaggregated)". Unknown dimension: empty."""
    return {code: _(text) for code, text in VOCABULARIES.get(dimension, {}).items() if with_all or code != ALL}
