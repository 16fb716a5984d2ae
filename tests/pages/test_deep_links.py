"""Deep links: query parameters set the filters; bad or stale ones are dropped with a visible notice."""

from __future__ import annotations

from tests.pages.conftest import no_exception, run_page


def test_query_parameters_set_the_sidebar_filters() -> None:
    at = run_page("pages/2_Explorer.py", country="POL", adm1="PL-MZ", **{"from": "2024-01", "to": "2024-06"})
    no_exception(at)
    assert at.multiselect(key="w_country").value == ["POL"]
    assert at.multiselect(key="w_adm1").value == ["PL-MZ"]
    assert at.selectbox(key="w_preset").value == "custom"
    assert at.selectbox(key="w_from").value == "2024-01" and at.selectbox(key="w_to").value == "2024-06"
    months = set(at.dataframe[0].value["Period start"].astype(str).str.slice(0, 7)) if len(at.dataframe) else set()
    assert months <= {f"2024-0{m}" for m in range(1, 7)}


def test_bad_parameters_are_dropped_with_a_notice() -> None:
    at = run_page("pages/2_Explorer.py", country="XXX", adm1="PL-MZ' OR 1=1 --", sex="<script>", bogus="1")
    no_exception(at)
    notices = " ".join(w.value for w in at.sidebar.warning)
    assert "country “XXX”" in notices and "area" in notices and "sex" in notices and "bogus" in notices
    assert at.multiselect(key="w_country").value == []
    assert at.multiselect(key="w_adm1").value == []


def test_filters_are_written_back_to_the_url() -> None:
    at = run_page("pages/2_Explorer.py")
    at.multiselect(key="w_country").set_value(["LTU"]).run()
    assert at.query_params.get("country") in ("LTU", ["LTU"])
