"""Vietnamese display formatting for the search page: prices, areas, dates, counts.

Pure functions over plain values; the view calls them while building the
page data so that templates only print strings.
"""

from __future__ import annotations

from datetime import date, datetime

TY = 1_000_000_000  # tỷ
TRIEU = 1_000_000  # triệu
NGHIN = 1_000  # nghìn


def format_number(value: float, decimals: int = 2) -> str:
    """A number the Vietnamese way: ``.`` groups thousands, ``,`` is the decimal mark.

    Trailing decimal zeros are dropped: ``1234.5 -> "1.234,5"``, ``85.0 -> "85"``.
    """
    text = f"{value:,.{decimals}f}"  # "1,234.50"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    whole = whole.replace(",", ".")
    return f"{whole},{frac}" if frac else whole


def format_count(value: int) -> str:
    """A whole count with Vietnamese thousands dots: ``12345 -> "12.345"``."""
    return format_number(float(value), 0)


def format_price(vnd: float | None, transaction: str | None = None) -> str | None:
    """A price in VND as portals write it: ``1.2e9 -> "1,2 tỷ"``, ``8.5e8 -> "850 triệu"``.

    Rent prices get ``/tháng``. ``None`` (negotiable or unknown) stays ``None``.
    """
    if vnd is None or vnd < 0:
        return None
    if vnd >= TY:
        text = f"{format_number(vnd / TY)} tỷ"
    elif vnd >= TRIEU:
        text = f"{format_number(vnd / TRIEU)} triệu"
    elif vnd >= NGHIN:
        text = f"{format_number(vnd / NGHIN)} nghìn"
    else:
        text = f"{format_number(vnd, 0)} đồng"
    return f"{text}/tháng" if transaction == "rent" else text


def format_area(m2: float | None) -> str | None:
    """An area: ``85.0 -> "85 m²"``, ``85.5 -> "85,5 m²"``; ``None`` stays ``None``."""
    if m2 is None or m2 < 0:
        return None
    return f"{format_number(m2, 1)} m²"


def parse_iso(value: str | None) -> date | None:
    """The date part of an ISO date or datetime string, or ``None`` when unreadable."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


def format_date(value: str | None) -> str | None:
    """An ISO date/datetime as ``dd/mm/yyyy``; ``None`` when missing or unreadable."""
    d = parse_iso(value)
    return d.strftime("%d/%m/%Y") if d is not None else None


def format_seconds(ms: float) -> str:
    """A duration for "(0,05 giây)"."""
    return f"{format_number(ms / 1000.0, 3)} giây"
