"""Fuzz a running ``newssearch serve`` from its OpenAPI description (schemathesis, all checks).

The longer companion of ``tests/test_api_fuzz.py`` (which runs in-process
with a few examples): a real gunicorn server with 2 workers on 127.0.0.1,
schemathesis' CLI with ``--checks all`` plus our error-shape check
(``st_hooks.py``), all phases (examples, coverage, fuzzing, stateful). The
server's access log is read afterwards for every status it answered and for
tracebacks. Bounded: ``--max-examples`` per operation and a time limit.

    .venv/bin/python -m benchmarks.robustness.api_fuzz [--max-examples 300] [--index-dir DIR]

Without ``--index-dir`` the shipped sample is indexed into
``benchmarks/work/robustness/api-fuzz-index``. Figures go to
``benchmarks/results/robustness-api-fuzz.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.robustness.common import (
    REPO_ROOT,
    WORK_DIR,
    machine_info,
    run_cli,
    serve,
    write_result,
)

CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
HOOKS = "benchmarks.robustness.st_hooks"
#: gunicorn's default access log line: ... "GET /path HTTP/1.1" 200 123 ...
ACCESS_RE = re.compile(r'"(?:GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|TRACE|CONNECT)\s[^"]*"\s(\d{3})\s')


def sample_index(dest: Path) -> Path:
    """The shipped sample articles and listings, freshly indexed into ``dest``."""
    from newssearch.cli import sample_paths

    r = run_cli("index", *map(str, sample_paths()), "--index-dir", str(dest), "--rebuild")
    if r.returncode != 0:
        raise SystemExit(f"could not index the sample: {r.stderr.strip()}")
    return dest


def schemathesis_command(base: str, report: Path, max_examples: int, seed: int, workers: int, max_time: int) -> list[str]:
    """``schemathesis run`` with every check, our settings and a JSON report."""
    exe = Path(sys.executable).with_name("schemathesis")
    return [
        str(exe), "--config-file", str(CONFIG), "--no-color",
        "run", f"{base}/api/openapi.json",
        "--checks", "all",
        "--max-examples", str(max_examples),
        "--seed", str(seed),
        "--workers", str(workers),
        "--max-time", str(max_time),
        "--continue-on-failure",
        "--request-timeout", "30",
        "--report", "json",
        "--report-json-path", str(report),
    ]


def access_statuses(log: Path) -> Counter[str]:
    """HTTP statuses in the server's log: the app's JSON access lines, or gunicorn's own format.

    ``newssearch serve`` logs one JSON line per request from the app (logger
    ``newssearch.access``); a request gunicorn refuses before the app (a request
    line over its limit) appears only in gunicorn's error lines, not here.
    """
    counts: Counter[str] = Counter()
    for line in log.read_text("utf-8", "replace").splitlines():
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("logger") == "newssearch.access" and "status" in record:
                counts[str(record["status"])] += 1
            continue
        m = ACCESS_RE.search(line)
        if m:
            counts[m.group(1)] += 1
    return counts


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    """The aggregate parts of schemathesis' JSON report."""
    return {
        "exit_code": report.get("exit_code"),
        "running_time_s": round(float(report.get("running_time", 0.0)), 1),
        "operations": report.get("operations"),
        "phases": {k: v.get("status") for k, v in (report.get("phases") or {}).items()},
        "test_cases": report.get("test_cases"),
        "failures": [
            {k: f.get(k) for k in ("code", "title", "count", "operations")} for f in report.get("failures", [])
        ],
        "errors": report.get("errors", []),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index-dir", type=Path, help="serve this index (default: the sample, indexed afresh)")
    ap.add_argument("--max-examples", type=int, default=300, help="examples per operation and phase")
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--workers", type=int, default=2, help="schemathesis workers (the server has 2)")
    ap.add_argument("--max-time", type=int, default=1200, help="time budget in seconds")
    ap.add_argument("--out", default="api-fuzz", help="results name: benchmarks/results/robustness-NAME.json")
    args = ap.parse_args(argv)

    work = WORK_DIR / "robustness"
    work.mkdir(parents=True, exist_ok=True)
    index_dir = args.index_dir or sample_index(work / "api-fuzz-index")
    log = work / "api-fuzz-serve.log"
    report_path = work / "api-fuzz-report.json"
    report_path.unlink(missing_ok=True)
    started = time.monotonic()
    with serve(index_dir, log, workers=2) as server:
        env = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": str(REPO_ROOT)}
        cmd = schemathesis_command(server.base, report_path, args.max_examples, args.seed, args.workers, args.max_time)
        # cwd: schemathesis keeps a replay cache (.schemathesis/) in the current folder.
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                              timeout=args.max_time + 600, check=False)
        (work / "api-fuzz-output.txt").write_text(proc.stdout + proc.stderr, "utf-8")
        load = machine_info()["load_average"]
    report = json.loads(report_path.read_text("utf-8")) if report_path.exists() else {}
    statuses = access_statuses(log)
    server_log = log.read_text("utf-8", "replace")
    result = {
        "what": "schemathesis --checks all (+ newssearch_error_shape) against `newssearch serve --workers 2`",
        "index": "sample (122 documents)" if args.index_dir is None else str(args.index_dir),
        "max_examples": args.max_examples,
        "seed": args.seed,
        "schemathesis": report.get("schemathesis_version"),
        "config": str(CONFIG.relative_to(REPO_ROOT)),
        "seconds": round(time.monotonic() - started, 1),
        "schemathesis_exit_code": proc.returncode,
        "report": summarize(report),
        "server_statuses": dict(sorted(statuses.items())),
        "server_requests": sum(statuses.values()),
        "server_5xx": sum(n for s, n in statuses.items() if s.startswith("5")),
        "server_tracebacks": server_log.count("Traceback (most recent call last)"),
        "load_average_end": load,
        "machine": machine_info(),
        "command": " ".join(["python -m benchmarks.robustness.api_fuzz", *(argv or sys.argv[1:])]),
    }
    path = write_result(args.out, result)
    print(json.dumps({k: result[k] for k in ("seconds", "schemathesis_exit_code", "server_requests",
                                             "server_5xx", "server_tracebacks")}, indent=1))
    print("failures:", json.dumps(result["report"]["failures"], ensure_ascii=False))
    print(f"details: {work / 'api-fuzz-output.txt'}; figures: {path}")
    return 0 if proc.returncode == 0 and result["server_5xx"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
