"""Telex and VNI typed with the input method off."""

from __future__ import annotations

import pytest

from newssearch.telex import Keyed, compatible, read_keyed, tone_of, without_tone


@pytest.mark.parametrize(
    ("word", "keyed"),
    [
        ("nhaf", Keyed("nha", 2)),
        ("ddaats", Keyed("đât", 1)),
        ("haj", Keyed("ha", 5)),
        ("truwowngf", Keyed("trương", 2)),
        ("Nawngx", Keyed("năng", 4)),
        ("khoer", Keyed("khoe", 3)),
        ("nhw", Keyed("như", 0)),
        ("nha2", Keyed("nha", 2)),
        ("d9a61t", Keyed("đât", 1)),
        ("tuo7i", Keyed("tươi", 0)),
        ("ha5", Keyed("ha", 5)),
        # Not keyed: plain words, English, codes.
        ("long", None),
        ("view", None),
        ("q7", None),
        ("2pn", None),
        ("100m2", None),
        ("nhà", None),
        ("", None),
    ],
)
def test_read_keyed(word: str, keyed: Keyed | None) -> None:
    assert read_keyed(word) == keyed


@pytest.mark.parametrize(
    ("keyed", "spelling", "ok"),
    [
        (Keyed("nha", 2), "nhà", True),
        (Keyed("nha", 2), "nhá", False),
        (Keyed("đat", 0), "đất", True),  # marks not typed are free
        (Keyed("đat", 0), "dát", False),  # a mark typed must be there
        (Keyed("lông", 0), "long", False),
        (Keyed("oice", 2), "oìce", True),
        (Keyed("nha", 2), "nhàn", False),
    ],
)
def test_compatible(keyed: Keyed, spelling: str, ok: bool) -> None:
    assert compatible(keyed, spelling) is ok


def test_tones() -> None:
    assert [tone_of(s) for s in ("ha", "há", "hà", "hả", "hã", "hạ")] == [0, 1, 2, 3, 4, 5]
    assert without_tone("đất") == "đât" and without_tone("trường") == "trương"
