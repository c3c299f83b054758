"""The editors' query clauses as document masks: fields, alternatives, dates.

:func:`newssearch.query.parse_query` reads ``tác giả: Hoàng Giang``,
``tiêu đề: ...``, ``chuyên mục: ...``, ``a OR b`` and date words; this module
turns them into NumPy masks (and scores, for alternatives) over one index
snapshot, with the same postings the scorer reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from datetime import time as dtime

import numpy as np
import numpy.typing as npt

from .query import FieldClause, ParsedQuery, QPhrase, QTerm
from .scorer import TextIndex, match_term
from .vietnamese import fold

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float32]

#: The folded fields a field clause's words must all be found in.
CLAUSE_FIELDS: dict[str, tuple[str, ...]] = {"author": ("author_f",), "title": ("title_f", "title_j")}


def _in_fields(ti: TextIndex, t: QTerm, fields: Sequence[str]) -> BoolArray:
    out = np.zeros(ti.n, dtype=bool)
    for f in fields:
        out[ti.postings(f, t.folded).ids] = True
        if t.parts and f != "title_j":  # a code: all of its parts in the field
            both = np.ones(ti.n, dtype=bool)
            for p in t.parts:
                part = np.zeros(ti.n, dtype=bool)
                part[ti.postings(f, p).ids] = True
                both &= part
            out |= both
    return out


def category_codes(value_words: Sequence[str], labels: Sequence[str]) -> list[int]:
    """Codes of the categories whose folded words begin with ``value_words``
    ("xa hoi" -> "Xã hội"; "kinh" -> "Kinh tế", "Kinh doanh")."""
    out: list[int] = []
    n = len(value_words)
    for code, label in enumerate(labels):
        words = fold(label).split()
        if code and n and words[:n] == list(value_words):
            out.append(code)
    return out


def field_mask(ti: TextIndex, clause: FieldClause, category: npt.NDArray[np.int32], labels: Sequence[str]) -> BoolArray:
    """The documents a field clause allows."""
    if clause.field == "category":
        wanted = category_codes([t.folded for t in clause.terms], labels)
        return np.isin(category, np.asarray(wanted, dtype=np.int32))
    mask = np.ones(ti.n, dtype=bool)
    for t in clause.terms:
        mask &= _in_fields(ti, t, CLAUSE_FIELDS[clause.field])
    return mask


def _timestamp(d: date, t: dtime) -> float:
    # The same local-time convention as the date_from/date_to filters.
    return datetime.combine(d, t).timestamp()


def date_mask(parsed: ParsedQuery, published: npt.NDArray[np.float64]) -> BoolArray | None:
    """The documents published in the date range named in the query, or None."""
    if parsed.date_from is None and parsed.date_to is None:
        return None
    with np.errstate(invalid="ignore"):
        mask = ~np.isnan(published)
        if parsed.date_from is not None:
            mask &= published >= _timestamp(parsed.date_from, dtime.min)
        if parsed.date_to is not None:
            mask &= published <= _timestamp(parsed.date_to, dtime.max)
    return mask


def restrict(
    ti: TextIndex, parsed: ParsedQuery, category: npt.NDArray[np.int32], labels: Sequence[str],
    published: npt.NDArray[np.float64],
) -> BoolArray | None:
    """Every field and date restriction of the query as one mask, or None when there is none."""
    masks = [field_mask(ti, c, category, labels) for c in parsed.fields]
    dates = date_mask(parsed, published)
    if dates is not None:
        masks.append(dates)
    return np.logical_and.reduce(masks) if masks else None


def alternatives(
    ti: TextIndex, group: Sequence[QTerm | QPhrase], phrase_docs: Callable[[QPhrase], BoolArray]
) -> tuple[BoolArray, FloatArray]:
    """An OR group: where any alternative matches, and the best alternative's score."""
    present = np.zeros(ti.n, dtype=bool)
    best = np.zeros(ti.n, dtype=np.float32)
    for alt in group:
        if isinstance(alt, QTerm):
            m = match_term(ti, alt)
            found, score = m.present, m.score
        else:
            found = phrase_docs(alt)
            score = np.zeros(ti.n, dtype=np.float32)
            for t in alt.terms:
                score += match_term(ti, t).score
            score[~found] = 0
        present |= found
        best = np.maximum(best, score)
    return present, best
