"""Related documents ("Tin liên quan"): a document's most telling words scored
over bodies for articles; place, type, price and area first for listings."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import numpy.typing as npt

from ..models import Hit
from ..scorer import score_weighted_terms
from ..similar import listing_scores
from ..store import ORDER_COLUMN, IndexSnapshot
from ..vietnamese import fold, tokenize
from .hits import hit_from_raw
from .snapshot import Snapshot

BoolArray = npt.NDArray[np.bool_]

#: How many of a document's most telling words "related" looks for.
RELATED_KEY_TERMS = 15


def related(snap: Snapshot, docnum: int, limit: int) -> list[Hit]:
    """Documents most similar to ``docnum`` (same type only): "Tin liên quan"."""
    raw = snap.store.document(docnum)
    text = " ".join(
        [raw.get("title") or ""] * 3 + [raw.get("summary") or "", (raw.get("body") or raw.get("description") or "")[:8000]]
    )
    weighted = key_terms(snap.store, text, RELATED_KEY_TERMS)
    codes = snap.columns.codes["type"]
    others = (codes == codes[docnum]) & snap.columns.live
    others[docnum] = False
    if raw.get("type") == "listing":
        return similar_listings(snap, docnum, weighted, others, limit)
    if not weighted:
        return []
    ids, scores = score_weighted_terms(snap.text, "body_f", weighted)
    keep = others[ids]
    ids, scores = ids[keep], scores[keep]
    best = np.lexsort((snap.columns.numbers[ORDER_COLUMN][ids], -scores))[:limit]
    return [hit_from_raw(snap.store.document(int(ids[i])), float(scores[i]), []) for i in best]


def similar_listings(
    snap: Snapshot, docnum: int, weighted: dict[str, float], others: BoolArray, limit: int
) -> list[Hit]:
    """Listings ranked by place, type, transaction, price and area, then words."""
    cols = snap.columns
    text = np.zeros(len(cols.live))
    if weighted:
        ids, s = score_weighted_terms(snap.text, "body_f", weighted)
        text[ids] = s
    scores = listing_scores(docnum, cols.codes, cols.numbers, snap.store.vocab.labels, text)
    candidates = np.flatnonzero(others)
    best = candidates[np.lexsort((cols.numbers[ORDER_COLUMN][candidates], -scores[candidates]))[:limit]]
    return [
        hit_from_raw(snap.store.document(int(d)), round(float(scores[d]), 4), [])
        for d in best
        if scores[d] > 0
    ]


def key_terms(store: IndexSnapshot, text: str, count: int) -> dict[str, float]:
    """The ``count`` folded words that best tell a text apart (frequency in the
    text times inverse document frequency in bodies), with those weights."""
    tf = Counter(fold(t.text) for t in tokenize(text) if len(t.text) > 1 and not t.text.isdigit())
    n = max(store.doc_count, 1)
    weights: dict[str, float] = {}
    for word, freq in tf.most_common(count * 8):
        df = store.doc_frequency("body_f", word)
        if df:
            weights[word] = freq * math.log(1 + n / df)
    best = sorted(weights, key=lambda w: -weights[w])[:count]
    return {w: weights[w] for w in best}
