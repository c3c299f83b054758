"""End to end in a real headless Chromium (Playwright): search, autocomplete, facets, XSS, no-JS, mobile.

The app runs on 127.0.0.1 with an ephemeral port in a thread (werkzeug
``make_server``) over the sample index. Screenshots go to ``tests/artifacts/``
(git-ignored); ``results-1280.png`` is the one copied to ``docs/screenshot.png``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from werkzeug.serving import make_server

from newssearch.documents import Article, Listing
from newssearch.indexer import IndexStore
from newssearch.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.browser
expect = sync_api.expect


def _serve(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def base_url(sample_index: Path) -> Iterator[str]:
    yield from _serve(create_app({"index_dir": sample_index}))


@pytest.fixture(scope="module")
def evil_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("evil-browser-index")
    IndexStore(root).write(
        [
            Article(
                id="evil-1",
                title="<img src=x onerror=\"window.__xss=1;alert(1)\"> Nhà phố Hạ Long",
                body="<script>window.__xss=2;alert(2)</script> nhà phố <svg onload=\"window.__xss=3\">",
                url="javascript:window.__xss=4",
                published=datetime(2024, 5, 1),
            ),
            Listing(
                id="evil-2",
                title="Bán nhà phố \" autofocus onfocus=\"window.__xss=5",
                description="nhà phố <iframe src=javascript:window.__xss=6>",
                price_vnd=1.2e9,
                area_m2=85,
            ),
        ]
    )
    yield from _serve(create_app({"index_dir": root}))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def dialogs() -> list[str]:
    return []


@pytest.fixture
def page(browser: Any, dialogs: list[str]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    pg = context.new_page()
    pg.set_default_timeout(10_000)

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    yield pg
    context.close()


def _total(page: Any) -> int:
    return int(page.locator(".summary strong").first.inner_text().replace(".", ""))


def test_search_autocomplete_facets(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    box = page.get_by_role("combobox", name="Tìm kiếm")
    box.click()
    box.press_sequentially("nha pho ha l", delay=40)

    # The autocomplete list appears while typing, with accented completions.
    listbox = page.get_by_role("listbox", name="Gợi ý tìm kiếm")
    listbox.wait_for(state="visible")
    options = listbox.get_by_role("option")
    expect(options.first).to_have_text(re.compile(r"^nhà phố hạ long"))
    assert options.count() >= 2
    assert box.get_attribute("aria-expanded") == "true"

    # Keyboard: down selects the first option, Escape closes the list.
    box.press("ArrowDown")
    first_id = options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first_id
    box.press("Escape")
    assert listbox.is_hidden()
    assert box.get_attribute("aria-expanded") == "false"

    box.press_sequentially("ong", delay=20)
    with page.expect_navigation():
        box.press("Enter")
    assert "q=nha+pho+ha+long" in page.url

    # Results with accented highlights for the unaccented query.
    hits = page.locator("ol.hits > li")
    assert hits.count() > 0
    marks = {m.strip() for m in page.locator(".hit-title mark").all_inner_texts()}
    assert {"Hạ", "Long"} <= marks
    assert "phố" in {m.lower() for m in marks}
    page.screenshot(path=str(ARTIFACTS / "results-1280.png"))
    before_total = _total(page)
    before_tabs = page.locator(".tabs").inner_text()

    # Pick a facet value: results and counts change.
    value = page.locator(".facet", has=page.get_by_role("heading", name="Loại nhà đất")).locator("a.facet-value").first
    label = value.locator(".label").inner_text()
    count = int(value.locator(".count").inner_text().replace(".", ""))
    assert count < before_total
    with page.expect_navigation():
        value.click()
    assert "property_type=" in page.url
    assert _total(page) == count == page.locator("ol.hits > li").count()
    assert page.locator(".tabs").inner_text() != before_tabs
    selected = page.locator("a.facet-value.selected")
    assert selected.locator(".label").all_inner_texts() == [label]
    chip = page.locator(".chip")
    assert chip.inner_text().startswith(f"Loại nhà đất: {label}")
    page.screenshot(path=str(ARTIFACTS / "results-facet.png"))

    # Remove it with the chip's ×.
    with page.expect_navigation():
        chip.click()
    assert _total(page) == before_total


def test_choose_suggestion_with_keyboard(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    box = page.get_by_role("combobox", name="Tìm kiếm")
    box.click()
    box.press_sequentially("nguoi y", delay=40)
    listbox = page.get_by_role("listbox")
    listbox.wait_for(state="visible")
    expect(listbox.get_by_role("option").first).to_have_text(re.compile(r"^người yếu"))
    box.press("ArrowDown")
    with page.expect_navigation():
        box.press("Enter")
    assert box.input_value() == "người yếu"
    marks = {m.lower() for m in page.locator(".hits mark").all_inner_texts()}
    assert "người" in marks


def test_unaccented_query_highlights_accented_text(page: Any, base_url: str) -> None:
    page.goto(base_url + "/?" + urlencode({"q": "nguoi yeu the"}))
    assert page.locator("ol.hits > li").count() > 0
    assert "người" in {m.lower() for m in page.locator(".hits mark").all_inner_texts()}
    # Found as typed: no "did you mean" (an unaccented query is not a mistake).
    assert page.get_by_text("Có phải bạn muốn tìm:").count() == 0


def test_query_with_markup_runs_no_script(page: Any, base_url: str, dialogs: list[str]) -> None:
    evil = "<img src=x onerror=\"window.__xss=1;alert(1)\"><script>window.__xss=2</script>"
    page.goto(base_url + "/?q=" + quote(evil))
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.get_by_role("combobox", name="Tìm kiếm").input_value() == evil
    assert page.locator("img[src=x]").count() == 0


def test_documents_with_markup_run_no_script(page: Any, evil_url: str, dialogs: list[str]) -> None:
    page.goto(evil_url + "/?q=nha+pho")
    page.wait_for_load_state("load")
    assert page.locator("ol.hits > li").count() == 2
    titles = page.locator(".hit-title").all_inner_texts()
    assert any(t.startswith('<img src=x onerror="window.__xss=1;alert(1)">') for t in titles)
    assert page.locator(".hit-title a[href^=javascript]").count() == 0
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.mouse.move(300, 400)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []


def test_works_without_javascript(browser: Any, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(base_url + "/")
        page.get_by_role("combobox", name="Tìm kiếm").fill("can ho")
        with page.expect_navigation():
            page.get_by_role("button", name="Tìm kiếm").click()
        total = _total(page)
        assert total > 0
        # Sort with the form button, then filter with the range form.
        page.get_by_label("Sắp xếp").select_option("price_asc")
        with page.expect_navigation():
            page.get_by_role("button", name="Sắp xếp").click()
        assert "sort=price_asc" in page.url and _total(page) == total
        page.get_by_label("Từ", exact=True).first.select_option("1000000000")
        with page.expect_navigation():
            page.get_by_role("button", name="Áp dụng").click()
        assert "price_min=1000000000" in page.url and "sort=price_asc" in page.url
        assert _total(page) < total
        assert page.locator(".chip").first.inner_text().startswith("Mức giá: từ 1 tỷ")
    finally:
        context.close()


def test_mobile_layout(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(base_url + "/?q=nha+pho+ha+long")
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.locator("#filters").get_attribute("open") is None  # collapsed on phones
        assert page.locator("ol.hits > li").first.is_visible()
        page.screenshot(path=str(ARTIFACTS / "results-390.png"), full_page=False)
        page.get_by_text("Bộ lọc").click()
        assert page.locator("#filters").get_attribute("open") is not None
    finally:
        context.close()


def test_keyboard_focus_is_visible(page: Any, base_url: str) -> None:
    page.goto(base_url + "/?q=ha+long")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["y"] >= 0  # the skip link shows itself when focused
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


#: For every visible text node: its colour against the first opaque background behind it.
CONTRAST_AUDIT = """
() => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g) || []; return m.map(Number); };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) { return c.slice(0, 3); }
    }
    return [255, 255, 255];
  };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest(".visually-hidden, [hidden], script, style, option")) { continue; }
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0 || getComputedStyle(el).visibility === "hidden") { continue; }
    if (el.closest("details:not([open]) > :not(summary)")) { continue; }
    const fg = parse(getComputedStyle(el).color).slice(0, 3);
    const l1 = lum(fg), l2 = lum(background(el));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) { bad.push(node.textContent.trim().slice(0, 40) + " " + ratio.toFixed(2)); }
  }
  return bad;
}
"""


@pytest.mark.parametrize(
    "path", ["/?q=nha+pho+ha+long&district=Th%C3%A0nh+ph%E1%BB%91+H%E1%BA%A1+Long", "/?q=xyzzy&bedrooms=2", "/?page=0", "/nope"]
)
def test_text_contrast_at_least_4_5(page: Any, base_url: str, path: str) -> None:
    page.goto(base_url + path)
    page.wait_for_load_state("load")
    assert page.evaluate(CONTRAST_AUDIT) == []


@pytest.fixture(scope="module", autouse=True)
def _artifacts() -> None:
    ARTIFACTS.mkdir(exist_ok=True)


def test_sort_menu_applies_on_change_under_the_csp(page: Any, base_url: str) -> None:
    console: list[str] = []
    failed: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type in ("error", "warning") else None)
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    response = page.goto(f"{base_url}/?q=nha+pho")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".sort-form button")).to_be_hidden()
    with page.expect_navigation():
        page.select_option("#sort", "newest")
    assert "sort=newest" in page.url
    expect(page.locator("#sort")).to_have_value("newest")
    dates = [datetime.strptime(t, "%d/%m/%Y") for t in page.locator(".hit-meta time").all_inner_texts()]
    assert dates == sorted(dates, reverse=True) and len(dates) > 3
    assert not [m for m in console if "Content Security Policy" in m], console
    assert failed == []  # the favicon, the stylesheet and the script all load


def test_understood_query_chips_remove_one_filter_without_javascript(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base_url + "/?" + urlencode({"q": "ban can ho duoi 3 ty 2pn"}))
        chips = page.locator(".chips a.chip")
        assert [c.split("×")[0].strip() for c in chips.all_inner_texts()] == [
            "Hình thức: Bán", "Loại: Căn hộ chung cư", "Giá: dưới 3 tỷ", "Phòng ngủ: 2",
        ]
        with page.expect_navigation():
            page.get_by_role("link", name=re.compile("^Giá: dưới 3 tỷ")).click()
        assert "q=ban+can+ho+2pn" in page.url
        expect(page.locator(".chips a.chip")).to_have_count(3)
        assert "Giá: dưới 3 tỷ" not in page.locator(".chips").inner_text()
    finally:
        context.close()
