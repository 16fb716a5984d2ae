"""Property tests for what comes in and goes out: URL parameters carrying SQL or script fragments are
rejected by the allow-lists (and their notices are inert Markdown), and organisation names carrying
spreadsheet formulas leave in every file format as inert text that reads back to the name."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from dashboard import audit, exports, queries, store
from dashboard import columns as C
from dashboard.filters import MONTH_RE, PRESETS, AllowLists, Filters, Period, parse_query, to_query
from dashboard.roles import escape_markdown
from dashboard.vocab import AGE_BANDS, COUNTRIES, ORG_TYPES, POPULATION_GROUPS, PYRAMID_LAYERS, SEX

ALLOW = AllowLists(adm1=frozenset({"PL-MZ", "UA-53", "LT-VL"}), organisations=frozenset({"IOM", "Light of Hope"}),
                   activities=frozenset({"2.1", "1.4"}), indicators=frozenset({"PPL_REACHED", "TRAININGS_HELD"}))
PUBLIC_ALLOW = AllowLists(adm1=ALLOW.adm1, organisations=frozenset(), activities=ALLOW.activities,
                          indicators=frozenset({"PPL_REACHED"}))
PARAMS = ["period", "from", "to", "country", "adm1", "org", "orgtype", "activity", "layer", "indicator", "group", "sex",
          "age"]
FRAGMENTS = ["' OR 1=1 --", "'; DROP TABLE facts; --", "\" UNION SELECT * FROM audit_log --", "<script>alert(1)</script>",
             "javascript:alert(1)", "![x](http://evil.example/p.png)", "[click](http://evil.example)", "{{7*7}}",
             "${jndi:ldap://x}", "%27%20OR%201%3D1", "PL-MZ' --", "PPL_REACHED;--", "2024-01' OR '1'='1",
             "../../etc/passwd", "\x00", "IOM\n<img src=x onerror=alert(1)>", ":red[danger] :material/home:"]
malicious = st.one_of(st.sampled_from(FRAGMENTS),
                      st.tuples(st.sampled_from(FRAGMENTS), st.text(max_size=12)).map("".join),
                      st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30))


def allowed_values(param: str, allow: AllowLists) -> set[str]:
    return {
        "period": set(PRESETS), "country": set(COUNTRIES), "adm1": set(allow.adm1), "org": set(allow.organisations),
        "orgtype": set(ORG_TYPES), "activity": set(allow.activities), "layer": {str(k) for k in PYRAMID_LAYERS},
        "indicator": set(allow.indicators), "group": set(POPULATION_GROUPS) - {"all"}, "sex": set(SEX) - {"all"},
        "age": set(AGE_BANDS) - {"all"},
    }.get(param, set())


def chosen_values(filters: Filters) -> dict[str, set[str]]:
    return {key: set(value.split(",")) for key, value in to_query(filters).items()}


@settings(max_examples=300, deadline=None)
@given(params=st.dictionaries(st.sampled_from(PARAMS), st.lists(malicious, min_size=1, max_size=3), min_size=1),
       public=st.booleans())
def test_url_parameters_with_sql_or_script_fragments_are_rejected(params: dict[str, list[str]], public: bool) -> None:
    allow = PUBLIC_ALLOW if public else ALLOW
    filters, notices = parse_query(params, allow)
    for key, values in chosen_values(filters).items():
        if key in ("from", "to"):
            assert all(MONTH_RE.match(v) for v in values)
        else:
            assert values <= allowed_values(key, allow), (key, values)
    bad = [v for key, raw in params.items() for item in raw for v in item.split(",") if v.strip()
           and key not in ("from", "to") and v.strip() not in allowed_values(key, allow)]
    assert len(notices) >= min(1, len(bad))
    for notice in notices:
        shown = escape_markdown(notice)
        assert "](" not in shown.replace("\\]\\(", "") and "<script" not in shown.replace("\\<", "")


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_every_fragment_leaves_the_default_filters_and_a_notice(fragment: str) -> None:
    for param in PARAMS:
        filters, notices = parse_query({param: [fragment]}, ALLOW)
        assert filters == Filters() and notices, (param, fragment)


def test_the_public_allow_lists_refuse_organisations_and_unpublished_indicators() -> None:
    filters, notices = parse_query({"org": ["IOM"], "indicator": ["TRAININGS_HELD"]}, PUBLIC_ALLOW)
    assert filters == Filters() and len(notices) == 2


FORMULA_START = ["=", "+", "-", "@", "\t", "\r", "\n", "＝", " =", "  +"]
payloads = st.tuples(st.sampled_from(FORMULA_START),
                     st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=25)).map("".join)


def export_frame(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({
        C.ORGANISATION: names, C.ORG_TYPE: "ingo", C.INDICATOR: "PPL_REACHED", C.COUNTRY: "POL",
        C.AREA: [f"area {n}" for n in names], C.SEX: "female", C.AGE: "all", C.GROUP: "refugee",
        C.VALUE: [float(i + 5) for i in range(len(names))], C.IS_DEMO: False, C.SOURCE: None,
    })


def xlsx_cells(data: bytes, sheet: str) -> list[tuple[object, str]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [(cell.value, cell.data_type) for row in book[sheet].iter_rows(min_row=2) for cell in row]


def xlsx_column(data: bytes, sheet: str, header: str) -> list[object]:
    rows = list(openpyxl.load_workbook(io.BytesIO(data))[sheet].iter_rows(values_only=True))
    index = list(rows[0]).index(header)
    return [row[index] for row in rows[1:]]


def _readable(name: str) -> str:
    """What an XLSX cell gives back of the name: control characters Excel refuses are dropped, and XML
    reads every line end as a line feed."""
    return exports._XLSX_ILLEGAL.sub("", name).replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=80, deadline=None)
@given(names=st.lists(payloads, min_size=1, max_size=4))
def test_formula_payloads_leave_every_format_as_inert_text(names: list[str]) -> None:
    frame = export_frame(names)
    filters = Filters(organisations=tuple(sorted(set(names))))
    period = Period("2024-01", "2024-03")
    csv = pd.read_csv(io.BytesIO(exports.build_csv(frame)), keep_default_na=False, dtype=str)
    assert list(csv["organisation"]) == ["'" + n for n in names]
    hxl = pd.read_csv(io.BytesIO(exports.build_hxl_csv(frame)), keep_default_na=False, dtype=str)
    assert hxl.loc[0, "organisation"] == "#org+name"
    assert list(hxl["organisation"].iloc[1:]) == ["'" + n for n in names]
    book = exports.build_xlsx(frame, filters, period, datetime.now(UTC))
    assert xlsx_column(book, "data", "organisation") == ["'" + _readable(n) for n in names]
    assert "f" not in {t for _, t in xlsx_cells(book, "data") + xlsx_cells(book, "filters")}  # no formula cells
    filter_values = [v for v, _ in xlsx_cells(book, "filters")]
    organisations = next(v for v in filter_values if isinstance(v, str) and any(_readable(n) in v for n in names))
    assert str(organisations).startswith("'") or not str(organisations).lstrip(" ").startswith(tuple(FORMULA_START))
    log = pd.DataFrame({"at": pd.to_datetime(["2026-11-25 10:00"] * len(names)), "actor": names,
                        "action": "export", "detail": names})
    back = pd.read_csv(io.BytesIO(audit.build_audit_csv(log)), keep_default_na=False, dtype=str)
    assert list(back["who"]) == ["'" + n for n in names] and list(back["details"]) == ["'" + n for n in names]
    for value in list(csv["organisation"]) + list(back["who"]):  # strip the one apostrophe: the name again
        assert value[1:] in names


@pytest.fixture
def payload_db(fixture_db_path: Path, tmp_path: Path) -> str:
    target = tmp_path / "payload.db"
    shutil.copy(fixture_db_path, target)
    return f"sqlite:///{target}"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=payloads.filter(lambda n: n.strip() and "\x00" not in n))
def test_an_organisation_named_like_a_formula_round_trips_from_the_store(payload_db: str, name: str) -> None:
    engine = store.get_engine(payload_db)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organisations (name, org_type, is_demo) VALUES (:n, 'ingo', 0) "
                              "ON CONFLICT (name) DO NOTHING"), {"n": name})
            org = conn.execute(text("SELECT id FROM organisations WHERE name = :n"), {"n": name}).scalar_one()
            conn.execute(text("UPDATE facts SET organisation_id = :o WHERE id = (SELECT MIN(id) FROM facts)"), {"o": org})
        rows = queries.fetch_facts(engine, Filters(organisations=(name,)), None)
        assert len(rows) == 1
        csv = pd.read_csv(io.BytesIO(exports.build_csv(rows)), keep_default_na=False, dtype=str)
        assert csv.loc[0, "organisation"] == "'" + name
        filters_json = json.loads(exports.build_filters_json(Filters(organisations=(name,)), Period("2022-01", "2026-12"),
                                                             1, datetime.now(UTC)))
        assert filters_json["filters"]["organisation"] == name  # JSON is not a spreadsheet: kept as it is
    finally:
        engine.dispose()
