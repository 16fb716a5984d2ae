"""The shared filters: one frozen, hashable object, parsed from and written to the URL query string.

Every parameter is checked against an allow-list built from the store (organisations, areas, indicators)
or from the vocabularies; anything else is dropped with a notice, never an exception.

Filters hold codes only (no language): they are hashable cache keys shared by every reader. Words for people
(preset names, parameter names, notices, period labels) are translated when they are produced, in the
language current at that moment (:func:`parse_query` and :func:`resolve_period` run once per script run).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date

from dashboard import vocab
from dashboard.i18n import N_, _, format_date
from dashboard.vocab import AGE_BANDS, ALL, COUNTRIES, ORG_TYPES, POPULATION_GROUPS, PYRAMID_LAYERS, SEX

#: Period preset code -> English label (message id); show it with :func:`preset_label`.
PRESETS = {
    "last_month": N_("Last complete month"),
    "last_quarter": N_("Last complete quarter"),
    "since_meeting": N_("Since the last tWG meeting"),
    "ytd": N_("Year to date"),
    "all": N_("Everything"),
    "custom": N_("Custom months"),
}
MONTH_RE = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Filters:
    """What the user is looking at. Tuples are sorted, so equal selections hash equally."""

    preset: str = "ytd"
    month_from: str | None = None  # YYYY-MM, used when preset == "custom"
    month_to: str | None = None
    countries: tuple[str, ...] = ()
    adm1: tuple[str, ...] = ()  # ISO 3166-2 codes, as in the URL
    organisations: tuple[str, ...] = ()  # organisation names
    org_types: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    layers: tuple[int, ...] = ()
    indicator: str | None = None
    population_groups: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()


@dataclass(frozen=True)
class AllowLists:
    """The values each parameter may take, read from the store."""

    adm1: frozenset[str] = frozenset()
    organisations: frozenset[str] = frozenset()
    activities: frozenset[str] = frozenset()
    indicators: frozenset[str] = frozenset()


# URL parameter -> (Filters field, allowed values or None for store-based, kind)
_PARAMS: dict[str, str] = {
    "period": "preset",
    "from": "month_from",
    "to": "month_to",
    "country": "countries",
    "adm1": "adm1",
    "org": "organisations",
    "orgtype": "org_types",
    "activity": "activities",
    "layer": "layers",
    "indicator": "indicator",
    "group": "population_groups",
    "sex": "sexes",
    "age": "age_bands",
}
#: URL parameter -> English name (message id); show it with :func:`param_label`.
PARAM_LABELS = {
    "period": N_("period"), "from": N_("from month"), "to": N_("to month"), "country": N_("country"),
    "adm1": N_("area"), "org": N_("organisation"), "orgtype": N_("organisation type"), "activity": N_("activity"),
    "layer": N_("pyramid layer"), "indicator": N_("indicator"), "group": N_("population group"), "sex": N_("sex"),
    "age": N_("age band"),
}
#: URL parameter -> the vocabulary its values come from (for readable values in :func:`describe`).
_PARAM_VOCAB = {"country": "country", "orgtype": "org_type", "layer": "pyramid_layer", "group": "population_group",
                "sex": "sex", "age": "age_band"}


def preset_label(code: str) -> str:
    """A period preset's name in the current language (``ytd`` -> ``Year to date`` / ``З початку року``)."""
    return _(PRESETS[code]) if code in PRESETS else code


def preset_labels() -> dict[str, str]:
    """Preset code -> name in the current language, in display order (a selectbox's ``format_func``)."""
    return {code: _(text) for code, text in PRESETS.items()}


def param_label(param: str) -> str:
    """A URL parameter's name for people in the current language (``orgtype`` -> ``organisation type``)."""
    return _(PARAM_LABELS[param]) if param in PARAM_LABELS else param


def _vocab_allowed(param: str, allow: AllowLists) -> frozenset[str]:
    static = {
        "period": frozenset(PRESETS),
        "country": frozenset(COUNTRIES),
        "orgtype": frozenset(ORG_TYPES),
        "layer": frozenset(str(k) for k in PYRAMID_LAYERS),
        "group": frozenset(k for k in POPULATION_GROUPS if k != ALL),
        "sex": frozenset(k for k in SEX if k != ALL),
        "age": frozenset(k for k in AGE_BANDS if k != ALL),
        "adm1": allow.adm1,
        "org": allow.organisations,
        "activity": allow.activities,
        "indicator": allow.indicators,
    }
    return static.get(param, frozenset())


def _values(raw: str | Sequence[str]) -> list[str]:
    items = [raw] if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def parse_query(params: Mapping[str, str | Sequence[str]], allow: AllowLists) -> tuple[Filters, list[str]]:
    """Build filters from URL parameters; return them with one notice per dropped parameter or value."""
    notices: list[str] = []
    values: dict[str, object] = {}
    for key, raw in params.items():
        if key not in _PARAMS:
            notices.append(_("Ignored the unknown link parameter “{name}”.").format(name=key[:40]))
            continue
        attr = _PARAMS[key]
        items = _values(raw)
        if key in ("from", "to"):
            month = items[0] if items else ""
            if MONTH_RE.match(month):
                values[attr] = month
            else:
                notices.append(_("Ignored {param} “{value}”: expected a month like 2024-01.").format(
                    param=param_label(key), value=month[:40]))
            continue
        allowed = _vocab_allowed(key, allow)
        good = [v for v in items if v in allowed]
        for bad in (v for v in items if v not in allowed):
            notices.append(_("Ignored {param} “{value}”: not a known value (it may be stale).").format(
                param=param_label(key), value=bad[:40]))
        if not good:
            continue
        if key in ("period", "indicator"):
            values[attr] = good[0]
        elif key == "layer":
            values[attr] = tuple(sorted({int(v) for v in good}))
        else:
            values[attr] = tuple(sorted(set(good)))
    if "preset" not in values and ("month_from" in values or "month_to" in values):
        values["preset"] = "custom"
    filters = Filters(**values)  # type: ignore[arg-type]
    if filters.month_from and filters.month_to and filters.month_from > filters.month_to:
        notices.append(_("Ignored the period: the start month is after the end month."))
        filters = replace(filters, month_from=None, month_to=None, preset="ytd")
    return filters, notices


def to_query(filters: Filters) -> dict[str, str]:
    """The URL parameters for ``filters`` (defaults left out), readable: ?country=POL&adm1=PL-MZ&from=2024-01."""
    default = Filters()
    out: dict[str, str] = {}
    for key, attr in _PARAMS.items():
        value = getattr(filters, attr)
        if value == getattr(default, attr) or value in (None, ()):
            continue
        if key in ("from", "to") and filters.preset != "custom":
            continue
        out[key] = ",".join(str(v) for v in value) if isinstance(value, tuple) else str(value)
    return out


def query_string(filters: Filters) -> str:
    """``?a=b&c=d`` for ``filters`` (empty string for the defaults)."""
    from urllib.parse import urlencode

    params = to_query(filters)
    return "?" + urlencode(params, safe=",") if params else ""


def month_add(month: str, delta: int) -> str:
    """Shift a YYYY-MM month by ``delta`` months."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class Period:
    """An inclusive range of months, with a label for people (in the language current when it was made;
    the label does not take part in equality)."""

    start: str
    end: str
    label: str = field(default="", compare=False)

    @property
    def months(self) -> int:
        return (int(self.end[:4]) - int(self.start[:4])) * 12 + int(self.end[5:]) - int(self.start[5:]) + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(month_add(self.start, -self.months), month_add(self.start, -1), _("previous period"))


def resolve_period(
    filters: Filters, today: date, first_month: str, last_meeting: date | None
) -> Period:
    """Turn the preset (or custom months) into concrete months, given today and the last tWG meeting; the
    label is written in the current language."""
    this_month = month_of(today)
    last_complete = month_add(this_month, -1)
    preset = filters.preset
    if preset == "last_month":
        return Period(last_complete, last_complete, _("{month} (last complete month)").format(month=last_complete))
    if preset == "last_quarter":
        quarter_start_month = ((today.month - 1) // 3) * 3 + 1
        end = month_add(f"{today.year:04d}-{quarter_start_month:02d}", -1)
        return Period(month_add(end, -2), end, _("{start} to {end} (last complete quarter)").format(
            start=month_add(end, -2), end=end))
    if preset == "since_meeting" and last_meeting is not None:
        start = month_of(last_meeting)
        return Period(start, this_month, _("since the tWG meeting of {date}").format(date=format_date(last_meeting)))
    if preset == "all":
        return Period(first_month, this_month, _("{start} to {end} (everything)").format(
            start=first_month, end=this_month))
    if preset == "custom":
        start = filters.month_from or first_month
        end = filters.month_to or this_month
        return Period(start, end, _("{start} to {end}").format(start=start, end=end))
    start = f"{today.year:04d}-01"
    return Period(start, this_month, _("{start} to {end} (year to date)").format(start=start, end=this_month))


def describe(
    filters: Filters, period: Period, *, machine: bool = False, readable: bool = False
) -> list[tuple[str, str]]:
    """The filters as (name, value) pairs for files and briefings; 'all' where nothing is chosen.

    Names (and 'all') are in the current language unless ``machine`` (English names, for JSON read by
    programs). Values are the codes of the URL unless ``readable``: then vocabulary codes become labels in
    the current language (``POL`` -> ``Poland`` / ``Польща``)."""
    def name(param: str) -> str:
        return PARAM_LABELS[param] if machine else param_label(param)

    everything = "all" if machine else _("all")
    rows = [(name("period"), period.label or (f"{period.start} to {period.end}" if machine else
                                               _("{start} to {end}").format(start=period.start, end=period.end)))]
    for key, attr in _PARAMS.items():
        if key in ("period", "from", "to"):
            continue
        value = getattr(filters, attr)
        items = value if isinstance(value, tuple) else ((value,) if value else ())
        if readable and not machine and key in _PARAM_VOCAB:
            items = tuple(vocab.label(_PARAM_VOCAB[key], v) for v in items)
        rows.append((name(key), ", ".join(str(v) for v in items) or everything))
    return rows


def field_names() -> list[str]:
    return [f.name for f in fields(Filters)]
