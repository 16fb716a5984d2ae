"""UNHCR Operational Data Portal (Ukraine Refugee Situation): refugees from Ukraine per host country as
denominators.

``/population/get/sublocation`` gives the latest figure per host country, each with its own date (the figures
are "latest available", not of one common date) and every number as a string (``"individuals": "1256568"``).
``/population/get/timeseries`` with a country's ``geo_id`` gives that country's daily series, numbers as
integers. Countries outside the admin table (Germany, Czechia…) are left out and counted.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard.vocab import LIVE_SOURCES
from data_sources.connectors.base import (
    Connector,
    ConnectorError,
    LoadResult,
    Progress,
    quiet,
    validate_denominators,
)
from data_sources.connectors.http import HttpClient
from data_sources.connectors.mapping import parse_day, parse_number
from geo.admin import by_pcode, resolve

SOURCE = f"{LIVE_SOURCES['unhcr']}: Operational Data Portal, Ukraine Refugee Situation"
MEASURE = "refugees_present"


class UnhcrConnector(Connector):
    name = "unhcr"
    required = ("unhcr_url", "unhcr_situation", "unhcr_population_group")

    def client(self) -> HttpClient:
        return HttpClient(self.label, timeout=self.settings.http_timeout, retries=self.settings.http_retries,
                          sleep=self.sleep, backoff=self.backoff)

    def _params(self, **extra: Any) -> dict[str, Any]:
        return {"sv_id": self.settings.unhcr_situation, "population_group": self.settings.unhcr_population_group,
                "fromdate": "1900-01-01", **extra}

    def _sublocation(self, client: HttpClient) -> list[Any]:
        body = client.get_json(f"{self.settings.unhcr_url}/population/get/sublocation",
                               self._params(forcesublocation=0))
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ConnectorError(f"{self.label}: unexpected answer from /population/get/sublocation (no 'data' list)")
        return list(body["data"])

    def check_connection(self) -> str:
        self.ensure_configured()
        rows = self._sublocation(self.client())
        return f"{self.label} answered: {len(rows)} host countries in situation {self.settings.unhcr_situation}"

    def load(self, progress: Progress = quiet) -> LoadResult:
        self.ensure_configured()
        client = self.client()
        figures: list[dict[str, Any]] = []
        warnings: list[str] = []
        rows = self._sublocation(client)
        outside = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            name = str(row.get("geomaster_name") or "").strip()
            unit = resolve(name)
            if unit is None:
                outside.append(name or "?")
                continue
            value, day = parse_number(row.get("individuals")), parse_day(row.get("date"))
            if value is None or day is None:
                warnings.append(f"{name}: figure {row.get('individuals')!r} of {row.get('date')!r} is not a count "
                                "with a date; left out")
                continue
            figures.append({"location": unit.pcode, "ref_date": day, "value": value})
        progress(f"{self.label}: latest figures for {len(figures)} host countries in the admin table")
        if outside:
            warnings.append(f"{len(outside)} host countr{'y' if len(outside) == 1 else 'ies'} outside the admin "
                            f"table left out (e.g. {', '.join(outside[:3])})")
        units = by_pcode()
        for pcode, geo_id in self.settings.unhcr_timeseries:
            if pcode not in units:
                raise ConnectorError(f"MHPSS_UNHCR_TIMESERIES: {pcode!r} is not a P-code of the admin table")
            series = self._timeseries(client, geo_id, units[pcode].name_en)
            figures += [{"location": pcode, **point} for point in series]
            progress(f"{self.label}: {units[pcode].name_en}: {len(series)} days of the time series")
        result = LoadResult(warnings=warnings, requests=client.requests)
        if figures:
            frame = pd.DataFrame(figures).assign(measure=MEASURE, population_group="refugee", source=SOURCE)
            # The latest figure usually reappears as the last point of the country's series: keep one.
            frame = frame.drop_duplicates(["location", "ref_date"], keep="last")
            result.denominators, more = validate_denominators(frame, self.label)
            result.warnings += more
        return result

    def _timeseries(self, client: HttpClient, geo_id: str, place: str) -> list[dict[str, Any]]:
        body = client.get_json(f"{self.settings.unhcr_url}/population/get/timeseries",
                               self._params(frequency="day", geo_id=geo_id))
        data = body.get("data") if isinstance(body, dict) else None
        series = data.get("timeseries") if isinstance(data, dict) else None
        if not isinstance(series, list):
            raise ConnectorError(f"{self.label}: unexpected answer from /population/get/timeseries for {place} "
                                 "(no 'data.timeseries' list)")
        points = []
        for point in series:
            value = parse_number(point.get("individuals")) if isinstance(point, dict) else None
            day = parse_day(point.get("data_date")) if isinstance(point, dict) else None
            if value is None or day is None:
                raise ConnectorError(f"{self.label}: the time series for {place} has a point without a count or "
                                     f"date: {point!r:.80}")
            points.append({"ref_date": day, "value": value})
        return points
