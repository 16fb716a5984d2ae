"""KoboToolbox API v2: submissions of configured forms (e.g. training attendance, pre/post tests) as facts.

``GET /api/v2/assets/{uid}/`` gives the form definition (question types, choice labels in each translation);
``GET /api/v2/assets/{uid}/data.json`` gives the submissions, paged by ``next`` links. The quirks handled here,
as seen in real responses: every answer is a string; ``select_multiple`` answers are space-separated codes;
repeat groups are nested lists whose keys keep the full group path (an empty repeat is absent); a question that
moved between groups appears as ``v0/hh_sex`` in old submissions and ``v1/hh_sex`` in new ones; labels live only
in the form definition. Submissions are summed per month: no personal answer is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data_sources.connectors.base import (
    ENV,
    Connector,
    ConnectorError,
    LoadResult,
    Progress,
    quiet,
    read_json_setting,
    validate_facts,
)
from data_sources.connectors.http import HttpClient
from data_sources.connectors.mapping import FactMapping, Problems, Record, aggregate, collect_rows

NOT_APPROVED = "validation_status_not_approved"


@dataclass(frozen=True)
class FormDefinition:
    """What the asset says about its questions: type and choice list per question name, labels per list."""

    title: str
    types: Mapping[str, str] = field(default_factory=dict)
    lists: Mapping[str, str] = field(default_factory=dict)
    choices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_asset(cls, asset: Mapping[str, Any], language: str | None = None) -> FormDefinition:
        content: Mapping[str, Any] = asset["content"] if isinstance(asset.get("content"), dict) else {}
        translations = [str(t) for t in content.get("translations") or [None]]
        index = 0
        if language:
            wanted = language.lower()
            for i, name in enumerate(translations):
                if name.lower() == wanted or f"({wanted})" in name.lower():
                    index = i
        types: dict[str, str] = {}
        lists: dict[str, str] = {}
        for question in content.get("survey") or []:
            name = question.get("name") or question.get("$autoname")
            if not name:
                continue
            types[str(name)] = str(question.get("type", ""))
            if question.get("select_from_list_name"):
                lists[str(name)] = str(question["select_from_list_name"])
        choices: dict[str, dict[str, str]] = {}
        for choice in content.get("choices") or []:
            label = choice.get("label")
            text = label[index] if isinstance(label, list) and len(label) > index else label
            if isinstance(text, list):
                text = text[0] if text else None
            choices.setdefault(str(choice.get("list_name")), {})[str(choice.get("name"))] = str(text or choice.get("name"))
        return cls(str(asset.get("name") or asset.get("uid") or "form"), types, lists, choices)


class KoboRecord(Record):
    """A submission (or one repeat entry with its submission's answers), keyed by full group path."""

    def __init__(self, values: Mapping[str, Any], ref: str, form: FormDefinition) -> None:
        super().__init__(values, ref)
        self.form = form
        self._by_name: dict[str, str] | None = None  # built on the first answer not found by its exact path

    def raw(self, name: str) -> Any:
        """The answer to ``name``: an exact path, else the same question under any group (form versions)."""
        if name in self.values:
            return self.values[name]
        if self._by_name is None:
            self._by_name = {}
            for key in self.values:
                self._by_name.setdefault(key.rsplit("/", 1)[-1], key)
        found = self._by_name.get(name.rsplit("/", 1)[-1])
        return self.values.get(found) if found else None

    def label(self, name: str, code: str) -> str | None:
        list_name = self.form.lists.get(name.rsplit("/", 1)[-1])
        return self.form.choices.get(list_name, {}).get(code) if list_name else None

    def is_multiple(self, name: str) -> bool:
        return self.form.types.get(name.rsplit("/", 1)[-1], "").startswith("select_multiple")


def repeat_entries(container: Mapping[str, Any], path: list[str], prefix: str = "") -> list[dict[str, Any]]:
    """One flat dict per entry of the repeat group at ``path`` (nested repeats allowed), each carrying the
    answers of the levels above it. A repeat with no entries is absent in Kobo's output: no rows."""
    if not path:
        return [dict(container)]
    part = path[0]
    key = f"{prefix}/{part}" if prefix else part
    children = container.get(key)
    if children is None:
        for candidate, value in container.items():
            if isinstance(value, list) and candidate.rsplit("/", 1)[-1] == part:
                key, children = candidate, value
                break
    inherited = {k: v for k, v in container.items() if not isinstance(v, list)}
    out: list[dict[str, Any]] = []
    for child in children or []:
        if isinstance(child, dict):
            out.extend(repeat_entries({**inherited, **child}, path[1:], key))
    return out


class KoboConnector(Connector):
    name = "kobo"
    required = ("kobo_token", "kobo_forms")

    def client(self) -> HttpClient:
        token = self.settings.kobo_token
        return HttpClient(self.label, timeout=self.settings.http_timeout, retries=self.settings.http_retries,
                          headers={"Authorization": f"Token {token}"}, secrets=[token],
                          auth_setting=ENV["kobo_token"], sleep=self.sleep, backoff=self.backoff)

    def forms(self) -> list[tuple[dict[str, Any], FactMapping]]:
        """The configured forms with their parsed mappings. Raises ConnectorError naming MHPSS_KOBO_FORMS."""
        env = ENV["kobo_forms"]
        raw = read_json_setting(self.settings.kobo_forms, env)
        items = raw if isinstance(raw, list) else [raw]
        forms = []
        for number, item in enumerate(items, 1):
            if not isinstance(item, dict) or not str(item.get("uid", "")).strip():
                raise ConnectorError(f"{env}: form {number} needs the form's \"uid\" (from its KoboToolbox URL)")
            uid = str(item["uid"]).strip()
            where = f"{env}, form {number} ({uid})"
            forms.append((item, FactMapping.parse(item, where, str(item.get("name") or uid))))
        return forms

    def _asset(self, client: HttpClient, uid: str) -> dict[str, Any]:
        asset = client.get_json(f"{self.settings.kobo_url}/api/v2/assets/{uid}/", {"format": "json"})
        if not isinstance(asset, dict):
            raise ConnectorError(f"{self.label}: the definition of form {uid} is not a JSON object")
        return asset

    def check_connection(self) -> str:
        self.ensure_configured()
        client = self.client()
        described = []
        for item, _mapping in self.forms():
            asset = self._asset(client, str(item["uid"]))
            count = asset.get("deployment__submission_count")
            described.append(f"'{asset.get('name', item['uid'])}'" + (f" ({count} submissions)" if count is not None else ""))
        return f"{self.label} answered for {len(described)} form(s): {', '.join(described)}"

    def load(self, progress: Progress = quiet) -> LoadResult:
        self.ensure_configured()
        client = self.client()
        frames = []
        warnings: list[str] = []
        for item, mapping in self.forms():
            uid = str(item["uid"]).strip()
            form = FormDefinition.from_asset(self._asset(client, uid), item.get("language"))
            title = str(item.get("name") or form.title)
            submissions: list[dict[str, Any]] = []
            url = f"{self.settings.kobo_url}/api/v2/assets/{uid}/data.json"
            params = {"format": "json", "limit": int(item.get("page_size", 1000))}
            for number, page in enumerate(client.iter_next_pages(url, params), 1):
                submissions.extend(r for r in page["results"] if isinstance(r, dict))
                progress(f"{self.label} · {title}: page {number}, {len(submissions)} of {page.get('count', '?')} submissions")
            records, held_back = self._records(submissions, item, form)
            if held_back:
                warnings.append(f"{title}: {held_back} submission(s) marked 'Not approved' in KoboToolbox left out")
            noun = "repeat entry" if item.get("repeat") else "submission"
            problems = Problems(noun)
            rows = collect_rows(mapping, records, problems)
            warnings.extend(problems.lines(title))
            frames.append(aggregate(rows, f"{self.label}: {title}", noun=noun))
            progress(f"{self.label} · {title}: {len(submissions)} submissions → {len(rows)} rows")
        nonempty = [f for f in frames if not f.empty]
        facts = pd.concat(nonempty, ignore_index=True) if nonempty else frames[0] if frames else None
        result = LoadResult(warnings=warnings, requests=client.requests)
        if facts is not None:
            result.facts = validate_facts(facts, self.label)
        return result

    @staticmethod
    def _records(submissions: list[dict[str, Any]], item: Mapping[str, Any],
                 form: FormDefinition) -> tuple[list[KoboRecord], int]:
        repeat = [p for p in str(item.get("repeat") or "").split("/") if p]
        keep_all = bool(item.get("include_not_approved", False))
        records: list[KoboRecord] = []
        held_back = 0
        for submission in submissions:
            status = submission.get("_validation_status")
            if not keep_all and isinstance(status, dict) and status.get("uid") == NOT_APPROVED:
                held_back += 1
                continue
            ref = f"submission {submission.get('_id', '?')}"
            for entry in repeat_entries(submission, repeat) if repeat else [submission]:
                records.append(KoboRecord(entry, ref, form))
        return records, held_back
