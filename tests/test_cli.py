"""The command line: a thin layer over the library, with one-line errors."""

from __future__ import annotations

import json
import re
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
    assert json.loads(out)["documents"] == 4  # two of them with a field left empty and a warning


def test_demo_without_serving(tmp_path: Path) -> None:
    code, out, _ = invoke("demo", "--index-dir", str(tmp_path / "demo"), "--no-serve")
    assert code == 0 and "indexed 50 articles, 72 listings" in out and "nha pho ha long" in out


def test_hits_print_like_the_page(tmp_path: Path) -> None:
    idx = str(tmp_path / "idx")
    invoke("index", *map(str, sample_paths()), "--index-dir", idx)
    code, out, _ = invoke("search", "nha pho ha long", "--index-dir", idx, "--limit", "2")
    lines = [line for line in out.splitlines() if line.startswith("  1.") or line.startswith("  2.")]
    assert code == 0 and [line.split("  [listing] ")[1] for line in lines] == [
        "19/10/2023 · Thành phố Hạ Long · 6,3 tỷ · 80 m²",
        "20/02/2024 · Thành phố Hạ Long · 5,2 tỷ · 75 m²",
    ]
    code, out, _ = invoke("search", "ha long", "--type", "article", "--index-dir", idx, "--limit", "1")
    assert code == 0 and "[article] 30/04/2019 · Văn hóa - Thể thao · 6.204 lượt xem" in out
    code, out, _ = invoke("search", "cho thue can ho", "--transaction", "rent", "--index-dir", idx, "--limit", "1")
    assert code == 0 and re.search(r"\d+ triệu/tháng · \d+ m²", out) and ".0 m²" not in out


def test_related_with_nothing_to_show_says_so(tmp_path: Path) -> None:
    lone = tmp_path / "lone.jsonl"
    lone.write_text('{"id": "x1", "type": "article", "title": "Một bài lẻ loi", "body": "Chỉ một bài."}\n', "utf-8")
    idx = str(tmp_path / "idx")
    invoke("index", str(lone), "--index-dir", idx)
    code, out, _ = invoke("related", "x1", "--index-dir", idx)
    assert (code, out) == (0, "no related documents for x1: nothing else in the index is similar enough\n")


def test_every_record_skipped_exits_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('not json\n{"id": "b1"}\n', "utf-8")
    code, out, err = invoke("index", str(bad), "--index-dir", str(tmp_path / "idx"))
    assert code == 1 and "skipped 2" in out
    assert err.splitlines()[-1] == "error: every record was skipped; nothing was indexed"


def test_type_that_cannot_apply_says_so(tmp_path: Path) -> None:
    code, out, err = invoke("index", str(sample_paths()[0]), "--type", "listing", "--index-dir", str(tmp_path / "i"))
    assert code == 0 and "indexed 50 articles, 0 listings" in out
    assert "note: --type listing did not apply to 50 records that name their own type" in err
    code, _, err = invoke("index", str(sample_paths()[0]), "--type", "article", "--index-dir", str(tmp_path / "j"))
    assert code == 0 and "note:" not in err


def test_demo_keeps_an_index_of_other_data(tmp_path: Path) -> None:
    idx = tmp_path / "site"
    mine = tmp_path / "mine.jsonl"
    mine.write_text('{"id": "site-1", "type": "article", "title": "Tin của tòa soạn", "body": "Nội dung."}\n', "utf-8")
    invoke("index", str(mine), "--index-dir", str(idx))
    code, _, err = invoke("demo", "--index-dir", str(idx), "--no-serve")
    assert code == 2 and err == (
        f"error: {idx} already holds an index with 1 documents that are not the sample; "
        "use another --index-dir, or --force to replace it\n"
    )
    code, out, _ = invoke("search", "--index-dir", str(idx), "--json")
    assert [h["id"] for h in json.loads(out)["hits"]] == ["site-1"]  # untouched
    # The sample itself may be rebuilt; --force replaces anything.
    assert invoke("demo", "--index-dir", str(tmp_path / "demo"), "--no-serve")[0] == 0
    assert invoke("demo", "--index-dir", str(tmp_path / "demo"), "--no-serve")[0] == 0
    code, out, _ = invoke("demo", "--index-dir", str(idx), "--no-serve", "--force")
    assert code == 0 and "indexed 50 articles, 72 listings" in out


def test_config_option(tmp_path: Path) -> None:
    invoke("index", str(sample_paths()[0]), "--index-dir", str(tmp_path / "from-config"))
    config = tmp_path / "newssearch.toml"
    config.write_text('index_dir = "from-config"\nmax_per_page = 5\n', "utf-8")
    code, out, _ = invoke("--config", str(config), "search", "ha long", "--limit", "5", "--json")
    assert code == 0 and json.loads(out)["total"] > 0
    code, _, err = invoke("--config", str(config), "search", "ha long", "--limit", "6")
    assert code == 2 and "per_page must be between 1 and 5" in err
    config.write_text("max_per_page = 'two'\n", "utf-8")
    code, _, err = invoke("--config", str(config), "stats")
    assert code == 2 and err.startswith("error: max_per_page in ") and err.count("\n") == 1


def test_export_csv_and_jsonl(editors_index: Path, tmp_path: Path) -> None:
    import csv

    out_file = tmp_path / "hoang-giang.csv"
    code, _, _ = invoke(
        "export", "tác giả: Hoàng Giang", "--index-dir", str(editors_index), "--sort", "oldest", "-o", str(out_file)
    )
    assert code == 0
    data = out_file.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    with out_file.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["id"], r["published"], r["category"]) for r in rows] == [
        ("ed-author", "2022-06-20T09:30:00+07:00", "Xã hội"),
        ("bài/2022 số 1", "2022-07-01T00:00:00+07:00", "Kinh tế"),
    ]
    code, out, _ = invoke("export", "--index-dir", str(editors_index), "--format", "jsonl", "--category", "Du lịch")
    assert code == 0 and sorted(json.loads(line)["id"] for line in out.splitlines()) == ["ed-new", "ed-old"]
    empty = CliRunner().invoke(main, ["export", "zzzqqq", "--index-dir", str(editors_index)])
    assert empty.exit_code == 0
    assert empty.stdout_bytes == "\ufeffid,type,title,url,published,author,category,places,views\r\n".encode()
    code, _, err = invoke("export", "--index-dir", str(editors_index), "--date-from", "hôm qua")
    assert code == 2 and err.startswith("error: date_from must be a date")
