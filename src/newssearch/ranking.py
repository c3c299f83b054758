"""The ranking configuration: every weight, boost, tier margin and window in
one frozen object, :data:`RANKING`, which search, "related" and autocomplete
all rank through (:mod:`newssearch.scorer`). Nothing of it is baked into the
index, so a change needs no rebuild.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


def _frozen(values: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(values)


@dataclass(frozen=True)
class Ranking:
    """How documents are scored and ordered (see the README, "Matching and ranking")."""

    #: BM25's term-frequency saturation and length normalisation.
    k1: float = 1.2
    b: float = 0.75
    #: Weight of each folded field in a term's score (title highest).
    field_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "title_f": 3.0,
                "summary_f": 1.5,
                "captions_f": 0.8,
                "body_f": 1.0,
                "title_j": 2.5,
                "meta": 0.6,
                "author_f": 3.0,
            }
        )
    )
    #: A term's score is its best field plus this share of the others
    #: (disjunction-max: a long body repeating a syllable cannot beat a title).
    tiebreak: float = 0.25
    #: The diacritics the user typed, found as typed.
    exact_boost: float = 1.0
    #: Adjacent query words found together in a title (folded, and as typed).
    title_bigram_boost: float = 1.5
    exact_bigram_boost: float = 1.0
    #: Every query word in the title.
    title_all_boost: float = 0.5
    #: Per adjacent query pair found in order in a summary or body (rescore).
    adjacent_boost: float = 1.5
    #: Added per score tier (documents in the place the query names, listings
    #: for a kind of property, the author named, above the others): larger than
    #: any score, so a tier is a sort key before the score. A constant, not the
    #: best score plus a margin, so that shards searched apart lift alike.
    tier_lift: float = 10_000.0
    #: Most candidates the adjacency rescore reads beyond the page's last place
    #: (a latency bound), and how much of a body it reads.
    rescore_window: int = 50
    rescore_text_chars: int = 3_000
    #: An unfinished last word matches the most frequent words it begins, at this weight.
    prefix_expansions: int = 16
    prefix_min_length: int = 2
    prefix_weight: float = 0.7
    #: Fields whose vocabulary an unfinished word is expanded from, and searched in.
    prefix_fields: tuple[str, ...] = ("title_f", "body_f")
    prefix_field_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"title_f": 3.0, "summary_f": 1.5, "body_f": 1.0})
    )


#: The configuration in use.
RANKING = Ranking()
