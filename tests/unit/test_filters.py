"""Filters: URL parsing against allow-lists, round trips, period presets."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.filters import AllowLists, Filters, Period, parse_query, resolve_period, to_query

ALLOW = AllowLists(adm1=frozenset({"PL-MZ", "UA-53"}), organisations=frozenset({"Light of Hope"}),
                   activities=frozenset({"2.1", "3.2"}), indicators=frozenset({"PPL_REACHED"}))


@pytest.mark.parametrize(
    ("params", "expected", "notices"),
    [
        ({"country": "POL", "adm1": "PL-MZ", "from": "2024-01"},
         Filters(preset="custom", month_from="2024-01", countries=("POL",), adm1=("PL-MZ",)), 0),
        ({"country": "POL,UKR"}, Filters(countries=("POL", "UKR")), 0),
        ({"country": ["UKR", "POL"]}, Filters(countries=("POL", "UKR")), 0),
        ({"country": "XXX"}, Filters(), 1),
        ({"adm1": "PL-MZ,PL-XX"}, Filters(adm1=("PL-MZ",)), 1),
        ({"from": "2024-13"}, Filters(), 1),
        ({"from": "2024-05", "to": "2024-01"}, Filters(), 1),
        ({"indicator": "PPL_REACHED; DROP TABLE facts"}, Filters(), 1),
        ({"org": "Light of Hope"}, Filters(organisations=("Light of Hope",)), 0),
        ({"layer": "3,9"}, Filters(layers=(3,)), 1),
        ({"period": "last_month"}, Filters(preset="last_month"), 0),
        ({"unknown": "1"}, Filters(), 1),
    ],
)
def test_parse_query(params: dict, expected: Filters, notices: int) -> None:  # type: ignore[type-arg]
    parsed, messages = parse_query(params, ALLOW)
    assert parsed == expected
    assert len(messages) == notices


def test_to_query_round_trips() -> None:
    filters = Filters(preset="custom", month_from="2023-02", month_to="2023-08", countries=("POL",),
                      adm1=("PL-MZ",), layers=(3,), indicator="PPL_REACHED", sexes=("female",))
    parsed, notices = parse_query(to_query(filters), ALLOW)
    assert parsed == filters and notices == []
    assert to_query(Filters()) == {}


def test_filters_are_hashable_and_equal_when_equal() -> None:
    assert hash(Filters(countries=("POL",))) == hash(Filters(countries=("POL",)))


TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("filters", "start", "end"),
    [
        (Filters(preset="last_month"), "2026-10", "2026-10"),
        (Filters(preset="last_quarter"), "2026-07", "2026-09"),
        (Filters(preset="ytd"), "2026-01", "2026-11"),
        (Filters(preset="all"), "2022-03", "2026-11"),
        (Filters(preset="since_meeting"), "2026-10", "2026-11"),
        (Filters(preset="custom", month_from="2024-02"), "2024-02", "2026-11"),
    ],
)
def test_resolve_period(filters: Filters, start: str, end: str) -> None:
    period = resolve_period(filters, TODAY, "2022-03", date(2026, 10, 8))
    assert (period.start, period.end) == (start, end)


def test_previous_period_has_the_same_length() -> None:
    assert Period("2026-01", "2026-03").previous() == Period("2025-10", "2025-12")
    assert resolve_period(Filters(preset="last_quarter"), date(2026, 2, 1), "2022-03", None).start == "2025-10"


def test_notices_and_labels_are_in_the_readers_language_and_filters_are_not() -> None:
    from dashboard import i18n
    from dashboard.filters import describe, preset_label

    params = {"country": "XXX", "from": "2024-13", "bogus": "1"}
    english, notices_en = parse_query(params, ALLOW)
    with i18n.language("uk"):
        ukrainian, notices_uk = parse_query(params, ALLOW)
        assert "Пропущено значення «XXX» параметра «країна»: таке значення невідоме (можливо, застаріле)." in notices_uk
        assert preset_label("ytd") == "З початку року"
        assert resolve_period(Filters(), TODAY, "2022-03", None).label == "2026-01 – 2026-11 (з початку року)"
        meeting = resolve_period(Filters(preset="since_meeting"), TODAY, "2022-03", date(2026, 10, 8))
        assert meeting.label == "з часу зустрічі ТРГ 8 жовтня 2026"
        rows = dict(describe(Filters(countries=("POL",), sexes=("female",)), meeting, readable=True))
        assert rows["країна"] == "Польща" and rows["стать"] == "Жіноча" and rows["вікова група"] == "усі"
    with i18n.language("pl"):
        _filters, notices_pl = parse_query(params, ALLOW)
        assert "Pominięto nieznany parametr linku „bogus”." in notices_pl
        assert dict(describe(Filters(), Period("2026-01", "2026-03")))["okres"] == "2026-01 – 2026-03"
    assert "Ignored country “XXX”: not a known value (it may be stale)." in notices_en
    assert english == ukrainian and hash(english) == hash(ukrainian)  # filters carry no language
    assert len(notices_en) == len(notices_uk) == len(notices_pl) == 3
    machine = dict(describe(Filters(countries=("POL",)), Period("2026-01", "2026-03"), machine=True))
    assert machine == {"period": "2026-01 to 2026-03", "country": "POL", "area": "all", "organisation": "all",
                       "organisation type": "all", "activity": "all", "pyramid layer": "all", "indicator": "all",
                       "population group": "all", "sex": "all", "age band": "all"}
