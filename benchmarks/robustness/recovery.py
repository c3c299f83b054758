"""Data-safety scenarios through the CLI and a running server: nothing lost, nothing blocked.

Four scenarios, each on a fresh index of synthetic articles under
``benchmarks/work/robustness/recovery/``, each writing
``benchmarks/results/robustness-<scenario>.json``:

* ``kill-parent``: ``newssearch index --procs 2`` killed (``kill -9``, then
  plain ``kill``) while its writer processes run: do the writers exit, is the
  lock free, does the next run complete?
* ``missing-link``: ``rm INDEX/current``, then an incremental ``index`` and a
  ``delete``: refused with the fix, nothing deleted; ``rollback`` restores.
* ``empty-rebuild``: ``--rebuild`` from a feed whose every line is broken
  (twice, as a retried cron job) and from an empty folder: refused, the live
  index and its generations untouched; ``--allow-shrink`` publishes.
* ``corruption-while-serving``: ``newssearch serve --workers 2`` with
  clients running while a segment of the live generation is truncated (the
  workers then crash with SIGBUS on the mmap'd file): how many requests fail,
  how long until every answer comes again, from which generation.

    .venv/bin/python -m benchmarks.robustness.recovery [--scenario NAME] [--docs 3000]
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]

from benchmarks.robustness.common import (
    WORK_DIR,
    cli,
    http_get,
    machine_info,
    run_cli,
    serve,
    synthetic_records,
    write_jsonl,
    write_result,
)
from newssearch.indexer import IndexStore

SCRATCH = WORK_DIR / "robustness" / "recovery"


def fresh(name: str) -> Path:
    """An empty scratch folder for one scenario."""
    path = SCRATCH / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def documents(root: Path) -> int | None:
    """Live documents as ``newssearch stats`` reports them (None when it fails)."""
    r = run_cli("stats", "--index-dir", str(root), "--json")
    return int(json.loads(r.stdout)["documents"]) if r.returncode == 0 else None


def outcome(r: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """Exit code and the last line of stderr of a CLI run (the scratch path shown as SCRATCH)."""
    lines = r.stderr.strip().replace(str(SCRATCH), "SCRATCH").splitlines()
    return {"exit_code": r.returncode, "stderr": lines[-1] if lines else "", "stderr_lines": len(lines)}


def wait_for(check: Callable[[], bool], timeout: float) -> float | None:
    """Seconds until ``check()`` holds, or None after ``timeout``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if check():
            return round(time.monotonic() - t0, 2)
        time.sleep(0.05)
    return None


def running(proc: Any) -> bool:
    """True while ``proc`` (a psutil.Process) runs (a zombie does not)."""
    try:
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def kill_parent(args: argparse.Namespace) -> dict[str, Any]:
    """``kill -9`` / ``kill`` of ``newssearch index --procs 2`` while its writers run."""
    work = fresh("kill-parent")
    root = work / "index"
    base = write_jsonl(work / "base.jsonl", synthetic_records(200, seed=1, prefix="base"))
    assert run_cli("index", str(base), "--index-dir", str(root)).returncode == 0
    rounds = []
    for i, sig in enumerate([signal.SIGKILL, signal.SIGTERM, signal.SIGKILL, signal.SIGTERM]):
        feed = write_jsonl(work / f"feed{i}.jsonl", synthetic_records(args.docs, seed=10 + i, prefix=f"f{i}"))
        proc = subprocess.Popen(cli("index", str(feed), "--index-dir", str(root), "--procs", "2"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parent = psutil.Process(proc.pid)
        started = wait_for(functools.partial(lambda p: len(p.children()) >= 2, parent), 60)
        writers = parent.children() if started is not None else []
        time.sleep(0.5)
        os.kill(proc.pid, sig)
        proc.wait()
        gone = wait_for(functools.partial(lambda ws: not any(running(w) for w in ws), writers), 10)
        small = write_jsonl(work / f"small{i}.jsonl", synthetic_records(3, seed=100 + i, prefix=f"s{i}"))
        t0 = time.monotonic()
        nxt = run_cli("index", str(small), "--index-dir", str(root))
        rounds.append({
            "signal": signal.Signals(sig).name,
            "writers_seen": len(writers),
            "writers_exited_within_s": gone,
            "writers_left_running": sum(running(w) for w in writers),
            "next_run_exit_code": nxt.returncode,
            "next_run_s": round(time.monotonic() - t0, 2),
            "next_run_stderr": outcome(nxt)["stderr"],
        })
        for w in writers:  # never leave anything behind, whatever the result
            if w.is_running():
                w.kill()
    ok = all(r["writers_seen"] >= 2 and r["writers_exited_within_s"] is not None and r["next_run_exit_code"] == 0
             for r in rounds)
    return {"what": "kill -9 / kill of `newssearch index --procs 2` while its writers run", "ok": ok,
            "docs_per_run": args.docs, "rounds": rounds}


def missing_link(args: argparse.Namespace) -> dict[str, Any]:
    """``rm INDEX/current``: incremental index and delete must refuse; rollback must restore."""
    work = fresh("missing-link")
    root = work / "index"
    feed = write_jsonl(work / "base.jsonl", synthetic_records(args.docs, seed=2, prefix="m"))
    assert run_cli("index", str(feed), "--index-dir", str(root)).returncode == 0
    before = documents(root)
    gens_before = sorted(p.name for p in root.glob("gen-*"))
    (root / "current").unlink()
    tiny = write_jsonl(work / "tiny.jsonl", synthetic_records(2, seed=3, prefix="tiny"))
    index_run = outcome(run_cli("index", str(tiny), "--index-dir", str(root)))
    delete_run = outcome(run_cli("delete", "m-1", "--index-dir", str(root)))
    stats_run = outcome(run_cli("stats", "--index-dir", str(root)))
    gens_after = sorted(p.name for p in root.glob("gen-*"))
    rollback = run_cli("rollback", "--index-dir", str(root))
    after = documents(root)
    ok = (index_run["exit_code"] == 2 and delete_run["exit_code"] == 2 and gens_after == gens_before
          and rollback.returncode == 0 and after == before)
    return {
        "what": "the `current` link removed, then incremental index, delete, stats, rollback", "ok": ok,
        "documents_before": before, "documents_after_rollback": after,
        "generations_before": len(gens_before), "generations_after_refusals": len(gens_after),
        "index": index_run, "delete": delete_run, "stats": stats_run,
        "rollback": rollback.stdout.strip(),
    }


def empty_rebuild(args: argparse.Namespace) -> dict[str, Any]:
    """``--rebuild`` from all-broken input (twice) and from an empty folder."""
    work = fresh("empty-rebuild")
    root = work / "index"
    feed = write_jsonl(work / "base.jsonl", synthetic_records(args.docs, seed=4, prefix="e"))
    assert run_cli("index", str(feed), "--index-dir", str(root)).returncode == 0
    before = documents(root)
    bad = work / "allbad.jsonl"
    bad.write_text("{broken\n" * 50, "utf-8")
    empty = work / "empty"
    empty.mkdir()
    runs = {
        "all_broken": outcome(run_cli("index", str(bad), "--rebuild", "--index-dir", str(root))),
        "all_broken_retry": outcome(run_cli("index", str(bad), "--rebuild", "--index-dir", str(root))),
        "empty_folder": outcome(run_cli("index", str(empty), "--rebuild", "--index-dir", str(root))),
    }
    after = documents(root)
    generations = json.loads(run_cli("generations", "--index-dir", str(root), "--json").stdout)
    forced = outcome(run_cli("index", str(empty), "--rebuild", "--allow-shrink", "--index-dir", str(root)))
    after_forced = documents(root)
    ok = all(r["exit_code"] == 2 for r in runs.values()) and after == before and forced["exit_code"] == 0
    return {
        "what": "--rebuild from all-broken input (twice) and from an empty folder, then with --allow-shrink",
        "ok": ok, "documents_before": before, "documents_after_refusals": after, "runs": runs,
        "generations_after_refusals": [{k: g[k] for k in ("documents", "current", "status")} for g in generations],
        "allow_shrink": forced, "documents_after_allow_shrink": after_forced,
    }


def corruption_while_serving(args: argparse.Namespace) -> dict[str, Any]:
    """Truncate a segment of the live generation under a running server with clients."""
    work = fresh("corruption")
    root = work / "index"
    old = write_jsonl(work / "old.jsonl", synthetic_records(args.docs, seed=5, prefix="c"))
    new = write_jsonl(work / "new.jsonl", synthetic_records(args.docs + 100, seed=5, prefix="c"))
    assert run_cli("index", str(old), "--index-dir", str(root), "--rebuild").returncode == 0
    assert run_cli("index", str(new), "--index-dir", str(root), "--rebuild").returncode == 0
    live = IndexStore(root).current_dir()
    assert live is not None
    paths = ["/api/search?q=nha+pho", "/api/documents/c-7", "/api/suggest?q=nha", "/healthz"]
    log: list[tuple[float, int, str]] = []
    stop = threading.Event()

    def client(k: int, port: int) -> None:
        conn: http.client.HTTPConnection | None = None
        i = k
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status, body = http_get(conn, path)
                docs = json.loads(body).get("documents") if path == "/healthz" and status == 200 else None
                log.append((time.monotonic(), status, str(docs or "")))
            except (OSError, http.client.HTTPException, ValueError) as exc:
                log.append((time.monotonic(), 0, type(exc).__name__))
                conn = None
            time.sleep(0.02)

    with serve(root, work / "server.log") as server:
        threads = [threading.Thread(target=client, args=(k, server.port)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(3)
        seg = max(live.glob("MAIN_*.seg"), key=lambda p: p.stat().st_size)
        damaged_at = time.monotonic()
        with seg.open("r+b") as f:  # in place, as a failing disk or a stray process would
            f.truncate(seg.stat().st_size // 3)
        time.sleep(args.after)
        stop.set()
        for t in threads:
            t.join()
        workers_after = len(server.workers())
    before = [e for e in log if e[0] < damaged_at]
    after = [e for e in log if e[0] >= damaged_at]
    failed = [e for e in after if e[1] in (0,) or e[1] >= 500]
    last_failure = max((e[0] for e in failed), default=damaged_at)
    served = Counter(e[2] for e in after if e[2] and e[1] == 200)
    verify = run_cli("verify", "--index-dir", str(root))
    server_log = (work / "server.log").read_text("utf-8", "replace")
    ok = bool(after) and all(e[1] == 200 for e in after if e[0] > last_failure) and last_failure - damaged_at < 30
    return {
        "what": "a segment of the live generation truncated to a third under `newssearch serve --workers 2` "
                "with 4 clients",
        "ok": ok, "docs_old_generation": args.docs, "docs_live_generation": args.docs + 100,
        "requests_before": len(before), "errors_before": sum(e[1] != 200 for e in before),
        "requests_after": len(after),
        "statuses_after": dict(Counter(str(e[1]) for e in after)),
        "failed_after": len(failed),
        "recovered_within_s": round(last_failure - damaged_at, 2),
        "healthz_documents_after": dict(served),
        "workers_at_end": workers_after,
        "worker_crashes_logged": server_log.count("SIGBUS") + server_log.count("was sent SIGBUS"),
        "degraded_warnings_logged": server_log.count("is damaged"),
        "verify_exit_code": verify.returncode,
        "seconds_after_damage": args.after,
    }


SCENARIOS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "kill-parent": kill_parent,
    "missing-link": missing_link,
    "empty-rebuild": empty_rebuild,
    "corruption-while-serving": corruption_while_serving,
}


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios; exit 1 when one of them did not hold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append", help="default: all")
    parser.add_argument("--docs", type=int, default=3000, help="documents per feed")
    parser.add_argument("--after", type=float, default=15.0, help="seconds of load after the damage")
    args = parser.parse_args(argv)
    failed = []
    for name in args.scenario or list(SCENARIOS):
        t0 = time.monotonic()
        result = SCENARIOS[name](args)
        result["seconds"] = round(time.monotonic() - t0, 1)
        result["machine"] = machine_info()
        result["command"] = " ".join(["python -m benchmarks.robustness.recovery", "--scenario", name,
                                      "--docs", str(args.docs)])
        path = write_result(name, result)
        print(json.dumps({k: v for k, v in result.items() if k != "machine"}, ensure_ascii=False, indent=1))
        print(f"{name}: {'OK' if result['ok'] else 'FAILED'}; figures: {path}", flush=True)
        if not result["ok"]:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
