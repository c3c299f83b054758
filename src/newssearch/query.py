"""Parse what a person typed into a search plan (pure; no Whoosh).

The syntax is the one people already know from web search engines:

* plain words are all required (relaxed to "any" when that finds nothing);
* ``"quoted words"`` are an exact phrase (curly quotes work too);
* ``-word`` and ``-"a phrase"`` exclude.

Nothing is an error: unbalanced quotes, stray operators and Whoosh syntax
characters (``: * ? ~ ^ ( ) [ ] { }``) are read as plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


@dataclass
class ParsedQuery:
    raw: str
    terms: list[QTerm] = field(default_factory=list)
    phrases: list[QPhrase] = field(default_factory=list)
    excluded: list[QTerm | QPhrase] = field(default_factory=list)
    #: The last plain term may be an unfinished word (the query does not end
    #: with a space or a quote): search-as-you-type matches it as a prefix too.
    last_is_prefix: bool = False

    @property
    def is_empty(self) -> bool:
        """True when nothing positive was asked for (browse mode)."""
        return not self.terms and not self.phrases

    def positive_terms(self) -> list[QTerm]:
        """Every term that should be highlighted: plain terms and phrase terms."""
        out = list(self.terms)
        for p in self.phrases:
            out.extend(p.terms)
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


def parse_query(text: str) -> ParsedQuery:
    """Parse a query string; never raises."""
    raw = text
    text = text.translate(_QUOTES)
    if text.count('"') % 2 == 1:  # unbalanced: the last quote is just a character
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1 :]
    parsed = ParsedQuery(raw=raw)
    for m in _SEGMENT_RE.finditer(text):
        negative = m.group("neg") is not None
        if m.group("phrase") is not None:
            start = m.start("phrase")
            terms = _terms(tokenize(m.group("phrase")), start)
            if not terms:
                continue
            if len(terms) == 1:
                (parsed.excluded if negative else parsed.terms).append(terms[0])
                continue
            phrase = QPhrase(tuple(terms), any(t.accented for t in terms))
            (parsed.excluded if negative else parsed.phrases).append(phrase)
        else:
            word = m.group("word")
            start = m.start("word")
            terms = _terms(tokenize(word), start)
            if negative and terms:
                parsed.excluded.append(terms[0] if len(terms) == 1 else QPhrase(tuple(terms), False))
            else:
                parsed.terms.extend(terms)
                if terms and m.end() == len(text) and not terms[-1].parts and terms[-1].end == m.end():
                    parsed.last_is_prefix = True
    # A query made only of exclusions means nothing positive; keep the exclusions
    # (browse everything except) as search engines do.
    return parsed


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
