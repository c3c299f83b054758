"""The comparison harness (``benchmarks/``) on a tiny corpus we write ourselves.

The end-to-end test runs the documented command -- every engine, the
relevance set, both latency modes and a short HTTP load -- on a few hundred
made-up documents in ``tmp_path``, so it needs neither ``../shared`` nor
much time, and the harness cannot rot. The other tests pin the pure pieces
(query generation, metrics, the query log).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# ``benchmarks`` is a top-level folder of the repository, not part of the package.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.relevance import (  # noqa: E402
    KINDS,
    Query,
    QuerySet,
    district_short,
    evaluate,
    first_rank,
    fragment_queries,
    known_item_variants,
    title_words,
)
from benchmarks.workload import QuerySpec, build_log  # noqa: E402

from newssearch.vietnamese import fold  # noqa: E402

# --------------------------------------------------------------------------
# A small corpus written for these tests
# --------------------------------------------------------------------------

SUBJECTS = [
    "Học sinh vùng cao", "Nông dân miền Tây", "Ngư dân Quảng Ngãi", "Bác sĩ trẻ", "Công nhân khu chế xuất",
    "Tình nguyện viên", "Các nghệ nhân gốm", "Đội bóng chuyền nữ", "Nhà khoa học", "Người bán hàng rong",
    "Thầy giáo làng", "Hợp tác xã chè", "Những người thợ lặn", "Cụ bà tám mươi tuổi", "Sinh viên kiến trúc",
    "Đoàn kiểm lâm", "Chủ quán phở", "Ban quản lý chợ", "Nhóm kỹ sư phần mềm", "Đầu bếp đường phố",
]
ACTIONS = [
    "khôi phục", "trồng thêm", "giới thiệu", "sửa chữa", "đấu giá", "thu hoạch", "dựng lại", "quyên góp",
    "bảo tồn", "mở rộng", "thiết kế", "đưa về", "gìn giữ", "khám phá", "vận chuyển", "thắp sáng",
    "chăm sóc", "làm mới", "số hóa", "phục dựng",
]
OBJECTS = [
    "rừng ngập mặn", "giống lúa thơm", "những chiếc thuyền thúng", "trạm y tế xã", "thư viện sách cũ",
    "cầu tre qua suối", "lò gốm cổ", "sân bóng đất", "kính hiển vi điện tử", "gánh hàng xôi",
    "lớp học tình thương", "đồi chè xanh", "rạn san hô", "ngôi nhà sàn", "bản vẽ phố cổ",
    "đường mòn tuần tra", "nồi nước dùng", "mái chợ đình", "ứng dụng đặt lịch", "xe bánh mì",
]
PLACES = [
    "ở Sơn La", "tại Cà Mau", "bên bờ biển Sa Huỳnh", "giữa lòng Hà Nội", "ở Bình Dương", "tại Hội An",
    "ở Bát Tràng", "tại Nam Định", "ở Đà Lạt", "trên phố Hàng Bạc", "ở Điện Biên", "tại Thái Nguyên",
    "ở Côn Đảo", "tại Mộc Châu", "ở Huế", "tại Cúc Phương", "ở Nam Định", "tại chợ Đông Ba",
    "ở quận Cầu Giấy", "ở Sài Gòn",
]
DISTRICTS = [
    ("Thành phố Hồ Chí Minh", "Quận 7"),
    ("Thành phố Hồ Chí Minh", "Quận Gò Vấp"),
    ("Thành phố Hà Nội", "Quận Cầu Giấy"),
    ("Thành phố Đà Nẵng", "Quận Hải Châu"),
]
PROPERTY_TYPES = ["Nhà riêng", "Căn hộ chung cư", "Nhà phố", "Đất nền", "Biệt thự"]


def _articles(offset: int, prefix: str, brief: bool) -> list[dict[str, Any]]:
    out = []
    n = len(SUBJECTS)
    for i in range(n):
        s, a, o, p = SUBJECTS[i], ACTIONS[(i + offset) % n], OBJECTS[(i + 2 * offset) % n], PLACES[(i + 3 * offset) % n]
        title = f"{s} {a} {o} {p}"
        body = (
            f"{s} cho biết công việc {a} {o} bắt đầu từ mùa xuân. "
            f"Người dân {p} góp sức, chính quyền hỗ trợ kinh phí và tập huấn."
        )
        rec: dict[str, Any] = {"id": f"{prefix}-{i:03d}", "title": title, "body": body, "category": "Xã hội"}
        if brief:
            rec["published"] = f"2026-0{1 + i % 9}-1{i % 10}"
        out.append(rec)
    return out


def _listings(structured: bool) -> list[dict[str, Any]]:
    rng = random.Random(5 if structured else 3)
    out = []
    for d_i, (province, district) in enumerate(DISTRICTS):
        for k in range(12 if structured else 13):
            price = rng.choice([1.2e9, 2.5e9, 3.9e9, 5.5e9, 8.0e9])
            area = rng.choice([40.0, 52.0, 60.0, 75.0, 100.0])
            rec: dict[str, Any] = {
                "id": f"{'st' if structured else 'ls'}-{d_i}-{k:02d}",
                "province": province,
                "district": district,
                "address": f"Đường số {k + 1}, {district}, {province}",
                "price_vnd": price,
                "area_m2": area,
                "transaction": "sale",
            }
            if not structured:
                ptype = PROPERTY_TYPES[k % len(PROPERTY_TYPES)]
                rec["title"] = f"Bán {ptype.lower()} {district} {area:.0f}m2 giá {price / 1e9:.1f} tỷ"
                rec["description"] = f"{ptype} sổ hồng riêng, gần chợ và trường học, hẻm xe hơi."
                rec["property_type"] = ptype
                rec["posted"] = f"2025-0{1 + k % 9}-0{1 + k % 9}"
            out.append(rec)
    return out


def write_corpus(folder: Path) -> Path:
    """Four files named like ../shared/corpus, with our own Vietnamese text."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "articles.jsonl": _articles(0, "art", brief=False) + _articles(7, "art2", brief=False),
        "news_briefs.jsonl": _articles(3, "rss", brief=True),
        "listings.jsonl": _listings(structured=False),
        "listings_structured.jsonl": _listings(structured=True),
    }
    for name, records in files.items():
        (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return folder


# --------------------------------------------------------------------------
# End to end: the documented command
# --------------------------------------------------------------------------


def _engines() -> list[str]:
    """Every engine this environment has: the FTS5 peers come with Python's
    sqlite3; Tantivy only with the ``bench`` extra."""
    engines = ["newssearch", "fts5", "fts5_unidecode"]
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return engines
    return [*engines, "tantivy"]


def test_compare_end_to_end(tmp_path: Path) -> None:
    engines = _engines()
    corpus = write_corpus(tmp_path / "corpus")
    results_path = tmp_path / "results.json"
    chart = tmp_path / "chart.png"
    cmd = [
        sys.executable, "-m", "benchmarks.compare", "--corpus", str(corpus), "--per-kind", "8",
        "--work-dir", str(tmp_path / "work"), "--results", str(results_path), "--chart", str(chart),
        "--procs", "1", "--warmup", "2", "--http-seconds", "1", "--http-levels", "1,2",
        "--http-client", "python", "--http-workers", "1", "--http-warmup", "0.5",
        "--engines", ",".join(engines),
    ]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(results_path.read_text("utf-8"))

    assert sorted(results) == sorted(["meta", "build", "search_process", "latency", "relevance", "http", "goals"])
    assert list(results["build"]) == engines
    assert {e: b["docs"] for e, b in results["build"].items()} == dict.fromkeys(engines, 160)
    assert all(b["seconds"] > 0 and b["index_bytes"] > 0 and b["peak_rss_bytes"] > 0 for b in results["build"].values())
    assert {e: sorted(lat) for e, lat in results["latency"].items()} == {e: ["full", "top10"] for e in engines}
    n_log = sum(results["meta"]["query_log"].values())
    assert {e: lat["full"]["all"]["n"] for e, lat in results["latency"].items()} == dict.fromkeys(engines, n_log)
    assert {e: sorted(r) for e, r in results["relevance"].items()} == {e: sorted(KINDS) for e in engines}
    assert all(r[k]["n"] > 0 for r in results["relevance"].values() for k in KINDS)
    assert [lv["concurrency"] for lv in results["http"]["levels"]] == [1, 2]
    assert [lv["errors_total"] for lv in results["http"]["levels"]] == [0, 0]
    assert all(lv["requests"] > 0 for lv in results["http"]["levels"])
    assert {e: p["errors"] for e, p in results["search_process"].items()} == dict.fromkeys(engines, 0)
    assert chart.stat().st_size > 10_000
    # The failure lists (corpus text) stay in the work folder, not in the results.
    assert sorted(p.name for p in (tmp_path / "work").glob("*/failures-*.json")) == sorted(
        f"failures-{e}.json" for e in engines
    )
    assert "Relevance: MRR@10" in proc.stdout and "ns÷FTS5" in proc.stdout


# --------------------------------------------------------------------------
# The pure pieces
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Quận Gò Vấp", "go vap"),
        ("Quận 7", "quan 7"),
        ("Huyện Hóc Môn", "hoc mon"),
        ("Thành phố Thủ Đức", "thu duc"),
        ("Thị xã Mỹ Hào", "my hao"),
        ("Quận Đống Đa", "dong da"),
        ("Cầu Giấy", "cau giay"),
    ],
)
def test_district_short(name: str, short: str) -> None:
    assert district_short(name) == short


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("Giá vàng hôm nay 22.8.2026: tăng nhẹ", ["Giá", "vàng", "hôm", "nay", "22.8.2026", "tăng", "nhẹ"]),
        ("Huy động 1,6 tỉ đồng cho TP.HCM", ["Huy", "động", "1,6", "tỉ", "đồng", "cho", "TP.HCM"]),
        ("‘Đế chế’ viễn thông - tiêm vắc-xin…", ["Đế", "chế", "viễn", "thông", "tiêm", "vắc-xin"]),
        ("Hoà bình", ["Hòa", "bình"]),  # normalised tone placement
        ("", []),
    ],
)
def test_title_words(title: str, words: list[str]) -> None:
    assert title_words(title) == words


def _one_edit(a: str, b: str) -> bool:
    """True when b is a with one letter deleted, replaced or two neighbours swapped."""
    if len(a) == len(b) + 1:
        return any(a[:i] + a[i + 1 :] == b for i in range(len(a)))
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])


@pytest.mark.parametrize("seed", range(20))
def test_known_item_variants(seed: int) -> None:
    span = ["Nông", "dân", "miền", "Tây", "thu", "hoạch"]
    v = known_item_variants(span, random.Random(seed))
    assert sorted(v) == ["accented", "partial", "telex", "typo", "unaccented"]
    assert v["accented"] == "Nông dân miền Tây thu hoạch"
    assert v["telex"] == "Noong daan mieenf Taay thu hoachj"
    assert v["unaccented"] == "nong dan mien tay thu hoach"
    assert v["partial"] in ("nong dan mien tay thu ho", "nong dan mien tay thu hoa")
    typo, clean = v["typo"].split(), v["unaccented"].split()
    changed = [(a, b) for a, b in zip(clean, typo, strict=True) if a != b]
    assert len(changed) == 1 and len(changed[0][0]) >= 4 and _one_edit(*changed[0])


def test_metrics() -> None:
    qs = QuerySet(
        meta={},
        queries=[
            Query("accented-0000", "accented", "a", ["d1"]),
            Query("accented-0001", "accented", "b", ["d2"]),
            Query("district-0000", "district", "nha quan 7", [], "HCM|Quận 7"),
        ],
        districts={"HCM|Quận 7": ["l1", "l2", "l3"]},
    )
    ranked = {
        "accented-0000": ["x", "d1"],
        "accented-0001": ["x"] * 10 + ["d2"],
        "district-0000": ["l2", "x", "l3"],
    }
    assert first_rank(ranked["accented-0000"], {"d1"}) == 2
    assert evaluate(qs, ranked) == {
        "accented": {"n": 2, "mrr10": 0.25, "success10": 0.5},
        "district": {"n": 1, "mrr10": 1.0, "success10": 1.0, "precision10": 0.2},
    }


def test_query_log_mixes_browse_queries() -> None:
    qs = QuerySet(
        meta={},
        queries=[Query(f"accented-{i:04d}", "accented", f"câu {i}", [f"d{i}"]) for i in range(90)],
        districts={"Thành phố Hồ Chí Minh|Quận 7": ["l1"]},
    )
    log = build_log(qs)
    kinds = sorted({s.kind for s in log})
    assert kinds == ["accented", "browse_district", "browse_price", "filter_text"]
    assert len(log) == 100 and len({s.qid for s in log}) == 100
    assert build_log(qs) == log  # deterministic
    spec = QuerySpec("x", "filter_text", q="nhà phố", district="Quận 7", price_min=1e9, price_max=2e9)
    assert spec.path() == (
        "/api/search?q=nh%C3%A0+ph%E1%BB%91&district=Qu%E1%BA%ADn+7&price_min=1000000000&price_max=2000000000"
    )


def test_fragment_queries_are_distinctive_body_spans() -> None:
    bodies = [(rec["id"], rec["body"]) for rec in _articles(0, "art", brief=False) + _articles(7, "art2", brief=False)]
    bodies.append(("dup", bodies[0][1]))  # a body shared by two ids: none of its spans is distinctive
    queries = fragment_queries(bodies, 5, random.Random(5))
    assert queries == fragment_queries(bodies, 5, random.Random(5))  # deterministic
    by_kind = {kind: [q for q in queries if q.kind == kind] for kind in ("fragment", "fragment_unaccented")}
    assert len(by_kind["fragment"]) == len(by_kind["fragment_unaccented"]) == 5
    texts = dict(bodies)
    for accented, folded in zip(by_kind["fragment"], by_kind["fragment_unaccented"], strict=True):
        words = accented.q.split()
        assert 4 <= len(words) <= 8 and accented.relevant == folded.relevant != ["dup"]
        assert folded.q == " ".join(fold(w) for w in words)
        assert accented.q in " ".join(title_words(texts[accented.relevant[0]]))
        holders = [i for i, b in bodies if f" {folded.q} " in f" {' '.join(fold(w) for w in title_words(b))} "]
        assert holders == accented.relevant
