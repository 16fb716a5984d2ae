"""Resolving what a file calls an organisation, location, activity or indicator to the store's key.

Each resolver accepts the key itself, other codes and names, case- and accent-folded, and the template's
drop-down form ``CODE — label``. Unknown values get the nearest known key suggested (difflib).
Organisations must already exist: the tWG co-leads add organisations deliberately, so an unknown name is
a validation error with a suggestion, never a silent new organisation.

Suggestions name areas, activities and indicators in the reader's language where the data has it (an
oblast's Ukrainian name on the Ukrainian page); every name shown is also accepted as input.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from babel.lists import format_list
from sqlalchemy import Connection, select

from dashboard import i18n, names, store
from dashboard.i18n import N_, _
from geo.admin import resolve as resolve_admin

DROPDOWN_SEPARATOR = " — "
#: Per kind of key: the messages for an unknown value, an unknown value with a suggestion, a missing value.
UNKNOWN = {"organisation": N_("unknown organisation"), "location": N_("unknown location"),
           "activity": N_("unknown activity"), "indicator": N_("unknown indicator")}
UNKNOWN_HINT = {"organisation": N_("unknown organisation (did you mean {hint}?)"),
                "location": N_("unknown location (did you mean {hint}?)"),
                "activity": N_("unknown activity (did you mean {hint}?)"),
                "indicator": N_("unknown indicator (did you mean {hint}?)")}
MISSING = {"organisation": N_("the organisation is missing"), "location": N_("the location is missing"),
           "activity": N_("the activity is missing"), "indicator": N_("the indicator is missing")}


def fold(text: str) -> str:
    """Case, accents, punctuation and spacing folded away."""
    norm = unicodedata.normalize("NFKD", text.strip().casefold().replace("ł", "l"))
    norm = "".join(ch for ch in norm if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-zа-яіїєґ]+", "", norm)


@dataclass
class Resolver:
    """Maps spellings to a key; ``labels`` gives each key's display name for suggestions."""

    kind: str
    exact: dict[str, str] = field(default_factory=dict)  # upper-cased code → key
    folded: dict[str, str] = field(default_factory=dict)  # folded name → key
    labels: dict[str, str] = field(default_factory=dict)  # key → "code / name" shown in suggestions
    fallback: Callable[[str], str | None] | None = None  # a last resort (the admin table's alias rules)

    def add(self, key: str, codes: tuple[str | None, ...], names: tuple[str | None, ...], label: str) -> None:
        for code in codes:
            if code:
                self.exact.setdefault(code.strip().upper(), key)
        for name in names:
            if name and fold(name):
                self.folded.setdefault(fold(name), key)
        self.labels[key] = label

    def resolve(self, raw: str) -> str | None:
        text = raw.strip()
        for candidate in _candidates(text):
            key = self.exact.get(candidate.upper()) or self.folded.get(fold(candidate))
            if key is not None:
                return key
        if self.fallback is not None:
            key = self.fallback(text)
            if key in self.labels:
                return key
        return None

    def suggest(self, raw: str) -> str | None:
        """The nearest known spelling(s) as 'code / name' (two when equally near), or None when nothing is close."""
        text = raw.strip()
        scored: dict[str, float] = {}
        for probe, table in ((text.upper(), self.exact), (fold(text), self.folded)):
            for match in difflib.get_close_matches(probe, list(table), n=4, cutoff=0.6):
                ratio = difflib.SequenceMatcher(None, probe, match).ratio()
                key = table[match]
                scored[key] = max(scored.get(key, 0.0), ratio)
        if not scored:
            return None
        best = max(scored.values())
        keys = sorted((k for k, v in scored.items() if v >= best - 1e-9), key=lambda k: self.labels[k])[:2]
        return format_list([self.labels[k] for k in keys], style="or", locale=i18n.babel_locale())

    def message(self, raw: str) -> str:
        """Why ``raw`` is refused, in the current language, with the nearest known value when there is one."""
        hint = self.suggest(raw)
        return _(UNKNOWN_HINT[self.kind]).format(hint=hint) if hint else _(UNKNOWN[self.kind])

    def missing(self) -> str:
        return _(MISSING[self.kind])


def local_name(row: Mapping[Any, Any]) -> str:
    """An activity's or indicator's name in the current language (per-language columns such as ``name_uk``
    where the store has them), else its English name."""
    lang = i18n.current()
    local = row.get(f"name_{lang}") if lang != i18n.DEFAULT else None
    return local if isinstance(local, str) and local.strip() else str(row["name"])


def _admin_fallback(text: str) -> str | None:
    """geo.admin's resolver folds admin-type words ("Lviv Oblast", "województwo mazowieckie")."""
    unit = resolve_admin(text)
    return unit.pcode if unit is not None else None


def _candidates(text: str) -> list[str]:
    out = [text]
    for sep in (DROPDOWN_SEPARATOR, " - ", " – ", ": "):
        if sep in text:
            out.append(text.split(sep, 1)[0])
    first = re.match(r"([A-Za-z]{0,3}[-_]?\d[\w.-]*)\s+\S", text)  # "2.1 Person-focused…", "UA46 Lviv"
    if first:
        out.append(first[1])
    paren = re.fullmatch(r"(.*?)\s*\(([^()]+)\)\s*", text)
    if paren:
        out.extend([paren[2], paren[1]])
    return out


@dataclass
class StoreLookups:
    """The four resolvers plus what validation needs to know about indicators and locations."""

    organisations: Resolver
    locations: Resolver
    activities: Resolver
    indicators: Resolver
    indicator_units: dict[str, str]
    location_levels: dict[str, int]

    @classmethod
    def read(cls, conn: Connection) -> "StoreLookups":
        orgs = Resolver("organisation")
        for name, acronym in conn.execute(select(store.organisations.c.name, store.organisations.c.acronym)):
            orgs.add(name, (acronym,), (name, acronym), name + (f" ({acronym})" if acronym else ""))
        locs = Resolver("location")
        levels: dict[str, int] = {}
        t = store.locations.c
        for row in conn.execute(select(store.locations).order_by(t.admin_level)).mappings():
            pcode, iso, level = row["pcode"], row["iso_code"], row["admin_level"]
            iso_plain = iso.replace("-", "") if iso and level else None
            unit = resolve_admin(pcode)
            aliases = unit.aliases if unit is not None and unit.pcode == pcode else ()
            codes = (pcode, iso, iso_plain, *(a for a in aliases if re.fullmatch(r"[A-Z]{2}-\d{2}|[A-Z]{3}", a)))
            locs.add(pcode, codes, (row["name_en"], row["name_local"], *aliases),
                     f"{iso or pcode} / {names.area_name(row)}")
            levels[pcode] = int(level)
        locs.fallback = _admin_fallback
        acts = Resolver("activity")
        for row in conn.execute(select(store.activities)).mappings():
            shown = local_name(row)
            acts.add(row["code"], (row["code"],), (row["name"], shown), f"{row['code']} / {shown}")
        inds = Resolver("indicator")
        units: dict[str, str] = {}
        for row in conn.execute(select(store.indicators)).mappings():
            shown = local_name(row)
            inds.add(row["code"], (row["code"],), (row["name"], row["code"], shown), f"{row['code']} / {shown}")
            units[row["code"]] = row["unit"]
        return cls(orgs, locs, acts, inds, units, levels)
