"""Search behaviour on the shipped sample data (see src/newssearch/data)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newssearch.config import Settings
from newssearch.errors import BadRequest, NotFound
from newssearch.models import SearchRequest, SearchResult
from newssearch.search import Engine


def run(engine: Engine, q: str = "", **params: Any) -> SearchResult:
    return engine.search(SearchRequest.from_params({"q": q, **params}))


def ids(engine: Engine, q: str = "", **params: Any) -> list[str]:
    return [h.id for h in run(engine, q, **params).hits]


def facet(result: SearchResult, name: str) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[name]}


# -- matching ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("nguoi yeu the", "qn-0001"),
        ("người yếu thế", "qn-0001"),
        ("NGUOI YEU THE", "qn-0001"),
        ("Nguời yếu thế", "qn-0001"),  # a tone on the wrong vowel still folds
        ("cham lo nguoi yeu the", "qn-0001"),
        ("biet thu tay ho", "bds-0063"),
    ],
)
def test_known_items(engine: Engine, query: str, expected_first: str) -> None:
    assert ids(engine, query)[0] == expected_first


def test_unaccented_matches_accented_and_d(engine: Engine) -> None:
    result = run(engine, "dau tranh")
    assert result.total >= 2
    assert {"qn-0002", "qn-0033"} <= {h.id for h in result.hits}
    assert "<mark>Đấu</mark> <mark>tranh</mark>" in result.hits[0].title_html + result.hits[0].snippet
    assert "qn-0012" in ids(engine, "duoc", type="article")[:3]  # "được" 14 times


def test_accented_query_ranks_exact_diacritics_first(engine: Engine) -> None:
    exact = ids(engine, "bán nhà", type="article", per_page="100")
    folded = ids(engine, "ban nha", type="article", per_page="100")
    assert exact[0] == "qn-0003"
    assert set(folded) == set(exact)  # the same documents match...
    assert exact.index("qn-0004") > exact.index("qn-0003")  # ...but "bàn" ranks below "bán"
    # The accented query gives the exact-diacritics document a larger margin.
    r = run(engine, "bàn ghế", type="article")
    assert r.hits[0].id == "qn-0004"


def test_adjacent_syllables_rank_above_scattered(engine: Engine) -> None:
    hits = run(engine, "mua ban nguoi", type="article").hits
    assert hits[0].id == "qn-0002"
    assert "<mark>mua</mark> <mark>bán</mark> <mark>người</mark>" in hits[0].snippet + hits[0].title_html


def test_quoted_phrase_and_exclusion(engine: Engine) -> None:
    phrase = ids(engine, '"mua bán người"', per_page="50")
    assert "qn-0002" in phrase
    loose = ids(engine, "mua ban nguoi", per_page="50")
    assert set(phrase) <= set(loose)
    excluded = ids(engine, 'nguoi yeu the -"bình liêu"', per_page="50")
    assert excluded and all("Bình Liêu" not in engine.get(i)["title"] for i in excluded)
    assert len(ids(engine, "nguoi -nguoi")) == 0


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', 'title:"x', "(((", "AND OR NOT", "*?~^", "a:b:c", "\x00\x1f", "🏠🏠", '""', "-", "- -x"],
)
def test_syntax_characters_never_fail(engine: Engine, query: str) -> None:
    result = run(engine, query)
    assert result.total >= 0 and result.to_dict()["query"] == query.lstrip()


def test_joined_place_names(engine: Engine) -> None:
    halong = run(engine, "halong", per_page="50")
    assert halong.total >= 10
    assert any("<mark>Hạ Long</mark>" in h.title_html for h in halong.hits)


def test_codes_and_abbreviations(engine: Engine) -> None:
    assert ids(engine, "TP.HCM")
    assert set(ids(engine, "tphcm", per_page="50")) == set(ids(engine, "TP.HCM", per_page="50"))
    assert "qn-0001" in ids(engine, "LĐ-TB&XH")
    assert "qn-0001" in ids(engine, "ldtbxh")


def test_tone_placement_variants_find_the_same_documents(engine: Engine) -> None:
    assert set(ids(engine, "Uỷ ban", per_page="50")) == set(ids(engine, "Ủy ban", per_page="50"))
    assert set(ids(engine, "hoà", per_page="50")) == set(ids(engine, "hòa", per_page="50"))
    assert "qn-0014" in ids(engine, "khỏe", per_page="50")  # written "khoẻ" in qn-0014


# -- places --------------------------------------------------------------------


def test_place_in_query_is_recognised_and_boosted(engine: Engine) -> None:
    result = run(engine, "nha pho ha long", type="listing")
    assert result.recognized[0]["district"] == "Thành phố Hạ Long"
    top = result.hits[:3]
    assert all(h.district == "Thành phố Hạ Long" for h in top)
    assert all("nhà phố" in h.title.lower() for h in top)


def test_place_boost_beats_a_mere_mention(engine: Engine) -> None:
    # bds-0026 (Cẩm Phả) mentions "Hạ Long" in its text; listings IN Hạ Long rank above it.
    result = run(engine, "ha long", type="listing", per_page="50")
    in_place = [h.district == "Thành phố Hạ Long" for h in result.hits]
    assert "bds-0026" in [h.id for h in result.hits]
    assert in_place == sorted(in_place, reverse=True)  # every Hạ Long listing comes first


def test_district_query_with_abbreviation(engine: Engine) -> None:
    result = run(engine, "can ho q7")
    assert result.recognized and result.recognized[0]["district"] == "Quận 7"
    assert result.hits[0].district == "Quận 7"


@pytest.mark.parametrize("value", ["Quận 7", "quan 7", "Q.7", "Q7", "q7"])
def test_district_filter_forms(engine: Engine, value: str) -> None:
    result = run(engine, district=value, per_page="50")
    assert result.total == 5
    assert {h.district for h in result.hits} == {"Quận 7"}
    assert [v.value for v in result.facets["district"] if v.selected] == ["Quận 7"]


# -- relaxation, sorting, filters ------------------------------------------------


def test_and_then_relaxed_or(engine: Engine) -> None:
    strict = run(engine, "nha pho ha long")
    assert not strict.relaxed
    relaxed = run(engine, "nha pho zzqqxx")
    assert relaxed.relaxed and relaxed.total > 0
    assert run(engine, "zzqqxx").total == 0


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("newest", "published", True),
        ("oldest", "published", False),
        ("views", "views", True),
        ("price_asc", "price_vnd", False),
        ("price_desc", "price_vnd", True),
        ("area_asc", "area_m2", False),
        ("area_desc", "area_m2", True),
    ],
)
def test_sorts(engine: Engine, sort: str, key: str, reverse: bool) -> None:
    doc_type = "article" if key in ("published", "views") else "listing"
    hits = run(engine, type=doc_type, sort=sort, per_page="100").hits
    values = [getattr(h, key) for h in hits if getattr(h, key) is not None]
    assert len(values) >= 20
    assert values == sorted(values, reverse=reverse)


def test_browse_defaults_to_newest(engine: Engine) -> None:
    dates = [h.published for h in run(engine, type="article", per_page="50").hits]
    assert dates == sorted(dates, reverse=True)


def test_filters(engine: Engine) -> None:
    r = run(engine, type="listing", price_min="1000000000", price_max="2000000000", per_page="100")
    assert r.total > 0 and all(h.price_vnd is not None and 1e9 <= h.price_vnd < 2e9 for h in r.hits)
    r = run(engine, type="listing", area_min="100", per_page="100")
    assert r.total > 0 and all((h.area_m2 or 0) >= 100 for h in r.hits)
    r = run(engine, type="listing", bedrooms="4", per_page="100")
    assert r.total > 0 and all((h.bedrooms or 0) >= 4 for h in r.hits)
    r = run(engine, transaction="rent", per_page="100")
    assert r.total == 14 and {h.transaction for h in r.hits} == {"rent"}
    r = run(engine, property_type="biet thu", per_page="100")
    assert r.total > 0 and {h.property_type for h in r.hits} == {"Biệt thự"}
    r = run(engine, category="Du lịch", per_page="100")
    assert r.total > 0 and {h.category for h in r.hits} == {"Du lịch"}
    r = run(engine, date_from="2022-01-01", date_to="2022-12-31", type="article", per_page="100")
    assert r.total > 0 and all(h.published and h.published.startswith("2022") for h in r.hits)
    r = run(engine, year=["2019", "2020"], type="article", per_page="100")
    assert r.total > 0 and all(h.published and h.published[:4] in ("2019", "2020") for h in r.hits)
    r = run(engine, province="ha noi", per_page="100")
    assert r.total == 10 and {h.province for h in r.hits} == {"Thành phố Hà Nội"}
    author = run(engine, type="article").hits[0].author
    r = run(engine, author=str(author), per_page="100")
    assert r.total > 0 and {h.author for h in r.hits} == {author}
    assert run(engine, district="Nowhere at all").total == 0


def test_facets_are_disjunctive(engine: Engine) -> None:
    base = run(engine, type="listing")
    selected = run(engine, type="listing", district=["Quận 7"])
    both = run(engine, type="listing", district=["Quận 7", "Quận Gò Vấp"])
    # A facet's own counts ignore its own selection...
    assert facet(selected, "district") == facet(base, "district")
    assert both.total == facet(base, "district")["Quận 7"] + facet(base, "district")["Quận Gò Vấp"]
    # ...other facets count within the selection.
    assert sum(facet(selected, "province").values()) == selected.total == 5
    assert facet(selected, "province") == {"Thành phố Hồ Chí Minh": 5}
    types = facet(run(engine, "ha long", type="listing"), "type")
    assert types["article"] > 0 and types["listing"] > 0


def test_numeric_band_facets(engine: Engine) -> None:
    r = run(engine, type="listing")
    prices = facet(r, "price")
    assert len(prices) >= 9 and sum(prices.values()) <= r.total
    chosen = run(engine, type="listing", price_min="1000000000", price_max="2000000000")
    selected = [v for v in chosen.facets["price"] if v.selected]
    assert [v.label for v in selected] == ["1 - 2 tỷ"]
    assert facet(chosen, "price") == prices  # disjunctive
    bedrooms = facet(r, "bedrooms")
    assert bedrooms["1"] >= bedrooms["2"] >= bedrooms["3"] >= bedrooms["5"]
    assert facet(r, "area") and facet(run(engine, type="article"), "year")


# -- presentation -----------------------------------------------------------------


def test_snippets_show_original_text_and_are_escaped(engine: Engine) -> None:
    hit = run(engine, "nguoi yeu the").hits[0]
    assert "<mark>người</mark> <mark>yếu</mark> <mark>thế</mark>" in hit.title_html
    assert "<mark>" in hit.snippet and "<script" not in hit.snippet


@pytest.mark.parametrize(
    ("query", "corrected"),
    [
        # Found as typed: an unaccented query that matched is not a mistake.
        ("nha dat", None),
        ("nguoi yeu the", None),
        ("người yếu thế", None),
        ("cau tuan chau", None),
        # Typos and Telex/VNI typed without an input method.
        ("nguoi yeu thee", "người yếu thế"),
        ("nha phoo ha long", "nhà phố hạ long"),
        ("nhaf ddaats haj long", "nhà đất hạ long"),
        ("nha2 d9a61t ha5 long", "nhà đất hạ long"),
        # Nothing better to offer: no correction rather than a wrong one.
        ("cham lo nguoi yeu the", None),
        ("xqzvwj", None),
        ("12345", None),
        ("😀 🏠", None),
        ("can ho q7 2pn view", None),
    ],
)
def test_corrections(engine: Engine, query: str, corrected: str | None) -> None:
    result = run(engine, query)
    assert (result.corrected, result.suggestion) == (corrected, None)
    if corrected is not None:
        # The results shown are those of the correction, which finds every word.
        again = run(engine, corrected)
        assert not result.relaxed and result.total == again.total > 0
        assert [h.id for h in result.hits] == [h.id for h in again.hits]


def test_verbatim_search_suggests_instead_of_correcting(engine: Engine) -> None:
    result = run(engine, "nhaf ddaats haj long", verbatim="1")
    assert (result.corrected, result.suggestion) == (None, "nhà đất hạ long")
    assert run(engine, "nha dat", verbatim="1").suggestion is None


def test_typos_match_their_neighbours_below_exact_matches(engine: Engine) -> None:
    typed = run(engine, "nha phoo ha long", verbatim="1", per_page="50")
    exact = run(engine, "nha pho ha long", per_page="50")
    assert not typed.relaxed and typed.corrected is None
    assert {h.id for h in exact.hits} <= {h.id for h in typed.hits}
    # The documents with the word itself come first.
    assert {h.id for h in typed.hits[:5]} == {h.id for h in exact.hits[:5]}
    assert all("<mark>phố</mark>" in h.title_html for h in typed.hits[:5])
    # A known, common word is never read as a typo of another.
    assert run(engine, "nguoi -nguoi").total == 0


def test_relaxed_query_needs_most_words_and_marks_no_lone_stopword(engine: Engine) -> None:
    result = run(engine, "cham lo nguoi yeu the")
    assert result.relaxed and 0 < result.total <= 5
    assert result.hits[0].id == "qn-0001"
    assert "<mark>người</mark> <mark>yếu</mark> <mark>thế</mark>" in result.hits[0].title_html
    for hit in result.hits[1:]:
        assert "<mark>the</mark>" not in (hit.title_html + hit.snippet).lower()


@pytest.mark.parametrize(
    "query",
    ["a b c d e f g h i j k l m n o p q r s t u v x y", "ha " * 60, "qwxzjk vbnmlp zzqqxx wwkkjj", "0 1 2 3 4 5 6 7 8 9", "nhà 🏠 house дом 家"],
)
def test_odd_queries_are_bounded_and_never_corrected_wrongly(engine: Engine, query: str) -> None:
    import time

    started = time.perf_counter()
    result = run(engine, query)
    assert time.perf_counter() - started < 2.0
    assert result.corrected is None and result.suggestion is None


def test_abbreviations_match_their_expansions(engine: Engine, tmp_path: Any) -> None:
    expanded = set(ids(engine, '"bat dong san"', per_page="50"))
    abbreviated = set(ids(engine, "bds", per_page="50"))
    assert expanded and expanded <= abbreviated


def test_autocomplete(engine: Engine) -> None:
    texts = [s["text"] for s in engine.suggest("nha ph")]
    assert "nhà phố" in texts
    titles = [s for s in engine.suggest("cau vinh tuan") if s["kind"] == "title"]
    assert titles and all("Tuần Châu" in s["text"] for s in titles)
    assert engine.suggest("") == [] and engine.suggest("   ") == []
    assert [s["text"] for s in engine.suggest("Nhà Ph")] == texts


@pytest.mark.parametrize(
    ("prefix", "first"),
    [
        ("nha ph", {"text": "nhà phố", "kind": "phrase", "html": "<b>nhà ph</b>ố"}),
        ("ha l", {"text": "hạ long", "kind": "phrase", "html": "<b>hạ l</b>ong"}),
        # Telex and typos in finished words are read as the word they stand for.
        ("nhaf ph", {"text": "nhà phố", "kind": "phrase", "html": "<b>nhà ph</b>ố"}),
        ("nha phoo ", {"text": "nhà phố mặt", "kind": "phrase", "html": "<b>nhà phố</b> mặt"}),
    ],
)
def test_autocomplete_phrases_bold_what_was_typed(engine: Engine, prefix: str, first: dict[str, str]) -> None:
    got = engine.suggest(prefix)[0]
    assert {k: got[k] for k in first} == first


def test_autocomplete_offers_no_fragments_and_escapes(engine: Engine) -> None:
    # "tỉnh thông" (of "tỉnh thông qua") is two words that meet, not a phrase.
    assert all(s["kind"] == "title" for s in engine.suggest("tin"))
    for s in engine.suggest("ha"):
        assert "<b>" in s["html"] and "<script" not in s["html"]
    for prefix in ("xqzw", "😀", "<script>", "a " * 100):
        assert all(s["kind"] == "title" for s in engine.suggest(prefix))


def test_synonyms_file_takes_effect_without_a_rebuild(sample_index: Any, tmp_path: Any) -> None:
    import shutil

    root = tmp_path / "idx"
    shutil.copytree(sample_index, root, symlinks=True)
    engine = Engine(root)
    assert run(engine, "zqhl").total == 0
    (root / "synonyms.txt").write_text("zqhl, hạ long  # a made-up abbreviation\n", "utf-8")
    phrase = set(ids(engine, '"hạ long"', per_page="100"))
    assert phrase and set(ids(engine, "zqhl", per_page="100")) == phrase
    engine.close()


def test_related(engine: Engine) -> None:
    related = [h.id for h in engine.related("qn-0008", limit=5)]
    assert "qn-0008" not in related
    assert len({"qn-0009", "qn-0010", "qn-0011"} & set(related[:4])) >= 2
    assert all(h.type == "listing" for h in engine.related("bds-0001"))
    with pytest.raises(NotFound):
        engine.related("nope")


def test_get_document(engine: Engine) -> None:
    doc = engine.get("qn-0001")
    assert doc["title"] and doc["type"] == "article"
    with pytest.raises(NotFound):
        engine.get("missing")


def test_pagination(engine: Engine) -> None:
    page1 = ids(engine, type="listing", per_page="10", page="1")
    page2 = ids(engine, type="listing", per_page="10", page="2")
    assert len(page1) == 10 and len(page2) == 10 and not set(page1) & set(page2)
    assert ids(engine, type="listing", per_page="10", page="99") == []
    with pytest.raises(BadRequest):
        run(engine, page="0")


def test_json_contract(engine: Engine) -> None:
    data = run(engine, "nha pho ha long").to_dict()
    assert set(data) >= {"query", "total", "page", "per_page", "relaxed", "hits", "facets", "suggestion", "took_ms"}
    hit_keys = {
        "id", "type", "title", "url", "snippet", "published", "category", "author", "province",
        "district", "ward", "property_type", "transaction", "price_vnd", "area_m2", "bedrooms",
        "views", "score",
    }  # fmt: skip
    assert all(hit_keys <= set(h) for h in data["hits"])
    for values in data["facets"].values():
        for v in values:
            assert set(v) == {"value", "label", "count", "selected"}
    article = next(h for h in run(engine, "nguoi yeu the").to_dict()["hits"] if h["type"] == "article")
    assert article["price_vnd"] is None and article["property_type"] is None


def test_unfinished_last_word_matches_as_prefix(engine: Engine, sample_index: Path) -> None:
    # Without freshness: it reorders the two near-tied bridge stories differently
    # for the two queries (their text scores differ by the prefix weight).
    timeless = Engine(sample_index, Settings(index_dir=sample_index, recency_weight=0.0))
    try:
        assert ids(timeless, "cau vinh tuan ch")[:1] == ids(timeless, "cau vinh tuan chau")[:1]
    finally:
        timeless.close()
    assert run(engine, "nguoi yeu th").hits[0].id == "qn-0001"
    # A finished word (followed by a space) is not expanded: "th" alone matches nothing.
    assert not run(engine, "nguoi yeu th").relaxed
    assert run(engine, "nguoi yeu th ").relaxed


def test_listing_metadata_words_match(tmp_path: Any) -> None:
    from newssearch.documents import Listing
    from newssearch.indexer import IndexStore

    structured = Listing(
        id="s1",
        title="Dự án Ocean Park, Xã Long Hưng, Văn Giang, Hưng Yên",
        property_type="Nhà riêng",
        transaction="sale",
        district="Huyện Văn Giang",
        province="Tỉnh Hưng Yên",
        price_vnd=8.6e9,
    )
    elsewhere = Listing(id="s2", title="Bán nhà Kim Giang 40m2", description="Nhà đẹp", district="Quận Thanh Xuân")
    IndexStore(tmp_path).write([structured, elsewhere])
    engine = Engine(tmp_path)
    result = engine.search(SearchRequest(q="ban nha van giang"))
    assert result.hits[0].id == "s1"  # "bán" and "nhà" come from its type and transaction
    assert result.recognized[0]["district"] == "Huyện Văn Giang"


def _place_index(tmp_path: Any) -> Engine:
    from newssearch.documents import Article, Listing
    from newssearch.indexer import IndexStore

    docs = [
        # News in Hạ Long whose words fold to the query's ("căn nhà", "họ").
        Article(
            id="news",
            title="Cháy căn nhà của họ ở Hạ Long, Hạ Long rực lửa",
            body="Căn nhà của họ ở phường Bãi Cháy, thành phố Hạ Long bị cháy.",
            province="Tỉnh Quảng Ninh",
            district="Thành phố Hạ Long",
            published=datetime(2022, 6, 17),
        ),
        # A listing in Hạ Long that does not name the city in its title.
        Listing(
            id="in-place",
            title="Bán căn hộ view vịnh, 2 phòng ngủ",
            property_type="Căn hộ chung cư",
            transaction="sale",
            province="Tỉnh Quảng Ninh",
            district="Thành phố Hạ Long",
        ),
        # A listing elsewhere whose title repeats the name.
        Listing(
            id="elsewhere",
            title="Căn hộ Hạ Long Bay, Hạ Long view, gần Hạ Long",
            property_type="Căn hộ chung cư",
            transaction="sale",
            province="Tỉnh Quảng Ninh",
            district="Thành phố Cẩm Phả",
        ),
    ]
    IndexStore(tmp_path).write(docs)
    return Engine(tmp_path)


def test_being_in_the_named_place_beats_repeating_its_name(tmp_path: Any) -> None:
    engine = _place_index(tmp_path)
    try:
        got = [h.id for h in engine.search(SearchRequest(q="can ho ha long ")).hits]
        assert got.index("in-place") < got.index("elsewhere")
    finally:
        engine.close()


def test_property_words_with_a_place_rank_listings_above_news(tmp_path: Any) -> None:
    engine = _place_index(tmp_path)
    try:
        got = [h.id for h in engine.search(SearchRequest(q="can ho ha long ")).hits]
        assert got[0] == "in-place" and got.index("news") > got.index("in-place")
        # Without property words the news story is first.
        assert engine.search(SearchRequest(q="chay ha long ")).hits[0].id == "news"
    finally:
        engine.close()


# -- bounded work per request ---------------------------------------------------


@pytest.fixture(scope="module")
def no_time_engine(sample_index: Any) -> Any:
    """An engine whose budget is spent before any work starts."""
    from newssearch.config import Settings

    e = Engine(sample_index, Settings(index_dir=sample_index, search_budget=1e-9))
    yield e
    e.close()


@pytest.mark.parametrize(
    "q",
    ["nha pho ha long", "can ho q7", '"nhà phố" ha long -"cho thuê"', "biet thu tay ho"],
)
def test_a_spent_budget_still_answers_with_what_it_has(engine: Engine, no_time_engine: Engine, q: str) -> None:
    full = run(engine, q)
    cut = run(no_time_engine, q)
    assert (full.timed_out, full.relaxed, cut.timed_out) == (False, False, True)
    # At least the first word is matched: the cut result is a superset of the full one.
    assert 0 < full.total <= cut.total < len(engine.snapshot().columns.live)
    assert len(cut.hits) == min(10, cut.total)
    assert cut.to_dict()["timed_out"] is True


def test_the_any_word_retry_runs_inside_the_budget(engine: Engine, no_time_engine: Engine) -> None:
    q = "zzqxv nha pho"  # nothing has all three words; the first is matched, then time is up
    assert run(engine, q).relaxed is True
    cut = run(no_time_engine, q)
    assert (cut.relaxed, cut.timed_out, cut.total) == (False, True, 0)


def test_a_spent_budget_skips_the_suggestion(engine: Engine, no_time_engine: Engine) -> None:
    assert run(engine, "nha pho ha logn").suggestion is not None
    assert run(no_time_engine, "nha pho ha logn").suggestion is None


def test_repeated_phrases_and_exclusions_are_checked_once(engine: Engine) -> None:
    once = run(engine, '"nhà phố" -"cho thuê"')
    repeated = run(engine, " ".join(['"nhà phố"'] * 20 + ['-"cho thuê"'] * 20))
    assert once.total > 0
    assert [h.id for h in repeated.hits] == [h.id for h in once.hits]
    assert (repeated.total, repeated.timed_out, repeated.ignored) == (once.total, False, {})


def test_query_parts_over_the_caps_are_ignored_and_reported(engine: Engine) -> None:
    from newssearch.budget import MAX_EXCLUDED, MAX_PHRASES

    phrases = " ".join(f'"nha pho{i}"' for i in range(MAX_PHRASES + 2))
    excluded = " ".join(f"-khong{i}" for i in range(MAX_EXCLUDED + 3))
    result = run(engine, f"nha {phrases} {excluded}")
    assert result.ignored == {"phrases": 2, "excluded": 3}
    assert result.to_dict()["ignored"] == {"phrases": 2, "excluded": 3}


def test_autocomplete_reads_the_last_words_only(engine: Engine, no_time_engine: Engine) -> None:
    from newssearch.budget import Deadline

    long_prefix = ("nha pho " * 60)[:500]
    assert engine.suggest(long_prefix) == engine.suggest("nha pho nha pho ")
    deadline = Deadline(1e-9)
    # Out of time: the phrases, no titles.
    cut = engine.suggest("nha p", deadline=deadline)
    assert [s["text"] for s in cut] == ["nhà phố"] and {s["kind"] for s in cut} == {"phrase"}
    assert {s["kind"] for s in engine.suggest("nha p")} == {"phrase", "title"}
    assert deadline.timed_out


class _ExpiresAfter:
    """A deadline that expires at its ``calls``-th check (to cut a step half-way)."""

    def __init__(self, calls: int) -> None:
        self.calls = calls
        self.timed_out = False

    def expired(self) -> bool:
        self.calls -= 1
        self.timed_out = self.timed_out or self.calls < 0
        return self.timed_out


def test_a_phrase_check_cut_half_way_keeps_the_unchecked_candidates(engine: Engine) -> None:
    from newssearch.query import parse_query

    snap = engine.snapshot()

    def match(q: str, deadline: Any = None) -> Any:
        return engine._match(snap, parse_query(q), [], relaxed=False, deadline=deadline)[0]

    words, phrase, excluded = match("nha nhà phố"), match('nha "nhà phố"'), match('nha -"nhà phố"')
    assert 0 < phrase.sum() < words.sum()
    partial = 0
    for calls in range(40):
        cut_phrase = match('nha "nhà phố"', _ExpiresAfter(calls))
        cut_excluded = match('nha -"nhà phố"', _ExpiresAfter(calls))
        # The documents the check did not reach keep the phrase's words required ...
        assert not (phrase & ~cut_phrase).any() and not (cut_phrase & ~words).any()
        # ... and are not excluded; the ones it reached are.
        assert not (excluded & ~cut_excluded).any()
        partial += phrase.sum() < cut_phrase.sum() < words.sum()
    assert partial > 0  # some checks were cut after some documents, not before the first
    assert (match('nha "nhà phố"', _ExpiresAfter(10**6)) == phrase).all()


# -- editors: names, remembered phrases, fields, dates, freshness, export ------


def _ids(engine: Engine, q: str, **params: Any) -> list[str]:
    return [h.id for h in engine.search(SearchRequest.from_params({"q": q, **params})).hits]


@pytest.mark.parametrize("query", ["hoang giang", "Hoàng Giang", "HOANG GIANG "])
def test_author_name_in_the_box_ranks_their_articles_above_mentions(editors_engine: Engine, query: str) -> None:
    got = _ids(editors_engine, query)
    # Both of the author's articles first, then the article about someone of that name.
    assert sorted(got[:2]) == ["bài/2022 số 1", "ed-author"]
    assert got[2] == "ed-mention"


def test_a_remembered_sentence_ranks_its_article_first_wherever_it_is(
    editors_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newssearch import phrases

    assert "đoàn công tác đã kiểm tra tuyến đê biển" in editors_engine.get("ed-author")["body"][3000:]
    for query in ("doan cong tac da kiem tra tuyen de bien", "đoàn công tác đã kiểm tra tuyến đê biển"):
        assert _ids(editors_engine, query)[0] == "ed-author"
    # Without the phrase check the short article repeating the words wins.
    monkeypatch.setattr(phrases, "WINDOW", 0)
    assert _ids(editors_engine, "doan cong tac da kiem tra tuyen de bien")[0] == "ed-scatter"


def test_quoted_phrases_stay_exact(editors_engine: Engine) -> None:
    assert _ids(editors_engine, '"đoàn công tác đã kiểm tra"') == ["ed-author"]
    assert _ids(editors_engine, '"đê biển đã kiểm tra"') == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tác giả: Hoàng Giang", ["bài/2022 số 1", "ed-author"]),
        ('author:"hoang giang" cang ca', ["bài/2022 số 1"]),
        ("tiêu đề: biển", ["ed-mention", "ed-scatter"]),
        ("chuyên mục: Xã hội", ["ed-author"]),
        ("category: du lich", ["ed-new", "ed-old"]),
        ('"triển lãm" OR cảng', ["bài/2022 số 1", "ed-mention"]),
        ("triển lãm OR cảng", ["ed-mention"]),  # OR joins its neighbours: triển (lãm OR cảng)
        ("năm 2022", ["bài/2022 số 1", "ed-author"]),
        ("tháng 6/2022", ["ed-author"]),
        ("từ 2023 đến 2024 biển", ["ed-mention", "ed-scatter"]),
        ("tác giả: Ai Đó", []),
    ],
)
def test_editors_syntax(editors_engine: Engine, query: str, expected: list[str]) -> None:
    assert sorted(_ids(editors_engine, query)) == expected


def test_what_the_syntax_cannot_read_is_explained(editors_engine: Engine) -> None:
    result = editors_engine.search(SearchRequest(q="tháng 13/2022 OR"))
    assert result.notes == [
        "Không hiểu thời gian “tháng 13/2022”; đã tìm như từ khóa.",
        "Bỏ qua “OR” không đứng giữa hai từ.",
    ]
    assert result.to_dict()["notes"] == result.notes


def test_month_facet(editors_engine: Engine) -> None:
    result = editors_engine.search(SearchRequest(q="hoang giang"))
    assert [(v.value, v.label, v.count, v.selected) for v in result.facets["month"]] == [
        ("2022-06", "06/2022", 1, False),
        ("2022-07", "07/2022", 1, False),
        ("2024-03", "03/2024", 1, False),
    ]
    chosen = editors_engine.search(SearchRequest.from_params({"q": "hoang giang", "date_from": "2022-06-01", "date_to": "2022-06-30"}))
    assert [(v.value, v.selected) for v in chosen.facets["month"]] == [("2022-06", True)]


def test_freshness_ranks_recent_news_first_and_can_be_turned_off(editors_index: Path) -> None:
    fresh = Engine(editors_index)
    timeless = Engine(editors_index, Settings(index_dir=editors_index, recency_weight=0.0))
    try:
        assert _ids(fresh, "du lich ha long")[:2] == ["ed-new", "ed-old"]
        hits = timeless.search(SearchRequest(q="du lich ha long")).hits
        assert hits[0].score == hits[1].score  # equally relevant without freshness
        assert _ids(fresh, "du lich ha long", sort="oldest")[:2] == ["ed-old", "ed-new"]
    finally:
        fresh.close()
        timeless.close()


def test_iter_documents_streams_every_match_past_the_result_window(engine: Engine) -> None:
    everything = list(engine.iter_documents(SearchRequest(sort="newest"), batch=7))
    assert len(everything) == engine.search(SearchRequest()).total == 122
    assert len({d["id"] for d in everything}) == 122
    first_page = [h.id for h in engine.search(SearchRequest(q="ha long", per_page=10)).hits]
    assert [d["id"] for d in engine.iter_documents(SearchRequest(q="ha long"))][:10] == first_page
    assert list(engine.iter_documents(SearchRequest(q="zzzqqq"))) == []
