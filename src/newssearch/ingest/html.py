"""HTML article pages: main text without site chrome, metadata, captions, stubs.

``trafilatura`` finds the main text and the metadata (title, date, author,
canonical URL); photo captions come from ``<figcaption>`` (and "Ảnh: ..."
credit paragraphs) and are kept out of the body. The page is also flattened
to text so that a "Các tin khác" list yields stub articles, and so that a page
trafilatura cannot handle still goes through the page-text parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura

from newssearch.documents import DocType
from newssearch.ingest.base import IngestItem, LineSource, Problem, items_from_record
from newssearch.ingest.pagetext import is_caption, is_chrome, page_records
from newssearch.vietnamese import fold, normalize

__all__ = ["MAX_HTML_BYTES", "html_records", "read_html"]

#: Larger files are not article pages.
MAX_HTML_BYTES = 20 * 1024 * 1024
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "section", "article", "header",
    "footer", "nav", "aside", "main", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "dd", "dt", "dl", "form", "hr", "title",
}
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe")
_VIEWS_RE = re.compile(r"luot xem\s*:?\s*(\d[\d.,]*)")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_OTHERS_HEADING_RE = re.compile(
    r"^(?:cac tin khac|tin khac|tin lien quan|bai viet lien quan|tin cung chuyen muc|xem them|doc them)\s*:?$"
)


def _page_lines(tree: Any) -> list[str]:
    """The page as text lines, one per block element."""
    for el in tree.xpath("|".join(f"//{t}" for t in _DROP_TAGS)):
        el.drop_tree()
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag.lower() == "br":
                continue
            el.text = "\n" + (el.text or "")
    text: str = tree.text_content()
    return [normalize(line) for line in text.splitlines() if line.strip()]


def _meta(tree: Any, *names: str) -> str | None:
    for n in names:
        for attr in ("property", "name", "itemprop"):
            found = tree.xpath(f'//meta[@{attr}="{n}"]/@content')
            if found and str(found[0]).strip():
                return normalize(str(found[0]))
    return None


def html_records(data: bytes | str, url: str | None = None) -> list[dict[str, Any]]:
    """Records for an HTML article page: the article first, then any stubs.

    Returns an empty list when the page has no recognisable article.
    """
    if isinstance(data, str):
        data = _XML_DECL_RE.sub("", data, count=1)
    if not data.strip():
        return []
    try:
        tree = lxml.html.fromstring(data)
    except (ValueError, lxml.etree.ParserError, lxml.etree.XMLSyntaxError):
        return []
    captions = [normalize(el.text_content()) for el in tree.xpath("//figcaption")]
    captions = [c for c in captions if c]
    canonical = tree.xpath('//link[@rel="canonical"]/@href')
    page_url = url or (str(canonical[0]).strip() if canonical else None) or _meta(tree, "og:url")
    published = _meta(tree, "article:published_time", "datePublished", "pubdate", "date")

    extracted: Any = None
    try:
        extracted = trafilatura.bare_extraction(
            data, url=page_url, with_metadata=True, include_comments=False, include_tables=False,
            include_images=False, favor_precision=True,
        )
    except Exception:  # trafilatura on hostile input: fall back to the page-text parser
        extracted = None

    lead = _lead(tree)
    stubs = _link_stubs(tree, page_url)
    lines = _page_lines(tree)
    fallback = page_records("\n".join(lines))
    stubs = stubs or [r for r in fallback if r.get("stub")]

    if extracted is None or not (getattr(extracted, "text", None) or "").strip():
        main = next((r for r in fallback if not r.get("stub")), None)
        if main is None:
            return stubs
        main["url"] = page_url
        main["captions"] = list(dict.fromkeys([*captions, *main.get("captions", [])]))
        return [main, *stubs]

    title = normalize(str(extracted.title or "")) or (fallback[0]["title"] if fallback else "")
    caption_keys = {fold(c) for c in captions}
    skip = {fold(title), fold(lead or "")}
    body: list[str] = []
    for para in (normalize(p) for p in str(extracted.text).splitlines()):
        if not para or fold(para) in caption_keys or fold(para) in skip:
            continue
        if is_caption(para):
            captions.append(para)
            caption_keys.add(fold(para))
            continue
        if is_chrome(para) or _VIEWS_RE.match(fold(para)):
            continue
        body.append(para)
    main_rec: dict[str, Any] = {
        "type": "article",
        "title": title,
        "url": page_url,
        "body": "\n".join(body),
        "summary": lead or normalize(str(extracted.description or "")),
        "captions": captions,
        "author": normalize(str(extracted.author or "")) or None,
        "published": published or extracted.date,
        "category": ", ".join(extracted.categories or []) or None,
        "tags": list(extracted.tags or []),
        "source": normalize(str(extracted.sitename or "")) or None,
        "views": _views(lines, title),
    }
    if not title and not body:
        return stubs
    fb = fallback[0] if fallback and not fallback[0].get("stub") else None
    if fb is not None and fold(fb["title"]) == fold(title):
        # The page's own "Cập nhật:" date and by-line beat trafilatura's guesses.
        main_rec["published"] = published or fb["published"] or extracted.date
        main_rec["author"] = main_rec["author"] or fb["author"]
    return [main_rec, *stubs]


_LEAD_XPATH = (
    "//*[self::p or self::div or self::h2][contains(@class,'sapo') or contains(@class,'lead')"
    " or contains(@class,'summary') or contains(@class,'description') or contains(@class,'chapeau')]"
)
_DATE_RE = re.compile(r"(?<!\d)\d{1,2}/\d{1,2}/\d{4}(?:\s+\d{1,2}:\d{2})?")


def _lead(tree: Any) -> str | None:
    """The article's lead paragraph ("sapo"), marked by its class on news sites."""
    for el in tree.xpath(_LEAD_XPATH):
        text = normalize(el.text_content())
        if len(text) >= 40:
            return text
    return None


def _link_stubs(tree: Any, page_url: str | None) -> list[dict[str, Any]]:
    """Stubs from a linked "Các tin khác" / "Tin liên quan" list: title, URL, date."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for heading in tree.xpath("//h2|//h3|//h4|//h5|//div|//span|//p|//strong|//b"):
        if len(heading) > 1 or not _OTHERS_HEADING_RE.match(fold(normalize(heading.text_content()))):
            continue
        for sibling in heading.itersiblings():
            links = sibling.xpath(".//a[@href]") if sibling.tag != "a" else [sibling]
            for a in links:
                title = normalize(a.text_content())
                if len(title.split()) < 3 or fold(title) in seen:
                    continue
                seen.add(fold(title))
                holder = a.getparent() if a.getparent() is not None else a
                context = normalize(holder.text_content())
                date = _DATE_RE.search(context)
                m = _VIEWS_RE.search(fold(context))
                out.append({
                    "type": "article",
                    "stub": True,
                    "title": title,
                    "url": urljoin(page_url or "", str(a.get("href"))) if page_url else str(a.get("href")),
                    "published": date.group() if date else None,
                    "views": int(re.sub(r"\D", "", m[1])) if m else None,
                })
            if links:
                break
    return out


def _views(lines: list[str], title: str) -> int | None:
    key = fold(title)
    start = next((i for i, line in enumerate(lines) if fold(line) == key), 0)
    for line in lines[start : start + 6]:
        m = _VIEWS_RE.search(fold(line))
        if m:
            return int(re.sub(r"\D", "", m[1]))
    return None


def read_html(path: Path, doc_type: DocType | None = None) -> Iterator[IngestItem]:
    """Read one HTML page (the article and its "Các tin khác" stubs)."""
    name = str(path)
    src = LineSource(path)
    text = src.read_text(MAX_HTML_BYTES)
    yield from src.take_problems()
    if text is None:
        return
    records = html_records(text)
    if not records:
        yield Problem(name, None, "no article found in the HTML page (no title or text)")
        return
    for rec in records:
        if doc_type == "listing":
            rec["type"] = "listing"
        yield from items_from_record(rec, name, None, doc_type)
