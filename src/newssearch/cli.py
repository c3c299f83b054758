"""The ``newssearch`` command: a thin layer over the library.

Each command parses options, calls one library function and formats the
output. Errors a user can fix become one line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .config import Settings
from .errors import NewsSearchError
from .export import FORMATS
from .keys import SCOPES
from .params import TYPES, cli_params, search_options

if TYPE_CHECKING:
    from .indexer import WriteReport

F = TypeVar("F", bound=Callable[..., Any])


def _settings(index_dir: str | None) -> Settings:
    """Settings from ``--config`` (or $NEWSSEARCH_CONFIG), the environment, and ``--index-dir``."""
    config = click.get_current_context().find_root().params.get("config")
    return Settings.from_env(config_file=config, index_dir=index_dir)


def index_dir_option(f: F) -> F:
    return click.option(
        "--index-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Index folder (default: $NEWSSEARCH_INDEX_DIR or ./index).",
    )(f)


def friendly_errors(f: F) -> F:
    """Turn library errors into a one-line message and exit code 2."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except NewsSearchError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(package_name="newssearch")
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Configuration file (TOML; default: $NEWSSEARCH_CONFIG).",
)
def main(config: str | None) -> None:
    """newssearch: Vietnamese full-text search for news articles and property listings."""


def sample_paths() -> list[Path]:
    """The sample articles and listings shipped with the package."""
    data = resources.files("newssearch") / "data"
    return [Path(str(data / "articles.jsonl")), Path(str(data / "listings.jsonl"))]


def _run_index(
    settings: Settings, paths: list[str | Path], rebuild: bool, doc_type: str | None, procs: int,
    report_file: str | None, allow_shrink: bool = False, shards: int | None = None, ray_address: str | None = None,
) -> int:
    from .indexer import IndexStore, progress_bar
    from .ingest import read_paths

    if ray_address is not None:
        report = _build_on_ray(settings, paths, doc_type, procs, allow_shrink, shards, ray_address)
    else:
        store = IndexStore(settings.index_dir, settings.keep_generations)
        update, close = progress_bar()
        try:
            report = store.write(
                read_paths(paths, doc_type=doc_type),
                rebuild=rebuild,
                procs=procs,
                lock_timeout=settings.lock_timeout,
                progress=update,
                allow_shrink=allow_shrink,
                shards=shards,
            )
        finally:
            close()
    line = report.line()
    if report.problems:
        target = Path(report_file) if report_file else Path(settings.index_dir) / "last-problems.txt"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("".join(f"{p}\n" for p in report.problems), "utf-8")
            line += f" — see {target}"
        except OSError as exc:  # e.g. the disk filled up after the index commit
            line += f" — could not write the list of problems to {target}: {exc.strerror or exc}"
        for p in report.problems[:5]:
            click.echo(f"skipped: {p}", err=True)
    click.echo(line)
    other = {"article": report.listings, "listing": report.articles}.get(doc_type or "", 0)
    if other:
        click.echo(
            f"note: --type {doc_type} did not apply to {other} records that name their own type "
            "(a 'type' field, or fields only the other type has)",
            err=True,
        )
    usable = report.added + report.replaced + report.unchanged + report.deleted
    if report.skipped and not usable:
        click.echo("error: every record was skipped; nothing was indexed", err=True)
        return 1
    return 0


def _build_on_ray(
    settings: Settings, paths: list[str | Path], doc_type: str | None, procs: int, allow_shrink: bool,
    shards: int | None, ray_address: str,
) -> WriteReport:
    """Rebuild the index with one Ray task per shard (``ray_address`` "local": a local Ray on 127.0.0.1)."""
    from .cluster import require_ray, use_loopback

    require_ray("building on Ray")
    if ray_address == "local":
        use_loopback()
    from .cluster.build import build_on_ray

    address = None if ray_address == "local" else ray_address
    return build_on_ray(settings, paths, shards, address, doc_type=doc_type, procs=procs, allow_shrink=allow_shrink)


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True))
@index_dir_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index beside the live one and swap it in atomically.")
@click.option("--type", "doc_type", type=click.Choice(TYPES), help="Force the record type.")
@click.option("--procs", type=click.IntRange(1, 16), default=1, show_default=True, help="Writer processes.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), help="Where to write skipped records.")
@click.option("--allow-shrink", is_flag=True,
              help="Publish a rebuild even when it has under half the documents of the live index.")
@click.option("--shards", type=click.IntRange(1, 64), default=None,
              help="Split a new or rebuilt index into this many shards (default: as the live index; 1: one index).")
@click.option(
    "--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
    help="Rebuild with one Ray task per shard (needs --shards): join the cluster at ADDRESS, or without it "
    "start a local Ray on 127.0.0.1. Every node must read the inputs and the index folder at the same paths.",
)
@friendly_errors
def index_cmd(
    paths: tuple[str, ...], index_dir: str | None, rebuild: bool, doc_type: str | None, procs: int,
    report_file: str | None, allow_shrink: bool, shards: int | None, ray_address: str | None,
) -> None:
    """Index files or folders (JSON Lines, JSON, CSV, HTML pages, scraped page text; .gz too).

    A PATH of - reads JSON Lines from standard input. Incremental by default:
    documents are added or replaced by id, and a re-run of the same input
    changes nothing. A rebuild with no documents, or under half as many as the
    live index, is not published (exit 2) unless --allow-shrink is given.
    --shards N splits the index into N shards published together (searches
    answer exactly as over one index); changing N needs --rebuild.
    --ray [ADDRESS] --shards N rebuilds with one Ray task per shard; a task
    that fails publishes nothing.
    """
    sys.exit(_run_index(
        _settings(index_dir), list(paths), rebuild, doc_type, procs, report_file, allow_shrink, shards, ray_address
    ))


@main.command("delete")
@click.argument("ids", nargs=-1, required=True)
@index_dir_option
@friendly_errors
def delete_cmd(ids: tuple[str, ...], index_dir: str | None) -> None:
    """Delete documents by id."""
    from .indexer import IndexStore

    settings = _settings(index_dir)
    n = IndexStore(settings.index_dir).delete(ids, lock_timeout=settings.lock_timeout)
    click.echo(f"deleted {n} of {len(ids)} documents")


@main.group("keys")
def keys_group() -> None:
    """API keys for the HTTP service: create, list, revoke (stored hashed with the index)."""


@keys_group.command("create")
@click.option("--scope", type=click.Choice(SCOPES), required=True,
              help="What the key may do: search; write (and search); admin (everything).")
@click.option("--name", help="A note saying who or what uses the key (e.g. 'cms').")
@index_dir_option
@friendly_errors
def keys_create_cmd(scope: str, name: str | None, index_dir: str | None) -> None:
    """Create a key and print it once (it cannot be shown again)."""
    from .keys import KeyStore

    store = KeyStore(_settings(index_dir).index_dir)
    key, token = store.create(scope, name)
    click.echo(token)
    click.echo(f"created key {key.id} (scope {key.scope}) in {store.path}; "
               "store it now: it is not shown again", err=True)


@keys_group.command("list")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@friendly_errors
def keys_list_cmd(index_dir: str | None, as_json: bool) -> None:
    """List the keys (ids, scopes, dates; never the keys themselves)."""
    from .keys import KeyStore

    keys = KeyStore(_settings(index_dir).index_dir).all_keys()
    if as_json:
        click.echo(json.dumps([k.to_dict() for k in keys], ensure_ascii=False, indent=2))
        return
    if not keys:
        click.echo("no API keys (create one with `newssearch keys create --scope write`)")
    for k in keys:
        state = f"revoked {k.revoked}" if k.revoked else "active"
        click.echo(f"{k.id}  {k.scope:<6}  created {k.created}  {state}" + (f"  {k.name}" if k.name else ""))


@keys_group.command("revoke")
@click.argument("key_id")
@index_dir_option
@friendly_errors
def keys_revoke_cmd(key_id: str, index_dir: str | None) -> None:
    """Revoke a key by id: requests with it are refused from now on."""
    from .keys import KeyStore

    key = KeyStore(_settings(index_dir).index_dir).revoke(key_id)
    click.echo(f"revoked key {key.id} (scope {key.scope}) on {key.revoked}")


@main.command("sync")
@click.argument("feed")
@index_dir_option
@click.option("--delay", type=click.FloatRange(0, 60), default=1.0, show_default=True,
              help="Seconds between requests to the site.")
@click.option("--timeout", type=click.FloatRange(0.1, 300), default=10.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--max-pages", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help="Most article pages fetched in one run (the rest wait for the next run).")
@click.option("--type", "doc_type", type=click.Choice(TYPES), help="Force the record type.")
@friendly_errors
def sync_cmd(feed: str, index_dir: str | None, delay: float, timeout: float, max_pages: int,
             doc_type: str | None) -> None:
    """Index the new pages of a site's RSS/Atom feed or sitemap (FEED is its URL).

    Pages already indexed are remembered beside the index and skipped; run it
    from cron to follow the site.
    """
    from .indexer import IndexStore
    from .sync import sync

    settings = _settings(index_dir)
    report = sync(IndexStore(settings.index_dir), feed, delay=delay, timeout=timeout, max_pages=max_pages,
                  doc_type=doc_type, lock_timeout=settings.lock_timeout)
    for problem in report.problems[:20]:
        click.echo(f"problem: {problem}", err=True)
    click.echo(report.line())


@main.command("generations")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@friendly_errors
def generations_cmd(index_dir: str | None, as_json: bool) -> None:
    """List the index generations on disk (newest first), checking their checksums."""
    from .indexer import IndexStore

    found = IndexStore(_settings(index_dir).index_dir).generations()
    if as_json:
        click.echo(json.dumps([g.to_dict() for g in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no generations")
    for g in found:
        docs = "?" if g.documents is None else str(g.documents)
        mark = "*" if g.current else " "
        click.echo(f"{mark} {g.name}  {docs:>9} documents  {g.created or '?':<25}  {g.status}")
        for problem in g.problems[:3]:
            click.echo(f"      {problem}")


@main.command("verify")
@index_dir_option
@friendly_errors
def verify_cmd(index_dir: str | None) -> None:
    """Read every file of every generation; exit 1 when the live one is damaged or missing."""
    from .indexer import IndexStore

    store = IndexStore(_settings(index_dir).index_dir)
    found = store.verify()
    for g in found:
        state = "damaged" if g.status == "damaged" else "ok" if g.status == "verified" else "unverified"
        click.echo(f"{'*' if g.current else ' '} {g.name}: {state}")
        for problem in g.problems:
            click.echo(f"    {problem}")
    live = next((g for g in found if g.current), None)
    if live is None:
        raise store.unavailable()
    if live.status == "damaged":
        click.echo(f"error: the live generation {live.name} is damaged; `newssearch rollback --index-dir "
                   f"{store.root}` serves the previous good one", err=True)
        sys.exit(1)


@main.command("rollback")
@click.argument("generation", required=False)
@index_dir_option
@friendly_errors
def rollback_cmd(generation: str | None, index_dir: str | None) -> None:
    """Make GENERATION live (default: the newest good one before the live one;
    with the `current` link missing or broken, the newest good one). Deletes nothing."""
    from .indexer import IndexStore

    settings = _settings(index_dir)
    before, after = IndexStore(settings.index_dir).rollback(generation, lock_timeout=settings.lock_timeout)
    click.echo(f"live generation: {after.name} (was {before.name if before else 'none'})")


@main.command("search")
@click.argument("query", nargs=-1)
@index_dir_option
@search_options()
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract.")
@friendly_errors
def search_cmd(query: tuple[str, ...], index_dir: str | None, as_json: bool, **options: Any) -> None:
    """Search the index. Unaccented queries work; "quotes" for phrases; -word excludes."""
    from .models import SearchRequest
    from .search import Engine

    settings = _settings(index_dir)
    req = SearchRequest.from_params(cli_params(query, options), settings)
    result = Engine(settings.index_dir, settings).search(req)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_result(result.to_dict())


@main.command("export")
@click.argument("query", nargs=-1)
@index_dir_option
@search_options(paging=False)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default="-", help="File to write (default: standard output).")
@friendly_errors
def export_cmd(query: tuple[str, ...], index_dir: str | None, fmt: str, output: str, **options: Any) -> None:
    """Export every match of a search (not only the first page) as CSV or JSON Lines.

    Takes the same query and filters as ``search``. CSV is UTF-8 with a BOM
    (opens in Excel); an empty result is a header-only file.
    """
    from .export import iter_export
    from .models import SearchRequest
    from .search import Engine

    settings = _settings(index_dir)
    req = SearchRequest.from_params(cli_params(query, options), settings)
    documents = Engine(settings.index_dir, settings).iter_documents(req)
    # Bytes: the CSV's CRLF line ends must not be translated.
    with click.open_file(output, "wb") as out:
        for chunk in iter_export(documents, fmt):
            out.write(chunk.encode("utf-8"))


def _plain(html_text: str) -> str:
    import html as html_mod

    marked = html_text.replace("<mark>", "\x1b[1m").replace("</mark>", "\x1b[0m")
    if not sys.stdout.isatty():
        marked = html_text.replace("<mark>", "[").replace("</mark>", "]")
    return html_mod.unescape(marked)


def _hit_meta(h: dict[str, Any]) -> list[str]:
    """A hit's facts as the page shows them: 19/10/2023, "6,3 tỷ", "80 m²", "1.234 lượt xem"."""
    from .web.format import format_area, format_count, format_date, format_price

    meta = [format_date(h.get("published")) or "", h.get("category") or h.get("district") or ""]
    if h["type"] == "listing":
        price = format_price(h.get("price_vnd"), h.get("transaction")) or h.get("price_text") or "Thỏa thuận"
        meta += [price, format_area(h.get("area_m2")) or ""]
    if h.get("views"):
        meta.append(f"{format_count(h['views'])} lượt xem")
    return [m for m in meta if m]


def _print_result(data: dict[str, Any]) -> None:
    mode = " (any word: no result had all of them)" if data["relaxed"] else ""
    click.echo(f"{data['total']} results for {data['query']!r}{mode} in {data['took_ms']} ms")
    if data.get("corrected"):
        click.echo(f"Đang hiển thị kết quả cho: {data['corrected']} (--verbatim: tìm chính xác {data['query']!r})")
    if data.get("suggestion"):
        click.echo(f"Có phải bạn muốn tìm: {data['suggestion']}")
    if data.get("ignored"):
        click.echo("ignored (over the caps): " + ", ".join(f"{n} {k}" for k, n in data["ignored"].items()))
    if data.get("timed_out"):
        click.echo("the time budget ran out: these results may be incomplete")
    for r in data.get("recognized", []):
        if r.get("label"):
            click.echo(f"understood: {r['text']} -> {r['label']}")
            continue
        place = r.get("ward") or r.get("district") or r.get("province") or r.get("ward_2025")
        click.echo(f"recognised place: {r['text']} -> {place}")
    if data.get("nearest"):
        click.echo(data["nearest"])
    start = (data["page"] - 1) * data["per_page"]
    for i, h in enumerate(data["hits"], start + 1):
        click.echo(f"{i:>3}. {_plain(h['title_html'])}  [{h['type']}] {' · '.join(_hit_meta(h))}")
        if h.get("snippet"):
            click.echo(f"     {_plain(h['snippet'])}")


@main.command("suggest")
@click.argument("prefix")
@index_dir_option
@click.option("--limit", type=click.IntRange(1, 50), default=8, show_default=True, help="How many.")
@friendly_errors
def suggest_cmd(prefix: str, index_dir: str | None, limit: int) -> None:
    """Autocomplete a partial query."""
    from .search import Engine

    settings = _settings(index_dir)
    for s in Engine(settings.index_dir, settings).suggest(prefix, limit):
        click.echo(f"{s['kind']:<6} {s['text']}")


@main.command("restore")
@click.argument("text", nargs=-1, required=True)
@index_dir_option
@friendly_errors
def restore_cmd(text: tuple[str, ...], index_dir: str | None) -> None:
    """Restore the diacritics of TEXT typed without them ("nha dat ha long" -> "nhà đất hạ long").

    Uses the index's language model (built while indexing); an index built
    before it had one falls back to the index's title word pairs.
    """
    from .search import Engine

    settings = _settings(index_dir)
    click.echo(Engine(settings.index_dir, settings).restore(" ".join(text)))


@main.command("related")
@click.argument("doc_id")
@index_dir_option
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True, help="How many.")
@friendly_errors
def related_cmd(doc_id: str, index_dir: str | None, limit: int) -> None:
    """Documents most similar to DOC_ID ("Tin liên quan")."""
    from .search import Engine

    settings = _settings(index_dir)
    hits = Engine(settings.index_dir, settings).related(doc_id, limit)
    if not hits:
        click.echo(f"no related documents for {doc_id}: nothing else in the index is similar enough")
        return
    for h in hits:
        click.echo(f"{h.id}  {h.title}")


@main.command("stats")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@friendly_errors
def stats_cmd(index_dir: str | None, as_json: bool) -> None:
    """Document counts, size on disk, last update and schema version."""
    from .indexer import IndexStore

    stats = IndexStore(_settings(index_dir).index_dir).stats()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"index:          {stats['index_dir']} ({stats['generation']})")
    click.echo(f"documents:      {stats['documents']} ({stats['by_type']['article']} articles, "
               f"{stats['by_type']['listing']} listings)")
    click.echo(f"size on disk:   {stats['size_bytes'] / 1e6:.1f} MB in {stats['segments']} segments"
               + (f", {stats['shards']} shards" if "shards" in stats else ""))
    click.echo(f"updated:        {stats['updated']}")
    click.echo(f"schema version: {stats['schema_version']}")


def _serve_options(f: F) -> F:
    f = click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")(f)
    f = click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port.")(f)
    f = click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Worker processes.")(f)
    f = click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")(f)
    return f


@main.command("serve")
@index_dir_option
@_serve_options
@click.option(
    "--ray", "ray_address", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
    help="Serve on Ray Serve: join the cluster at ADDRESS (host:port of its head), "
    "or without it start a local Ray on 127.0.0.1. Needs the cluster extra.",
)
@friendly_errors
def serve_cmd(index_dir: str | None, host: str, port: int, workers: int, dev: bool, ray_address: str | None) -> None:
    """Serve the JSON API and the search page (gunicorn, several workers; or on Ray with --ray)."""
    from .server import serve

    settings = _settings(index_dir)
    settings.check()
    if ray_address is not None:
        from .cluster import require_ray, use_loopback

        require_ray()
        if ray_address == "local":
            use_loopback()
        from .cluster.serving import serve_on_ray

        serve_on_ray(settings, None if ray_address == "local" else ray_address, host=host, port=port)
        return
    serve(settings, host=host, port=port, workers=workers, dev=dev)


def _refuse_foreign_index(settings: Settings) -> None:
    """Raise unless ``settings.index_dir`` has no index, or one holding only the shipped sample."""
    from .errors import IndexUnavailable
    from .indexer import IndexStore
    from .ingest import Deletion, Problem, read_paths
    from .search import Engine

    if not IndexStore(settings.index_dir).exists():
        return
    advice = "use another --index-dir, or --force to replace it"
    sample = {item.id for item in read_paths(sample_paths()) if not isinstance(item, Problem | Deletion)}
    engine = Engine(settings.index_dir, settings)
    try:
        snap = engine.snapshot().store
        in_sample = sum(1 for doc_id in sample if snap.docnum(doc_id) is not None)
        others = int(snap.columns.live.sum()) - in_sample
    except IndexUnavailable as exc:
        raise NewsSearchError(f"{settings.index_dir} holds an index that cannot be read ({exc.message}); {advice}") from None
    finally:
        engine.close()
    if others:
        raise NewsSearchError(
            f"{settings.index_dir} already holds an index with {others} documents that are not the sample; {advice}"
        )


@main.command("demo")
@index_dir_option
@_serve_options
@click.option("--no-serve", is_flag=True, help="Only build the sample index and run one search.")
@click.option("--force", is_flag=True, help="Replace an existing index even if it holds other documents.")
@friendly_errors
def demo_cmd(
    index_dir: str | None, host: str, port: int, workers: int, dev: bool, no_serve: bool, force: bool
) -> None:
    """Build the shipped sample (articles and listings) into a fresh index and serve it.

    An index in the folder that holds anything but the sample is kept unless
    ``--force`` is given.
    """
    settings = _settings(index_dir)
    settings.check()
    if not force:
        _refuse_foreign_index(settings)
    _run_index(settings, list(sample_paths()), rebuild=True, doc_type=None, procs=1, report_file=None)
    from .models import SearchRequest
    from .search import Engine

    result = Engine(settings.index_dir, settings).search(SearchRequest(q="nha pho ha long", per_page=3))
    click.echo("sample search 'nha pho ha long':")
    _print_result(result.to_dict())
    if no_serve:
        return
    click.echo(f"serving on http://{host}:{port}/  (Ctrl+C to stop)")
    from .server import serve

    serve(settings, host=host, port=port, workers=workers, dev=dev)


@main.group("report")
def report_group() -> None:
    """Reports over what the service recorded."""


@report_group.command("queries")
@index_dir_option
@click.option("--since", default="7d", show_default=True, help="Period: 30m, 24h, 7d, 2w.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Rows per list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@friendly_errors
def report_queries_cmd(index_dir: str | None, since: str, limit: int, as_json: bool) -> None:
    """The most frequent queries, and those that found nothing, from the query log."""
    from datetime import UTC, datetime

    from .querylog import QUERY_LOG_NAME, parse_period, report

    settings = _settings(index_dir)
    start = datetime.now(UTC) - parse_period(since)
    result = report(Path(settings.index_dir) / QUERY_LOG_NAME, start, limit)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{result.searches} searches since {start.strftime('%d/%m/%Y %H:%M')} UTC "
        f"({result.with_query} with a query, {result.zero_results} with no result)"
    )
    for title, rows in (("top queries", result.top), ("top queries with no result", result.top_zero)):
        click.echo(f"\n{title}:")
        if not rows:
            click.echo("  (none)")
        width = max((len(str(r["count"])) for r in rows), default=1)
        for r in rows:
            click.echo(f"  {r['count']:>{width}}  {r['query']}")


if __name__ == "__main__":  # pragma: no cover
    main()
