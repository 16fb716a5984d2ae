"""Explorer: row count from the database, filters change it, and downloads hold exactly the rows on screen."""

from __future__ import annotations

import io
import json
import os

import pandas as pd
from sqlalchemy import create_engine, text

from tests.pages.conftest import download_bytes, no_exception, run_page


def sql_count(where: str = "1=1", **params: str) -> int:
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        n = conn.execute(text(
            "SELECT COUNT(*) FROM facts f JOIN locations l ON f.location_id = l.id "
            "JOIN indicators i ON f.indicator_id = i.id "
            f"WHERE f.replaced_by IS NULL AND f.period_month BETWEEN '2026-01' AND '2026-11' AND {where}"), params
        ).scalar_one()
    engine.dispose()
    return int(n)


def table(at) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return at.dataframe[0].value


def test_rows_on_screen_match_the_database_and_a_filter_changes_them() -> None:
    at = run_page("pages/2_Explorer.py")
    no_exception(at)
    assert len(table(at)) == sql_count()
    assert any(f"{sql_count():,} rows" in m.value for m in at.markdown)
    area = str(table(at)["adm1_iso"].value_counts().index[0])
    one_area = run_page("pages/2_Explorer.py", adm1=area, indicator="PPL_REACHED")
    expected = sql_count("l.iso_code = :a AND i.code = 'PPL_REACHED'", a=area)
    assert 0 < len(table(one_area)) == expected < len(table(at))


def test_csv_xlsx_and_hxl_downloads_round_trip_to_the_rows_on_screen() -> None:
    at = run_page("pages/2_Explorer.py", country="UKR", indicator="SPECIALISTS_TRAINED")
    shown = table(at)
    assert len(shown) > 0
    csv = pd.read_csv(io.BytesIO(download_bytes(at, "dl_csv")))
    pd.testing.assert_frame_equal(csv[["organisation", "adm1_pcode", "period_start", "sex"]].astype(str),
                                  shown[["organisation", "adm1_pcode", "period_start", "sex"]].astype(str))
    assert csv["value"].tolist() == shown["value"].tolist()
    excel_csv = download_bytes(at, "dl_csv_excel")
    assert excel_csv.startswith(b"\xef\xbb\xbf")
    assert len(pd.read_csv(io.BytesIO(excel_csv), encoding="utf-8-sig")) == len(shown)
    hxl = pd.read_csv(io.BytesIO(download_bytes(at, "dl_hxl")))
    assert hxl.iloc[0]["adm1_pcode"] == "#adm1+code" and hxl.iloc[0]["organisation"] == "#org+name"
    assert len(hxl) - 1 == len(shown)
    assert pd.to_numeric(hxl["value"].iloc[1:]).tolist() == shown["value"].tolist()
    filters = json.loads(download_bytes(at, "dl_filters"))
    assert filters["rows"] == len(shown) and filters["filters"]["country"] == "UKR"


def test_xlsx_export_has_data_dictionary_and_filters_sheets() -> None:
    from dashboard.exports import build_xlsx
    from dashboard.filters import Filters, Period

    at = run_page("pages/2_Explorer.py", country="LTU")
    shown = table(at)
    from dashboard.queries import fetch_facts
    from dashboard.store import get_engine

    frame = fetch_facts(get_engine(os.environ["MHPSS_DATABASE_URL"]), Filters(countries=("LTU",)),
                        Period("2026-01", "2026-11", "2026-01 to 2026-11 (year to date)"))
    from datetime import datetime

    book = pd.read_excel(io.BytesIO(build_xlsx(frame, Filters(countries=("LTU",)),
                                               Period("2026-01", "2026-11", "ytd"), datetime(2026, 11, 25))),
                         sheet_name=None)
    assert set(book) == {"data", "dictionary", "filters"}
    assert len(book["data"]) == len(shown)
    assert book["data"]["value"].tolist() == shown["value"].tolist()
    assert "country" in book["filters"]["filter"].tolist()
    assert "#adm1+code" in book["dictionary"]["hxl"].tolist()


def test_grouped_view_sums_by_the_chosen_dimensions() -> None:
    at = run_page("pages/2_Explorer.py", indicator="TRAININGS_HELD")
    at.multiselect(key="w_groupby").set_value(["country"]).run()
    grouped = at.dataframe[1].value
    assert sorted(grouped["country"]) == sorted(table(at)["country"].unique())
    assert grouped["value"].sum() == table(at)["value"].sum()
