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
from typing import Any, TypeVar

import click

from .config import Settings
from .errors import NewsSearchError
from .models import SORTS

F = TypeVar("F", bound=Callable[..., Any])


def _settings(index_dir: str | None) -> Settings:
    return Settings.from_env(index_dir=index_dir)


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
def main() -> None:
    """newssearch: Vietnamese full-text search for news articles and property listings."""


def sample_paths() -> list[Path]:
    """The sample articles and listings shipped with the package."""
    data = resources.files("newssearch") / "data"
    return [Path(str(data / "articles.jsonl")), Path(str(data / "listings.jsonl"))]


def _run_index(
    settings: Settings, paths: list[str | Path], rebuild: bool, doc_type: str | None, procs: int,
    report_file: str | None,
) -> int:
    from .indexer import IndexStore, progress_bar
    from .ingest import read_paths

    store = IndexStore(settings.index_dir)
    update, close = progress_bar()
    try:
        report = store.write(
            read_paths(paths, doc_type=doc_type),
            rebuild=rebuild,
            procs=procs,
            lock_timeout=settings.lock_timeout,
            progress=update,
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
    return 0


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@index_dir_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index beside the live one and swap it in atomically.")
@click.option("--type", "doc_type", type=click.Choice(["article", "listing"]), help="Force the record type.")
@click.option("--procs", type=click.IntRange(1, 16), default=1, show_default=True, help="Writer processes.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), help="Where to write skipped records.")
@friendly_errors
def index_cmd(
    paths: tuple[str, ...], index_dir: str | None, rebuild: bool, doc_type: str | None, procs: int,
    report_file: str | None,
) -> None:
    """Index files or folders (JSON Lines, JSON, CSV, HTML pages, scraped page text; .gz too).

    Incremental by default: documents are added or replaced by id, and a
    re-run of the same input changes nothing.
    """
    _run_index(_settings(index_dir), list(paths), rebuild, doc_type, procs, report_file)


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


@main.command("search")
@click.argument("query", nargs=-1)
@index_dir_option
@click.option("--type", "types", multiple=True, type=click.Choice(["article", "listing"]), help="Document type.")
@click.option("--category", multiple=True, help="Category (repeat for several).")
@click.option("--author", multiple=True, help="Author.")
@click.option("--province", multiple=True, help="Province (official, unaccented or abbreviated).")
@click.option("--district", multiple=True, help='District, e.g. "Quận 7", "quan 7", "Q7".')
@click.option("--ward", multiple=True, help="Ward.")
@click.option("--property-type", multiple=True, help="Property type, e.g. 'Nhà phố'.")
@click.option("--transaction", multiple=True, type=click.Choice(["sale", "rent"]), help="Sale or rent.")
@click.option("--year", multiple=True, help="Publication year.")
@click.option("--date-from", help="Earliest date (2022-06-17 or 17/06/2022).")
@click.option("--date-to", help="Latest date.")
@click.option("--price-min", help="Minimum price in VND.")
@click.option("--price-max", help="Maximum price in VND.")
@click.option("--area-min", help="Minimum area in m².")
@click.option("--area-max", help="Maximum area in m².")
@click.option("--bedrooms", help="At least this many bedrooms.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True, help="Order.")
@click.option("--page", default="1", show_default=True, help="Page number.")
@click.option("--limit", "per_page", default="10", show_default=True, help="Results per page.")
@click.option("--verbatim", is_flag=True, default=None, help="Search the words as typed (no correction).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract.")
@friendly_errors
def search_cmd(query: tuple[str, ...], index_dir: str | None, as_json: bool, **options: Any) -> None:
    """Search the index. Unaccented queries work; "quotes" for phrases; -word excludes."""
    from .models import SearchRequest
    from .search import Engine

    settings = _settings(index_dir)
    params: dict[str, Any] = {"q": " ".join(query)}
    rename = {"types": "type", "property_type": "property_type"}
    for key, value in options.items():
        if value in (None, (), ""):
            continue
        if value is True:
            value = "1"
        params[rename.get(key, key)] = list(value) if isinstance(value, tuple) else value
    req = SearchRequest.from_params(params, settings)
    result = Engine(settings.index_dir, settings).search(req)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_result(result.to_dict())


def _plain(html_text: str) -> str:
    import html as html_mod

    marked = html_text.replace("<mark>", "\x1b[1m").replace("</mark>", "\x1b[0m")
    if not sys.stdout.isatty():
        marked = html_text.replace("<mark>", "[").replace("</mark>", "]")
    return html_mod.unescape(marked)


def _print_result(data: dict[str, Any]) -> None:
    mode = " (any word: no result had all of them)" if data["relaxed"] else ""
    click.echo(f"{data['total']} results for {data['query']!r}{mode} in {data['took_ms']} ms")
    if data.get("corrected"):
        click.echo(f"Đang hiển thị kết quả cho: {data['corrected']} (--verbatim: tìm chính xác {data['query']!r})")
    if data.get("suggestion"):
        click.echo(f"Có phải bạn muốn tìm: {data['suggestion']}")
    for r in data.get("recognized", []):
        click.echo(f"recognised place: {r['text']} -> {r.get('ward') or r.get('district') or r.get('province')}")
    start = (data["page"] - 1) * data["per_page"]
    for i, h in enumerate(data["hits"], start + 1):
        meta = [h.get("published") or "", h.get("category") or h.get("district") or ""]
        if h["type"] == "listing":
            meta += [h.get("price_text") or "", f"{h['area_m2']} m²" if h.get("area_m2") else ""]
        click.echo(f"{i:>3}. {_plain(h['title_html'])}  [{h['type']}] {' · '.join(m for m in meta if m)}")
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
    for h in Engine(settings.index_dir, settings).related(doc_id, limit):
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
    click.echo(f"size on disk:   {stats['size_bytes'] / 1e6:.1f} MB in {stats['segments']} segments")
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
@friendly_errors
def serve_cmd(index_dir: str | None, host: str, port: int, workers: int, dev: bool) -> None:
    """Serve the JSON API and the search page (gunicorn, several workers)."""
    from .server import serve

    serve(_settings(index_dir), host=host, port=port, workers=workers, dev=dev)


@main.command("demo")
@index_dir_option
@_serve_options
@click.option("--no-serve", is_flag=True, help="Only build the sample index and run one search.")
@friendly_errors
def demo_cmd(index_dir: str | None, host: str, port: int, workers: int, dev: bool, no_serve: bool) -> None:
    """Build the shipped sample (articles and listings) into a fresh index and serve it."""
    settings = _settings(index_dir)
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


if __name__ == "__main__":  # pragma: no cover
    main()
