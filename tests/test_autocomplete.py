"""Autocomplete's display: the typed part in bold, escaped."""

from __future__ import annotations

import pytest

from newssearch.autocomplete import bold_typed


@pytest.mark.parametrize(
    ("text", "words", "whole", "html"),
    [
        # The unfinished word is bolded where it was read, not at every word it begins.
        ("Bán nhà phố hẻm Huỳnh Tấn Phát", ["nha", "p"], False, "Bán <b>nhà p</b>hố hẻm Huỳnh Tấn Phát"),
        ("Bán nhà 2 tầng phường Cẩm Phả", ["nha", "p"], False, "Bán <b>nhà</b> 2 tầng <b>p</b>hường Cẩm Phả"),
        ("Phố cổ và nhà phố", ["p"], False, "<b>P</b>hố cổ và nhà phố"),
        # Finished words are bolded wherever they stand, accents as written.
        ("Bán nhà phố Hạ Long", ["nha", "pho"], True, "Bán <b>nhà phố</b> Hạ Long"),
        ("Nhà <mới> & đẹp", ["nha"], True, "<b>Nhà</b> &lt;mới&gt; &amp; đẹp"),
    ],
)
def test_bold_typed(text: str, words: list[str], whole: bool, html: str) -> None:
    assert bold_typed(text, words, whole) == html
