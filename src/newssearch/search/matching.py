"""What a query's parts match: places named in it, quoted phrases (by
positions), single terms as masks, and the listing filters read from its words."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..budget import Deadline
from ..listing_query import ListingQuery, understand
from ..models import SearchRequest
from ..places import Mention2025, PlaceMention, find_places, find_wards_2025, ward_2025_key
from ..query import ParsedQuery, QPhrase
from ..store import TEXT_FIELDS
from .snapshot import Snapshot

BoolArray = npt.NDArray[np.bool_]

Mentioned = tuple[PlaceMention | Mention2025, list[int]]

def listing_query(req: SearchRequest) -> ListingQuery:
    """What the query of ``req`` says as listing filters (the page shows them as chips)."""
    types = req.filters.get("type")
    if types and "listing" not in types:
        return ListingQuery(req.q, [], req.q)  # news only: every word is text
    return understand(req.q, listings=types == ["listing"])

def place_mentions(text: str, parsed: ParsedQuery) -> list[Mentioned]:
    """Places recognised in the query (legacy names and 2025 wards), with the
    indexes of the terms they cover."""
    if not parsed.terms:
        return []
    out: list[Mentioned] = []
    found: list[PlaceMention | Mention2025] = [*find_places(text), *find_wards_2025(text)]
    for m in found:
        covered = [i for i, t in enumerate(parsed.terms) if t.start >= m.start and t.end <= m.end]
        if covered:
            out.append((m, covered))
    return out

def _place_key(m: PlaceMention | Mention2025) -> str:
    """The index key of the most precise place a mention names."""
    if isinstance(m, Mention2025):
        return ward_2025_key(m.ward)
    keys = m.place.keys()
    return keys[-1] if keys else ""

def place_groups(mentions: list[Mentioned]) -> list[tuple[list[int], list[str]]]:
    """(covered terms, index keys) per place named; a name read in both layouts
    ("phuong tan my": a legacy ward and a 2025 one) matches either."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for m, covered in mentions:
        key = _place_key(m)
        if not key:
            continue
        # a 2025 ward over the same words as a legacy place joins its group
        same = next((c for c in groups if set(c) & set(covered)), tuple(covered))
        groups.setdefault(same, []).append(key)
    return [(list(c), keys) for c, keys in groups.items()]

def in_place(snap: Snapshot, keys: list[str]) -> BoolArray:
    """Documents indexed under any of the place keys."""
    mask = np.zeros(snap.text.n, dtype=bool)
    for key in keys:
        mask[snap.text.postings("places", key).ids] = True
    return mask

def has_term(snap: Snapshot, field_name: str, term: str) -> BoolArray:
    """Documents with ``term`` in ``field_name``."""
    mask = np.zeros(snap.text.n, dtype=bool)
    mask[snap.text.postings(field_name, term).ids] = True
    return mask

def phrase_words(p: QPhrase) -> list[str]:
    """A phrase's folded words, joined forms split into their syllables."""
    words: list[str] = []
    for t in p.terms:
        words.extend(t.parts if t.parts else [t.folded])
    return words

def phrase_mask(snap: Snapshot, x: QPhrase, deadline: Deadline, unreached: bool) -> BoolArray:
    """Live documents with a quoted phrase: the folded words next to each other
    (positions) in any text area, and, where the user typed diacritics, each
    accented word with those diacritics somewhere in the document (exact fields
    keep positions for the title only). Positions are read in document order
    while ``deadline`` lasts; the documents not reached are ``unreached``."""
    n = snap.text.n
    mask = np.zeros(n, dtype=bool)
    docs, reached = snap.store.phrase_docs(
        [f + "_f" for f in TEXT_FIELDS], phrase_words(x), stop=deadline.expired
    )
    mask[docs] = True
    mask[reached:] = unreached
    if x.accented:
        for t in x.terms:
            if t.accented and not t.parts:
                has = np.zeros(n, dtype=bool)
                for f in TEXT_FIELDS:
                    has[snap.text.postings(f, t.exact).ids] = True
                mask &= has
    return mask
