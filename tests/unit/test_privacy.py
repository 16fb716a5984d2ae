"""Small-cell suppression by example: primary, secondary, bounds a reader knows, display, public facts."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard.filters import Filters
from dashboard.privacy import (
    HIDDEN,
    SHOWN,
    SMALL,
    Audience,
    Figures,
    compute_at_risk,
    compute_public_facts,
    compute_public_filters,
    compute_suppression,
    display,
    footnote,
)


def table(total: float, parts: dict[str, float]) -> Figures:
    fig = Figures()
    fig.add("T", total)
    for key, value in parts.items():
        fig.add(key, value)
    fig.relate("T", list(parts))
    return fig


@pytest.mark.parametrize(("value", "state"), [(0, SHOWN), (1, SMALL), (2, SMALL), (4, SMALL), (4.5, SMALL), (5, SHOWN),
                                               (1234, SHOWN)])
def test_primary_suppression_hides_one_to_four(value: float, state: str) -> None:
    assert compute_suppression({"x": value}, [], 5)["x"] == state


def test_a_threshold_of_one_turns_suppression_off() -> None:
    assert set(compute_suppression({"a": 1, "b": 3}, [], 1).values()) == {SHOWN}


def test_the_threshold_is_configurable() -> None:
    assert compute_suppression({"a": 7, "b": 11}, [], 10) == {"a": SMALL, "b": SHOWN}


def test_one_small_part_of_a_total_hides_a_second_part() -> None:
    status = table(120, {"a": 3, "b": 40, "c": 77}).suppress(5)
    assert status == {"T": SHOWN, "a": SMALL, "b": HIDDEN, "c": SHOWN}  # the smallest other part


def test_a_hidden_pair_that_would_pin_the_small_cell_takes_a_third() -> None:
    # a + b = 6 with a in 1..4 and b at least 5 leaves only a = 1, b = 5: a third cell must go.
    status = table(106, {"a": 1, "b": 5, "c": 100}).suppress(5)
    assert status == {"T": SHOWN, "a": SMALL, "b": HIDDEN, "c": HIDDEN}


def test_two_small_parts_that_add_up_to_their_maximum_hide_the_total() -> None:
    # a + b = 8 with both in 1..4 means both are 4.
    assert table(8, {"a": 4, "b": 4}).suppress(5) == {"T": HIDDEN, "a": SMALL, "b": SMALL}


def test_zeros_are_shown_and_never_chosen_to_hide() -> None:
    status = table(50, {"a": 2, "z": 0, "b": 48}).suppress(5)
    assert status["z"] == SHOWN and status["b"] == HIDDEN


def test_a_small_total_hides_its_only_part() -> None:
    assert table(3, {"a": 3, "z": 0}).suppress(5) == {"T": SMALL, "a": SMALL, "z": SHOWN}


def test_two_dimensional_table_hides_a_rectangle_and_keeps_the_margins() -> None:
    cells = {("r1", "c1"): 3, ("r1", "c2"): 10, ("r1", "c3"): 20, ("r2", "c1"): 7, ("r2", "c2"): 8, ("r2", "c3"): 9}
    fig = Figures()
    for (r, c), v in cells.items():
        fig.add(f"{r}{c}", v)
    for r in ("r1", "r2"):
        fig.add(r, sum(v for (rr, _), v in cells.items() if rr == r))
        fig.relate(r, [f"{r}{c}" for c in ("c1", "c2", "c3")])
    for c in ("c1", "c2", "c3"):
        fig.add(c, sum(v for (_, cc), v in cells.items() if cc == c))
        fig.relate(c, [f"{r}{c}" for r in ("r1", "r2")])
    fig.add("T", sum(cells.values()))
    fig.relate("T", ["r1", "r2"])
    fig.relate("T", ["c1", "c2", "c3"])
    status = fig.suppress(5)
    hidden = {k for k, s in status.items() if s != SHOWN}
    assert hidden == {"r1c1", "r1c2", "r2c1", "r2c2"}  # the margins r1, r2, c1.. and T stay
    assert compute_at_risk(fig.values, fig.relations, status, 5) == []


def test_inequalities_narrow_but_do_not_give_a_small_cell_away() -> None:
    # Unique-people parts add up to more than their total: 3 + 60 >= 61 only says a >= 1.
    fig = table(61, {"a": 3, "b": 60})
    assert fig.relations[0].op == ">="
    assert fig.suppress(5) == {"T": SHOWN, "a": SMALL, "b": SHOWN}


def test_relate_sums_only_registers_what_holds() -> None:
    fig = Figures()
    for key, value in {"a": 2, "b": 8, "x": 10, "y": 1}.items():
        fig.add(key, value)
    fig.relate_sums(["a", "b"], ["x"])
    fig.relate_sums(["a"], ["y"])
    assert len(fig.relations) == 1 and fig.relations[0].op == "="


def test_display_of_shown_small_and_hidden_figures() -> None:
    assert display(1234.0, SHOWN, 5) == "1,234"
    assert display(None, SMALL, 5) == "<5"
    assert display(None, SMALL, 10) == "<10"
    assert display(None, HIDDEN, 5) == "hidden"
    assert "1 to 4" in footnote(5) and "“<5”" in footnote(5) and "3 figures are hidden" in footnote(5, 3)
    assert footnote(5, 1).endswith("On this page 1 figure is hidden.")


@pytest.mark.parametrize(("lang", "small", "hidden", "count"), [
    ("uk", "від 1 до 4 показано як «<5»", "«приховано»", "На цій сторінці приховано 1\u00a0234 значення."),
    ("pl", "od 1 do 4 są pokazywane jako „<5”", "„ukryte”", "Na tej stronie ukryto 1\u00a0234 wartości."),
])
def test_the_footnote_and_hidden_figures_in_ukrainian_and_polish(lang: str, small: str, hidden: str,
                                                                  count: str) -> None:
    from dashboard import i18n

    with i18n.language(lang):
        text = footnote(5, 1234)
        assert small in text and hidden in text and text.endswith(count)
        assert display(None, HIDDEN, 5) == hidden.strip("«»„”")
        assert display(None, HIDDEN, 5, translate=False) == "hidden"  # machine-readable files
        assert display(None, SMALL, 5) == "<5"


@pytest.mark.parametrize(("role", "public", "suppresses"), [("public", True, True), ("analyst", False, False),
                                                            ("admin", False, False), ("intruder", True, True)])
def test_audience(role: str, public: bool, suppresses: bool) -> None:
    audience = Audience(role, 5)
    assert (audience.public, audience.suppresses) == (public, suppresses)
    assert not Audience("public", 1).suppresses
    assert hash(Audience(role, 5)) == hash(Audience(role, 5))  # usable in cache keys


def test_public_facts_keep_published_indicators_and_name_no_organisation() -> None:
    frame = pd.DataFrame({
        C.INDICATOR: ["A", "A", "B", "A"], C.ORGANISATION: ["=Evil Org", "Good Org", "Good Org", "=Evil Org"],
        C.SOURCE: [None, "IOM release", None, None], C.NOTE: ["call Anna on +48…", "year not stated", "x", None],
        C.VALUE: [1.0, 2.0, 3.0, 4.0],
    })
    out = compute_public_facts(frame, frozenset({"A"}))
    assert list(out[C.INDICATOR]) == ["A", "A", "A"]
    assert set(out[C.ORGANISATION]) == {"organisation 1", "organisation 2"}
    assert out[C.ORGANISATION].iloc[0] == out[C.ORGANISATION].iloc[2]  # still tells organisations apart
    assert list(out[C.NOTE].fillna("")) == ["", "year not stated", ""]  # partners' notes go, sourced ones stay


def test_public_filters_drop_organisation_choices() -> None:
    chosen = Filters(organisations=("Org",), org_types=("ingo",), countries=("POL",))
    assert compute_public_filters(chosen) == Filters(countries=("POL",))


def test_what_cell_suppression_cannot_hide_is_not_chased() -> None:
    # Four categories of "<5" under a total of "<5" are each 1 whatever else is hidden: nothing more is hidden
    # for them (the README states this limit), and a shown neighbour elsewhere stays shown.
    fig = table(4, {"a": 1, "b": 1, "c": 1, "d": 1})
    fig.add("other", 50)
    assert fig.suppress(5) == {"T": SMALL, "a": SMALL, "b": SMALL, "c": SMALL, "d": SMALL, "other": SHOWN}
