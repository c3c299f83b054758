"""Bounded work per request: a time budget, and caps on what one query may ask for.

A 500-character query can name dozens of phrases, exclusions or one-letter
words; each phrase is a positional check over the whole index, so without a
bound one request could hold a worker for many seconds while every other
request waits behind it. Two mechanisms bound it, as search engines do
(Elasticsearch's ``timeout`` and ``max_clause_count``, Google's 32 words):

* :func:`bound_query` drops repeated phrases and exclusions and keeps at most
  :data:`MAX_TERMS` distinct words, :data:`MAX_PHRASES` phrases and
  :data:`MAX_EXCLUDED` exclusions; the rest are ignored (the result says how
  many), never an error.
* :class:`Deadline` is checked before each expensive step (a term's matches,
  a phrase or exclusion check, the any-word retry, the rescore, did-you-mean,
  autocomplete). Once spent, the remaining steps are skipped or done the
  cheap way, and the result says ``timed_out``: the request still answers
  with what it has.
"""

from __future__ import annotations

import time
from dataclasses import replace

from .query import ParsedQuery, QPhrase, QTerm

#: Distinct words a query may have (Google's limit); later new words are ignored.
MAX_TERMS = 32
#: Quoted phrases a query may have; each one is a positional check over the index.
MAX_PHRASES = 8
#: Exclusions (``-word``, ``-"a phrase"``) a query may have.
MAX_EXCLUDED = 10
#: Autocomplete looks at the last few words only: what comes before them
#: hardly changes which phrase or title completes what is being typed.
AUTOCOMPLETE_WORDS = 4
#: The budget is CPU time of the request's thread (so a busy machine does not
#: change what a query returns); wall time is capped at this multiple of it
#: (so a slow disk or a starved process cannot hold a request for long either).
WALL_FACTOR = 2.0


class Deadline:
    """The time budget of one request, started when the request's work starts.

    ``seconds`` of CPU time of the calling thread (0 or less: no limit), and
    at most :data:`WALL_FACTOR` times that in wall time. Call :meth:`expired`
    before an expensive step and skip or shorten the step when it says so;
    :attr:`timed_out` then tells the response that work was cut short.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.timed_out = False
        self.start()

    def start(self) -> None:
        """Start (or restart) the clock: the engine calls this once it holds the
        index snapshot, so time spent waiting for other requests is not counted."""
        self._cpu_start = time.thread_time()
        self._wall_start = time.perf_counter()
        # Reading the thread's CPU clock is a system call (slow on some
        # virtual machines); the wall clock is not. A thread's CPU time grows
        # no faster than wall time, so the CPU clock is read only once the
        # wall time says the budget could be spent.
        self._next_cpu_check = self._wall_start + self.seconds

    def expired(self) -> bool:
        """True once the budget is spent (the caller then cuts its work short)."""
        if self.timed_out:
            return True
        if self.seconds <= 0:
            return False
        now = time.perf_counter()
        if now < self._next_cpu_check:
            return False
        if now - self._wall_start >= self.seconds * WALL_FACTOR:
            self.timed_out = True
            return True
        left = self.seconds - (time.thread_time() - self._cpu_start)
        if left <= 0:
            self.timed_out = True
        self._next_cpu_check = min(now + left, self._wall_start + self.seconds * WALL_FACTOR)
        return self.timed_out


def unlimited() -> Deadline:
    """A deadline that never expires (library callers that bound nothing)."""
    return Deadline(0)


def term_key(t: QTerm) -> tuple[str, tuple[str, ...]]:
    """What a term matches: two terms with the same key do the same work."""
    return (t.folded, t.parts)


def _item_key(x: QTerm | QPhrase) -> tuple[object, ...]:
    if isinstance(x, QTerm):
        return ("term", term_key(x), x.exact)
    return ("phrase", tuple((term_key(t), t.exact) for t in x.terms))


def bound_query(parsed: ParsedQuery) -> tuple[ParsedQuery, dict[str, int]]:
    """``parsed`` without repeated phrases and exclusions, cut to the caps.

    Returns the bounded query and how many distinct items of each kind were
    ignored (``{"terms": 3}``; empty when nothing was). Repeated plain words
    are kept (adjacent pairs and places read the words in order); their
    matches are computed once (:func:`newssearch.scorer.score_terms`), and
    only the first :data:`MAX_TERMS` distinct words count.
    """
    ignored: dict[str, int] = {}

    kept_keys: set[tuple[str, tuple[str, ...]]] = set()
    dropped_keys: set[tuple[str, tuple[str, ...]]] = set()
    terms: list[QTerm] = []
    for t in parsed.terms:
        key = term_key(t)
        if key in kept_keys:
            terms.append(t)
        elif len(kept_keys) < MAX_TERMS:
            kept_keys.add(key)
            terms.append(t)
        else:
            dropped_keys.add(key)
    if dropped_keys:
        ignored["terms"] = len(dropped_keys)

    def distinct(items: list[QTerm | QPhrase] | list[QPhrase], cap: int, name: str) -> list[QTerm | QPhrase]:
        seen: set[tuple[object, ...]] = set()
        out: list[QTerm | QPhrase] = []
        for x in items:
            key = _item_key(x)
            if key not in seen:
                seen.add(key)
                out.append(x)
        if len(out) > cap:
            ignored[name] = len(out) - cap
        return out[:cap]

    phrases = [p for p in distinct(parsed.phrases, MAX_PHRASES, "phrases") if isinstance(p, QPhrase)]
    excluded = distinct(parsed.excluded, MAX_EXCLUDED, "excluded")
    # The unfinished last word stays unfinished only if it was kept as the last word.
    last_is_prefix = parsed.last_is_prefix and bool(terms) and bool(parsed.terms) and terms[-1] is parsed.terms[-1]
    bounded = replace(parsed, terms=terms, phrases=phrases, excluded=excluded, last_is_prefix=last_is_prefix)
    return bounded, ignored
