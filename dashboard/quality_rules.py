"""Validation rules, declared in one place: the :data:`RULES` table (name, title, description, severity,
function) and :func:`evaluate_rules`, which runs them over a fact frame and returns :class:`Violation` rows.

Pure pandas. The module imports nothing from ``dashboard`` except the column names and vocabularies, so the
importer can run the same rules on a file before it is written (it may pass its own column names:
``location`` and ``period_month`` are understood as ``pcode`` and ``month``). A violation lists the report
rows it concerns: fact ids when the frame has an ``id`` column, otherwise the frame's index labels (the
rows of an import file).

Messages are :class:`~dashboard.quality_text.Text`: they are put into words in the reader's language when
they are read (``violation.message``), never when the rules run, so violations can be cached or computed by
the importer and shown in any language. Rule titles and descriptions are marked with ``N_`` and translated
where they are shown (:func:`rule_title`).
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
from dashboard.i18n import N_, _, pgettext
from dashboard.quality_text import And, Label, Month, Num, Text
from dashboard.vocab import ALL

ROW = "_row"  # fact id or frame index label, whichever identifies a report row
REPORT = "_report"  # integer id of the report (organisation × indicator × activity × area × month) a row is in
MASK = "_mask"  # bit mask of the breakdown dimensions a row is disaggregated on (0: a total row)
DIMS = [C.SEX, C.AGE, C.GROUP, C.DISABILITY]

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
# The message names both indicators ({small}, {large}) and their values, and says why.
ORDERED_PAIRS: tuple[tuple[str, str, str, str], ...] = (
    ("SPECIALISTS_TRAINED", "TRAINING_PARTICIPANTS", "error",
     N_("{small} is {small_value}, more than {large} ({large_value}); specialists who completed a training are "
        "among its participants")),
    ("TRAININGS_HELD", "SPECIALISTS_TRAINED", "warning",
     N_("{small} is {small_value}, more than {large} ({large_value}); every training held should have trained "
        "at least one person")),
)
MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
TOLERANCE = 0.5  # counts: a difference up to half a person is rounding, not an error


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, how bad, what is wrong (``text``, put into words when read), the report
    rows concerned, and where (codes: organisation · indicator · area · month, as far as they apply)."""

    rule: str
    severity: str  # "error" or "warning"
    text: Text
    rows: tuple[int, ...]
    indicator: str = ""
    organisation: str = ""
    pcode: str = ""
    month: str = ""
    where: str = ""

    @property
    def problem(self) -> str:
        """What is wrong, in the current language."""
        return str(self.text)

    @property
    def message(self) -> str:
        """Where, then what is wrong, in the current language."""
        return f"{self.where}: {self.problem}" if self.where else self.problem


@dataclass(frozen=True)
class RuleInputs:
    """What some rules need besides the facts; a rule whose input is missing is skipped."""

    denominators: pd.DataFrame | None = None
    today: date | None = None
    memo: dict[str, object] = field(default_factory=dict, compare=False)  # results shared between rules


RuleFunction = Callable[[pd.DataFrame, RuleInputs], list[Violation]]


@dataclass(frozen=True)
class Rule:
    """A validation rule: its code ``name`` (stored with reviews, never translated), its ``title`` and
    ``description`` (English, marked with ``N_``: translate where shown), severity and function."""

    name: str
    title: str
    description: str
    severity: str
    function: RuleFunction = field(compare=False)


@dataclass(frozen=True)
class Dimension:
    """A breakdown dimension as it reads after "the breakdown by" in the current language."""

    column: str

    def __str__(self) -> str:
        words = {C.SEX: pgettext("breakdown by", "sex"), C.AGE: pgettext("breakdown by", "age band"),
                 C.GROUP: pgettext("breakdown by", "population group"),
                 C.DISABILITY: pgettext("breakdown by", "disability")}
        return words.get(self.column, self.column)


def _ids(values: pd.Series) -> tuple[int, ...]:
    return tuple(sorted(int(v) for v in values))


def _where(org: object, indicator: object, pcode: object, month: object) -> str:
    return " · ".join(str(x) for x in (org, indicator, pcode, month) if isinstance(x, str) and x)


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
            bad["label"] = [tuple(Label(d, str(r[d])) for d in _dims_of(parent)) for r in bad.to_dict("records")]
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
    templates = {  # (over, of a subtotal)
        (True, False): N_("the breakdown by {dimensions} adds up to {parts}, more than the reported total ({total})"),
        (True, True): N_("the breakdown by {dimensions} adds up to {parts}, more than the figure for {cell} "
                         "({total})"),
        (False, False): N_("the breakdown by {dimensions} adds up to {parts}, less than the reported total "
                           "({total})"),
        (False, True): N_("the breakdown by {dimensions} adds up to {parts}, less than the figure for {cell} "
                          "({total})"),
    }
    out = []
    for r in bad.to_dict("records"):
        dims = And(tuple(Dimension(d) for d in _dims_of(int(r["child"]) & ~int(r["parent"]))))
        text = Text.of(templates[over, bool(r["label"])], dimensions=dims, parts=float(r["parts"]),
                       total=float(r["parent_value"]), cell=r["label"])
        out.append(Violation(
            "breakdown_exceeds_total" if over else "breakdown_short_of_total", "error" if over else "warning",
            text, tuple(sorted(r["rows"])), str(r[C.INDICATOR]), str(r[C.ORGANISATION]), str(r[C.PCODE]),
            str(r[C.MONTH]), _where(r[C.ORGANISATION], r[C.INDICATOR], r[C.PCODE], r[C.MONTH]),
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
            text = Text.of(why, small=small, small_value=float(r["small"]), large=large,
                           large_value=float(r["large"]))
            out.append(Violation("indicator_order", severity, text, ids, small, str(r[C.ORGANISATION]),
                                 str(r[C.PCODE]), str(r[C.MONTH]), _where(r[C.ORGANISATION], "", r[C.PCODE],
                                                                          r[C.MONTH])))
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
    checks = ((per_area, area, "error",
               N_("{value} unique people reached, more than the area's population ({population})")),
              (per_group, [*area, C.GROUP], "warning",
               N_("{value} people reached in the group “{group}”, more than the population of this group recorded "
                  "there ({population})")))
    for table, keys, severity, template in checks:
        bad = table[table[C.VALUE] > table["population"]]
        for r, ids in zip(bad.to_dict("records"), _rows_of(top, keys, bad), strict=True):
            text = Text.of(template, value=float(r[C.VALUE]), population=float(r["population"]),
                           group=Label("population_group", str(r.get(C.GROUP, ""))))
            out.append(Violation("people_within_population", severity, text, ids, str(r[C.INDICATOR]), "",
                                 str(r[C.PCODE]), str(r[C.MONTH]), _where("", r[C.INDICATOR], r[C.PCODE], r[C.MONTH])))
    return out


def _row_violations(frame: pd.DataFrame, mask: pd.Series, rule: str, severity: str,
                    describe: Callable[[dict[str, object]], Text]) -> list[Violation]:
    return [
        Violation(rule, severity, describe(r), (int(r[ROW]),),  # type: ignore[call-overload]
                  str(r[C.INDICATOR]), str(r[C.ORGANISATION]), str(r[C.PCODE]), str(r[C.MONTH]),
                  _where(r[C.ORGANISATION], r[C.INDICATOR], r[C.PCODE], r[C.MONTH]))
        for r in frame[mask].to_dict("records")
    ]


def rule_impossible_value(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """Negative values, missing values, and percentages above 100."""
    value = pd.to_numeric(frame[C.VALUE], errors="coerce")
    percent = frame[C.INDICATOR].isin(PERCENT_INDICATORS)
    bad = value.isna() | (value < 0) | (percent & (value > 100))

    def describe(r: dict[str, object]) -> Text:
        number = pd.to_numeric(pd.Series([r[C.VALUE]]), errors="coerce").iloc[0]
        if pd.isna(number):
            return Text.of(N_("the value is missing or not a number"))
        if number < 0:
            return Text.of(N_("the value {value} is negative"), value=float(number))
        return Text.of(N_("{value} is a share above 100%"), value=Num(float(number), percent=True))

    return _row_violations(frame, bad, "impossible_value", "error", describe)


def rule_implausibly_large(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """Values above the indicator's ceiling in :data:`CEILINGS` (one report row)."""
    ceiling = lookup(frame[C.INDICATOR], {k: v for k, v in CEILINGS.items() if k not in PERCENT_INDICATORS})
    bad = pd.Series(frame[C.VALUE].to_numpy() > ceiling, index=frame.index)  # NaN ceilings compare False
    return _row_violations(frame, bad, "implausibly_large", "warning",
                           lambda r: Text.of(N_("{value} in one report row is above the plausible ceiling of "
                                                "{ceiling} for this indicator"),
                                             value=float(r[C.VALUE]),  # type: ignore[arg-type]
                                             ceiling=CEILINGS[str(r[C.INDICATOR])]))


def rule_fractional_count(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """Counts (every indicator except percentages) that are not whole numbers."""
    value = pd.to_numeric(frame[C.VALUE], errors="coerce")
    bad = value.notna() & (np.floor(value) != value) & ~frame[C.INDICATOR].isin(PERCENT_INDICATORS)
    return _row_violations(frame, bad, "fractional_count", "warning",
                           lambda r: Text.of(N_("{value} is a count but not a whole number"),
                                             value=float(r[C.VALUE])))  # type: ignore[arg-type]


def in_future(frame: pd.DataFrame, today: date) -> pd.Series:
    """Which rows are for a month after the month of ``today``."""
    return frame[C.MONTH] > f"{today.year:04d}-{today.month:02d}"


def rule_future_month(frame: pd.DataFrame, inputs: RuleInputs) -> list[Violation]:
    """Reports for a month after the current one (needs today)."""
    if inputs.today is None:
        return []
    future = frame[in_future(frame, inputs.today)]
    out = []
    for (org, month), rows in future.groupby([C.ORGANISATION, C.MONTH])[ROW]:
        text = Text.of(N_("reports for {month}, a month that has not started yet (report rows: {rows})"),
                       month=Month(str(month)), rows=len(rows))
        out.append(Violation("future_month", "error", text, _ids(rows), "", str(org), "", str(month), str(org)))
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

    def describe(r: dict[str, object]) -> Text:
        first, last = (pd.to_datetime(r[c], errors="coerce") for c in (C.PERIOD_START, C.PERIOD_END))
        if pd.isna(first) or pd.isna(last):
            return Text.of(N_("the period start ({start}) or end ({end}) is missing or not a date"),
                           start=str(r[C.PERIOD_START] or ""), end=str(r[C.PERIOD_END] or ""))
        if last < first:
            return Text.of(N_("the period ends ({end}) before it starts ({start})"), start=first.date(),
                           end=last.date())
        return Text.of(N_("the month {month} is not the month the period starts in ({start})"),
                       month=Month(str(r[C.MONTH])), start=first.date())

    return _row_violations(frame, bad, "period_consistency", "error", describe)


RULES: tuple[Rule, ...] = (
    Rule("breakdown_exceeds_total", N_("Breakdown above its total"),
         N_("Disaggregated rows (for example female + male + other) add up to more than the total (or subtotal) "
            "the same organisation reported for the same indicator, activity, area and month."),
         "error", rule_breakdown_exceeds_total),
    Rule("breakdown_short_of_total", N_("Breakdown below its total"),
         N_("Disaggregated rows add up to less than the reported total: female + male + other should equal the "
            "total when both are reported (put unknown sex under other/unknown)."),
         "warning", rule_breakdown_short_of_total),
    Rule("indicator_order", N_("Indicators out of order"),
         N_("Specialists trained may not exceed training participants, and trainings held should not exceed "
            "specialists trained, for the same organisation, area and month when both are reported."),
         "error", rule_ordered_pairs),
    Rule("people_within_population", N_("More people than live there"),
         N_("Unique people reached in an area and month (largest report per population group) above the area's "
            "resident population (error) or above its recorded refugee/IDP population (warning)."),
         "error", rule_people_within_population),
    Rule("impossible_value", N_("Impossible value"),
         N_("Negative or missing values, and percentages above 100."), "error", rule_impossible_value),
    Rule("implausibly_large", N_("Implausibly large value"),
         N_("One report row above the indicator's plausible ceiling (for example more than 200 trainings by one "
            "organisation in one area and month)."), "warning", rule_implausibly_large),
    Rule("fractional_count", N_("Count that is not a whole number"),
         N_("People, trainings and contacts are counted in whole numbers."), "warning", rule_fractional_count),
    Rule("future_month", N_("Month in the future"),
         N_("Reports for a month that has not started yet."), "error", rule_future_month),
    Rule("period_consistency", N_("Invalid period"),
         N_("The period ends before it starts, or the reported month is not the month the period starts in."),
         "error", rule_period_consistency),
)
_TITLES = {rule.name: rule.title for rule in RULES}
#: Rules that put together report rows of different places, each with the rows it looks at (given today): reports
#: for a month in the future are listed once per organisation and month, whatever the area. Every other rule
#: judges the rows of one area (one report, or one row) at a time.
ACROSS_PLACES: dict[str, Callable[[pd.DataFrame, date], pd.Series]] = {"future_month": in_future}


def rule_title(name: str) -> str:
    """The title of rule ``name`` in the current language (the name itself when it is not a rule)."""
    return _(_TITLES[name]) if name in _TITLES else name


def severity_label(severity: str) -> str:
    """``error`` / ``warning`` in the current language."""
    labels = {"error": pgettext("severity", "error"), "warning": pgettext("severity", "warning")}
    return labels.get(severity, severity)


def evaluate_rules(frame: pd.DataFrame, denominators: pd.DataFrame | None = None, today: date | None = None,
                   rules: tuple[Rule, ...] = RULES) -> list[Violation]:
    """Run ``rules`` over ``frame`` (read-path or importer columns); errors first, then in table order.

    Rules needing denominators or today are skipped when those are not given.
    """
    if frame.empty:
        return []
    data = normalise(frame)
    inputs = RuleInputs(denominators=denominators, today=today)
    return ordered([v for rule in rules for v in rule.function(data, inputs)], rules)


def ordered(violations: list[Violation], rules: tuple[Rule, ...] = RULES) -> list[Violation]:
    """``violations`` errors first, then in the order of ``rules`` (a stable sort: each rule's own order kept)."""
    order = {rule.name: i for i, rule in enumerate(rules)}
    return sorted(violations, key=lambda v: (v.severity != "error", order.get(v.rule, math.inf)))


def compute_violation_table(violations: list[Violation]) -> pd.DataFrame:
    """Violations as a table: rule, severity, organisation, indicator, area, month, problem (what is wrong, in
    the current language), rows, fact ids."""
    return pd.DataFrame({
        "rule": [v.rule for v in violations],
        "severity": [v.severity for v in violations],
        C.ORGANISATION: [v.organisation for v in violations],
        C.INDICATOR: [v.indicator for v in violations],
        C.PCODE: [v.pcode for v in violations],
        C.MONTH: [v.month for v in violations],
        "problem": [v.problem for v in violations],
        "rows": [len(v.rows) for v in violations],
        "fact_ids": [", ".join(map(str, v.rows[:20])) + (" …" if len(v.rows) > 20 else "") for v in violations],
    })
