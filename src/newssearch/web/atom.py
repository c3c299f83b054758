"""An Atom feed (RFC 4287) of a search's newest matches: follow a topic.

Pure: builds the XML from hits and absolute URLs (the view computes them).
ElementTree does the escaping; every entry has the required ``id``,
``title``, ``updated`` and a link, and the feed has an ``author`` so that
entries without a byline are valid.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from ..export import with_offset
from ..models import Hit

ATOM_NS = "http://www.w3.org/2005/Atom"
#: Entries in a feed.
FEED_ENTRIES = 20
FEED_AUTHOR = "newssearch"
_TAGS_RE = re.compile(r"<[^>]+>")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _plain(html_text: str) -> str:
    """A snippet's text, without its ``<mark>`` tags and HTML escapes."""
    return html.unescape(_TAGS_RE.sub("", html_text))


def atom_feed(
    title: str,
    self_url: str,
    page_url: str,
    hits: Sequence[Hit],
    entry_url: Callable[[Hit], str],
    now: datetime | None = None,
) -> bytes:
    """The feed as UTF-8 XML. ``entry_url`` gives each hit's absolute link
    (its own URL, or its page on this site), which is also the entry's id."""
    now_text = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", self_url)
    _sub(feed, "title", title)
    dates = [d for d in (with_offset(h.published) for h in hits) if d]
    _sub(feed, "updated", max(dates, default=now_text))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    _sub(_sub(feed, "author"), "name", FEED_AUTHOR)
    _sub(feed, "generator", "newssearch")
    for hit in hits:
        entry = _sub(feed, "entry")
        url = entry_url(hit)
        _sub(entry, "id", url)
        _sub(entry, "title", hit.title or hit.id)
        _sub(entry, "updated", with_offset(hit.published) or now_text)
        if hit.published:
            _sub(entry, "published", with_offset(hit.published))
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        if hit.author:
            _sub(_sub(entry, "author"), "name", hit.author)
        if hit.category:
            _sub(entry, "category", term=hit.category)
        if hit.snippet:
            _sub(entry, "summary", _plain(hit.snippet))
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
