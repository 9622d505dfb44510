"""Scores on the gold set must not fall more than 0.02 below the figures recorded in the repository.

When an improvement raises a score, record the new figure in tests/recorded_scores.json.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from reform_facts import ROOT, evaluation

RECORDED = json.loads((Path(__file__).parent / "recorded_scores.json").read_text(encoding="utf-8"))
TOLERANCE = 0.02


@pytest.fixture(scope="module")
def report():
    return evaluation.run(extractors=list(RECORDED), gold_dir=ROOT / "gold", corpus_dir=ROOT / "corpus",
                          resamples=0)


@pytest.mark.parametrize("name", list(RECORDED))
@pytest.mark.parametrize("metric", ["f1", "claim_f1"])
def test_score_does_not_regress(report, name, metric):
    result = next(r for r in report.results if r.name == name)
    now = getattr(result.evaluation.score, metric)
    assert now >= RECORDED[name][metric] - TOLERANCE, f"{name} {metric}: {now:.3f}, recorded {RECORDED[name][metric]:.3f}"
