"""Related documents ("Tin liên quan"): a document's most telling words scored
over bodies for articles; place, type, price and area first for listings."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..models import Hit
from ..scorer import score_weighted_terms
from ..similar import ListingProfile, listing_profile, listing_scores
from ..store import ORDER_COLUMN, IndexSnapshot
from ..vietnamese import fold, tokenize
from .hits import hit_from_raw
from .snapshot import Snapshot

BoolArray = npt.NDArray[np.bool_]

#: How many of a document's most telling words "related" looks for.
RELATED_KEY_TERMS = 15


@dataclass(frozen=True)
class RelatedQuery:
    """What documents related to one are looked for with: read from the index
    that holds the document, answered by any index (every shard of one)."""

    #: The document's id (never related to itself) and type (only that type is related).
    doc_id: str
    doc_type: str
    #: Its most telling words and their weights (:func:`key_terms`).
    weighted: dict[str, float]
    #: Of a listing: what its neighbours are compared on, and its own text score.
    listing: ListingProfile | None = None
    text_top: float = 0.0


def related(snap: Snapshot, docnum: int, limit: int) -> list[Hit]:
    """Documents most similar to ``docnum`` (same type only): "Tin liên quan"."""
    return related_to(snap, related_query(snap, docnum), limit)


def related_query(snap: Snapshot, docnum: int) -> RelatedQuery:
    """The related-documents query of ``docnum``."""
    raw = snap.store.document(docnum)
    text = " ".join(
        [raw.get("title") or ""] * 3 + [raw.get("summary") or "", (raw.get("body") or raw.get("description") or "")[:8000]]
    )
    weighted = key_terms(snap.store, text, RELATED_KEY_TERMS)
    cols, labels = snap.columns, snap.store.vocab.labels
    doc_type = labels["type"][int(cols.codes["type"][docnum])]
    if raw.get("type") != "listing":
        return RelatedQuery(str(raw.get("id")), doc_type, weighted)
    top = 0.0
    if weighted:
        ids, s = score_weighted_terms(snap.text, "body_f", weighted)
        own = np.flatnonzero(ids == docnum)
        top = float(s[own[0]]) if len(own) else 0.0
    profile = listing_profile(docnum, cols.codes, cols.numbers, labels)
    return RelatedQuery(str(raw.get("id")), doc_type, weighted, profile, top)


def related_to(snap: Snapshot, query: RelatedQuery, limit: int) -> list[Hit]:
    """The ``limit`` documents of this index most related to ``query``'s document,
    best first, each with its merge key (to merge the lists of several shards)."""
    cols = snap.columns
    code = snap.store.vocab.index["type"].get(query.doc_type)
    if code is None:
        return []
    others = (cols.codes["type"] == code) & cols.live
    own = snap.store.docnum(query.doc_id)
    if own is not None:
        others[own] = False
    if query.listing is not None:
        return similar_listings(snap, query, others, limit)
    if not query.weighted:
        return []
    ids, scores = score_weighted_terms(snap.text, "body_f", query.weighted)
    keep = others[ids]
    ids, scores = ids[keep], scores[keep]
    keys = cols.numbers[ORDER_COLUMN][ids]
    best = np.lexsort((keys, -scores))[:limit]
    return [_keyed(hit_from_raw(snap.store.document(int(ids[i])), float(scores[i]), []), scores[i], keys[i]) for i in best]


def similar_listings(snap: Snapshot, query: RelatedQuery, others: BoolArray, limit: int) -> list[Hit]:
    """Listings ranked by place, type, transaction, price and area, then words."""
    assert query.listing is not None
    cols = snap.columns
    text = np.zeros(len(cols.live))
    if query.weighted:
        ids, s = score_weighted_terms(snap.text, "body_f", query.weighted)
        text[ids] = s
    vocab = snap.store.vocab
    scores = listing_scores(query.listing, cols.codes, cols.numbers, vocab.labels, vocab.index, text, query.text_top)
    candidates = np.flatnonzero(others)
    keys = cols.numbers[ORDER_COLUMN]
    best = candidates[np.lexsort((keys[candidates], -scores[candidates]))[:limit]]
    return [
        _keyed(hit_from_raw(snap.store.document(int(d)), round(float(scores[d]), 4), []), scores[d], keys[d])
        for d in best
        if scores[d] > 0
    ]


def _keyed(hit: Hit, score: float, key: float) -> Hit:
    hit.merge_key = (-float(score), float(key))
    return hit


def key_terms(store: IndexSnapshot, text: str, count: int) -> dict[str, float]:
    """The ``count`` folded words that best tell a text apart (frequency in the
    text times inverse document frequency in bodies), with those weights."""
    tf = Counter(fold(t.text) for t in tokenize(text) if len(t.text) > 1 and not t.text.isdigit())
    n = max(store.corpus_docs, 1)
    weights: dict[str, float] = {}
    for word, freq in tf.most_common(count * 8):
        df = store.doc_frequency("body_f", word)
        if df:
            weights[word] = freq * math.log(1 + n / df)
    best = sorted(weights, key=lambda w: -weights[w])[:count]
    return {w: weights[w] for w in best}
