"""Index writers: Whoosh's segment writers with the project's pool and codec.

The store opens every writer through :func:`open_writer`, so every segment
is written with :class:`~newssearch.store.codec.NewsCodec` (its postings
file) and every pool is a :class:`~newssearch.store.pool.TermPool`. Whoosh's
``poolclass`` argument is accepted but ignored by whoosh3 3.54.0, so the
writers replace the pool after Whoosh's own constructor has run.
"""

from __future__ import annotations

from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask, finish_subsegment
from whoosh.writing import LockError, SegmentWriter

from ..errors import IndexLocked
from .codec import NewsCodec
from .pool import TermPool


class NewsSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """A single-process segment writer with the term-grouped pool."""

    def __init__(self, ix: Any, limitmb: int = 128, **kwargs: Any) -> None:
        kwargs.setdefault("codec", NewsCodec())
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)


class NewsSubWriterTask(SubWriterTask):  # type: ignore[misc]
    """One writer process of :class:`NewsMpWriter`: Whoosh's sub-writer loop
    with :class:`NewsSegmentWriter` in place of Whoosh's segment writer."""

    def run(self) -> None:
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = NewsSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        if self.multisegment:
            runname = None
            fieldnames = writer.pool.fieldnames
            segment = writer._finalize_segment()
        else:
            runname, fieldnames, segment = finish_subsegment(writer, self.kwargs.get("k", 64))
        self.resultqueue.put((runname, fieldnames, segment), timeout=5)


class NewsMpWriter(MpWriter):  # type: ignore[misc]
    """Whoosh's multiprocessing writer with :class:`NewsSubWriterTask` processes."""

    def __init__(self, ix: Any, procs: int, limitmb: int = 128, **kwargs: Any) -> None:
        kwargs.setdefault("codec", NewsCodec())
        super().__init__(ix, procs=procs, limitmb=limitmb, **kwargs)
        # The parent merges the processes' segments with its own pool.
        self.pool = TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def _new_task(self) -> Any:
        task = NewsSubWriterTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task


def open_writer(ix: Any, procs: int = 1, limitmb: int = 128) -> Any:
    """A writer over ``ix``: ``procs`` processes each with a ``limitmb`` pool."""
    try:
        if procs > 1:
            return NewsMpWriter(ix, procs=procs, limitmb=limitmb, multisegment=True)
        return NewsSegmentWriter(ix, limitmb=limitmb)
    except LockError as exc:  # pragma: no cover - the store's flock makes this rare
        raise IndexLocked(f"the index at {ix.storage.folder} is locked by another writer") from exc
