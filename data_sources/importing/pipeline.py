"""Import, dry run, rollback and history: the functions the CLI and the Import page call.

One import = one transaction = one ``import_batches`` row carrying the file's sha256. The same file twice
changes nothing ("already imported as batch N"). A newer report for the same organisation × indicator ×
activity × location × period × sex × age band × population group × disability replaces the older one: the
old fact stays in the table with ``replaced_by`` = the new batch (history), and queries read only
``replaced_by IS NULL``. Rolling back a batch deletes its facts and puts back what it replaced.

Messages (summaries, rejections, the notes stored with a batch) are in the current language when produced:
English on the command line, the reader's on the Import page; stored notes stay as written. The audit log
and everything read back as data (statuses, codes, mappings) are language-neutral.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Select, String, bindparam, cast, func, select, text, update
from sqlalchemy.exc import DBAPIError

from dashboard import store
from dashboard.i18n import N_, _, format_number, ngettext
from dashboard.quality_rules import RULES, evaluate_rules
from data_sources.batches import Lookups, close_batch, insert_facts, open_batch, utcnow
from data_sources.importing import mappings as maps
from data_sources.importing import privacy
from data_sources.importing import tags as T
from data_sources.importing import validate as V
from data_sources.importing.errors import ERROR, WARNING, ImportFileError, Problem, Report
from data_sources.importing.lookups import StoreLookups
from data_sources.importing.readers import CHUNK_ROWS, Chunk, Sheet, read_file

FILE_SOURCE = "file import"
OLD_ROWS_PER_PART = 100_000
Progress = Callable[[float, str], None]
_ID_KEY = ["organisation_id", "indicator_id", "activity_id", "location_id", "period_start", "period_end",
           "sex", "age_band", "population_group", "disability"]


class MappingNeeded(ImportFileError):
    """An untagged file whose header has no saved column mapping yet: the page offers ``guess`` to edit."""

    def __init__(self, headers: list[str], guess: dict[str, str], sheet: str | None) -> None:
        self.headers = headers
        self.guess = guess
        self.sheet = sheet
        super().__init__(_(
            "the file has no HXL tag row and no saved column mapping for its header: choose the mapping once on "
            "the Import page (it is saved for files with the same header), or add a row of HXL tags under the "
            "header (see the template's second row)"
        ))


@dataclass
class Changes:
    """What an import would change in the store."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    replaced_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype="int64"))
    changed_values: pd.DataFrame = field(default_factory=pd.DataFrame)  # every changed value, old → new

    @property
    def examples(self) -> pd.DataFrame:
        """The first 200 changed values, as plain text columns for display."""
        return self.changed_values.head(200).astype({c: "object" for c in [*V.KEY, "column"]
                                                    if c in self.changed_values.columns})


@dataclass
class ImportPlan:
    """A read and validated file, ready to import (or to show as a dry run / preview)."""

    file_name: str
    content_hash: str
    report: Report
    facts: pd.DataFrame
    sheets: list[V.ColumnPlan]
    rows_read: int
    already_imported: int | None = None
    changes: Changes = field(default_factory=Changes)
    data_version: int | None = None  # the store's data version the changes were worked out against
    mapping: dict[str, str] | None = None  # the column mapping used for an untagged file (header → tag)
    headers: list[str] = field(default_factory=list)  # that file's header keys

    @property
    def importable(self) -> pd.DataFrame:
        return self.facts[~self.facts["bad"]] if not self.facts.empty else self.facts

    def preview(self, rows: int = 50) -> pd.DataFrame:
        """The first validated values, as they would be stored."""
        cols = ["row", "column", *V.KEY, "value"]
        if self.facts.empty:
            return pd.DataFrame(columns=cols)
        return self.facts[cols].head(rows).astype({c: "object" for c in V.KEY})

    def summary(self) -> str:
        if self.already_imported is not None:
            return _("{file}: already imported as batch {batch}; nothing changed").format(
                file=self.file_name, batch=self.already_imported)
        c = self.changes
        n = format_number
        return _("{file}: {rows} rows read, {valid} values valid ({new} new, {changed} changed, {unchanged} "
                 "unchanged re-reports), {errors} errors, {warnings} warnings").format(
            file=self.file_name, rows=n(self.rows_read), valid=n(len(self.importable)), new=n(c.new),
            changed=n(c.changed), unchanged=n(c.unchanged), errors=n(self.report.error_count),
            warnings=n(len(self.report.warnings)))


@dataclass(frozen=True)
class ImportResult:
    status: str  # committed, already_imported, dry_run
    batch_id: int | None
    rows: int
    replaced: int
    plan: ImportPlan

    def summary(self) -> str:
        if self.status == "committed":
            left_out = self.plan.facts.loc[self.plan.facts["bad"], "row"].nunique() if not self.plan.report.ok else 0
            done = _("imported {file} as batch {batch}: {values} values written, {replaced} older reports replaced "
                     "({changed} with a new value)").format(
                file=self.plan.file_name, batch=self.batch_id, values=format_number(self.rows),
                replaced=format_number(self.replaced), changed=format_number(self.plan.changes.changed))
            if left_out:
                done = ngettext("{summary}; {n} row with errors left out", "{summary}; {n} rows with errors left out",
                                int(left_out)).format(summary=done, n=format_number(int(left_out)))
            return done
        if self.status == "dry_run":
            return _("dry run, nothing written: {summary}").format(summary=self.plan.summary())
        return self.plan.summary()


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _drop_overflowing_rows(chunk: Chunk, report: Report, sheet: str | None) -> Chunk:
    """Rows with filled cells beyond the header's last column are errors (their cells are probably shifted by a
    delimiter inside an unquoted cell) and are not read further."""
    assert chunk.overflow is not None
    wide = chunk.overflow.notna().to_numpy()
    for pos in np.flatnonzero(wide):
        report.add(Problem(_("this row has more cells than the header has columns: probably a comma or semicolon "
                             "inside a cell without quotes, which shifts the cells after it"), int(chunk.rows[pos]),
                           _("beyond the last column"), str(chunk.overflow.iloc[pos]), ERROR, sheet))
    keep = ~wide
    return Chunk(chunk.frame[keep].reset_index(drop=True), chunk.rows[keep])


def _find_batch(conn: Connection, digest: str) -> int | None:
    b = store.import_batches.c
    row = conn.execute(select(b.id).where(b.content_hash == digest, b.source == FILE_SOURCE,
                                          b.status == "committed").order_by(b.id.desc())).first()
    return int(row[0]) if row else None


def _sheet_tags(conn: Connection, sheet: Sheet, mapping: dict[str, str] | None) -> list:  # type: ignore[type-arg]
    if sheet.tags is not None:
        return sheet.tags
    chosen = mapping if mapping is not None else maps.find_mapping(conn, sheet.header)
    if chosen is None:
        raise MappingNeeded(maps.header_keys(sheet.header), maps.guess_mapping(sheet.header), sheet.name)
    return maps.tags_from_mapping(sheet.header, chosen)


def plan_import(engine: Engine, data: bytes, file_name: str, *, mapping: dict[str, str] | None = None,
                today: date | None = None, progress: Progress | None = None) -> ImportPlan:
    """Read and validate a file against the store, and work out what importing it would change.

    Raises :class:`ImportFileError` for a file that cannot be read at all (or :class:`MappingNeeded`);
    row-level problems go into the plan's report.
    """
    today = today or date.today()
    digest = content_hash(data)
    report = Report()
    with engine.connect() as conn:
        already = _find_batch(conn, digest)
        version = store.read_data_version(conn)
        if already is not None:  # the same bytes were imported: nothing to read or check
            return ImportPlan(file_name, digest, report, pd.DataFrame(columns=[*V.KEY, "value", "bad", "row"]), [], 0,
                              already, data_version=version)
        sheets = read_file(data, file_name)
        lookups = StoreLookups.read(conn)
        plans = [V.plan_columns(sheet, _sheet_tags(conn, sheet, mapping)) for sheet in sheets]
        untagged = next((sheet for sheet in sheets if sheet.tags is None), None)
        used_mapping = None if untagged is None else (mapping or maps.find_mapping(conn, untagged.header))
        headers = [] if untagged is None else maps.header_keys(untagged.header)
    refused = []
    for plan in plans:
        report.extend([Problem(note, severity=WARNING, sheet=plan.sheet.name) for note in plan.sheet.notes])
        report.extend(plan.warnings)
        refused.extend(privacy.header_problems(plan.columns, plan.sheet.header))
    if refused:
        raise ImportFileError(_("the file holds personal data"), refused)
    ctx = V.Context(lookups, today, report, V.categories_for(lookups))
    frames = []
    rows_read = 0
    for plan in plans:
        checked: set[int] = set()
        estimate = max(plan.sheet.estimated_rows or 0, 1)
        for chunk in plan.sheet.chunks(CHUNK_ROWS):
            rows_read += len(chunk.frame)
            for col in plan.columns:
                if col.index not in checked and col.index in chunk.frame.columns:
                    found = privacy.content_problems(col, chunk.frame[col.index], pd.Series(chunk.rows))
                    if found:
                        for p in found:
                            refused.append(Problem(p.reason, p.row, p.column, p.value, ERROR, plan.sheet.name))
                        checked.add(col.index)
            if chunk.overflow is not None:
                beyond = T.ColumnRole(plan.sheet.width, _("beyond the last column"), None)
                refused.extend(privacy.content_problems(beyond, chunk.overflow, pd.Series(chunk.rows)))
                chunk = _drop_overflowing_rows(chunk, report, plan.sheet.name)
            if refused:
                raise ImportFileError(_("the file holds personal data"), refused)
            part = V.transform_chunk(ctx, plan, chunk)
            if not part.empty:
                part["sheet"] = pd.Categorical.from_codes(np.zeros(len(part), dtype="int64"), [plan.sheet.name or ""])
                frames.append(part)
            if progress is not None:
                progress(min(0.9, 0.9 * rows_read / estimate),
                         _("checked {n} rows").format(n=format_number(rows_read)))
    for column in ("period_start", "period_end", "period_month", "column", "sheet"):
        # Chunks have their own categories for these; give them one set so the concatenation stays categorical.
        union = sorted({str(c) for f in frames for c in f[column].cat.categories})
        for f in frames:
            f[column] = f[column].cat.set_categories(union)
    facts = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*V.KEY, "value", "bad", "row"])
    if not facts.empty:
        V.check_file(ctx, facts)
        # A row with any error is left out whole by a partial import.
        facts["bad"] = facts.groupby(["sheet", "row"], sort=False)["bad"].transform("any")
        _check_quality_rules(facts, report, today)
    elif report.ok:
        report.add(Problem(_("the file has no values to import"), severity=ERROR))
    plan_out = ImportPlan(file_name, digest, report, facts, plans, rows_read, already, data_version=version,
                          mapping=used_mapping, headers=headers)
    if already is None and not facts.empty:
        if progress is not None:
            progress(0.92, _("comparing with the stored reports"))
        with engine.connect() as conn:
            plan_out.changes = compare(conn, plan_out.importable)
    return plan_out


def _check_quality_rules(facts: pd.DataFrame, report: Report, today: date, listed: int = 200) -> None:
    """The data-quality rules (the same table the Data quality page evaluates) over the rows that passed,
    as warnings naming the spreadsheet rows: a co-lead decides, the file is not rejected for them."""
    good = facts[~facts["bad"].astype(bool)]
    if good.empty:
        return
    # The rules compare months and values as plain data; the importer keeps its columns categorical.
    good = good.assign(**{col: good[col].astype("object") for col in good.columns
                          if isinstance(good[col].dtype, pd.CategoricalDtype)})
    titles = {rule.name: rule.title for rule in RULES}
    for violation in evaluate_rules(good, today=today)[:listed]:
        rows = sorted({int(good.at[label, "row"]) for label in violation.rows if label in good.index})
        shown = ", ".join(str(r) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
        title = _(titles[violation.rule]) if violation.rule in titles else violation.rule
        if rows:
            reason = _("data-quality rule “{rule}”: {message} (rows {rows})").format(
                rule=title, message=violation.message, rows=shown)
        else:
            reason = _("data-quality rule “{rule}”: {message}").format(rule=title, message=violation.message)
        report.add(Problem(reason, rows[0] if rows else None, severity=WARNING))


def _encode(values: pd.Series | np.ndarray, encode: Callable[[str], int], missing: int = -1) -> np.ndarray:
    """An int64 code per row, computed once per distinct value (a categorical's categories, or factorised)."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), list(values.cat.categories)
    else:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        uniques = list(uniques)
    table = np.array([encode(str(u)) for u in uniques] + [missing], dtype="int64")
    return table[codes]


def _day(iso: str) -> int:
    return date.fromisoformat(iso[:10]).toordinal()


def _key_codes(new: bool, frame: pd.DataFrame, lookups: Lookups | None = None) -> pd.DataFrame:
    """The report key as integers (ids, day numbers, vocabulary positions): fast to merge."""
    vocab = {d: {code: i for i, code in enumerate(V.categories_vocab(d))} for d in V.DIMS}
    out: dict[str, np.ndarray] = {}
    if new:
        assert lookups is not None
        for col, mapping in (("organisation", lookups.organisations), ("indicator", lookups.indicators),
                             ("activity", lookups.activities), ("location", lookups.locations)):
            out[col + "_id"] = _encode(frame[col], lambda c, m=mapping: m.get(c, -1))  # type: ignore[misc]
    else:
        for col in ("organisation_id", "indicator_id", "activity_id", "location_id"):
            out[col] = frame[col].to_numpy(dtype="int64")
    for col in ("period_start", "period_end"):
        out[col] = _encode(frame[col], _day)
    for d in V.DIMS:
        out[d] = _encode(frame[d], lambda c, t=vocab[d]: t.get(c, -2))  # type: ignore[misc]
    return pd.DataFrame(out, index=frame.index)


def compare(conn: Connection, facts: pd.DataFrame) -> Changes:
    """Match the file's values against the current stored reports with the same key."""
    if facts.empty:
        return Changes()
    new = _key_codes(True, facts, Lookups.read(conn))
    new["value"] = facts["value"].to_numpy(dtype="float64")
    first, last = (date.fromordinal(int(new["period_start"].min())), date.fromordinal(int(new["period_start"].max())))
    f = store.facts.c
    query = (
        select(f.id, f.organisation_id, f.indicator_id, func.coalesce(f.activity_id, -1).label("activity_id"),
               f.location_id, cast(f.period_start, String).label("period_start"),
               cast(f.period_end, String).label("period_end"), f.sex, f.age_band, f.population_group, f.disability,
               f.value.label("old_value"), f.batch_id)
        .where(f.replaced_by.is_(None),
               f.organisation_id.in_(bindparam("orgs", expanding=True)),
               f.indicator_id.in_(bindparam("inds", expanding=True)),
               f.period_start >= first, f.period_start <= last)
    )
    params = {"orgs": sorted(set(new["organisation_id"].tolist())), "inds": sorted(set(new["indicator_id"].tolist()))}
    parts = []
    result = conn.execute(query, params, execution_options={"yield_per": OLD_ROWS_PER_PART})
    for rows in result.partitions():  # encoded to integers part by part: a million old rows stay small
        columns = list(zip(*rows, strict=True))
        raw = pd.DataFrame({name: pd.Series(np.asarray(col, dtype=object), dtype=object)
                            for name, col in zip(["id", *_ID_KEY, "old_value", "batch_id"], columns, strict=True)})
        part = _key_codes(False, raw)
        part["id"] = raw["id"].to_numpy(dtype="int64")
        part["old_value"] = raw["old_value"].to_numpy(dtype="float64")
        part["batch_id"] = raw["batch_id"].to_numpy(dtype="int64")
        parts.append(part)
    if not parts:
        return Changes(new=len(new))
    old = pd.concat(parts, ignore_index=True)
    merged = new.reset_index().merge(old, on=_ID_KEY, how="left")
    matched = merged[merged["id"].notna()]
    differs = matched["value"] != matched["old_value"]
    changed = facts.loc[matched.loc[differs, "index"].to_numpy(), ["row", "column", *V.KEY, "value"]]
    changed.insert(len(changed.columns) - 1, "old_value", matched.loc[differs, "old_value"].to_numpy())
    changed["old_batch"] = matched.loc[differs, "batch_id"].astype("int64").to_numpy()
    return Changes(
        new=int(merged["id"].isna().sum()), changed=int(differs.sum()), unchanged=int((~differs).sum()),
        replaced_ids=matched["id"].astype("int64").to_numpy(), changed_values=changed.reset_index(drop=True),
    )


def import_plan(engine: Engine, plan: ImportPlan, *, allow_partial: bool = False, created_by: str | None = None,
                progress: Progress | None = None) -> ImportResult:
    """Write a validated plan as one batch in one transaction. Raises :class:`ImportFileError` when the plan
    has errors (unless ``allow_partial``, which leaves out every row with an error)."""
    if plan.already_imported is not None:
        return ImportResult("already_imported", plan.already_imported, 0, 0, plan)
    if not plan.report.ok and not allow_partial:
        count = plan.report.error_count
        raise ImportFileError(ngettext(
            "{file} was rejected: {n} problem; nothing was imported. Fix it and upload again.",
            "{file} was rejected: {n} problems; nothing was imported. Fix them and upload again.", count,
        ).format(file=plan.file_name, n=format_number(count)), plan.report.errors)
    facts = plan.importable
    if facts.empty:
        raise ImportFileError(_("{file}: no valid values to import; nothing was imported").format(file=plan.file_name),
                              plan.report.errors)
    with engine.begin() as conn:
        if _find_batch(conn, plan.content_hash) is not None:  # imported meanwhile by someone else
            return ImportResult("already_imported", _find_batch(conn, plan.content_hash), 0, 0, plan)
        # Reuse the comparison made when planning unless the store changed since (another import meanwhile).
        if plan.data_version is None or store.read_data_version(conn) != plan.data_version:
            plan.changes = compare(conn, facts)
        changes = plan.changes
        batch_id = open_batch(conn, FILE_SOURCE, file_name=plan.file_name, content_hash=plan.content_hash,
                              created_by=created_by)
        lookups = Lookups.read(conn)
        set_wise = _skip_row_fk_checks(conn)
        written = 0
        step = 200_000
        for start in range(0, len(facts), step):
            part = facts.iloc[start:start + step]
            frame = part[[*V.KEY, "period_month", "value"]].copy()
            frame["source"] = f"4W import: {plan.file_name}"
            if "note" in part.columns:
                frame["note"] = part["note"]
            written += insert_facts(conn, frame, lookups, batch_id, is_demo=False)
            if progress is not None:
                progress(0.92 + 0.07 * written / len(facts), _("written {n} of {total} values").format(
                    n=format_number(written), total=format_number(len(facts))))
        if set_wise:
            _check_fks_set_wise(conn, batch_id)
        replaced = _mark_replaced(conn, changes.replaced_ids, batch_id)
        skipped = sorted({int(r) for r in plan.facts.loc[plan.facts["bad"], "row"]}) if allow_partial else []
        # The batch's notes, shown in the import history as written (in the importer's language).
        messages = [plan.summary(), ngettext("{n} older report replaced", "{n} older reports replaced",
                                             replaced).format(n=format_number(replaced))]
        if skipped:
            messages.append(ngettext("{n} row with errors left out: {rows}", "{n} rows with errors left out: {rows}",
                                     len(skipped)).format(n=format_number(len(skipped)), rows=", ".join(map(str, skipped[:200]))))
        close_batch(conn, batch_id, written, messages)
        _audit(conn, created_by, "import", f"batch {batch_id}: {plan.file_name}, {written} values, "
                                           f"{replaced} replaced")
    if progress is not None:
        progress(1.0, _("done"))
    return ImportResult("committed", batch_id, written, replaced, plan)


def _skip_row_fk_checks(conn: Connection) -> bool:
    """On PostgreSQL, replace the per-row foreign-key triggers of the bulk COPY (five lookups per row, most of
    the write time) by one set-wise check afterwards (:func:`_check_fks_set_wise`), for this transaction only.

    Needs a role allowed to set ``session_replication_role`` (a superuser); otherwise the ordinary per-row
    checks run and nothing else changes.
    """
    if conn.dialect.name != "postgresql":
        return False
    try:
        with conn.begin_nested():
            conn.execute(text("SET LOCAL session_replication_role = replica"))
    except DBAPIError:
        return False
    return True


def _check_fks_set_wise(conn: Connection, batch_id: int) -> None:
    """Restore the per-row checks and verify the batch's references in one query (what the triggers would do)."""
    conn.execute(text("SET LOCAL session_replication_role = origin"))
    broken = conn.execute(text(
        "SELECT COUNT(*) FROM facts f WHERE f.batch_id = :b AND ("
        " NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = f.organisation_id)"
        " OR NOT EXISTS (SELECT 1 FROM indicators i WHERE i.id = f.indicator_id)"
        " OR NOT EXISTS (SELECT 1 FROM locations l WHERE l.id = f.location_id)"
        " OR (f.activity_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.id = f.activity_id)))"
    ), {"b": batch_id}).scalar_one()
    if broken:
        raise ImportFileError(ngettext(
            "{n} value refers to organisations, places, activities or indicators that were deleted meanwhile; "
            "nothing was imported. Upload the file again.",
            "{n} values refer to organisations, places, activities or indicators that were deleted meanwhile; "
            "nothing was imported. Upload the file again.", int(broken)).format(n=format_number(int(broken))))


def _id_runs(ids: np.ndarray, shortest: int = 50) -> tuple[list[tuple[int, int]], list[int]]:
    """Split ids into long consecutive runs (updated with BETWEEN) and the rest (updated with IN lists).

    A newer version of a whole file replaces rows that were inserted together, so their ids are one run.
    """
    ordered = np.unique(ids.astype("int64"))
    if not len(ordered):
        return [], []
    breaks = np.flatnonzero(np.diff(ordered) != 1) + 1
    runs: list[tuple[int, int]] = []
    singles: list[int] = []
    for part in np.split(ordered, breaks):
        if len(part) >= shortest:
            runs.append((int(part[0]), int(part[-1])))
        else:
            singles.extend(int(i) for i in part)
    return runs, singles


def _mark_replaced(conn: Connection, ids: np.ndarray, batch_id: int) -> int:
    return _set_replaced_by(conn, ids, batch_id)


def _set_replaced_by(conn: Connection, ids: np.ndarray, value: int | None) -> int:
    """Set ``replaced_by`` on the facts with these ids: BETWEEN for long runs of ids, IN lists for the rest."""
    f = store.facts
    runs, singles = _id_runs(ids)
    done = 0
    for low, high in runs:
        done += conn.execute(update(f).where(f.c.id.between(low, high)).values(replaced_by=value)).rowcount
    stmt = update(f).where(f.c.id.in_(bindparam("ids", expanding=True))).values(replaced_by=value)
    for start in range(0, len(singles), 5_000):
        done += conn.execute(stmt, {"ids": singles[start:start + 5_000]}).rowcount
    return done


def _read_keyed(conn: Connection, query: Select[Any], extra: list[str]) -> pd.DataFrame:
    """Rows of (report key…, extra int columns) encoded as integers, read part by part."""
    parts = []
    result = conn.execute(query, execution_options={"yield_per": OLD_ROWS_PER_PART})
    for rows in result.partitions():
        columns = list(zip(*rows, strict=True))
        raw = pd.DataFrame({name: pd.Series(np.asarray(col, dtype=object), dtype=object)
                            for name, col in zip([*_ID_KEY, *extra], columns, strict=True)})
        part = _key_codes(False, raw)
        for name in extra:
            part[name] = raw[name].to_numpy(dtype="int64")
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*_ID_KEY, *extra])


def _audit(conn: Connection, actor: str | None, action: str, detail: str) -> None:
    conn.execute(store.audit_log.insert().values(at=utcnow(), actor=actor or "unknown", action=action,
                                                 detail=detail))


def import_file(engine: Engine, data: bytes, file_name: str, *, dry_run: bool = False, allow_partial: bool = False,
                created_by: str | None = None, mapping: dict[str, str] | None = None, today: date | None = None,
                progress: Progress | None = None) -> ImportResult:
    """Read, validate and (unless ``dry_run``) import a file. Raises :class:`ImportFileError` on rejection."""
    plan = plan_import(engine, data, file_name, mapping=mapping, today=today, progress=progress)
    if plan.already_imported is not None:
        return ImportResult("already_imported", plan.already_imported, 0, 0, plan)
    if dry_run:
        if not plan.report.ok and not allow_partial:
            count = plan.report.error_count
            raise ImportFileError(ngettext("{file} would be rejected: {n} problem",
                                           "{file} would be rejected: {n} problems", count).format(
                file=file_name, n=format_number(count)), plan.report.errors)
        return ImportResult("dry_run", None, len(plan.importable), len(plan.changes.replaced_ids), plan)
    return import_plan(engine, plan, allow_partial=allow_partial, created_by=created_by, progress=progress)


@dataclass(frozen=True)
class RollbackResult:
    batch_id: int
    deleted: int
    restored: int

    def summary(self) -> str:
        return _("rolled back batch {batch}: {deleted} values deleted, {restored} earlier reports restored").format(
            batch=self.batch_id, deleted=format_number(self.deleted), restored=format_number(self.restored))


def rollback_batch(engine: Engine, batch_id: int, *, by: str | None = None) -> RollbackResult:
    """Delete a committed file import's facts and restore the reports it replaced, in one transaction.

    Reports it replaced go back to being current, unless a later import also reported the same key: then they
    stay replaced, by that later batch. Raises :class:`ImportFileError` when the batch cannot be rolled back.
    """
    b = store.import_batches
    f = store.facts
    with engine.begin() as conn:
        row = conn.execute(select(b.c.source, b.c.status, b.c.messages).where(b.c.id == batch_id)).first()
        if row is None:
            raise ImportFileError(_("there is no import batch {batch}").format(batch=batch_id))
        if row.source != FILE_SOURCE:
            raise ImportFileError(_("batch {batch} is not a file import (source '{source}'); only file imports can "
                                    "be rolled back").format(batch=batch_id, source=row.source))
        if row.status != "committed":
            raise ImportFileError(_("batch {batch} is {status}, not committed; nothing to roll back").format(
                batch=batch_id, status=status_label(row.status)))
        key = [f.c.organisation_id, f.c.indicator_id, func.coalesce(f.c.activity_id, -1).label("activity_id"),
               f.c.location_id, cast(f.c.period_start, String).label("period_start"),
               cast(f.c.period_end, String).label("period_end"), f.c.sex, f.c.age_band, f.c.population_group,
               f.c.disability]
        ours = _read_keyed(conn, select(*key, func.coalesce(f.c.replaced_by, -1).label("successor"))
                           .where(f.c.batch_id == batch_id), ["successor"])
        older = _read_keyed(conn, select(*key, f.c.id).where(f.c.replaced_by == batch_id), ["id"])
        restored = 0
        if not older.empty:
            merged = older.merge(ours, on=_ID_KEY, how="left")
            successor = merged["successor"].fillna(-1).astype("int64").to_numpy()
            ids = merged["id"].to_numpy(dtype="int64")
            for value in np.unique(successor):
                chosen = ids[successor == value]
                _set_replaced_by(conn, chosen, None if value == -1 else int(value))
                if value == -1:
                    restored += len(chosen)
        deleted = conn.execute(f.delete().where(f.c.batch_id == batch_id)).rowcount
        messages = json.loads(row.messages or "[]") if (row.messages or "").startswith("[") else [row.messages]
        messages.append(_("rolled back at {when} UTC by {who}: {deleted} values deleted, {restored} earlier reports "
                          "restored").format(when=f"{utcnow():%Y-%m-%d %H:%M}", who=by or _("unknown"),
                                             deleted=format_number(deleted), restored=format_number(restored)))
        conn.execute(b.update().where(b.c.id == batch_id).values(status="rolled_back",
                                                                 messages=json.dumps(messages)))
        store.bump_data_version(conn)
        _audit(conn, by, "rollback", f"batch {batch_id}: {deleted} values deleted, {restored} restored")
    return RollbackResult(batch_id, deleted, restored)


def import_history(engine: Engine, limit: int = 200) -> pd.DataFrame:
    """File imports, newest first: batch, when, file, rows, status, by whom, and the batch's messages."""
    b = store.import_batches.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(b.id, b.started_at, b.file_name, b.rows, b.status, b.created_by, b.messages)
            .where(b.source == FILE_SOURCE).order_by(b.id.desc()).limit(limit)
        ).all()
    frame = pd.DataFrame(rows, columns=["batch", "when", "file", "rows", "status", "by", "messages"])
    frame["messages"] = frame["messages"].map(_message_text)
    return frame


def _message_text(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        items = json.loads(raw)
    except ValueError:
        return raw
    return " · ".join(map(str, items)) if isinstance(items, list) else str(items)


__all__ = ["FILE_SOURCE", "ImportPlan", "ImportResult", "MappingNeeded", "RollbackResult", "WARNING",
           "compare", "import_file", "import_history", "import_plan", "plan_import", "rollback_batch", "status_label"]


#: Batch statuses (stored as codes) as people read them.
STATUS_LABELS = {"running": N_("running"), "committed": N_("committed"), "rolled_back": N_("rolled back"),
                 "failed": N_("failed")}


def status_label(status: str) -> str:
    """A batch status code in the current language (``rolled_back`` -> ``rolled back``)."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status.replace("_", " ")
