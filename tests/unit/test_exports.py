"""Exports: formula neutralisation, safe file names, HXL tags."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard.exports import build_csv, build_hxl_csv, hxl_tags, safe_file_name


def frame(org: str, sex: str = "female") -> pd.DataFrame:
    return pd.DataFrame({C.ORGANISATION: [org], C.SEX: [sex], C.AGE: ["all"], C.VALUE: [5.0]})


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_formula_payloads_survive_as_inert_text(payload: str) -> None:
    out = pd.read_csv(io.BytesIO(build_csv(frame(payload))), keep_default_na=False)
    assert out.loc[0, "organisation"] == "'" + payload
    assert len(out) == 1


def test_plain_names_are_untouched() -> None:
    out = pd.read_csv(io.BytesIO(build_csv(frame("Light of Hope"))))
    assert out.loc[0, "organisation"] == "Light of Hope"


@pytest.mark.parametrize(
    ("stem", "expected"),
    [("mhpss_2024-01_PL-MZ", "mhpss_2024-01_PL-MZ.csv"), ("../../etc/passwd", "etc_passwd.csv"),
     ("a b/c\\d:e*?", "a_b_c_d_e.csv"), ("", "export.csv")],
)
def test_safe_file_name(stem: str, expected: str) -> None:
    assert safe_file_name(stem, "csv") == expected


def test_hxl_value_tag_gains_sex_attribute_when_rows_share_it() -> None:
    assert hxl_tags(frame("A", "female"))[-1] == "#reached+ind+f"
    mixed = pd.concat([frame("A", "female"), frame("B", "male")])
    assert hxl_tags(mixed)[-1] == "#reached+ind"
    text = build_hxl_csv(mixed).decode()
    assert text.splitlines()[1].startswith("#org+name,")


def _rows() -> pd.DataFrame:
    from datetime import date

    return pd.DataFrame({C.ORGANISATION: ["Light of Hope", "Світло"], C.COUNTRY: ["UKR", "POL"],
                         C.PERIOD_START: [date(2026, 3, 1), date(2026, 11, 1)], C.SEX: ["female", "all"],
                         C.AGE: ["all", "all"], C.VALUE: [1234.5, 7.0]})


@pytest.mark.parametrize(("lang", "headers"), [
    ("en", ["organisation", "country", "period_start", "sex", "age_band", "value"]),
    ("uk", ["організація", "країна", "початок періоду", "стать", "вікова група", "значення"]),
    ("pl", ["organizacja", "kraj", "początek okresu", "płeć", "grupa wiekowa", "wartość"]),
])
def test_csv_headers_follow_the_language_and_the_values_stay_machine_readable(lang: str, headers: list[str]) -> None:
    from dashboard import i18n

    with i18n.language(lang):
        text = build_csv(_rows()).decode("utf-8")
        hxl = build_hxl_csv(_rows()).decode("utf-8").splitlines()
    lines = text.splitlines()
    assert lines[0] == ",".join(headers)
    assert lines[1:] == ["Light of Hope,UKR,2026-03-01,female,all,1234.5", "Світло,POL,2026-11-01,all,all,7.0"]
    assert hxl[0] == lines[0]
    assert hxl[1] == "#org+name,#country+code,#date+start,#group+sex,#group+age,#reached+ind"
    assert hxl[2:] == lines[1:]
