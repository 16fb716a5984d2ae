"""Validation rules, declared in one place: the :data:`RULES` table (name, title, description, severity,
function) and :func:`evaluate_rules`, which runs them over a fact frame and returns :class:`Violation` rows.

Pure pandas. The module imports nothing from ``dashboard`` except the column names and vocabularies, so the
importer can run the same rules on a file before it is written (it may pass its own column names:
``location`` and ``period_month`` are understood as ``pcode`` and ``month``). A violation lists the report
rows it concerns: fact ids when the frame has an ``id`` column, otherwise the frame's index labels (the
rows of an import file).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from dashboard import columns as C
from dashboard.vocab import ALL

ROW = "_row"  # fact id or frame index label, whichever identifies a report row
REPORT = "_report"  # integer id of the report (organisation × indicator × activity × area × month) a row is in
MASK = "_mask"  # bit mask of the breakdown dimensions a row is disaggregated on (0: a total row)
DIMS = [C.SEX, C.AGE, C.GROUP, C.DISABILITY]
DIM_WORDS = {C.SEX: "sex", C.AGE: "age band", C.GROUP: "population group", C.DISABILITY: "disability"}
REPORT_KEY = [C.INDICATOR, C.ORGANISATION, C.ACTIVITY, C.PCODE, C.MONTH]
IMPORT_COLUMNS = {"location": C.PCODE, "period_month": C.MONTH}  # importer frame name -> read-path name

# Indicators counting unique people (aggregation ``unique_max`` in the catalogue): checked against populations.
PEOPLE_INDICATORS = ("PPL_REACHED", "CHILDREN_REACHED", "CAREGIVERS_PSS")
PERCENT_INDICATORS = ("IDP_HOTLINE_DEMAND",)
# Largest plausible value of one report row (one organisation, activity, area, month and breakdown cell).
# Above it a figure is not impossible but should be checked before it reaches a meeting.
CEILINGS: dict[str, float] = {
    "PPL_REACHED": 50_000, "CHILDREN_REACHED": 20_000, "CAREGIVERS_PSS": 20_000, "TRAININGS_HELD": 200,
    "SPECIALISTS_TRAINED": 5_000, "HELPLINE_CONTACTS": 100_000, "COMMUNITIES_RC": 2_000, "REFERRALS": 20_000,
    "ORGS_REPORTING": 1_000, "TWG_MEMBERS": 1_000, "IDP_HOTLINE_DEMAND": 100,
}
# (smaller, larger, severity, why): the first indicator may not exceed the second for the same organisation,
# area and month when both are reported. The catalogue has no training-participants indicator yet; the pair
# applies as soon as one is imported under that code.
ORDERED_PAIRS: tuple[tuple[str, str, str, str], ...] = (
    ("SPECIALISTS_TRAINED", "TRAINING_PARTICIPANTS", "error",
     "specialists who completed a training are among its participants"),
    ("TRAININGS_HELD", "SPECIALISTS_TRAINED", "warning",
     "every training held should have trained at least one person"),
)
MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
TOLERANCE = 0.5  # counts: a difference up to half a person is rounding, not an error


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, how bad, what is wrong (in words) and the report rows concerned."""

    rule: str
    severity: str  # "error" or "warning"
    message: str
    rows: tuple[int, ...]
    indicator: str = ""
    organisation: str = ""
    pcode: str = ""
    month: str = ""


@dataclass(frozen=True)
class RuleInputs:
    """What some rules need besides the facts; a rule whose input is missing is skipped."""

    denominators: pd.DataFrame | None = None
    today: date | None = None
    memo: dict[str, object] = field(default_factory=dict, compare=False)  # results shared between rules


RuleFunction = Callable[[pd.DataFrame, RuleInputs], list[Violation]]


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    description: str
    severity: str
    function: RuleFunction = field(compare=False)


def _ids(values: pd.Series) -> tuple[int, ...]:
    return tuple(sorted(int(v) for v in values))


def _where(org: object, indicator: object, pcode: object, month: object) -> str:
    return " · ".join(str(x) for x in (org, indicator, pcode, month) if isinstance(x, str) and x)


def _n(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def lookup(values: pd.Series, mapping: dict[str, float]) -> np.ndarray:
    """``mapping`` applied to ``values`` (NaN where unmapped), through the few distinct values (fast on 1M rows)."""
    codes, uniques = pd.factorize(values)
    table = np.array([mapping.get(str(u), np.nan) for u in uniques] + [np.nan], dtype=float)
    return table[codes]


def _dates(values: pd.Series) -> pd.Series:
    """Dates, strings or timestamps as datetime64 (NaT when unreadable), converting each distinct value once."""
    codes, uniques = pd.factorize(values)
    converted = pd.to_datetime(pd.Series(list(uniques), dtype=object), errors="coerce").to_numpy()
    return pd.Series(np.append(converted, np.datetime64("NaT"))[codes], index=values.index)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with read-path column names, every breakdown column (``all`` when absent), :data:`ROW`,
    :data:`REPORT` and :data:`MASK`."""
    out = frame.rename(columns={k: v for k, v in IMPORT_COLUMNS.items() if k in frame and v not in frame})
    # Only the columns the rules read: every boolean filter then copies less (1M-row frames).
    out = out[[c for c in (C.ID, *REPORT_KEY, *DIMS, C.VALUE, C.PERIOD_START, C.PERIOD_END) if c in out]]
    for dim in DIMS:
        if dim not in out:
            out[dim] = ALL
    # A report without an activity is its own activity: "" keeps it in group keys and joins.
    out[C.ACTIVITY] = out[C.ACTIVITY].fillna("").astype(str) if C.ACTIVITY in out else ""
    if C.MONTH not in out and C.PERIOD_START in out:
        out[C.MONTH] = pd.to_datetime(out[C.PERIOD_START], errors="coerce").dt.strftime("%Y-%m")
    out[ROW] = out[C.ID].to_numpy() if C.ID in out else out.index.to_numpy()
    out[REPORT] = out.groupby(REPORT_KEY, sort=False, dropna=False).ngroup().to_numpy()
    out[MASK] = _pattern(out)
    return out


def _pattern(frame: pd.DataFrame) -> np.ndarray:
    """Bit mask of the breakdown dimensions each row is disaggregated on (0 = a total row)."""
    mask = np.zeros(len(frame), dtype=np.int64)
    for bit, dim in enumerate(DIMS):
        mask |= (frame[dim].to_numpy() != ALL).astype(np.int64) << bit
    return mask


_DEPTH = np.array([bin(m).count("1") for m in range(1 << len(DIMS))])  # number of dimensions in each mask


def _dims_of(mask: int) -> list[str]:
    return [dim for bit, dim in enumerate(DIMS) if mask >> bit & 1]


def _rows_of(data: pd.DataFrame, keys: list[str], wanted: pd.DataFrame) -> list[tuple[int, ...]]:
    """Row ids of ``data`` matching each row of ``wanted`` on ``keys``, in ``wanted``'s order."""
    if wanted.empty:
        return []
    hit = data[[*keys, ROW]].merge(wanted[keys].assign(_i=np.arange(len(wanted))), on=keys)
    groups = {i: tuple(sorted(int(x) for x in rows)) for i, rows in hit.groupby("_i")[ROW]}
    return [groups.get(i, ()) for i in range(len(wanted))]


def _compare_breakdowns(frame: pd.DataFrame, inputs: RuleInputs) -> pd.DataFrame:
    """Breakdowns that do not add up to the figure they break down (both directions; computed once).

    Rows disaggregated on dimensions Q are added up per value of a smaller set P ⊂ Q and compared with the
    rows disaggregated on exactly P (P empty: the total row) of the same report. Each row is compared with
    its most specific reported parent only, so one wrong cell is reported once. Columns: the report key,
    ``parent`` and ``child`` masks, ``parent_value``, ``parts``, ``label`` and ``rows`` (tuple of row ids).
    """
    if "breakdowns" in inputs.memo:
        return inputs.memo["breakdowns"]  # type: ignore[return-value]
    found: list[pd.DataFrame] = []
    # Only reports holding rows at two levels of detail can disagree with themselves.
    levels = frame[MASK].groupby(frame[REPORT].to_numpy()).transform("nunique").to_numpy()
    data = frame[levels > 1]
    masks = sorted(set(data[MASK].tolist()))
    compared = pd.Series(False, index=data.index)
    for child in sorted(masks, reverse=True):
        parents = [p for p in masks if p != child and p & child == p]
        for parent in sorted(parents, key=lambda p: -bin(p).count("1")):
            keys = REPORT_KEY + _dims_of(parent)
            kids = data[(data[MASK] == child) & ~compared]
            if kids.empty:
                break
            top = data[data[MASK] == parent]
            both = (kids.groupby(keys, dropna=False, sort=False)[C.VALUE].sum().rename("parts").to_frame()
                    .join(top.groupby(keys, dropna=False, sort=False)[C.VALUE].sum().rename("parent_value"),
                          how="inner"))
            if both.empty:
                continue
            compared.loc[kids.index[kids.set_index(keys).index.isin(both.index)]] = True
            bad = both[(both["parts"] - both["parent_value"]).abs() > TOLERANCE].reset_index()
            if bad.empty:
                continue
            bad["parent"], bad["child"] = parent, child
            bad["label"] = [", ".join(str(r[d]) for d in _dims_of(parent)) for r in bad.to_dict("records")]
            bad["rows"] = [a + b for a, b in zip(_rows_of(top, keys, bad), _rows_of(kids, keys, bad), strict=True)]
            found.append(bad)
    result = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    inputs.memo["breakdowns"] = result
    return result


def _breakdown_violations(frame: pd.DataFrame, inputs: RuleInputs, over: bool) -> list[Violation]:
    compared = _compare_breakdowns(frame, inputs)
    if compared.empty:
        return []
    diff = compared["parts"] - compared["parent_value"]
    bad = compared[diff > TOLERANCE] if over else compared[diff < -TOLERANCE]
    out = []
    for r in bad.to_dict("records"):
        by = " and ".join(DIM_WORDS[d] for d in _dims_of(int(r["child"]) & ~int(r["parent"])))
        of = f"the figure for {r['label']}" if r["label"] else "the reported total"
        verb = "more than" if over else "less than"
        out.append(Violation(
            "breakdown_exceeds_total" if over else "breakdown_short_of_total", "error" if over else "warning",
            f"{_where(r[C.ORGANISATION], r[C.INDICATOR], r[C.PCODE], r[C.MONTH])}: the breakdown by {by} adds up "
            f"to {_n(r['parts'])}, {verb} {of} ({_n(r['parent_value'])})",
            tuple(sorted(r["rows"])), str(r[C.INDICATOR]), str(r[C.ORGANISATION]), str(r[C.PCODE]),
            str(r[C.MONTH]),
        ))
    return out


def rule_breakdown_exceeds_total(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    return _breakdown_violations(frame, inputs, over=True)


def rule_breakdown_short_of_total(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    return _breakdown_violations(frame, inputs, over=False)


def top_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The most aggregated rows of each report (organisation × indicator × activity × area × month): its total
    row if it has one, else its coarsest breakdown, so a total and its breakdown are never added together."""
    if frame.empty:
        return frame
    data = frame if REPORT in frame else normalise(frame)
    depth = pd.Series(_DEPTH[data[MASK].to_numpy()], index=data.index)
    least = depth.groupby(data[REPORT].to_numpy()).transform("min")
    return data[depth == least]


def rule_ordered_pairs(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """For each :data:`ORDERED_PAIRS` entry, the smaller indicator above the larger one (same organisation,
    area and month, all activities added)."""
    codes = {c for pair in ORDERED_PAIRS for c in pair[:2]}
    top = top_rows(frame[frame[C.INDICATOR].isin(codes)])
    if top.empty:
        return []
    where = [C.ORGANISATION, C.PCODE, C.MONTH]
    totals = top.groupby([C.INDICATOR, *where], dropna=False)[C.VALUE].sum()
    present = set(totals.index.get_level_values(0))
    out = []
    for small, large, severity, why in ORDERED_PAIRS:
        if small not in present or large not in present:
            continue
        both = totals.loc[small].rename("small").to_frame().join(totals.loc[large].rename("large"), how="inner")
        bad = both[both["small"] > both["large"] + TOLERANCE].reset_index()
        rows = _rows_of(top[top[C.INDICATOR].isin([small, large])], where, bad)
        for r, ids in zip(bad.to_dict("records"), rows, strict=True):
            out.append(Violation(
                "indicator_order", severity,
                f"{_where(r[C.ORGANISATION], '', r[C.PCODE], r[C.MONTH])}: {small} is {_n(r['small'])}, more than "
                f"{large} ({_n(r['large'])}); {why}",
                ids, small, str(r[C.ORGANISATION]), str(r[C.PCODE]), str(r[C.MONTH])))
    return out


def _latest_denominators(denominators: pd.DataFrame) -> pd.DataFrame:
    dens = denominators.sort_values("ref_date")
    return dens.groupby([C.PCODE, "measure", C.GROUP], as_index=False).last()


def rule_people_within_population(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """Unique people reached in an area and month (the cluster rule: the largest report per population group,
    then groups added) above the area's resident population (error) or a group's population there (warning,
    for refugees and IDPs: denominators can be dated)."""
    if inputs.denominators is None or inputs.denominators.empty:
        return []
    top = top_rows(frame[frame[C.INDICATOR].isin(PEOPLE_INDICATORS)])
    if top.empty:
        return []
    area = [C.INDICATOR, C.PCODE, C.MONTH]
    per_report = top.groupby([REPORT, C.GROUP], sort=False).agg(
        **{C.VALUE: (C.VALUE, "sum"), **{k: (k, "first") for k in area}})
    per_group = per_report.groupby([*area, C.GROUP], dropna=False)[C.VALUE].max().reset_index()
    per_area = per_group.groupby(area)[C.VALUE].sum().reset_index()
    dens = _latest_denominators(inputs.denominators)
    residents = dens[(dens["measure"] == "residents") & (dens[C.GROUP] == ALL)].set_index(C.PCODE)["value"]
    per_area["population"] = per_area[C.PCODE].map(residents)
    groups = dens[dens["measure"] == "refugees_present"].set_index([C.PCODE, C.GROUP])["value"]
    per_group["population"] = groups.reindex(pd.MultiIndex.from_frame(per_group[[C.PCODE, C.GROUP]])).to_numpy()
    out: list[Violation] = []
    checks = ((per_area, area, "error", "unique people reached", "the area's population"),
              (per_group, [*area, C.GROUP], "warning", "{group} people reached",
               "the {group} population recorded there"))
    for table, keys, severity, what, limit in checks:
        bad = table[table[C.VALUE] > table["population"]]
        for r, ids in zip(bad.to_dict("records"), _rows_of(top, keys, bad), strict=True):
            group = str(r.get(C.GROUP, ""))
            out.append(Violation(
                "people_within_population", severity,
                f"{_where('', r[C.INDICATOR], r[C.PCODE], r[C.MONTH])}: {_n(r[C.VALUE])} "
                f"{what.format(group=group)}, more than {limit.format(group=group)} ({_n(r['population'])})",
                ids, str(r[C.INDICATOR]), "", str(r[C.PCODE]), str(r[C.MONTH])))
    return out


def _row_violations(frame: pd.DataFrame, mask: pd.Series, rule: str, severity: str,
                    describe: Callable[[dict[str, object]], str]) -> list[Violation]:
    return [
        Violation(rule, severity, f"{_where(r[C.ORGANISATION], r[C.INDICATOR], r[C.PCODE], r[C.MONTH])}: "
                  f"{describe(r)}", (int(r[ROW]),),  # type: ignore[call-overload]
                  str(r[C.INDICATOR]), str(r[C.ORGANISATION]), str(r[C.PCODE]), str(r[C.MONTH]))
        for r in frame[mask].to_dict("records")
    ]


def rule_impossible_value(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """Negative values, missing values, and percentages above 100."""
    value = pd.to_numeric(frame[C.VALUE], errors="coerce")
    percent = frame[C.INDICATOR].isin(PERCENT_INDICATORS)
    bad = value.isna() | (value < 0) | (percent & (value > 100))
    return _row_violations(frame, bad, "impossible_value", "error",
                           lambda r: f"value {r[C.VALUE]} is impossible (negative, missing or a share above 100%)")


def rule_implausibly_large(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """Values above the indicator's ceiling in :data:`CEILINGS` (one report row)."""
    ceiling = lookup(frame[C.INDICATOR], {k: v for k, v in CEILINGS.items() if k not in PERCENT_INDICATORS})
    bad = pd.Series(frame[C.VALUE].to_numpy() > ceiling, index=frame.index)  # NaN ceilings compare False
    return _row_violations(frame, bad, "implausibly_large", "warning",
                           lambda r: f"{_n(float(r[C.VALUE]))} in one report row is above the plausible "  # type: ignore[arg-type]
                                     f"ceiling of {_n(CEILINGS[str(r[C.INDICATOR])])} for this indicator")


def rule_fractional_count(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """Counts (every indicator except percentages) that are not whole numbers."""
    value = pd.to_numeric(frame[C.VALUE], errors="coerce")
    bad = value.notna() & (np.floor(value) != value) & ~frame[C.INDICATOR].isin(PERCENT_INDICATORS)
    return _row_violations(frame, bad, "fractional_count", "warning",
                           lambda r: f"{r[C.VALUE]} is a count but not a whole number")


def rule_future_month(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """Reports for a month after the current one (needs today)."""
    if inputs.today is None:
        return []
    this_month = f"{inputs.today.year:04d}-{inputs.today.month:02d}"
    future = frame[frame[C.MONTH] > this_month]
    out = []
    for (org, month), rows in future.groupby([C.ORGANISATION, C.MONTH])[ROW]:
        out.append(Violation("future_month", "error",
                             f"{org}: {len(rows)} report rows for {month}, a month that has not started",
                             _ids(rows), "", str(org), "", str(month)))
    return out


def rule_period_consistency(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """A period that ends before it starts, or a month that is not the month of the period start."""
    if C.PERIOD_START not in frame or C.PERIOD_END not in frame:
        return []
    start, end = _dates(frame[C.PERIOD_START]), _dates(frame[C.PERIOD_END])
    month_of_start = (start.dt.year * 100 + start.dt.month).to_numpy(dtype=float)
    month = lookup(frame[C.MONTH], {m: float(m[:4]) * 100 + float(m[5:7]) for m in frame[C.MONTH].dropna().unique()
                                    if MONTH_RE.match(str(m))})
    bad = start.isna() | end.isna() | (end < start) | pd.Series(month_of_start != month, index=frame.index)
    return _row_violations(frame, bad, "period_consistency", "error",
                           lambda r: f"period {r[C.PERIOD_START]} to {r[C.PERIOD_END]} is not a valid period for "
                                     f"month {r[C.MONTH]}")


RULES: tuple[Rule, ...] = (
    Rule("breakdown_exceeds_total", "Breakdown above its total",
         "Disaggregated rows (for example female + male + other) add up to more than the total (or subtotal) "
         "the same organisation reported for the same indicator, activity, area and month.",
         "error", rule_breakdown_exceeds_total),
    Rule("breakdown_short_of_total", "Breakdown below its total",
         "Disaggregated rows add up to less than the reported total: female + male + other should equal the "
         "total when both are reported (put unknown sex under other/unknown).",
         "warning", rule_breakdown_short_of_total),
    Rule("indicator_order", "Indicators out of order",
         "Specialists trained may not exceed training participants, and trainings held should not exceed "
         "specialists trained, for the same organisation, area and month when both are reported.",
         "error", rule_ordered_pairs),
    Rule("people_within_population", "More people than live there",
         "Unique people reached in an area and month (largest report per population group) above the area's "
         "resident population (error) or above its recorded refugee/IDP population (warning).",
         "error", rule_people_within_population),
    Rule("impossible_value", "Impossible value",
         "Negative or missing values, and percentages above 100.", "error", rule_impossible_value),
    Rule("implausibly_large", "Implausibly large value",
         "One report row above the indicator's plausible ceiling (for example more than 200 trainings by one "
         "organisation in one area and month).", "warning", rule_implausibly_large),
    Rule("fractional_count", "Count that is not a whole number",
         "People, trainings and contacts are counted in whole numbers.", "warning", rule_fractional_count),
    Rule("future_month", "Month in the future",
         "Reports for a month that has not started yet.", "error", rule_future_month),
    Rule("period_consistency", "Invalid period",
         "The period ends before it starts, or the reported month is not the month the period starts in.",
         "error", rule_period_consistency),
)


def evaluate_rules(frame: pd.DataFrame, denominators: pd.DataFrame | None = None, today: date | None = None,
                   rules: tuple[Rule, ...] = RULES) -> list[Violation]:
    """Run ``rules`` over ``frame`` (read-path or importer columns); errors first, then in table order.

    Rules needing denominators or today are skipped when those are not given.
    """
    if frame.empty:
        return []
    data = normalise(frame)
    inputs = RuleInputs(denominators=denominators, today=today)
    found = [v for rule in rules for v in rule.function(data, inputs)]
    order = {rule.name: i for i, rule in enumerate(rules)}
    return sorted(found, key=lambda v: (v.severity != "error", order.get(v.rule, math.inf)))


def compute_violation_table(violations: list[Violation]) -> pd.DataFrame:
    """Violations as a table: rule, severity, organisation, indicator, area, month, problem, rows, fact ids."""
    return pd.DataFrame({
        "rule": [v.rule for v in violations],
        "severity": [v.severity for v in violations],
        C.ORGANISATION: [v.organisation for v in violations],
        C.INDICATOR: [v.indicator for v in violations],
        C.PCODE: [v.pcode for v in violations],
        C.MONTH: [v.month for v in violations],
        "problem": [v.message for v in violations],
        "rows": [len(v.rows) for v in violations],
        "fact_ids": [", ".join(map(str, v.rows[:20])) + (" …" if len(v.rows) > 20 else "") for v in violations],
    })
