"""Parse what a person typed into a search plan (pure; no Whoosh).

The syntax is the one people already know from web search engines:

* plain words are all required (relaxed to "any" when that finds nothing);
* ``"quoted words"`` are an exact phrase (curly quotes work too);
* ``-word`` and ``-"a phrase"`` exclude;
* ``a OR b`` (capital OR) between two words or phrases: either may match;
  ``(a OR b OR c)`` reads the same;
* editors' fields, in Vietnamese or English (:data:`FIELD_NAMES`):
  ``tác giả: Hoàng Giang``, ``title:"hạ long"``, ``chuyên mục: Xã hội``;
* date words (:mod:`newssearch.datewords`): ``năm 2022``, ``tháng 6/2022``,
  ``từ 2021 đến 2023``.

Nothing is an error: unbalanced quotes and parentheses, stray operators,
unknown field names and Whoosh syntax characters (``: * ? ~ ^ ( ) [ ] { }``)
are read as plain text; an empty field, ``OR`` at either end and impossible
dates (``tháng 13/2022``) are ignored with a note in :attr:`ParsedQuery.notes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .datewords import find_dates
from .vietnamese import Token, fold, has_diacritics, tokenize

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})
_SEGMENT_RE = re.compile(r'(?P<neg>(?<!\S)-)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))')


@dataclass(frozen=True)
class QTerm:
    """One query term. ``folded`` is what must match (accent-insensitively).

    For a code such as ``Q.7`` or ``TP.HCM``, ``folded`` is the joined form
    (``q7``) and ``parts`` its pieces (``("q", "7")``): the term matches
    either. ``exact`` keeps the diacritics the user typed; ``accented``
    says whether there were any (then exact matches rank higher).
    """

    exact: str
    folded: str
    accented: bool
    start: int
    end: int
    parts: tuple[str, ...] = ()
    exact_parts: tuple[str, ...] = ()
    #: Highlighted only next to another match (a stop-like or one-letter word
    #: of a relaxed query: alone it marks noise).
    weak: bool = False


@dataclass(frozen=True)
class QPhrase:
    """A quoted phrase: its terms must stand together, in order."""

    terms: tuple[QTerm, ...]
    accented: bool


#: Field names an editor may type before a colon (folded, spaces collapsed),
#: and the field each one means.
FIELD_NAMES: dict[str, str] = {
    "tac gia": "author",
    "author": "author",
    "tieu de": "title",
    "title": "title",
    "chuyen muc": "category",
    "category": "category",
}
# A known field name followed by a colon, at the start of a word.
_FIELD_RE = re.compile(
    r"(?<!\S)(?P<name>t[aá]c\s+gi[aả]|ti[eêế]u\s+[dđ][eêề]|chuy[eê]n\s+m[uụ]c|author|title|category)\s*:",
    re.IGNORECASE,
)
# A field's value: a quoted or parenthesised phrase, or a word and the
# capitalised words after it when it is capitalised itself (a name: "Hoàng
# Giang"), else one word. A category's value runs to the next field or the end
# (categories are short labels: "chuyên mục: Xã hội").
_VALUE_RE = re.compile(r'\s*(?:"(?P<quoted>[^"]*)"|\((?P<paren>[^()]*)\)|(?P<word>[^\s"()]+))')
_CAPITALISED_RE = re.compile(r"\s+(?P<word>[^\W\d_][^\s\"()]*)")


@dataclass(frozen=True)
class FieldClause:
    """``tác giả: Hoàng Giang``: the value's terms must all be in that field."""

    field: str
    value: str
    terms: tuple[QTerm, ...]


@dataclass
class ParsedQuery:
    raw: str
    terms: list[QTerm] = field(default_factory=list)
    phrases: list[QPhrase] = field(default_factory=list)
    excluded: list[QTerm | QPhrase] = field(default_factory=list)
    #: ``a OR b``: each group is required; any one of its alternatives satisfies it.
    any_of: list[tuple[QTerm | QPhrase, ...]] = field(default_factory=list)
    #: ``tác giả:``, ``tiêu đề:``, ``chuyên mục:`` restrictions.
    fields: list[FieldClause] = field(default_factory=list)
    #: Publication dates named in the query ("năm 2022"), inclusive.
    date_from: date | None = None
    date_to: date | None = None
    #: What was ignored, for the person who typed it (Vietnamese).
    notes: list[str] = field(default_factory=list)
    #: The last plain term may be an unfinished word (the query does not end
    #: with a space or a quote): search-as-you-type matches it as a prefix too.
    last_is_prefix: bool = False

    @property
    def is_empty(self) -> bool:
        """True when nothing positive was asked for (browse mode)."""
        return not self.terms and not self.phrases and not self.any_of

    def positive_terms(self) -> list[QTerm]:
        """Every term that should be highlighted: plain, phrase and alternative terms."""
        out = list(self.terms)
        for p in self.phrases:
            out.extend(p.terms)
        for group in self.any_of:
            for alt in group:
                out.extend(alt.terms if isinstance(alt, QPhrase) else (alt,))
        return out


def _terms(tokens: tuple[Token, ...], offset: int) -> list[QTerm]:
    out: list[QTerm] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "part":
            parts = [t]
            j = i + 1
            while j < len(tokens) and tokens[j].kind == "part":
                parts.append(tokens[j])
                j += 1
            joined = tokens[j] if j < len(tokens) and tokens[j].kind == "joined" else None
            if joined is None:  # digits-only code such as "5-7": plain terms
                out.extend(_plain(p, offset) for p in parts)
            else:
                out.append(
                    QTerm(
                        exact=joined.text,
                        folded=fold(joined.text),
                        accented=has_diacritics(joined.text),
                        start=offset + joined.start,
                        end=offset + joined.end,
                        parts=tuple(fold(p.text) for p in parts),
                        exact_parts=tuple(p.text for p in parts),
                    )
                )
                j += 1
            i = j
            continue
        if t.kind != "joined":
            out.append(_plain(t, offset))
        i += 1
    return out


def _plain(t: Token, offset: int) -> QTerm:
    return QTerm(
        exact=t.text,
        folded=fold(t.text),
        accented=has_diacritics(t.text),
        start=offset + t.start,
        end=offset + t.end,
    )


def _blank(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` replaced by spaces (offsets stay valid)."""
    return text[:start] + " " * (end - start) + text[end:]


def _field_clauses(text: str, parsed: ParsedQuery) -> str:
    """Take the editors' fields out of ``text`` (blanked) into ``parsed.fields``."""
    for m in reversed(list(_FIELD_RE.finditer(text))):
        name = FIELD_NAMES[" ".join(fold(m.group("name")).split())]
        v = _VALUE_RE.match(text, m.end())
        if v is None:
            parsed.notes.append(f"Bỏ qua “{m.group(0).strip()}”: thiếu giá trị.")
            text = _blank(text, m.start(), m.end())
            continue
        end = v.end()
        group = next(g for g in ("quoted", "paren", "word") if v.group(g) is not None)
        value_start, value_end = v.start(group), v.end(group)
        if group == "word" and name == "category":
            following = _FIELD_RE.search(text, end)
            end = value_end = len(text.rstrip()) if following is None else following.start()
        elif group == "word" and v.group("word")[0].isupper():
            while (c := _CAPITALISED_RE.match(text, end)) and c.group("word")[0].isupper() and not _FIELD_RE.match(
                text, c.start("word")
            ):
                end = value_end = c.end()
        value = text[value_start:value_end].strip()
        terms = tuple(_terms(tokenize(value), value_start))
        if terms:
            parsed.fields.insert(0, FieldClause(name, value, terms))
        else:
            parsed.notes.append(f"Bỏ qua “{m.group(0).strip()}”: thiếu giá trị.")
        text = _blank(text, m.start(), end)
    return text


def _date_words(text: str, parsed: ParsedQuery) -> str:
    """Take date words out of ``text`` (blanked) into the parsed date range."""
    for found in reversed(find_dates(text)):
        if found.note:
            parsed.notes.append(found.note)
            continue  # not a date: stays plain text
        if found.start_date is not None:
            parsed.date_from = max(d for d in (parsed.date_from, found.start_date) if d is not None)
        if found.end_date is not None:
            parsed.date_to = min(d for d in (parsed.date_to, found.end_date) if d is not None)
        text = _blank(text, found.start, found.end)
    return text


def parse_query(text: str) -> ParsedQuery:
    """Parse a query string; never raises."""
    raw = text
    text = text.translate(_QUOTES)
    if text.count('"') % 2 == 1:  # unbalanced: the last quote is just a character
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1 :]
    parsed = ParsedQuery(raw=raw)
    text = _field_clauses(text, parsed)
    text = _date_words(text, parsed)
    # Units in order: a word's terms or a phrase, each with its place; "OR"
    # joins the units on either side of it into one group.
    units: list[tuple[QTerm | QPhrase, ...] | str] = []
    for m in _SEGMENT_RE.finditer(text):
        negative = m.group("neg") is not None
        if m.group("phrase") is not None:
            start = m.start("phrase")
            terms = _terms(tokenize(m.group("phrase")), start)
            if not terms:
                continue
            if len(terms) == 1:
                if negative:
                    parsed.excluded.append(terms[0])
                else:
                    units.append((terms[0],))
                continue
            phrase = QPhrase(tuple(terms), any(t.accented for t in terms))
            if negative:
                parsed.excluded.append(phrase)
            else:
                units.append((phrase,))
        else:
            word = m.group("word")
            start = m.start("word")
            if word.strip("()") == "OR" and not negative:
                units.append("OR")
                continue
            terms = _terms(tokenize(word), start)
            if negative and terms:
                parsed.excluded.append(terms[0] if len(terms) == 1 else QPhrase(tuple(terms), False))
            elif terms:
                units.append(tuple(terms))
                if m.end() == len(text) and not terms[-1].parts and terms[-1].end == m.end():
                    parsed.last_is_prefix = True
    _combine(units, parsed)
    # A query made only of exclusions means nothing positive; keep the exclusions
    # (browse everything except) as search engines do.
    return parsed


def _alternative(unit: tuple[QTerm | QPhrase, ...]) -> QTerm | QPhrase:
    """One alternative of an OR group: a word, or its several terms as a phrase."""
    if len(unit) == 1:
        return unit[0]
    terms = tuple(t for t in unit if isinstance(t, QTerm))
    return QPhrase(terms, any(t.accented for t in terms))


def _combine(units: list[tuple[QTerm | QPhrase, ...] | str], parsed: ParsedQuery) -> None:
    """Plain units become terms and phrases; units joined by OR become groups."""
    ends = [i for i, u in enumerate(units) if u == "OR" and (i == 0 or i == len(units) - 1 or units[i + 1] == "OR")]
    if ends:
        parsed.notes.append("Bỏ qua “OR” không đứng giữa hai từ.")
    units = [u for i, u in enumerate(units) if i not in ends]
    i = 0
    last_plain = -1
    while i < len(units):
        unit = units[i]
        assert not isinstance(unit, str)  # a lone OR was dropped above
        group = [unit]
        while i + 2 < len(units) and units[i + 1] == "OR":
            nxt = units[i + 2]
            assert not isinstance(nxt, str)
            group.append(nxt)
            i += 2
        if len(group) > 1:
            parsed.any_of.append(tuple(_alternative(u) for u in group))
        else:
            for x in unit:
                if isinstance(x, QPhrase):
                    parsed.phrases.append(x)
                else:
                    parsed.terms.append(x)
                    last_plain = i
        i += 1
    # The prefix flag belongs to the last plain term only if it came last.
    if last_plain != len(units) - 1:
        parsed.last_is_prefix = False
    for clause in parsed.fields:
        if clause.field == "title":  # title words also rank (and are highlighted)
            parsed.terms.extend(clause.terms)
            parsed.last_is_prefix = False


#: Words and phrases (folded) that say "I am looking for a property": with a
#: place in the query ("can ho my tho", "nha pho ha long") listings rank above
#: news that merely mention the words ("căn nhà", "họ" also fold to them).
PROPERTY_INTENT: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split())
    for p in (
        "can ho", "chung cu", "nha pho", "nha rieng", "biet thu", "nha dat", "mat bang", "van phong",
        "phong tro", "nha tro", "kho xuong", "nha xuong", "cho thue", "bat dong san", "dat nen",
        "lien ke", "shophouse", "condotel", "penthouse", "officetel", "nha", "dat",
    )
)


def property_intent(terms: list[QTerm]) -> list[int]:
    """Indexes of the query terms that name a kind of property (longest phrases first)."""
    words = [t.folded for t in terms]
    covered: set[int] = set()
    for phrase in sorted(PROPERTY_INTENT, key=len, reverse=True):
        n = len(phrase)
        for i in range(len(words) - n + 1):
            span = range(i, i + n)
            if tuple(words[i : i + n]) == phrase and not covered.intersection(span):
                covered.update(span)
    return sorted(covered)
