"""Index onto a disk that fills up: a clear error, the previous index intact, recovery after.

Mounts a small tmpfs (``mount -t tmpfs -o size=…``; needs root), builds an
index of synthetic articles on it and then, through the CLI as a user would:

1. an incremental run that does not fit: exit code 2, one ``error: …`` line;
2. the index still opens with every document committed before;
3. the space the failed run took (left-over segment files) is measured, and
   a small run is tried WITHOUT freeing anything;
4. the "other data" filling the disk is deleted and the run is repeated;
5. the same for ``--rebuild`` (the live generation must stay; the half-built
   one must go);
6. a problems report (``--report``) that cannot be written.

The tmpfs is always unmounted at the end. Figures:
``benchmarks/results/robustness-full-disk.json``.

    .venv/bin/python -m benchmarks.robustness.full_disk [--size-mb 16] [--docs 400]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.robustness.common import (
    WORK_DIR,
    machine_info,
    run_cli,
    synthetic_records,
    write_jsonl,
    write_result,
)
from newssearch.indexer import IndexStore
from newssearch.models import SearchRequest
from newssearch.search import Engine


def docs(root: Path) -> int | str:
    """Live documents from a fresh engine, or the error it raised."""
    try:
        engine = Engine(root)
        try:
            return engine.search(SearchRequest(q="")).total
        finally:
            engine.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def fill(disk: Path, leave: int) -> Path:
    filler = disk / "other-data.bin"
    filler.unlink(missing_ok=True)
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as f:
        remaining = max(0, free - leave)
        while remaining > 0:
            n = min(remaining, 1 << 20)
            f.write(b"\0" * n)
            remaining -= n
    return filler


def step(name: str, r: subprocess.CompletedProcess[str], seconds: float, **extra: Any) -> dict[str, Any]:
    lines = [line for line in r.stderr.strip().splitlines() if line]
    row = {
        "step": name,
        "exit_code": r.returncode,
        "seconds": round(seconds, 2),
        "stderr_lines": len(lines),
        "traceback": "Traceback (most recent call last)" in r.stderr,
        "message": lines[-1][:300] if lines else "",
        **extra,
    }
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def timed(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.monotonic()
    r = run_cli(*args)
    return r, time.monotonic() - t0


def scenario(disk: Path, feeds: Path, n_docs: int) -> list[dict[str, Any]]:
    root = disk / "index"
    base = write_jsonl(feeds / "base.jsonl", synthetic_records(n_docs // 4, seed=1, prefix="base", marker="Nền"))
    big = write_jsonl(feeds / "big.jsonl", synthetic_records(n_docs, seed=2, prefix="big", marker="Lớn"))
    small = write_jsonl(feeds / "small.jsonl", synthetic_records(3, seed=3, prefix="small"))
    rows: list[dict[str, Any]] = []

    r, s = timed("index", str(base), "--index-dir", str(root))
    before = docs(root)
    rows.append(step("base index", r, s, documents=before, used_bytes=shutil.disk_usage(disk).used))
    index_bytes = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    filler = fill(disk, leave=max(256 * 1024, index_bytes // 2))

    used = shutil.disk_usage(disk).used
    r, s = timed("index", str(big), "--index-dir", str(root))
    rows.append(step("incremental run on a full disk", r, s, documents_after=docs(root), documents_before=before,
                     bytes_left_behind=shutil.disk_usage(disk).used - used))
    r, s = timed("index", str(small), "--index-dir", str(root))
    rows.append(step("small run, nothing freed", r, s, documents_after=docs(root)))
    filler.unlink()
    r, s = timed("index", str(big), "--index-dir", str(root))
    rows.append(step("same run after freeing space", r, s, documents_after=docs(root)))

    live = IndexStore(root).current_dir()
    index_bytes = sum(p.stat().st_size for p in (live.iterdir() if live else []) if p.is_file())
    filler = fill(disk, leave=index_bytes // 2)
    count = docs(root)
    r, s = timed("index", str(base), str(big), "--index-dir", str(root), "--rebuild")
    gens = sorted(p.name for p in root.glob("gen-*"))
    rows.append(step("rebuild on a full disk", r, s, documents_before=count, documents_after=docs(root),
                     live_unchanged=IndexStore(root).current_dir() == live,
                     half_built_left=sum(1 for g in gens if live is not None and g > live.name)))
    filler.unlink()
    r, s = timed("index", str(base), "--index-dir", str(root), "--rebuild")
    rows.append(step("rebuild after freeing space", r, s, documents_after=docs(root)))

    fill(disk, leave=0)
    bad = feeds / "with-problems.jsonl"
    bad.write_text(json.dumps({"type": "article", "id": "p-1", "title": "Tin"}) + "\n{broken\n", "utf-8")
    other = Path(tempfile.mkdtemp(prefix="ns-report-"))
    try:
        r, s = timed("index", str(bad), "--index-dir", str(other / "index"), "--report", str(disk / "problems.txt"))
        rows.append(step("problems report on a full disk", r, s, documents_after=docs(other / "index")))
    finally:
        shutil.rmtree(other, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=int, default=16)
    ap.add_argument("--docs", type=int, default=400, help="articles in the run that does not fit")
    ap.add_argument("--out", default="full-disk")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("mounting a tmpfs needs root")
    work = WORK_DIR / "robustness" / "full-disk"
    shutil.rmtree(work, ignore_errors=True)
    disk = work / "disk"
    disk.mkdir(parents=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.size_mb}m", "tmpfs", str(disk)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"cannot mount a tmpfs: {r.stderr.strip()}")
    try:
        rows = scenario(disk, work / "feeds", args.docs)
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)
    by = {row["step"]: row for row in rows}
    checks = {
        "clear_error_exit_2": all(by[k]["exit_code"] == 2 and by[k]["stderr_lines"] == 1 and not by[k]["traceback"]
                                  for k in ("incremental run on a full disk", "rebuild on a full disk")),
        "previous_index_intact": by["incremental run on a full disk"]["documents_after"]
        == by["incremental run on a full disk"]["documents_before"]
        and by["rebuild on a full disk"]["documents_after"] == by["rebuild on a full disk"]["documents_before"]
        and by["rebuild on a full disk"]["live_unchanged"],
        "no_half_built_generation": by["rebuild on a full disk"]["half_built_left"] == 0,
        "failed_run_leaves_no_files": by["incremental run on a full disk"]["bytes_left_behind"] <= 16384,
        "small_run_works_without_freeing": by["small run, nothing freed"]["exit_code"] == 0,
        "works_after_freeing": by["same run after freeing space"]["exit_code"] == 0
        and by["rebuild after freeing space"]["exit_code"] == 0,
        "report_failure_is_not_a_traceback": not by["problems report on a full disk"]["traceback"],
    }
    result = {
        "what": f"indexing onto a full {args.size_mb} MB tmpfs through the CLI",
        "ok": all(checks.values()),
        "checks": checks,
        "steps": rows,
        "machine": machine_info(),
        "command": " ".join(["python -m benchmarks.robustness.full_disk", *(argv or sys.argv[1:])]),
    }
    path = write_result(args.out, result)
    print(json.dumps(checks, indent=1))
    print(f"figures: {path}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
