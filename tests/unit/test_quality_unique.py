"""Unique people: the cluster rule against the plain sum, per area and in words."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard import columns as C
from dashboard.quality_unique import compute_explanation, compute_unique_comparison
from tests.unit.quality_frames import fact, frame

MZ = {C.PCODE: "PL14", C.AREA: "Mazowieckie"}
MP = {C.PCODE: "PL12", C.AREA: "Małopolskie"}

CASES = [
    # (case, rows, unique, plain, areas with overlap)
    ("one partner per area: the rules agree", [fact(value=100, **MZ), fact(value=50, **MP)], 150, 150, 0),
    ("two partners in one area and group: the larger counts",
     [fact(value=100, **MZ), fact(value=70, organisation="Org B", **MZ)], 100, 170, 1),
    ("two activities of one partner: the larger counts",
     [fact(value=100, **MZ), fact(value=70, activity="2.2", **MZ)], 100, 170, 1),
    ("different population groups add up",
     [fact(value=100, population_group="refugee", **MZ), fact(value=70, population_group="host",
                                                               organisation="Org B", **MZ)], 170, 170, 0),
    ("months of one series add up before the maximum",
     [fact(value=60, **MZ), fact(value=60, month="2025-04", **MZ), fact(value=100, organisation="Org B", **MZ)],
     120, 220, 1),
    ("nothing reported", [], 0, 0, 0),
]


@pytest.mark.parametrize(("case", "rows", "unique", "plain", "overlap"), CASES, ids=[c[0] for c in CASES])
def test_unique_against_plain_sum(case: str, rows: list[dict[str, Any]], unique: float, plain: float,
                                  overlap: int) -> None:
    comparison = compute_unique_comparison(frame(*rows))
    assert (comparison.unique, comparison.plain, comparison.areas_with_overlap) == (unique, plain, overlap)
    assert comparison.difference == plain - unique


def test_per_area_table_puts_the_largest_difference_first() -> None:
    comparison = compute_unique_comparison(frame(
        fact(value=50, **MP), fact(value=100, **MZ), fact(value=70, organisation="Org B", **MZ)))
    assert comparison.by_area.to_dict("records") == [
        {C.AREA: "Mazowieckie", C.PCODE: "PL14", "unique": 100.0, "plain": 170.0, "difference": 70.0,
         "reporters": 2},
        {C.AREA: "Małopolskie", C.PCODE: "PL12", "unique": 50.0, "plain": 50.0, "difference": 0.0, "reporters": 1},
    ]


def test_explanation_in_words() -> None:
    comparison = compute_unique_comparison(frame(
        fact(value=50, **MP), fact(value=100, **MZ), fact(value=70, organisation="Org B", **MZ)))
    text = compute_explanation(comparison)
    assert "Adding up every report gives 220 people." in text
    assert "then adds up the areas. That gives 150 unique people." in text
    assert "The difference, 70 (32% of the plain sum), is the possible double counting: in 1 of 2 areas" in text


def test_explanation_when_the_rules_agree_or_nothing_was_reported() -> None:
    agree = compute_explanation(compute_unique_comparison(frame(fact(value=10))))
    assert "gives 10 people" in agree and "The two agree" in agree
    assert compute_explanation(compute_unique_comparison(frame())) == (
        "No people were reported for this selection, so both rules give 0.")
