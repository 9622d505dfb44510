"""Training the spaCy pipeline: labelled examples from gold, a tiny reproducible training, and
model folders that change with what they are made from."""
from __future__ import annotations

import pytest

from reform_facts.extractors import training
from reform_facts.extractors.spacy_components import INDICATOR, QUANTITY, SPANS_KEY, suggest
from reform_facts.extractors.spacy_extractor import runtime
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Document
from reform_facts.gold import gold_files

SMALL_DOC = "001_0a27fa8f4e1d6f6b"  # the shortest gold document
TINY = {"corpora.train.limit": 8, "training.max_epochs": 2}


def _others(doc_id: str) -> list[str]:
    return [path.stem for path in gold_files(ROOT / "gold") if path.stem != doc_id]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A pipeline trained on eight sentences of one document for two epochs."""
    return training.train(held_out=_others(SMALL_DOC), output=tmp_path_factory.mktemp("tiny"), overrides=TINY)


@pytest.mark.slow  # about 15 s with loading the segmenter; the training itself takes seconds
def test_training_on_a_tiny_sample_gives_a_working_pipeline(tiny_model):
    nlp = runtime(tiny_model, extractor="spacy", quantities="rules", indicators="learned")
    doc = Document.from_text("力争到2027年，全市基层诊疗量占比达65%以上。", doc_id="d")
    parsed = nlp.make_doc(doc.text)
    parsed._.rf_document = doc
    claims = nlp(parsed)._.rf_claims
    assert [(c.text, c.value, c.extractor) for c in claims] == [("65%", 65.0, "spacy")]


@pytest.mark.slow
def test_training_is_reproducible(tiny_model, tmp_path):
    again = training.train(held_out=_others(SMALL_DOC), output=tmp_path / "again", overrides=TINY)
    assert (again / "spancat" / "model").read_bytes() == (tiny_model / "spancat" / "model").read_bytes()


@pytest.fixture(scope="module")
def examples():
    nlp = training.load(training.ensure_model())
    return training.build_examples(nlp, ROOT / "gold", held_out=_others(SMALL_DOC))


def test_examples_label_the_gold_claims_of_their_sentences(examples):
    labelled = [(span.text, span.label_) for eg in examples for span in eg.reference.spans[SPANS_KEY]]
    assert ("65%", QUANTITY) in labelled and ("基层诊疗量占比", INDICATOR) in labelled
    assert ("5∶3∶2", QUANTITY) in labelled


def test_the_suggester_proposes_most_labelled_spans(examples):
    settings = {key: training.config_value(f"components.spancat.suggester.{key}")
                for key in ("max_tokens", "before_gap", "after_gap")}
    labelled = [(eg, (span.start, span.end)) for eg in examples for span in eg.reference.spans[SPANS_KEY]]
    proposed = sum(span in suggest(eg.predicted, **settings) for eg, span in labelled)
    assert proposed >= 0.9 * len(labelled)


def test_held_out_documents_are_not_trained_on(examples):
    kept = (ROOT / "corpus" / f"{SMALL_DOC}.txt").read_text(encoding="utf-8")
    assert examples and all(eg.predicted.text in kept for eg in examples)


def test_the_model_folder_changes_with_what_it_is_made_from(tmp_path):
    config = tmp_path / "other.cfg"
    config.write_text(training.CONFIG.read_text(encoding="utf-8").replace("max_epochs = ", "max_epochs = 1"),
                      encoding="utf-8")
    base = training.training_digest()
    assert training.training_digest([SMALL_DOC]) != base
    assert training.training_digest(config=config) != base
    assert training.training_digest() == base
