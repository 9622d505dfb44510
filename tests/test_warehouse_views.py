"""`extractor_disagreements` case by case, and evaluation results as `record_evaluation` stores them.

The second extractor here is a stand-in: the rule extractor's own claims of a corpus document,
relabelled and changed one field at a time, so that each expected disagreement is known."""
from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Claim, Kind, QuantityType
from reform_facts.warehouse.load import ExtractionResult, load_run, record_evaluation

# (case id, change to the stand-in's claim, the disagreement row expected: kind and fields)
CHANGES = [
    ("value", lambda c: c.with_(value=c.value + 1), ("differ", ["value"])),
    ("region", lambda c: c.with_(region="北京市", region_code="110000"), ("differ", ["region_code"])),
    ("year", lambda c: c.with_(year=(c.year or 2000) + 1), ("differ", ["year"])),
    ("kind", lambda c: c.with_(kind=Kind.TARGET if c.kind is Kind.ACTUAL else Kind.ACTUAL), ("differ", ["kind"])),
    ("indicator", lambda c: c.with_(indicator="另一个指标"), ("differ", ["indicator"])),
    ("value and year", lambda c: c.with_(value=c.value * 2, year=1999), ("differ", ["value", "year"])),
    ("span only", lambda c: c, None),  # the same reading of a longer span: agreement
    ("float noise", lambda c: c.with_(value=c.value * (1 + 1e-9)), None),
    ("missing", None, ("only_a", [])),
]


def isolated(claims: list[Claim], text_length: int) -> list[Claim]:
    """Percentages with no other claim within three characters: changing one cannot touch another."""
    ordered = sorted(claims, key=lambda c: c.start)
    keep = []
    for i, claim in enumerate(ordered):
        before = ordered[i - 1].end if i else -10
        after = ordered[i + 1].start if i + 1 < len(ordered) else text_length + 10
        if claim.quantity_type is QuantityType.PERCENTAGE and claim.start - before > 3 and after - claim.end > 3:
            keep.append(claim)
    return keep


@pytest.fixture(scope="module")
def disagreements(tmp_path_factory, corpus_docs, rules):
    doc = max(corpus_docs, key=lambda d: len(rules(d)))
    ours = rules(doc)
    targets = isolated(ours, len(doc.text))[:len(CHANGES) + 1]
    assert len(targets) == len(CHANGES) + 1, "the corpus document has enough isolated percentages"
    stand_in = {c.start: c.with_(extractor="spacy") for c in ours}
    expected = {}
    for (case, change, outcome), claim in zip(CHANGES, targets):
        if change is None:
            del stand_in[claim.start]
        elif case == "span only":
            stand_in[claim.start] = Claim.at(doc, claim.start, claim.end + 1, **{
                k: getattr(claim, k) for k in ("value", "value_max", "unit", "quantity_type", "comparator",
                                               "indicator", "region", "region_code", "year", "kind")},
                extractor="spacy", sentence=claim.sentence, rule_id=claim.rule_id)
        else:
            stand_in[claim.start] = change(stand_in[claim.start])
        expected[case] = (claim.start, outcome)
    # a figure only the stand-in found: one the rules found, taken away from them
    extra = targets[len(CHANGES)]
    ours = [c for c in ours if c.start != extra.start]
    expected["only the other found it"] = (extra.start, ("only_b", []))
    db = tmp_path_factory.mktemp("views") / "w.duckdb"
    load_run(db, run_id="run-1", documents=[doc], failures=[], started_at=datetime.now(UTC), parameters={},
             results=[ExtractionResult(doc.doc_id, "rules", rules.version, ours),
                      ExtractionResult(doc.doc_id, "spacy", "stand-in", list(stand_in.values()))])
    con = duckdb.connect(str(db), read_only=True)
    found = con.execute("""SELECT coalesce(start_a, start_b), disagreement, differences, extractor_a, extractor_b
                           FROM extractor_disagreements""").fetchall()
    con.close()
    return expected, found


@pytest.mark.parametrize("case", [c[0] for c in CHANGES] + ["only the other found it"])
def test_a_disagreement_is_shown_with_the_fields_that_differ(disagreements, case):
    expected, found = disagreements
    start, outcome = expected[case]
    at = [(kind, differences) for s, kind, differences, *_ in found if s == start]
    assert at == ([] if outcome is None else [outcome])


def test_nothing_else_is_shown_and_pairs_are_named_in_order(disagreements):
    expected, found = disagreements
    assert len(found) == sum(outcome is not None for _, outcome in expected.values())
    assert {(a, b) for *_, a, b in found} == {("rules", "spacy")}


@pytest.fixture(scope="module")
def report():
    from reform_facts.evaluation import evaluate as evaluation

    return evaluation.run(extractors=["rules"], gold_dir=ROOT / "gold", corpus_dir=ROOT / "corpus", resamples=20)


def evaluation_rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_an_evaluation_is_stored_per_extractor_with_intervals(tmp_path, report):
    db = tmp_path / "w.duckdb"
    record_evaluation(db, run_id="eval-1", report=report)
    result = report.results[0]
    score = result.evaluation.score
    assert evaluation_rows(db, "SELECT extractor, extractor_version, documents, predicted, gold, pairs FROM evaluations") == [
        ("rules", result.version, report.documents, score.predicted, score.gold, score.pairs)]
    stored = {metric: (value, low, high) for metric, value, low, high in evaluation_rows(
        db, "SELECT metric, value, ci_low, ci_high FROM evaluation_metrics WHERE scope = 'all'")}
    assert set(stored) == set(score.metrics())
    for metric, value in score.metrics().items():
        low, high = result.intervals[metric]
        assert stored[metric] == tuple(None if math.isnan(x) else pytest.approx(x) for x in (value, low, high))
    by_document = evaluation_rows(db, "SELECT DISTINCT scope_key FROM evaluation_metrics WHERE scope = 'document'")
    assert sorted(key for (key,) in by_document) == sorted(result.evaluation.by_document)


def test_recording_the_same_evaluation_again_replaces_it(tmp_path, report):
    db = tmp_path / "w.duckdb"
    record_evaluation(db, run_id="eval-1", report=report)
    first = evaluation_rows(db, "SELECT run_id, extractor, scope, scope_key, metric, value FROM evaluation_metrics ORDER BY ALL")
    record_evaluation(db, run_id="eval-1", report=report)
    record_evaluation(db, run_id="eval-2", report=report)
    assert evaluation_rows(db, "SELECT run_id, count(*) FROM evaluations GROUP BY ALL ORDER BY 1") == [
        ("eval-1", 1), ("eval-2", 1)]
    again = evaluation_rows(db, "SELECT run_id, extractor, scope, scope_key, metric, value FROM evaluation_metrics "
                                "WHERE run_id = 'eval-1' ORDER BY ALL")
    assert again == first


def stored_and_live(db: Path) -> tuple[list[tuple], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = con.execute("SELECT * FROM extractor_disagreements ORDER BY ALL").fetchall()
        live = con.execute("SELECT * FROM disagreements_in((SELECT list(doc_id) FROM documents)) ORDER BY ALL").fetchall()
        return stored, live
    finally:
        con.close()


def test_the_stored_disagreements_follow_every_load(tmp_path, corpus_docs, rules):
    from reform_facts.extractors import registry
    from reform_facts.claim import Document

    db = tmp_path / "w.duckdb"
    first, second = corpus_docs[0], corpus_docs[3]

    def stand_in(doc):  # every third value read differently, every fourth claim missed
        return [c.with_(extractor="spacy", value=None if c.value is None else c.value + (i % 3 == 0))
                for i, c in enumerate(rules(doc)) if i % 4]

    def run(run_id, documents, results):
        load_run(db, run_id=run_id, documents=documents, results=results, failures=[],
                 started_at=datetime.now(UTC), parameters={})
        stored, live = stored_and_live(db)
        assert stored == live
        return {row[0] for row in stored}

    rules_of = lambda doc: ExtractionResult(doc.doc_id, "rules", rules.version, rules(doc))  # noqa: E731
    assert run("r1", [first, second], [rules_of(first), rules_of(second)]) == set()
    assert run("r2", [first], [ExtractionResult(first.doc_id, "spacy", "s", stand_in(first))]) == {first.doc_id}
    assert run("r3", [second], [ExtractionResult(second.doc_id, "spacy", "s", stand_in(second))]) == {
        first.doc_id, second.doc_id}
    changed = registry.describe(Document.from_text(first.text + "\n另有10家医院。", doc_id=first.doc_id, path=first.path))
    assert run("r4", [changed], [rules_of(changed)]) == {second.doc_id}  # its spaCy reading is gone
