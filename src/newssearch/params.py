"""The search parameters: one table, and everything derived from it.

:data:`SEARCH_PARAMS` says once what each parameter of a search is: its name,
the kind of value, its bounds or choices, its default, whether it repeats,
its ``newssearch search`` option, a one-line description and what a visitor
calls it. From the table come

- validation: :func:`parse_params` (behind
  :meth:`newssearch.models.SearchRequest.from_params`) and its inverse
  :func:`format_params`;
- the CLI options of ``newssearch search`` and ``export``: :func:`search_options`;
- the OpenAPI parameters of ``/api/search`` and ``/api/export``:
  :func:`openapi_parameters`;
- the README's table: :func:`search_params_table` (``python -m newssearch.params``);
- the labels of the search page (values and parameters, in error messages).

Rules between parameters, which one row cannot say (a range's low end above
its high end, a page past the result window), are :data:`RANGE_PAIRS` and
:func:`_check_together`, next to the table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, NamedTuple, TypeVar

from .budget import MAX_EXCLUDED, MAX_PHRASES, MAX_TERMS
from .config import Settings
from .errors import BadRequest
from .parsing import EARLIEST_DATE, LATEST_DATE
from .store.schema import KEYWORD_COLUMNS

F = TypeVar("F", bound=Callable[..., Any])

#: What a parameter's value is. ``text``: the query; ``keyword``: a value of a
#: keyword column; ``choice``: one of fixed values; ``int``: a whole number
#: within bounds; ``number``: a non-negative decimal (a comma works as the
#: decimal point); ``date``: a day, month or year; ``flag``: ``0`` or ``1``.
ParamKind = Literal["text", "keyword", "choice", "int", "number", "date", "flag"]

#: Most values one repeatable parameter may carry (blank ones included).
MAX_VALUES = 50
#: Longest value of a keyword filter (characters).
MAX_VALUE_LENGTH = 200
#: Accepted date forms, most specific first.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m", "%Y")
#: The same forms as a regular expression, blank allowed (for the OpenAPI document).
DATE_PATTERN = (
    r"^\s*(|\d{4}-(0?[1-9]|1[0-2])-(0?[1-9]|[12]\d|3[01])|(0?[1-9]|[12]\d|3[01])/(0?[1-9]|1[0-2])/\d{4}"
    r"|\d{4}-(0?[1-9]|1[0-2])|\d{4})\s*$"
)
#: A blank value, which counts as "not given": what HTML forms send for empty fields.
BLANK_SCHEMA: dict[str, Any] = {"type": "string", "pattern": r"^\s*$"}


class Choice(NamedTuple):
    """One accepted value of a ``choice`` parameter, with what a visitor calls it."""

    value: str
    label: str


@dataclass(frozen=True)
class SearchParam:
    """One search parameter: everything validation, the CLI, the OpenAPI
    document and the README say about it."""

    name: str
    kind: ParamKind
    #: One line, in English (examples may be Vietnamese); Markdown code spans.
    description: str
    #: What a visitor calls it (Vietnamese), in messages on the search page.
    label: str
    #: May be given several times: the values are alternatives (OR).
    repeatable: bool = False
    choices: tuple[Choice, ...] = ()
    #: Bounds of an ``int`` (inclusive).
    minimum: int | None = None
    maximum: int | None = None
    #: The setting that bounds it instead of ``maximum`` (the length of ``text``).
    maximum_setting: Literal["max_per_page", "max_query_length"] | None = None
    #: The value when it is not given (None: no value).
    default: str | int | None = None
    #: The option of ``newssearch search`` when it is not ``--`` + the name with dashes.
    cli_option: str | None = None
    #: Chooses the page: an export, which has every match, does not take it.
    paging: bool = False

    @property
    def option(self) -> str:
        """The ``newssearch search`` option."""
        return self.cli_option or "--" + self.name.replace("_", "-")

    @property
    def values(self) -> tuple[str, ...]:
        """The accepted values of a ``choice`` parameter."""
        return tuple(c.value for c in self.choices)


TYPE_CHOICES = (Choice("article", "Tin tức"), Choice("listing", "Nhà đất"))
TRANSACTION_CHOICES = (Choice("sale", "Bán"), Choice("rent", "Cho thuê"))
SORT_CHOICES = (
    Choice("relevance", "Liên quan nhất"),
    Choice("newest", "Mới nhất"),
    Choice("oldest", "Cũ nhất"),
    Choice("views", "Xem nhiều nhất"),
    Choice("price_asc", "Giá tăng dần"),
    Choice("price_desc", "Giá giảm dần"),
    Choice("area_asc", "Diện tích tăng dần"),
    Choice("area_desc", "Diện tích giảm dần"),
    Choice("price_per_m2_asc", "Giá/m² tăng dần"),
    Choice("price_per_m2_desc", "Giá/m² giảm dần"),
)

#: What each keyword column of the index filters (one parameter per column):
#: its description and its label.
_KEYWORD_FILTER_TEXT = {
    "type": ("Document type.", "Loại nội dung"),
    "category": ("Article category (Chuyên mục), as in the `category` facet.", "Chuyên mục"),
    "author": ("Article author, as in the `author` facet.", "Tác giả"),
    "province": (
        "Province (Tỉnh/Thành phố); accents and prefixes optional (`quang ninh`).",
        "Tỉnh/Thành phố",
    ),
    "district": (
        "District (Quận/Huyện) under the pre-2025 layout; `Q1`, `quận 1` work.",
        "Quận/Huyện",
    ),
    "ward": ("Ward or commune (Phường/Xã).", "Phường/Xã"),
    "property_type": (
        "Listing property type (Loại nhà đất), as in the `property_type` facet (`Nhà phố`).",
        "Loại nhà đất",
    ),
    "transaction": ("Listing transaction.", "Hình thức"),
    "ward_2025": (
        "Ward (Phường/Xã/Đặc khu) under the layout in force from 1 July 2025; `tan my` works.",
        "Phường/Xã (từ 2025)",
    ),
    "province_2025": (
        "Province under the 2025 layout (34 provinces); a former province gives the one it joined "
        "(`binh duong` -> Thành phố Hồ Chí Minh).",
        "Tỉnh/Thành phố (từ 2025)",
    ),
    "direction": ("Listing direction (Hướng), as in the `direction` facet (`dong nam` works).", "Hướng"),
    "legal_status": ("Listing legal status (Pháp lý), as in the `legal_status` facet.", "Pháp lý"),
    "project": ("Listing project (Dự án), as in the `project` facet.", "Dự án"),
}
_KEYWORD_FILTER_CHOICES = {"type": TYPE_CHOICES, "transaction": TRANSACTION_CHOICES}


def _keyword_filter(column: str) -> SearchParam:
    choices = _KEYWORD_FILTER_CHOICES.get(column, ())
    kind: ParamKind = "choice" if choices else "keyword"
    description, label = _KEYWORD_FILTER_TEXT[column]
    return SearchParam(column, kind, description, label, repeatable=True, choices=choices)


#: Every search parameter, in the order links and documentation list them.
SEARCH_PARAMS: tuple[SearchParam, ...] = (
    SearchParam(
        "q",
        "text",
        "What to search for, with or without diacritics (`nha pho ha long`): `\"quoted words\"` stand "
        "together, `-word` excludes, `a OR b`; fields `tác giả:`/`author:`, `tiêu đề:`/`title:`, "
        "`chuyên mục:`/`category:`; date words `năm 2022`, `tháng 6/2022`, `từ 2021 đến 2023`. "
        f"{MAX_TERMS} distinct words, {MAX_PHRASES} phrases and {MAX_EXCLUDED} exclusions count, the "
        "rest are ignored (`ignored` in the result). Empty: browse by newest.",
        "Từ khóa",
        maximum_setting="max_query_length",
        default="",
    ),
    *(_keyword_filter(column) for column in KEYWORD_COLUMNS),
    SearchParam(
        "year", "int", "Publication (or posting) year.", "Năm", repeatable=True, minimum=1900, maximum=2100
    ),
    SearchParam("date_from", "date", "Published on or after this day.", "Từ ngày"),
    SearchParam("date_to", "date", "Published on or before this day.", "Đến ngày"),
    SearchParam(
        "price_min",
        "number",
        "Lowest price in VND (listings), inclusive; a sale price unless `transaction=rent` (then a monthly rent).",
        "Giá thấp nhất",
    ),
    SearchParam("price_max", "number", "Highest price in VND (listings), exclusive.", "Giá cao nhất"),
    SearchParam("area_min", "number", "Smallest area in m² (listings), inclusive.", "Diện tích nhỏ nhất"),
    SearchParam("area_max", "number", "Largest area in m² (listings), exclusive.", "Diện tích lớn nhất"),
    SearchParam("price_per_m2_min", "number", "Lowest sale price per m² in VND, inclusive.", "Giá/m² thấp nhất"),
    SearchParam("price_per_m2_max", "number", "Highest sale price per m² in VND, exclusive.", "Giá/m² cao nhất"),
    SearchParam(
        "bedrooms", "int", "At least this many bedrooms (listings).", "Số phòng ngủ", minimum=0, maximum=100
    ),
    SearchParam(
        "sort",
        "choice",
        "Order of results; `relevance` becomes `newest` when `q` is empty.",
        "Sắp xếp",
        choices=SORT_CHOICES,
        default="relevance",
    ),
    SearchParam("page", "int", "Page number.", "Trang", minimum=1, maximum=10**6, default=1, paging=True),
    SearchParam(
        "per_page",
        "int",
        "Results per page.",
        "Số kết quả mỗi trang",
        minimum=1,
        maximum_setting="max_per_page",
        default=10,
        cli_option="--limit",
        paging=True,
    ),
    SearchParam(
        "verbatim",
        "flag",
        "Search the words as typed: a query that finds nothing good is not corrected.",
        "Tìm chính xác",
    ),
)
PARAMS_BY_NAME: dict[str, SearchParam] = {p.name: p for p in SEARCH_PARAMS}
#: Every parameter name, in table order (what ``from_params`` accepts).
PARAMS: tuple[str, ...] = tuple(PARAMS_BY_NAME)
#: Keyword filters: repeated values select several (OR within a filter, AND
#: across filters). One per keyword column of the index.
KEYWORD_FILTERS: tuple[str, ...] = tuple(
    p.name for p in SEARCH_PARAMS if p.repeatable and p.kind in ("keyword", "choice")
)
#: Parameters that choose the page.
PAGING_PARAMS: tuple[str, ...] = tuple(p.name for p in SEARCH_PARAMS if p.paging)
TYPES = PARAMS_BY_NAME["type"].values
SORTS = PARAMS_BY_NAME["sort"].values
#: Display labels of coded values.
TYPE_LABELS = dict(TYPE_CHOICES)
TRANSACTION_LABELS = dict(TRANSACTION_CHOICES)
SORT_LABELS = dict(SORT_CHOICES)

# ---------------------------------------------------------------------------
# Rules between parameters
# ---------------------------------------------------------------------------

#: (low end, high end) of a range: the low end may not be above the high end.
RANGE_PAIRS: tuple[tuple[str, str], ...] = (
    ("date_from", "date_to"),
    ("price_min", "price_max"),
    ("area_min", "area_max"),
    ("price_per_m2_min", "price_per_m2_max"),
)


def _check_together(values: Mapping[str, Any], settings: Settings) -> None:
    """Raise BadRequest for values that are good alone but not together."""
    for low, high in RANGE_PAIRS:
        lo, hi = values[low], values[high]
        if lo is not None and hi is not None and lo > hi:
            relation = "after" if PARAMS_BY_NAME[low].kind == "date" else "greater than"
            raise BadRequest(f"{low} is {relation} {high}", param=low)
    page, per_page = values["page"], values["per_page"]
    if page * per_page > settings.max_result_window:
        raise BadRequest(
            f"page {page} with per_page {per_page} goes past result "
            f"{settings.max_result_window}, the deepest reachable; narrow the search instead",
            param="page",
        )


def _rule_notes(p: SearchParam, settings: Settings) -> str:
    """The rules above that concern ``p``, for its documentation."""
    notes = ""
    for low, high in RANGE_PAIRS:
        if p.name == high:
            notes += f" Not {'before' if p.kind == 'date' else 'below'} `{low}`."
    if p.name == "page":
        notes += (
            f" `page × per_page` may not exceed {settings.max_result_window} (the deepest result "
            "reachable): narrow the search instead."
        )
    return notes


def _documented_maximum(p: SearchParam, settings: Settings) -> int | None:
    """The largest value of ``p`` that can be accepted: its bound, made tighter
    for ``page`` by the result window (``per_page`` is at least 1)."""
    hi = _maximum(p, settings)
    if p.name == "page" and hi is not None:
        return min(hi, settings.max_result_window)
    return hi


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _maximum(p: SearchParam, settings: Settings) -> int | None:
    """``p``'s upper bound (or longest length, for ``text``) under ``settings``."""
    if p.maximum_setting is not None:
        return int(getattr(settings, p.maximum_setting))
    return p.maximum


def _absent(p: SearchParam) -> Any:
    """``p``'s value when it is not given."""
    if p.repeatable:
        return []
    if p.kind == "flag":
        return False
    return p.default


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    if isinstance(v, Iterable):
        return [str(x) for x in v if x is not None]
    return [str(v)]


def _single(name: str, given: list[str]) -> str | None:
    """The one non-blank value of a parameter that does not repeat (the same
    value twice is once, as a form and its link may both send it)."""
    values = [v for v in given if v.strip()]
    if len(values) > 1 and len(set(values)) > 1:
        raise BadRequest(f"{name} was given {len(values)} times; give it once", param=name)
    return values[0] if values else None


def _convert(p: SearchParam, raw: str, settings: Settings) -> Any:
    """One non-blank value of ``p`` as a Python value, or BadRequest naming ``p``."""
    name = p.name
    if p.kind == "text":
        limit = _maximum(p, settings)
        if limit is not None and len(raw) > limit:
            raise BadRequest(f"the query is {len(raw)} characters long; the limit is {limit}", param=name)
        return raw
    if p.kind in ("keyword", "choice"):
        value = raw.strip()
        if p.repeatable and len(value) > MAX_VALUE_LENGTH:
            raise BadRequest(f"a {name} value is longer than {MAX_VALUE_LENGTH} characters", param=name)
        if p.choices and value not in p.values:
            raise BadRequest(f"{name} must be one of {', '.join(p.values)}, not {value!r}", param=name)
        return value
    if p.kind == "int":
        try:
            n = int(raw.strip())
        except ValueError:
            raise BadRequest(f"{name} must be a whole number, not {raw!r}", param=name) from None
        lo, hi = p.minimum, _maximum(p, settings)
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            raise BadRequest(f"{name} must be between {lo} and {hi}, not {n}", param=name)
        return n
    if p.kind == "number":
        try:
            v = float(raw.replace(",", "."))
        except ValueError:
            raise BadRequest(f"{name} must be a number, not {raw!r}", param=name) from None
        if not math.isfinite(v) or v < 0:
            raise BadRequest(f"{name} must be a non-negative number, not {raw!r}", param=name)
        return v
    if p.kind == "date":
        return _date(name, raw)
    if raw not in ("0", "1"):
        raise BadRequest(f"{name} must be 0 or 1, not {raw!r}", param=name)
    return raw == "1"


def _date(name: str, raw: str) -> date:
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        if not EARLIEST_DATE.date() <= day < LATEST_DATE.date():
            raise BadRequest(
                f"{name} must be a date from {EARLIEST_DATE.year} to {LATEST_DATE.year - 1}, not {raw!r}",
                param=name,
            )
        return day
    raise BadRequest(f"{name} must be a date like 2022-06-17 or 17/06/2022, not {raw!r}", param=name)


def parse_params(params: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """Every search parameter's checked value, by name: a list for repeatable
    ones, else the value or its default (None when it has none).

    ``params`` maps a name to a string or a list of strings (a Werkzeug
    ``MultiDict`` converted with ``to_dict(flat=False)``, or CLI options).
    Blank values count as not given (HTML forms send them). Unknown names are
    refused so that a typo does not silently return unfiltered results.
    """
    given = {k: _as_list(v) for k, v in params.items()}
    unknown = sorted(set(given) - set(PARAMS))
    if unknown:
        raise BadRequest(
            f"unknown parameter {unknown[0]!r}; known parameters: {', '.join(PARAMS)}",
            param=unknown[0],
        )
    values: dict[str, Any] = {}
    for p in SEARCH_PARAMS:
        raws = given.get(p.name, [])
        if p.repeatable:
            if len(raws) > MAX_VALUES:
                raise BadRequest(f"at most {MAX_VALUES} values for {p.name}", param=p.name)
            values[p.name] = [_convert(p, raw, settings) for raw in raws if raw.strip()]
            continue
        raw = _single(p.name, raws)
        if raw is None:
            values[p.name] = _absent(p)
        else:
            # A query keeps its trailing space: it means the last word is finished.
            values[p.name] = _convert(p, raw.lstrip() if p.kind == "text" else raw.strip(), settings)
    _check_together(values, settings)
    return values


def _format(p: SearchParam, value: Any) -> str:
    """One value of ``p`` as :func:`parse_params` reads it back (``2.0`` as ``2``)."""
    if p.kind == "date":
        return str(value.isoformat())
    if p.kind == "number":
        return str(int(value)) if float(value).is_integer() else repr(value)
    if p.kind == "flag":
        return "1"
    return str(value)


def format_params(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """The inverse of :func:`parse_params`: query parameters for ``values``
    (absent or default values left out; used to build links)."""
    out: dict[str, list[str]] = {}
    for p in SEARCH_PARAMS:
        value = values.get(p.name)
        if value is None or value == _absent(p):
            continue
        out[p.name] = [_format(p, v) for v in value] if p.repeatable else [_format(p, value)]
    return out


# ---------------------------------------------------------------------------
# Faces: CLI options, OpenAPI parameters, the README table
# ---------------------------------------------------------------------------


#: How ``--help`` names the value of an option, by kind (click's default: TEXT).
_METAVARS = {"int": "N", "number": "NUMBER", "date": "DATE"}


def _date_forms() -> str:
    """The accepted date forms, shown on one day: "`2022-06-17`, `17/06/2022`, ..."."""
    return ", ".join(f"`{date(2022, 6, 17).strftime(fmt)}`" for fmt in DATE_FORMATS)


def search_options(*, paging: bool = True) -> Callable[[F], F]:
    """A decorator giving a click command one option per search parameter
    but ``q`` (the command's QUERY argument); without the paging options
    when ``paging`` is false. :func:`cli_params` turns what they receive into
    query parameters."""
    import click  # only the CLI needs it

    def decorate(command: F) -> F:
        for p in reversed(SEARCH_PARAMS):  # click lists options in the order they are applied, last first
            if p.kind == "text" or (p.paging and not paging):
                continue
            help_text = p.description + (f" Forms: {_date_forms()}." if p.kind == "date" else "")
            help_text += " Repeat for several." if p.repeatable else ""
            kwargs: dict[str, Any] = {"help": help_text.replace("`", "'"), "multiple": p.repeatable}
            if p.kind in _METAVARS:
                kwargs["metavar"] = _METAVARS[p.kind]
            if p.kind == "flag":
                kwargs.update(is_flag=True, default=None)
            if p.choices:
                kwargs["type"] = click.Choice(p.values)
            if p.default is not None:
                kwargs.update(default=str(p.default), show_default=True)
            command = click.option(p.option, p.name, **kwargs)(command)
        return command

    return decorate


def cli_params(query: Iterable[str], options: Mapping[str, Any]) -> dict[str, Any]:
    """The query parameters that a command's QUERY words and the options of
    :func:`search_options` stand for (options not given left out)."""
    params: dict[str, Any] = {"q": " ".join(query)}
    for name, value in options.items():
        if value is None or value == () or value == "":
            continue
        params[name] = "1" if value is True else list(value) if isinstance(value, tuple) else value
    return params


def or_blank(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or a blank string (ignored, as if the parameter were absent)."""
    return {"anyOf": [schema, BLANK_SCHEMA]}


def _schema(p: SearchParam, settings: Settings) -> dict[str, Any]:
    """The JSON schema of one value of ``p``."""
    if p.kind == "text":
        return {"type": "string", "maxLength": _maximum(p, settings)}
    if p.kind == "keyword":
        return {"type": "string", "maxLength": MAX_VALUE_LENGTH}
    if p.kind == "date":
        return {"type": "string", "pattern": DATE_PATTERN}
    if p.kind == "flag":
        return {"type": "string", "enum": ["", "0", "1"]}
    schema: dict[str, Any]
    if p.kind == "choice":
        schema = {"type": "string", "enum": list(p.values)}
    elif p.kind == "number":
        schema = {"type": "number", "minimum": 0}
    else:
        schema = {"type": "integer", "minimum": p.minimum, "maximum": _documented_maximum(p, settings)}
    if p.default is not None:
        schema["default"] = p.default
    return or_blank(schema)


def _choices_text(p: SearchParam) -> str:
    return ", ".join(f"`{c.value}` ({c.label})" for c in p.choices)


def openapi_parameters(settings: Settings, *, paging: bool = True) -> list[dict[str, Any]]:
    """The search parameters as OpenAPI 3.1 query parameters (without the
    paging ones when ``paging`` is false, as for an export)."""
    out: list[dict[str, Any]] = []
    for p in SEARCH_PARAMS:
        if p.paging and not paging:
            continue
        description = p.description + _rule_notes(p, settings)
        if p.kind == "date":
            description += f" Forms: {_date_forms()}."
        if p.kind == "flag":
            description += " `1`: on; `0` or absent: off."
        if p.choices:
            description += f" One of {_choices_text(p)}."
        schema = _schema(p, settings)
        item: dict[str, Any] = {"name": p.name, "in": "query"}
        if p.repeatable:
            description += f" Repeat to select several (OR); at most {MAX_VALUES} values."
            item.update(style="form", explode=True)
            schema = {"type": "array", "items": schema, "maxItems": MAX_VALUES}
        item.update(description=description, schema=schema)
        out.append(item)
    return out


def _value_text(p: SearchParam, settings: Settings) -> str:
    """What a value of ``p`` may be, for the README."""
    hi = _maximum(p, settings)
    if p.kind == "text":
        text = f"text, at most `{p.maximum_setting}` ({hi}) characters"
    elif p.kind == "keyword":
        text = f"text, at most {MAX_VALUE_LENGTH} characters"
    elif p.kind == "choice":
        text = _choices_text(p)
    elif p.kind == "int":
        upper = f"`{p.maximum_setting}` ({hi})" if p.maximum_setting else str(hi)
        text = f"whole number {p.minimum} to {upper}"
    elif p.kind == "number":
        text = "number ≥ 0"
    elif p.kind == "date":
        text = "date: " + _date_forms()
    else:
        text = "`0` or `1`"
    if p.repeatable:
        text += f"; repeatable (at most {MAX_VALUES})"
    if p.default not in (None, ""):
        text += f"; default `{p.default}`"
    return text


def search_params_table(settings: Settings | None = None) -> str:
    """The README's table of search parameters (Markdown), with the default settings' limits."""
    settings = settings or Settings()
    rows = ["| parameter | `newssearch search` option | value | meaning |", "|---|---|---|---|"]
    for p in SEARCH_PARAMS:
        option = "the QUERY words" if p.kind == "text" else f"`{p.option}`" + (" (a flag)" if p.kind == "flag" else "")
        meaning = p.description + _rule_notes(p, settings)
        rows.append(f"| `{p.name}` | {option} | {_value_text(p, settings)} | {meaning} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover - a maintenance helper for the README
    print(search_params_table(), end="")
