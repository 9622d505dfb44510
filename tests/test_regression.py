"""Scores on the gold set must not fall more than 0.02 below the figures recorded in the repository,
on the dev split and on the sealed test split alike.

When an improvement raises a score, record the new figure in tests/recorded_scores.json. (The test
split is scored here only to catch regressions: its errors are never listed for tuning.)
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from reform_facts.evaluation import evaluate as evaluation
from reform_facts.paths import PROJECT_DIR as ROOT

RECORDED = json.loads((Path(__file__).parent / "recorded_scores.json").read_text(encoding="utf-8"))
TOLERANCE = 0.02
CASES = [(split, name) for split in RECORDED for name in RECORDED[split]]


@pytest.fixture(scope="module", params=list(RECORDED))
def report(request):
    return evaluation.run(extractors=list(RECORDED[request.param]), gold_dir=ROOT / "gold",
                          corpus_dir=ROOT / "corpus", resamples=0, split=request.param)


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["f1", "claim_f1"])
def test_score_does_not_regress(report, metric):
    for result in report.results:
        recorded = RECORDED[report.split][result.name][metric]
        now = getattr(result.evaluation.score, metric)
        assert now >= recorded - TOLERANCE, f"{report.split} {result.name} {metric}: {now:.3f}, recorded {recorded:.3f}"
