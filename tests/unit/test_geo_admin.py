"""Every ISO 3166-2 code and P-code of Ukraine, Poland and Lithuania resolves through the reference table."""

from __future__ import annotations

import pytest

from geo.admin import ADMIN_UNITS, by_pcode, resolve

# (ISO 3166-2, OCHA/national P-code): the complete admin-1 lists, written out independently of geo.admin.
UKRAINE = [
    ("UA-05", "UA05"), ("UA-07", "UA07"), ("UA-09", "UA44"), ("UA-12", "UA12"), ("UA-14", "UA14"),
    ("UA-18", "UA18"), ("UA-21", "UA21"), ("UA-23", "UA23"), ("UA-26", "UA26"), ("UA-30", "UA80"),
    ("UA-32", "UA32"), ("UA-35", "UA35"), ("UA-40", "UA85"), ("UA-43", "UA01"), ("UA-46", "UA46"),
    ("UA-48", "UA48"), ("UA-51", "UA51"), ("UA-53", "UA53"), ("UA-56", "UA56"), ("UA-59", "UA59"),
    ("UA-61", "UA61"), ("UA-63", "UA63"), ("UA-65", "UA65"), ("UA-68", "UA68"), ("UA-71", "UA71"),
    ("UA-74", "UA74"), ("UA-77", "UA73"),
]
POLAND = [
    ("PL-DS", "PL02", "PL-02"), ("PL-KP", "PL04", "PL-04"), ("PL-LU", "PL06", "PL-06"), ("PL-LB", "PL08", "PL-08"),
    ("PL-LD", "PL10", "PL-10"), ("PL-MA", "PL12", "PL-12"), ("PL-MZ", "PL14", "PL-14"), ("PL-OP", "PL16", "PL-16"),
    ("PL-PK", "PL18", "PL-18"), ("PL-PD", "PL20", "PL-20"), ("PL-PM", "PL22", "PL-22"), ("PL-SL", "PL24", "PL-24"),
    ("PL-SK", "PL26", "PL-26"), ("PL-WN", "PL28", "PL-28"), ("PL-WP", "PL30", "PL-30"), ("PL-ZP", "PL32", "PL-32"),
]
LITHUANIA = [
    ("LT-AL", "LT01"), ("LT-KU", "LT02"), ("LT-KL", "LT03"), ("LT-MR", "LT04"), ("LT-PN", "LT05"),
    ("LT-SA", "LT06"), ("LT-TA", "LT07"), ("LT-TE", "LT08"), ("LT-UT", "LT09"), ("LT-VL", "LT10"),
]
EXCEPTIONS = [
    ("Crimea", "UA-43", "UA01"), ("Luhansk", "UA-09", "UA44"), ("Chernivtsi", "UA-77", "UA73"),
    ("Kyiv city", "UA-30", "UA80"), ("Sevastopol", "UA-40", "UA85"),
]


def test_reference_table_has_the_expected_units() -> None:
    levels = [u.level for u in ADMIN_UNITS]
    assert levels.count(0) == 3
    assert sum(1 for u in ADMIN_UNITS if u.country == "UKR" and u.level == 1) == 27
    assert sum(1 for u in ADMIN_UNITS if u.country == "POL" and u.level == 1) == 16
    assert sum(1 for u in ADMIN_UNITS if u.country == "LTU" and u.level == 1) == 10
    assert len(by_pcode()) == 56


@pytest.mark.parametrize(("iso", "pcode"), UKRAINE + [(i, p) for i, p, _ in POLAND] + LITHUANIA)
def test_iso_and_pcode_resolve_to_the_same_unit(iso: str, pcode: str) -> None:
    by_iso, by_p = resolve(iso), resolve(pcode)
    assert by_iso is not None, iso
    assert by_p is not None, pcode
    assert (by_iso.pcode, by_iso.iso) == (pcode, iso)
    assert by_p is by_iso
    assert resolve(iso.replace("-", "")) is by_iso  # "UA05", "PLMZ": ISO written without the hyphen
    assert resolve(iso.lower()) is by_iso


@pytest.mark.parametrize(("iso", "pcode", "numeric"), POLAND)
def test_old_numeric_polish_codes_resolve(iso: str, pcode: str, numeric: str) -> None:
    unit = resolve(numeric)
    assert unit is not None and unit.iso == iso and unit.pcode == pcode


@pytest.mark.parametrize(("name", "iso", "pcode"), EXCEPTIONS)
def test_the_five_ukrainian_exceptions(name: str, iso: str, pcode: str) -> None:
    unit = resolve(iso)
    assert unit is not None
    assert unit.pcode == pcode
    assert unit.pcode != iso.replace("-", "")
    assert resolve(pcode) is unit
    assert resolve(name) is unit


def test_iso_without_hyphen_of_an_exception_is_not_mistaken_for_another_pcode() -> None:
    # "UA43" is Crimea's ISO number without the hyphen, not a P-code of another oblast.
    unit = resolve("UA43")
    assert unit is not None and unit.pcode == "UA01"


@pytest.mark.parametrize(("value", "pcode"), [
    ("Kiev", "UA80"), ("Odessa", "UA51"), ("Zaporizhzhya", "UA23"), ("Kropyvnytskyi", "UA35"),
    ("Dnipro", "UA12"), ("Transcarpathia", "UA21"), ("Khmelnytsky", "UA68"), ("Odesa Oblast", "UA51"),
    ("województwo mazowieckie", "PL14"), ("Masovian Voivodeship", "PL14"), ("Łódź", "PL10"),
    ("Šiaulių", "LT06"), ("Vilnius County", "LT10"), ("Черкаська", "UA71"), ("Avtonomna Respublika Krym", "UA01"),
])
def test_names_and_aliases_resolve(value: str, pcode: str) -> None:
    unit = resolve(value)
    assert unit is not None and unit.pcode == pcode


@pytest.mark.parametrize("value", ["", "  ", "UA-99", "PL-XX", "Atlantis", "UA02"])
def test_unknown_values_resolve_to_none(value: str) -> None:
    assert resolve(value) is None
