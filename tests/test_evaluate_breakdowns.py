"""`evaluate` breaks every score down by genre (gold/SOURCES.tsv) and by layout (prose / table)."""
from __future__ import annotations

import pytest

from reform_facts.evaluation import evaluate as evaluation
from reform_facts.gold import genre_of
from reform_facts.paths import PROJECT_DIR as ROOT


@pytest.fixture(scope="module")
def report():
    return evaluation.run(extractors=["rules"], gold_dir=ROOT / "gold", corpus_dir=ROOT / "corpus",
                          resamples=0, split="dev")


def test_every_gold_claim_counts_in_one_genre_and_one_layout(report):
    result = report.results[0]
    total = result.evaluation.score.gold
    assert sum(score.gold for score in result.by_genre.values()) == total
    assert sum(score.gold for score in result.by_layout.values()) == total
    assert set(result.by_layout) == {"prose", "table"}
    assert {genre_of(doc_id, ROOT / "gold") for doc_id in report.documents} == set(result.by_genre)


def test_the_bundled_documents_have_their_own_genre_and_the_written_ones_their_sources():
    assert genre_of("000_d300e42214a06d73", ROOT / "gold") == "bundled"
    assert genre_of("101_national_2019_health_bulletin", ROOT / "gold") == "statistical_bulletin"


def test_the_text_and_json_outputs_carry_both_breakdowns(report):
    text = report.table()
    assert "by genre:" in text and "by layout:" in text
    entry = report.to_json()["extractors"][0]
    assert set(entry["by_layout"]) == {"prose", "table"} and "statistical_bulletin" in entry["by_genre"]
