"""The scorer agrees with a second, deliberately plain implementation of docs/claims.md's scores,
on the real gold set against the rule extractor's output (hundreds of pairs, every kind of error)."""
from __future__ import annotations

from collections import Counter

import pytest

from reform_facts.evaluation import scoring

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.extractors import registry
from reform_facts.gold import document_path, load_gold, split_of
from reform_facts.readers import read_document


def reference_scores(predicted, gold):
    """Pair greedily by largest overlap, one to one, per document; then count as the contract says."""
    candidates = []
    for i, p in enumerate(predicted):
        for j, g in enumerate(gold):
            overlap = min(p.end, g.end) - max(p.start, g.start)
            if p.doc_id == g.doc_id and overlap > 0:
                candidates.append((-overlap, abs(p.start - g.start), i, j))
    used_p, used_g, pairs = set(), set(), []
    for _o, _d, i, j in sorted(candidates):
        if i not in used_p and j not in used_g:
            used_p.add(i), used_g.add(j), pairs.append((predicted[i], gold[j]))
    counted = [(p, g) for p, g in pairs if not g.optional]
    n_pred = len(predicted) - sum(1 for _p, g in pairs if g.optional)
    n_gold = sum(1 for g in gold if not g.optional)

    def close(a, b):
        return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-12))

    def lenient(a, b):
        if a is None or b is None:
            return a == b
        common = sum((Counter(a) & Counter(b)).values())
        return common and 2 * common / (len(a) + len(b)) >= 0.5

    right = [p for p, g in counted if close(p.value, g.value) and close(p.value_max, g.value_max)
             and p.unit == g.unit and p.region_code == g.region_code and p.year == g.year
             and lenient(p.indicator, g.indicator)]
    return 2 * len(counted) / (n_pred + n_gold), 2 * len(right) / (n_pred + n_gold)


@pytest.fixture(scope="module")
def data(rules):
    """The rules' claims and the gold claims of the whole dev split (37 documents, tables and prose)."""
    gold = {doc_id: claims for doc_id, claims in load_gold(ROOT / "gold").items()
            if split_of(doc_id, ROOT / "gold") == "dev"}
    docs = [registry.describe(read_document(document_path(doc_id, gold_dir=ROOT / "gold", corpus_dir=ROOT / "corpus")))
            for doc_id in sorted(gold)]
    return [c for doc in docs for c in rules(doc)], [c for claims in gold.values() for c in claims]


def test_scorer_agrees_with_reference(data):
    predicted, gold = data
    mention_f1, claim_f1 = reference_scores(predicted, gold)
    score = scoring.evaluate(predicted, gold).score
    assert score.f1 == pytest.approx(mention_f1)
    assert score.claim_f1 == pytest.approx(claim_f1)


def test_scorer_agrees_with_reference_on_a_weaker_prediction(data):
    """Every third prediction dropped and every other one's year shifted: the two still agree."""
    predicted, gold = data
    weaker = [c.with_(year=(c.year or 2000) + 1) if n % 2 else c
              for n, c in enumerate(predicted) if n % 3]
    mention_f1, claim_f1 = reference_scores(weaker, gold)
    score = scoring.evaluate(weaker, gold).score
    assert score.f1 == pytest.approx(mention_f1)
    assert score.claim_f1 == pytest.approx(claim_f1)
    assert claim_f1 < mention_f1
