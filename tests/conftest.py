"""Shared fixtures: the sample index (built once per session) and an Engine over it."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newssearch.cli import sample_paths
from newssearch.indexer import IndexStore
from newssearch.ingest import read_paths
from newssearch.search import Engine

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the shipped sample data (read-only for tests: copy it to modify)."""
    root = tmp_path_factory.mktemp("sample-index")
    report = IndexStore(root).write(read_paths(sample_paths()))
    assert report.skipped == 0, report.problems
    return root


@pytest.fixture(scope="session")
def engine(sample_index: Path) -> Iterator[Engine]:
    e = Engine(sample_index)
    yield e
    e.close()


@pytest.fixture
def shared_corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (it lives beside the project in ../shared)")
    return CORPUS


# A small newsroom archive for the editors' features (names, remembered
# phrases, fields, dates, freshness, export, feeds, document pages).
_FILLER = "Người dân trong vùng tiếp tục dọn dẹp nhà cửa và ổn định cuộc sống sau nhiều ngày mưa lớn. " * 45
# The remembered sentence of "ed-author", deep in its body (past 3,000 characters).
_REMEMBERED = "Chiều 20/6, đoàn công tác đã kiểm tra tuyến đê biển ở xã Đồng Rui."


def editors_documents() -> list[Any]:
    """Articles written for these tests (no corpus text)."""
    from newssearch.documents import Article

    return [
        Article(
            id="ed-author", title="Quảng Ninh khắc phục hậu quả mưa lũ", author="Hoàng Giang",
            summary="Các địa phương ven biển khẩn trương khắc phục hậu quả.",
            body=_FILLER + _REMEMBERED + " " + _FILLER, category="Xã hội", province="Tỉnh Quảng Ninh",
            published=datetime(2022, 6, 20, 9, 30),
        ),
        Article(
            id="ed-mention", title="Nghệ sĩ Hoàng Giang mở triển lãm tranh về biển", author="Minh Thư",
            body="Triển lãm giới thiệu ba mươi bức tranh sơn dầu về biển đảo.", category="Văn hóa",
            url="https://halongnews.example/ed-mention.html", published=datetime(2024, 3, 2),
        ),
        Article(
            id="ed-scatter", title="Đoàn kiểm tra đê biển và tuyến đường ven biển", author="Minh Thư",
            body=(
                "Đoàn công tác kiểm tra đê. Tuyến biển đã được kiểm tra kỹ. Đoàn đã kiểm tra công tác "
                "đê biển, tuyến đê và biển. Công tác kiểm tra tuyến đê đã xong."
            ),
            category="Thời sự", published=datetime(2023, 5, 10),
        ),
        Article(
            id="ed-old", title="Du lịch Hạ Long đón khách trở lại", body="Các tàu du lịch đón khách trên vịnh.",
            category="Du lịch", published=datetime(2019, 5, 1),
        ),
        Article(
            id="ed-new", title="Du lịch Hạ Long đón khách trở lại", body="Các tàu du lịch đón khách trên vịnh.",
            category="Du lịch", published=datetime.now() - timedelta(days=30),
        ),
        Article(
            id="bài/2022 số 1", title="Mở rộng cảng cá Cái Rồng", body="Cảng cá được nâng cấp để đón tàu lớn.",
            category="Kinh tế", author="Hoàng Giang", published=datetime(2022, 7, 1),
        ),
    ]


@pytest.fixture(scope="session")
def editors_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of :func:`editors_documents` (read-only for tests)."""
    root = tmp_path_factory.mktemp("editors-index")
    IndexStore(root).write(editors_documents())
    return root


@pytest.fixture(scope="session")
def editors_engine(editors_index: Path) -> Iterator[Engine]:
    e = Engine(editors_index)
    yield e
    e.close()


def stop_server(proc: subprocess.Popen[bytes], group: bool = False) -> None:
    """Stop a server a test started: SIGTERM, then SIGKILL if it lingers
    (``group``: its whole process group, gunicorn's workers included)."""

    def send(sig: signal.Signals) -> None:
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)

    send(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait(timeout=10)
