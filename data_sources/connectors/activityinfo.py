"""ActivityInfo: records of one response-plan reporting form, queried as columns, as facts.

``POST /resources/query/columns`` with the form as row source and one column per mapped field expression (a
field code, a ``[Label]`` or a reference path such as ``Partner.Name``) answers with a column set: ``rows`` and,
per column, ``storage`` ``array`` (``values``), ``constant`` (one ``value`` for every row) or ``empty``. This is
the query the official ActivityInfo R client uses; the whole form comes back in one answer (no paging).
"""

from __future__ import annotations

from typing import Any

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


def parse_column_set(body: Any, label: str) -> list[dict[str, Any]]:
    """Rows (column id → value) from an ActivityInfo column set. Raises ConnectorError on another shape."""
    if not isinstance(body, dict) or not isinstance(body.get("rows"), int):
        raise ConnectorError(f"{label}: unexpected answer to the records query (no row count)")
    count = body["rows"]
    columns = body.get("columns")
    if isinstance(columns, list):  # some servers answer with a list of columns carrying their id
        columns = {str(c.get("id")): c for c in columns if isinstance(c, dict)}
    if not isinstance(columns, dict):
        raise ConnectorError(f"{label}: unexpected answer to the records query (no columns)")
    values: dict[str, list[Any]] = {}
    for column_id, column in columns.items():
        storage = column.get("storage") if isinstance(column, dict) else None
        if storage == "array":
            data = column.get("values")
            if not isinstance(data, list) or len(data) != count:
                found = len(data) if isinstance(data, list) else "no"
                raise ConnectorError(f"{label}: column {column_id} has {found} values for {count} rows")
            values[column_id] = data
        elif storage == "constant":
            values[column_id] = [column.get("value")] * count
        elif storage == "empty":
            values[column_id] = [None] * count
        else:
            raise ConnectorError(f"{label}: column {column_id} has an unknown storage {storage!r}")
    return [{column_id: data[i] for column_id, data in values.items()} for i in range(count)]


class ActivityInfoConnector(Connector):
    name = "activityinfo"
    required = ("activityinfo_token", "activityinfo_form", "activityinfo_mapping")

    def client(self) -> HttpClient:
        token = self.settings.activityinfo_token
        return HttpClient(self.label, timeout=self.settings.http_timeout, retries=self.settings.http_retries,
                          headers={"Authorization": f"Bearer {token}"}, secrets=[token],
                          auth_setting=ENV["activityinfo_token"], sleep=self.sleep, backoff=self.backoff)

    def mapping(self) -> FactMapping:
        env = ENV["activityinfo_mapping"]
        raw = read_json_setting(self.settings.activityinfo_mapping, env)
        name = str(raw.get("name") or self.settings.activityinfo_form) if isinstance(raw, dict) else ""
        return FactMapping.parse(raw, env, name)

    def check_connection(self) -> str:
        self.ensure_configured()
        form = self.settings.activityinfo_form
        schema = self.client().get_json(f"{self.settings.activityinfo_url}/resources/form/{form}/schema")
        if not isinstance(schema, dict):
            raise ConnectorError(f"{self.label}: the schema of form {form} is not a JSON object")
        elements = schema.get("elements")
        fields = len(elements) if isinstance(elements, list) else 0
        return f"{self.label} answered: form '{schema.get('label', form)}' with {fields} fields"

    def load(self, progress: Progress = quiet) -> LoadResult:
        self.ensure_configured()
        mapping = self.mapping()
        client = self.client()
        form = self.settings.activityinfo_form
        expressions = mapping.fields()
        ids = {expression: f"c{i}" for i, expression in enumerate(expressions)}
        query = {
            "rowSources": [{"rootFormId": form}],
            "columns": [{"id": "_id", "expression": "_id"}]
            + [{"id": ids[e], "expression": e} for e in expressions],
            "truncateStrings": False,
        }
        progress(f"{self.label}: querying the records of form {form}")
        rows = parse_column_set(client.post_json(f"{self.settings.activityinfo_url}/resources/query/columns", query),
                                self.label)
        records = [Record({e: row.get(ids[e]) for e in expressions}, f"record {row.get('_id', i + 1)}")
                   for i, row in enumerate(rows)]
        problems = Problems("record")
        fact_rows = collect_rows(mapping, records, problems)
        progress(f"{self.label}: {len(records)} records → {len(fact_rows)} rows")
        facts = aggregate(fact_rows, f"{self.label}: {mapping.name}", noun="record")
        return LoadResult(facts=validate_facts(facts, self.label), warnings=problems.lines(mapping.name),
                          requests=client.requests)
