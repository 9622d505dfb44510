"""Choosing each field's source from cross-validated dev figures (benchmarks/spacy_sources.py), and the
configs/spacy_sources.cfg it writes, read back by the extractors."""
from __future__ import annotations

import pytest

from benchmarks import spacy_sources
from reform_facts.extractors import spacy_extractor

FIGURES = ("f1", "claim_f1", "indicator", "region_code", "year")


def _scores(**changes: dict[str, float]) -> dict[str, dict[str, float]]:
    """Every variant scoring 0.9 on every figure, but for `changes`."""
    return {name: {metric: 0.9 for metric in FIGURES} | changes.get(name, {}) for name in spacy_sources.VARIANTS}


@pytest.mark.parametrize("changes, expected", [
    # nothing better than the rules: every field from the rules (ties go to the rules)
    ({}, {"quantities": "rules", "indicators": "rules", "region": "rules", "year": "rules"}),
    ({"learned": {"region_code": 0.95, "year": 0.85, "indicator": 0.95}},
     {"quantities": "rules", "indicators": "learned", "region": "learned", "year": "rules"}),
    ({"learned_quantities": {"f1": 0.95}, "rules_unless_surer_20": {"indicator": 0.93}},
     {"quantities": "learned", "indicators": "rules_unless_surer", "region": "rules", "year": "rules"}),
])
def test_each_field_takes_its_better_source(changes, expected):
    hybrid, spacy = spacy_sources.choose(_scores(**changes))
    assert {key: hybrid[key] for key in expected} == expected
    assert (spacy["quantities"], spacy["indicators"], spacy["region"], spacy["year"]) == \
        ("learned", "rules_unless_surer", "learned", "learned")


def test_the_margin_is_the_best_scored_one_and_both_extractors_share_it():
    hybrid, spacy = spacy_sources.choose(_scores(rules_unless_surer_50={"indicator": 0.92},
                                                 rules_unless_surer_10={"indicator": 0.91}))
    assert hybrid["indicator_margin"] == spacy["indicator_margin"] == 0.5


def test_the_written_file_is_what_the_extractors_read(tmp_path, monkeypatch):
    scores = _scores(learned={"region_code": 0.95})
    hybrid, spacy = spacy_sources.choose(scores)
    path = tmp_path / "sources.cfg"
    path.write_text(spacy_sources.render(hybrid, spacy, scores, {"hybrid": scores["rules"]}), encoding="utf-8")
    monkeypatch.setattr(spacy_extractor, "SOURCES", path)
    spacy_extractor.field_sources.cache_clear()
    try:
        assert spacy_extractor.field_sources("hybrid") == hybrid
        assert spacy_extractor.field_sources("spacy") == spacy
    finally:
        spacy_extractor.field_sources.cache_clear()


def test_the_recorded_choice_follows_its_recorded_figures():
    """configs/spacy_sources.cfg holds the choice and the figures that made it: choosing again
    from those figures gives the same choice."""
    from thinc.api import Config

    recorded = Config().from_disk(spacy_extractor.SOURCES, interpolate=False)
    scores = {name: dict(values) for name, values in recorded["cv_dev"].items() if name in spacy_sources.VARIANTS}
    assert set(scores) == set(spacy_sources.VARIANTS)
    hybrid, spacy = spacy_sources.choose(scores)
    assert dict(recorded["hybrid"]) == hybrid and dict(recorded["spacy"]) == spacy
