"""pkuseg with the features of the characters it meets (extractors/lean_pkuseg.py): every
feature that can fire on a text is loaded with the full model's id before the text is cut, so
every cut is the full model's; the table it loads them from spells the model's keys again."""
from __future__ import annotations

import contextlib
import copy
import io
import threading

import numpy as np
import pytest
import spacy_pkuseg

from reform_facts.extractors import lean_pkuseg, spacy_pipeline
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.extractors import models
from tests.test_pkuseg_model import SENTENCES, _pkuseg, _toy_model


def _corpus_lines() -> list[str]:
    """From each corpus document: its title, a line with figures, and its longest line."""
    lines = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        text = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        lines += [text[0], next(line for line in text if any(ch.isdigit() for ch in line)), max(text, key=len)]
    return lines


# What each test cuts: corpus lines, and text made of what pkuseg renames or classes (digits,
# ASCII and full-width letters, the keyword characters -._,|/*: that become "&", full-width
# punctuation and digits) and scripts the corpus does not hold.
TEXTS = _corpus_lines() + SENTENCES + [
    "2023年1-6月，门诊量同比增长12.5%；住院：3,456人次/日",
    "DRG/DIP支付方式改革覆盖率100%，CT、MRI检查结果互认",
    "a-b.c_d,e|f/g*h:i 医保-基金.结余_率,统筹|区/县*乡:村",
    "（一）全省１２３家医院ＡＢＣ类，占比６５％以上；ｘｙｚ",
    "Health reform 医改 改革 의료 개혁 いりょう改革 Ωμέγα ∑ 🙂 end.",
    "十二五期间共投入三千五百万元，较上年增长百分之八",
]


class _Everything:
    """A word-pair set holding every pair: pkuseg's Python extractor then spells every word-pair
    feature it could look up (the compact model dropped the set; the fast path never reads it)."""

    def __contains__(self, item: object) -> bool:
        return True


@pytest.fixture(scope="module")
def full():
    """The compact model as published pkuseg loads it: all 2.6 million features."""
    return _pkuseg(models.pkuseg_model_dir())


@pytest.fixture(scope="module")
def lean():
    return lean_pkuseg.load(models.pkuseg_model_dir())


def _fresh(lean_seg):
    """A copy of the lean segmenter that has met no character yet (its own dict and cover)."""
    seg = copy.copy(lean_seg)
    seg.feature_extractor = copy.copy(lean_seg.feature_extractor)
    seg.feature_extractor.feature_to_idx = {}
    seg.cover = lean_pkuseg.FeatureCover(models.pkuseg_model_dir() / "feature_table.npz",
                                         seg.feature_extractor.feature_to_idx,
                                         seg.feature_extractor.normalize_text)
    return seg


@pytest.mark.slow  # loads the full feature dict (2 s, 600 MiB)
@pytest.mark.parametrize("text", TEXTS)
def test_every_feature_the_text_can_fire_is_loaded_with_its_id(full, lean, text):
    seg = _fresh(lean)
    seg.cut(text)
    loaded = seg.feature_extractor.feature_to_idx
    every = copy.copy(full.feature_extractor)
    every.bigram = _Everything()
    whole = full.feature_extractor.feature_to_idx
    for piece in text.split():  # pkuseg cuts each whitespace-free piece alone
        nodes = list(every.normalize_text(piece))
        for at in range(len(nodes)):
            for feature in every.get_node_features(at, nodes):
                if feature in whole:
                    assert loaded.get(feature) == whole[feature], (piece, at, feature)
    assert len(loaded) < len(whole) / 2  # what it is for: most features are not loaded


@pytest.mark.slow  # loads the full feature dict (2 s, 600 MiB)
@pytest.mark.parametrize("text", TEXTS)
def test_a_text_is_cut_as_with_every_feature(full, lean, text):
    assert _fresh(lean).cut(text) == full.cut(text)


@pytest.mark.slow  # loads the full feature dict and cuts the corpus twice
def test_the_corpus_is_cut_as_with_every_feature_from_threads(full, lean):
    seg = _fresh(lean)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    cuts: dict[int, list[str]] = {}
    threads = [threading.Thread(target=lambda i=i: cuts.__setitem__(i, seg.cut(texts[i])))
               for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, text in enumerate(texts):
        assert cuts[i] == full.cut(text), i


def test_the_dict_only_grows_with_the_characters_met(lean):
    seg = _fresh(lean)
    loaded = seg.feature_extractor.feature_to_idx
    at_start = dict(loaded)
    assert loaded.get("$$") == 0 and all(key.startswith(("$$", "c", "w")) for key in at_start)
    seg.cut(SENTENCES[0])
    first = dict(loaded)
    seg.cut("123456")  # digits only: classed as **Num, they pull in nothing new
    assert loaded == first
    seg.cut(SENTENCES[1])
    assert len(first) > len(at_start) and len(loaded) > len(first)
    assert all(loaded[key] == value for key, value in first.items())


def test_copies_with_other_user_words_share_the_feature_dict():
    plain, units = spacy_pipeline.segmenter(()), spacy_pipeline.segmenter(("units",))
    assert units.cover is plain.cover
    assert units.feature_extractor.feature_to_idx is plain.feature_extractor.feature_to_idx
    units.cut("患者满意度提升了3个百分点")
    assert "cc1.满.意" in plain.feature_extractor.feature_to_idx
    assert spacy_pkuseg.config.modelDir == str(models.pkuseg_model_dir())


@pytest.mark.parametrize("key, parts", [
    ("$$", (0, "", "")),
    ("c.县", (1, "县", "")),
    ("c2.**Num", (5, "**Num", "")),
    ("c-2c-1.&.医", (8, "&", "医")),
    ("w1.医疗卫生", (10, "医疗卫生", "")),
    ("ww.l.**noWord***noWord", (11, "**noWord", "**noWord")),
    ("ww.r.基层*医疗", (12, "基层", "医疗")),
    ("x.县", (models.RAW, "x.县", "")),  # no known prefix: kept whole, always loaded
    ("cc1.a.b.c", (models.RAW, "cc1.a.b.c", "")),
])
def test_a_feature_key_splits_into_its_prefix_and_tokens(key, parts):
    assert models._split(key) == parts


def test_the_table_spells_every_key_and_id_again():
    keys = {"$$": 0, "c.县": 1, "cc1.县.域": 2, "w-1.县域": 1, "ww.r.县域***noWord": 3, "zz": 4}
    table = models.feature_table(keys)
    assert models.table_keys(table, np.arange(len(keys))) == list(keys)
    assert table["ids"].tolist() == list(keys.values())


def test_the_toy_model_cut_from_its_table_is_the_published_cut(tmp_path):
    _toy_model(tmp_path / "published")
    models.derive_compact(tmp_path / "published", tmp_path / "compact")
    published = _pkuseg(tmp_path / "published")
    before = spacy_pkuseg.config.modelDir
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            toy = lean_pkuseg.load(tmp_path / "compact")
    finally:
        spacy_pkuseg.config.modelDir = before
    # no character met yet: the start feature, and keys that do not parse ("c.." for the "." of
    # 7721.4, which pkuseg renames "&": it never fires), loaded whatever the text
    assert {models._split(key)[0] for key in toy.feature_extractor.feature_to_idx} == {0, models.RAW}
    for sentence in SENTENCES:
        assert toy.cut(sentence) == published.cut(sentence)


def test_a_pair_feature_is_loaded_once_its_characters_stand_side_by_side(lean):
    seg = _fresh(lean)
    loaded = seg.feature_extractor.feature_to_idx
    seg.cut("意见满分")  # 满 and 意 both met, never side by side
    assert "c.满" in loaded and "c.意" in loaded
    assert "cc1.满.意" not in loaded and "c-1c.满.意" not in loaded
    seg.cut("满意")
    assert "cc1.满.意" in loaded and "c-1c.满.意" in loaded
