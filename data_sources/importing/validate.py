"""From text chunks to validated facts: one row of the long result per reported value.

:func:`plan_columns` decides what each column means; :func:`transform_chunk` resolves and checks one chunk
(row-level rules); :func:`check_file` runs the rules that need the whole file (duplicates, disaggregations
that add up to more than their total). Problems go into the :class:`Report`; rows with an error are
flagged ``bad`` so a partial import can leave them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

import numpy as np
import pandas as pd

from dashboard.vocab import AGE_BANDS, ALL, DISABILITY, POPULATION_GROUPS, SEX
from data_sources.importing import normalise as nz
from data_sources.importing import tags as T
from data_sources.importing.errors import ERROR, WARNING, ImportFileError, Problem, Report
from data_sources.importing.lookups import StoreLookups
from data_sources.importing.readers import Chunk, Sheet

FIRST_REPORTING_DAY = date(2022, 3, 1)
PEOPLE_INDICATOR, CHILDREN_INDICATOR = "PPL_REACHED", "CHILDREN_REACHED"
KEY = ["organisation", "indicator", "activity", "location", "period_start", "period_end",
       "sex", "age_band", "population_group", "disability"]
GROUP = KEY[:6]
DIMS = [T.SEX, T.AGE, T.POPULATION, T.DISABILITY]
DIM_LABELS = {T.SEX: "sex", T.AGE: "age band", T.POPULATION: "population group", T.DISABILITY: "disability"}


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
    labels = sheet.labels() if sheet.tags is not None else [
        str(tags[i]) if i < len(tags) and tags[i] is not None else lab for i, lab in enumerate(sheet.labels())
    ]
    columns: list[T.ColumnRole] = []
    notes: list[str] = []
    for i in range(sheet.width):
        spec = tags[i] if i < len(tags) else None
        has_data = any(i < len(r) and r[i].strip() for r in sheet.sample)
        col, found = T.classify(i, labels[i], spec, numeric_hint=_numeric_share(sheet.sample, i) >= 0.8)
        if spec is None and (has_data or (i < len(sheet.header) and sheet.header[i].strip())):
            found.append(f"column {labels[i]} has no HXL tag; not used" if sheet.tags is not None
                         else f"column {labels[i]} is not mapped; not used")
        columns.append(col)
        notes.extend(found)
    roles, values, more = T.assign_roles(columns)
    notes.extend(more)
    missing = []
    if T.ORG not in roles:
        missing.append("the organisation (#org+name)")
    if not roles.keys() & {T.LOCATION0, T.LOCATION1, T.LOCATION2}:
        missing.append("the location (#adm1+code, #adm1+name or #country+code)")
    if not roles.keys() & {T.DATE, T.DATE_START}:
        missing.append("the reporting period (#date+start, or #date for the month)")
    if not values:
        missing.append("a value column (#indicator+value, or #reached with disaggregation attributes)")
    elif T.INDICATOR not in roles and any(v.default_indicator is None for v in values):
        missing.append("the indicator (#indicator+code), needed for the #indicator+value / #value columns")
    if missing:
        where = f"sheet '{sheet.name}': " if sheet.name else ""
        raise ImportFileError(
            f"{where}no column gives " + "; no column gives ".join(missing),
            [Problem(f"no column gives {m}; add the HXL tag in the tag row, or choose it in the column mapping",
                     sheet=sheet.name) for m in missing],
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


def categories_for(lookups: StoreLookups) -> dict[str, list[str]]:
    """Fixed categories per code column, so chunks concatenate as compact categoricals."""
    return {
        "organisation": sorted(set(lookups.organisations.labels)),
        "indicator": sorted(lookups.indicators.labels),
        "activity": sorted(lookups.activities.labels),
        "location": sorted(lookups.locations.labels),
        T.SEX: list(SEX), T.AGE: list(AGE_BANDS), T.POPULATION: list(POPULATION_GROUPS), T.DISABILITY: list(DISABILITY),
    }


def _emit(ctx: Context, mask: pd.Series, rows: np.ndarray, column: str | pd.Series, raw: pd.Series,
          reason: str | pd.Series, sheet: str | None, severity: str = ERROR) -> None:
    """Add one problem per True in ``mask``; column, raw value and reason may vary per cell (series aligned
    with ``mask`` by position)."""
    hits = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
    if not len(hits):
        return
    room = max(0, 100_000 - len(ctx.report.problems))
    for pos in hits[:room]:
        why = reason if isinstance(reason, str) else str(reason.iloc[pos])
        label = column if isinstance(column, str) else str(column.iloc[pos])
        value = raw.iloc[pos]
        ctx.report.add(Problem(why, int(rows[pos]), label, None if pd.isna(value) else str(value), severity, sheet))
    if len(hits) > room:
        ctx.report.uncounted[severity] += len(hits) - room


def _resolve(ctx: Context, plan: ColumnPlan, chunk: Chunk, role: str, kind: str, required: bool,
             bad: pd.Series) -> pd.Series:
    """Codes for one identity role (NaN where missing or unknown), reporting unknown and missing values."""
    col = plan.roles.get(role)
    n = len(chunk.frame)
    if col is None:
        return pd.Series(np.nan, index=chunk.frame.index, dtype="object")
    raw = chunk.frame[col.index]
    text = nz.clean_text(raw)
    resolver = getattr(ctx.lookups, kind)
    uniques = pd.unique(text.dropna())
    found = {u: resolver.resolve(str(u)) for u in uniques}
    codes = text.map({k: v for k, v in found.items() if v is not None})
    unknown = text.notna() & codes.isna()
    if unknown.any():
        messages = {u: resolver.message(str(u)) for u, v in found.items() if v is None}
        _emit(ctx, unknown, chunk.rows, col.label, raw, text.map(messages), plan.sheet.name)
        bad |= unknown
    if required:
        missing = text.isna()
        if missing.any() and n:
            _emit(ctx, missing, chunk.rows, col.label, raw, f"the {resolver.kind} is missing", plan.sheet.name)
            bad |= missing
    return codes


def _location(ctx: Context, plan: ColumnPlan, chunk: Chunk, bad: pd.Series) -> pd.Series:
    """The most specific known location per row: admin-2 if the store has it, else admin-1, else country."""
    frame, name = chunk.frame, plan.sheet.name
    result = pd.Series(np.nan, index=frame.index, dtype="object")
    resolver = ctx.lookups.locations
    adm2 = plan.roles.get(T.LOCATION2)
    if adm2 is not None:
        text = nz.clean_text(frame[adm2.index])
        found = {u: resolver.resolve(str(u)) for u in pd.unique(text.dropna())}
        result = text.map({k: v for k, v in found.items() if v is not None})
        if any(v is None for v in found.values()):
            ctx.warn_once("adm2", Problem(
                "admin-2 areas not in the store's admin table: those reports are recorded at admin-1",
                column=adm2.label, severity=WARNING, sheet=name))
    for role in (T.LOCATION1, T.LOCATION0):
        col = plan.roles.get(role)
        if col is None:
            continue
        raw = frame[col.index]
        text = nz.clean_text(raw)
        found = {u: resolver.resolve(str(u)) for u in pd.unique(text.dropna())}
        codes = text.map({k: v for k, v in found.items() if v is not None})
        unknown = text.notna() & codes.isna() & result.isna()
        if unknown.any():
            messages = {u: resolver.message(str(u)) for u, v in found.items() if v is None}
            _emit(ctx, unknown, chunk.rows, col.label, raw, text.map(messages), name)
            bad |= unknown
            result = result.mask(unknown, "")  # known-bad: do not fall back to the country
        result = result.fillna(codes)
    result = result.replace("", np.nan)
    missing = result.isna() & ~bad
    if missing.any():
        label = next(plan.roles[r].label for r in (T.LOCATION1, T.LOCATION2, T.LOCATION0) if r in plan.roles)
        _emit(ctx, missing, chunk.rows, label, pd.Series([np.nan] * len(frame), index=frame.index),
              "the location is missing", name)
        bad |= missing
    return result


def _date_info(text: pd.Series, whole_month: bool, today: date, is_end: bool) -> dict[str, tuple[str, str, str]]:
    """Per distinct cell: (ISO start or '', ISO end or '', reason or '')."""
    this_month = today.replace(day=1)
    info: dict[str, tuple[str, str, str]] = {}
    for raw in pd.unique(text.dropna()):
        parsed = nz.parse_date(str(raw))
        if isinstance(parsed, str):
            info[raw] = ("", "", parsed)
            continue
        month = parsed.precision == nz.MONTH or whole_month
        first = parsed.value.replace(day=1) if month else parsed.value
        last = nz.month_end(first) if month or not is_end else parsed.value
        if is_end:
            first = last
        reason = ""
        if not is_end and first < FIRST_REPORTING_DAY:
            reason = "before the reporting period, which starts in March 2022"
        elif (month and first > this_month) or (not month and parsed.value > today):
            reason = f"in the future (today is {today})"
        info[raw] = (first.isoformat(), last.isoformat(), reason)
    return info


def _periods(ctx: Context, plan: ColumnPlan, chunk: Chunk, bad: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ISO period start and end per row. A bare #date (or a month) means the whole calendar month; a start
    date without an end runs to the end of its month."""
    frame, name, rows = chunk.frame, plan.sheet.name, chunk.rows
    col = plan.roles.get(T.DATE_START) or plan.roles[T.DATE]
    raw = frame[col.index]
    text = nz.clean_text(raw)
    info = _date_info(text, col.role == T.DATE, ctx.today, is_end=False)
    start = text.map({k: v[0] for k, v in info.items() if v[0]})
    end = text.map({k: v[1] for k, v in info.items() if v[1]})
    reasons = text.map({k: v[2] for k, v in info.items() if v[2]})
    _emit(ctx, reasons.notna(), rows, col.label, raw, reasons, name)
    missing = text.isna()
    _emit(ctx, missing, rows, col.label, raw, "the reporting period is missing", name)
    bad |= reasons.notna() | missing
    end_col = plan.roles.get(T.DATE_END)
    if end_col is not None:
        raw_end = frame[end_col.index]
        text_end = nz.clean_text(raw_end)
        info_end = _date_info(text_end, False, ctx.today, is_end=True)
        given = text_end.map({k: v[1] for k, v in info_end.items() if v[1]})
        end_reasons = text_end.map({k: v[2] for k, v in info_end.items() if v[2]})
        _emit(ctx, end_reasons.notna(), rows, end_col.label, raw_end, end_reasons, name)
        end = given.astype(object).fillna(end)
        backwards = (start.notna() & end.notna() & (end < start)).fillna(False).astype(bool)
        _emit(ctx, backwards, rows, end_col.label, raw_end, "the period ends before it starts", name)
        bad |= end_reasons.notna() | backwards
    return start, end


def transform_chunk(ctx: Context, plan: ColumnPlan, chunk: Chunk) -> pd.DataFrame:
    """Validate one chunk and return its reported values in long form (one row per value cell)."""
    frame, rows, name = chunk.frame, chunk.rows, plan.sheet.name
    used = [c.index for c in plan.roles.values()] + [c.index for c in plan.values]
    cleaned = {i: nz.clean_text(frame[i]) for i in dict.fromkeys(used)}
    blank = pd.concat([v.isna() for v in cleaned.values()], axis=1).all(axis=1)
    if blank.all():
        return pd.DataFrame()
    if blank.any():
        keep = ~blank.to_numpy()
        frame = frame[keep].reset_index(drop=True)
        rows = rows[keep]
        chunk = Chunk(frame, rows)
    bad = pd.Series(False, index=frame.index)
    org = _resolve(ctx, plan, chunk, T.ORG, "organisations", True, bad)
    activity = _resolve(ctx, plan, chunk, T.ACTIVITY, "activities", False, bad)
    indicator = _resolve(ctx, plan, chunk, T.INDICATOR, "indicators",
                         all(v.default_indicator is None for v in plan.values), bad)
    location = _location(ctx, plan, chunk, bad)
    start, end = _periods(ctx, plan, chunk, bad)
    dims: dict[str, pd.Series] = {}
    for dim in DIMS:
        col = plan.roles.get(dim)
        if col is None:
            dims[dim] = pd.Series(ALL, index=frame.index, dtype="object")
            continue
        codes, reasons = nz.parse_vocabulary(dim, frame[col.index])
        _emit(ctx, reasons.notna(), rows, col.label, frame[col.index], reasons, name)
        bad |= reasons.notna()
        dims[dim] = codes.fillna(ALL)
    note_col = plan.roles.get(T.NOTE)
    note = nz.clean_text(frame[note_col.index]) if note_col is not None else None

    pieces = []
    for col in plan.values:
        numbers, reasons = nz.parse_numbers(frame[col.index])
        present = np.flatnonzero((numbers.notna() | reasons.notna()).to_numpy())
        if not len(present):
            continue
        piece = pd.DataFrame({"pos": present, "value": numbers.to_numpy()[present],
                              "reason": reasons.to_numpy()[present]})
        piece["column"] = col.label
        piece["col_index"] = col.index
        piece["default_indicator"] = col.default_indicator
        for dim in DIMS:
            piece["fixed_" + dim] = col.fixed.get(dim, ALL)
        pieces.append(piece)
    has_value = np.zeros(len(frame), dtype=bool)
    if pieces:
        long = pd.concat(pieces, ignore_index=True)
        has_value[long["pos"].to_numpy()] = True
    else:
        long = pd.DataFrame(columns=["pos", "value", "reason", "column", "col_index", "default_indicator"]
                            + ["fixed_" + d for d in DIMS])
    no_value = pd.Series(~has_value, index=frame.index)
    if no_value.any():
        _emit(ctx, no_value, rows, plan.values[0].label, pd.Series([np.nan] * len(frame), index=frame.index),
              "no value in any value column: row skipped", name, WARNING)
    if long.empty:
        return pd.DataFrame()
    pos = long["pos"].to_numpy()
    out = pd.DataFrame({
        "row": rows[pos],
        "column": long["column"].to_numpy(),
        "organisation": org.to_numpy()[pos],
        "activity": activity.to_numpy()[pos],
        "location": location.to_numpy()[pos],
        "period_start": pd.Series(start.to_numpy()[pos], dtype="str"),
        "period_end": pd.Series(end.to_numpy()[pos], dtype="str"),
        "value": long["value"].to_numpy(dtype="float64"),
    })
    out["indicator"] = pd.Series(indicator.to_numpy()[pos]).fillna(long["default_indicator"]).to_numpy()
    out["bad"] = bad.to_numpy()[pos]
    raw_values = pd.Series([frame.iat[p, c] for p, c in zip(pos, long["col_index"], strict=True)])
    for dim in DIMS:
        fixed = long["fixed_" + dim].to_numpy()
        given = dims[dim].to_numpy()[pos]
        conflict = (fixed != ALL) & (given != ALL) & (fixed != given)
        if conflict.any():
            reasons = pd.Series([f"the {DIM_LABELS[dim]} column says '{g}' but the value column {c} is for '{f}'"
                                 for g, c, f in zip(given, long["column"], fixed, strict=True)])
            _emit(ctx, pd.Series(conflict), out["row"].to_numpy(), plan.roles[dim].label, pd.Series(given), reasons,
                  name)
            out.loc[conflict, "bad"] = True
        out[dim] = np.where(fixed != ALL, fixed, given)
    _children(ctx, out, raw_values, name)
    _check_values(ctx, out, long["reason"], raw_values, name)
    if note is not None:
        out["note"] = note.to_numpy()[pos]
    out["period_month"] = out["period_start"].str.slice(0, 7)
    for column in ("organisation", "indicator", "activity", "location", *DIMS):
        out[column] = pd.Categorical(out[column], categories=ctx.categories[column])
    out["column"] = out["column"].astype("category")
    return out


def _children(ctx: Context, out: pd.DataFrame, raw: pd.Series, sheet: str | None) -> None:
    """Children (0–17) span three of the store's age bands: recorded under CHILDREN_REACHED when the value
    counts people reached, refused for other indicators."""
    kids = out[T.AGE] == T.CHILDREN
    if not kids.any():
        return
    people = kids & out["indicator"].isin([PEOPLE_INDICATOR, CHILDREN_INDICATOR])
    out.loc[people, "indicator"] = CHILDREN_INDICATOR
    out.loc[kids, T.AGE] = ALL
    refused = kids & ~people
    if refused.any():
        _emit(ctx, refused, out["row"].to_numpy(), out["column"], raw,
              "children (0–17) span the age bands 0-4, 5-11 and 12-17: give the figure by band, or report it "
              f"under {CHILDREN_INDICATOR}", sheet)
        out.loc[refused, "bad"] = True


def _check_values(ctx: Context, out: pd.DataFrame, reasons: pd.Series, raw: pd.Series, sheet: str | None) -> None:
    rows = out["row"].to_numpy()
    value = out["value"]
    units = out["indicator"].map(ctx.lookups.indicator_units).fillna("")
    percent = units.str.startswith("%")
    checks: list[tuple[pd.Series, str | pd.Series]] = [
        (reasons.notna(), reasons.fillna("").astype(str)),
        (value < 0, "negative: counts cannot be below zero"),
        (~percent & value.notna() & (value >= 0) & (value != np.floor(value)),
         "not a whole number: this indicator counts whole units"),
        (percent & (value > 100), "a percentage above 100"),
    ]
    for mask, reason in checks:
        mask = mask.fillna(False).astype(bool).reset_index(drop=True)
        if mask.any():
            _emit(ctx, mask, rows, out["column"].reset_index(drop=True), raw.reset_index(drop=True),
                  reason if isinstance(reason, str) else reason.reset_index(drop=True), sheet)
            out.loc[mask.to_numpy(), "bad"] = True


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
    for idx in good.index[dup.to_numpy()]:
        row, first_row = int(good.at[idx, "row"]), int(first.at[idx, "row"])
        value, first_value = good.at[idx, "value"], first.at[idx, "value"]
        first_sheet = first.at[idx, "sheet"]
        where = f"row {first_row}" if first_row != row else f"column {first.at[idx, 'column']} of the same row"
        if first_sheet != good.at[idx, "sheet"]:
            where = f"sheet '{first_sheet}' row {first_row}"
        reason = (f"duplicate of {where}: same organisation, indicator, activity, location, period and "
                  "disaggregation")
        if value != first_value:
            reason += f", with a different value ({_fmt(first_value)} there)"
        ctx.report.add(Problem(reason, row, str(good.at[idx, "column"]), _fmt(value), ERROR,
                               good.at[idx, "sheet"] or None))
    facts.loc[good.index[dup.to_numpy()], "bad"] = True


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _sums(ctx: Context, good: pd.DataFrame, facts: pd.DataFrame) -> None:
    units = good["indicator"].astype(str).map(ctx.lookups.indicator_units).fillna("")
    frame = good[~units.str.startswith("%")]
    if frame.empty:
        return
    nonall = np.column_stack([(frame[d].astype(str) != ALL).to_numpy() for d in DIMS])
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
                split = " × ".join(DIM_LABELS[d] for d in members if d not in kept)
                within = " within the same " + " and ".join(DIM_LABELS[d] for d in kept) if kept else ""
                for hit in over.itertuples(index=False):
                    ctx.report.add(Problem(
                        f"the figures by {split}{within} add up to {_fmt(hit.sum)}, more than their total "
                        f"{_fmt(hit.value)}", int(hit.row), str(hit.column), _fmt(hit.value), ERROR,
                        hit.sheet or None))
                facts.loc[over["_idx"].to_numpy(), "bad"] = True
