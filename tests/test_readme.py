"""The README tells the truth: its example figures are what the sample gives, and its paths exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch.cli import main
from newssearch.web import create_app

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text("utf-8")
#: A number that changes from run to run: timings.
TIMING = re.compile(r"\[\d+(\.\d+)?s\]|in \d+(\.\d+)? ms")


def section(title: str) -> str:
    """The README text under a heading, up to the next heading of the same or a higher level."""
    out: list[str] = []
    level = 0
    fenced = False
    for line in README.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        heading = re.match(r"(#+) (.*)", line) if not fenced else None
        if heading and level and len(heading.group(1)) <= level:
            break
        if level:
            out.append(line)
        elif heading and heading.group(2).strip() == title:
            level = len(heading.group(1))
    assert level, f"no section {title!r}"
    return "".join(out)


def test_demo_output_is_what_demo_prints(tmp_path: Path) -> None:
    quickstart = section("Quickstart")
    shown = re.search(r"`newssearch demo --no-serve`.*?\n```\n(.*?)```", quickstart, re.S)
    assert shown, "the Quickstart shows what `newssearch demo --no-serve` prints"
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--index-dir", str(tmp_path / "demo")])
    assert result.exit_code == 0
    printed = [TIMING.sub("", line) for line in result.stdout.splitlines()]
    for line in shown.group(1).splitlines():
        assert TIMING.sub("", line) in printed


def test_api_example_figures_are_what_the_sample_gives(sample_index: Path) -> None:
    example = section("HTTP API and search page")
    example = example[example.index("```json") : example.index("```", example.index("```json") + 7)]
    client = create_app({"index_dir": sample_index, "TESTING": True, "query_log": False}).test_client()
    query = re.search(r'"query": "([^"]+)"', example)
    assert query
    data = client.get("/api/search", query_string={"q": query.group(1)}).get_json()
    top = data["hits"][0]

    def shown(key: str) -> object:
        m = re.search(rf'"{key}": ("[^"]*"|[\d.]+|null|true|false)', example)
        assert m, key
        return json.loads(m.group(1))

    for key in ("total", "page", "per_page", "relaxed", "suggestion"):
        assert shown(key) == data[key], key
    for key in ("id", "type", "published", "province", "district", "ward", "property_type", "transaction",
                "price_vnd", "price_text", "area_m2", "bedrooms", "views"):
        assert shown(key) == top[key], key
    assert shown("score") == pytest.approx(top["score"], abs=0.01)
    for facet in ("district", "price"):
        m = re.search(rf'"{facet}": \[\{{"value": "([^"]+)", "label": "([^"]+)", "count": (\d+)', example)
        assert m, facet
        got = {(v["value"], v["label"], v["count"]) for v in data["facets"][facet]}
        assert (m.group(1), m.group(2), int(m.group(3))) in got, facet
    assert data["recognized"][0]["district"] in example


def test_paths_in_the_readme_exist() -> None:
    paths = set(re.findall(r"(?<![\w./-])((?:src|deploy|docs|benchmarks|tests|\.ci)/[\w./-]*\w)", README))
    assert "src/newssearch/data/article-page.txt" in paths and "deploy/Dockerfile" in paths
    missing = sorted(p for p in paths if not (REPO / p).exists())
    assert missing == []


def test_shared_folder_only_where_it_is_optional() -> None:
    # ../shared is beside a development checkout, not in a clone: only Development may name it.
    outside = README.replace(section("Development"), "")
    assert "../shared" not in outside
