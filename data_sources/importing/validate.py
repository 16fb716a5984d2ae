"""From text chunks to validated facts: one row of the long result per reported value.

:func:`plan_columns` decides what each column means; :func:`transform_chunk` resolves and checks one chunk
(row-level rules); :func:`check_file` runs the rules that need the whole file (duplicates, disaggregations
that add up to more than their total). Problems go into the :class:`Report`; rows with an error are
flagged ``bad`` so a partial import can leave them out. Reasons are worked out once per distinct cell and
translated as they are produced (the current language).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

import numpy as np
import pandas as pd
from babel.lists import format_list

from dashboard.i18n import N_, _, babel_locale, format_date, pgettext
from dashboard.vocab import AGE_BANDS, ALL, DISABILITY, POPULATION_GROUPS, SEX
from data_sources.importing import normalise as nz
from data_sources.importing import tags as T
from data_sources.importing.errors import ERROR, MAX_LISTED, WARNING, ImportFileError, Problem, Report
from data_sources.importing.lookups import StoreLookups
from data_sources.importing.readers import Chunk, Sheet

FIRST_REPORTING_DAY = date(2022, 3, 1)
PEOPLE_INDICATOR, CHILDREN_INDICATOR = "PPL_REACHED", "CHILDREN_REACHED"
KEY = ["organisation", "indicator", "activity", "location", "period_start", "period_end",
       "sex", "age_band", "population_group", "disability"]
GROUP = KEY[:6]
DIMS = [T.SEX, T.AGE, T.POPULATION, T.DISABILITY]
#: A value column's attributes and the file's disaggregation column disagree, per dimension.
CONFLICTS = {
    T.SEX: N_("the sex column says '{given}' but the value column {column} is for '{fixed}'"),
    T.AGE: N_("the age band column says '{given}' but the value column {column} is for '{fixed}'"),
    T.POPULATION: N_("the population group column says '{given}' but the value column {column} is for '{fixed}'"),
    T.DISABILITY: N_("the disability column says '{given}' but the value column {column} is for '{fixed}'"),
}
#: What a file must give, and which tags give it.
NEEDED = {
    "organisation": N_("no column gives the organisation (#org+name)"),
    "location": N_("no column gives the location (#adm1+code, #adm1+name or #country+code)"),
    "period": N_("no column gives the reporting period (#date+start, or #date for the month)"),
    "value": N_("no column gives a value column (#indicator+value, or #reached with disaggregation attributes)"),
    "indicator": N_("no column gives the indicator (#indicator+code), needed for the #indicator+value / #value "
                    "columns"),
}


def dimension_label(dimension: str) -> str:
    """A disaggregation dimension's name in the current language (listed in the breakdown messages)."""
    return {T.SEX: pgettext("dimension", "sex"), T.AGE: pgettext("dimension", "age band"),
            T.POPULATION: pgettext("dimension", "population group"),
            T.DISABILITY: pgettext("dimension", "disability")}[dimension]


@dataclass
class ColumnPlan:
    """What the columns of one sheet mean."""

    sheet: Sheet
    labels: list[str]
    columns: list[T.ColumnRole]
    roles: dict[str, T.ColumnRole]
    values: list[T.ColumnRole]
    warnings: list[Problem] = field(default_factory=list)


def _numeric_share(sample: list[list[str]], index: int) -> float:
    cells = [r[index] for r in sample if index < len(r) and not nz.is_missing(r[index])]
    if not cells:
        return 0.0
    ok = 0
    for cell in cells:
        ok += isinstance(nz._parse_number_text(cell), float)
    return ok / len(cells)


def plan_columns(sheet: Sheet, tags: list[T.TagSpec | None]) -> ColumnPlan:
    """Decide each column's role from its tag; raise :class:`ImportFileError` when an essential one is missing."""
    # Messages name tagged columns by their tag (what the file shows in its tag row) and mapped columns by
    # their header with the chosen tag, e.g. "Oblast (#adm1+name)".
    labels = sheet.labels() if sheet.tags is not None else [
        f"{lab} ({tags[i]})" if i < len(tags) and tags[i] is not None else lab for i, lab in enumerate(sheet.labels())
    ]
    columns: list[T.ColumnRole] = []
    notes: list[str] = []
    for i in range(sheet.width):
        spec = tags[i] if i < len(tags) else None
        has_data = any(i < len(r) and r[i].strip() for r in sheet.sample)
        col, found = T.classify(i, labels[i], spec, numeric_hint=_numeric_share(sheet.sample, i) >= 0.8)
        if spec is None and (has_data or (i < len(sheet.header) and sheet.header[i].strip())):
            found.append((_("column {column} has no HXL tag; not used") if sheet.tags is not None
                          else _("column {column} is not mapped; not used")).format(column=labels[i]))
        columns.append(col)
        notes.extend(found)
    roles, values, more = T.assign_roles(columns)
    notes.extend(more)
    missing = []
    if T.ORG not in roles:
        missing.append("organisation")
    if not roles.keys() & {T.LOCATION0, T.LOCATION1, T.LOCATION2}:
        missing.append("location")
    if not roles.keys() & {T.DATE, T.DATE_START}:
        missing.append("period")
    if not values:
        missing.append("value")
    elif T.INDICATOR not in roles and any(v.default_indicator is None for v in values):
        missing.append("indicator")
    if missing:
        found_not = "; ".join(_(NEEDED[m]) for m in missing)
        raise ImportFileError(
            _("sheet '{sheet}': {problems}").format(sheet=sheet.name, problems=found_not) if sheet.name else found_not,
            [Problem(_("{missing}; add the HXL tag in the tag row, or choose it in the column mapping").format(
                missing=_(NEEDED[m])), sheet=sheet.name) for m in missing],
        )
    warnings = [Problem(n, severity=WARNING, sheet=sheet.name) for n in dict.fromkeys(notes)]
    return ColumnPlan(sheet, labels, columns, roles, values, warnings)


@dataclass
class Context:
    lookups: StoreLookups
    today: date
    report: Report
    categories: dict[str, list[str]]
    warned: set[str] = field(default_factory=set)

    def warn_once(self, key: str, problem: Problem) -> None:
        if key not in self.warned:
            self.warned.add(key)
            self.report.add(problem)


def categories_vocab(dimension: str) -> list[str]:
    return list({T.SEX: SEX, T.AGE: AGE_BANDS, T.POPULATION: POPULATION_GROUPS, T.DISABILITY: DISABILITY}[dimension])


def categories_for(lookups: StoreLookups) -> dict[str, list[str]]:
    """Fixed categories per code column, so chunks concatenate as compact categoricals."""
    return {
        "organisation": sorted(set(lookups.organisations.labels)),
        "indicator": sorted(lookups.indicators.labels),
        "activity": sorted(lookups.activities.labels),
        "location": sorted(lookups.locations.labels),
        T.SEX: list(SEX), T.AGE: list(AGE_BANDS), T.POPULATION: list(POPULATION_GROUPS), T.DISABILITY: list(DISABILITY),
    }


Column = str | np.ndarray
Reason = str | np.ndarray


def _emit(ctx: Context, mask: np.ndarray, rows: np.ndarray, column: Column, raw: np.ndarray | None,
          reason: Reason, sheet: str | None, severity: str = ERROR) -> None:
    """Add one problem per True in ``mask``; column, raw value and reason may be per-row arrays."""
    hits = np.flatnonzero(mask)
    if not len(hits):
        return
    room = max(0, MAX_LISTED - len(ctx.report.problems))
    for pos in hits[:room]:
        why = reason if isinstance(reason, str) else str(reason[pos])
        label = column if isinstance(column, str) else str(column[pos])
        value = None if raw is None else raw[pos]
        shown = None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        ctx.report.add(Problem(why, int(rows[pos]), label, shown, severity, sheet))
    if len(hits) > room:
        ctx.report.uncounted[severity] += len(hits) - room


def _isnull(values: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(values), dtype=bool)


def _resolve(ctx: Context, plan: ColumnPlan, frame: pd.DataFrame, rows: np.ndarray, role: str, kind: str,
             required: bool, bad: np.ndarray) -> np.ndarray:
    """Codes for one identity role (None where missing or unknown), reporting unknown and missing values."""
    col = plan.roles.get(role)
    if col is None:
        return np.full(len(frame), None, dtype=object)
    resolver = getattr(ctx.lookups, kind)
    factor = nz.Factor(frame[col.index])
    found = [resolver.resolve(c) if c is not None else None for c in factor.cleaned]
    codes = factor.take(found)
    unknown_u = [c is not None and f is None for c, f in zip(factor.cleaned, found, strict=True)]
    if any(unknown_u):
        unknown = factor.take(unknown_u, False).astype(bool)
        messages = [resolver.message(c) if u and c else None for c, u in zip(factor.cleaned, unknown_u, strict=True)]
        _emit(ctx, unknown, rows, col.label, factor.raw(), factor.take(messages), plan.sheet.name)
        bad |= unknown
    if required:
        missing = factor.take([c is None for c in factor.cleaned], True).astype(bool)
        _emit(ctx, missing, rows, col.label, factor.raw(), resolver.missing(), plan.sheet.name)
        bad |= missing
    return codes


def _location(ctx: Context, plan: ColumnPlan, frame: pd.DataFrame, rows: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """The most specific known location per row: admin-2 if the store has it, else admin-1, else country."""
    name = plan.sheet.name
    resolver = ctx.lookups.locations
    result = np.full(len(frame), None, dtype=object)
    adm2 = plan.roles.get(T.LOCATION2)
    if adm2 is not None:
        factor = nz.Factor(frame[adm2.index])
        found = [resolver.resolve(c) if c is not None else None for c in factor.cleaned]
        result = factor.take(found)
        if any(c is not None and f is None for c, f in zip(factor.cleaned, found, strict=True)):
            ctx.warn_once("adm2", Problem(
                _("admin-2 areas not in the store's admin table: those reports are recorded at admin-1"),
                column=adm2.label, severity=WARNING, sheet=name))
    settled = ~_isnull(result)
    for role in (T.LOCATION1, T.LOCATION0):
        col = plan.roles.get(role)
        if col is None:
            continue
        factor = nz.Factor(frame[col.index])
        found = [resolver.resolve(c) if c is not None else None for c in factor.cleaned]
        codes = factor.take(found)
        unknown_u = [c is not None and f is None for c, f in zip(factor.cleaned, found, strict=True)]
        unknown = factor.take(unknown_u, False).astype(bool) & ~settled
        if unknown.any():
            messages = [resolver.message(c) if u and c else None
                        for c, u in zip(factor.cleaned, unknown_u, strict=True)]
            _emit(ctx, unknown, rows, col.label, factor.raw(), factor.take(messages), name)
            bad |= unknown
        fill = ~settled & ~_isnull(codes)
        result[fill] = codes[fill]
        settled |= fill | unknown  # a known-bad admin-1 does not fall back to the country
    missing = ~settled
    if missing.any():
        label = next(plan.roles[r].label for r in (T.LOCATION1, T.LOCATION2, T.LOCATION0) if r in plan.roles)
        _emit(ctx, missing, rows, label, None, resolver.missing(), name)
        bad |= missing
    return result


def _date_info(cleaned: list[str | None], whole_month: bool, today: date,
               is_end: bool) -> tuple[list[object], list[object], list[object]]:
    """Per distinct cell: ISO start, ISO end and a reason (None where not applicable)."""
    this_month = today.replace(day=1)
    too_early = _("before the reporting period, which starts in March 2022")
    in_future = _("in the future (today is {today})").format(today=format_date(today))
    starts: list[object] = []
    ends: list[object] = []
    reasons: list[object] = []
    for text in cleaned:
        parsed = nz.parse_date(text) if text is not None else None
        if not isinstance(parsed, nz.ParsedDate):
            starts.append(None)
            ends.append(None)
            reasons.append(parsed)
            continue
        month = parsed.precision == nz.MONTH or whole_month
        first = parsed.value.replace(day=1) if month else parsed.value
        last = nz.month_end(first) if month or not is_end else parsed.value
        if is_end:
            first = last
        reason = None
        if not is_end and first < FIRST_REPORTING_DAY:
            reason = too_early
        elif (month and first > this_month) or (not month and parsed.value > today):
            reason = in_future
        starts.append(first.isoformat())
        ends.append(last.isoformat())
        reasons.append(reason)
    return starts, ends, reasons


def _periods(ctx: Context, plan: ColumnPlan, frame: pd.DataFrame, rows: np.ndarray,
             bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ISO period start and end per row. A bare #date (or a month) means the whole calendar month; a start
    date without an end runs to the end of its month."""
    name = plan.sheet.name
    col = plan.roles.get(T.DATE_START) or plan.roles[T.DATE]
    factor = nz.Factor(frame[col.index])
    starts, ends, reasons_u = _date_info(factor.cleaned, col.role == T.DATE, ctx.today, is_end=False)
    start, end, reasons = factor.take(starts), factor.take(ends), factor.take(reasons_u)
    has_reason = ~_isnull(reasons)
    _emit(ctx, has_reason, rows, col.label, factor.raw(), reasons, name)
    missing = factor.take([c is None for c in factor.cleaned], True).astype(bool)
    _emit(ctx, missing, rows, col.label, None, _("the reporting period is missing"), name)
    bad |= has_reason | missing
    end_col = plan.roles.get(T.DATE_END)
    if end_col is not None:
        end_factor = nz.Factor(frame[end_col.index])
        _unused, given_u, end_reasons_u = _date_info(end_factor.cleaned, False, ctx.today, is_end=True)
        given, end_reasons = end_factor.take(given_u), end_factor.take(end_reasons_u)
        end_bad = ~_isnull(end_reasons)
        _emit(ctx, end_bad, rows, end_col.label, end_factor.raw(), end_reasons, name)
        use = ~_isnull(given)
        end = np.where(use, given, end)
        both = ~_isnull(start) & ~_isnull(end)
        backwards = np.zeros(len(frame), dtype=bool)
        backwards[both] = end[both].astype(str) < start[both].astype(str)
        _emit(ctx, backwards, rows, end_col.label, end_factor.raw(), _("the period ends before it starts"), name)
        bad |= end_bad | backwards
    return start, end


def transform_chunk(ctx: Context, plan: ColumnPlan, chunk: Chunk) -> pd.DataFrame:
    """Validate one chunk and return its reported values in long form (one row per value cell)."""
    frame, rows, name = chunk.frame, chunk.rows, plan.sheet.name
    used = list(dict.fromkeys([c.index for c in plan.roles.values()] + [c.index for c in plan.values]))
    filled = np.zeros(len(frame), dtype=bool)
    for i in used:
        factor = nz.Factor(frame[i])
        filled |= factor.take([c is not None for c in factor.cleaned], False).astype(bool)
    if not filled.any():
        return pd.DataFrame()
    if not filled.all():
        frame = frame[filled].reset_index(drop=True)
        rows = rows[filled]
    n = len(frame)
    bad = np.zeros(n, dtype=bool)
    org = _resolve(ctx, plan, frame, rows, T.ORG, "organisations", True, bad)
    activity = _resolve(ctx, plan, frame, rows, T.ACTIVITY, "activities", False, bad)
    indicator = _resolve(ctx, plan, frame, rows, T.INDICATOR, "indicators",
                         all(v.default_indicator is None for v in plan.values), bad)
    location = _location(ctx, plan, frame, rows, bad)
    start, end = _periods(ctx, plan, frame, rows, bad)
    dims: dict[str, np.ndarray] = {}
    for dim in DIMS:
        col = plan.roles.get(dim)
        if col is None:
            dims[dim] = np.full(n, ALL, dtype=object)
            continue
        factor = nz.Factor(frame[col.index])
        codes_u, reasons_u = nz.vocabulary_per_unique(dim, factor)
        reasons = factor.take(reasons_u)
        unknown = ~_isnull(reasons)
        _emit(ctx, unknown, rows, col.label, factor.raw(), reasons, name)
        bad |= unknown
        dims[dim] = np.where(unknown, ALL, factor.take(codes_u, ALL))
    note_col = plan.roles.get(T.NOTE)
    note = nz.Factor(frame[note_col.index]).text() if note_col is not None else None

    pieces = []
    for col in plan.values:
        factor = nz.Factor(frame[col.index])
        values_u, reasons_u = nz.number_per_unique(factor)
        present_u = [c is not None for c in factor.cleaned]
        pos = np.flatnonzero(factor.take(present_u, False).astype(bool))
        if not len(pos):
            continue
        codes = factor.codes[pos]
        pieces.append({
            "pos": pos, "value": np.asarray(values_u, dtype="float64")[codes],
            "reason": np.asarray(reasons_u, dtype=object)[codes], "raw": np.asarray(factor.uniques, dtype=object)[codes],
            "column": np.full(len(pos), col.label, dtype=object),
            "default_indicator": np.full(len(pos), col.default_indicator, dtype=object),
            **{"fixed_" + d: np.full(len(pos), col.fixed.get(d, ALL), dtype=object) for d in DIMS},
        })
    has_value = np.zeros(n, dtype=bool)
    for piece in pieces:
        has_value[piece["pos"]] = True
    if (~has_value).any():
        _emit(ctx, ~has_value, rows, plan.values[0].label, None, _("no value in any value column: row skipped"),
              name, WARNING)
    if not pieces:
        return pd.DataFrame()
    long = {key: np.concatenate([p[key] for p in pieces]) for key in pieces[0]}
    pos = long["pos"]
    out_rows = rows[pos]
    ind = indicator[pos]
    ind = np.where(_isnull(ind), long["default_indicator"], ind)
    out_bad = bad[pos]
    out_dims: dict[str, np.ndarray] = {}
    for dim in DIMS:
        fixed, given = long["fixed_" + dim], dims[dim][pos]
        conflict = (fixed != ALL) & (given != ALL) & (fixed != given)
        if conflict.any():
            message = _(CONFLICTS[dim])
            reasons = np.array([message.format(given=g, column=c, fixed=f)
                                for g, c, f in zip(given, long["column"], fixed, strict=True)], dtype=object)
            _emit(ctx, conflict, out_rows, plan.roles[dim].label, given, reasons, name)
            out_bad |= conflict
        out_dims[dim] = np.where(fixed != ALL, fixed, given)
    # Children (0–17) span three of the store's age bands: recorded under CHILDREN_REACHED when the value
    # counts people reached, refused for other indicators.
    kids = out_dims[T.AGE] == T.CHILDREN
    if kids.any():
        people = kids & np.isin(ind.astype(str), [PEOPLE_INDICATOR, CHILDREN_INDICATOR])
        ind = np.where(people, CHILDREN_INDICATOR, ind)
        out_dims[T.AGE] = np.where(kids, ALL, out_dims[T.AGE])
        refused = kids & ~people
        _emit(ctx, refused, out_rows, long["column"], long["raw"],
              _("children (0–17) span the age bands 0-4, 5-11 and 12-17: give the figure by band, or report it "
                "under {indicator}").format(indicator=CHILDREN_INDICATOR), name)
        out_bad |= refused
    _check_values(ctx, long, ind, out_rows, out_bad, name)
    out = pd.DataFrame({
        "row": out_rows,
        "column": pd.Categorical(long["column"]),
        "organisation": _categorical(org[pos], ctx.categories["organisation"]),
        "indicator": _categorical(ind, ctx.categories["indicator"]),
        "activity": _categorical(activity[pos], ctx.categories["activity"]),
        "location": _categorical(location[pos], ctx.categories["location"]),
        "period_start": pd.Categorical(start[pos]),
        "period_end": pd.Categorical(end[pos]),
        **{dim: _categorical(out_dims[dim], ctx.categories[dim]) for dim in DIMS},
        "value": long["value"],
        "bad": out_bad,
    })
    if note is not None:
        out["note"] = pd.Series(note[pos], dtype=object)
    months = np.array([str(c)[:7] for c in out["period_start"].cat.categories] + [None], dtype=object)
    out["period_month"] = pd.Categorical(months[out["period_start"].cat.codes.to_numpy()])
    return out


def _categorical(values: np.ndarray, categories: list[str]) -> pd.Categorical:
    """A categorical with fixed categories, built from codes (never converting the values to Arrow strings)."""
    codes, uniques = pd.factorize(values)
    position = {c: i for i, c in enumerate(categories)}
    table = np.array([position.get(u, -1) for u in uniques] + [-1], dtype="int64")
    return pd.Categorical.from_codes(table[codes], categories=categories)


def _check_values(ctx: Context, long: dict[str, np.ndarray], indicator: np.ndarray, rows: np.ndarray,
                  bad: np.ndarray, sheet: str | None) -> None:
    value = long["value"]
    units = pd.Series(indicator, dtype=object).map(ctx.lookups.indicator_units).fillna("").to_numpy(dtype=str)
    percent = np.char.startswith(units, "%")
    known = ~np.isnan(value)
    whole = np.zeros(len(value), dtype=bool)
    whole[known] = value[known] == np.floor(value[known])
    checks: list[tuple[np.ndarray, Reason]] = [
        (~_isnull(long["reason"]), long["reason"]),
        (known & (value < 0), _("negative: counts cannot be below zero")),
        (~percent & known & (value >= 0) & ~whole, _("not a whole number: this indicator counts whole units")),
        (percent & known & (value > 100), _("a percentage above 100")),
    ]
    for mask, reason in checks:
        if mask.any():
            _emit(ctx, mask, rows, long["column"], long["raw"], reason, sheet)
            bad |= mask


# --- Rules over the whole file ------------------------------------------------------------------------------

def check_file(ctx: Context, facts: pd.DataFrame) -> None:
    """Duplicates within the file and disaggregations that add up to more than their total (marks ``bad``)."""
    if facts.empty:
        return
    if "sheet" not in facts.columns:
        facts["sheet"] = ""
    good = facts[facts["indicator"].notna() & facts["organisation"].notna() & facts["location"].notna()
                 & facts["period_start"].notna()]
    _duplicates(ctx, good, facts)
    _sums(ctx, good, facts)


def _key_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    keyed = frame[columns].copy()
    for col in columns:
        if isinstance(keyed[col].dtype, pd.CategoricalDtype):
            keyed[col] = keyed[col].cat.codes
        else:
            keyed[col] = keyed[col].fillna("")
    return keyed


def _duplicates(ctx: Context, good: pd.DataFrame, facts: pd.DataFrame) -> None:
    keyed = _key_frame(good, KEY)
    dup = keyed.duplicated(keep="first")
    if not dup.any():
        return
    group = keyed.groupby(KEY, sort=False, observed=True).ngroup()
    firsts = good[["row", "value", "column", "sheet"]].astype({"column": str}).groupby(group.to_numpy(), sort=False)
    first = firsts.transform("first")
    dup_index = good.index[dup.to_numpy()]
    room = max(0, MAX_LISTED - len(ctx.report.problems))
    ctx.report.uncounted[ERROR] += max(0, len(dup_index) - room)
    for idx in dup_index[:room]:
        row, first_row = int(good.at[idx, "row"]), int(first.at[idx, "row"])
        value, first_value = good.at[idx, "value"], first.at[idx, "value"]
        first_sheet = first.at[idx, "sheet"]
        if first_sheet != good.at[idx, "sheet"]:
            reason = _("duplicate of sheet '{sheet}' row {row}: same organisation, indicator, activity, location, "
                       "period and disaggregation").format(sheet=first_sheet, row=first_row)
        elif first_row != row:
            reason = _("duplicate of row {row}: same organisation, indicator, activity, location, period and "
                       "disaggregation").format(row=first_row)
        else:
            reason = _("duplicate of column {column} of the same row: same organisation, indicator, activity, "
                       "location, period and disaggregation").format(column=first.at[idx, "column"])
        if value != first_value:
            reason = _("{reason}, with a different value ({value} there)").format(reason=reason,
                                                                                  value=_fmt(first_value))
        ctx.report.add(Problem(reason, row, str(good.at[idx, "column"]), _fmt(value), ERROR,
                               good.at[idx, "sheet"] or None))
    facts.loc[dup_index, "bad"] = True


def _and(dimensions: tuple[str, ...]) -> str:
    """``sex, age band and population group``: dimension names listed in the current language."""
    return format_list([dimension_label(d) for d in dimensions], locale=babel_locale())


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _sums(ctx: Context, good: pd.DataFrame, facts: pd.DataFrame) -> None:
    cats = good["indicator"].cat.categories
    percent = np.array([str(ctx.lookups.indicator_units.get(c, "")).startswith("%") for c in cats] + [False])
    frame = good[~percent[good["indicator"].cat.codes.to_numpy()]]
    if frame.empty:
        return
    nonall = np.column_stack([(frame[d] != ALL).to_numpy(dtype=bool) for d in DIMS])
    pattern = nonall.astype(int) @ (1 << np.arange(len(DIMS)))
    present = set(np.unique(pattern).tolist())
    if present == {0}:
        return
    group = _key_frame(frame, GROUP).groupby(GROUP, sort=False, observed=True).ngroup().to_numpy()
    base = frame.assign(_group=group, _pattern=pattern, _idx=frame.index)
    for d in DIMS:
        base[d] = base[d].cat.codes
    for p in sorted(present - {0}):
        members = [DIMS[i] for i in range(len(DIMS)) if p >> i & 1]
        children = base[base["_pattern"] == p]
        for size in range(len(members)):
            for kept in combinations(members, size):
                q = sum(1 << DIMS.index(d) for d in kept)
                if q not in present:
                    continue
                keys = ["_group", *kept]
                sums = children.groupby(keys)["value"].sum().rename("sum")
                tops = base[base["_pattern"] == q].drop_duplicates(keys).set_index(keys)[
                    ["value", "row", "column", "_idx", "sheet"]]
                joined = tops.join(sums, how="inner")
                over = joined[joined["sum"] > joined["value"] + 1e-9]
                if over.empty:
                    continue
                split = " × ".join(dimension_label(d) for d in members if d not in kept)
                for hit in over.itertuples(index=False):
                    if kept:
                        reason = _("the figures by {split} within the same {dimensions} add up to {sum}, more than "
                                   "their total {total}").format(split=split, dimensions=_and(kept),
                                                                 sum=_fmt(hit.sum), total=_fmt(hit.value))
                    else:
                        reason = _("the figures by {split} add up to {sum}, more than their total {total}").format(
                            split=split, sum=_fmt(hit.sum), total=_fmt(hit.value))
                    ctx.report.add(Problem(reason, int(hit.row), str(hit.column), _fmt(hit.value), ERROR,
                                           hit.sheet or None))
                facts.loc[over["_idx"].to_numpy(), "bad"] = True
