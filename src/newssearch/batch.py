"""Apply a batch of records to an index and say what happened to each one.

The write API (``POST /api/documents`` and the deletes) reads a request body
with the ingest readers, then calls :func:`apply_batch`: every record becomes
one :class:`RecordResult` (created, replaced, unchanged, deleted, not found,
or an error with the reader's reason), in the order of the body. Bad records
are reported and skipped; the good ones are written in one commit under the
indexer lock, so when this returns they are durable and searchable.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .documents import Article, Listing
from .indexer import IndexStore, Outcome
from .ingest import Deletion, IngestItem, Problem, check_type
from .ingest.base import items_from_record
from .ingest.jsonl import read_json_stream, read_jsonl_stream

__all__ = ["BODY_NAME", "BatchReport", "RecordResult", "apply_batch", "deletions", "read_body"]

Status = Literal["created", "replaced", "unchanged", "deleted", "not_found", "error"]
BodyFormat = Literal["json", "jsonl"]
#: What problems call the source of the records.
BODY_NAME = "request body"
_STATUS: dict[Outcome, Status] = {
    "added": "created",
    "replaced": "replaced",
    "unchanged": "unchanged",
    "deleted": "deleted",
    "missing": "not_found",
}


@dataclass
class RecordResult:
    """What happened to one record of a batch (``index`` counts records from 0)."""

    index: int
    status: Status | None = None
    id: str | None = None
    type: str | None = None
    line: int | None = None
    message: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False for a record that could not be read (nothing was written for it)."""
        return self.status != "error"

    def to_dict(self) -> dict[str, Any]:
        """JSON form: empty fields left out."""
        out: dict[str, Any] = {"index": self.index, "status": self.status}
        for key in ("id", "type", "line", "message"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.warnings:
            out["warnings"] = self.warnings
        return out


@dataclass
class BatchReport:
    """Every record's result, in order, and the time the batch took."""

    records: list[RecordResult]
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        """Records that could not be read."""
        return sum(not r.ok for r in self.records)

    def counts(self) -> dict[str, int]:
        """How many records ended in each status (only the statuses that occurred)."""
        out: dict[str, int] = {}
        for r in self.records:
            key = r.status or "error"
            out[key] = out.get(key, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The write API's answer body."""
        return {
            "counts": self.counts(),
            "errors": self.errors,
            "records": [r.to_dict() for r in self.records],
            "took_ms": round(self.seconds * 1000, 1),
        }


def read_body(body: bytes, fmt: BodyFormat, doc_type: str | None = None) -> list[IngestItem]:
    """The documents, deletions and problems in a request body (JSON or JSON Lines).

    The same readers as ``newssearch index`` (one record, an array, or
    ``{"articles": [...]}`` for JSON; one record a line for JSON Lines).
    """
    kind = check_type(doc_type)
    read = read_json_stream if fmt == "json" else read_jsonl_stream
    return list(read(io.BytesIO(body), BODY_NAME, kind))


def deletions(ids: Iterable[Any]) -> list[IngestItem]:
    """Deletions for ``ids`` (normalised as record ids are), a Problem for each unusable one."""
    return [item for i in ids for item in items_from_record({"id": i, "deleted": True}, BODY_NAME, None, None)]


def apply_batch(store: IndexStore, items: Iterable[IngestItem], *, lock_timeout: float) -> BatchReport:
    """Write the documents and deletions among ``items``; one result per record.

    A reader's warning (text cut, price dropped) is attached to the record
    before it; an error Problem is a record of its own with status ``error``.
    Raises what :meth:`IndexStore.write` raises (``IndexLocked`` when the
    lock is not free within ``lock_timeout``, ``StorageError``...), in which
    case nothing was written.
    """
    started = time.monotonic()
    records: list[RecordResult] = []
    results: dict[int, RecordResult] = {}  # id(document) -> its result
    writes: list[Article | Listing | Deletion] = []
    for item in items:
        if isinstance(item, Problem):
            if not item.skipped:
                if records:
                    records[-1].warnings.append(item.reason)
                continue
            records.append(RecordResult(len(records), "error", line=item.line, message=item.reason))
            continue
        result = RecordResult(len(records), id=item.id)
        if not isinstance(item, Deletion):
            result.type = item.type
        records.append(result)
        results[id(item)] = result
        writes.append(item)

    def note(item: Article | Listing | Deletion, outcome: Outcome) -> None:
        results[id(item)].status = _STATUS[outcome]

    if writes:
        store.write(writes, lock_timeout=lock_timeout, on_outcome=note)
    for result in records:
        if result.status is None:  # a stub superseded by the full article later in the batch
            result.status = "unchanged"
    return BatchReport(records, time.monotonic() - started)
