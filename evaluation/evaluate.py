"""Run extractors over the gold documents and score them: what `reform-facts evaluate` shows."""
from __future__ import annotations

import math
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reform_facts.evaluation import document_view, scoring
from reform_facts.claim import Claim
from reform_facts.extractors import registry
from reform_facts.gold import document_path, genre_of, load_gold, split_of
from reform_facts.readers import read_document

FIELD_COLUMNS = scoring.FIELDS


@dataclass(frozen=True)
class ExtractorResult:
    name: str
    version: str
    held_out: bool  # scored only on documents it was not trained on
    evaluation: scoring.Evaluation
    intervals: dict[str, tuple[float, float]]
    errors: list[scoring.ErrorRecord]
    # gold/SOURCES.tsv's genre of each claim's document; "table" for a claim in a numeric table
    # cell, else "prose"
    by_genre: dict[str, scoring.Score] = field(default_factory=dict)
    by_layout: dict[str, scoring.Score] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    results: list[ExtractorResult]
    documents: list[str]
    split: str = "all"  # which gold documents: "dev", "test" or "all"

    def table(self) -> str:
        """One row per extractor: mention P/R/F1, claim F1 and field accuracies with 95% CIs."""
        header = ["extractor", "scored on", "P", "R", "F1", "claim F1",
                  *(name.replace("_strict", "(strict)") for name in FIELD_COLUMNS)]
        rows = [header]
        for result in self.results:
            score, ci = result.evaluation.score, result.intervals
            cells = [result.name, "held-out docs" if result.held_out else "all docs (rules, untrained)"]
            for metric, value in (("precision", score.precision), ("recall", score.recall),
                                  ("f1", score.f1), ("claim_f1", score.claim_f1)):
                cells.append(_with_ci(value, ci.get(metric)))
            for name in FIELD_COLUMNS:
                cells.append(_with_ci(score.accuracy(name), ci.get(f"{name}_accuracy")))
            rows.append(cells)
        counts = [f"gold: {len(self.documents)} documents"]
        for result in self.results:
            score = result.evaluation.score
            counts.append(f"{result.name}: {score.predicted} predicted, {score.gold} gold, {score.pairs} pairs")
        return "\n".join([f"{self.split} split: {len(self.documents)} documents", _render(rows), "; ".join(counts), "(95% intervals: bootstrap over documents)",
                          self.breakdown("by_document"), self.breakdown("by_quantity_type"),
                          self.breakdown("by_genre"), self.breakdown("by_layout")])

    def breakdown(self, attribute: str) -> str:
        """Mention P/R/F1 and claim F1 per document, quantity type, genre or layout, per extractor."""
        lines = [f"\n{attribute.replace('_', ' ')}:"]
        for result in self.results:
            scores = getattr(result, attribute, None) or getattr(result.evaluation, attribute)
            for key, score in sorted(scores.items(), key=lambda kv: str(kv[0])):
                lines.append(f"  {result.name:<8} {str(key):<22} P {_num(score.precision)}  R {_num(score.recall)}"
                             f"  F1 {_num(score.f1)}  claim F1 {_num(score.claim_f1)}  (gold {score.gold})")
        return "\n".join(lines)

    def error_listing(self) -> str:
        lines = []
        for result in self.results:
            lines.append(f"\n== errors of {result.name} ({len(result.errors)}) ==")
            for error in result.errors:
                detail = (f"{error.field}: predicted {error.predicted!r}, gold {error.gold!r}"
                          if error.kind == "wrong_field" else "")
                lines.append(f"{error.kind:14} {error.doc_id} [{error.span[0]}:{error.span[1]}] "
                             f"{error.text!r} {detail}\n    {error.sentence}")
        return "\n".join(lines)

    def to_json(self, *, errors: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"split": self.split, "documents": self.documents, "extractors": []}
        for result in self.results:
            evaluation = result.evaluation
            entry = {
                "name": result.name, "version": result.version, "held_out": result.held_out,
                "scores": _clean(evaluation.score.metrics()),
                "intervals": {k: list(map(_clean_one, v)) for k, v in result.intervals.items()},
                "by_document": {k: _clean(v.metrics()) for k, v in evaluation.by_document.items()},
                "by_quantity_type": {str(k): _clean(v.metrics()) for k, v in evaluation.by_quantity_type.items()},
                "by_genre": {k: _clean(v.metrics()) for k, v in result.by_genre.items()},
                "by_layout": {k: _clean(v.metrics()) for k, v in result.by_layout.items()},
                "counts": {"predicted": evaluation.score.predicted, "gold": evaluation.score.gold,
                           "pairs": evaluation.score.pairs},
            }
            if errors:
                entry["errors"] = [e.to_dict() for e in result.errors]
            out["extractors"].append(entry)
        return out


def run(*, extractors: list[str] | None, gold_dir: Path, corpus_dir: Path, resamples: int = 1000,
        split: str | None = "dev") -> Report:
    """Score `extractors` on the gold documents of `split` ("dev", "test", or None for both)."""
    gold = {doc_id: claims for doc_id, claims in load_gold(gold_dir).items()
            if split is None or split_of(doc_id, gold_dir) == split}
    docs = {doc_id: registry.describe(read_document(document_path(doc_id, gold_dir=gold_dir, corpus_dir=corpus_dir)))
            for doc_id in sorted(gold)}
    texts = {doc_id: doc.text for doc_id, doc in docs.items()}
    cells = {doc_id: document_view.figure_cells(doc) for doc_id, doc in docs.items()}
    gold_claims = [claim for doc_id in sorted(gold) for claim in gold[doc_id]]
    results = []
    for name in extractors or registry.names():
        extractor = registry.get(name)
        # an extractor trained on the gold set scores each document with a model that did not
        # see it (`cross_validate(held_out_doc_ids) -> Extractor`, extractors/spacy_extractor.py)
        cross_validate = getattr(extractor, "cross_validate", None)
        if train_folds := getattr(extractor, "train_folds", None):
            train_folds(docs)  # the missing fold models side by side, before scoring asks one by one
        predicted: list[Claim] = [
            c for doc_id, doc in docs.items()
            for c in (cross_validate([doc_id]) if cross_validate else extractor)(doc)]
        evaluation = scoring.evaluate(predicted, gold_claims)
        intervals = (scoring.bootstrap(predicted, gold_claims, n=resamples, texts=texts)
                     if resamples else {})
        results.append(ExtractorResult(
            name, extractor.version, cross_validate is not None, evaluation, intervals, scoring.errors(evaluation, texts),
            scoring.breakdown(evaluation, lambda claim: genre_of(claim.doc_id, gold_dir)),
            scoring.breakdown(evaluation, partial(layout, cells))))
    return Report(results, sorted(docs), split or "all")


def layout(cells: dict[str, list[tuple[int, int]]], claim: Claim) -> str:
    """A claim's layout: "table" in a numeric cell of its document's tables, else "prose"."""
    return document_view.layout_of(claim, cells.get(claim.doc_id, []))


def _num(value: float) -> str:
    return "  -  " if math.isnan(value) else f"{value:.3f}"


def _with_ci(value: float, interval: tuple[float, float] | None) -> str:
    if math.isnan(value):
        return "-"
    if interval is None or any(math.isnan(x) for x in interval):
        return f"{value:.3f}"
    return f"{value:.3f} [{interval[0]:.2f}-{interval[1]:.2f}]"


def _render(rows: list[list[str]]) -> str:
    """Transposed when wide: one line per metric, one column per extractor."""
    columns = list(zip(*rows))
    width = max(len(c[0]) for c in columns)
    return "\n".join(
        f"{column[0]:<{width}}  " + "  ".join(f"{cell:<24}" for cell in column[1:]) for column in columns)


def _clean_one(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def _clean(metrics: dict[str, float]) -> dict[str, float | None]:
    return {k: _clean_one(v) for k, v in metrics.items()}
