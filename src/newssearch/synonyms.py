"""Abbreviations and synonyms, applied as alternatives at query time.

Property ads and headlines abbreviate heavily (*bđs*, *cc*, *2pn*, *hxh*,
*shr*, *tp*, *hn*, *sg*). Each line of a table is one group of equivalent
spellings; a query word that is a one-word member of a group also matches
documents that contain any other member (all of its words, for a phrase
such as *bất động sản*), slightly below the word itself. Matching is
accent-insensitive. A phrase typed in full is not rewritten to its
abbreviation (``bat dong san`` does not match *bđs*).

The built-in table is :data:`BUILTIN`. A user table, ``synonyms.txt`` in the
index folder (or the file named by ``NEWSSEARCH_SYNONYMS_FILE``), adds groups in
the same format: one group per line, members separated by commas, ``#``
starts a comment. It is re-read when it changes, without a rebuild.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from .vietnamese import fold

log = logging.getLogger(__name__)

#: File name of the user table inside the index folder.
USER_FILE = "synonyms.txt"
#: Built-in groups (property ads and news).
BUILTIN = """
bđs, bất động sản
cc, chung cư
cc, chính chủ
ccmn, chung cư mini
pn, phòng ngủ
wc, toilet, nhà vệ sinh
mt, mặt tiền
mtkd, mặt tiền kinh doanh
hxh, hẻm xe hơi
shr, sổ hồng riêng
sh, sổ hồng
sđ, sổ đỏ
dt, diện tích
nt, nội thất
vp, văn phòng
kđt, khu đô thị
kdc, khu dân cư
tp, thành phố
tx, thị xã
hn, hà nội
hcm, tphcm, hồ chí minh, sài gòn
sg, sài gòn
đn, đà nẵng
hp, hải phòng
ubnd, ủy ban nhân dân
"""
#: Largest user table read (lines).
MAX_LINES = 10_000


def parse_groups(text: str) -> list[tuple[tuple[str, ...], ...]]:
    """Groups of folded member phrases (each a tuple of words) from table text."""
    groups: list[tuple[tuple[str, ...], ...]] = []
    for line in text.splitlines()[:MAX_LINES]:
        line = line.split("#", 1)[0]
        members = []
        for member in line.split(","):
            words = tuple(fold(member).split())
            if words and words not in members:
                members.append(words)
        if len(members) > 1:
            groups.append(tuple(members))
    return groups


class Synonyms:
    """Folded word -> the other members of its groups."""

    def __init__(self, groups: Iterable[tuple[tuple[str, ...], ...]]) -> None:
        self._alternatives: dict[str, list[tuple[str, ...]]] = {}
        for group in groups:
            for member in group:
                if len(member) != 1:
                    continue
                alts = self._alternatives.setdefault(member[0], [])
                alts.extend(m for m in group if m != member and m not in alts)

    def alternatives(self, folded: str) -> list[tuple[str, ...]]:
        """What a folded query word may also match (each a tuple of words)."""
        return self._alternatives.get(folded, [])


class SynonymTable:
    """The built-in groups plus a user file, re-read when the file changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self.current = Synonyms(parse_groups(BUILTIN))

    def get(self) -> Synonyms:
        """The table in force (the user file checked for changes: one stat call)."""
        if self.path is None:
            return self.current
        try:
            st = os.stat(self.path)
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp != self._stamp:
            groups = parse_groups(BUILTIN)
            if stamp is not None:
                try:
                    groups += parse_groups(self.path.read_text("utf-8", errors="replace"))
                except OSError as exc:
                    log.warning("cannot read synonyms file %s: %s", self.path, exc)
            self.current = Synonyms(groups)
            self._stamp = stamp
        return self.current
