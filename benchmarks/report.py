"""Render a comparison's results: a text table with ratios, and a PNG chart.

``python -m benchmarks.report benchmarks/results/compare-full.json [--chart PATH]``
re-prints the table (and redraws the chart) from a saved results file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

KIND_ORDER = ("accented", "unaccented", "partial", "typo", "telex", "fragment", "fragment_unaccented", "district")
LABELS = {"newssearch": "newssearch", "fts5": "FTS5", "fts5_unidecode": "FTS5+unidecode", "tantivy": "Tantivy"}


def _get(d: dict[str, Any], *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def _fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def table(results: dict[str, Any]) -> str:
    """The comparison as a fixed-width text table; ratio columns are newssearch ÷ peer."""
    engines = list(results.get("build") or results.get("latency") or {})
    peers = [e for e in engines if e != "newssearch"]
    has_ns = "newssearch" in engines
    w = 15
    head = f"{'':34}" + "".join(f"{LABELS.get(e, e):>{w}}" for e in engines)
    if has_ns:
        head += "".join(f"{'ns÷' + LABELS.get(p, p)[:8]:>{w}}" for p in peers)
    lines = [head, "-" * len(head)]

    def row(label: str, get: Callable[[str], Any], digits: int = 2, ratio: bool = True) -> None:
        vals = {e: get(e) for e in engines}
        line = f"  {label:32}" + "".join(f"{_fmt(vals[e], digits):>{w}}" for e in engines)
        if has_ns and ratio:
            for p in peers:
                a, b = vals.get("newssearch"), vals.get(p)
                r = a / b if isinstance(a, int | float) and isinstance(b, int | float) and b else None
                line += f"{_fmt(r, 2) + '×' if r is not None else '—':>{w}}"
        lines.append(line)

    def section(title: str) -> None:
        lines.append(title)

    b = results.get("build", {})
    section("Build")
    row("documents", lambda e: _get(b, e, "docs"), ratio=False)
    row("wall time (s)", lambda e: _get(b, e, "seconds"), 1)
    row("docs/s", lambda e: _get(b, e, "docs_per_s"), 0)
    row("index size (MB)", lambda e: (_get(b, e, "index_bytes") or 0) / 1e6, 1)
    row("peak RSS (MB)", lambda e: (_get(b, e, "peak_rss_bytes") or 0) / 1e6, 0)
    lat = results.get("latency", {})
    for mode, title in (("top10", "Query latency, top-10 ids (ms)"), ("full", "Query latency, top-10 + facets + snippets (ms)")):
        section(title)
        for stat in ("p50", "p95", "p99"):
            row(f"{stat} (all queries)", lambda e, s=stat, m=mode: _get(lat, e, m, "all", s))  # type: ignore[misc]
        row("p50 (text queries)", lambda e, m=mode: _get(lat, e, m, "text", "p50"))  # type: ignore[misc]
        row("p50 (browse/filter queries)", lambda e, m=mode: _get(lat, e, m, "browse", "p50"))  # type: ignore[misc]
    sp = results.get("search_process", {})
    row("search process peak RSS (MB)", lambda e: (_get(sp, e, "peak_rss_bytes") or 0) / 1e6, 0)
    rel = results.get("relevance", {})
    for metric, title in (("mrr10", "Relevance: MRR@10"), ("success10", "Relevance: Success@10")):
        section(title)
        for kind in KIND_ORDER:
            n = _get(rel, engines[0], kind, "n") if engines else None
            row(f"{kind} (n={n})", lambda e, k=kind, m=metric: _get(rel, e, k, m), 3)  # type: ignore[misc]
    section("Relevance: precision@10")
    row("district", lambda e: _get(rel, e, "district", "precision10"), 3)
    http = results.get("http")
    if http and "error" in http:
        lines.append(f"HTTP load test failed: {http['error'][:300]}")
    elif http:
        lines.append(f"HTTP newssearch serve ({http['workers']} workers, {http['client']}, "
                     f"{http['seconds_per_level']:g}s per level)")
        lines.append(f"  {'concurrency':>12}{'req/s':>10}{'p50 ms':>10}{'p90 ms':>10}{'p99 ms':>10}"
                     f"{'errors':>8}{'RSS MB':>9}")
        for lv in http["levels"]:
            lm = lv["latency_ms"]
            lines.append(f"  {lv['concurrency']:>12}{lv['rps']:>10.1f}{lm['p50']:>10.1f}{lm['p90']:>10.1f}"
                         f"{lm['p99']:>10.1f}{lv['errors_total']:>8}{lv['server_rss_peak_bytes'] / 1e6:>9.0f}")
    g = results.get("goals", {})
    if g:
        lines.append("Goals")
        for kind, v in g.get("relevance", {}).items():
            mark = "ok " if v["ahead"] else "NO "
            lines.append(f"  {mark} {kind:11} newssearch MRR@10 {_fmt(v['newssearch_mrr10'], 3)} vs best peer "
                         f"{_fmt(v['best_peer_mrr10'], 3)} ({LABELS.get(v['best_peer'] or '', v['best_peer'])})")
        for stat, v in g.get("latency", {}).items():
            mark = "ok " if v["within_3x"] else "NO "
            lines.append(f"  {mark} full-page {stat}: newssearch {_fmt(v['newssearch_ms'])} ms = "
                         f"{_fmt(v['ratio'])}× FTS5 ({_fmt(v['fts5_ms'])} ms); goal ≤ 3×")
        un = g.get("search_issue_unaccented")
        if un:
            mark = "ok " if un["met"] else "NO "
            lines.append(f"  {mark} unaccented known-item Success@10 {un['success10']:.3f} (≥ 0.95), "
                         f"MRR@10 {un['mrr10']:.3f} (≥ 0.85)")
        if "http_errors" in g:
            mark = "ok " if g["http_errors"] == 0 else "NO "
            lines.append(f"  {mark} HTTP errors: {g['http_errors']}")
    meta = results.get("meta", {})
    lines.append(f"[{meta.get('tag')}: {sum((meta.get('corpus_files') or {}).values()):,} records, "
                 f"{meta.get('cpus')} CPUs, load average before/after {meta.get('loadavg_before')} / "
                 f"{meta.get('loadavg_after')}]")
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The main figures as Markdown tables (pasted into ``docs/benchmarks.md``)."""
    engines = list(results.get("build") or results.get("latency") or {})
    head = "| | " + " | ".join(LABELS.get(e, e) for e in engines) + " |"
    rule = "|---|" + "---:|" * len(engines)
    out: list[str] = []

    def tab(title: str, rows: list[tuple[str, Callable[[str], Any], int]]) -> None:
        out.extend([f"**{title}**", "", head, rule])
        for label, get, digits in rows:
            out.append(f"| {label} | " + " | ".join(_fmt(get(e), digits) for e in engines) + " |")
        out.append("")

    b = results.get("build", {})
    tab("Build", [
        ("documents", lambda e: _get(b, e, "docs"), 0),
        ("wall time (s)", lambda e: _get(b, e, "seconds"), 1),
        ("docs/s", lambda e: _get(b, e, "docs_per_s"), 0),
        ("index size (MB)", lambda e: (_get(b, e, "index_bytes") or 0) / 1e6, 1),
        ("peak RSS (MB)", lambda e: (_get(b, e, "peak_rss_bytes") or 0) / 1e6, 0),
    ])
    lat = results.get("latency", {})
    rows: list[tuple[str, Callable[[str], Any], int]] = []
    for mode, label in (("top10", "top-10"), ("full", "+ facets + snippets")):
        for stat in ("p50", "p95", "p99"):
            rows.append((f"{label} {stat}", lambda e, m=mode, s=stat: _get(lat, e, m, "all", s), 2))  # type: ignore[misc]
    sp = results.get("search_process", {})
    rows.append(("search process peak RSS (MB)", lambda e: (_get(sp, e, "peak_rss_bytes") or 0) / 1e6, 0))
    tab("Query latency (ms, whole query log)", rows)
    rel = results.get("relevance", {})
    rows = []
    for kind in KIND_ORDER:
        n = _get(rel, engines[0], kind, "n") if engines else None
        rows.append((f"{kind} (n={n}) MRR@10", lambda e, k=kind: _get(rel, e, k, "mrr10"), 3))  # type: ignore[misc]
        rows.append((f"{kind} Success@10", lambda e, k=kind: _get(rel, e, k, "success10"), 3))  # type: ignore[misc]
    rows.append(("district precision@10", lambda e: _get(rel, e, "district", "precision10"), 3))
    tab("Relevance", rows)
    http = results.get("http")
    if http and "error" in http:
        out.extend([f"**HTTP**: the load test failed: {http['error'][:300]}", ""])
    elif http:
        out.extend([
            f"**HTTP** (`newssearch serve`, {http['workers']} workers, {http['client']}, "
            f"{http['seconds_per_level']:g} s per level)", "",
            "| concurrency | req/s | p50 ms | p90 ms | p99 ms | errors | server RSS (MB) |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ])
        for lv in http["levels"]:
            lm = lv["latency_ms"]
            out.append(f"| {lv['concurrency']} | {lv['rps']:.1f} | {lm['p50']:.1f} | {lm['p90']:.1f} | "
                       f"{lm['p99']:.1f} | {lv['errors_total']} | {lv['server_rss_peak_bytes'] / 1e6:.0f} |")
        out.append("")
    return "\n".join(out)


def chart(results: dict[str, Any], path: Path) -> None:
    """Latency (left) and relevance (right) side by side, one colour per engine."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    engines = list(results.get("latency") or {})
    colors = {"newssearch": "#d62728", "fts5": "#1f77b4", "fts5_unidecode": "#17becf", "tantivy": "#2ca02c"}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
    groups = [("top10", "p50"), ("top10", "p95"), ("full", "p50"), ("full", "p95")]
    x = np.arange(len(groups))
    width = 0.8 / max(1, len(engines))
    for i, e in enumerate(engines):
        vals = [_get(results, "latency", e, m, "all", s) or 0 for m, s in groups]
        ax1.bar(x + i * width, vals, width, label=LABELS.get(e, e), color=colors.get(e))
    ax1.set_xticks(x + width * (len(engines) - 1) / 2)
    ax1.set_xticklabels([f"{'top-10' if m == 'top10' else '+facets+snippets'}\n{s}" for m, s in groups])
    ax1.set_yscale("log")
    ax1.set_ylabel("latency (ms, log scale)")
    ax1.set_title("Query latency (lower is better)")
    kinds = [k for k in KIND_ORDER if any(_get(results, "relevance", e, k) for e in engines)]
    x = np.arange(len(kinds))
    for i, e in enumerate(engines):
        vals = [_get(results, "relevance", e, k, "mrr10") or 0 for k in kinds]
        ax2.bar(x + i * width, vals, width, label=LABELS.get(e, e), color=colors.get(e))
    ax2.set_xticks(x + width * (len(engines) - 1) / 2)
    ax2.set_xticklabels(kinds)
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("MRR@10")
    ax2.set_title("Relevance by query kind (higher is better)")
    meta = results.get("meta", {})
    total = sum((meta.get("corpus_files") or {}).values())
    fig.suptitle(f"newssearch vs SQLite FTS5 vs Tantivy — {total:,} records ({meta.get('tag')})", fontsize=11)
    handles, labels = ax2.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(engines), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Print the table of a saved results file; optionally redraw its chart."""
    ap = argparse.ArgumentParser(description="print a saved comparison")
    ap.add_argument("results", type=Path)
    ap.add_argument("--chart", type=Path, help="also draw the chart here")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables instead")
    args = ap.parse_args(argv)
    results = json.loads(args.results.read_text("utf-8"))
    print(markdown(results) if args.markdown else table(results))
    if args.chart:
        chart(results, args.chart)
    return 0


if __name__ == "__main__":
    sys.exit(main())
