"""Domain vocabularies shared by every layer: disaggregation values, organisation types, aggregation rules.

Codes are what the database stores; labels are what people read.
"""

from __future__ import annotations

ALL = "all"  # a value that is not disaggregated on this dimension

SEX = {"female": "Female", "male": "Male", "other": "Other / unknown", ALL: "All (not disaggregated)"}
AGE_BANDS = {
    "0-4": "0–4",
    "5-11": "5–11",
    "12-17": "12–17",
    "18-59": "18–59",
    "60+": "60+",
    ALL: "All ages (not disaggregated)",
}
POPULATION_GROUPS = {
    "refugee": "Refugees",
    "host": "Host community",
    "idp": "Internally displaced",
    "returnee": "Returnees",
    ALL: "All groups (not disaggregated)",
}
DISABILITY = {"yes": "With disability", "no": "Without disability", "unknown": "Unknown", ALL: "All"}

ORG_TYPES = {
    "un": "UN agency",
    "ingo": "International NGO",
    "nngo": "National NGO",
    "government": "Government",
    "academic": "Academic",
    "cbo": "Community-based organisation",
    "coordination": "Coordination body",
}

COUNTRIES = {"UKR": "Ukraine", "POL": "Poland", "LTU": "Lithuania"}

PYRAMID_LAYERS = {
    1: "1 Basic services and security",
    2: "2 Community and family supports",
    3: "3 Focused, non-specialised supports",
    4: "4 Specialised services",
}

# How an indicator's values combine; the words are shown to donors next to the number.
AGGREGATIONS = {
    "sum": "Summed over organisations, places and months.",
    "unique_max": (
        "Unique people: for each area and population group the largest figure reported by any one "
        "organisation and activity is taken, then areas are added up (the cluster rule, which avoids "
        "counting a person twice)."
    ),
    "latest": "Latest reported value (a stock or a rate, not added over time).",
    "distinct_organisations": "Number of distinct organisations with at least one report.",
}

EVENT_KINDS = {
    "twg_meeting": "tWG meeting",
    "forum": "Forum",
    "training": "Training",
    "milestone": "Milestone",
}

DENOMINATOR_MEASURES = {
    "refugees_present": "Refugees present",
    "residents": "Resident population",
    "refugee_arrivals": "Refugee arrivals (cumulative entries)",
}

# Live data sources (data_sources/connectors): store name -> what people read. Denominators a live source
# writes carry "<label>: <detail>" in their source column, so readers can tell which source they depend on.
LIVE_SOURCES = {
    "kobo": "KoboToolbox",
    "activityinfo": "ActivityInfo",
    "hapi": "HDX HAPI",
    "unhcr": "UNHCR",
}
