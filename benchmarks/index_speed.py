"""Indexing speed: a full rebuild of the shared corpus, then a daily feed of new articles.

    .venv/bin/python -m benchmarks.index_speed [--corpus ../shared/corpus] [--limit N]
        [--procs 2] [--new 1000] [--out benchmarks/results/index_speed.json]

Runs the real CLI (`newssearch index --rebuild --procs N`) in a subprocess and
measures wall time, CPU time, documents per second, peak RSS (largest single
process: the parent or a writer process) and index size; then adds ``--new``
articles that are not in the index yet (corpus articles under new ids) with an
incremental run, and times that too. ``--limit`` takes the first N records of
each corpus file (for quick runs). ``--existing DIR`` skips the rebuild and
measures the incremental add on a copy of an index built elsewhere (e.g. the
one ``benchmarks.compare`` built and measured), with that build's figures
read from ``--existing-report`` when given.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FILES = ("articles.jsonl.gz", "news_briefs.jsonl.gz", "listings.jsonl.gz", "listings_structured.jsonl.gz")


def _cli() -> list[str]:
    return [sys.executable, "-m", "newssearch"]


def _slice(src: Path, dst: Path, limit: int | None, skip: int = 0) -> int:
    n = 0
    with gzip.open(src, "rt", encoding="utf-8") as f, dst.open("w", encoding="utf-8") as out:
        for line in itertools.islice(f, skip, None if limit is None else skip + limit):
            out.write(line)
            n += 1
    return n


def _run(args: list[str]) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
        "peak_rss_mb": round(after.ru_maxrss / 1024, 1),  # largest child process so far
        "output": proc.stdout.strip().splitlines()[-1:],
    }


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _count(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        return sum(1 for _ in f)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    ap.add_argument("--limit", type=int, default=None, help="first N records of each file")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--new", type=int, default=1000, help="articles added incrementally afterwards")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "index_speed.json")
    ap.add_argument("--work", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--existing", type=Path, default=None,
                    help="copy this built index instead of rebuilding (incremental figures only)")
    ap.add_argument("--existing-report", type=Path, default=None,
                    help="the JSON build report of --existing (e.g. benchmarks/work/full/build-newssearch.json)")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="ns-index-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    inputs: list[Path] = []
    counts: dict[str, int] = {}
    for name in FILES if args.existing is None else ():
        dst = work / name.replace(".gz", "")
        counts[name] = _slice(args.corpus / name, dst, args.limit)
        inputs.append(dst)
    # The "new" articles: records after the slice (or re-used ones) under fresh ids.
    new_file = work / "new-articles.jsonl"
    with gzip.open(args.corpus / FILES[0], "rt", encoding="utf-8") as f, new_file.open("w") as out:
        for i, line in enumerate(itertools.islice(f, args.new)):
            rec = json.loads(line)
            rec["id"] = f"bench-new-{i}"
            rec["url"] = None
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    index_dir = work / "index"
    total = sum(counts.values())
    if args.existing is not None:
        shutil.rmtree(index_dir, ignore_errors=True)
        shutil.copytree(args.existing, index_dir, symlinks=True)
        build: dict[str, Any] = {"copied_from": str(args.existing), "index_mb": round(_size(index_dir) / 1e6, 1)}
        if args.existing_report is not None:
            build["report"] = json.loads(args.existing_report.read_text("utf-8"))
        print(f"using a copy of {args.existing} ({build['index_mb']} MB)", flush=True)
    else:
        print(f"indexing {total} records ({counts}) with --procs {args.procs} into {index_dir}", flush=True)
        build = _run([*_cli(), "index", *map(str, inputs), "--index-dir", str(index_dir), "--rebuild",
                      "--procs", str(args.procs)])
        build["docs_per_s"] = round(total / build["wall_s"], 1)
        build["index_mb"] = round(_size(index_dir) / 1e6, 1)
        print(f"rebuild: {build}", flush=True)
    add = _run([*_cli(), "index", str(new_file), "--index-dir", str(index_dir), "--procs", str(args.procs)])
    add["docs"] = _count(new_file)
    print(f"incremental add: {add}", flush=True)
    again = _run([*_cli(), "index", str(new_file), "--index-dir", str(index_dir)])
    print(f"re-run of the same feed (no changes): {again}", flush=True)
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_at_end": os.getloadavg()},
        "records": counts,
        "procs": args.procs,
        "rebuild": build,
        "incremental_add": add,
        "rerun_unchanged": again,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
