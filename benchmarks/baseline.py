"""The naive baseline the page timings are compared with: on every rerun, read the whole current fact table
joined to its dimension tables with ``pandas.read_sql``, then filter and group in pandas.

Each ``compute_*`` function is what one page would do on a rerun with that read path. They share no code with
the dashboard's read path (only the value types of :mod:`dashboard.filters` and its period rule), so the
yardstick stays put while the read path changes. No Streamlit rendering is included: the ratios are
conservative (a bare Streamlit rerun is not in the baseline's time).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine

from dashboard.filters import Filters, Period, month_of, resolve_period

FACTS_SQL = """
SELECT f.id, i.code AS indicator, o.name AS organisation, o.org_type, a.code AS activity, a.pyramid_layer,
       l.country, l.pcode, l.iso_code, l.name_en AS area, l.admin_level, l.parent_pcode,
       f.period_month AS month, f.period_start, f.period_end, f.sex, f.age_band, f.population_group,
       f.disability, f.value, f.is_demo, f.source
FROM facts f
JOIN indicators i ON i.id = f.indicator_id
JOIN organisations o ON o.id = f.organisation_id
LEFT JOIN activities a ON a.id = f.activity_id
JOIN locations l ON l.id = f.location_id
JOIN import_batches b ON b.id = f.batch_id
WHERE f.replaced_by IS NULL AND b.status = 'committed'
"""
SERIES = ["organisation", "activity", "pcode"]


def read_facts(engine: Engine) -> pd.DataFrame:
    """Every current fact row with its dimensions (the naive read, done on every rerun)."""
    with engine.connect() as conn:
        return pd.read_sql(FACTS_SQL, conn)


def read_indicators(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql("SELECT code, aggregation, is_headline, sort_order FROM indicators ORDER BY sort_order, code",
                           conn)


def read_period(engine: Engine, filters: Filters, today: date) -> Period:
    """The filters' period, with the first reported month and the last held tWG meeting read from the store."""
    with engine.connect() as conn:
        first = pd.read_sql("SELECT MIN(period_month) AS m FROM facts", conn)["m"].iloc[0]
        events = pd.read_sql("SELECT event_date FROM events WHERE kind = 'twg_meeting' AND status = 'held'", conn)
    held = [d for d in pd.to_datetime(events["event_date"]).dt.date if d <= today]
    return resolve_period(filters, today, str(first or month_of(today)), max(held) if held else None)


def compute_filtered(frame: pd.DataFrame, filters: Filters, period: Period | None) -> pd.DataFrame:
    """Rows in the period and the chosen countries."""
    keep = pd.Series(True, index=frame.index)
    if period is not None:
        keep &= frame["month"].between(period.start, period.end)
    if filters.countries:
        keep &= frame["country"].isin(filters.countries)
    return frame[keep]


def compute_rule(frame: pd.DataFrame, aggregation: str, by: list[str]) -> pd.Series:
    """An indicator's value by its aggregation rule, per ``by`` group (one group ``total`` when empty)."""
    if not by:
        frame, by = frame.assign(_all="total"), ["_all"]
    if aggregation == "unique_max":
        per_series = frame.groupby([*by, "pcode", "population_group", "organisation", "activity"],
                                   dropna=False)["value"].sum()
        per_area = per_series.groupby(level=list(range(len(by) + 2)), dropna=False).max()
        return per_area.groupby(level=list(range(len(by))), dropna=False).sum()
    if aggregation == "latest":
        last = frame.groupby([*by, *SERIES], dropna=False)["month"].transform("max")
        return frame[frame["month"] == last].groupby(by, dropna=False)["value"].sum()
    if aggregation == "distinct_organisations":
        return frame.groupby(by, dropna=False)["organisation"].nunique().astype(float)
    return frame.groupby(by, dropna=False)["value"].sum()


def _pick(inds: pd.DataFrame, filters: Filters) -> pd.Series:
    if filters.indicator and filters.indicator in set(inds["code"]):
        return inds[inds["code"] == filters.indicator].iloc[0]
    heads = inds[inds["is_headline"].astype(bool)]
    return (heads if not heads.empty else inds).iloc[0]


def compute_home(engine: Engine, filters: Filters, today: date) -> dict[str, object]:
    """Home: each headline indicator's total for the period and the previous period, and its monthly series."""
    facts, inds = read_facts(engine), read_indicators(engine)
    period = read_period(engine, filters, today)
    previous = period.previous()
    current, before = compute_filtered(facts, filters, period), compute_filtered(facts, filters, previous)
    out: dict[str, object] = {}
    for row in inds[inds["is_headline"].astype(bool)].itertuples():
        rule = str(row.aggregation)
        now = current if rule == "distinct_organisations" else current[current["indicator"] == row.code]
        then = before if rule == "distinct_organisations" else before[before["indicator"] == row.code]
        out[str(row.code)] = (compute_rule(now, rule, []).sum(), compute_rule(then, rule, []).sum(),
                              compute_rule(now, rule, ["month"]))
    return out


def compute_indicator(engine: Engine, filters: Filters, today: date) -> dict[str, object]:
    """Indicators: one indicator's total, monthly series and breakdowns by area, sex × age, group, org type."""
    facts, inds = read_facts(engine), read_indicators(engine)
    period = read_period(engine, filters, today)
    row = _pick(inds, filters)
    rule = str(row["aggregation"])
    rows = compute_filtered(facts, filters, period)
    rows = rows if rule == "distinct_organisations" else rows[rows["indicator"] == row["code"]]
    return {"total": compute_rule(rows, rule, []).sum(), "month": compute_rule(rows, rule, ["month"]),
            "area": compute_rule(rows, rule, ["pcode"]), "sex_age": compute_rule(rows, rule, ["sex", "age_band"]),
            "group": compute_rule(rows, rule, ["population_group"]), "org_type": compute_rule(rows, rule, ["org_type"])}


def compute_explorer(engine: Engine, filters: Filters, today: date) -> pd.DataFrame:
    """Explorer: the filtered rows in report order (plus the default grouped view, indicator × country)."""
    facts = read_facts(engine)
    period = read_period(engine, filters, today)
    rows = compute_filtered(facts, filters, period).sort_values(["month", "indicator", "organisation", "pcode", "id"])
    rows.groupby(["indicator", "country"], dropna=False)["value"].sum()
    return rows


def compute_map(engine: Engine, filters: Filters, today: date) -> pd.Series:
    """Map: the map indicator's total per admin-1 area (admin-2 rows count towards their parent)."""
    facts, inds = read_facts(engine), read_indicators(engine)
    period = read_period(engine, filters, today)
    row = _pick(inds, filters)
    rule = str(row["aggregation"])
    rows = compute_filtered(facts, filters, period)
    rows = rows if rule == "distinct_organisations" else rows[rows["indicator"] == row["code"]]
    rows = rows.assign(adm1=rows["pcode"].where(rows["admin_level"] == 1, rows["parent_pcode"]))
    return compute_rule(rows, rule, ["adm1"])


PAGES = {"Home.py": compute_home, "pages/1_Indicators.py": compute_indicator, "pages/2_Explorer.py": compute_explorer,
         "pages/3_Map.py": compute_map}
