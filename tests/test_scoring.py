"""Scenario tests of the scorer (docs/claims.md, "The scores"), over corpus sentences."""
from __future__ import annotations

import math
from typing import Any

import pytest

from reform_facts.claim import Claim, Document
from reform_facts.evaluation.scoring import (FIELDS, bootstrap, character_f1, errors, evaluate, pair,
                                  sentence_around, values_equal)

SANMING = Document.from_text(
    "高强度财政投入不打折扣，充分体现政府办医责任，在全省率先完成公立医院长期债务化解，"
    "近3年投资医疗资源布局超过100亿元，全市卫生健康支出每年增幅平均超过10%。", doc_id="000")
TARGETS = Document.from_text(
    "通过努力，全市二级及以上公立医院医疗服务收入∶药品耗材收入∶检查化验收入基本达到5∶3∶2；"
    "全市基层诊疗量占比达65%以上、县域内住院量占比达70%以上、县域内就诊率达90%以上，"
    "主要健康指标和群众满意度居全省前列。", doc_id="001")
CHANGES = Document.from_text(
    "全市基层诊疗占比56.32%、公立医院医疗服务收入占比32.53%,分别较2019年增长5.6个、"
    "2.12个百分点;门诊、住院次均费用近5年平均增幅低于3.9%。", doc_id="002")
YICHANG = Document.from_text(
    "宜昌市搭建“1+6+N”数智服务体系，联通全市2937家医疗卫生机构服务数据。\n"
    "成效显著：处方合格率从68%跃升至93.6%，患者满意度达96.5%。", doc_id="003")
PRICES = Document.from_text(
    "在“价”的方面，三明抓住降药价的“窗口期”，将70%～80%的空间通过调整价格转换给医院，"
    "先后10次调整医疗服务价格（包括增设药事服务费）。", doc_id="004")
TEXTS = {doc.doc_id: doc.text for doc in (SANMING, TARGETS, CHANGES, YICHANG, PRICES)}

PERCENT: dict[str, Any] = {"unit": "%", "quantity_type": "percentage"}


def at(doc: Document, fragment: str, occurrence: int = 0, **fields: Any) -> Claim:
    """A claim over the `occurrence`-th appearance of `fragment` in the document."""
    start = -1
    for _ in range(occurrence + 1):
        start = doc.text.index(fragment, start + 1)
    return Claim.at(doc, start, start + len(fragment), **fields)


def sanming_gold() -> list[Claim]:
    return [
        at(SANMING, "3年", value=3, unit="年", quantity_type="measure", optional=True),
        at(SANMING, "100亿元", value=1e10, unit="元", quantity_type="money", comparator=">",
           indicator="投资医疗资源布局", region="三明市", region_code="350400"),
        at(SANMING, "10%", value=10, **PERCENT, comparator=">", indicator="卫生健康支出每年增幅",
           region="三明市", region_code="350400"),
    ]


def targets_gold() -> list[Claim]:
    common: dict[str, Any] = {"region": "三明市", "region_code": "350400", "year": 2027,
                              "kind": "target", "comparator": ">="}
    return [
        at(TARGETS, "5∶3∶2", value=None, unit="ratio", quantity_type="ratio", year=2027,
           indicator="医疗服务收入∶药品耗材收入∶检查化验收入", region="三明市",
           region_code="350400", kind="target"),
        at(TARGETS, "65%", value=65, **PERCENT, indicator="基层诊疗量占比", **common),
        at(TARGETS, "70%", value=70, **PERCENT, indicator="县域内住院量占比", **common),
        at(TARGETS, "90%", value=90, **PERCENT, indicator="县域内就诊率", **common),
    ]


def all_gold() -> list[Claim]:
    return sanming_gold() + targets_gold() + [
        at(CHANGES, "56.32%", value=56.32, **PERCENT, indicator="基层诊疗占比", year=2022),
        at(CHANGES, "5.6个", value=5.6, unit="pp", quantity_type="percentage_point",
           indicator="基层诊疗占比", year=2022),
        at(CHANGES, "2.12个百分点", value=2.12, unit="pp", quantity_type="percentage_point",
           indicator="公立医院医疗服务收入占比", year=2022),
        at(YICHANG, "2937家", value=2937, unit="家", quantity_type="count",
           indicator="医疗卫生机构", region="宜昌市", region_code="420500"),
        at(YICHANG, "96.5%", value=96.5, **PERCENT, indicator="患者满意度"),
        at(PRICES, "70%～80%", value=70, value_max=80, **PERCENT, indicator="空间"),
    ]


def test_perfect_prediction() -> None:
    gold = all_gold()
    predicted = [claim.with_(optional=False, extractor="test") for claim in gold]
    result = evaluate(predicted, gold)
    score = result.score
    assert (score.precision, score.recall, score.f1, score.claim_f1) == (1.0, 1.0, 1.0, 1.0)
    assert all(score.accuracy(name) == 1.0 for name in FIELDS)
    assert score.predicted == score.gold == len(gold) - 1  # the optional one counts nowhere
    assert not result.false_positives and not result.misses and not result.wrong_fields
    assert errors(result, TEXTS) == []


def test_empty_prediction() -> None:
    gold = all_gold()
    result = evaluate([], gold)
    assert math.isnan(result.score.precision)  # nothing predicted: no evidence
    assert (result.score.recall, result.score.f1, result.score.claim_f1) == (0.0, 0.0, 0.0)
    assert list(result.misses) == [g for g in gold if not g.optional]
    assert math.isnan(result.score.accuracy("value"))


def test_shifted_span_still_pairs() -> None:
    gold = sanming_gold()
    shifted = at(SANMING, "超过100亿元", value=1e10, unit="元", quantity_type="money",
                 comparator=">", indicator="投资医疗资源布局", region="三明市",
                 region_code="350400")
    assert pair([shifted], gold) == [(shifted, gold[1])]
    assert evaluate([shifted], gold[:2]).score.claim_f1 == 1.0


def test_wrong_value_counts_against_value_and_claim_f1_but_not_mention_f1() -> None:
    gold = [at(SANMING, "100亿元", value=1e10, unit="元", quantity_type="money")]
    result = evaluate([gold[0].with_(value=1e8)], gold)
    assert result.score.f1 == 1.0
    assert result.score.claim_f1 == 0.0
    assert result.score.accuracy("value") == 0.0 and result.score.accuracy("unit") == 1.0
    assert [(w.field, w.predicted, w.gold) for w in result.wrong_fields] == [("value", 1e8, 1e10)]


def test_value_within_relative_tolerance_is_right() -> None:
    gold = [at(SANMING, "100亿元", value=1e10, unit="元", quantity_type="money")]
    assert evaluate([gold[0].with_(value=1e10 + 1)], gold).score.claim_f1 == 1.0
    assert values_equal(0, 0.0) and not values_equal(0, 1e-6) and values_equal(None, None)
    assert not values_equal(None, 0)


def test_optional_gold_counts_on_neither_side() -> None:
    gold = sanming_gold()
    on_optional = at(SANMING, "近3年", value=3, unit="年", quantity_type="measure")
    hit = gold[1].with_(optional=False)
    both = evaluate([on_optional, hit], gold).score
    assert (both.predicted, both.gold, both.hits_predicted) == (1, 2, 1)
    assert both.precision == 1.0 and both.recall == 0.5
    unpaired = evaluate([hit], gold)
    assert unpaired.score.predicted == 1 and unpaired.misses == (gold[2],)  # optional: no miss


def test_duplicate_predictions_over_one_gold() -> None:
    gold = [at(YICHANG, "2937家", value=2937, unit="家", quantity_type="count")]
    duplicate = gold[0].with_(extractor="a")
    result = evaluate([duplicate, duplicate.with_(extractor="b")], gold)
    assert len(result.pairs) == 1 and result.pairs[0][1] is gold[0]
    assert [p.extractor for p in result.false_positives] == ["b"]  # the earlier one pairs
    assert (result.score.precision, result.score.recall) == (0.5, 1.0)


def test_one_prediction_overlapping_two_golds_pairs_with_the_larger_overlap() -> None:
    gold = [g for g in all_gold() if g.doc_id == "002"]
    wide = at(CHANGES, "5.6个、2.12个百分点", value=2.12, unit="pp",
              quantity_type="percentage_point")
    result = evaluate([wide], gold)
    assert [g.text for _, g in result.pairs] == ["2.12个百分点"]
    assert {g.text for g in result.misses} == {"56.32%", "5.6个"}


def test_equal_overlap_goes_to_the_nearer_start() -> None:
    doc = Document.from_text("分别提高到71.1%和91.5%", doc_id="d")
    gold = [at(doc, "1.1%", value=1.1, **PERCENT), at(doc, "和9", value=9, **PERCENT)]
    middle = at(doc, "%和", value=1, **PERCENT)  # overlaps each gold by one character
    assert pair([middle], gold)[0][1] is gold[1]  # starts 1 apart, not 3


def test_claims_of_other_documents_never_pair() -> None:
    gold = [at(SANMING, "100亿元", value=1e10, unit="元", quantity_type="money")]
    elsewhere = gold[0].with_(doc_id="other")
    assert pair([elsewhere], gold) == []


def test_lenient_vs_strict_indicator() -> None:
    gold = targets_gold()[1:2]
    near = evaluate([gold[0].with_(indicator="基层诊疗量")], gold).score
    assert near.accuracy("indicator") == 1.0 and near.accuracy("indicator_strict") == 0.0
    assert near.claim_f1 == 1.0
    far = evaluate([gold[0].with_(indicator="占比")], gold).score  # F1 4/9 < 0.5
    assert far.accuracy("indicator") == 0.0 and far.claim_f1 == 0.0
    missing = evaluate([gold[0].with_(indicator=None)], gold).score
    assert missing.accuracy("indicator") == 0.0
    assert character_f1("卫生卫生", "卫生") == pytest.approx(2 * 2 / 6)  # a multiset overlap


def test_value_max_compared() -> None:
    gold = [at(PRICES, "70%～80%", value=70, value_max=80, **PERCENT)]
    result = evaluate([gold[0].with_(value_max=None)], gold)
    assert result.score.f1 == 1.0 and result.score.claim_f1 == 0.0
    assert [(w.field, w.predicted, w.gold) for w in result.wrong_fields] == [
        ("value", 70, (70, 80))]
    assert evaluate([gold[0].with_(value_max=80.00001)], gold).score.claim_f1 == 1.0


def test_breakdown_per_document_and_per_quantity_type() -> None:
    gold = [at(SANMING, "100亿元", value=1e10, unit="元", quantity_type="money"),
            at(YICHANG, "96.5%", value=96.5, **PERCENT)]
    as_count = gold[0].with_(unit="个", quantity_type="count")
    result = evaluate([as_count], gold)
    assert result.by_document["000"].f1 == 1.0 and result.by_document["003"].recall == 0.0
    by_type = result.by_quantity_type
    money = by_type["money"]
    assert (money.gold, money.hits_gold, money.predicted) == (1, 1, 0)
    assert (by_type["count"].predicted, by_type["count"].precision) == (1, 1.0)
    assert by_type["percentage"].recall == 0.0


def test_error_records_carry_the_sentence() -> None:
    gold = [at(YICHANG, "2937家", value=2937, unit="家", quantity_type="count"),
            at(YICHANG, "96.5%", value=96.5, **PERCENT, indicator="患者满意度")]
    spurious = at(YICHANG, "68%", value=68, **PERCENT, sentence="处方合格率从68%跃升至93.6%")
    wrong = gold[1].with_(indicator=None, sentence=None)
    records = errors(evaluate([spurious, wrong], gold), TEXTS)
    assert [(r.kind, r.text, r.field) for r in records] == [
        ("miss", "2937家", None), ("false_positive", "68%", None),
        ("wrong_field", "96.5%", "indicator"), ("wrong_field", "96.5%", "indicator_strict")]
    miss, spurious_record, wrong_record = records[:3]
    assert miss.sentence == "宜昌市搭建“1+6+N”数智服务体系，联通全市2937家医疗卫生机构服务数据。"
    assert spurious_record.sentence == "处方合格率从68%跃升至93.6%"
    assert wrong_record.sentence == "成效显著：处方合格率从68%跃升至93.6%，患者满意度达96.5%。"
    assert (wrong_record.predicted, wrong_record.gold) == (None, "患者满意度")
    assert miss.to_dict()["span"] == (gold[0].start, gold[0].end)


def test_sentence_cut_at_marks_and_newlines() -> None:
    start = YICHANG.text.index("68%")
    assert sentence_around(YICHANG.text, start, start + 3).startswith("成效显著")


def mixed_prediction() -> list[Claim]:
    gold = all_gold()
    predicted = [g.with_(optional=False) for g in gold[1:6]]  # a few right
    predicted.append(gold[7].with_(value=5.0))  # a wrong value
    predicted.append(at(YICHANG, "68%", value=68, **PERCENT))  # a false positive
    predicted.append(gold[-1].with_(region_code="350400"))  # a wrong region
    return predicted


def test_bootstrap_interval_contains_the_point_estimate_and_is_deterministic() -> None:
    gold, predicted = all_gold(), mixed_prediction()
    point = evaluate(predicted, gold).score.metrics()
    intervals = bootstrap(predicted, gold, n=500, seed=7)
    assert set(intervals) == set(point)
    for name, (low, high) in intervals.items():
        assert low <= point[name] <= high, name
    assert bootstrap(predicted, gold, n=500, seed=7) == intervals
    assert intervals["f1"][0] < intervals["f1"][1]  # documents differ, so the interval is wide


def test_bootstrap_by_sentence_needs_texts() -> None:
    gold, predicted = all_gold(), mixed_prediction()
    with pytest.raises(ValueError, match="texts"):
        bootstrap(predicted, gold, unit="sentence")
    point = evaluate(predicted, gold).score.metrics()
    intervals = bootstrap(predicted, gold, unit="sentence", texts=TEXTS, n=300)
    assert intervals["f1"][0] <= point["f1"] <= intervals["f1"][1]
    with pytest.raises(ValueError, match="unit"):
        bootstrap(predicted, gold, unit="paragraph")  # type: ignore[arg-type]


def test_bootstrap_of_nothing_is_undefined() -> None:
    assert all(math.isnan(low) for low, _ in bootstrap([], []).values())
