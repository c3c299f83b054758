"""kill -9 the indexer at random moments; the index must always open, answer and take the next run.

Each of ``--runs`` rounds starts ``newssearch index`` (incremental and
``--rebuild`` in turn) on a fresh feed of synthetic articles and sends it
SIGKILL after a random delay drawn from 0.2 s to 110 % of the time a complete
run takes (measured first), so kills land while reading, analysing,
committing and swapping, and a few land after the run finished. After each
kill the script checks:

* the index opens (a fresh ``Engine``) and answers a search, and a
  long-lived ``Engine`` opened at the start keeps answering;
* nothing half-done is visible: an incremental run committed all of its
  documents or none, a rebuild swapped in a complete generation or left the
  old one live;
* the writer lock is free at once (no stale lock);
* the next run (3 more documents) completes and they are searchable;
* leftovers: half-built generations and segment files the live TOC does not
  list.

A final complete ``--rebuild`` must remove the half-built generations.

    .venv/bin/python -m benchmarks.robustness.kill9 [--runs 20] [--docs 2000] [--seed 9]

Figures: ``benchmarks/results/robustness-kill9.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.robustness.common import (
    WORK_DIR,
    cli,
    machine_info,
    run_cli,
    synthetic_records,
    write_jsonl,
    write_result,
)
from newssearch.indexer import IndexStore
from newssearch.models import SearchRequest
from newssearch.search import Engine
from newssearch.store.generations import KEEP_GENERATIONS

BASE_DOCS = 200


def doc_count(root: Path) -> int:
    """Live documents, from a freshly opened engine (proves the index opens)."""
    engine = Engine(root)
    try:
        n = engine.search(SearchRequest(q="")).total
        engine.search(SearchRequest(q="nen"))
        return n
    finally:
        engine.close()


def orphan_segment_files(root: Path) -> int:
    """Files in the live generation that belong to no segment of its TOC (a killed commit's)."""
    from whoosh import index as whoosh_index

    gen = IndexStore(root).current_dir()
    if gen is None:
        return 0
    ix = whoosh_index.open_dir(str(gen))
    try:
        live = {s.segment_id() for s in ix._read_toc().segments}
    finally:
        ix.close()
    return sum(
        1 for p in gen.iterdir()
        if p.name.startswith("MAIN_") and p.name != "MAIN_WRITELOCK" and p.name.split(".")[0] not in live
    )


def half_built(root: Path) -> int:
    """Generations newer than the live one: left by a killed rebuild (the next rebuild removes them).

    Generation names start with a UTC timestamp, so they sort by age; the
    previous generation, kept on purpose, is older than the live one.
    """
    live = IndexStore(root).current_dir()
    return sum(1 for g in root.glob("gen-*") if live is None or g.name > live.name)


def lock_wait(root: Path) -> float:
    """Seconds to take the writer lock (should be ~0: the kernel drops a killed holder's flock)."""
    t0 = time.monotonic()
    with IndexStore(root).lock(timeout=10):
        pass
    return time.monotonic() - t0


def timed_run(*args: str) -> float:
    t0 = time.monotonic()
    r = run_cli(*args)
    if r.returncode != 0:
        raise SystemExit(f"newssearch {' '.join(args)} failed: {r.stderr.strip()}")
    return time.monotonic() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--docs", type=int, default=2000, help="articles in each killed run's feed")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--out", default="kill9")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)

    work = WORK_DIR / "robustness" / "kill9"
    shutil.rmtree(work, ignore_errors=True)
    feeds = work / "feeds"
    root = work / "index"
    base = write_jsonl(feeds / "base.jsonl", synthetic_records(BASE_DOCS, seed=1, prefix="base", marker="Nền"))

    # Calibrate: how long complete runs take on this machine now.
    timed_run("index", str(base), "--index-dir", str(root))
    cal = write_jsonl(feeds / "cal.jsonl", synthetic_records(args.docs, seed=2, prefix="cal"))
    t_incremental = timed_run("index", str(cal), "--index-dir", str(root))
    # A killed rebuild indexes the base and a feed of --docs articles: time the same amount.
    t_rebuild = timed_run("index", str(base), str(cal), "--index-dir", str(root), "--rebuild")
    print(f"complete runs: incremental {t_incremental:.1f}s, rebuild {t_rebuild:.1f}s", flush=True)

    watcher = Engine(root)  # a long-lived reader, like a server worker
    watcher_errors: list[str] = []
    rounds: list[dict[str, Any]] = []
    for i in range(args.runs):
        mode = "incremental" if i % 2 == 0 else "rebuild"
        feed = write_jsonl(feeds / f"run{i}.jsonl", synthetic_records(args.docs, seed=100 + i, prefix=f"r{i}"))
        before = doc_count(root)
        gen_before = IndexStore(root).current_dir()
        full = t_incremental if mode == "incremental" else t_rebuild
        delay = rng.uniform(0.2, 1.1 * full)
        cmd = cli("index", str(feed), "--index-dir", str(root))
        if mode == "rebuild":
            cmd = cli("index", str(base), str(feed), "--index-dir", str(root), "--rebuild")
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        row: dict[str, Any] = {
            "round": i, "mode": mode, "delay_s": round(delay, 2), "fraction_of_full_run": round(delay / full, 2),
            "killed": killed, "exit_code": proc.returncode,
        }
        if not killed and proc.returncode != 0:
            row["stderr"] = err.decode("utf-8", "replace")[-500:]
        try:
            after = doc_count(root)
            row["opens_and_answers"] = True
        except Exception as exc:  # reported, never hidden
            after = -1
            row["opens_and_answers"] = False
            row["open_error"] = f"{type(exc).__name__}: {exc}"
        gen_after = IndexStore(root).current_dir()
        if mode == "incremental":
            allowed = {before, before + args.docs}
        else:
            allowed = {before, BASE_DOCS + args.docs}
        row.update({
            "docs_before": before,
            "docs_after": after,
            "committed": after != before,
            "all_or_nothing": after in allowed,
            "generation_swapped": gen_after != gen_before,
            "half_built_generations": half_built(root),
            "orphan_segment_files": orphan_segment_files(root),
        })
        try:
            watcher.search(SearchRequest(q="nen tin"))
        except Exception as exc:
            watcher_errors.append(f"round {i}: {type(exc).__name__}: {exc}")
        row["lock_wait_s"] = round(lock_wait(root), 3)
        small = write_jsonl(feeds / f"small{i}.jsonl", synthetic_records(3, seed=1000 + i, prefix=f"s{i}"))
        t0 = time.monotonic()
        r = run_cli("index", str(small), "--index-dir", str(root))
        row["next_run_s"] = round(time.monotonic() - t0, 2)
        row["next_run_completed"] = r.returncode == 0 and doc_count(root) == after + 3
        if r.returncode != 0:
            row["next_run_stderr"] = r.stderr[-500:]
        row["orphan_segment_files_after_next_run"] = orphan_segment_files(root)
        rounds.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)

    gens_before_final = len(list(root.glob("gen-*")))
    timed_run("index", str(base), "--index-dir", str(root), "--rebuild")
    gens_after_final = len(list(root.glob("gen-*")))
    half_built_final = half_built(root)
    try:
        watcher.search(SearchRequest(q="nen"))
    except Exception as exc:
        watcher_errors.append(f"final: {type(exc).__name__}: {exc}")
    watcher.close()

    killed_rounds = [r for r in rounds if r["killed"]]
    summary = {
        "rounds": len(rounds),
        "killed": len(killed_rounds),
        "killed_incremental": sum(r["mode"] == "incremental" for r in killed_rounds),
        "killed_rebuild": sum(r["mode"] == "rebuild" for r in killed_rounds),
        "killed_after_commit": sum(r["committed"] for r in killed_rounds),
        "finished_before_kill": len(rounds) - len(killed_rounds),
        "index_opened_and_answered": sum(r["opens_and_answers"] for r in rounds),
        "all_or_nothing": sum(r["all_or_nothing"] for r in rounds),
        "next_run_completed": sum(r["next_run_completed"] for r in rounds),
        "max_lock_wait_s": max(r["lock_wait_s"] for r in rounds),
        "max_half_built_generations": max(r["half_built_generations"] for r in rounds),
        "half_built_generations_after_final_rebuild": half_built_final,
        "rounds_leaving_orphan_segment_files": sum(r["orphan_segment_files"] > 0 for r in rounds),
        "orphan_segment_files_after_next_run": sum(r["orphan_segment_files_after_next_run"] for r in rounds),
        "long_lived_reader_errors": watcher_errors,
        "generations_before_final_rebuild": gens_before_final,
        "generations_after_final_rebuild": gens_after_final,
    }
    ok = (
        summary["index_opened_and_answered"] == len(rounds)
        and summary["all_or_nothing"] == len(rounds)
        and summary["next_run_completed"] == len(rounds)
        and not watcher_errors
        and gens_after_final <= KEEP_GENERATIONS
        and half_built_final == 0
    )
    result = {
        "what": "kill -9 of `newssearch index` (incremental and --rebuild) at random moments",
        "ok": ok,
        "docs_per_killed_run": args.docs,
        "base_docs": BASE_DOCS,
        "seed": args.seed,
        "complete_run_s": {"incremental": round(t_incremental, 1), "rebuild": round(t_rebuild, 1)},
        "summary": summary,
        "rounds": rounds,
        "machine": machine_info(),
        "command": " ".join(["python -m benchmarks.robustness.kill9", *(argv or sys.argv[1:])]),
    }
    path = write_result(args.out, result)
    print(json.dumps(summary, indent=1))
    print(f"{'OK' if ok else 'FAILED'}; figures: {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
