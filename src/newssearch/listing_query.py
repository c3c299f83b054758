"""Reading what a buyer typed into filters (pure; no index).

``"can ho q7 duoi 3 ty 2pn"`` is a kind of property, a place, a price bound and
a number of bedrooms; read as words, "dưới 3 tỷ" matches any listing that says
"3 tỷ" and ranks a 9,5 tỷ flat second. :func:`understand` finds the
expressions buyers use, with or without diacritics and abbreviated:

* **price**: ``dưới 3 tỷ``, ``trên 500 triệu``, ``2-3 tỷ``, ``từ 2 đến 3,5 tỷ``,
  ``3 tỷ rưỡi``, ``1 tỷ 2``, ``tầm 2 tỷ`` (±15 %), ``5 triệu/tháng`` (a rent),
  ``500tr``, ``500 củ``; a bare amount (``3 tỷ``) is "about" it;
* **area**: ``50m2``, ``trên 60 m²``, ``50-80 m2``, ``tầm 70 mét vuông`` (±10 %);
* **bedrooms**: ``2pn``, ``3 phòng ngủ``, ``từ 3 pn`` (at least);
* **transaction**: ``cho thuê``, ``thuê``, ``bán``, ``mua``, ``cần bán``;
* **property type**: ``căn hộ``/``chung cư``, ``nhà mặt tiền``/``nhà phố``,
  ``nhà riêng``, ``biệt thự``, ``đất nền``, ``phòng trọ``...;
* **direction**: ``hướng đông nam``, ``huong DN``;
* **legal status**: ``sổ hồng``, ``sổ đỏ``, ``shr``, ``pháp lý rõ ràng``.

Decisions:

* Transaction, type, direction and legal words are read only in a property
  query (a type word, a price, area or bedroom expression, or the caller
  says the search is for listings): in ``"ban hanh nghi dinh"`` "ban" is
  not a sale.
* A price without "tháng" is a sale price, unless the query says rent or the
  amount is below :data:`RENT_CEILING_VND` (100 triệu: nobody sells a home
  for that; monthly rents are below it).
* Nonsense is not read: ``"duoi ty"`` (no number), ``"2-"``, ``"-3 pn"``,
  ``"0m2"``, ``"999999 ty"`` (beyond :data:`MAX_PRICE_VND`), and when two
  bounds contradict (``"trên 5 tỷ dưới 2 tỷ"``) neither is kept.
* Every understood expression keeps its place in the query (``start``,
  ``end``) so the caller can drop its words from the text to match and show
  a chip that removes it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .params import TRANSACTION_LABELS
from .places import find_places
from .vietnamese import fold

__all__ = ["LEGAL_GROUPS", "PROPERTY_TYPES", "ListingQuery", "Understood", "understand", "without"]

TY = 1_000_000_000
TRIEU = 1_000_000
#: A price below this, without "tháng", is read as a monthly rent.
RENT_CEILING_VND = 100 * TRIEU
#: Prices beyond this (100,000 tỷ) are typing mistakes, not bounds.
MAX_PRICE_VND = 100_000 * TY
#: Areas beyond this (100 ha) are not a home.
MAX_AREA_M2 = 1_000_000
#: "tầm 2 tỷ", "3 tỷ": within this fraction of the amount.
AROUND_PRICE = 0.15
AROUND_AREA = 0.10

#: Property kinds: (label, query phrases (folded), words a ``property_type`` value contains).
PROPERTY_TYPES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "apartment": ("Căn hộ chung cư", ("can ho chung cu", "can ho", "chung cu", "cc mini", "studio",
                                      "penthouse", "officetel", "condotel"),
                  ("can ho", "chung cu", "studio", "penthouse", "officetel", "condotel")),
    "townhouse": ("Nhà mặt phố", ("nha mat tien", "nha mat pho", "nha pho", "mat tien", "mat pho",
                                  "shophouse", "nha lien ke", "lien ke"),
                  ("nha pho", "mat pho", "mat tien", "shophouse", "lien ke")),
    "house": ("Nhà riêng", ("nha rieng", "nha hem", "nha ngo", "nha o"), ("nha rieng",)),
    "villa": ("Biệt thự", ("biet thu", "villa"), ("biet thu", "villa")),
    "land": ("Đất", ("dat nen", "dat tho cu", "lo dat", "dat"), ("dat",)),
    "room": ("Phòng trọ", ("phong tro", "nha tro"), ("phong tro", "nha tro")),
    "office": ("Văn phòng", ("van phong",), ("van phong",)),
    "premises": ("Mặt bằng", ("mat bang", "kiot", "ki ot"), ("mat bang", "kiot")),
    "warehouse": ("Kho, nhà xưởng", ("kho xuong", "nha xuong", "nha kho"), ("kho", "xuong")),
    "house_any": ("Nhà", ("nha",), ("nha",)),
}
#: Legal status groups: (label, query phrases, words a ``legal_status`` value contains).
LEGAL_GROUPS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "certificate": ("Sổ đỏ/sổ hồng", ("so hong rieng", "so do rieng", "so hong", "so do", "shr",
                                      "phap ly ro rang", "phap ly chuan", "so rieng", "so san"),
                    ("so hong", "so do", "certificate", "shr", "so rieng")),
    "contract": ("Hợp đồng mua bán", ("hop dong mua ban", "hdmb"), ("hop dong", "hdmb", "contract")),
}
_DIRECTIONS = {
    "dong nam": "Đông Nam", "dong bac": "Đông Bắc", "tay nam": "Tây Nam", "tay bac": "Tây Bắc",
    "dn": "Đông Nam", "db": "Đông Bắc", "tn": "Tây Nam", "tb": "Tây Bắc",
    "dong": "Đông", "tay": "Tây", "nam": "Nam", "bac": "Bắc",
}


@dataclass(frozen=True)
class Understood:
    """One expression read as a filter; ``text == query[start:end]``."""

    kind: str  # "price" | "area" | "bedrooms" | "transaction" | "property_type" | "direction" | "legal_status"
    text: str
    start: int
    end: int
    label: str  # what the chip says: "Giá: dưới 3 tỷ"
    lo: float | None = None  # numeric bounds, [lo, hi]
    hi: float | None = None
    value: str | None = None  # "rent", "apartment", "Đông Nam", "certificate"
    #: For a price: "month" when it is a monthly rent.
    period: str | None = None
    #: Further (start, end) spans of the same filter ("trên 2 tỷ ... dưới 3 tỷ").
    more: tuple[tuple[int, int], ...] = ()

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """Every (start, end) of the query this filter was read from."""
        return ((self.start, self.end), *self.more)

    def to_dict(self) -> dict[str, Any]:
        """The ``recognized`` entry of the JSON contract."""
        return {"text": self.text, "level": self.kind, "label": self.label, "min": self.lo,
                "max": self.hi, "value": self.value}


@dataclass
class ListingQuery:
    """What :func:`understand` read: the filters and the words left to match as text."""

    query: str
    understood: list[Understood] = field(default_factory=list)
    #: The query with the understood expressions blanked out.
    rest: str = ""

    def get(self, kind: str) -> Understood | None:
        """The understood filter of ``kind``, if any."""
        return next((u for u in self.understood if u.kind == kind), None)

    @property
    def transaction(self) -> str | None:
        """"sale" or "rent": said, or implied by the price."""
        said = self.get("transaction")
        if said is not None:
            return said.value
        price = self.get("price")
        if price is not None:
            return "rent" if price.period == "month" else "sale"
        return None


# --------------------------------------------------------------------------
# Folding with offsets
# --------------------------------------------------------------------------


def _fold_same_length(text: str) -> str:
    """Lower-case, diacritics removed, one character per character (offsets kept)."""
    out = []
    for ch in text:
        f = fold(ch)
        out.append(f if len(f) == 1 else (ch.lower() if len(ch.lower()) == 1 else " "))
    return "".join(out)


_NUM = r"\d+(?:[.,]\d+)?"
_PRICE_UNIT = r"(?:ty|ti|trieu|tr|cu)"
_UNIT_VALUE = {"ty": TY, "ti": TY, "trieu": TRIEU, "tr": TRIEU, "cu": TRIEU}
_E = r"(?![a-z0-9])"  # the end of a word
_B = r"(?<![a-z0-9.,])"  # the start of a word or number
# "3 tỷ rưỡi", "1 tỷ 2", "1 ty 250", "500tr"
_AMOUNT = rf"{_NUM}\s*{_PRICE_UNIT}{_E}(?:\s*(?:ruoi|\d{{1,3}}(?![\d.,]))(?!\s*(?:m2|m|pn|phong|met|%)))?"
_PERIOD = r"(?:\s*(?:/|mot|1|moi|a|\s)\s*(?:thang|th){_E})".replace("{_E}", _E)
_LO_WORDS = r"(?:tren|hon|lon hon|toi thieu|it nhat|tu|>=|>|from|min)"
_HI_WORDS = r"(?:duoi|nho hon|toi da|khong qua|chi|<=|<|max|den|toi)"
_AROUND_WORDS = r"(?:tam|khoang|quanh|co|~|gia|tam gia|khoang gia)"
_RANGE_SEP = r"\s*(?:-|–|~|den|toi|\.\.)\s*"

_PRICE_RANGE_RE = re.compile(
    rf"{_B}(?:tu\s+)?({_NUM})\s*({_PRICE_UNIT}{_E})?{_RANGE_SEP}({_AMOUNT})({_PERIOD})?"
)
_PRICE_BOUND_RE = re.compile(rf"{_B}(?:({_LO_WORDS}|{_HI_WORDS}|{_AROUND_WORDS})\s*)?({_AMOUNT})({_PERIOD})?")
_AREA_UNIT = r"(?:m2|m²|m\s*2|met vuong|m vuong|mv)"
_AREA_RANGE_RE = re.compile(rf"{_B}(?:tu\s+)?({_NUM})\s*(?:{_AREA_UNIT})?{_RANGE_SEP}({_NUM})\s*{_AREA_UNIT}{_E}")
_AREA_BOUND_RE = re.compile(
    rf"{_B}(?:(?:dien tich|dt)\s*)?(?:({_LO_WORDS}|{_HI_WORDS}|{_AROUND_WORDS})\s*)?({_NUM})\s*{_AREA_UNIT}{_E}"
)
_BED_RE = re.compile(
    rf"{_B}(?:({_LO_WORDS}|{_HI_WORDS})\s*)?(\d{{1,2}})\s*(?:pn|phong ngu|phong|ngu|br|bedrooms?){_E}"
)
_TRANSACTION_RE = re.compile(
    r"(?<![a-z])(cho thue|can thue|thue|can ban|ban gap|ban|mua)(?![a-z])(?! cong)"
)
_DIRECTION_RE = re.compile(
    r"(?<![a-z])huong\s+(dong nam|dong bac|tay nam|tay bac|dong|tay|nam|bac|dn|db|tn|tb)(?![a-z])"
)


def _number(text: str) -> float | None:
    """``"3,5"`` / ``"3.5"`` -> 3.5; thousands groups ("1.200") -> 1200."""
    t = text
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", t):
        t = re.sub(r"[.,]", "", t)
    try:
        return float(t.replace(",", "."))
    except ValueError:
        return None


def _amount(text: str) -> float | None:
    """The VND of a folded amount: ``"3 ty ruoi"``, ``"1 ty 2"``, ``"500tr"``."""
    m = re.fullmatch(rf"({_NUM})\s*({_PRICE_UNIT})(?:\s*(ruoi|\d{{1,3}}))?\s*", text)
    if m is None:
        return None
    n = _number(m[1])
    if n is None:
        return None
    unit = _UNIT_VALUE[m[2]]
    value = n * unit
    if m[3] == "ruoi":
        value += unit / 2
    elif m[3]:
        value += int(m[3]) / 10 ** len(m[3]) * unit
    return value


def format_vnd(v: float) -> str:
    """``3.5e9`` -> ``"3,5 tỷ"``; ``5e8`` -> ``"500 triệu"``."""
    if v >= TY:
        return f"{_fmt(v / TY)} tỷ"
    return f"{_fmt(v / TRIEU)} triệu"


def _fmt(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _bounds(word: str | None, value: float, around: float) -> tuple[float | None, float | None]:
    """A bound word and an amount -> [lo, hi]."""
    w = (word or "").strip()
    if w and re.fullmatch(_LO_WORDS, w):
        return value, None
    if w and re.fullmatch(_HI_WORDS, w):
        return None, value
    return value * (1 - around), value * (1 + around)


def range_label(title: str, lo: float | None, hi: float | None, fmt: Callable[[float], str]) -> str:
    """``"Giá: 2 tỷ – 3 tỷ"``, ``"Giá: trên 2 tỷ"``, ``"Giá: dưới 3 tỷ"``."""
    if lo is not None and hi is not None:
        return f"{title}: {fmt(lo)} – {fmt(hi)}"
    if lo is not None:
        return f"{title}: trên {fmt(lo)}"
    return f"{title}: dưới {fmt(hi or 0)}"


#: A quoted phrase (closed or not), or an excluded word or phrase.
_QUOTED_OR_EXCLUDED = re.compile(r'-?"[^"]*"?|(?<!\S)-[^\s"]+')


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in taken)


# --------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------


def understand(query: str, listings: bool = False) -> ListingQuery:
    """The listing filters a query states, and the query without their words.

    ``listings``: the search is for listings already (``type=listing``), so
    transaction and type words are read even without a price. Never raises:
    what cannot be read sensibly stays text.
    """
    if not isinstance(query, str) or not query.strip():
        text = query if isinstance(query, str) else ""
        return ListingQuery(text, [], text)
    text = unicodedata.normalize("NFC", query)
    low = _fold_same_length(text)
    found: list[Understood] = []
    # Quoted phrases and exclusions are the searcher's own syntax: "-\"cho thuê\""
    # excludes rentals, it does not ask for them. They are never read as filters.
    taken: list[tuple[int, int]] = [(m.start(), m.end()) for m in _QUOTED_OR_EXCLUDED.finditer(text)]

    def add(u: Understood) -> None:
        found.append(u)
        taken.extend(u.spans)

    _read_prices(text, low, add, taken)
    _read_areas(text, low, add, taken)
    _read_bedrooms(text, low, add, taken)
    # place names are not property words ("Nha Trang", "Nhà Bè", "Đất Đỏ")
    places = [(m.start, m.end) for m in find_places(text)]
    taken.extend(places)
    for kind, (s, e) in _phrases(text, low, {k: v[1] for k, v in PROPERTY_TYPES.items()}, taken)[:1]:
        add(Understood("property_type", text[s:e], s, e, f"Loại: {PROPERTY_TYPES[kind][0]}", value=kind))
    strong = _read_transaction(text, low, add, taken)
    for m in _DIRECTION_RE.finditer(low):
        if _free(taken, m.start(), m.end()):
            d = _DIRECTIONS[m[1]]
            add(Understood("direction", text[m.start() : m.end()], m.start(), m.end(), f"Hướng: {d}", value=d))
            break
    for kind, (s, e) in _phrases(text, low, {k: v[1] for k, v in LEGAL_GROUPS.items()}, taken)[:1]:
        add(Understood("legal_status", text[s:e], s, e, f"Pháp lý: {LEGAL_GROUPS[kind][0]}", value=kind))
    kinds = {u.kind for u in found}
    rest = _blank(text, [sp for u in found for sp in u.spans] + places)
    active = (
        listings
        or strong
        or bool(kinds & {"area", "bedrooms"})
        or ("price" in kinds and (len(kinds) > 1 or not rest.strip()))
        or ("property_type" in kinds and len(kinds) > 1)
    )
    if not active:  # not a property query ("cháy căn hộ", "giá vàng trên 80 triệu"): all text
        return ListingQuery(text, [], text)
    found = _price_within_transaction(found)
    found.sort(key=lambda u: u.start)
    return ListingQuery(text, found, _blank(text, [sp for u in found for sp in u.spans]))


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def _read_prices(text: str, low: str, add: Callable[[Understood], None], taken: list[tuple[int, int]]) -> None:
    """Price ranges first ("2-3 tỷ"), then bounds ("dưới 3 tỷ") and amounts ("3 tỷ")."""
    prices: list[Understood] = []
    for m in _PRICE_RANGE_RE.finditer(low):
        hi = _amount(m[3])
        unit = m[2] or re.search(_PRICE_UNIT + "$", re.sub(r"\s*(ruoi|\d{1,3})$", "", m[3]).strip())
        unit_key = unit.group(0) if isinstance(unit, re.Match) else unit
        first = _number(m[1])
        if hi is None or first is None or unit_key not in _UNIT_VALUE:
            continue
        low_end = first * _UNIT_VALUE[unit_key.strip()]
        if low_end > hi and not m[2] and first >= 100 and first * TRIEU <= hi:
            low_end = first * TRIEU  # "900-1,2 tỷ" starts at 900 triệu, not 900 tỷ
        if not 0 < low_end <= hi <= MAX_PRICE_VND:
            continue
        prices.append(_price(text, m.start(), m.end(), low_end, hi, m[4]))
        taken.append((m.start(), m.end()))
    for m in _PRICE_BOUND_RE.finditer(low):
        if not _free(taken, m.start(), m.end()):
            continue
        value = _amount(m[2])
        if value is None or not 0 < value <= MAX_PRICE_VND:
            continue
        lo, hi = _bounds(m[1], value, AROUND_PRICE)
        about = value if lo is not None and hi is not None else None
        prices.append(_price(text, m.start(), m.end(), lo, hi, m[3], about))
        taken.append((m.start(), m.end()))
    for u in _merge_bounds(prices, "Giá", format_vnd):
        add(u)


def _price(
    text: str, start: int, end: int, lo: float | None, hi: float | None, period: str | None,
    about: float | None = None,
) -> Understood:
    """A price filter; monthly when "tháng" is written or the amount is too low for a sale."""
    end = start + len(text[start:end].rstrip())
    top = hi if hi is not None else lo
    month = bool(period) or (top is not None and top < RENT_CEILING_VND)
    title = "Giá thuê" if month else "Giá"
    label = f"{title}: khoảng {format_vnd(about)}" if about is not None else range_label(title, lo, hi, format_vnd)
    lo, hi = (round(lo) if lo is not None else None), (round(hi) if hi is not None else None)
    return Understood("price", text[start:end], start, end, label + ("/tháng" if month else ""), lo, hi,
                      period="month" if month else None)


def _merge_bounds(items: list[Understood], title: str, fmt: Callable[[float], str]) -> list[Understood]:
    """One lower and one upper bound written apart ("trên 2 tỷ dưới 3 tỷ") make one
    range; contradictory ones (lo > hi) make none; else the first is kept."""
    if len(items) < 2:
        return items
    los = [u for u in items if u.lo is not None and u.hi is None]
    his = [u for u in items if u.hi is not None and u.lo is None]
    if len(los) == 1 and len(his) == 1 and len(items) == 2:
        lo, hi = los[0], his[0]
        if lo.lo is not None and hi.hi is not None and lo.lo <= hi.hi:
            month = lo.period or hi.period
            label = range_label("Giá thuê" if month else title, lo.lo, hi.hi, fmt) + ("/tháng" if month else "")
            first, second = sorted((lo, hi), key=lambda u: u.start)
            return [replace(first, text=f"{first.text} … {second.text}", label=label, lo=lo.lo, hi=hi.hi,
                            period=month, more=((second.start, second.end),))]
        return []
    return items[:1]


def _read_areas(text: str, low: str, add: Callable[[Understood], None], taken: list[tuple[int, int]]) -> None:
    areas: list[Understood] = []
    for m in _AREA_RANGE_RE.finditer(low):
        lo, hi = _number(m[1]), _number(m[2])
        if lo is None or hi is None or not 0 < lo <= hi <= MAX_AREA_M2 or not _free(taken, m.start(), m.end()):
            continue
        areas.append(Understood("area", text[m.start() : m.end()], m.start(), m.end(),
                                range_label("Diện tích", lo, hi, format_area), lo, hi))
        taken.append((m.start(), m.end()))
    for m in _AREA_BOUND_RE.finditer(low):
        value = _number(m[2])
        if value is None or not 0 < value <= MAX_AREA_M2 or not _free(taken, m.start(), m.end()):
            continue
        lo, hi = _bounds(m[1], value, AROUND_AREA)
        if lo is not None and hi is not None:
            label = f"Diện tích: khoảng {format_area(value)}"
            lo, hi = round(lo, 2), round(hi, 2)
        else:
            label = range_label("Diện tích", lo, hi, format_area)
        areas.append(Understood("area", text[m.start() : m.end()], m.start(), m.end(), label, lo, hi))
        taken.append((m.start(), m.end()))
    for u in _merge_bounds(areas, "Diện tích", format_area):
        add(u)


def format_area(v: float) -> str:
    """``50.0`` -> ``"50 m²"``."""
    return f"{_fmt(v)} m²"


def _read_bedrooms(text: str, low: str, add: Callable[[Understood], None], taken: list[tuple[int, int]]) -> None:
    for m in _BED_RE.finditer(low):
        n = int(m[2])
        if not 0 < n <= 50 or not _free(taken, m.start(), m.end()):
            continue
        if m.start() > 0 and low[m.start() - 1] == "-":
            continue  # "-3 pn": not a number of rooms
        word = m[1] or ""
        if re.fullmatch(_LO_WORDS, word):
            lo, hi, label = float(n), None, f"Phòng ngủ: từ {n}"
        elif re.fullmatch(_HI_WORDS, word):
            lo, hi, label = 1.0, float(n), f"Phòng ngủ: đến {n}"
        else:
            lo, hi, label = float(n), float(n), f"Phòng ngủ: {n}"
        add(Understood("bedrooms", text[m.start() : m.end()], m.start(), m.end(), label, lo, hi))
        return


def _read_transaction(text: str, low: str, add: Callable[[Understood], None], taken: list[tuple[int, int]]) -> bool:
    """Read "cho thuê", "bán"...; True when the words say property on their own
    ("cho thuê", "cần bán"; not "bán", which is also "bàn", "bạn")."""
    for m in _TRANSACTION_RE.finditer(low):
        if not _free(taken, m.start(), m.end()) or not _accents_agree(text[m.start() : m.end()], m[1]):
            continue
        value = "rent" if "thue" in m[1] else "sale"
        add(Understood("transaction", text[m.start() : m.end()], m.start(), m.end(),
                       f"Hình thức: {TRANSACTION_LABELS[value]}", value=value))
        return m[1] in _STRONG_TRANSACTION
    return False


_STRONG_TRANSACTION = frozenset({"cho thue", "can thue", "can ban", "ban gap"})
#: How the short, ambiguous words must be written when diacritics are typed
#: ("bàn", "bạn" are not "bán"; "đạt", "đặt" are not "đất").
_ACCENTED = {"ban": "bán", "nha": "nhà", "dat": "đất", "thue": "thuê", "mua": "mua", "can ban": "cần bán",
             "can thue": "cần thuê", "ban gap": "bán gấp"}


def _accents_agree(written: str, folded: str) -> bool:
    """True when ``written`` has no diacritics or has the ones ``folded``'s word takes."""
    want = _ACCENTED.get(folded)
    if want is None or written.isascii():
        return True
    return written.lower() == want


def _phrases(
    text: str, low: str, table: dict[str, tuple[str, ...]], taken: list[tuple[int, int]]
) -> list[tuple[str, tuple[int, int]]]:
    """(kind, span) of the phrases of ``table`` in ``low``, longest first, not overlapping."""
    out: list[tuple[str, tuple[int, int]]] = []
    used = list(taken)
    pairs = sorted(((p, k) for k, ps in table.items() for p in ps), key=lambda pk: -len(pk[0]))
    for phrase, kind in pairs:
        for m in re.finditer(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", low):
            if _free(used, m.start(), m.end()) and _accents_agree(text[m.start() : m.end()], phrase):
                out.append((kind, (m.start(), m.end())))
                used.append((m.start(), m.end()))
    out.sort(key=lambda ks: ks[1][0])
    return out


def _price_within_transaction(found: list[Understood]) -> list[Understood]:
    """A rent price with "bán" (or a sale price with "thuê") is kept; the
    transaction said wins, and the price is read within it."""
    said = next((u.value for u in found if u.kind == "transaction"), None)
    out: list[Understood] = []
    for u in found:
        if u.kind == "price" and said is not None and (u.period == "month") != (said == "rent"):
            period = "month" if said == "rent" else None
            title = "Giá thuê" if period else "Giá"
            label = range_label(title, u.lo, u.hi, format_vnd) + ("/tháng" if period else "")
            u = replace(u, period=period, label=label)
        out.append(u)
    return out


def without(query: str, u: Understood) -> str:
    """The query with the words of ``u`` taken out (the link of its chip)."""
    return " ".join(_blank(unicodedata.normalize("NFC", query), list(u.spans)).split())
