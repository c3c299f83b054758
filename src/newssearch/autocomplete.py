"""Autocomplete that reads well: whole words and phrases, the typed part in bold.

* **Phrases** are frequent title word pairs that begin with what was typed
  and *are* phrases: each word must be a common companion of the other
  (``nhà phố``, ``hạ long``), not two words that merely meet in headlines
  (``tỉnh thông`` of "tỉnh thông qua"). Their diacritics come from the
  language model, and they are ranked by how often the pair occurs.
* **Titles** whose words match, the last word as a prefix.
* Words typed in Telex or VNI (``nhaf``) or with a typo (``phoo``) are read as
  the word they stand for before completing, when the text does not know them.

Every item has ``html``: the text, escaped, with the typed part in ``<b>``.
"""

from __future__ import annotations

import heapq
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .budget import AUTOCOMPLETE_WORDS, Deadline, unlimited
from .highlight import fold_same_length
from .query import parse_query
from .repair import QueryRepair
from .suggest import Suggester
from .telex import compatible, read_keyed
from .vietnamese import fold

#: A pair is a phrase when the rarer of its words stands in it at least this
#: share of the times it occurs.
MIN_COHESION = 0.1
#: Phrases looked up per keystroke (the most frequent pairs).
PHRASE_CANDIDATES = 40


@dataclass
class Completions:
    """The two kinds of suggestion for a prefix, before they are combined.

    Phrases come from the language model and the whole index's term lists,
    the same from every shard of an index; titles are each shard's own, with
    their sort keys, so that the lists of several shards merge (:func:`combine`)."""

    phrases: list[dict[str, Any]] = field(default_factory=list)
    titles: list[tuple[dict[str, Any], tuple[float, float]]] = field(default_factory=list)


def completions(
    suggester: Suggester, repair: QueryRepair, prefix: str, limit: int = 8, deadline: Deadline | None = None
) -> Completions:
    """The phrases and titles of a partial query, each item with its ``html``
    (:func:`combine` makes the list shown).

    Only the last :data:`~newssearch.budget.AUTOCOMPLETE_WORDS` words count;
    titles are skipped when ``deadline`` expires first."""
    deadline = deadline or unlimited()
    terms = parse_query(prefix).terms[-AUTOCOMPLETE_WORDS:]
    if not terms:
        return Completions()
    ends_with_space = prefix[-1:].isspace()
    words = [_read_word(suggester, repair, t.folded, t.exact) for t in terms]
    if not ends_with_space:
        words[-1] = _read_partial(repair, terms[-1].exact, terms[-1].folded)
    phrases = _phrases(suggester, repair, words, ends_with_space, limit)
    titles = [] if deadline.expired() else suggester.titles(words, ends_with_space, limit)
    for item in [*phrases, *(title for title, _key in titles)]:
        item["html"] = bold_typed(item["text"], words, ends_with_space)
    return Completions(phrases, titles)


def combine(parts: Sequence[Completions], limit: int = 8) -> list[dict[str, Any]]:
    """Up to ``limit`` suggestions from the completions of one index or of its
    shards: phrases first (up to half), then the titles in order, then the
    other phrases; each text once."""
    phrases = next((p.phrases for p in parts if p.phrases), [])
    # The first ``limit`` titles of all, as one index lists them, before repeated texts are dropped.
    titles = [item for item, _key in heapq.merge(*(p.titles for p in parts), key=lambda title: title[1])][:limit]
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    half = (limit + 1) // 2
    for item in phrases[:half] + titles + phrases[half:]:
        if item["text"] not in seen and len(out) < limit:
            seen.add(item["text"])
            out.append(item)
    return out


def _read_word(suggester: Suggester, repair: QueryRepair, folded: str, exact: str) -> str:
    """A finished word as the text knows it: itself, its Telex/VNI reading, or its nearest neighbour."""
    if not folded.isalnum() or suggester.title_df(folded):
        return folded
    model = repair.model
    keyed = read_keyed(exact)
    if keyed is not None and model is not None:
        found = [s for s in model.candidates(fold(keyed.base)) if compatible(keyed, s)]
        if found:
            return fold(found[0])
    near = repair.typos.neighbours(folded, 1, known=False) if folded.isalpha() else []
    return near[0][0] if near else folded


def _read_partial(repair: QueryRepair, exact: str, folded: str) -> str:
    """An unfinished word: as typed when words begin so, else its letters
    without Telex/VNI keys (``nhaf`` -> ``nha``)."""
    if not folded.isalnum() or repair.typos.count(folded) or repair.typos.begins_a_word(folded):
        return folded
    keyed = read_keyed(exact)
    return fold(keyed.base) if keyed is not None else folded


def _phrases(
    suggester: Suggester, repair: QueryRepair, words: list[str], complete_next: bool, limit: int
) -> list[dict[str, Any]]:
    head, partial = (words, "") if complete_next else (words[:-1], words[-1])
    if not head and len(partial) < 2:
        return []
    stem = f"{head[-1]}_{partial}" if head else partial
    found = suggester.pairs(stem, PHRASE_CANDIDATES)
    model = repair.model
    out: list[dict[str, Any]] = []
    for pair, df in found:
        first, second = pair.split("_", 1)
        if head and second == partial:
            continue  # completes nothing ("cau vinh tuan" -> "cầu vịnh tuần")
        text = repair.restore(" ".join([*head[:-1], first, second]) if head else f"{first} {second}")
        if model is not None:
            a, b = text.split()[-2:]
            together = model.bigram_count(a, b)
            if together < MIN_COHESION * max(1, min(model.count(a), model.count(b))):
                continue  # two words that merely meet, not a phrase
            df = together
        out.append({"text": text, "kind": "phrase", "count": df})
    out.sort(key=lambda item: -int(item["count"]))
    return out[:limit]


def bold_typed(text: str, words: list[str], last_is_whole: bool) -> str:
    """``text`` escaped, with the typed words (the last one as a prefix) in ``<b>``."""
    folded = fold_same_length(text)
    if len(folded) != len(text):
        return html.escape(text)
    spans: list[tuple[int, int]] = []
    for i, w in enumerate(words):
        if not w:
            continue
        whole = last_is_whole or i < len(words) - 1
        tail = r"(?![0-9a-z])" if whole else ""
        found = [m.span() for m in re.finditer(rf"(?<![0-9a-z]){re.escape(w)}{tail}", folded)]
        if not whole and found:
            # The unfinished word: only where it was read, the first word it
            # begins after the words before it (not every "P" of "Huỳnh Tấn Phát").
            after = min((e for s, e in spans), default=0)
            found = [next((sp for sp in found if sp[0] >= after), found[0])]
        spans.extend(found)
    spans.sort()
    parts: list[str] = []
    pos = 0
    for s, e in spans:
        if s < pos:
            continue
        parts.append(html.escape(text[pos:s]))
        parts.append("<b>" + html.escape(text[s:e]) + "</b>")
        pos = e
    parts.append(html.escape(text[pos:]))
    return "".join(parts).replace("</b> <b>", " ")
