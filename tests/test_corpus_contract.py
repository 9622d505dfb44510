"""Every claim the extractors make on the corpus keeps the contract, and nothing excluded comes out."""
from __future__ import annotations

import regex

from reform_facts import vocabulary
from reform_facts.claim import Comparator, Kind, QuantityType

# what the contract says is never a claim, as patterns over a claim's text and its surroundings
YEAR_ONLY = regex.compile(r"^(?:19|20)\d{2}\s*年?$")
DOC_NUMBER_BEFORE = regex.compile(r"〔\s*\d{4}\s*〕\s*$")
ORDINAL_BEFORE = regex.compile(r"第\s*$")


def test_every_claim_keeps_the_contract(rules, corpus_docs):
    for doc in corpus_docs:
        claims = rules(doc)
        assert claims, f"{doc.doc_id}: no claims"
        for claim in claims:
            assert 0 <= claim.start < claim.end <= len(doc.text)
            assert doc.text[claim.start:claim.end] == claim.text
            assert claim.quantity_type in QuantityType
            assert claim.comparator in Comparator
            assert claim.kind in Kind
            assert vocabulary.unit_allowed(claim.quantity_type, claim.unit)
            assert claim.extractor == "rules" and 0 < claim.confidence <= 1
            assert claim.text.strip() and claim.text.strip() in claim.sentence.replace("\n", "") \
                or claim.text in claim.sentence
            assert claim.region_code is None or claim.region_code.isdigit()
            assert claim.rule_id


def test_nothing_excluded_comes_out(rules, corpus_docs):
    for doc in corpus_docs:
        for claim in rules(doc):
            before = doc.text[max(0, claim.start - 8):claim.start]
            assert not YEAR_ONLY.match(claim.text), claim
            assert not DOC_NUMBER_BEFORE.search(before), claim
            assert not ORDINAL_BEFORE.search(before), claim


def test_spans_do_not_overlap(rules, corpus_docs):
    for doc in corpus_docs:
        claims = rules(doc)
        for left, right in zip(claims, claims[1:]):
            assert left.end <= right.start, (left.text, right.text)


def test_extraction_is_pure(rules, corpus_docs):
    """The same document twice gives the same claims: no state kept between calls."""
    doc = corpus_docs[0]
    assert rules(doc) == rules(doc)
