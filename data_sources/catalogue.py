"""The reference catalogue: the IASC MHPSS 4Ws activity taxonomy and the starter indicator catalogue.

Activity codes follow the 2012 IASC 4Ws manual's community- and person-focused groups as listed in
DESIGN.md; the wording still has to be checked against the manual before the codes are called official.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Activity:
    code: str
    name: str
    group: str
    pyramid_layer: int | None


ACTIVITIES: tuple[Activity, ...] = (
    Activity("1.1", "Information dissemination to the community at large", "community-focused", 1),
    Activity("1.2", "Facilitation of conditions for community mobilisation, organisation and ownership",
             "community-focused", 2),
    Activity("1.3", "Strengthening of community and family support", "community-focused", 2),
    Activity("1.4", "Safe spaces", "community-focused", 2),
    Activity("1.5", "Psychosocial support in education", "community-focused", 2),
    Activity("1.6", "Psychosocial considerations in other sectors (protection, health, shelter, WASH…)",
             "community-focused", 1),
    Activity("2.1", "Person-focused psychosocial work (e.g. psychological first aid, case management)",
             "person-focused", 3),
    Activity("2.2", "Psychological intervention", "person-focused", 3),
    Activity("2.3", "Clinical management of mental disorders by non-specialised providers", "person-focused", 3),
    Activity("2.4", "Clinical management of mental disorders by specialised providers", "person-focused", 4),
    Activity("3.1", "Assessment", "general", None),
    Activity("3.2", "Training and supervision of workers", "general", None),
    Activity("3.3", "Staff care", "general", None),
    Activity("3.4", "Coordination", "general", None),
    Activity("3.5", "Advocacy", "general", None),
    Activity("3.6", "Research", "general", None),
)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str
    unit: str
    aggregation: str
    framework_ref: str
    disaggregations: str
    is_headline: bool
    sort_order: int


_PEOPLE = "sex,age_band,population_group,disability"
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "PPL_REACHED", "People reached with MHPSS services",
        "Number of individuals who received at least one MHPSS service (any IASC pyramid layer) for the "
        "first time in the reporting period, counted by the organisation that delivered the service.",
        "people", "unique_max",
        "Ukraine 2025 Protection cluster (ActivityInfo): # of individuals who received individual or "
        "group-based psychosocial support", _PEOPLE, True, 10,
    ),
    Indicator(
        "CHILDREN_REACHED", "Girls and boys reached with MHPSS services",
        "Number of children (0–17) who benefited from age-, gender- and disability-sensitive MHPSS services "
        "for the first time in the reporting period.",
        "children", "unique_max",
        "Ukraine 2025 Child Protection AoR (ActivityInfo): # of girls and boys benefiting from age, gender, "
        "disability sensitive MHPSS services", _PEOPLE, False, 20,
    ),
    Indicator(
        "CAREGIVERS_PSS", "Parents and caregivers receiving psychosocial support",
        "Number of parents or caregivers who received psychosocial support for the first time in the period.",
        "people", "unique_max",
        "Ukraine 2025 Child Protection AoR (ActivityInfo): # of parents/caregivers who receive psychosocial "
        "support", "sex,population_group", False, 30,
    ),
    Indicator(
        "TRAININGS_HELD", "Trainings held",
        "Number of MHPSS trainings (courses, workshops, supervision sessions) completed in the period.",
        "trainings", "sum", "tWG Poland work plan: capacity building", "", True, 40,
    ),
    Indicator(
        "SPECIALISTS_TRAINED", "Specialists trained in MHPSS",
        "Number of social, health, education and humanitarian workers who completed an MHPSS training "
        "in the period.",
        "people", "sum",
        "Ukraine 2025 Protection cluster (ActivityInfo): # of humanitarian / government staff trained on "
        "protection approaches or issues", "sex", True, 50,
    ),
    Indicator(
        "HELPLINE_CONTACTS", "People reached through helplines",
        "Number of calls or chats answered by MHPSS helplines and hotlines in the period.",
        "contacts", "sum", "tWG Poland work plan: remote support", "sex,population_group", True, 60,
    ),
    Indicator(
        "COMMUNITIES_RC", "Communities with Resilience Centres or safe spaces",
        "Number of communities (hromadas or municipalities) with an operating Resilience Centre, "
        "child-friendly space or other MHPSS safe space at the end of the period.",
        "communities", "latest",
        "Ukraine 2025 Child Protection AoR (ActivityInfo): # of child-friendly spaces / Community "
        "Resilience Centres established", "", True, 70,
    ),
    Indicator(
        "REFERRALS", "Referrals made",
        "Number of referrals to specialised mental health, protection or other services made in the period.",
        "referrals", "sum", "tWG Poland referral pathways", "sex,population_group", False, 80,
    ),
    Indicator(
        "ORGS_REPORTING", "Organisations reporting",
        "Number of distinct organisations that reported at least one figure for the period.",
        "organisations", "distinct_organisations", "tWG Poland 4W reporting", "", True, 90,
    ),
    Indicator(
        "TWG_MEMBERS", "Organisations in the tWG",
        "Number of organisations that have joined the MHPSS Technical Working Group in Poland.",
        "organisations", "latest", "tWG Poland factsheet", "", False, 100,
    ),
    Indicator(
        "IDP_HOTLINE_DEMAND", "IDPs asking for a psychological support hotline",
        "Share of surveyed internally displaced people who asked for the number of a free psychological "
        "support hotline.",
        "% of surveyed", "latest", "IOM Ukraine needs survey", "", False, 110,
    ),
)
