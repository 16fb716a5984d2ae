"""The real reference facts from DESIGN.md, each with its source: organisations, facts, events, denominators.

Where a source leaves something open (a year, an exact count) the record says so in its note rather than
pretending to precision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SRC_FACTSHEET = "MHPSS Technical Working Group Poland, factsheet"
SRC_HIGHLIGHTS = "MHPSS tWG Poland, “2024 Highlights & Priorities for 2025”"
SRC_IOM = "IOM Ukraine / IOM Lithuania news release, Vilnius, 8 September 2022"
SRC_MSP = (
    "Ministry of Social Policy of Ukraine, “Leaders for Mental Health 2.0” launch, Kyiv, 13 June 2025"
)
SRC_POLTAVA = (
    "Poltava Regional Military Administration; project by Light of Hope with the International "
    "Renaissance Foundation and Poltava State Medical University"
)
SRC_UNHCR_ODP = "UNHCR Operational Data Portal, Ukraine Refugee Situation"
# Every source the reference records cite: reseeding rewrites only records carrying one of these.
SOURCES = (SRC_FACTSHEET, SRC_HIGHLIGHTS, SRC_IOM, SRC_MSP, SRC_POLTAVA, SRC_UNHCR_ODP)

# (name, acronym, type)
ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("World Health Organization", "WHO", "un"),
    ("United Nations High Commissioner for Refugees", "UNHCR", "un"),
    ("Polish Migration Forum", "PMF", "nngo"),
    ("International Organization for Migration", "IOM", "un"),
    ("Ministry of Health of Poland", "MoH PL", "government"),
    ("Ministry of Social Policy of Ukraine", "MSP UA", "government"),
    ("Light of Hope", "", "nngo"),
    ("International Renaissance Foundation", "IRF", "nngo"),
    ("Poltava State Medical University", "PSMU", "academic"),
    ("MHPSS Technical Working Group Poland", "MHPSS tWG", "coordination"),
)


@dataclass(frozen=True)
class ReferenceFact:
    indicator: str
    organisation: str
    activity: str | None
    location: str  # P-code
    period_start: date
    period_end: date
    value: float
    source: str
    note: str = ""


FACTS: tuple[ReferenceFact, ...] = (
    ReferenceFact(
        "TWG_MEMBERS", "MHPSS Technical Working Group Poland", "3.4", "PL",
        date(2024, 12, 1), date(2024, 12, 31), 60, SRC_FACTSHEET,
        "The source says “more than 60”. The factsheet is undated; placed at December 2024.",
    ),
    ReferenceFact(
        "SPECIALISTS_TRAINED", "International Organization for Migration", "3.2", "LT10",
        date(2022, 9, 8), date(2022, 9, 8), 145, SRC_IOM,
        "Ukrainian specialists supported to attend “Rethinking Mental Health Care”, Vilnius.",
    ),
    ReferenceFact(
        "TRAININGS_HELD", "International Organization for Migration", "3.2", "LT10",
        date(2022, 9, 8), date(2022, 9, 8), 5, SRC_IOM,
        "Five thematic workshops at “Rethinking Mental Health Care”, Vilnius.",
    ),
    ReferenceFact(
        "IDP_HOTLINE_DEMAND", "International Organization for Migration", "3.1", "UA",
        date(2022, 9, 8), date(2022, 9, 8), 31, SRC_IOM,
        "31% of surveyed IDPs asked for a free psychological support hotline number (survey of 2022; "
        "dated by the release).",
    ),
    ReferenceFact(
        "COMMUNITIES_RC", "Ministry of Social Policy of Ukraine", "1.4", "UA",
        date(2025, 6, 13), date(2025, 6, 13), 228, SRC_MSP,
        "Resilience Centres operating in 228 communities.",
    ),
    ReferenceFact(
        "SPECIALISTS_TRAINED", "Light of Hope", "3.2", "UA53",
        date(2025, 7, 1), date(2025, 8, 31), 250, SRC_POLTAVA,
        "“More than 250” social protection and healthcare specialists trained in MHPSS competencies, "
        "July–August. The source does not state the year; shown as 2025.",
    ),
)


@dataclass(frozen=True)
class ReferenceEvent:
    event_date: date
    title: str
    place: str
    kind: str
    source: str
    end_date: date | None = None
    precision: str = "day"
    status: str = "held"


EVENTS: tuple[ReferenceEvent, ...] = (
    ReferenceEvent(
        date(2022, 3, 1), "MHPSS tWG Poland established, co-led by WHO, UNHCR and the Polish Migration Forum",
        "Poland", "milestone", SRC_FACTSHEET, precision="month",
    ),
    ReferenceEvent(
        date(2022, 9, 8), "“Rethinking Mental Health Care”: 145 Ukrainian specialists, five workshops",
        "Vilnius", "training", SRC_IOM,
    ),
    ReferenceEvent(
        date(2024, 5, 1), "tWG in-person meeting", "Poland", "twg_meeting", SRC_HIGHLIGHTS, precision="month",
    ),
    ReferenceEvent(
        date(2024, 6, 6), "Mental Health Forum, co-organised by the Ministry of Health and WHO Poland",
        "Warsaw", "forum", SRC_HIGHLIGHTS, end_date=date(2024, 6, 7),
    ),
    ReferenceEvent(
        date(2025, 1, 1), "tWG in-person meeting (planned)", "Poland", "twg_meeting", SRC_HIGHLIGHTS,
        precision="month", status="planned",
    ),
    ReferenceEvent(
        date(2025, 6, 13), "“Leaders for Mental Health 2.0” launched; Resilience Centres in 228 communities",
        "Kyiv", "milestone", SRC_MSP,
    ),
)


@dataclass(frozen=True)
class ReferenceDenominator:
    location: str
    measure: str
    population_group: str
    ref_date: date
    value: float
    source: str


DENOMINATORS: tuple[ReferenceDenominator, ...] = (
    ReferenceDenominator("PL", "refugee_arrivals", "refugee", date(2022, 12, 31), 2_300_000, SRC_FACTSHEET),
    ReferenceDenominator("PL", "refugees_present", "refugee", date(2022, 8, 1), 1_256_568, SRC_UNHCR_ODP),
    ReferenceDenominator("LT", "refugees_present", "refugee", date(2022, 8, 2), 60_755, SRC_UNHCR_ODP),
)
