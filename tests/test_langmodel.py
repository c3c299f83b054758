"""The syllable language model: counting, the model file, decoding, updates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newssearch.documents import Article, Listing
from newssearch.indexer import IndexStore
from newssearch.langmodel import MODEL_FILE, TITLE_WEIGHT, LanguageModel, NgramCounter, restore_text
from newssearch.search import Engine

TEXTS = [
    "Bán nhà đất Hạ Long giá rẻ.",
    "Nhà đất Hạ Long tăng giá. Nhà phố Hạ Long đắt hàng.",
    "Cho thuê phòng trọ gần chợ. Phòng trọ giá rẻ cho sinh viên.",
    "Người yếu thế được chăm lo. Chăm lo cho người yếu thế vùng cao.",
    "Tác giả Hoàng Giang ra mắt sách. Tác giả trẻ.",
    "Hà Nội mưa to, hạ nhiệt nhanh. Hà Nội và Hạ Long.",
]


def model_of(texts: list[str]) -> LanguageModel:
    counter = NgramCounter()
    for text in texts:
        counter.add_document(text)
    return LanguageModel(counter.arrays())


def test_counts_stop_at_punctuation_and_digits_and_weigh_titles() -> None:
    counter = NgramCounter()
    counter.add_document("Hà Nội, 2 tầng", "Nhà 2 tầng ở Hà Nội.")
    w = TITLE_WEIGHT
    # Syllables are counted once wherever they are; a title's pairs and triples weigh more.
    assert dict(counter.unigrams) == {"hà": 2, "nội": 2, "tầng": 2, "nhà": 1, "ở": 1}
    assert dict(counter.bigrams) == {("hà", "nội"): w + 1, ("tầng", "ở"): 1, ("ở", "hà"): 1}
    assert dict(counter.trigrams) == {("tầng", "ở", "hà"): 1, ("ở", "hà", "nội"): 1}
    assert counter.documents == 1


def test_a_triple_seen_once_does_not_outweigh_a_common_pair() -> None:
    # "bán nhà" is seen once, followed by "đặt"; "nhà đất" is seen everywhere
    # else. Kneser-Ney weighs the one triple by how little there is of it.
    counter = NgramCounter()
    for text in ["Bán nhà đặt cọc trước.", *["Mua nhà đất Hạ Long."] * 3, *["Nhà đất giá rẻ."] * 3]:
        counter.add_text(text)
    model = LanguageModel(counter.arrays())
    assert model.restore_words(["ban", "nha", "dat"]) == ["bán", "nhà", "đất"]
    assert model.restore_words(["ban", "nha", "dat", "coc"]) == ["bán", "nhà", "đặt", "cọc"]


@pytest.mark.parametrize(
    ("folded", "restored"),
    [
        ("nha dat ha long", "nhà đất hạ long"),
        ("cho thue phong tro", "cho thuê phòng trọ"),
        ("cham lo nguoi yeu the", "chăm lo người yếu thế"),
        ("tac gia hoang giang", "tác giả hoàng giang"),
        ("ha noi", "hà nội"),
        # Unknown words are kept; accented ones are kept and steer their neighbours.
        ("xyz ha long", "xyz hạ long"),
        ("nhà dat", "nhà đất"),
        # Punctuation and digits end a run and are kept.
        ("Ha Noi, 2 tang", "hà nội, 2 tăng"),
        ("", ""),
    ],
)
def test_restore(folded: str, restored: str) -> None:
    assert restore_text(model_of(TEXTS), folded) == restored


def test_decode_prefers_the_word_as_typed_unless_context_pays_for_a_correction() -> None:
    model = model_of(TEXTS)
    assert model.decode([[("người", 0.0)], [("yếu", 0.0)], [("thế", 0.0), ("thể", -7.0)]]) == ["người", "yếu", "thế"]
    assert model.decode([[("nhà", 0.0)], [("zzz", 0.0), ("đất", -7.0)], [("hạ", 0.0)]]) == ["nhà", "đất", "hạ"]
    assert model.decode([]) == []


def test_save_load_and_merge(tmp_path: Path) -> None:
    first, second = NgramCounter(), NgramCounter()
    first.add_document(TEXTS[0])
    second.add_document(TEXTS[1])
    path = tmp_path / MODEL_FILE
    LanguageModel.save(first.arrays(), path)
    loaded = LanguageModel.load(path)
    assert loaded is not None and loaded.bigram_count("hạ", "long") == TITLE_WEIGHT
    merged = LanguageModel(loaded.merged(second))
    both = model_of(TEXTS[:2])
    assert merged.words == both.words and merged.documents == both.documents == 2
    for name in ("unigrams", "bigram_keys", "bigram_counts", "trigram_keys", "trigram_counts"):
        assert np.array_equal(getattr(merged, name), getattr(both, name)), name


@pytest.mark.parametrize("content", [b"", b"not a zip file", b"PK\x03\x04broken"])
def test_a_broken_model_file_is_no_model(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / MODEL_FILE
    path.write_bytes(content)
    assert LanguageModel.load(path) is None
    assert LanguageModel.load(tmp_path / "missing.npz") is None


def test_indexing_writes_and_updates_the_model(tmp_path: Path) -> None:
    store = IndexStore(tmp_path)
    store.write([Article(id="a1", title="Nhà đất Hạ Long", body=TEXTS[1])])
    gen = store.current_dir()
    assert gen is not None
    model = LanguageModel.load(gen / MODEL_FILE)
    assert model is not None and model.documents == 1
    store.write([Listing(id="l1", title="Cho thuê phòng trọ", description=TEXTS[2])])
    model = LanguageModel.load(gen / MODEL_FILE)
    assert model is not None and model.documents == 2 and model.count("trọ") == 3
    # Without a model the restorer falls back to the index's title pairs.
    (gen / MODEL_FILE).unlink()
    engine = Engine(tmp_path)
    assert engine.restore("nha dat ha long") == "nhà đất hạ long"
    engine.close()
    # An update of an index without a model does not start a partial one.
    store.write([Article(id="a2", title="Hà Nội mưa", body=TEXTS[5])])
    assert not (gen / MODEL_FILE).exists()


def test_an_empty_model_keeps_words_as_typed() -> None:
    empty = model_of([])
    assert restore_text(empty, "Nha dat") == "nha dat"
    assert empty.decode([[("nhà", 0.0), ("nha", 0.0)], [("đất", 0.0)]]) == ["nhà", "đất"]
    assert empty.folded_bigram_count("nha", "dat") == 0
