"""The command line: a thin layer over the library, with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch.cli import main, sample_paths

FIXTURES = Path(__file__).parent / "fixtures"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_index_search_stats_delete(tmp_path: Path) -> None:
    idx = str(tmp_path / "idx")
    code, out, _ = invoke("index", *map(str, sample_paths()), "--index-dir", idx)
    assert code == 0 and "indexed 50 articles, 72 listings" in out
    code, out, _ = invoke("index", *map(str, sample_paths()), "--index-dir", idx)
    assert code == 0 and "122 unchanged" in out

    code, out, _ = invoke("search", "nguoi", "yeu", "the", "--index-dir", idx, "--json")
    data = json.loads(out)
    assert code == 0 and data["hits"][0]["id"] == "qn-0001" and data["query"] == "nguoi yeu the"

    code, out, _ = invoke("search", "--index-dir", idx, "--district", "q7", "--type", "listing", "--json")
    assert code == 0 and {h["district"] for h in json.loads(out)["hits"]} == {"Quận 7"}

    code, out, _ = invoke("search", "nha pho ha long", "--index-dir", idx, "--limit", "3")
    assert code == 0 and "[nhà] [phố] [Hạ] [Long]" in out and "recognised place" in out

    code, out, _ = invoke("stats", "--index-dir", idx, "--json")
    stats = json.loads(out)
    assert code == 0 and stats["by_type"] == {"article": 50, "listing": 72}

    code, out, _ = invoke("delete", "qn-0001", "nope", "--index-dir", idx)
    assert code == 0 and "deleted 1 of 2" in out

    code, out, _ = invoke("suggest", "nha ph", "--index-dir", idx)
    assert code == 0 and "nhà phố" in out

    code, out, _ = invoke("related", "qn-0008", "--index-dir", idx)
    assert code == 0 and "Tuần Châu" in out


@pytest.mark.parametrize(
    ("args", "first_line"),
    [
        (["nha dat ha long"], "nhà đất hạ long"),
        (["nguoi", "yeu", "the"], "người yếu thế"),
        (["Cau vinh Tuan Chau, 2023"], "cầu vịnh tuần châu, 2023"),
        (["q7 xyzw"], "q7 xyzw"),
    ],
)
def test_restore(sample_cli_index: str, args: list[str], first_line: str) -> None:
    code, out, _ = invoke("restore", *args, "--index-dir", sample_cli_index)
    assert code == 0 and out.splitlines()[0] == first_line


def test_search_shows_the_correction_and_verbatim_searches_as_typed(sample_cli_index: str) -> None:
    code, out, _ = invoke("search", "nhaf ddaats haj long", "--index-dir", sample_cli_index, "--limit", "1")
    assert code == 0 and "Đang hiển thị kết quả cho: nhà đất hạ long" in out
    code, out, _ = invoke("search", "nhaf ddaats haj long", "--verbatim", "--index-dir", sample_cli_index, "--json")
    data = json.loads(out)
    assert code == 0 and data["corrected"] is None and data["suggestion"] == "nhà đất hạ long"


@pytest.fixture(scope="module")
def sample_cli_index(tmp_path_factory: pytest.TempPathFactory) -> str:
    idx = str(tmp_path_factory.mktemp("cli") / "idx")
    code, _, _ = invoke("index", *map(str, sample_paths()), "--index-dir", idx)
    assert code == 0
    return idx


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke("search", "x", "--index-dir", str(tmp_path / "none"))
    assert code == 2 and err.startswith("error: no index at") and err.count("\n") == 1
    idx = str(tmp_path / "idx")
    invoke("index", str(sample_paths()[0]), "--index-dir", idx)
    code, _, err = invoke("search", "x", "--index-dir", idx, "--page", "0")
    assert code == 2 and "page must be between" in err
    code, _, err = invoke("search", "x", "--index-dir", idx, "--price-min", "abc")
    assert code == 2 and "price_min must be a number" in err


def test_broken_feed_reports_and_keeps_good_records(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    code, out, err = invoke("index", str(FIXTURES / "broken.jsonl"), "--index-dir", str(idx))
    assert code == 0
    assert "skipped" in out and "see " in out
    assert (idx / "last-problems.txt").read_text().count("broken.jsonl") >= 4
    assert "skipped: " in err
    code, out, _ = invoke("stats", "--index-dir", str(idx), "--json")
    assert json.loads(out)["documents"] == 2


def test_demo_without_serving(tmp_path: Path) -> None:
    code, out, _ = invoke("demo", "--index-dir", str(tmp_path / "demo"), "--no-serve")
    assert code == 0 and "indexed 50 articles, 72 listings" in out and "nha pho ha long" in out
