"""Batches of documents for the extraction tasks: how they are cut, and how a failed batch is redone.

No Prefect server: the planning is pure, and the flow's batch loop is run with stand-in futures.
"""
from __future__ import annotations

from collections import Counter

import pytest

from reform_facts.pipeline import flows
from reform_facts.pipeline.batches import Batch, Outcome, plan
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Document
from reform_facts.readers import read_document

CORPUS_DOCS = [read_document(path) for path in sorted((ROOT / "corpus").glob("*.txt"))]


def sizes(batch: Batch) -> int:
    return sum(len(doc.text) for doc in batch.documents)


@pytest.mark.parametrize("docs, extractors, slots, smallest", [
    (CORPUS_DOCS, ["rules"], 1, 4),
    (CORPUS_DOCS, ["rules", "spacy"], 2, 4),
    (CORPUS_DOCS * 7, ["spacy"], 2, 4),        # documents of the same id twice: pairs by position
    (CORPUS_DOCS * 7, ["rules", "hybrid"], 3, 2),
    (CORPUS_DOCS[:3], ["spacy"], 4, 4),        # fewer documents than the smallest batch
    ([], ["rules"], 2, 4),
])
def test_every_pair_is_in_exactly_one_batch_largest_batches_first(docs, extractors, slots, smallest):
    batches = plan(docs, extractors, slots, smallest)
    planned = Counter((id(doc), batch.extractor) for batch in batches for doc in batch.documents)
    assert planned == Counter((id(doc), name) for doc in docs for name in extractors)
    assert [sizes(b) for b in batches] == sorted((sizes(b) for b in batches), reverse=True)
    assert all(len(batch) >= min(smallest, len(docs)) for batch in batches)


def test_batches_shrink_towards_the_end_so_that_slots_finish_together():
    docs = CORPUS_DOCS * 20
    for slots in (1, 2, 4):
        batches = plan(docs, ["spacy"], slots)
        total = sum(sizes(b) for b in batches)
        # the first batch is half a slot's share; the last ones are the smallest
        assert sizes(batches[0]) <= total / (2 * slots)
        assert len(batches[-1]) <= 2 * 4
        assert len(batches) < len(docs) / 4  # far fewer tasks than documents


def test_more_slots_make_more_smaller_batches():
    docs = CORPUS_DOCS * 20
    counts = [len(plan(docs, ["spacy"], slots)) for slots in (1, 2, 4)]
    assert counts == sorted(counts) and counts[0] < counts[-1]


class Future:
    """Stands in for a Prefect future: the batch's outcomes, or an error raised as Dask raises it."""

    def __init__(self, batch: Batch, bad: str) -> None:
        self.batch, self.bad = batch, bad

    def result(self, raise_on_failure: bool = True):
        if any(doc.doc_id == self.bad for doc in self.batch.documents):
            raise RuntimeError(f"worker died extracting {len(self.batch)} documents")
        return [Outcome(doc.doc_id, self.batch.extractor, result=doc.doc_id) for doc in self.batch.documents]


def test_a_batch_that_fails_as_a_whole_is_redone_one_document_a_task(monkeypatch):
    docs = [Document.from_text("签约覆盖率50.28%" * (i + 1), doc_id=f"d{i}") for i in range(12)]
    submitted: list[Batch] = []

    def submit(batch, cache_dir):
        submitted.append(batch)
        return Future(batch, bad="d5")

    monkeypatch.setattr(flows.extract_batch, "submit", submit)
    monkeypatch.setattr(flows, "get_run_logger", lambda: __import__("logging").getLogger("test"))
    batches = plan(docs, ["rules"], slots=2)
    outcomes = flows._run_batches(batches, None)
    assert set(outcomes) == {(doc.doc_id, "rules") for doc in docs}
    assert {key for key, outcome in outcomes.items() if outcome.error} == {("d5", "rules")}
    assert outcomes["d5", "rules"].error == "RuntimeError: worker died extracting 1 documents"
    bad_batch = next(b for b in batches if any(doc.doc_id == "d5" for doc in b.documents))
    again = submitted[len(batches):]
    assert sorted(doc.doc_id for b in again for doc in b.documents) == sorted(d.doc_id for d in bad_batch.documents)
    assert all(len(b) == 1 for b in again)
