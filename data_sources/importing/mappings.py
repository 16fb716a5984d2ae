"""Column mappings for untagged files: chosen once (on the Import page), saved, reused for the same header.

A mapping gives each header the HXL tag spec it stands for (``"Oblast" → "#adm1+name"``), so untagged
files go through exactly the same path as tagged ones. Mappings live in ``column_mappings``, keyed by a
hash of the normalised header row. :func:`guess_mapping` proposes tags from common English, Ukrainian and
Polish headers; a guess is only a starting point for the person choosing.
"""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import Connection, Engine, select

from dashboard import store
from dashboard.i18n import _
from data_sources.batches import utcnow
from data_sources.importing.errors import ImportFileError, Problem
from data_sources.importing.tags import TagSpec, parse_tag


def header_keys(headers: list[str]) -> list[str]:
    """Keys of a mapping: the header text, with ``[2]``, ``[3]``… for repeated headers and ``column N`` for empty.

    Keys are stored and matched again later, so they are never translated."""
    seen: dict[str, int] = {}
    keys = []
    for i, head in enumerate(headers):
        text = re.sub(r"\s+", " ", str(head)).strip() or f"column {i + 1}"
        seen[text] = seen.get(text, 0) + 1
        keys.append(text if seen[text] == 1 else f"{text} [{seen[text]}]")
    return keys


def header_key(headers: list[str]) -> str:
    """sha256 of the normalised header row (case and spacing folded, trailing empty headers dropped)."""
    folded = [k.casefold() for k in header_keys(headers)]
    while folded and re.fullmatch(r"column \d+", folded[-1]):
        folded.pop()
    return hashlib.sha256("\x1f".join(folded).encode()).hexdigest()


def tags_from_mapping(headers: list[str], mapping: dict[str, str]) -> list[TagSpec | None]:
    """The tag per column that ``mapping`` gives; raises :class:`ImportFileError` for a malformed tag."""
    problems = []
    tags: list[TagSpec | None] = []
    folded = {k.casefold(): v for k, v in mapping.items()}
    for key in header_keys(headers):
        raw = (mapping.get(key) or folded.get(key.casefold()) or "").strip()
        spec = parse_tag(raw) if raw else None
        if raw and spec is None:
            problems.append(Problem(_("'{text}' is not an HXL tag (expected e.g. #adm1+code)").format(text=raw),
                                    column=key))
        tags.append(spec)
    if problems:
        raise ImportFileError(_("the column mapping has malformed tags: {problems}").format(
            problems="; ".join(str(p) for p in problems)), problems)
    return tags


def find_mapping(conn: Connection, headers: list[str]) -> dict[str, str] | None:
    row = conn.execute(select(store.column_mappings.c.mapping)
                       .where(store.column_mappings.c.header_key == header_key(headers))).first()
    return json.loads(row[0]) if row else None


def save_mapping(conn: Connection, headers: list[str], mapping: dict[str, str], created_by: str | None = None) -> None:
    """Save (or replace) the mapping for this header row, inside the caller's transaction."""
    tags_from_mapping(headers, mapping)  # refuse malformed tags before saving
    key = header_key(headers)
    keys = header_keys(headers)
    clean = {k: mapping.get(k, "").strip() for k in keys if mapping.get(k, "").strip()}
    values = {"headers": json.dumps(keys, ensure_ascii=False), "mapping": json.dumps(clean, ensure_ascii=False),
              "created_at": utcnow(), "created_by": created_by}
    table = store.column_mappings
    updated = conn.execute(table.update().where(table.c.header_key == key).values(**values)).rowcount
    if not updated:
        conn.execute(table.insert().values(header_key=key, **values))


_GUESSES: tuple[tuple[str, str], ...] = (
    (r"^(implementing )?(partner|organi[sz]ation|org|agency)( name)?$|організація|organizacja|partner", "#org+name"),
    (r"acronym|abbreviation", "#org+acronym"),
    (r"p-?code|admin ?1 ?code|adm1 ?code|oblast code|region code", "#adm1+code"),
    (r"^(oblast|region|voivodeship|province|admin ?1|adm1|location|area)( name)?$|область|województwo|"
     r"wojewodztwo|apskritis", "#adm1+name"),
    (r"raion|district|powiat|admin ?2|adm2", "#adm2+name"),
    (r"^country$|країна|kraj", "#country+name"),
    (r"activity code|4w code|iasc code", "#activity+code"),
    (r"activit|діяльн|działaln", "#activity+name"),
    (r"indicator code", "#indicator+code"),
    (r"indicator|індикатор|wskaźnik", "#indicator+name"),
    (r"start", "#date+start"),
    (r"end date|^end$|period end", "#date+end"),
    (r"month|date|period|місяць|miesiąc|data", "#date"),
    (r"^(sex|gender)$|стать|płeć", "#sex"),
    (r"^age|вік|wiek", "#age"),
    (r"population|status|displacement|група населення", "#population+group"),
    (r"disab|інвалідн|niepełnospr", "#disability"),
    (r"^girls?$|дівчат", "#reached+f+children"),
    (r"^boys?$|хлопц", "#reached+m+children"),
    (r"^(women|female|f)$|жінки|kobiety", "#reached+f"),
    (r"^(men|male|m)$|чоловіки|mężczyźni", "#reached+m"),
    (r"value|number|count|total|reached|beneficiar|кількість|liczba", "#indicator+value"),
    (r"note|comment|remark|примітк|uwagi", "#description"),
)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Tags proposed for each header (empty string: not recognised)."""
    out = {}
    for key in header_keys(headers):
        text = key.casefold()
        out[key] = next((tag for pattern, tag in _GUESSES if re.search(pattern, text)), "")
    return out


def remember_mapping(engine: Engine, headers: list[str], mapping: dict[str, str], created_by: str | None = None) -> None:
    """Save a mapping in its own transaction (the Import page's "save mapping")."""
    with engine.begin() as conn:
        save_mapping(conn, headers, mapping, created_by)
