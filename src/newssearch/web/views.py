"""One data object, two renderers.

:func:`search_data` turns a :class:`~newssearch.models.SearchRequest` and its
:class:`~newssearch.models.SearchResult` into the plain dict that
``/api/search`` returns as JSON; :func:`page_context` adds what the HTML page
needs on top of the very same dict (tabs, removable filter chips, sort options,
the range form). Every link -- a facet value's toggle, the next page, the
did-you-mean suggestion -- is computed here, so templates never compute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..config import Settings
from ..facets import AREA_BANDS, PRICE_BANDS, month_range
from ..listing_query import without as query_without
from ..models import KEYWORD_FILTERS, PARAMS, SORTS, FacetValue, Hit, SearchRequest, SearchResult
from ..params import RANGE_PAIRS, SORT_LABELS, TYPE_LABELS
from ..search import listing_query
from ..vietnamese import fold
from .format import format_area, format_count, format_date, format_price, format_seconds

Params = dict[str, list[str]]

#: Vietnamese titles of the facets, in sidebar order (``type`` is shown as tabs).
FACET_TITLES: dict[str, str] = {
    "type": "Loại nội dung",
    "category": "Chuyên mục",
    "district": "Quận/Huyện",
    "province": "Tỉnh/Thành phố",
    "ward": "Phường/Xã",
    "province_2025": "Tỉnh/Thành phố (từ 2025)",
    "ward_2025": "Phường/Xã (từ 2025)",
    "direction": "Hướng",
    "legal_status": "Pháp lý",
    "project": "Dự án",
    "price_rent": "Giá thuê",
    "price_per_m2": "Giá/m²",
    "property_type": "Loại nhà đất",
    "transaction": "Hình thức",
    "price": "Mức giá",
    "area": "Diện tích",
    "bedrooms": "Phòng ngủ",
    "year": "Năm",
    "author": "Tác giả",
}
#: Facet values shown before "Xem thêm".
SHOWN_VALUES = 8
#: Range parameters, by facet.
RANGES = {
    "price": ("price_min", "price_max"),
    "price_rent": ("price_min", "price_max"),
    "area": ("area_min", "area_max"),
    "price_per_m2": ("price_per_m2_min", "price_per_m2_max"),
}
_RANGE_PARAMS = {name for pair in RANGE_PAIRS for name in pair}


# ---------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------


def clean_params(params: Mapping[str, Iterable[str]]) -> Params:
    """Known parameters only, blank values dropped, in the canonical order."""
    out: Params = {}
    for name in PARAMS:
        values = [v for v in params.get(name, []) if v.strip()]
        if values:
            out[name] = values
    return out


def link(base: str, params: Mapping[str, Iterable[str]]) -> str:
    """``base`` with ``params`` as a query string (canonical order, blanks dropped)."""
    clean = clean_params(params)
    query = urlencode([(k, v) for k, vs in clean.items() for v in vs])
    return f"{base}?{query}" if query else base


def without(params: Params, *names: str) -> Params:
    """A copy of ``params`` without ``names`` (and always without ``page``)."""
    drop = {"page", *names}
    return {k: list(v) for k, v in params.items() if k not in drop}


def page_params(params: Params, page: int) -> Params:
    """``params`` for page ``page`` (page 1 is the page without a ``page`` parameter)."""
    return {**without(params), **({"page": [str(page)]} if page > 1 else {})}


def _parse_band(value: str) -> tuple[float | None, float | None] | None:
    lo, sep, hi = value.partition("..")
    if not sep:
        return None
    try:
        return (float(lo) if lo else None, float(hi) if hi else None)
    except ValueError:
        return None


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def toggle_params(
    req: SearchRequest, facet: str, fv: FacetValue, siblings: Iterable[FacetValue] = ()
) -> Params | None:
    """The request's parameters with ``fv`` toggled (page reset); None when not toggleable.

    Keyword facets and ``year`` are multi-select lists; ``price``/``area`` set or
    clear the min/max pair of the band; ``bedrooms`` sets or clears "at least N".
    ``month`` sets or clears the date range of that month.
    ``siblings`` are the facet's other values (to un-select a value that was
    selected by an alias, such as ``district=ha long``).
    """
    params = without(req.to_params())
    if facet in KEYWORD_FILTERS or facet == "year":
        current = params.get(facet, [])
        if fv.selected:
            keep = _unselect(current, fv, siblings)
        elif fv.value in current:
            keep = [v for v in current if v != fv.value]
        else:
            keep = [*current, fv.value]
        if keep:
            params[facet] = keep
        else:
            params.pop(facet, None)
        return params
    if facet in RANGES:
        band = _parse_band(fv.value)
        if band is None:
            return None
        lo_name, hi_name = RANGES[facet]
        params.pop(lo_name, None)
        params.pop(hi_name, None)
        if not fv.selected:
            lo, hi = band
            if lo is not None:
                params[lo_name] = [_num(lo)]
            if hi is not None:
                params[hi_name] = [_num(hi)]
            if facet == "price_rent":  # a rent band is a price among rentals
                params["transaction"] = ["rent"]
        return params
    if facet == "month":  # a month is a date range: the whole month
        span = month_range(fv.value)
        if span is None:
            return None
        params.pop("date_from", None)
        params.pop("date_to", None)
        if not fv.selected:
            params["date_from"], params["date_to"] = [span[0].isoformat()], [span[1].isoformat()]
        return params
    if facet == "bedrooms":
        params.pop("bedrooms", None)
        if not fv.selected:
            digits = fv.value.rstrip("+")
            if not digits.isdigit():
                return None
            params["bedrooms"] = [digits]
        return params
    return None


def _matches(requested: str, value: str) -> bool:
    return requested == value or fold(requested).strip() == fold(value).strip()


def _unselect(current: list[str], fv: FacetValue, siblings: Iterable[FacetValue]) -> list[str]:
    """``current`` minus the request values that selected ``fv``.

    A value typed exactly or without accents is matched directly; otherwise
    (an alias such as ``ha long`` for "Thành phố Hạ Long") every request value
    that does not explain another selected value is dropped.
    """
    keep = [v for v in current if not _matches(v, fv.value)]
    if len(keep) < len(current):
        return keep
    others = [s.value for s in siblings if s.selected and s.value != fv.value]
    return [v for v in current if any(_matches(v, o) for o in others)]


# ---------------------------------------------------------------------------
# The data object (JSON API and page)
# ---------------------------------------------------------------------------


def hit_display(hit: Hit) -> dict[str, str | None]:
    """Display strings for a hit: date dd/mm/yyyy, price "1,2 tỷ", area "85 m²", place, views."""
    price = format_price(hit.price_vnd, hit.transaction)
    if price is None and hit.type == "listing":
        price = hit.price_text or "Thỏa thuận"
    place = ", ".join(p for p in (hit.district, hit.province) if p) or None
    return {
        "type": TYPE_LABELS.get(hit.type, hit.type),
        "date": format_date(hit.published),
        "place": place,
        "category": hit.category,
        "price": price,
        "area": format_area(hit.area_m2),
        "bedrooms": f"{hit.bedrooms} phòng ngủ" if hit.bedrooms else None,
        "views": f"{format_count(hit.views)} lượt xem" if hit.views else None,
    }


def search_data(req: SearchRequest, result: SearchResult, base: str, settings: Settings) -> dict[str, Any]:
    """The search JSON contract plus links computed for ``base`` (an endpoint path).

    Adds, to :meth:`SearchResult.to_dict`: ``toggle_url`` on each facet value,
    ``display`` strings on each hit, ``links`` (self/prev/next/suggestion),
    ``pages``, ``facet_errors`` and ``limits``.
    """
    data = result.to_dict()
    params = req.to_params()
    for name, values in result.facets.items():
        rendered = data["facets"][name]
        for fv, out in zip(values, rendered, strict=True):
            toggle = toggle_params(req, name, fv, values)
            out["toggle_url"] = link(base, toggle) if toggle is not None else None
    for hit, out in zip(result.hits, data["hits"], strict=True):
        out["display"] = hit_display(hit)
    # The last page whose every result is within the window (``page × per_page`` at most).
    last_page = max(1, min(math.ceil(result.total / req.per_page), settings.max_result_window // req.per_page))
    prev_url = link(base, page_params(params, req.page - 1)) if req.page > 1 else None
    next_url = link(base, page_params(params, req.page + 1)) if req.page < last_page else None
    suggestion_url = (
        link(base, {**without(params, "q", "verbatim"), "q": [result.suggestion]}) if result.suggestion else None
    )
    # "Search exactly as typed": the link shown under a corrected query.
    verbatim_url = link(base, {**without(params), "verbatim": ["1"]}) if result.corrected else None
    data["pages"] = last_page
    data["links"] = {
        "self": link(base, params),
        "prev": prev_url,
        "next": next_url,
        "suggestion": suggestion_url,
        "verbatim": verbatim_url,
    }
    data["facet_errors"] = dict(result.facet_errors)
    data["limits"] = limits(settings)
    return data


def limits(settings: Settings) -> dict[str, int]:
    """The request limits, as stated in the OpenAPI description and on the page."""
    return {
        "max_query_length": settings.max_query_length,
        "max_per_page": settings.max_per_page,
        "max_result_window": settings.max_result_window,
    }


# ---------------------------------------------------------------------------
# Page-only additions
# ---------------------------------------------------------------------------


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an http(s) or site-relative link; None for ``javascript:`` and the like."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url
    if not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//"):
        return url
    return None


def _facet_lookup(data: Mapping[str, Any], name: str, value: str) -> str | None:
    for fv in data["facets"].get(name, []):
        if fv["value"] == value:
            return str(fv["label"])
    return None


def _range_label(title: str, lo: float | None, hi: float | None, fmt: Any) -> str:
    if lo is not None and hi is not None:
        return f"{title}: {fmt(lo)} – {fmt(hi)}"
    if lo is not None:
        return f"{title}: từ {fmt(lo)}"
    return f"{title}: đến {fmt(hi)}"


def chips(req: SearchRequest, data: Mapping[str, Any], base: str) -> list[dict[str, str]]:
    """The selected filters, each with a label and the link that removes it ("×")."""
    params = req.to_params()
    out: list[dict[str, str]] = []
    for name in (*KEYWORD_FILTERS, "year"):
        if name == "type":
            continue  # shown as the selected tab
        for value in params.get(name, []):
            label = _facet_lookup(data, name, value) or value
            rest = [v for v in params[name] if v != value]
            remaining = {**without(params, name), **({name: rest} if rest else {})}
            out.append({"label": f"{FACET_TITLES[name]}: {label}", "remove_url": link(base, remaining)})
    renting = req.filters.get("transaction") == ["rent"]
    for facet, (lo_name, hi_name) in RANGES.items():
        lo, hi = getattr(req, lo_name), getattr(req, hi_name)
        if (lo is None and hi is None) or facet == ("price" if renting else "price_rent"):
            continue
        band = f"{'' if lo is None else _num(lo)}..{'' if hi is None else _num(hi)}"
        band_label = _facet_lookup(data, facet, band)
        fmt = format_price if facet.startswith("price") else format_area
        label = f"{FACET_TITLES[facet]}: {band_label}" if band_label else _range_label(
            FACET_TITLES[facet], lo, hi, fmt
        )
        out.append({"label": label, "remove_url": link(base, without(params, lo_name, hi_name))})
    if req.bedrooms is not None:
        label = _facet_lookup(data, "bedrooms", str(req.bedrooms)) or f"{req.bedrooms}+ phòng ngủ"
        out.append({"label": f"Phòng ngủ: {label}", "remove_url": link(base, without(params, "bedrooms"))})
    for name, title in (("date_from", "Từ ngày"), ("date_to", "Đến ngày")):
        d = getattr(req, name)
        if d is not None:
            out.append(
                {"label": f"{title} {d.strftime('%d/%m/%Y')}", "remove_url": link(base, without(params, name))}
            )
    return out + understood_chips(req, base)


def understood_chips(req: SearchRequest, base: str) -> list[dict[str, str]]:
    """A chip for each filter read from the query ("Giá: dưới 3 tỷ"); its link is
    the same search with those words taken out of ``q``."""
    params = without(req.to_params())
    out: list[dict[str, str]] = []
    for u in listing_query(req).understood:
        rest = query_without(req.q, u)
        remaining = {**without(params, "q"), **({"q": [rest]} if rest else {})}
        out.append({"label": u.label, "remove_url": link(base, remaining), "kind": u.kind})
    return out


def _options(
    values: Iterable[float], current: float | None, fmt: Any, any_label: str
) -> list[dict[str, Any]]:
    opts: list[dict[str, Any]] = [{"value": "", "label": any_label, "selected": current is None}]
    seen = False
    for v in values:
        selected = current is not None and v == current
        seen = seen or selected
        opts.append({"value": _num(v), "label": fmt(v), "selected": selected})
    if current is not None and not seen:
        opts.append({"value": _num(current), "label": fmt(current), "selected": True})
        opts[1:] = sorted(opts[1:], key=lambda o: float(o["value"]))
    return opts


#: Longest span of months the chart draws month by month (empty months as gaps).
TIMELINE_MONTHS = 240


def timeline(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Bars of the coverage-over-time chart: one per month from the first to
    the last month of the ``month`` facet (months without a match are empty
    gaps, up to :data:`TIMELINE_MONTHS`), with a height in percent of the
    busiest month and the link that filters to that month; a year label on
    each January and on the first bar."""
    months = {m["value"]: m for m in data["facets"].get("month") or []}
    if not months:
        return []
    top = max(int(m["count"]) for m in months.values())
    first, last = min(months), max(months)
    index = [int(first[:4]) * 12 + int(first[5:]) - 1, int(last[:4]) * 12 + int(last[5:]) - 1]
    keys = (
        [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index[0], index[1] + 1)]
        if index[1] - index[0] < TIMELINE_MONTHS
        else sorted(months)
    )
    bars = []
    for i, key in enumerate(keys):
        m = months.get(key)
        count = int(m["count"]) if m else 0
        bars.append(
            {
                "label": f"{key[5:]}/{key[:4]}",
                "count": count,
                "count_text": format_count(count),
                # In steps of 5%, drawn by a CSS class: the page's CSP allows no inline style.
                "height": 5 * max(1, round(20 * count / top)) if count else 0,
                "url": m.get("toggle_url") if m else None,
                "selected": bool(m and m["selected"]),
                "year": key[:4] if i == 0 or key[5:] == "01" else None,
            }
        )
    return bars


def page_context(
    req: SearchRequest, data: dict[str, Any], base: str, settings: Settings
) -> dict[str, Any]:
    """Everything the results page renders, built on the API's ``data`` for ``base``."""
    params = req.to_params()
    selected_types = req.filters.get("type", [])
    type_counts = {fv["value"]: fv["count"] for fv in data["facets"].get("type", [])}
    tabs = []
    for value, label in ((None, "Tất cả"), *TYPE_LABELS.items()):
        tab_params = without(params, "type")
        if value is None:
            count = sum(type_counts.values()) if type_counts else None
            active = not selected_types or set(selected_types) >= set(TYPE_LABELS)
        else:
            tab_params["type"] = [value]
            count = type_counts.get(value, 0) if type_counts else None
            active = selected_types == [value]
        tabs.append(
            {
                "label": label,
                "url": link(base, tab_params),
                "count": format_count(count) if count is not None else None,
                "active": active,
            }
        )
    facets = []
    for name, title in FACET_TITLES.items():
        values = data["facets"].get(name) or []
        if name == "type" or not values:
            continue
        rendered = [
            {**fv, "count_text": format_count(int(fv["count"])), "id": f"f-{name}-{i}"}
            for i, fv in enumerate(values)
        ]
        # Selected values are always visible, even beyond the first few.
        shown = [v for i, v in enumerate(rendered) if i < SHOWN_VALUES or v["selected"]]
        more = [v for i, v in enumerate(rendered) if i >= SHOWN_VALUES and not v["selected"]]
        facets.append({"name": name, "title": title, "shown": shown, "more": more})
    facet_errors = [
        {"name": name, "title": FACET_TITLES.get(name, name), "message": message}
        for name, message in data.get("facet_errors", {}).items()
    ]
    hits = []
    for h in data["hits"]:
        hits.append({**h, "href": safe_href(h["url"])})
    keep_for_sort = without(params, "sort")
    keep_for_ranges = without(params, *_RANGE_PARAMS)
    chip_list = chips(req, data, base)
    has_filters = bool(chip_list) or bool(selected_types)
    price_edges = [b.lo for b in PRICE_BANDS if b.lo is not None]
    area_edges = [b.lo for b in AREA_BANDS if b.lo is not None]
    total = int(data["total"])
    window = [
        {"number": n, "url": link(base, page_params(params, n)), "current": n == req.page}
        for n in range(max(1, req.page - 2), min(int(data["pages"]), req.page + 2) + 1)
    ]
    return {
        "data": data,
        "q": req.q,
        "tabs": tabs,
        "facets": facets,
        "facet_errors": facet_errors,
        "hits": hits,
        "chips": chip_list,
        "clear_url": link(base, {k: v for k, v in params.items() if k in ("q", "sort", "type")})
        if has_filters
        else None,
        "total_text": format_count(total),
        "took_text": format_seconds(float(data["took_ms"])),
        "sort_options": [
            {"value": s, "label": SORT_LABELS.get(s, s), "selected": s == req.sort} for s in SORTS
        ],
        "sort_hidden": [(k, v) for k, vs in keep_for_sort.items() for v in vs],
        "range_hidden": [(k, v) for k, vs in keep_for_ranges.items() for v in vs],
        "search_hidden": [("type", v) for v in selected_types],
        "price_min_options": _options(price_edges, req.price_min, format_price, "Thấp nhất"),
        "price_max_options": _options(price_edges, req.price_max, format_price, "Cao nhất"),
        "area_min": _num(req.area_min) if req.area_min is not None else "",
        "area_max": _num(req.area_max) if req.area_max is not None else "",
        "area_hint": f"{format_area(area_edges[0])} – {format_area(area_edges[-1])}",
        "date_from": req.date_from.isoformat() if req.date_from else "",
        "date_to": req.date_to.isoformat() if req.date_to else "",
        "page": req.page,
        "pages": data["pages"],
        "page_window": window,
        "prev_url": data["links"]["prev"],
        "next_url": data["links"]["next"],
        "suggestion": data["suggestion"],
        "suggestion_url": data["links"]["suggestion"],
        "corrected": data["corrected"],
        "verbatim_url": data["links"]["verbatim"],
        "relaxed": data["relaxed"],
        "timed_out": data["timed_out"],
        "ignored_note": ignored_note(data["ignored"]),
        "nearest": data.get("nearest"),
        "notes": data.get("notes", []),
        "timeline": timeline(data) if len(data["facets"].get("month") or []) > 1 else [],
        **page_limits(settings),
    }


#: How the page names each kind of ignored query part.
IGNORED_LABELS = {"terms": "từ", "phrases": "cụm từ trong ngoặc kép", "excluded": "điều kiện loại trừ"}


def ignored_note(ignored: Mapping[str, int]) -> str | None:
    """The page's note about query parts over the caps ("3 từ, 2 cụm từ ..."), or None."""
    parts = [f"{format_count(ignored[k])} {label}" for k, label in IGNORED_LABELS.items() if ignored.get(k)]
    if not parts:
        return None
    return "Truy vấn quá dài: đã bỏ qua " + ", ".join(parts) + "."


def feed_url(base: str, req: SearchRequest) -> str:
    """The Atom feed of a search: its query and filters, without sort and page."""
    return link(base, without(req.to_params(), "sort", "per_page"))


def page_limits(settings: Settings) -> dict[str, Any]:
    """``limits`` (numbers, e.g. the search box's ``maxlength``) and the result window as text."""
    return {"limits": limits(settings), "window_text": format_count(settings.max_result_window)}
