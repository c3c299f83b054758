"""How a search read its query, in terms the shards of one index can agree on.

A search decides as it goes (:meth:`~newssearch.search.Engine._select`):
which step of the relaxing ladder found something, how well the words
matched, whether a correction of the query is shown or suggested, which
widening of the listing filters read from the query found something. Over
one index every decision sees every document. Over shards searched apart
each would see its own documents only: a name found in one shard would be
"relaxed" in the others, and their answers would not add up.

So every decision is taken from a :class:`Reading` of a query text (what
matching it found), and the readings of the shards combine into the whole
index's (:func:`combine`). A shard searched with a plan (the combined
readings known so far) follows them instead of its own, and tells in a
:class:`Trace` what it read alone; the router
(:mod:`newssearch.cluster.router`) asks again the shards whose answer rests
on a reading the whole index does not share. The decisions are functions of
the readings, so answers that rest only on combined readings are the whole
index's decisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..repair import NONE

#: The combined readings a shard follows: query text -> reading.
Plan = Mapping[str, "Reading"]


@dataclass(frozen=True)
class Reading:
    """What matching one query text found."""

    #: The first step of the ladder that found documents (None: none did).
    step: int | None
    #: How well the words matched there (``repair.NONE`` ... ``repair.FULL``).
    level: int
    #: When nothing matched: the first widening of the listing filters read
    #: from the query that finds something (None: none does, or none tried).
    widen: int | None = None


def combine(readings: Sequence[Reading]) -> Reading:
    """The whole index's reading of a text from its shards' readings.

    The ladder stops at the first step that finds something anywhere; its
    level is the best any shard reached at that step (words matched as typed
    in one shard make it a full match); a widening is the first that finds
    something anywhere."""
    steps = [r.step for r in readings if r.step is not None]
    if not steps:
        widens = [r.widen for r in readings if r.widen is not None]
        return Reading(None, NONE, min(widens) if widens else None)
    step = min(steps)
    return Reading(step, max(r.level for r in readings if r.step == step))


@dataclass
class Trace:
    """What one search of a shard read alone, and what its answer rests on."""

    #: The readings this search found itself (texts its plan did not fix).
    found: dict[str, Reading] = field(default_factory=dict)
    #: The query texts whose readings the answer rests on, in the order read.
    used: list[str] = field(default_factory=list)

    def agrees(self, plan: Plan) -> bool:
        """Whether the answer rests only on readings of the whole index:
        every text it used is in ``plan``, read as the plan reads it."""
        return all(t in plan and self.found.get(t, plan[t]) == plan[t] for t in self.used)
