"""Unique people reached: the cluster rule against the plain sum, with the difference in words (pure pandas).

The cluster rule (aggregation ``unique_max``, :func:`dashboard.indicators.compute_total`): for each admin area
and population group the largest figure reported by any one organisation × activity counts, then areas and
groups are added up. The plain sum adds every report and counts a person reached by two partners (or two
activities) twice. Both are shown, always labelled with the rule they use.

:data:`RULE_LABELS` and :data:`SHORT_LABELS` are marked with ``N_``: translate them where shown
(:func:`rule_label`); :func:`compute_explanation` writes in the current language.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import columns as C
from dashboard.i18n import N_, _, format_number, format_percent, ngettext
from dashboard.indicators import compute_plain_sum, compute_total

RULE_LABELS = {
    "unique_max": N_("Unique people (largest report per area and population group)"),
    "sum": N_("Plain sum of all reports (counts people twice)"),
}
SHORT_LABELS = {"unique_max": N_("Unique people (cluster rule)"), "sum": N_("Plain sum (counts people twice)")}


def rule_label(rule: str, short: bool = False) -> str:
    """The counting rule ``unique_max`` or ``sum`` in words, in the current language."""
    labels = SHORT_LABELS if short else RULE_LABELS
    return _(labels[rule]) if rule in labels else rule


@dataclass(frozen=True)
class UniqueComparison:
    """Both rules' totals for one indicator's facts, with the areas where they differ."""

    unique: float
    plain: float
    areas: int
    areas_with_overlap: int
    reporters: int
    by_area: pd.DataFrame  # area, pcode, unique, plain, difference, reporters (organisation × activity series)

    @property
    def difference(self) -> float:
        return self.plain - self.unique

    @property
    def share(self) -> float | None:
        """The difference as a share of the plain sum (0..1), None when nothing was reported."""
        return None if self.plain == 0 else self.difference / self.plain


def compute_unique_comparison(frame: pd.DataFrame) -> UniqueComparison:
    """Unique-people total and plain sum of ``frame`` (one indicator's facts), overall and per area."""
    if frame.empty:
        empty = pd.DataFrame(columns=[C.AREA, C.PCODE, "unique", "plain", "difference", "reporters"])
        return UniqueComparison(0.0, 0.0, 0, 0, 0, empty)
    unique = compute_total(frame, "unique_max", [C.PCODE])
    plain = compute_total(frame, "sum", [C.PCODE])
    assert isinstance(unique, pd.Series) and isinstance(plain, pd.Series)
    series = frame[C.ORGANISATION].astype(str) + "|" + frame[C.ACTIVITY].fillna("").astype(str)
    reporters = series.groupby(frame[C.PCODE]).nunique()
    names = frame.drop_duplicates(C.PCODE).set_index(C.PCODE)[C.AREA] if C.AREA in frame else None
    by_area = pd.DataFrame({"unique": unique, "plain": plain, "reporters": reporters}).fillna(0.0)
    by_area["difference"] = by_area["plain"] - by_area["unique"]
    by_area.index.name = C.PCODE
    by_area = by_area.reset_index()
    by_area.insert(0, C.AREA, by_area[C.PCODE].map(names) if names is not None else by_area[C.PCODE])
    by_area = by_area.sort_values(["difference", "plain"], ascending=False, ignore_index=True)
    total_unique = compute_total(frame, "unique_max")
    assert isinstance(total_unique, float)
    return UniqueComparison(
        unique=total_unique, plain=compute_plain_sum(frame), areas=len(by_area),
        areas_with_overlap=int((by_area["difference"] > 0).sum()), reporters=int(series.nunique()),
        by_area=by_area[[C.AREA, C.PCODE, "unique", "plain", "difference", "reporters"]],
    )


def _n(value: float) -> str:
    return format_number(round(value), 0)


def compute_explanation(comparison: UniqueComparison) -> str:
    """The difference between the two rules, in words (in the current language)."""
    c = comparison
    if c.plain == 0:
        return _("No people were reported for this selection, so both rules give 0.")
    plain, unique = round(c.plain), round(c.unique)
    text = " ".join((
        ngettext("Adding up every report gives {n} person.", "Adding up every report gives {n} people.",
                 plain).format(n=_n(plain)),
        _("The same person can be reached by several organisations or activities in one area, so the cluster "
          "rule takes, for each area and population group, only the largest figure reported by any one "
          "organisation and activity, then adds up the areas."),
        ngettext("That gives {n} unique person.", "That gives {n} unique people.", unique).format(n=_n(unique)),
    ))
    if c.difference <= 0:
        return text + " " + _("The two agree: in every area and population group only one organisation and "
                              "activity reported, so nobody can have been counted twice.")
    overlap = ngettext(
        "The difference, {difference} ({share} of the plain sum), is the possible double counting: in "
        "{overlapping} of {areas} area more than one organisation or activity reported for the same population "
        "group.",
        "The difference, {difference} ({share} of the plain sum), is the possible double counting: in "
        "{overlapping} of {areas} areas more than one organisation or activity reported for the same population "
        "group.", c.areas).format(difference=_n(c.difference), share=format_percent(100 * (c.share or 0)),
                                  overlapping=format_number(c.areas_with_overlap), areas=format_number(c.areas))
    return " ".join((text, overlap, _("The unique figure is a floor: it assumes every smaller report reached "
                                      "people the largest one also reached.")))
