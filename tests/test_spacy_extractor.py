"""The `spacy` and `hybrid` extractors: registered, contract-valid on the corpus, pure, robust,
scored by `evaluate` on held-out documents only (a dev document by its fold's pipeline), and the
hybrid built from the field sources of configs/spacy_sources.cfg."""
from __future__ import annotations

import pytest

from reform_facts.errors import SpacyConfigError
from reform_facts.extractors import registry, training
from reform_facts.extractors.code_version import code_version
from reform_facts.extractors.spacy_components import CLAIMS
from reform_facts.extractors.spacy_context import CONTEXT, REGION, YEAR
from reform_facts.extractors.spacy_extractor import SpacyExtractor, field_sources, runtime
from reform_facts.gold import gold_files
from reform_facts.evaluation import evaluate as evaluation
from reform_facts import vocabulary
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Claim, Document

TRAINED = ("spacy", "hybrid")


@pytest.fixture(scope="module", params=TRAINED)
def extractor(request):
    return registry.get(request.param)


def test_spacy_and_hybrid_are_registered():
    assert {"rules", "spacy", "hybrid"} <= set(registry.names())


def test_the_version_names_the_trained_model(extractor):
    assert extractor.version == f"{extractor.name}-{training.model_dir().name}-{code_version()}"


def test_every_claim_keeps_the_contract(extractor, corpus_docs):
    for doc in corpus_docs:
        claims = extractor(doc)
        assert claims, f"{doc.doc_id}: no claims"
        for claim in claims:
            assert 0 <= claim.start < claim.end <= len(doc.text)
            assert doc.text[claim.start:claim.end] == claim.text
            assert vocabulary.unit_allowed(claim.quantity_type, claim.unit)
            assert claim.extractor == extractor.name and 0 < claim.confidence <= 1
            assert claim.indicator is None or claim.indicator in doc.text  # verbatim
            assert claim.region_code is None or (len(claim.region_code) == 6 and claim.region_code.isdigit())
            assert Claim.from_record(claim.to_record(keys=tuple(claim.to_record()))) == claim
        for left, right in zip(claims, claims[1:]):
            assert left.end <= right.start, (left.text, right.text)


def test_extraction_is_pure(extractor, corpus_docs):
    doc = corpus_docs[1]
    assert extractor(doc) == extractor(doc)


@pytest.mark.parametrize("text", ["", "\n\n", "   ", "65%", "５０．２８％", "🙂 2023年 \x00 3∶2", "第一" * 50,
                                  "1" * 400 + "%", "（（（（3家））））"])
def test_odd_text_never_raises(extractor, text):
    for claim in extractor(Document.from_text(text, doc_id="odd")):
        assert text[claim.start:claim.end] == claim.text


@pytest.mark.parametrize("sentence, figure, indicator", [
    ("力争到2027年，全市基层诊疗量占比达65%以上。", "65%", "基层诊疗量占比"),
    ("全市检查检验结果互认（共享）平台接入机构294家，支持检验检查互认项目734个。", "294家", "机构"),
])
def test_hybrid_keeps_rule_values_and_names_the_indicator(doc_from, sentence, figure, indicator):
    rules, mixed = registry.get("rules")(doc_from(sentence)), registry.get("hybrid")(doc_from(sentence))
    assert [(c.start, c.end, c.value, c.unit, c.region_code, c.year) for c in mixed] == \
        [(c.start, c.end, c.value, c.unit, c.region_code, c.year) for c in rules]
    found = next(c for c in mixed if c.text == figure)
    assert found.indicator is not None and indicator in found.indicator or found.indicator in indicator


class _Folded:
    """An extractor that says which documents its folds were given."""

    name, version = "folded", "folded-1"

    def __init__(self, held_out=()):
        self.held_out = tuple(held_out)

    def __call__(self, doc):
        assert self.held_out == (doc.doc_id,), f"{doc.doc_id} scored by a model without {self.held_out}"
        return []

    def cross_validate(self, held_out):
        return _Folded(held_out)


class _Recording(SpacyExtractor):
    """A SpacyExtractor that records what it would be trained without, and trains nothing."""

    built: list = []

    def __init__(self, *, held_out=()):
        self.held_out = tuple(sorted(held_out))
        self._folds = {}
        _Recording.built.append(self.held_out)


def test_cross_validation_holds_out_the_documents_fold_once():
    from reform_facts.extractors.model_digest import folds

    _Recording.built = []
    final = _Recording()
    fold = folds()[1]
    first, again = final.cross_validate([fold[0]]), final.cross_validate([fold[-1]])
    assert first.held_out == tuple(sorted(fold)) and again is first  # one pipeline per fold
    test_doc = next(path.stem for path in gold_files(ROOT / "gold", split="test"))
    assert final.cross_validate([test_doc]) is final  # never trained on: the final pipeline
    assert _Recording.built == [(), tuple(sorted(fold))]


def test_each_extractor_takes_each_field_from_its_configured_source(extractor):
    chosen = field_sources(extractor.name)
    assembler, chooser = extractor.nlp.get_pipe(CLAIMS), extractor.nlp.get_pipe(CONTEXT)
    assert (assembler.quantities, assembler.indicators, assembler.indicator_margin) == \
        (chosen["quantities"], chosen["indicators"], chosen["indicator_margin"])
    assert set(chooser.learned) == {label for label, field in ((REGION, "region"), (YEAR, "year"))
                                    if chosen[field] == "learned"}


def test_the_spacy_extractor_learns_every_field():
    chosen = field_sources("spacy")
    assert (chosen["quantities"], chosen["region"], chosen["year"]) == ("learned", "learned", "learned")
    assert chosen["indicators"] != "rules"


def test_a_sources_section_must_set_every_field(tmp_path, monkeypatch):
    from reform_facts.extractors import spacy_extractor

    bad = tmp_path / "sources.cfg"
    bad.write_text('[hybrid]\nquantities = "rules"\n', encoding="utf-8")
    monkeypatch.setattr(spacy_extractor, "SOURCES", bad)
    spacy_extractor.field_sources.cache_clear()
    try:
        with pytest.raises(SpacyConfigError, match="must set exactly"):
            spacy_extractor.field_sources("hybrid")
        with pytest.raises(SpacyConfigError, match=r"no section \[nothing\]"):
            spacy_extractor.field_sources("nothing")
    finally:
        spacy_extractor.field_sources.cache_clear()


def test_evaluate_scores_trained_extractors_on_held_out_documents(monkeypatch):
    known = registry.get
    monkeypatch.setattr(registry, "get", lambda name: _Folded() if name == "folded" else known(name))
    report = evaluation.run(extractors=["rules", "folded"], gold_dir=ROOT / "gold",
                            corpus_dir=ROOT / "corpus", resamples=0)
    held_out = {result.name: result.held_out for result in report.results}
    assert held_out == {"rules": False, "folded": True}
    assert "held-out docs" in report.table()


SENTENCE = "力争到2027年，全市基层诊疗量占比达65%以上。"


@pytest.mark.parametrize("shorter_score, rules_score, expected", [
    (0.9, 0.5, "诊疗量占比"),      # the categoriser is surer of another phrase by more than the margin
    (0.55, 0.5, "基层诊疗量占比"),  # not by enough: the rules' phrase stays
    (0.9, 0.85, "基层诊疗量占比"),
])
def test_the_indicator_is_the_rules_unless_the_categoriser_is_surer(doc_from, shorter_score, rules_score, expected):
    from reform_facts.extractors.spacy_components import INDICATOR, Offsets

    nlp = runtime(training.ensure_model(), extractor="hybrid", quantities="rules", indicators="rules_unless_surer",
                  indicator_margin=0.3)
    document = doc_from(SENTENCE)
    doc = nlp.make_doc(document.text)
    doc._.rf_document = document
    doc = nlp.get_pipe("reform_rule_spans")(doc)
    offsets = Offsets(doc)
    start = SENTENCE.index("基层诊疗量占比")
    doc._.rf_scores = {(*offsets.tokens(start, start + 7), INDICATOR): rules_score,
                       (*offsets.tokens(start + 2, start + 7), INDICATOR): shorter_score}
    claim = next(c for c in nlp.get_pipe(CLAIMS)(doc)._.rf_claims if c.text == "65%")
    assert claim.indicator == expected


def test_a_document_as_long_as_the_readers_accept_is_not_refused(extractor):
    from reform_facts.readers import MAX_BYTES

    assert extractor.nlp.max_length >= MAX_BYTES  # spaCy's own limit is a million characters
