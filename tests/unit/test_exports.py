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
