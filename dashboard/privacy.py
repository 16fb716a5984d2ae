"""Small-cell suppression for the public view and every public export (pure pandas and numpy).

A *figure set* (:class:`Figures`) holds every number published together for one selection (the
Indicators page's total, months, breakdowns and breakdowns over time, the Map's areas, Home's headline
and sparkline) and the linear relations between them that a reader could use: a total against its parts,
or two tables' margins that add up to the same number. :func:`compute_suppression` then decides what is
shown:

- **primary**: a count from 1 to ``threshold - 1`` is shown as ``<threshold`` (status ``small``);
- **secondary**: more cells are hidden (status ``hidden``) until no small cell can be worked out, either
  exactly by adding and subtracting published figures (the small cell is not determined by the equalities
  among the hidden cells: a rank test on their null space) or by narrowing its range to one value with the
  bounds a reader knows (a small cell lies in 1..threshold-1, another hidden cell is 0 or at least the
  threshold; interval propagation over every equality and inequality). The cell hidden next is the
  smallest non-zero visible one in a relation of the cell at risk, so the same data always give the same
  pattern.

A small cell that stays exposed even if every other cell around it were hidden (four categories of "<5"
under a total of "<5" are each 1) is left alone rather than hiding the rest of the page for nothing.

Relations are registered from the numbers themselves: parts that add up exactly to their total give an
equality, otherwise the inequality that holds (unique-people and latest-value rules are not additive). So
the rule is conservative whatever the aggregation. Suppression runs after filtering, on the filtered
figures, so no filter combination shows a small cell; differences *between* two filtered views are not
covered (documented in the README).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard import columns as C
from dashboard.filters import Filters
from dashboard.i18n import _, format_number, ngettext

SHOWN = "shown"
SMALL = "small"  # primary: 1 .. threshold-1
HIDDEN = "hidden"  # secondary: hidden so that a small cell cannot be worked out


@dataclass(frozen=True)
class Audience:
    """Who the figures are for: the viewer's role and the suppression threshold. Hashable, so it is part
    of the cache key of everything whose content depends on who is looking."""

    role: str = "admin"
    threshold: int = 5

    @property
    def public(self) -> bool:
        return self.role not in ("analyst", "admin")  # anything unknown is treated as public

    @property
    def suppresses(self) -> bool:
        """True when small cells are hidden (public view with a threshold of 2 or more)."""
        return self.public and self.threshold > 1


FULL_ACCESS = Audience("admin")


@dataclass(frozen=True)
class Relation:
    """``sum(coefficient * cell) op 0`` with op one of ``=``, ``<=``, ``>=``."""

    terms: tuple[tuple[str, int], ...]
    op: str


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


class Figures:
    """Numbers published together, keyed by name, with the relations a reader could use between them."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.relations: list[Relation] = []

    def add(self, key: str, value: float) -> str:
        """Register one published number (NaN counts as nothing published)."""
        number = float(value)
        self.values[key] = 0.0 if math.isnan(number) else number
        return key

    def relate(self, total: str, parts: Sequence[str]) -> None:
        """Register ``total`` against ``parts``: an equality when they add up exactly, else the inequality
        that holds (for rules that are not additive, or parts that leave some reports out)."""
        parts = [p for p in parts if p != total]
        if not parts:
            return
        whole = self.values[total]
        summed = sum(self.values[p] for p in parts)
        op = "=" if _close(summed, whole) else ("<=" if summed < whole else ">=")
        self.relations.append(Relation(tuple((p, 1) for p in parts) + ((total, -1),), op))

    def relate_sums(self, left: Sequence[str], right: Sequence[str]) -> None:
        """Register ``sum(left) = sum(right)`` when it holds (two tables' margins over the same reports)."""
        left_set, right_set = set(left), set(right)
        if not left_set or not right_set or left_set == right_set:
            return
        if _close(sum(self.values[k] for k in left_set), sum(self.values[k] for k in right_set)):
            terms = {k: 1 for k in left_set}
            for k in right_set:
                terms[k] = terms.get(k, 0) - 1
            kept = tuple((k, c) for k, c in sorted(terms.items()) if c)
            if kept:
                self.relations.append(Relation(kept, "="))

    def suppress(self, threshold: int) -> dict[str, str]:
        """The status of every number: ``shown``, ``small`` or ``hidden``."""
        return compute_suppression(self.values, self.relations, threshold)


# --- what the public may read ---------------------------------------------------------------------------------


def compute_public_filters(filters: Filters) -> Filters:
    """The filters without organisation and organisation-type choices (no organisation-level figures)."""
    from dataclasses import replace

    return replace(filters, organisations=(), org_types=())


def compute_public_facts(frame: pd.DataFrame, published: frozenset[str]) -> pd.DataFrame:
    """Fact rows as the public view may use them: published indicators only, organisations replaced by
    numbers (kept apart for the unique-people rule, never named), partners' free-text notes dropped."""
    out = frame[frame[C.INDICATOR].isin(published)].reset_index(drop=True)
    names = sorted(out[C.ORGANISATION].dropna().unique())
    out[C.ORGANISATION] = out[C.ORGANISATION].map({n: f"organisation {i}" for i, n in enumerate(names, 1)})
    if C.NOTE in out:
        out[C.NOTE] = out[C.NOTE].where(out[C.SOURCE].notna())
    return out


# --- the algorithm -------------------------------------------------------------------------------------------


def compute_suppression(values: Mapping[str, float], relations: Sequence[Relation], threshold: int) -> dict[str, str]:
    """Primary then secondary suppression (see the module docstring). Deterministic."""
    if threshold <= 1:
        return {k: SHOWN for k in values}
    status = {k: (SMALL if 0 < v < threshold else SHOWN) for k, v in values.items()}
    if SMALL not in status.values():
        return status
    state = _State(values, relations, status)
    integer = all(float(v).is_integer() for v in values.values())
    hopeless: set[str] = set()
    for _round in range(len(values) + 1):
        # The cheap rule first: no equality may hide exactly one cell (it would be its total minus the rest).
        singles = [i for i in state.touching_hidden() if relations[i].op == "=" and state.hidden_in(i) == 1]
        if singles and (state.hide_in(singles, positive_only=True, all_of_them=True)
                        or state.hide_in(singles, positive_only=False, all_of_them=True)):
            continue
        risky = [k for k in _analyse(values, relations, status, threshold, integer) if k not in hopeless]
        hopeless.update(k for k in risky if state.beyond_help(k, threshold, integer))
        risky = [k for k in risky if k not in hopeless]
        if not risky:
            break
        if not state.protect(risky, positive_only=True) and not state.protect(risky, positive_only=False):
            break  # everything around the risky cells is hidden already
    return status


class _State:
    """The suppression pattern being built, with an index from cells to their relations."""

    def __init__(self, values: Mapping[str, float], relations: Sequence[Relation], status: dict[str, str]) -> None:
        self.values, self.relations, self.status = values, relations, status
        self.by_cell: dict[str, list[int]] = {}
        for index, rel in enumerate(relations):
            for key, _coef in rel.terms:
                self.by_cell.setdefault(key, []).append(index)
        self.hidden_count = [sum(status[k] != SHOWN for k, _coef in rel.terms) for rel in relations]

    def hidden_in(self, index: int) -> int:
        return self.hidden_count[index]

    def touching_hidden(self) -> list[int]:
        return [i for i, n in enumerate(self.hidden_count) if n]

    def hide(self, key: str) -> None:
        self.status[key] = HIDDEN
        for index in self.by_cell.get(key, []):
            self.hidden_count[index] += 1

    def pick(self, index: int, positive_only: bool) -> str | None:
        """The visible cell to hide in relation ``index``: preferably one whose other equalities already hide
        a cell (closing a rectangle rather than opening a new leak), then the smallest."""
        candidates = [k for k, _coef in self.relations[index].terms
                      if self.status[k] == SHOWN and (self.values[k] > 0 or not positive_only)]
        if not candidates:
            return None
        return min(candidates, key=lambda k: (
            sum(1 for j in self.by_cell.get(k, []) if j != index and self.hidden_count[j] == 0
                and self.relations[j].op == "="), self.values[k], k))

    def beyond_help(self, key: str, threshold: int, integer: bool) -> bool:
        """True when hiding every other cell around ``key`` would still give it away: only small counts
        around it (four categories of "<5" under a total of "<5" are each 1). Hiding more cannot help, so
        none is hidden for it (the README states this limit)."""
        near = {i for i in self.by_cell.get(key, [])}
        cells = {k for i in near for k, _coef in self.relations[i].terms}
        trial = dict(self.status)
        for cell in cells:
            if trial[cell] == SHOWN:
                trial[cell] = HIDDEN
        rels = [self.relations[i] for i in near]
        return key in _analyse({k: self.values[k] for k in cells}, rels, {k: trial[k] for k in cells}, threshold,
                               integer)

    def protect(self, risky: Sequence[str], *, positive_only: bool) -> bool:
        """Hide one more cell next to each risky cell, in its relation with the fewest hidden cells; a risky
        cell whose relations already changed this round waits for the next round (it may be safe now)."""
        touched: set[int] = set()
        added = False
        for key in risky:
            rels = sorted(self.by_cell.get(key, []), key=lambda i: (self.hidden_count[i], i))
            if any(i in touched for i in rels):
                continue
            for index in rels:
                chosen = self.pick(index, positive_only)
                if chosen is not None:
                    self.hide(chosen)
                    touched.update(self.by_cell.get(chosen, []))
                    touched.update(rels)
                    added = True
                    break
        return added

    def hide_in(self, targets: Sequence[int], *, positive_only: bool, all_of_them: bool = False) -> bool:
        """Hide one cell in each target relation not already changed this round (or only in the first
        one that can take one, unless ``all_of_them``)."""
        touched: set[int] = set()
        added = False
        for index in targets:
            if index in touched or (all_of_them and self.hidden_count[index] != 1):
                continue
            chosen = self.pick(index, positive_only)
            if chosen is None:
                continue
            self.hide(chosen)
            touched.update(self.by_cell.get(chosen, []))
            added = True
            if not all_of_them:
                break
        return added


def compute_at_risk(values: Mapping[str, float], relations: Sequence[Relation], status: Mapping[str, str],
                    threshold: int, integer: bool = True) -> list[str]:
    """Small cells a reader could work out: determined by the equalities, or pinned to one value by the
    bounds. Sorted by key."""
    return _analyse(values, relations, status, threshold, integer)


def _analyse(values: Mapping[str, float], relations: Sequence[Relation], status: Mapping[str, str],
             threshold: int, integer: bool) -> list[str]:
    hidden = sorted(k for k, s in status.items() if s != SHOWN)
    hidden_set = set(hidden)
    active = [r for r in relations if any(k in hidden_set for k, _coef in r.terms)]
    determined = _determined(active, hidden_set)
    lo, hi = compute_bounds(values, active, status, threshold, integer)
    risky = []
    for key in hidden:
        if status[key] != SMALL:
            continue
        pinned = (hi[key] - lo[key] < 0.5) if integer else (hi[key] - lo[key] < 1e-9)
        if key in determined or pinned:
            risky.append(key)
    return risky


def _determined(relations: Sequence[Relation], hidden: set[str]) -> set[str]:
    """Hidden cells whose value follows from the equalities: their unit vector lies in the row space of
    the equalities restricted to the hidden cells. Solved per connected group of hidden cells, so the
    matrices stay small."""
    rows = [[k for k, _coef in r.terms if k in hidden] for r in relations if r.op == "="]
    rows = [r for r in rows if r]
    eqs = [r for r in relations if r.op == "=" and any(k in hidden for k, _coef in r.terms)]
    parent = {k: k for k in hidden}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for row in rows:
        for other in row[1:]:
            a, b = find(row[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[Relation]] = {}
    for rel in eqs:
        first = next(k for k, _coef in rel.terms if k in hidden)
        groups.setdefault(find(first), []).append(rel)
    found: set[str] = set()
    for rels in groups.values():
        names = sorted({k for r in rels for k, _coef in r.terms if k in hidden})
        column = {k: i for i, k in enumerate(names)}
        matrix = np.zeros((len(rels), len(names)))
        for i, rel in enumerate(rels):
            for key, coef in rel.terms:
                if key in column:
                    matrix[i, column[key]] += coef
        found.update(names[i] for i in _unit_rows(matrix))
    return found


def _unit_rows(matrix: np.ndarray) -> list[int]:
    """Columns ``i`` whose unit vector lies in the row space of ``matrix``: in the reduced row echelon form
    they are pivots whose row has no other non-zero entry. Gauss-Jordan elimination with partial pivoting,
    vectorised per pivot (the matrices are small and hold small integers; LAPACK's thread start-up costs
    more than the work)."""
    work = matrix.astype(float, copy=True)
    rows, cols = work.shape
    pivots: list[tuple[int, int]] = []
    row = 0
    for col in range(cols):
        if row >= rows:
            break
        best = row + int(np.argmax(np.abs(work[row:, col])))
        if abs(work[best, col]) < 1e-9:
            continue
        if best != row:
            work[[row, best]] = work[[best, row]]
        work[row] /= work[row, col]
        factors = work[:, col].copy()
        factors[row] = 0.0
        nonzero = np.abs(factors) > 1e-12
        if nonzero.any():
            work[nonzero] -= np.outer(factors[nonzero], work[row])
        pivots.append((row, col))
        row += 1
    work[np.abs(work) < 1e-9] = 0.0
    return [col for r, col in pivots if np.count_nonzero(work[r]) == 1]


def compute_bounds(values: Mapping[str, float], relations: Iterable[Relation], status: Mapping[str, str],
                   threshold: int, integer: bool = True) -> tuple[dict[str, float], dict[str, float]]:
    """What a reader can know about each hidden cell: start from ``<threshold`` (small) or "0 or at least
    the threshold" (hidden), then narrow through every relation until nothing changes."""
    lo: dict[str, float] = {}
    hi: dict[str, float] = {}
    for key, state in status.items():
        if state == SHOWN:
            lo[key] = hi[key] = values[key]
        elif state == SMALL:
            lo[key], hi[key] = (1.0, threshold - 1.0) if integer else (0.0, float(threshold))
        else:
            lo[key], hi[key] = (float(threshold) if values[key] > 0 else 0.0), math.inf
    rels = list(relations)
    by_cell: dict[str, list[int]] = {}
    for index, rel in enumerate(rels):
        for key, _coef in rel.terms:
            by_cell.setdefault(key, []).append(index)
    queue = list(range(len(rels)))
    queued = set(queue)
    steps = 0
    while queue and steps < 40 * max(1, len(rels)):
        steps += 1
        index = queue.pop(0)
        queued.discard(index)
        for key in _narrow(rels[index], lo, hi, status):
            for other in by_cell[key]:
                if other not in queued:
                    queue.append(other)
                    queued.add(other)
    if integer:
        for key, state in status.items():
            if state != SHOWN:
                lo[key] = math.ceil(lo[key] - 1e-9)
                hi[key] = math.floor(hi[key] + 1e-9) if hi[key] != math.inf else math.inf
    return lo, hi


def _narrow(rel: Relation, lo: dict[str, float], hi: dict[str, float], status: Mapping[str, str]) -> list[str]:
    """Tighten the hidden cells' bounds through one relation; return the cells whose bounds moved."""
    mins = [c * (lo[k] if c > 0 else hi[k]) for k, c in rel.terms]
    maxs = [c * (hi[k] if c > 0 else lo[k]) for k, c in rel.terms]
    finite_min = sum(m for m in mins if not math.isinf(m))
    finite_max = sum(m for m in maxs if not math.isinf(m))
    inf_min = sum(1 for m in mins if math.isinf(m))
    inf_max = sum(1 for m in maxs if math.isinf(m))
    moved = []
    for (key, coef), tmin, tmax in zip(rel.terms, mins, maxs, strict=True):
        if status[key] == SHOWN:
            continue
        # The rest's smallest and largest possible sum (minus infinity / infinity when unbounded).
        rest_min = -math.inf if inf_min - math.isinf(tmin) else finite_min - (0.0 if math.isinf(tmin) else tmin)
        rest_max = math.inf if inf_max - math.isinf(tmax) else finite_max - (0.0 if math.isinf(tmax) else tmax)
        # coef * x  op  -(rest): "=" bounds both sides, "<=" the upper, ">=" the lower.
        upper = -rest_min if rel.op in ("=", "<=") else math.inf
        lower = -rest_max if rel.op in ("=", ">=") else -math.inf
        new_lo, new_hi = (lower / coef, upper / coef) if coef > 0 else (upper / coef, lower / coef)
        if new_lo > lo[key] + 1e-9:
            lo[key] = new_lo
            moved.append(key)
        if new_hi < hi[key] - 1e-9:
            hi[key] = new_hi
            moved.append(key)
    return moved


# --- showing suppressed figures ------------------------------------------------------------------------------


def small_label(threshold: int) -> str:
    return f"<{threshold}"


def display(value: float | None, state: str, threshold: int, formatter: object = None, *,
            translate: bool = True) -> str:
    """How a figure reads on screen and in public files: the number, ``<5`` or ``hidden`` (in the current
    language; ``translate=False`` keeps the English word, for machine-readable files)."""
    if state == SMALL:
        return small_label(threshold)
    if state == HIDDEN:
        return _("hidden") if translate else "hidden"
    if callable(formatter):
        return str(formatter(value))
    from dashboard import format as fmt

    return fmt.number(value)


def footnote(threshold: int, hidden_cells: int | None = None) -> str:
    """The sentences that explain suppression, wherever it applies, in the current language."""
    text = _("To protect people who sought mental-health support from being identified, counts from 1 to "
             "{largest} are shown as “{small}”, and a few other figures are shown as “{hidden}” so that a small count "
             "cannot be worked out from totals or other breakdowns. Percentages and changes based on a hidden figure "
             "are hidden too.").format(largest=format_number(threshold - 1), small=small_label(threshold),
                                       hidden=_("hidden"))
    if hidden_cells:
        text += " " + ngettext("On this page {n} figure is hidden.", "On this page {n} figures are hidden.",
                               hidden_cells).format(n=format_number(hidden_cells))
    return text
