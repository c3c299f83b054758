"""Follow a site: index the new articles of an RSS/Atom feed or a sitemap.

``newssearch sync FEED`` fetches the feed (RSS or Atom through feedparser; a
sitemap or sitemap index through the standard XML parser behind defusedxml),
then every article page it has not seen yet, and reads each page with the
same HTML reader as ``newssearch index page.html`` (main text, date, author,
captions, "Các tin khác" stubs). The feed's own title and date fill in what a
page lacks.

What was seen is remembered in ``<index folder>/sync-state.json``: a page is
fetched again only when the sitemap's ``<lastmod>`` (or the feed entry's
update time) changes. A page that could not be fetched is not remembered, so
the next run retries it; a page without an article is remembered (it would
not have one next time either).

Politeness: one request at a time, ``delay`` seconds apart, each with a
``timeout``; robots.txt is obeyed; at most ``max_pages`` pages a run. A
broken page is a problem in the report and the run goes on; a feed that
cannot be fetched or read is a :class:`~newssearch.errors.BadRequest`.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

from . import __version__
from .documents import DocType
from .errors import BadRequest
from .indexer import IndexStore, WriteReport
from .ingest import IngestItem, Problem, check_type
from .ingest.base import items_from_record
from .ingest.html import MAX_HTML_BYTES, html_records

__all__ = ["STATE_FILE", "Entry", "SyncReport", "feed_entries", "sync"]

STATE_FILE = "sync-state.json"
USER_AGENT = f"newssearch/{__version__} (+sync; one request at a time)"
#: Largest feed or sitemap read.
MAX_FEED_BYTES = 50 * 1024 * 1024
#: Child sitemaps read from one sitemap index.
MAX_CHILD_SITEMAPS = 50
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass(frozen=True)
class Entry:
    """One article a feed or sitemap points to. ``version`` changes when the article does."""

    url: str
    title: str | None = None
    published: str | None = None
    summary: str | None = None
    version: str | None = None


@dataclass
class SyncReport:
    """What one run did: entries in the feed, pages fetched, what was indexed, problems."""

    feed: str
    entries: int = 0
    fetched: int = 0
    already_seen: int = 0
    left_for_next_run: int = 0
    written: WriteReport = field(default_factory=WriteReport)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary the CLI prints."""
        later = f", {self.left_for_next_run} left for the next run" if self.left_for_next_run else ""
        w = self.written
        return (
            f"{self.feed}: {self.entries} entries, {self.already_seen} seen before, {self.fetched} pages "
            f"fetched{later}; indexed {w.articles} articles, {w.listings} listings ({w.added} new, "
            f"{w.replaced} replaced, {w.unchanged} unchanged), {len(self.problems)} problems"
        )


class Fetcher:
    """HTTP GETs one at a time, ``delay`` seconds apart, obeying each host's robots.txt."""

    def __init__(self, delay: float, timeout: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.delay = delay
        self.timeout = timeout
        self._sleep = sleep
        self._last = 0.0
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def get(self, url: str, limit: int) -> tuple[bytes, str | None, str]:
        """The body (at most ``limit`` bytes), its charset and content type; raises OSError or ValueError."""
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {url}")
        if not self.allowed(url):
            raise ValueError("robots.txt does not allow fetching it")
        return self._get(url, limit)

    def _get(self, url: str, limit: int) -> tuple[bytes, str | None, str]:
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(limit + 1)
                headers: Message = response.headers
        finally:
            self._last = time.monotonic()
        if len(body) > limit:
            raise ValueError(f"larger than {limit // 2**20} MB")
        return body, headers.get_content_charset(), headers.get_content_type()

    def allowed(self, url: str) -> bool:
        """False when the host's robots.txt disallows ``url`` for us; no robots.txt allows all."""
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser()
            try:
                body, charset, _ = self._get(origin + "/robots.txt", 512 * 1024)
                assert parser is not None
                parser.parse(body.decode(charset or "utf-8", "replace").splitlines())
            except (OSError, ValueError):
                parser = None  # no (readable) robots.txt: nothing is disallowed
            self._robots[origin] = parser
        robots = self._robots[origin]
        return robots is None or robots.can_fetch(USER_AGENT, url)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def feed_entries(
    data: bytes, fetch_child: Callable[[str], bytes] | None = None
) -> tuple[str, list[Entry], list[str]]:
    """The kind of document ("rss", "atom", "sitemap"), its entries in document order, and problems.

    A sitemap index's child sitemaps are read through ``fetch_child``; one
    that cannot be fetched or read is a problem, and the others are read.
    Raises ValueError when ``data`` is neither a feed nor a sitemap.
    """
    import defusedxml.ElementTree as SafeET

    try:
        root = SafeET.fromstring(data)
    except Exception:  # defusedxml raises ParseError or its own refusals (entities, DTDs)
        root = None
    if root is not None and _local_name(root.tag) in ("urlset", "sitemapindex"):
        problems: list[str] = []
        return "sitemap", _sitemap_entries(root, fetch_child, problems), problems

    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise ValueError(f"not an RSS or Atom feed with entries, nor a sitemap{reason}")
    kind = "atom" if str(parsed.get("version", "")).startswith("atom") else "rss"
    entries = []
    for entry in parsed.entries:
        e = dict(entry)  # plain lookups: feedparser's own get() maps "updated" to "published", with a warning
        link = e.get("link")
        if not link:
            continue
        entries.append(
            Entry(
                url=str(link),
                title=e.get("title"),
                published=e.get("published") or e.get("updated"),
                summary=e.get("summary"),
                version=e.get("updated") or e.get("published"),
            )
        )
    return kind, entries, []


def _sitemap_entries(root: Any, fetch_child: Callable[[str], bytes] | None, problems: list[str]) -> list[Entry]:
    import defusedxml.ElementTree as SafeET

    def text(el: Any, name: str) -> str | None:
        found = el.find(_SITEMAP_NS + name)
        if found is None:
            found = el.find(name)
        return found.text.strip() if found is not None and found.text and found.text.strip() else None

    if _local_name(root.tag) == "urlset":
        out = []
        for url in root:
            loc = text(url, "loc")
            if loc:
                lastmod = text(url, "lastmod")
                out.append(Entry(url=loc, published=lastmod, version=lastmod))
        return out
    entries: list[Entry] = []
    if fetch_child is None:
        return entries
    for child in list(root)[:MAX_CHILD_SITEMAPS]:
        loc = text(child, "loc")
        if not loc:
            continue
        try:
            child_root = SafeET.fromstring(fetch_child(loc))
        except (OSError, ValueError, SyntaxError) as exc:  # ElementTree's ParseError is a SyntaxError
            problems.append(f"{loc}: cannot read this sitemap: {_reason(exc)}")
            continue
        entries += _sitemap_entries(child_root, None, problems)
    return entries


class SyncState:
    """``sync-state.json``: per feed, the pages seen and their versions."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, Any] = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            self.data = {"feeds": {}}
        except (OSError, ValueError) as exc:
            raise BadRequest(
                f"the sync state {path} is damaged ({exc}); delete it to fetch every page again"
            ) from exc

    def seen(self, feed: str) -> dict[str, Any]:
        """url -> {"version", "fetched"} for ``feed`` (changed in place)."""
        feeds: dict[str, Any] = self.data.setdefault("feeds", {})
        pages: dict[str, Any] = feeds.setdefault(feed, {}).setdefault("pages", {})
        return pages

    def save(self, feed: str) -> None:
        """Write the state atomically."""
        self.data["feeds"].setdefault(feed, {})["last_run"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), "utf-8")
        os.replace(tmp, self.path)


def _page_items(entry: Entry, body: bytes, charset: str | None, doc_type: DocType | None) -> Iterator[IngestItem]:
    text: bytes | str = body
    if charset:
        with contextlib.suppress(LookupError):
            text = body.decode(charset, "replace")
    records = html_records(text, url=entry.url)
    if not records:
        yield Problem(entry.url, None, "no article found in the page (no title or text)")
        return
    main = records[0]
    if not main.get("stub"):
        # The feed knows the title and date even when the page hides them.
        main["title"] = main.get("title") or entry.title
        main["published"] = main.get("published") or entry.published
        main["summary"] = main.get("summary") or entry.summary
    for rec in records:
        if doc_type == "listing":
            rec["type"] = "listing"
        yield from items_from_record(rec, entry.url, None, doc_type)


def sync(
    store: IndexStore,
    feed: str,
    *,
    delay: float = 1.0,
    timeout: float = 10.0,
    max_pages: int = 500,
    doc_type: str | None = None,
    lock_timeout: float = 30.0,
    fetcher: Fetcher | None = None,
) -> SyncReport:
    """Index the pages of ``feed`` not seen before (or changed since); remember them.

    Raises BadRequest when the feed itself cannot be fetched or read.
    """
    kind_of_record = check_type(doc_type)
    http = fetcher or Fetcher(delay, timeout)
    report = SyncReport(feed)
    try:
        data, _, _ = http.get(feed, MAX_FEED_BYTES)
        _, entries, feed_problems = feed_entries(data, lambda url: http.get(url, MAX_FEED_BYTES)[0])
    except (OSError, ValueError) as exc:
        raise BadRequest(f"cannot read the feed {feed}: {_reason(exc)}", param="feed") from None
    report.entries = len(entries)
    report.problems += feed_problems
    state = SyncState(store.root / STATE_FILE)
    seen = state.seen(feed)
    todo = []
    for entry in dict((e.url, e) for e in entries).values():  # a URL listed twice is one page
        known = seen.get(entry.url)
        if known is not None and known.get("version") == entry.version:
            report.already_seen += 1
        else:
            todo.append(entry)
    report.left_for_next_run = max(0, len(todo) - max_pages)

    items: list[IngestItem] = []
    fetched: list[Entry] = []
    for entry in todo[:max_pages]:
        try:
            body, charset, content_type = http.get(entry.url, MAX_HTML_BYTES)
        except (OSError, ValueError) as exc:
            report.problems.append(f"{entry.url}: {_reason(exc)}; it will be tried again next run")
            continue
        report.fetched += 1
        fetched.append(entry)
        if content_type not in ("text/html", "application/xhtml+xml"):
            report.problems.append(f"{entry.url}: not an HTML page ({content_type})")
            continue
        items.extend(_page_items(entry, body, charset, kind_of_record))

    report.written = store.write(items, lock_timeout=lock_timeout)
    report.problems += [str(p) for p in report.written.problems if p.skipped]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for entry in fetched:
        seen[entry.url] = {"version": entry.version, "fetched": now}
    state.save(feed)
    return report


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        return "timed out" if isinstance(reason, TimeoutError) else str(reason)
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
