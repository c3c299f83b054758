"""The query log for latency: relevance queries plus browse/filter queries.

Every engine runs the same :class:`QuerySpec` list. A spec is what a search
page sends: free text, an optional district filter, an optional price range
and a sort. About one query in ten is a browse/filter query:

* ``browse_district`` -- a district filter, no text (newest first);
* ``browse_price`` -- a price range sorted by price, no text;
* ``filter_text`` -- text plus a district filter and a price range.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .relevance import QuerySet

#: Price ranges of the browse queries, in VND.
PRICE_RANGES = ((1e9, 2e9), (2e9, 3e9), (3e9, 5e9), (5e9, 10e9), (10e9, 20e9))
TEXT_FILTER_WORDS = ("nha", "nha pho", "can ho", "dat", "hem xe hoi", "mat tien")
BROWSE_SHARE = 0.1


@dataclass(frozen=True)
class QuerySpec:
    """One search as a search page sends it."""

    qid: str
    kind: str
    q: str = ""
    district: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    sort: str = "relevance"

    def params(self) -> dict[str, str]:
        """The HTTP query parameters of ``/api/search``."""
        out = {"q": self.q}
        if self.district:
            out["district"] = self.district
        if self.price_min is not None:
            out["price_min"] = f"{self.price_min:.0f}"
        if self.price_max is not None:
            out["price_max"] = f"{self.price_max:.0f}"
        if self.sort != "relevance":
            out["sort"] = self.sort
        return out

    def path(self) -> str:
        """``/api/search?...`` for this query (percent-encoded UTF-8)."""
        return "/api/search?" + urlencode(self.params())


def build_log(qs: QuerySet, seed: int = 7) -> list[QuerySpec]:
    """Every relevance query plus ~10% browse/filter queries, shuffled deterministically."""
    rng = random.Random(seed)
    specs = [QuerySpec(q.qid, q.kind, q.q) for q in qs.queries]
    districts = sorted(qs.districts, key=lambda k: (-len(qs.districts[k]), k))[:40]
    n_browse = max(3, round(len(specs) * BROWSE_SHARE / (1 - BROWSE_SHARE)))
    for i in range(n_browse):
        which = i % 3
        lo, hi = rng.choice(PRICE_RANGES)
        if which == 0 and districts:
            d = rng.choice(districts).split("|", 1)[1]
            specs.append(QuerySpec(f"browse-{i:04d}", "browse_district", district=d, sort="newest"))
        elif which == 1:
            sort = rng.choice(("price_asc", "price_desc"))
            specs.append(QuerySpec(f"browse-{i:04d}", "browse_price", price_min=lo, price_max=hi, sort=sort))
        else:
            where = rng.choice(districts).split("|", 1)[1] if districts else None
            q = rng.choice(TEXT_FILTER_WORDS)
            specs.append(QuerySpec(f"browse-{i:04d}", "filter_text", q=q, district=where, price_min=lo, price_max=hi))
    rng.shuffle(specs)
    return specs


def save_log(specs: list[QuerySpec], path: Path) -> None:
    """Write the log as JSON (it contains corpus-derived text: keep it in ``work/``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([asdict(s) for s in specs], ensure_ascii=False), "utf-8")


def load_log(path: Path) -> list[QuerySpec]:
    """Read a log written by :func:`save_log`."""
    data: list[dict[str, Any]] = json.loads(path.read_text("utf-8"))
    return [QuerySpec(**d) for d in data]
