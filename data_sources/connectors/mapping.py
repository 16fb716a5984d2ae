"""Field mappings for form-based sources (KoboToolbox, ActivityInfo): from one record to fact rows.

A mapping is a JSON object naming, for each fact column, either a constant or ``{"field": …}`` with optional
``"map"`` (answer code or label → store value), ``"default"`` (used when the answer is empty) and
``"multiple": true`` (space-separated codes, one fact row per code). ``"values"`` turns several numeric fields
into rows (wide → long), each with its own constant disaggregation; ``"where"`` keeps only matching records.
Records become rows here, then :func:`aggregate` sums them per month into facts.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from dashboard.vocab import AGE_BANDS, ALL, DISABILITY, ORG_TYPES, POPULATION_GROUPS, SEX
from data_sources.connectors.base import ConnectorError, empty_facts, month_bounds
from geo.admin import resolve

TARGETS = ("indicator", "organisation", "org_type", "activity", "location", "date", "sex", "age_band",
           "population_group", "disability")
REQUIRED = ("indicator", "organisation", "location")
DIMENSION_DEFAULTS = {"sex": ALL, "age_band": ALL, "population_group": ALL, "disability": ALL}
MISSING_ANSWER = {"sex": "other", "disability": "unknown"}  # an unanswered question means "unknown" here
GROUP_KEYS = ["indicator", "organisation", "org_type", "activity", "location", "period_start", "period_end",
              "period_month", "sex", "age_band", "population_group", "disability"]

_SYNONYMS: dict[str, dict[str, str]] = {
    "sex": {
        "female": "female", "f": "female", "woman": "female", "women": "female", "girl": "female",
        "girls": "female", "жінка": "female", "жіноча": "female", "kobieta": "female", "moteris": "female",
        "male": "male", "m": "male", "man": "male", "men": "male", "boy": "male", "boys": "male",
        "чоловік": "male", "чоловіча": "male", "mężczyzna": "male", "vyras": "male",
        "other": "other", "unknown": "other", "x": "other", "o": "other", "u": "other",
        "prefer not to say": "other", "all": ALL, "total": ALL,
    },
    "population_group": {
        "refugee": "refugee", "refugees": "refugee", "ref": "refugee", "host": "host",
        "host community": "host", "hst": "host", "idp": "idp", "idps": "idp",
        "internally displaced": "idp", "internally displaced person": "idp", "returnee": "returnee",
        "returnees": "returnee", "ret": "returnee", "all": ALL, "total": ALL,
    },
    "disability": {"yes": "yes", "true": "yes", "no": "no", "false": "no", "unknown": "unknown", "all": ALL},
}
_ACTIVITY = re.compile(r"^\s*(\d\.\d)\b")


@dataclass(frozen=True)
class Spec:
    """How one fact column gets its value: a constant, or a field with an optional answer mapping."""

    target: str
    constant: Any = None
    field: str | None = None
    mapping: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    default: Any = None
    multiple: bool = False


@dataclass(frozen=True)
class ValueColumn:
    spec: Spec
    overrides: Mapping[str, str]


@dataclass(frozen=True)
class Where:
    field: str
    accepted: tuple[str, ...]


@dataclass(frozen=True)
class FactMapping:
    """A parsed mapping; ``name`` is what messages and the facts' source column call it."""

    name: str
    specs: Mapping[str, Spec]
    values: tuple[ValueColumn, ...]
    where: tuple[Where, ...]

    @classmethod
    def parse(cls, raw: Any, where: str, name: str) -> FactMapping:
        """Parse a mapping object; ``where`` names the setting (and form) in error messages."""
        if not isinstance(raw, dict):
            raise ConnectorError(f"{where}: a mapping must be a JSON object")
        unknown = sorted(set(raw) - set(TARGETS) - {"values", "value", "where", "name", "uid", "language",
                                                      "repeat", "page_size", "include_not_approved"})
        if unknown:
            raise ConnectorError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(TARGETS)}, "
                                 "value, values, where, name, repeat)")
        missing = [t for t in REQUIRED if t not in raw]
        if missing:
            raise ConnectorError(f"{where}: {' and '.join(missing)} missing (a constant or {{\"field\": …}})")
        specs = {t: _spec(t, raw[t], where) for t in TARGETS if t in raw}
        if "date" not in specs:
            raise ConnectorError(f"{where}: say which field holds the date (\"date\": {{\"field\": …}})")
        if specs["date"].field is None and parse_day(specs["date"].constant) is None:
            raise ConnectorError(f"{where}: date must be {{\"field\": …}} or a date such as 2025-03-01, "
                                 f"not {specs['date'].constant!r}")
        for target, default in DIMENSION_DEFAULTS.items():
            specs.setdefault(target, Spec(target, constant=default))
        org_type = specs.get("org_type")
        if org_type and org_type.constant is not None and org_type.constant not in ORG_TYPES:
            raise ConnectorError(f"{where}: org_type must be one of {', '.join(ORG_TYPES)}")
        if "values" in raw:
            items = raw["values"]
            if not isinstance(items, list) or not items:
                raise ConnectorError(f"{where}: \"values\" must be a list of {{\"field\": …}} objects")
            values = tuple(_value_column(item, where) for item in items)
        else:
            values = (ValueColumn(_spec("value", raw.get("value", 1), where), {}),)
            if values[0].spec.field is None and parse_number(values[0].spec.constant) is None:
                raise ConnectorError(f"{where}: value must be a number or {{\"field\": …}}")
        wheres = raw.get("where", [])
        wheres = [wheres] if isinstance(wheres, dict) else wheres
        return cls(name, specs, values, tuple(_where(w, where) for w in wheres))

    def fields(self) -> list[str]:
        """Every field the mapping reads, in a stable order."""
        names = [s.field for s in self.specs.values() if s.field]
        names += [v.spec.field for v in self.values if v.spec.field]
        names += [w.field for w in self.where]
        return list(dict.fromkeys(names))


def _spec(target: str, raw: Any, where: str) -> Spec:
    if isinstance(raw, dict):
        if not isinstance(raw.get("field"), str) or not raw["field"].strip():
            raise ConnectorError(f"{where}: {target} needs a \"field\" name")
        mapping = raw.get("map", {})
        if not isinstance(mapping, dict):
            raise ConnectorError(f"{where}: {target} \"map\" must be an object of answer → value")
        return Spec(target, field=raw["field"].strip(), mapping={str(k): v for k, v in mapping.items()},
                    default=raw.get("default"), multiple=bool(raw.get("multiple", False)))
    if isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
        if target not in ("value", "date", "organisation", "indicator", "org_type"):
            text = normalise(target, str(raw))
            if text is None:
                raise ConnectorError(f"{where}: {target} {raw!r} is not a known value")
            return Spec(target, constant=text)
        return Spec(target, constant=raw)
    raise ConnectorError(f"{where}: {target} must be a constant or {{\"field\": …}}")


def _value_column(item: Any, where: str) -> ValueColumn:
    if not isinstance(item, dict) or "field" not in item:
        raise ConnectorError(f"{where}: each entry of \"values\" needs a \"field\"")
    overrides = {}
    for key, value in item.items():
        if key in DIMENSION_DEFAULTS:
            text = normalise(key, str(value))
            if text is None:
                raise ConnectorError(f"{where}: {key} {value!r} in \"values\" is not a known value")
            overrides[key] = text
        elif key not in ("field", "default"):
            raise ConnectorError(f"{where}: \"values\" entries take field, default, sex, age_band, "
                                 f"population_group and disability, not {key!r}")
    return ValueColumn(Spec("value", field=str(item["field"]), default=item.get("default")), overrides)


def _where(raw: Any, where: str) -> Where:
    if not isinstance(raw, dict) or "field" not in raw or not ({"equals", "in"} & set(raw)):
        raise ConnectorError(f"{where}: \"where\" takes {{\"field\": …, \"equals\": …}} or {{\"field\": …, \"in\": [...]}}")
    accepted = raw.get("in", [raw.get("equals")])
    return Where(str(raw["field"]), tuple(str(a) for a in accepted))


# --- normalising answers ----------------------------------------------------------------------------------


def age_band(years: float) -> str:
    """The vocabulary's age band for an age in years."""
    for upper, band in ((4, "0-4"), (11, "5-11"), (17, "12-17"), (59, "18-59")):
        if years <= upper:
            return band
    return "60+"


@functools.lru_cache(maxsize=8192)
def normalise(target: str, text: str) -> Any:
    """The store value an answer (code or label) stands for, or None when it is not recognised."""
    value = str(text).strip()
    folded = value.lower().replace("–", "-").replace(" ", " ")
    if not value:
        return None
    if target in ("sex", "population_group", "disability"):
        vocab = {"sex": SEX, "population_group": POPULATION_GROUPS, "disability": DISABILITY}[target]
        return folded if folded in vocab else _SYNONYMS[target].get(folded)
    if target == "age_band":
        compact = folded.replace(" ", "").replace("years", "").replace("and over", "+").replace("andover", "+")
        if compact in AGE_BANDS:
            return compact
        if compact in ("total", "all"):
            return ALL
        try:
            return age_band(float(compact))
        except ValueError:
            return None
    if target == "location":
        unit = resolve(value)
        return unit.pcode if unit else None
    if target == "activity":
        match = _ACTIVITY.match(value)
        return match.group(1) if match else None
    if target == "indicator":
        return value.upper()
    if target == "org_type":
        return folded if folded in ORG_TYPES else None
    return value


def parse_day(value: Any) -> date | None:
    """A date from ISO text (``2025-03``, ``2025-03-15``, ``2025-03-15T10:00:00.000+02:00``), or None."""
    if isinstance(value, (date, datetime)):
        return value if isinstance(value, date) and not isinstance(value, datetime) else value.date()
    text = str(value or "").strip()
    match = re.match(r"^(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
    except ValueError:
        return None


def parse_number(value: Any) -> float | None:
    """A number from an answer that may be text ("12", "1 256", "1,256"); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = re.sub(r"[\s,  ]", "", str(value or ""))
    try:
        return float(text) if text else None
    except ValueError:
        return None


# --- records to rows --------------------------------------------------------------------------------------


class Record:
    """One record as a mapping sees it. Subclasses add answer labels and form-specific field lookup."""

    def __init__(self, values: Mapping[str, Any], ref: str) -> None:
        self.values = values
        self.ref = ref

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def label(self, name: str, code: str) -> str | None:
        return None

    def is_multiple(self, name: str) -> bool:
        return False


class RowProblem(ValueError):
    """One record cannot become a fact; the message says why, without the record's reference."""


@dataclass
class Problems:
    """Records skipped, grouped by reason, with a few example references each."""

    noun: str = "record"
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, ref: str) -> None:
        self.reasons.setdefault(reason, []).append(ref)

    @property
    def skipped(self) -> int:
        return sum(len(refs) for refs in self.reasons.values())

    def lines(self, prefix: str) -> list[str]:
        out = []
        for reason, refs in sorted(self.reasons.items(), key=lambda item: -len(item[1])):
            examples = ", ".join(refs[:3]) + (", …" if len(refs) > 3 else "")
            out.append(f"{prefix}: {len(refs)} {self.noun}(s) skipped: {reason} (e.g. {examples})")
        return out


def _answers(spec: Spec, record: Record) -> list[Any]:
    if spec.field is None:
        return [spec.constant]
    raw = record.raw(spec.field)
    if raw is None or (isinstance(raw, str) and not raw.strip()) or isinstance(raw, (list, dict)):
        if spec.default is not None:
            return [spec.default]
        if spec.target in MISSING_ANSWER:
            return [MISSING_ANSWER[spec.target]]
        raise RowProblem(f"no answer for {spec.field!r}")
    multiple = spec.multiple or record.is_multiple(spec.field)
    codes = str(raw).split() if multiple and isinstance(raw, str) else [raw]
    out = []
    for code in codes:
        label = record.label(spec.field, str(code))
        if spec.mapping:
            value = spec.mapping.get(str(code), spec.mapping.get(label or "\0"))
            if value is None:
                shown = f"{code!r}" + (f" ({label})" if label else "")
                raise RowProblem(f"answer {shown} of {spec.field!r} is not in the mapping")
            out.append(value if spec.target in ("organisation", "date", "value") else
                       normalise(spec.target, str(value)) or value)
            continue
        if spec.target == "organisation":
            out.append(label or str(code).strip())
            continue
        if spec.target in ("date", "value"):
            out.append(code)
            continue
        value = normalise(spec.target, str(code))
        if value is None and label:
            value = normalise(spec.target, label)
        if value is None:
            shown = f"{code!r}" + (f" ({label})" if label else "")
            raise RowProblem(f"{spec.target} {shown} in {spec.field!r} is not recognised")
        out.append(value)
    return out


def _accepted(where: Where, record: Record) -> bool:
    raw = record.raw(where.field)
    if raw is None:
        return False
    codes = str(raw).split() if record.is_multiple(where.field) else [str(raw).strip()]
    labels = [record.label(where.field, c) for c in codes]
    return any(c in where.accepted or (lab is not None and lab in where.accepted) for c, lab in zip(codes, labels, strict=True))


def record_rows(mapping: FactMapping, record: Record) -> list[dict[str, Any]]:
    """The fact rows (before aggregation) one record yields; raises RowProblem when it cannot yield any."""
    if not all(_accepted(w, record) for w in mapping.where):
        return []
    choices = {target: _answers(spec, record) for target, spec in mapping.specs.items()}
    day = parse_day(choices["date"][0])
    if day is None:
        raise RowProblem(f"date {choices['date'][0]!r} is not a date")
    choices["date"] = [day]
    rows = []
    for column in mapping.values:
        if len(mapping.values) > 1 and column.spec.field and column.spec.default is None and \
                _blank(record.raw(column.spec.field)):
            continue  # a blank cell of a wide form: nothing reported for that disaggregation
        amounts = _answers(column.spec, record) if column.spec.field else [column.spec.constant]
        amount = parse_number(amounts[0])
        if amount is None:
            field_name = column.spec.field or "value"
            raise RowProblem(f"{field_name!r} is not a number ({amounts[0]!r})")
        for combo in itertools.product(*choices.values()):
            row = dict(zip(choices.keys(), combo, strict=True))
            row.update(column.overrides)
            row["value"] = amount
            rows.append(row)
    return rows


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def collect_rows(mapping: FactMapping, records: Iterable[Record], problems: Problems) -> list[dict[str, Any]]:
    """Rows from every record; records that cannot be mapped are skipped and noted in ``problems``."""
    rows: list[dict[str, Any]] = []
    for record in records:
        try:
            rows.extend(record_rows(mapping, record))
        except RowProblem as exc:
            problems.add(str(exc), record.ref)
    return rows


def aggregate(rows: list[dict[str, Any]], source: str, noun: str = "record") -> pd.DataFrame:
    """Sum rows into monthly facts (one per organisation, activity, place, month and disaggregation)."""
    if not rows:
        return empty_facts()
    frame = pd.DataFrame(rows)
    for column in ("org_type", "activity"):
        if column not in frame.columns:
            frame[column] = None
    bounds = [month_bounds(d) for d in frame["date"]]
    frame["period_start"] = [b[0] for b in bounds]
    frame["period_end"] = [b[1] for b in bounds]
    frame["period_month"] = [b[2] for b in bounds]
    frame["activity"] = frame["activity"].astype(object).where(frame["activity"].notna(), "")
    frame["org_type"] = frame["org_type"].astype(object).where(frame["org_type"].notna(), "")
    grouped = frame.groupby(GROUP_KEYS, as_index=False, sort=True).agg(value=("value", "sum"), records=("value", "size"))
    grouped["activity"] = grouped["activity"].replace("", None)
    grouped["org_type"] = grouped["org_type"].replace("", None)
    grouped["source"] = source
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    grouped["note"] = [f"{n} {noun if n == 1 else plural}" for n in grouped["records"]]
    return grouped.drop(columns="records")
