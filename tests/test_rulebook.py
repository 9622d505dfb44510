"""rules/ is validated when loaded: broken files are errors that name the file and the rule."""
from __future__ import annotations

import shutil

import pytest
import yaml

from reform_facts.claim import Document
from reform_facts.extractors.quantities import Quantity, QuantityFinder
from reform_facts.extractors.rule_based import RuleExtractor
from reform_facts.rulebook import RULES_DIR, load_rulebook
from reform_facts.errors import RuleFileError


@pytest.fixture
def rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def _edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_bundled_rules_load():
    book = load_rulebook()
    assert len(book.digest) == 12


@pytest.mark.parametrize("name, change, message", [
    ("units.yaml", lambda d: d["units"][0].update(colour="red"), "colour"),
    ("units.yaml", lambda d: d["units"][0].update(quantity_type="volume"), "quantity_type"),
    ("units.yaml", lambda d: d["units"].append(dict(d["units"][0])), "unit.percent"),
    ("comparators.yaml", lambda d: d["comparators"][0].update(comparator="=="), "comparator"),
    ("numbers.yaml", lambda d: d.update(quantity="{NOT_A_FRAGMENT}"), "NOT_A_FRAGMENT"),
    ("exclusions.yaml", lambda d: d["exclusions"][0].update(before="(unclosed"), "excl.ordinal"),
    ("regions.yaml", lambda d: d["additions"][0].update(code="12345"), "six digits"),
    ("numbers.yaml", lambda d: d["bare_scale"].update(unit="unit.count.nothing"), "unit.count.nothing"),
    ("units.yaml", lambda d: d.pop("rate_cue_window"), "rate_cue_window"),
    ("tables.yaml", lambda d: d.pop("confidence"), "confidence"),
    ("tables.yaml", lambda d: d.update(section_levels=["question", "chapitre"]), "chapitre"),
    ("context.yaml", lambda d: d.update(heading="{NOT_A_QUESTION}"), "NOT_A_QUESTION"),
])
def test_broken_rule_file_is_named(rules_copy, name, change, message):
    _edit(rules_copy / name, change)
    with pytest.raises(RuleFileError) as error:
        load_rulebook(rules_copy)
    assert name in str(error.value) and message in str(error.value)


def test_missing_rule_file_is_named(rules_copy):
    (rules_copy / "kind.yaml").unlink()
    with pytest.raises(RuleFileError, match="kind.yaml"):
        load_rulebook(rules_copy)


def test_version_changes_with_the_rules(rules_copy):
    _edit(rules_copy / "units.yaml", lambda d: d["units"][0]["surfaces"].append("pct"))
    assert RuleExtractor(load_rulebook(rules_copy)).version != RuleExtractor().version


# What quantities.py reads from rules/ rather than states itself: each change to a copy of the
# rules changes what is found in the sentence (the bundled rules give the `before` value).
@pytest.mark.parametrize("name, change, text, before, after", [
    ("numbers.yaml", lambda d: d["bare_scale"].update(confidence=0.42), "项目实施后惠及群众超百万",
     [("百万", "个", ">", 0.6)], [("百万", "个", ">", 0.42)]),
    ("units.yaml", lambda d: next(u for u in d["units"] if u["id"] == "unit.ratio").update(confidence=0.5),
     "检查化验收入基本达到5∶3∶2", [("5∶3∶2", "ratio", "=", 0.9)], [("5∶3∶2", "ratio", "=", 0.5)]),
    ("units.yaml", lambda d: d.update(requires_context_window=1), "全省人均预期寿命继续提高。\n\n其中女性82.31岁",
     [("82.31岁", "岁", "=", 0.9)], []),
    # the window bounds a cue's own reach; past it a cue carries only through figures of one classifier
    ("units.yaml", lambda d: d.update(rate_cue_window=3), "每千人口拥有医疗卫生机构0.8个、床位6.5张",
     [("0.8个", "个/千人", "=", 0.9), ("6.5张", "张/千人", "=", 0.9)],
     [("0.8个", "个/千人", "=", 0.9), ("6.5张", "张", "=", 0.9)]),
    ("comparators.yaml", lambda d: d.update(window=1), "不低于15%",
     [("15%", "%", ">=", 0.98)], [("15%", "%", "=", 0.98)]),
    ("exclusions.yaml", lambda d: d.update(window=0), "第5批两个国家区域医疗中心",
     [], [("5批", "批", "=", 0.8)]),
], ids=["bare_scale.confidence", "ratio.confidence", "requires_context_window", "rate_cue_window",
        "comparators.window", "exclusions.window"])
def test_quantities_take_windows_and_confidences_from_the_rules(rules_copy, name, change, text, before, after):
    def found(book):
        return [(text[q.start:q.end], q.unit, str(q.comparator), q.confidence)
                for q in QuantityFinder(book).find(text) if isinstance(q, Quantity)]
    assert found(load_rulebook()) == before
    _edit(rules_copy / name, change)
    assert found(load_rulebook(rules_copy)) == after


def test_table_claims_take_their_confidence_from_the_rules(rules_copy):
    text = "2021年甲省卫生统计\n| 指标 | 2021年 | 2020年 |\n| --- | --- | --- |\n| 床位数(万张) | 28.6 | 27.1 |\n"

    def confidences(book):
        claims = RuleExtractor(book)(Document.from_text(text, doc_id="t"))
        return [(claim.text, claim.confidence) for claim in claims if claim.rule_id.startswith("table.")]
    assert confidences(load_rulebook()) == [("28.6", 0.8), ("27.1", 0.8)]
    _edit(rules_copy / "tables.yaml", lambda d: d.update(confidence=0.55))
    assert confidences(load_rulebook(rules_copy)) == [("28.6", 0.55), ("27.1", 0.55)]
