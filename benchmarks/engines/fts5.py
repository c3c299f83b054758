"""SQLite FTS5 from the standard library, configured as users configure it.

Two variants share this module:

* ``fts5`` -- ``tokenize='unicode61 remove_diacritics 2'``: accents are
  removed, but ``đ`` is not folded to ``d`` (it has no Unicode
  decomposition), so ``duong`` does not find ``đường``.
* ``fts5_unidecode`` -- the text and the queries are pre-folded with
  ``unidecode(...).lower()`` before FTS5 sees them, which fixes ``đ``: the
  difference between the two is analysis quality, not engine speed. Its
  snippets show the folded text (a real deployment would map them back).

Schema: a ``docs`` table with the facet/filter columns (indexed), and an FTS5
table (title, body, meta) with the same rowid. Ranking is ``bm25()`` with
column weights title 5, body 1, meta 2. Query text is split into words, each
quoted; all words are required (FTS5's default), and when nothing matches the
words are OR-ed -- the same relaxation newssearch applies. Facet counts are
``GROUP BY`` queries over the matches (one statement, the matches
materialised once).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from unidecode import unidecode

from ..corpus import PeerDoc, iter_peer_docs
from ..workload import QuerySpec

DB_NAME = "fts5.sqlite"
TOKENIZER = "unicode61 remove_diacritics 2"
WEIGHTS = (5.0, 1.0, 2.0)  # title, body, meta
FACETS = ("type", "category", "province", "district", "property_type")
_WORD_RE = re.compile(r"\w+")
_SORTS = {
    "newest": "d.date DESC",
    "price_asc": "d.price ASC",
    "price_desc": "d.price DESC",
}


def _unidecode_fold(text: str) -> str:
    return str(unidecode(text)).lower()


def _folder(name: str) -> Callable[[str], str] | None:
    return _unidecode_fold if name == "fts5_unidecode" else None


def _rows(docs: Iterable[PeerDoc], fold: Callable[[str], str] | None) -> Iterable[tuple[Any, ...]]:
    for d in docs:
        title, body, meta = d.title, d.body, d.meta
        if fold is not None:
            title, body, meta = fold(title), fold(body), fold(meta)
        yield (d.id, d.type, d.category, d.province, d.district, d.property_type, d.price, d.area, d.date, title, body, meta)


def build(name: str, files: list[Path], out_dir: Path, procs: int) -> int:
    """Bulk-load ``files`` into a new SQLite database with an FTS5 table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / DB_NAME
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript(
        f"""
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE docs(
            rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT, category TEXT,
            province TEXT, district TEXT, property_type TEXT, price REAL, area REAL, date TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, body, meta, tokenize = '{TOKENIZER}');
        """
    )
    fold = _folder(name)
    n = 0
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        nonlocal n
        with con:
            for row in batch:
                cur = con.execute(
                    "INSERT OR IGNORE INTO docs(id, type, category, province, district, property_type, price, area, date)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row[:9],
                )
                if cur.rowcount:
                    con.execute(
                        "INSERT INTO fts(rowid, title, body, meta) VALUES (?, ?, ?, ?)",
                        (cur.lastrowid, *row[9:]),
                    )
                    n += 1
        batch.clear()

    for row in _rows(iter_peer_docs(files), fold):
        batch.append(row)
        if len(batch) >= 2000:
            flush()
    flush()
    con.executescript(
        """
        CREATE INDEX docs_district ON docs(district, date);
        CREATE INDEX docs_price ON docs(price);
        CREATE INDEX docs_date ON docs(date);
        INSERT INTO fts(fts) VALUES ('optimize');
        ANALYZE;
        """
    )
    con.close()
    return n


def match_expr(q: str, fold: Callable[[str], str] | None, any_word: bool = False) -> str:
    """The FTS5 MATCH expression: quoted words, AND (default) or OR."""
    text = fold(q) if fold is not None else q
    words = [f'"{w}"' for w in _WORD_RE.findall(text)]
    return (" OR " if any_word else " ").join(words)


class Fts5:
    """Searches one FTS5 database."""

    def __init__(self, name: str, out_dir: Path) -> None:
        self.fold = _folder(name)
        self.con = sqlite3.connect(f"file:{out_dir / DB_NAME}?mode=ro", uri=True, check_same_thread=False)
        self.con.execute("PRAGMA mmap_size = 1073741824")
        self.con.execute("PRAGMA cache_size = -262144")

    def _filters(self, spec: QuerySpec) -> tuple[str, list[Any]]:
        sql: list[str] = []
        args: list[Any] = []
        if spec.district:
            sql.append("d.district = ?")
            args.append(spec.district)
        if spec.price_min is not None:
            sql.append("d.price >= ?")
            args.append(spec.price_min)
        if spec.price_max is not None:
            sql.append("d.price < ?")
            args.append(spec.price_max)
        return "".join(" AND " + s for s in sql), args

    def search(self, spec: QuerySpec, full: bool) -> list[str]:
        where, args = self._filters(spec)
        order = _SORTS.get(spec.sort)
        expr = match_expr(spec.q, self.fold)
        if not expr:
            return self._browse(where, args, order or "d.date DESC", full)
        if full:
            total = self._facets(expr, where, args)
            if total == 0 and " " in expr:
                expr = match_expr(spec.q, self.fold, any_word=True)
                self._facets(expr, where, args)
            return self._top(expr, where, args, order, full)
        ids = self._top(expr, where, args, order, full)
        if not ids and " " in expr:
            ids = self._top(match_expr(spec.q, self.fold, any_word=True), where, args, order, full)
        return ids

    def _top(self, expr: str, where: str, args: list[Any], order: str | None, full: bool) -> list[str]:
        cols = "d.id"
        if full:
            cols += ", highlight(fts, 0, '<mark>', '</mark>'), snippet(fts, 1, '<mark>', '</mark>', '…', 24)"
        rank = order or f"bm25(fts, {', '.join(str(w) for w in WEIGHTS)})"
        rows = self.con.execute(
            f"SELECT {cols} FROM fts JOIN docs d ON d.rowid = fts.rowid"
            f" WHERE fts MATCH ?{where} ORDER BY {rank} LIMIT 10",
            [expr, *args],
        ).fetchall()
        return [r[0] for r in rows]

    def _facets(self, expr: str, where: str, args: list[Any]) -> int:
        """Facet counts over the matches; returns the total."""
        union = " UNION ALL ".join(f"SELECT '{f}', {f}, count(*) FROM m GROUP BY {f}" for f in FACETS)
        rows = self.con.execute(
            f"WITH m AS MATERIALIZED (SELECT d.* FROM fts JOIN docs d ON d.rowid = fts.rowid"
            f" WHERE fts MATCH ?{where}) {union}",
            [expr, *args],
        ).fetchall()
        return sum(r[2] for r in rows if r[0] == "type")

    def _browse(self, where: str, args: list[Any], order: str, full: bool) -> list[str]:
        cond = where.removeprefix(" AND ") or "1"
        if full:
            union = " UNION ALL ".join(f"SELECT '{f}', {f}, count(*) FROM m GROUP BY {f}" for f in FACETS)
            self.con.execute(
                f"WITH m AS MATERIALIZED (SELECT * FROM docs d WHERE {cond}) {union}", args
            ).fetchall()
        if "price" in order:
            cond += " AND d.price IS NOT NULL"
        rows = self.con.execute(
            f"SELECT d.id, d.rowid FROM docs d WHERE {cond} ORDER BY {order} LIMIT 10", args
        ).fetchall()
        if full and rows:
            marks = ",".join("?" * len(rows))
            self.con.execute(
                f"SELECT rowid, title, substr(body, 1, 200) FROM fts WHERE rowid IN ({marks})", [r[1] for r in rows]
            ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        self.con.close()


def open_engine(name: str, out_dir: Path) -> Fts5:
    """Open the database built by :func:`build` (read-only)."""
    return Fts5(name, out_dir)
