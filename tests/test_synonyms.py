"""Abbreviation and synonym tables."""

from __future__ import annotations

import os
from pathlib import Path

from newssearch.synonyms import BUILTIN, Synonyms, SynonymTable, parse_groups


def test_parse_groups_folds_and_skips_comments_and_singletons() -> None:
    text = "bđs, Bất Động Sản  # property\n# a comment\nsolo\n\n q1 , quận 1, q1\n"
    assert parse_groups(text) == [(("bds",), ("bat", "dong", "san")), (("q1",), ("quan", "1"))]


def test_builtin_table() -> None:
    table = Synonyms(parse_groups(BUILTIN))
    assert table.alternatives("bds") == [("bat", "dong", "san")]
    assert table.alternatives("cc") == [("chung", "cu"), ("chinh", "chu")]
    assert ("sai", "gon") in table.alternatives("hcm")
    assert table.alternatives("nha") == []
    # A phrase is not rewritten to its abbreviation.
    assert table.alternatives("bat") == []


def test_user_file_takes_effect_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    table = SynonymTable(path)
    assert table.get().alternatives("vh") == []
    path.write_text("vh, vinhomes\n", "utf-8")
    assert table.get().alternatives("vh") == [("vinhomes",)]
    assert table.get().alternatives("bds") == [("bat", "dong", "san")]
    path.write_text("vh, vạn hạnh\n", "utf-8")
    os.utime(path, ns=(1, 2))  # a different stamp even within the clock's resolution
    assert table.get().alternatives("vh") == [("van", "hanh")]
    path.unlink()
    assert table.get().alternatives("vh") == []
    path.write_bytes(b"\xff\xfe broken, \x00 bytes\n")
    assert isinstance(table.get(), Synonyms)
