"""Training the spaCy pipeline: the dev split and its folds, labelled examples from gold (spans and
context pairs), a tiny reproducible training, and model folders that change with what they are
made from."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from spacy.lang.zh import Chinese

from reform_facts.extractors import model_digest, training
from reform_facts.extractors.spacy_components import INDICATOR, QUANTITY, SPANS_KEY, suggest
from reform_facts.extractors.spacy_context import REGION, TEXTCAT, YEAR
from reform_facts.extractors.spacy_extractor import runtime
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Document
from reform_facts.gold import gold_files, load_file, split_of

SMALL_DOC = "001_0a27fa8f4e1d6f6b"  # the shortest gold document
TINY = {"corpora.train.limit": 8, "training.max_epochs": 2}
TINY_CONTEXT = {"corpora.train.limit": 200, "training.max_epochs": 2}


def _others(doc_id: str) -> list[str]:
    return [path.stem for path in gold_files(ROOT / "gold") if path.stem != doc_id]


def _train_tiny(output):
    """A pipeline trained on eight sentences of one document for two epochs, in a new process
    as every model the extractors load is (`training.train_in_new_process`)."""
    return training.train_in_new_process(_others(SMALL_DOC), output, overrides=TINY, context_overrides=TINY_CONTEXT)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return _train_tiny(tmp_path_factory.mktemp("tiny"))


@pytest.mark.slow  # about 15 s with loading spaCy and the segmenter; the training itself takes seconds
def test_training_on_a_tiny_sample_gives_a_working_pipeline(tiny_model):
    nlp = runtime(tiny_model, extractor="spacy", quantities="rules", indicators="learned")
    assert {"spancat", TEXTCAT} <= set(nlp.disabled) and set(nlp.get_pipe(TEXTCAT).labels) == {REGION, YEAR}
    doc = Document.from_text("力争到2027年，全市基层诊疗量占比达65%以上。", doc_id="d")
    parsed = nlp.make_doc(doc.text)
    parsed._.rf_document = doc
    claims = nlp(parsed)._.rf_claims
    assert [(c.text, c.value, c.year, c.extractor) for c in claims] == [("65%", 65.0, 2027, "spacy")]


@pytest.mark.slow
def test_training_is_reproducible(tiny_model, tmp_path):
    again = _train_tiny(tmp_path / "again")
    for component in ("spancat", TEXTCAT):
        assert (again / component / "model").read_bytes() == (tiny_model / component / "model").read_bytes()


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


def test_the_pipeline_learns_from_the_dev_split_only():
    trained = {path.stem for path in training.training_files()}
    every = {path.stem for path in gold_files(ROOT / "gold")}
    assert trained == {doc_id for doc_id in every if split_of(doc_id, ROOT / "gold") == "dev"}
    assert SMALL_DOC in trained and len(trained) >= 37
    assert not any(split_of(doc_id, ROOT / "gold") == "test" for doc_id in trained)


def test_the_folds_partition_the_dev_documents():
    folds = model_digest.folds()
    dealt = [doc_id for fold in folds for doc_id in fold]
    assert len(folds) == model_digest.FOLDS and len(dealt) == len(set(dealt))
    assert set(dealt) == {path.stem for path in training.training_files()}
    assert max(map(len, folds)) - min(map(len, folds)) <= 1
    assert training.training_sets(folds=True) == [(), *folds]
    assert training.training_sets(folds=False) == [()]


def test_a_dev_document_is_scored_by_its_fold_and_a_test_document_by_the_final_pipeline():
    fold = model_digest.fold_of(SMALL_DOC)
    assert SMALL_DOC in fold and fold in model_digest.folds()
    test_doc = next(path.stem for path in gold_files(ROOT / "gold", split="test"))
    assert model_digest.fold_of(test_doc) == ()


def test_missing_models_are_trained_side_by_side_one_per_core(monkeypatch):
    """`ensure_models` trains what is missing at most one per core at once, and returns every
    folder in the order asked (a training stood in for by a pause)."""
    running, most, calls, done = [0], [0], [], []
    lock = threading.Lock()

    def train_one(held_out):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
            calls.append(held_out)
        return Path("/models") / "+".join(held_out)

    monkeypatch.setattr(training, "ensure_model", train_one)
    monkeypatch.setattr(training, "is_trained", lambda held_out: held_out == ("e",))
    monkeypatch.setattr(training.os, "sched_getaffinity", lambda pid: {0, 1})
    sets = [("a",), ("b",), ("c",), ("d",), ("e",), ("a",)]
    paths = training.ensure_models(sets, on_done=lambda held_out, path, seconds: done.append((held_out, seconds)))
    assert paths == [Path("/models") / s[0] for s in sets]
    assert most[0] == 2  # two cores: two at once, never more
    assert sorted(calls[:4]) == [("a",), ("b",), ("c",), ("d",)]  # each missing one trained once first
    assert sorted(held_out for held_out, seconds in done if seconds is not None) == sorted(calls[:4])
    assert [held_out for held_out, seconds in done if seconds is None] == [("e",)]


@pytest.fixture(scope="module")
def context_examples():
    return training.context_examples(Chinese(), ROOT / "gold", held_out=_others(SMALL_DOC))


def test_context_examples_label_each_pair_with_its_own_field(context_examples):
    gold = [c for c in load_file(ROOT / "gold" / f"{SMALL_DOC}.jsonl") if not c.optional]
    assert context_examples
    for label in (REGION, YEAR):
        mine = [eg for eg in context_examples if label in eg.reference.cats]
        assert {eg.reference.cats[label] for eg in mine} == {0.0, 1.0}
        assert all(w.startswith(f"{label[0]}:") for eg in mine for w in eg.reference.text.split())
    assert all(len(eg.reference.cats) == 1 for eg in context_examples)
    # a right candidate per pair at most: fewer positives than gold claims, per field
    assert sum(eg.reference.cats.get(YEAR, 0.0) for eg in context_examples) <= len(gold)


def test_the_rules_choice_is_mostly_right_in_the_context_examples(context_examples):
    """The rules' choice (feature `rule`) is right far more often than another candidate: the
    labels follow the gold claims, not the candidates' order."""
    def rate(word):
        chosen = [eg for eg in context_examples if word in eg.reference.text.split()]
        return sum(max(eg.reference.cats.values()) for eg in chosen) / len(chosen)
    assert rate("Y:rule") > 0.8 > 0.3 > rate("Y:other")


def test_the_model_folder_changes_with_what_it_is_made_from(tmp_path):
    config = tmp_path / "other.cfg"
    config.write_text(training.CONFIG.read_text(encoding="utf-8").replace("max_epochs = ", "max_epochs = 1"),
                      encoding="utf-8")
    base = training.training_digest()
    assert training.training_digest([SMALL_DOC]) != base
    assert training.training_digest(config=config) != base
    assert training.training_digest() == base
