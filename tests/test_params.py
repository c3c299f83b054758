"""The table of search parameters: every face agrees with it, and validation
says exactly what is wrong."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, get_args

import pytest
from click.testing import CliRunner

from newssearch.cli import export_cmd, main, search_cmd
from newssearch.config import Settings
from newssearch.documents import DocType
from newssearch.errors import BadRequest
from newssearch.models import SearchRequest
from newssearch.params import (
    _KEYWORD_FILTER_TEXT,
    DATE_FORMATS,
    DATE_PATTERN,
    KEYWORD_FILTERS,
    PAGING_PARAMS,
    PARAMS,
    SEARCH_PARAMS,
    TYPES,
    SearchParam,
    cli_params,
    openapi_parameters,
    parse_params,
    search_params_table,
)
from newssearch.store.schema import KEYWORD_COLUMNS
from newssearch.web.messages import vietnamese_message
from newssearch.web.openapi import openapi_spec

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")

#: A good value of each kind, as sent and as :meth:`SearchRequest.to_params` writes it back.
GOOD_VALUES = {
    "text": ("nhà phố hạ long", "nhà phố hạ long"),
    "keyword": (" Quận 7 ", "Quận 7"),
    "number": ("1,5", "1.5"),
    "date": ("17/06/2022", "2022-06-17"),
    "flag": ("1", "1"),
}


def good_value(p: SearchParam) -> tuple[str, str]:
    """A value ``p`` accepts that is not its default, and its canonical spelling."""
    if p.kind == "choice":
        return p.values[-1], p.values[-1]
    if p.kind == "int":
        assert p.minimum is not None
        return str(p.minimum + 1), str(p.minimum + 1)
    return GOOD_VALUES[p.kind]


def test_readme_table_is_generated() -> None:
    assert search_params_table() in README, "README's parameter table is stale: paste `python -m newssearch.params`"


@pytest.mark.parametrize("p", SEARCH_PARAMS, ids=lambda p: p.name)
def test_every_parameter_is_accepted_and_written_back(p: SearchParam) -> None:
    sent, canonical = good_value(p)
    req = SearchRequest.from_params({p.name: sent})
    assert req.to_params() == {p.name: [canonical]}
    assert SearchRequest.from_params(req.to_params()) == req


@pytest.mark.parametrize("p", SEARCH_PARAMS, ids=lambda p: p.name)
def test_every_parameter_is_a_cli_option(p: SearchParam, tmp_path: Path) -> None:
    """Each option reaches validation: a good value gets as far as opening the
    (missing) index, a bad one is refused naming the parameter."""
    sent, _ = good_value(p)
    args = ["search", "--index-dir", str(tmp_path / "none")]
    if p.kind == "text":
        args.append(sent)
    elif p.kind == "flag":
        args.append(p.option)
    else:
        args += [p.option, sent]
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.stderr.split(" at ")[0]) == (2, "error: no index"), result.output


def test_cli_options_are_the_table() -> None:
    def options(command: Any) -> dict[str | None, list[str]]:
        return {param.name: param.opts for param in command.params}

    search, export = options(search_cmd), options(export_cmd)
    assert search["query"] == export["query"] == ["query"]
    for p in SEARCH_PARAMS:
        if p.kind != "text":
            assert search[p.name] == [p.option]
            assert export.get(p.name) == (None if p.paging else [p.option])


def test_openapi_parameters_are_the_table() -> None:
    spec = openapi_spec(Settings())
    search = spec["paths"]["/api/search"]["get"]["parameters"]
    export = spec["paths"]["/api/export"]["get"]["parameters"]
    assert [p["name"] for p in search if p["in"] == "query"] == list(PARAMS)
    assert [p["name"] for p in export] == [*(n for n in PARAMS if n not in PAGING_PARAMS), "format"]
    described = {p["name"]: p for p in search}
    for p in SEARCH_PARAMS:
        schema = described[p.name]["schema"]
        if p.repeatable:
            assert (schema["type"], schema["maxItems"]) == ("array", 50)
            schema = schema["items"]
        value = schema["anyOf"][0] if "anyOf" in schema else schema
        if p.choices:
            assert value["enum"] == list(p.values)
        if p.kind == "int":
            assert value["type"] == "integer" and value["minimum"] == p.minimum
        if p.default not in (None, ""):
            assert value["default"] == p.default


def test_openapi_bounds_follow_the_settings() -> None:
    small = {p["name"]: p["schema"] for p in openapi_parameters(Settings(max_per_page=20, max_result_window=200))}
    assert small["per_page"]["anyOf"][0]["maximum"] == 20
    # page × per_page ≤ max_result_window with per_page ≥ 1: the page bound tightens.
    assert small["page"]["anyOf"][0]["maximum"] == 200
    assert "200 (the deepest result reachable)" in next(
        p["description"] for p in openapi_parameters(Settings(max_result_window=200)) if p["name"] == "page"
    )


@pytest.mark.parametrize("form", [*DATE_FORMATS, ""])
def test_the_date_pattern_is_the_date_forms(form: str) -> None:
    """The OpenAPI pattern accepts every form validation reads (and a blank), not a wrong day."""
    assert re.match(DATE_PATTERN, date(2022, 6, 17).strftime(form))
    assert not re.match(DATE_PATTERN, "2022-13-01") and not re.match(DATE_PATTERN, "32/06/2022")


def test_keyword_filters_are_the_index_keyword_columns() -> None:
    assert KEYWORD_FILTERS == KEYWORD_COLUMNS
    assert set(_KEYWORD_FILTER_TEXT) == set(KEYWORD_COLUMNS)
    assert set(TYPES) == set(get_args(DocType))


@pytest.mark.parametrize(
    ("params", "param", "message"),
    [
        ({"Q": "x"}, "Q", f"unknown parameter 'Q'; known parameters: {', '.join(PARAMS)}"),
        ({"q": "x" * 501}, "q", "the query is 501 characters long; the limit is 500"),
        ({"q": ["nhà", "đất"]}, "q", "q was given 2 times; give it once"),
        ({"district": ["Q1"] * 40 + [""] * 11}, "district", "at most 50 values for district"),
        ({"ward": "x" * 201}, "ward", "a ward value is longer than 200 characters"),
        ({"type": " video "}, "type", "type must be one of article, listing, not 'video'"),
        ({"transaction": "buy"}, "transaction", "transaction must be one of sale, rent, not 'buy'"),
        ({"year": ["2020"] * 51}, "year", "at most 50 values for year"),
        ({"year": " 20x2"}, "year", "year must be a whole number, not ' 20x2'"),
        ({"year": "1899"}, "year", "year must be between 1900 and 2100, not 1899"),
        ({"date_to": "1899"}, "date_to", "date_to must be a date from 1900 to 2099, not '1899'"),
        ({"date_from": "30/02/2022"}, "date_from", "date_from must be a date like 2022-06-17 or 17/06/2022, not '30/02/2022'"),
        ({"date_from": "2023-01-01", "date_to": "2022"}, "date_from", "date_from is after date_to"),
        ({"price_min": "abc"}, "price_min", "price_min must be a number, not 'abc'"),
        ({"area_min": "inf"}, "area_min", "area_min must be a non-negative number, not 'inf'"),
        ({"price_per_m2_min": "5", "price_per_m2_max": "1"}, "price_per_m2_min",
         "price_per_m2_min is greater than price_per_m2_max"),
        ({"bedrooms": " x "}, "bedrooms", "bedrooms must be a whole number, not 'x'"),
        ({"sort": "giá"}, "sort", "sort must be one of relevance, newest, oldest, views, price_asc, price_desc, "
         "area_asc, area_desc, price_per_m2_asc, price_per_m2_desc, not 'giá'"),
        ({"sort": ["newest", "oldest"]}, "sort", "sort was given 2 times; give it once"),
        ({"page": "0"}, "page", "page must be between 1 and 1000000, not 0"),
        ({"per_page": "101"}, "per_page", "per_page must be between 1 and 100, not 101"),
        ({"page": "200", "per_page": "100"}, "page",
         "page 200 with per_page 100 goes past result 10000, the deepest reachable; narrow the search instead"),
        ({"verbatim": "yes"}, "verbatim", "verbatim must be 0 or 1, not 'yes'"),
    ],
)
def test_bad_values_are_named_and_explained(params: dict[str, Any], param: str, message: str) -> None:
    with pytest.raises(BadRequest) as info:
        parse_params(params, Settings())
    assert (info.value.status, info.value.param, info.value.message) == (400, param, message)


def test_values_and_defaults() -> None:
    values = parse_params(
        {"q": "  nhà phố ", "district": ["Q7", " ", "Quận 1"], "sort": ["newest", "newest"], "price_max": " 3,5 "},
        Settings(),
    )
    assert values == {
        "q": "nhà phố ",  # a trailing space says the last word is finished
        **{name: [] for name in KEYWORD_FILTERS},
        "district": ["Q7", "Quận 1"],
        "year": [],
        "date_from": None,
        "date_to": None,
        "price_min": None,
        "price_max": 3.5,
        "area_min": None,
        "area_max": None,
        "price_per_m2_min": None,
        "price_per_m2_max": None,
        "bedrooms": None,
        "sort": "newest",
        "page": 1,
        "per_page": 10,
        "verbatim": False,
    }


@pytest.mark.parametrize(
    ("options", "params"),
    [
        ({}, {"q": "nha pho"}),
        ({"type": (), "district": ("Q7", "Q1"), "sort": "relevance", "bedrooms": None}, {
            "q": "nha pho", "district": ["Q7", "Q1"], "sort": "relevance"}),
        ({"verbatim": True, "per_page": "5", "date_from": ""}, {"q": "nha pho", "verbatim": "1", "per_page": "5"}),
    ],
)
def test_cli_params(options: dict[str, Any], params: dict[str, Any]) -> None:
    assert cli_params(("nha", "pho"), options) == params


@pytest.mark.parametrize("p", SEARCH_PARAMS, ids=lambda p: p.name)
def test_every_parameter_is_explained_on_the_page(p: SearchParam) -> None:
    message = vietnamese_message(400, Settings(), p.name, "??")
    assert message.startswith(f"Giá trị “??” của “{p.label}” không hợp lệ. ")
    assert not message.endswith("Hãy kiểm tra lại địa chỉ trang.")


def test_choice_hints_name_the_labels() -> None:
    assert vietnamese_message(400, Settings(), "type", "video") == (
        "Giá trị “video” của “Loại nội dung” không hợp lệ. Chọn “Tin tức” hoặc “Nhà đất”."
    )
    assert vietnamese_message(400, Settings(), "transaction").endswith("Chọn “Bán” hoặc “Cho thuê”.")
