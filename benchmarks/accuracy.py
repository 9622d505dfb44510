"""Accuracy beside speed: mention precision and recall on the gold set, by groups of types.

A peer that finds only money is scored on the money claims of the gold set: gold claims of
other types are made optional (a prediction paired with one counts on neither side, as the
contract's scorer does for optional gold), and an extractor is scored on the same group with
its predictions of those types only, so that the two figures answer the same question.
Pairing and counting are reform_facts.evaluation.scoring's; the gold set is read here for scoring only,
its dev split only (the warm-up runs over the dev documents; the test split stays sealed).
"""
from __future__ import annotations

import math
from pathlib import Path
from collections.abc import Iterable, Mapping
from typing import Any

from benchmarks.peers import ALL_TYPES, MONEY, PERCENTAGES, PEERS
from reform_facts.evaluation import scoring
from reform_facts.paths import GOLD_DIR
from reform_facts.claim import Claim, QuantityType
from reform_facts.gold import gold_files, load_file

GROUPS: dict[str, frozenset[QuantityType]] = {
    "money": MONEY, "percentages": PERCENTAGES, "all types": ALL_TYPES}


def group_of(types: frozenset[QuantityType]) -> str:
    return next(name for name, members in GROUPS.items() if members == types)


def restrict(gold: Iterable[Claim], types: frozenset[QuantityType]) -> list[Claim]:
    """The gold claims, those of other types made optional."""
    return [claim if claim.quantity_type in types else claim.with_(optional=True) for claim in gold]


def score(predicted: list[Claim], gold: list[Claim], types: frozenset[QuantityType], *,
          typed: bool = True) -> dict[str, Any]:
    """Mention precision, recall and F1 of predictions against gold of `types`; `typed`
    predictions (an extractor's) count only when they say they are of `types`.

    >>> from reform_facts.claim import Document
    >>> doc = Document.from_text("节约7721.4万元，占比50%", doc_id="d")
    >>> gold = [Claim.at(doc, 2, 10, value=77214000, unit="元", quantity_type="money"),
    ...         Claim.at(doc, 13, 16, value=50, unit="%", quantity_type="percentage")]
    >>> found = [Claim.at(doc, 2, 9, value=0, unit="元", quantity_type="money")]
    >>> score(found, gold, MONEY)["recall"], score(found, gold, ALL_TYPES)["recall"]
    (1.0, 0.5)
    """
    kept = [claim for claim in predicted if claim.quantity_type in types or not typed]
    result = scoring.evaluate(kept, restrict(gold, types)).score
    return {"precision": _clean(result.precision), "recall": _clean(result.recall),
            "f1": _clean(result.f1), "predicted": result.predicted, "gold": result.gold}


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def claims_of(result: Mapping[str, Any]) -> list[Claim]:
    """A throughput result's warm-up output (claim records per gold document) as claims."""
    return [Claim.from_record(record) for records in result.get("gold_output", {}).values()
            for record in records]


def table(results: Iterable[Mapping[str, Any]], gold_dir: Path = GOLD_DIR) -> list[dict[str, Any]]:
    """One row per tool that gives spans: its scores on each group it is comparable on.

    Extractors and typed peers (the regex floor: its unit gives the type) are scored on every
    group; the other peers on the group of the types they handle, all their spans counted.
    """
    gold = [claim for path in gold_files(gold_dir, "dev") for claim in load_file(path)]
    rows = []
    for result in results:
        if result.get("status") != "ok":
            continue
        name = result["name"]
        peer = PEERS.get(name)
        if peer is not None and peer.handles is None:
            continue  # segmentation finds no quantities
        typed = peer is None or peer.typed
        groups = list(GROUPS) if typed else [group_of(peer.handles)]
        predicted = claims_of(result)
        rows.append({"name": name, "role": result["role"], "scores": {
            group: score(predicted, gold, GROUPS[group], typed=typed) for group in groups}})
    return rows
