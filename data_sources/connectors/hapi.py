"""HDX HAPI: baseline population (residents per area) and refugees from Ukraine per host country as
denominators, and 3W operational presence as facts.

Every request carries the ``app_identifier`` parameter; pages are fetched with ``limit``/``offset`` until a page
is shorter than the limit. Answers may be a bare list (the beta API) or a ``{"data": [...]}`` envelope (v1/v2):
both are read. Admin codes are OCHA P-codes; refugee records are keyed by asylum (not location) code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd

from dashboard.vocab import ALL, LIVE_SOURCES
from data_sources.connectors.base import (
    ENV,
    Connector,
    ConnectorError,
    LoadResult,
    Progress,
    empty_facts,
    month_bounds,
    quiet,
    validate_denominators,
    validate_facts,
)
from data_sources.connectors.http import HttpClient, unwrap_rows
from data_sources.connectors.mapping import parse_day, parse_number
from geo.admin import resolve

POPULATION = "/api/v2/geography-infrastructure/baseline-population"
REFUGEES = "/api/v2/affected-people/refugees-persons-of-concern"
PRESENCE = "/api/v2/coordination-context/operational-presence"
PAGE_SIZE = 1000
REFUGEE_GROUPS = {"REF"}
SOURCE_POPULATION = f"{LIVE_SOURCES['hapi']}: baseline population (COD-PS)"
SOURCE_REFUGEES = f"{LIVE_SOURCES['hapi']}: UNHCR refugee statistics, refugees from Ukraine"
SOURCE_PRESENCE = f"{LIVE_SOURCES['hapi']}: operational presence (3W)"
ORG_TYPE_WORDS = (("international ngo", "ingo"), ("national ngo", "nngo"), ("un agency", "un"),
                  ("united nations", "un"), ("government", "government"), ("academic", "academic"),
                  ("research", "academic"), ("community", "cbo"), ("red cross", "ingo"), ("ngo", "nngo"))


def _is_all(value: Any) -> bool:
    return value is None or str(value).strip().lower() in ("all", "")


def total(rows: list[dict[str, Any]]) -> float | None:
    """One population figure from rows of one place and date that may be split by gender and age.

    Prefers the all-genders all-ages row; else adds up the age ranges of all genders, else the genders of
    all ages, else every female and male row."""
    def amount(picked: list[dict[str, Any]]) -> float | None:
        numbers = [parse_number(r.get("population")) for r in picked]
        return None if not picked or any(n is None for n in numbers) else float(sum(n for n in numbers if n is not None))

    everything = [r for r in rows if _is_all(r.get("gender")) and _is_all(r.get("age_range"))]
    if everything:
        return amount(everything[-1:])
    by_age = [r for r in rows if _is_all(r.get("gender"))]
    if by_age:
        return amount(by_age)
    by_gender = [r for r in rows if _is_all(r.get("age_range"))]
    return amount(by_gender or rows)


def org_type(description: Any) -> str:
    """The store's organisation type for HAPI's type description (unrecognised ones count as national NGOs)."""
    text = str(description or "").lower()
    return next((code for word, code in ORG_TYPE_WORDS if word in text), "nngo")


class HapiConnector(Connector):
    name = "hapi"
    required = ("hapi_app_identifier",)

    def client(self) -> HttpClient:
        app = self.settings.hapi_app_identifier
        return HttpClient(self.label, timeout=self.settings.http_timeout, retries=self.settings.http_retries,
                          params={"app_identifier": app, "output_format": "json"}, secrets=[app],
                          auth_setting=ENV["hapi_app_identifier"], sleep=self.sleep, backoff=self.backoff)

    def missing_settings(self) -> list[str]:
        missing = super().missing_settings()
        if "presence" in self.settings.hapi_themes and not self.settings.hapi_presence_indicator:
            missing.append(ENV["hapi_presence_indicator"])
        return missing

    def check_connection(self) -> str:
        self.ensure_configured()
        location = (self.settings.hapi_locations or ("UKR",))[0]
        body = self.client().get_json(self.settings.hapi_url + POPULATION, {"location_code": location, "limit": 1})
        if unwrap_rows(body) is None:
            raise ConnectorError(f"{self.label}: unexpected answer from {POPULATION}")
        return f"{self.label} answered: baseline population is available for {location}"

    def _pages(self, client: HttpClient, path: str, params: dict[str, Any], what: str,
               progress: Progress) -> Iterator[dict[str, Any]]:
        count = 0
        for number, rows in enumerate(client.iter_offset_pages(self.settings.hapi_url + path, params, PAGE_SIZE), 1):
            count += len(rows)
            progress(f"{self.label} · {what}: page {number}, {count} rows")
            yield from (r for r in rows if isinstance(r, dict))

    def load(self, progress: Progress = quiet) -> LoadResult:
        self.ensure_configured()
        client = self.client()
        themes = self.settings.hapi_themes
        denominators: list[dict[str, Any]] = []
        warnings: list[str] = []
        outside: set[str] = set()
        if "population" in themes:
            denominators += self._population(client, progress, outside)
        if "refugees" in themes:
            denominators += self._refugees(client, progress, outside)
        facts = self._presence(client, progress, outside) if "presence" in themes else empty_facts()
        if outside:
            warnings.append(f"rows for {len(outside)} place(s) outside the admin table left out "
                            f"(e.g. {', '.join(sorted(outside)[:3])})")
        result = LoadResult(facts=validate_facts(facts, self.label), warnings=warnings, requests=client.requests)
        if denominators:
            result.denominators, more = validate_denominators(pd.DataFrame(denominators), self.label)
            result.warnings += more
        return result

    @staticmethod
    def _place(row: dict[str, Any], code_key: str, outside: set[str], name_key: str = "") -> str | None:
        code = row.get(code_key)
        unit = resolve(str(code)) if code else None
        if unit is None and name_key and row.get(name_key):
            unit = resolve(str(row[name_key]))
        if unit is None:
            outside.add(str(code or row.get(name_key) or "?"))
            return None
        return unit.pcode

    @staticmethod
    def _ref_date(row: dict[str, Any]) -> date | None:
        return parse_day(row.get("reference_period_end")) or parse_day(row.get("reference_period_start"))

    def _population(self, client: HttpClient, progress: Progress, outside: set[str]) -> list[dict[str, Any]]:
        groups: dict[tuple[str, date], list[dict[str, Any]]] = defaultdict(list)
        for location in self.settings.hapi_locations:
            for level in (0, 1):
                params = {"location_code": location, "admin_level": level}
                for row in self._pages(client, POPULATION, params, f"population {location} admin {level}", progress):
                    key = "admin1_code" if level == 1 and row.get("admin1_code") else "location_code"
                    pcode = self._place(row, key, outside, "admin1_name" if level == 1 else "location_name")
                    day = self._ref_date(row)
                    if pcode and day:
                        groups[(pcode, day)].append(row)
        return [{"location": pcode, "measure": "residents", "population_group": ALL, "ref_date": day,
                 "value": value, "source": SOURCE_POPULATION}
                for (pcode, day), rows in groups.items() if (value := total(rows)) is not None]

    def _refugees(self, client: HttpClient, progress: Progress, outside: set[str]) -> list[dict[str, Any]]:
        groups: dict[tuple[str, date], list[dict[str, Any]]] = defaultdict(list)
        for location in self.settings.hapi_locations:
            if location == "UKR":
                continue
            params = {"origin_location_code": "UKR", "asylum_location_code": location}
            for row in self._pages(client, REFUGEES, params, f"refugees from Ukraine in {location}", progress):
                if str(row.get("population_group", "")).upper() not in REFUGEE_GROUPS:
                    continue
                pcode = self._place(row, "asylum_location_code", outside, "asylum_location_name")
                day = self._ref_date(row)
                if pcode and day:
                    groups[(pcode, day)].append(row)
        return [{"location": pcode, "measure": "refugees_present", "population_group": "refugee", "ref_date": day,
                 "value": value, "source": SOURCE_REFUGEES}
                for (pcode, day), rows in groups.items() if (value := total(rows)) is not None]

    def _presence(self, client: HttpClient, progress: Progress, outside: set[str]) -> pd.DataFrame:
        facts: dict[tuple[str, str, date], dict[str, Any]] = {}
        for location in self.settings.hapi_locations:
            for sector in self.settings.hapi_sectors:
                params = {"location_code": location, "sector_code": sector}
                for row in self._pages(client, PRESENCE, params, f"3W presence {location} {sector}", progress):
                    key = "admin1_code" if row.get("admin1_code") else "location_code"
                    pcode = self._place(row, key, outside, "admin1_name")
                    start = parse_day(row.get("reference_period_start"))
                    name = str(row.get("org_name") or row.get("org_acronym") or "").strip()[:200]
                    if not (pcode and start and name):
                        continue
                    end = parse_day(row.get("reference_period_end")) or month_bounds(start)[1]
                    facts[(name, pcode, start)] = {
                        "indicator": self.settings.hapi_presence_indicator, "organisation": name,
                        "org_type": org_type(row.get("org_type_description")), "activity": None,
                        "location": pcode, "period_start": start, "period_end": max(end, start),
                        "period_month": start.strftime("%Y-%m"), "sex": ALL, "age_band": ALL,
                        "population_group": ALL, "disability": ALL, "value": 1.0, "source": SOURCE_PRESENCE,
                        "note": f"sector {row.get('sector_name') or sector}",
                    }
        return pd.DataFrame(list(facts.values())) if facts else empty_facts()
