"""The compact pkuseg model (extractors/models.py): derived from the published one, it must
cut every text exactly as the published one does, from less memory."""
from __future__ import annotations

import contextlib
import gc
import io
import pickle

import numpy as np
import pytest
import spacy_pkuseg

from reform_facts.extractors import spacy_pipeline
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.extractors import models

# Corpus sentences (with figures, units, regions and a line break): what both models must cut alike.
SENTENCES = [
    "全市基层诊疗量占比达65%以上，较上年度提升18个百分点。",
    "三明市深化医药卫生体制改革实施方案\n累计节约费用7721.4万元",
    "县域内就诊率达到90%以上，家庭医生签约覆盖率50.28%。",
]


def _pkuseg(folder):
    """A pkuseg over `folder`, leaving pkuseg's global model folder as it was (other tests
    check that it is the project's)."""
    before = spacy_pkuseg.config.modelDir
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return spacy_pkuseg.pkuseg(str(folder), user_dict="default")
    finally:
        spacy_pkuseg.config.modelDir = before


def _toy_model(folder):
    """A small pkuseg model in the published layout: character features of the sentences,
    weights with repeated rows and all-zero rows, and the unused word-pair set."""
    chars = sorted({c for s in SENTENCES for c in s if not c.isspace()})
    keys = ["$$"] + [f"{kind}.{c}" for kind in ("c", "c-1", "c1", "c-2", "c2") for c in chars]
    rng = np.random.default_rng(7)
    rows = rng.integers(-3, 4, size=(len(keys), 5)).astype(np.float64)  # few values: many repeats
    rows[1::9] = 0.0
    edges = rng.normal(size=25)
    features = {"unigram": ["医药", "卫生", "百分点"], "bigram": ["医药*卫生"],
                "feature_to_idx": {k: i for i, k in enumerate(keys)},
                "tag_to_idx": {"B": 0, "B_single": 1, "I": 2, "I_end": 3, "I_first": 4}}
    folder.mkdir()
    (folder / "features.pkl").write_bytes(pickle.dumps(features, protocol=4))
    np.savez(folder / "weights.npz", sizes=np.array([5, len(keys)]), w=np.concatenate([rows.ravel(), edges]))
    return features, rows


def test_the_compact_form_keeps_each_features_weights(tmp_path):
    features, rows = _toy_model(tmp_path / "published")
    models.derive_compact(tmp_path / "published", tmp_path / "compact")
    compact, new_rows, _ = models.read_model(tmp_path / "compact")
    kept = compact["feature_to_idx"]
    assert compact["bigram"] == [] and compact["unigram"] == features["unigram"]
    assert kept["$$"] == 0  # pkuseg adds id 0 to every character by number
    for key, old in features["feature_to_idx"].items():
        if key in kept:
            assert new_rows[kept[key]].tobytes() == rows[old].tobytes(), key
        else:
            assert not rows[old].any(), key
    used = set(kept.values())  # one id per distinct row of weights; an unused row is all zeros
    assert len(kept) < len(features["feature_to_idx"])
    assert len(used) == len({rows[features["feature_to_idx"][k]].tobytes() for k in kept})
    assert all(i in used or not new_rows[i].any() for i in range(len(new_rows)))


def test_the_compact_features_are_a_standard_pickle(tmp_path):
    """What pkuseg's loader reads is the standard pickler's output of the compact dict: anyone
    can write it again with `pickle.dump`, no pickler of our own in between."""
    _toy_model(tmp_path / "published")
    models.derive_compact(tmp_path / "published", tmp_path / "compact")
    written = (tmp_path / "compact" / "features.pkl").read_bytes()
    assert written == pickle.dumps(pickle.loads(written), protocol=4)


def test_the_compact_form_is_derived_byte_for_byte_the_same(tmp_path):
    _toy_model(tmp_path / "published")
    models.derive_compact(tmp_path / "published", tmp_path / "a")
    models.derive_compact(tmp_path / "published", tmp_path / "b")
    for name in models.COMPACT_SHA256:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.parametrize("sentence", SENTENCES)
def test_the_compact_toy_model_cuts_as_the_published_one(tmp_path, sentence):
    _toy_model(tmp_path / "published")
    models.derive_compact(tmp_path / "published", tmp_path / "compact")
    assert _pkuseg(tmp_path / "compact").cut(sentence) == _pkuseg(tmp_path / "published").cut(sentence)


def test_the_loaded_model_is_the_verified_compact_one():
    assert models.pkuseg_model_dir() == models.PKUSEG_DIR
    assert models.verify(models.PKUSEG_DIR, models.COMPACT_SHA256)


@pytest.mark.slow  # loads the published model (about 800 MiB, 8 s) beside the compact one
def test_the_compact_model_cuts_the_corpus_as_the_published_one():
    if not models.verify_pkuseg():
        pytest.skip(f"the published model is not in {models.SOURCE_DIR}: run `make setup`")
    published = _pkuseg(models.SOURCE_DIR)
    compact = spacy_pipeline.segmenter(())
    try:
        for path in sorted((ROOT / "corpus").glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            assert compact.cut(text) == published.cut(text), path.name
    finally:
        del published
        gc.collect()
