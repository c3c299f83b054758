"""The search parameters: one table that validation, the CLI options, the
OpenAPI document and the README's parameter table are all derived from.

Each :class:`Param` says what a value may be; :func:`parse` turns raw query
parameters (strings, possibly repeated) into checked Python values, raising
:class:`~newssearch.errors.BadRequest` that names the parameter.
:meth:`newssearch.models.SearchRequest.from_params` builds a request from
what :func:`parse` returns; :func:`click_options` gives ``newssearch search``
one option per parameter; :func:`openapi_parameters` describes them for
``/api/openapi.json``; ``python -m newssearch.params`` prints the README table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from .config import Settings
from .errors import BadRequest

Kind = Literal["text", "keyword", "choice", "int", "number", "date"]

#: Most values one repeated parameter may carry.
MAX_VALUES = 50
#: Longest value of a keyword filter.
MAX_VALUE_LENGTH = 200
#: Accepted date forms (and their regular expression, for the OpenAPI document).
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m", "%Y")
DATE_PATTERN = (
    r"^\s*(|\d{4}-(0?[1-9]|1[0-2])-(0?[1-9]|[12]\d|3[01])|(0?[1-9]|[12]\d|3[01])/(0?[1-9]|1[0-2])/\d{4}"
    r"|\d{4}-(0?[1-9]|1[0-2])|\d{4})\s*$"
)
#: Dates outside these years are not dates a search can mean (and Python's
#: datetime cannot always represent them as timestamps).
DATE_YEARS = (1900, 2100)


@dataclass(frozen=True)
class Param:
    """One search parameter."""

    name: str
    kind: Kind
    help: str
    #: May be given several times (OR within the parameter).
    repeat: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: str | None = None
    #: A facet selection (kept apart from q, sort and paging in links).
    filter: bool = True
    #: The CLI option's name, when it is not ``--<name-with-dashes>``.
    cli: str | None = None

    @property
    def option(self) -> str:
        return self.cli or "--" + self.name.replace("_", "-")


def _keyword(name: str, help: str, choices: tuple[str, ...] = ()) -> Param:
    kind: Kind = "choice" if choices else "keyword"
    return Param(name, kind, help, repeat=True, choices=choices)


TYPES = ("article", "listing")
TRANSACTIONS = ("sale", "rent")
SORTS = ("relevance", "newest", "oldest", "views", "price_asc", "price_desc", "area_asc", "area_desc")

#: Every search parameter, in the order they are documented.
SEARCH_PARAMS: tuple[Param, ...] = (
    Param(
        "q",
        "text",
        "What to search for, with or without diacritics (`nha pho ha long`). `\"quoted words\"` "
        "stand together; `-word` excludes. Empty: browse by newest.",
        filter=False,
    ),
    _keyword("type", "Document type: `article` (Tin tức) or `listing` (Nhà đất).", TYPES),
    _keyword("category", "Article category (Chuyên mục), as in the `category` facet."),
    _keyword("author", "Article author, as in the `author` facet."),
    _keyword("province", "Province (Tỉnh/Thành phố); accents and prefixes optional (`quang ninh`)."),
    _keyword("district", "District (Quận/Huyện) under the pre-2025 layout; `Q1`, `quận 1` work."),
    _keyword("ward", "Ward or commune (Phường/Xã)."),
    _keyword("property_type", "Listing property type (Loại nhà đất), as in the `property_type` facet."),
    _keyword("transaction", "Listing transaction: `sale` (Bán) or `rent` (Cho thuê).", TRANSACTIONS),
    Param("year", "int", "Publication (or posting) year.", repeat=True, minimum=1900, maximum=2100),
    Param("date_from", "date", "Published on or after this day: `2022-06-17`, `17/06/2022`, `2022-06` or `2022`."),
    Param("date_to", "date", "Published on or before this day (not before `date_from`)."),
    Param("price_min", "number", "Lowest price in VND (listings), inclusive.", minimum=0),
    Param("price_max", "number", "Highest price in VND (listings), exclusive; not below `price_min`.", minimum=0),
    Param("area_min", "number", "Smallest area in m² (listings), inclusive.", minimum=0),
    Param("area_max", "number", "Largest area in m² (listings), exclusive; not below `area_min`.", minimum=0),
    Param("bedrooms", "int", "At least this many bedrooms (listings).", minimum=0, maximum=100),
    Param(
        "sort",
        "choice",
        "Order of results; `relevance` becomes `newest` when `q` is empty.",
        choices=SORTS,
        default="relevance",
        filter=False,
    ),
    Param("page", "int", "Page number from 1.", minimum=1, maximum=10**6, default="1", filter=False),
    Param("per_page", "int", "Results per page.", minimum=1, default="10", filter=False, cli="--limit"),
)
PARAMS_BY_NAME: dict[str, Param] = {p.name: p for p in SEARCH_PARAMS}
#: Names of every parameter (what ``from_params`` accepts).
PARAM_NAMES: tuple[str, ...] = tuple(PARAMS_BY_NAME)
#: Keyword filters: repeated values select several (OR within, AND across filters).
KEYWORD_FILTERS: tuple[str, ...] = tuple(p.name for p in SEARCH_PARAMS if p.kind in ("keyword", "choice") and p.repeat)


def _maximum(p: Param, settings: Settings) -> float | None:
    if p.name == "per_page":
        return settings.max_per_page
    return p.maximum


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    if isinstance(v, Iterable):
        return [str(x) for x in v if x is not None]
    return [str(v)]


def _one(p: Param, raw: str, settings: Settings) -> Any:
    """One raw value of ``p`` as a Python value, or BadRequest."""
    name = p.name
    if p.kind == "keyword":
        if len(raw) > MAX_VALUE_LENGTH:
            raise BadRequest(f"a {name} value is longer than {MAX_VALUE_LENGTH} characters", param=name)
        return raw
    if p.kind == "choice":
        if raw not in p.choices:
            raise BadRequest(f"{name} must be one of {', '.join(p.choices)}, not {raw!r}", param=name)
        return raw
    if p.kind == "date":
        for fmt in DATE_FORMATS:
            try:
                d = datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
            if not DATE_YEARS[0] <= d.year <= DATE_YEARS[1]:
                raise BadRequest(
                    f"{name} must be between {DATE_YEARS[0]} and {DATE_YEARS[1]}, not {raw!r}", param=name
                )
            return d
        raise BadRequest(f"{name} must be a date like 2022-06-17 or 17/06/2022, not {raw!r}", param=name)
    lo, hi = p.minimum, _maximum(p, settings)
    if p.kind == "int":
        try:
            n: float = int(raw)
        except ValueError:
            raise BadRequest(f"{name} must be a whole number, not {raw!r}", param=name) from None
    else:
        try:
            n = float(raw.replace(",", "."))
        except ValueError:
            raise BadRequest(f"{name} must be a number, not {raw!r}", param=name) from None
        if not math.isfinite(n):
            raise BadRequest(f"{name} must be a finite number, not {raw!r}", param=name)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        bounds = f"between {lo:g} and {hi:g}" if hi is not None else f"at least {lo:g}"
        raise BadRequest(f"{name} must be {bounds}, not {raw}", param=name)
    return n


def parse(params: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """Checked values of the parameters given: a list for repeatable ones,
    else a single value. Blank values count as not given (HTML forms send
    them); unknown names are refused so that a typo does not silently return
    unfiltered results."""
    values = {k: _as_list(v) for k, v in params.items()}
    unknown = sorted(set(values) - set(PARAMS_BY_NAME))
    if unknown:
        raise BadRequest(
            f"unknown parameter {unknown[0]!r}; known parameters: {', '.join(PARAM_NAMES)}", param=unknown[0]
        )
    out: dict[str, Any] = {}
    for name, given in values.items():
        p = PARAMS_BY_NAME[name]
        if p.kind == "text":
            texts = [v for v in given if v.strip()]
            if len(set(texts)) > 1:
                raise BadRequest(f"{name} was given {len(texts)} times; give it once", param=name)
            if texts:
                out[name] = texts[0]
            continue
        if len(given) > MAX_VALUES:
            raise BadRequest(f"at most {MAX_VALUES} values for {name}", param=name)
        raws = [v.strip() for v in given if v.strip()]
        if not raws:
            continue
        if p.repeat:
            out[name] = [_one(p, v, settings) for v in raws]
        elif len(set(raws)) > 1:
            raise BadRequest(f"{name} was given {len(raws)} times; give it once", param=name)
        else:
            out[name] = _one(p, raws[0], settings)
    return out


# ---------------------------------------------------------------------------
# Faces: CLI options, OpenAPI parameters, the README table
# ---------------------------------------------------------------------------


def click_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a click command with one option per search parameter but ``q``
    (the command's argument). Values arrive as strings or tuples of strings,
    keyed by parameter name, for :func:`parse`."""
    import click

    for p in reversed(SEARCH_PARAMS):
        if p.kind == "text":
            continue
        kwargs: dict[str, Any] = {"help": p.help.replace("`", "'")}
        if p.repeat:
            kwargs["multiple"] = True
        if p.choices:
            kwargs["type"] = click.Choice(p.choices)
        if p.default is not None:
            kwargs.update(default=p.default, show_default=True)
        command = click.option(p.option, p.name, **kwargs)(command)
    return command


def _schema(p: Param, settings: Settings) -> dict[str, Any]:
    schema: dict[str, Any]
    if p.kind in ("text", "keyword"):
        schema = {"type": "string", "maxLength": settings.max_query_length if p.kind == "text" else MAX_VALUE_LENGTH}
    elif p.kind == "choice":
        schema = {"type": "string", "enum": list(p.choices)}
    elif p.kind == "date":
        return {"type": "string", "pattern": DATE_PATTERN}
    else:
        schema = {"type": "integer" if p.kind == "int" else "number"}
        if p.minimum is not None:
            schema["minimum"] = p.minimum
        hi = _maximum(p, settings)
        if hi is not None:
            schema["maximum"] = hi
    if p.default is not None:
        schema["default"] = int(p.default) if p.kind == "int" else p.default
    if p.kind == "text":
        return schema
    # A blank value counts as "not given" (what HTML forms send for empty fields).
    return {"anyOf": [schema, {"type": "string", "pattern": r"^\s*$"}]}


def _description(p: Param, settings: Settings) -> str:
    extra = ""
    if p.name == "q":
        extra = f" At most {settings.max_query_length} characters."
    elif p.name == "page":
        extra = (
            f" `page × per_page` may not exceed {settings.max_result_window} (the deepest result "
            "reachable): narrow the search instead."
        )
    elif p.repeat:
        extra = f" Repeat to select several (OR); at most {MAX_VALUES} values."
    return p.help + extra


def openapi_parameters(settings: Settings) -> list[dict[str, Any]]:
    """The search parameters as OpenAPI 3.1 parameter objects."""
    out: list[dict[str, Any]] = []
    for p in SEARCH_PARAMS:
        item: dict[str, Any] = {"name": p.name, "in": "query", "description": _description(p, settings)}
        schema = _schema(p, settings)
        if p.repeat:
            item.update(style="form", explode=True)
            schema = {"type": "array", "items": schema, "maxItems": MAX_VALUES}
        item["schema"] = schema
        out.append(item)
    return out


def readme_table(settings: Settings | None = None) -> str:
    """The README's table of search parameters (Markdown)."""
    settings = settings or Settings()
    rows = ["| parameter | CLI option | value | meaning |", "|---|---|---|---|"]
    for p in SEARCH_PARAMS:
        if p.kind == "choice":
            value = " \\| ".join(f"`{c}`" for c in p.choices)
        elif p.kind in ("int", "number"):
            hi = _maximum(p, settings)
            value = p.kind if p.minimum is None else f"{p.kind} ≥ {p.minimum:g}" + (f", ≤ {hi:g}" if hi else "")
        else:
            value = p.kind
        if p.repeat:
            value += ", repeatable"
        option = "the query words" if p.kind == "text" else f"`{p.option}`"
        rows.append(f"| `{p.name}` | {option} | {value} | {_description(p, settings)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover - prints the README table
    print(readme_table(), end="")
