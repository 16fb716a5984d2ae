"""Resolving what a file calls an organisation, location, activity or indicator to the store's key.

Each resolver accepts the key itself, other codes and names, case- and accent-folded, and the template's
drop-down form ``CODE — label``. Unknown values get the nearest known key suggested (difflib).
Organisations must already exist: the tWG co-leads add organisations deliberately, so an unknown name is
a validation error with a suggestion, never a silent new organisation.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from dashboard import store
from geo.admin import resolve as resolve_admin

DROPDOWN_SEPARATOR = " — "


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
        return " or ".join(self.labels[k] for k in keys)

    def message(self, raw: str) -> str:
        hint = self.suggest(raw)
        return f"unknown {self.kind}" + (f" (did you mean {hint}?)" if hint else "")


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
        for pcode, iso, name_en, name_local, level in conn.execute(
            select(t.pcode, t.iso_code, t.name_en, t.name_local, t.admin_level).order_by(t.admin_level)
        ):
            iso_plain = iso.replace("-", "") if iso and level else None
            unit = resolve_admin(pcode)
            aliases = unit.aliases if unit is not None and unit.pcode == pcode else ()
            codes = (pcode, iso, iso_plain, *(a for a in aliases if re.fullmatch(r"[A-Z]{2}-\d{2}|[A-Z]{3}", a)))
            locs.add(pcode, codes, (name_en, name_local, *aliases), f"{iso or pcode} / {name_en}")
            levels[pcode] = int(level)
        locs.fallback = _admin_fallback
        acts = Resolver("activity")
        for code, name in conn.execute(select(store.activities.c.code, store.activities.c.name)):
            acts.add(code, (code,), (name,), f"{code} / {name}")
        inds = Resolver("indicator")
        units: dict[str, str] = {}
        for code, name, unit_name in conn.execute(
            select(store.indicators.c.code, store.indicators.c.name, store.indicators.c.unit)
        ):
            inds.add(code, (code,), (name, code), f"{code} / {name}")
            units[code] = unit_name
        return cls(orgs, locs, acts, inds, units, levels)
