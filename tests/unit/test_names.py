"""Domain names in the reader's language, read from the data: indicators, activities and admin areas."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, update

from dashboard import i18n, names, queries, store
from data_sources.seed import seed
from tests import store_cases


@pytest.fixture
def seeded(empty_sqlite: Engine) -> Engine:
    seed(empty_sqlite, 0, today=store_cases.TODAY)
    return empty_sqlite


def test_indicator_name_definition_and_unit_come_from_the_database(seeded: Engine) -> None:
    with seeded.begin() as conn:  # a translation edited in the data shows without touching the code
        conn.execute(update(store.indicators).where(store.indicators.c.code == "REFERRALS")
                     .values(name_uk="Направлення (з бази)"))
    catalogue = queries.fetch_indicators(seeded).set_index("code", drop=False)
    with i18n.language("uk"):
        assert names.indicator_text(catalogue.loc["REFERRALS"]) == "Направлення (з бази)"
        assert names.indicator_text(catalogue.loc["PPL_REACHED"], "unit") == "осіб"
        assert names.indicator_names(catalogue)["TRAININGS_HELD"] == "Проведені навчання"
    with i18n.language("pl"):
        local = names.localized_indicators(catalogue)
        assert local.loc["PPL_REACHED", "name"] == "Osoby objęte usługami MHPSS"
        assert local.loc["PPL_REACHED", "definition"].startswith("Liczba osób, które w okresie sprawozdawczym")
    assert names.indicator_text(catalogue.loc["PPL_REACHED"]) == "People reached with MHPSS services"
    assert catalogue.loc["PPL_REACHED", "name"] == "People reached with MHPSS services"  # the frame is not changed


def test_empty_translation_falls_back_to_english(seeded: Engine) -> None:
    with seeded.begin() as conn:
        conn.execute(update(store.indicators).where(store.indicators.c.code == "REFERRALS")
                     .values(name_pl=None, definition_pl="   "))
        conn.execute(update(store.activities).where(store.activities.c.code == "3.4").values(name_uk=""))
    catalogue = queries.fetch_indicators(seeded)
    activities = queries.fetch_activities(seeded)
    with i18n.language("pl"):
        row = catalogue.set_index("code").loc["REFERRALS"]
        assert names.indicator_text(row) == "Referrals made"
        assert names.indicator_text(row, "definition").startswith("Number of referrals")
        assert names.indicator_names(catalogue)["REFERRALS"] == "Referrals made"
        assert names.localized_indicators(catalogue).set_index("code").loc["REFERRALS", "unit"] == "skierowań"
        assert names.activity_names(activities)["3.4"] == "Koordynacja"
    with i18n.language("uk"):
        assert names.activity_names(activities)["3.4"] == "Coordination"
        assert names.activity_names(activities)["2.2"] == "Психологічне втручання"


def test_a_frame_without_translation_columns_reads_in_english() -> None:
    old = pd.DataFrame({"code": ["X"], "name": ["Old name"], "definition": ["d"], "unit": ["people"]})
    with i18n.language("uk"):
        assert names.indicator_names(old) == {"X": "Old name"}
        assert names.indicator_text(old.iloc[0], "unit") == "people"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", {"UA53": "Poltava", "PL14": "Masovia", "LT10": "Vilnius", "PL": "Poland"}),
        ("uk", {"UA53": "Полтавська область", "PL14": "Masovia", "LT10": "Vilnius", "PL": "Польща", "UA": "Україна"}),
        ("pl", {"UA53": "Poltava", "PL14": "Mazowieckie", "PL24": "Śląskie", "LT10": "Vilnius", "UA": "Ukraina"}),
    ],
)
def test_area_names_local_only_in_the_areas_own_language(seeded: Engine, lang: str, expected: dict[str, str]) -> None:
    locations = queries.fetch_locations(seeded)
    with i18n.language(lang):
        shown = names.area_names(locations)
        by_iso = names.area_names(locations, key="iso_code")
    assert {code: shown[code] for code in expected} == expected
    assert by_iso["UA-53"] == expected["UA53"]


def test_every_ukrainian_and_polish_admin1_area_has_its_local_name(seeded: Engine) -> None:
    locations = queries.fetch_locations(seeded)
    admin1 = locations[locations["admin_level"] == 1]
    with i18n.language("uk"):
        ukrainian = [names.area_name(r) for _i, r in admin1[admin1["country"] == "UKR"].iterrows()]
    with i18n.language("pl"):
        polish = [names.area_name(r) for _i, r in admin1[admin1["country"] == "POL"].iterrows()]
    assert len(ukrainian) == 27 and all(any("а" <= c <= "я" for c in n.lower()) for n in ukrainian)
    assert sum(n.endswith("область") for n in ukrainian) == 24  # plus Kyiv city, Sevastopol and Crimea
    assert len(polish) == 16 and all(n[0].isupper() and n.lower().endswith("ie") for n in polish)
