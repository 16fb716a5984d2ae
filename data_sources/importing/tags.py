"""HXL hashtags: parsing tag specs, finding the tag row, and deciding what each column means.

A tag spec is ``#hashtag`` followed by ``+attribute``s. In the wild they come with capitals, spaces around
the ``+`` and trailing spaces (all accepted), unknown attributes (ignored, reported) and non-standard
hashtags (reported as unused columns). A cell such as ``# of people`` (a space after ``#``) is text, not a
tag: the HXL standard allows no space there, and real header rows use it for "number of".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dashboard.i18n import N_, _, pgettext
from dashboard.vocab import ALL

_TAG = re.compile(r"^\s*#([A-Za-z][A-Za-z0-9_]*)((?:\s*\+\s*[A-Za-z][A-Za-z0-9_]*)*)\s*$")
TAG_ROW_SCAN = 50  # rows searched for the tag row (title rows and merged group headers may come first)


@dataclass(frozen=True)
class TagSpec:
    """A parsed HXL tag spec, lower-cased: ``#adm1 +Code`` → TagSpec('adm1', ('code',))."""

    tag: str
    attributes: tuple[str, ...] = ()

    @property
    def attrs(self) -> frozenset[str]:
        return frozenset(self.attributes)

    def __str__(self) -> str:
        return "#" + self.tag + "".join("+" + a for a in self.attributes)


def parse_tag(cell: object) -> TagSpec | None:
    """The tag spec in a cell, or None when the cell is not a valid HXL tag spec."""
    if not isinstance(cell, str) or "#" not in cell:
        return None
    match = _TAG.match(cell)
    if not match:
        return None
    attrs = tuple(a.strip().lower() for a in match.group(2).split("+")[1:])
    return TagSpec(match.group(1).lower(), attrs)


def is_tag_row(cells: list[object]) -> bool:
    """True when at least one cell is a tag spec and tags make up at least half of the non-empty cells."""
    filled = [c for c in cells if isinstance(c, str) and c.strip()]
    if not filled:
        return False
    tags = sum(1 for c in filled if parse_tag(c) is not None)
    return tags > 0 and tags * 2 >= len(filled)


def find_tag_row(rows: list[list[object]]) -> int | None:
    """Index of the first tag row among ``rows`` (the first rows of a sheet), or None."""
    for index, cells in enumerate(rows[:TAG_ROW_SCAN]):
        if is_tag_row(cells):
            return index
    return None


# --- What a column means ---------------------------------------------------------------------------------

ORG, ACTIVITY, INDICATOR, NOTE = "organisation", "activity", "indicator", "note"
LOCATION0, LOCATION1, LOCATION2 = "location_adm0", "location_adm1", "location_adm2"
DATE, DATE_START, DATE_END = "date", "period_start", "period_end"
SEX, AGE, POPULATION, DISABILITY = "sex", "age_band", "population_group", "disability"
VALUE = "value"
DIMENSIONS = (SEX, AGE, POPULATION, DISABILITY)
CHILDREN = "children"  # an age marker for 0-17, which the store's bands split (see normalise.AGE_SPELLINGS)

# Attribute → (dimension, code) for value columns such as #reached+f+adults+refugees.
DIMENSION_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "f": (SEX, "female"), "female": (SEX, "female"), "women": (SEX, "female"),
    "m": (SEX, "male"), "male": (SEX, "male"), "men": (SEX, "male"),
    "x": (SEX, "other"), "other": (SEX, "other"), "nonbinary": (SEX, "other"),
    "i": (AGE, "0-4"), "infants": (AGE, "0-4"), "age0_4": (AGE, "0-4"),
    "age5_11": (AGE, "5-11"), "age12_17": (AGE, "12-17"), "adolescents": (AGE, "12-17"),
    "age18_59": (AGE, "18-59"), "adults": (AGE, "18-59"),
    "age60": (AGE, "60+"), "age60plus": (AGE, "60+"), "age60_": (AGE, "60+"), "elderly": (AGE, "60+"),
    "older": (AGE, "60+"),
    "children": (AGE, CHILDREN), "age0_17": (AGE, CHILDREN),
    "refugees": (POPULATION, "refugee"), "refugee": (POPULATION, "refugee"),
    "idps": (POPULATION, "idp"), "idp": (POPULATION, "idp"),
    "host": (POPULATION, "host"), "hostcommunity": (POPULATION, "host"), "host_community": (POPULATION, "host"),
    "hosts": (POPULATION, "host"), "nondisplaced": (POPULATION, "host"),
    "returnees": (POPULATION, "returnee"), "returnee": (POPULATION, "returnee"),
    "disabled": (DISABILITY, "yes"), "disability": (DISABILITY, "yes"), "pwd": (DISABILITY, "yes"),
    "nondisabled": (DISABILITY, "no"),
}
# Attributes that set two dimensions at once.
COMBINED_ATTRIBUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "girls": ((SEX, "female"), (AGE, CHILDREN)),
    "boys": ((SEX, "male"), (AGE, CHILDREN)),
}
# Attributes that say "this count is of individuals / the total", i.e. add nothing.
NEUTRAL_VALUE_ATTRIBUTES = frozenset({"ind", "individuals", "total", "all", "num", "value", "people", "persons",
                                      "new", "reached", "beneficiaries", "pss", "mhpss"})
# Value hashtags and the indicator they mean when the file has no indicator column.
VALUE_TAGS: dict[str, str | None] = {"reached": "PPL_REACHED", "value": None, "beneficiaries": "PPL_REACHED"}
UNUSED_VALUE_ATTRIBUTES = {"hh": N_("column {column}: households are not individuals; column not used"),
                           "households": N_("column {column}: households are not individuals; column not used")}
EXCLUDED_ORG_ATTRIBUTES = frozenset({"funder", "donor", "prog", "programme", "program", "lead", "coordinator",
                                     "appeal"})


@dataclass
class ColumnRole:
    """What one column of the file means for the facts table."""

    index: int
    label: str  # what problem messages call the column (the tag, or the header when untagged)
    spec: TagSpec | None
    role: str | None = None  # one of the role names above; None = not used
    fixed: dict[str, str] = field(default_factory=dict)  # value columns: disaggregation fixed by attributes
    default_indicator: str | None = None  # value columns: indicator when the file has no indicator column
    priority: int = 0


def _value_column(col: ColumnRole, spec: TagSpec, warnings: list[str]) -> None:
    col.role = VALUE
    col.default_indicator = VALUE_TAGS.get(spec.tag)
    for attr in spec.attributes:
        if attr in DIMENSION_ATTRIBUTES:
            dim, code = DIMENSION_ATTRIBUTES[attr]
            if dim in col.fixed and col.fixed[dim] != code:
                col.role = None
                warnings.append(_("column {column}: attributes +{attribute} and another contradict each other; "
                                  "column not used").format(column=col.label, attribute=attr))
                return
            col.fixed[dim] = code
        elif attr in COMBINED_ATTRIBUTES:
            for dim, code in COMBINED_ATTRIBUTES[attr]:
                col.fixed[dim] = code
        elif attr in UNUSED_VALUE_ATTRIBUTES:
            col.role = None
            warnings.append(_(UNUSED_VALUE_ATTRIBUTES[attr]).format(column=col.label))
            return
        elif attr not in NEUTRAL_VALUE_ATTRIBUTES:
            warnings.append(_("column {column}: unknown attribute +{attribute} ignored").format(
                column=col.label, attribute=attr))


def classify(index: int, label: str, spec: TagSpec | None, numeric_hint: bool = False) -> tuple[ColumnRole, list[str]]:
    """Decide the role of one tagged column; returns the role and any warnings about it."""
    col = ColumnRole(index, label, spec)
    warnings: list[str] = []
    if spec is None:
        return col, warnings
    tag, attrs = spec.tag, spec.attrs
    if tag == "org":
        if attrs & EXCLUDED_ORG_ATTRIBUTES:
            return col, [_("column {column}: funding or programme organisation, not the reporting one; not "
                           "used").format(column=label)]
        col.role = ORG
        col.priority = 3 if "impl" in attrs else 2 if "name" in attrs or not attrs else 1
    elif tag == "activity":
        col.role = ACTIVITY
        col.priority = 2 if "code" in attrs else 1
    elif tag in ("adm1", "loc"):
        col.role, col.priority = LOCATION1, 2 if "code" in attrs else 1
    elif tag == "adm2":
        col.role, col.priority = LOCATION2, 2 if "code" in attrs else 1
    elif tag == "country":
        col.role, col.priority = LOCATION0, 2 if "code" in attrs else 1
    elif tag == "date":
        if "start" in attrs:
            col.role = DATE_START
        elif "end" in attrs:
            col.role = DATE_END
        elif attrs & {"updated", "created", "posted", "modified", "birth", "dob"}:
            return col, [_("column {column}: not a reporting period; not used").format(column=label)]
        else:
            col.role = DATE
            col.priority = 2 if attrs & {"month", "reported", "period"} else 1
    elif tag == "indicator":
        if attrs & {"value", "num", "total", "count"} or (not attrs & {"code", "name", "id", "text"} and numeric_hint):
            _value_column(col, spec, warnings)
        else:
            col.role = INDICATOR
            col.priority = 2 if "code" in attrs else 1
    elif tag in VALUE_TAGS:
        _value_column(col, spec, warnings)
    elif tag in ("sex", "gender") or (tag == "meta" and attrs & {"sex", "gender"}):
        col.role = SEX
    elif tag in ("age", "agegroup") or (tag == "meta" and attrs & {"age", "agegroup"}):
        col.role = AGE
    elif (tag == "population" and attrs & {"group", "type", "status"}) or tag in ("popgroup", "group") or (
        tag == "meta" and attrs & {"population", "popgroup", "population_group"}
    ):
        col.role = POPULATION
    elif tag == "disability" or (tag == "meta" and attrs & {"disability"}):
        col.role = DISABILITY
    elif tag in ("description", "note") or (tag == "meta" and attrs & {"note", "notes", "comment", "comments"}):
        col.role = NOTE
    else:
        warnings.append(_("column {column}: {tag} is not used by the dashboard").format(column=label, tag=spec))
    return col, warnings


def assign_roles(columns: list[ColumnRole]) -> tuple[dict[str, ColumnRole], list[ColumnRole], list[str]]:
    """Pick one column per identity role (the highest priority, then the leftmost) and list value columns.

    Returns (role → column, value columns, warnings about columns left unused).
    """
    chosen: dict[str, ColumnRole] = {}
    values: list[ColumnRole] = []
    warnings: list[str] = []
    for col in columns:
        if col.role is None:
            continue
        if col.role == VALUE:
            values.append(col)
            continue
        current = chosen.get(col.role)
        if current is None or col.priority > current.priority:
            if current is not None:
                warnings.append(_used_instead(current, col))
            chosen[col.role] = col
        else:
            warnings.append(_used_instead(col, current))
    return chosen, values, warnings


def role_label(role: str) -> str:
    """What a column role is called in messages, in the current language."""
    labels = {
        ORG: pgettext("column role", "organisation"), ACTIVITY: pgettext("column role", "activity"),
        INDICATOR: pgettext("column role", "indicator"), NOTE: pgettext("column role", "note"),
        LOCATION0: pgettext("column role", "country"), LOCATION1: pgettext("column role", "admin-1 area"),
        LOCATION2: pgettext("column role", "admin-2 area"), DATE: pgettext("column role", "reporting month"),
        DATE_START: pgettext("column role", "period start"), DATE_END: pgettext("column role", "period end"),
        SEX: pgettext("column role", "sex"), AGE: pgettext("column role", "age band"),
        POPULATION: pgettext("column role", "population group"), DISABILITY: pgettext("column role", "disability"),
    }
    return labels.get(role, role)


def _used_instead(unused: ColumnRole, used: ColumnRole) -> str:
    return _("column {column}: {other} is used for the {role} instead").format(
        column=unused.label, other=used.label, role=role_label(str(used.role)))


def fixed_or_all(col: ColumnRole, dimension: str) -> str:
    return col.fixed.get(dimension, ALL)


#: The tags the Import page explains: tag -> meaning (translated where shown).
TAG_HELP: tuple[tuple[str, str], ...] = (
    ("#org+name", N_("reporting organisation (name or acronym)")),
    ("#activity+code / #activity+name", N_("IASC MHPSS 4Ws activity (e.g. 2.1)")),
    ("#adm1+code / #adm1+name", N_("oblast, voivodeship or county (P-code, ISO code or name)")),
    ("#country+code", N_("the whole country, when there is no admin-1 column")),
    ("#indicator+code", N_("indicator code or name (e.g. PPL_REACHED)")),
    ("#date", N_("the reporting month (any date in it, or 2024-05, May 2024)")),
    ("#date+start / #date+end", N_("first and last day of the reporting period")),
    ("#sex / #age / #population+group / #disability", N_("disaggregation of a long-format row")),
    ("#indicator+value", N_("the value of the row's indicator")),
    ("#reached", N_("people reached (PPL_REACHED when there is no indicator column)")),
    ("#reached+f / +m", N_("… by sex; combine with +children, +adults, +elderly, +age0_4 … +age60plus")),
    ("#reached+refugees / +idps / +host / +returnees", N_("… by population group; +disabled for disability")),
    ("#description", N_("a note (never personal data)")),
)
