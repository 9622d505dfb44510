"""The document structure (reform_facts/structure.py) and where an indicator starts (Cut), on
real-looking lines: one row per case, the text, the figure, and the parts expected around it."""
from __future__ import annotations

import pytest

from reform_facts.rulebook import load_rulebook
from reform_facts.structure import Structure, StructurePatterns

PATTERNS = StructurePatterns.from_book(load_rulebook())


def _parts(text: str, figure: str) -> dict[str, str | None]:
    structure = Structure(text, PATTERNS)
    start = text.index(figure)
    end = start + len(figure)
    paragraph, heading = structure.paragraph(start), structure.heading(start)
    return {"clause": text[slice(*structure.clause(start, end))].strip(),
            "sentence": text[slice(*structure.sentence(start, end))].strip(),
            "paragraph": text[slice(*paragraph)] if paragraph else None,
            "heading": text[slice(*heading)] if heading else None}


PARTS = [
    # text, figure, clause, sentence, heading
    ("一、总体情况\n2023年，全市医院12家，床位3200张。门诊量增长5%。", "3200",
     "床位3200张。", "2023年，全市医院12家，床位3200张。", "一、总体情况"),
    # a line that stops at a comma goes on in the next line: one sentence
    ("全市共有基层医疗卫生机构1205个，\n比上年增加31个。", "31个",
     "比上年增加31个。", "全市共有基层医疗卫生机构1205个，\n比上年增加31个。", None),
    # a line break inside a number is debris, not a boundary
    ("全市居民健康素养水平，达到96\n.5%。", "96\n.5%", "达到96\n.5%。", "全市居民健康素养水平，达到96\n.5%。", None),
    # a speaker line ending in a dash is a heading; a publication date line is neither
    ("发布日期：2022年7月8日\n市卫生健康委主任——\n今年签约率达到75%。", "75%",
     "今年签约率达到75%。", "今年签约率达到75%。", "市卫生健康委主任——"),
    # a converted table's tab ends a clause, not the sentence; a table's row is no heading
    ("床位数(张)\t3200\t3350", "3350", "3350", "床位数(张)\t3200\t3350", None),
    # nor is its header row: the prose after a table stands under the heading before it
    ("一、卫生资源\n| 指标 | 2019年 | 2018年 |\n| --- | --- | --- |\n| 床位数(张) | 3200 | 3100 |\n全市卫生人员增长5%。",
     "5%", "全市卫生人员增长5%。", "全市卫生人员增长5%。", "一、卫生资源"),
]


@pytest.mark.parametrize(("text", "figure", "clause", "sentence", "heading"), PARTS)
def test_parts_around_a_figure(text, figure, clause, sentence, heading):
    parts = _parts(text, figure)
    assert (parts["clause"], parts["sentence"], parts["heading"]) == (clause, sentence, heading)


def test_scopes_are_nearest_first_and_bounded_by_the_window():
    paragraphs = "".join(f"第{k}段，指标{k}为{k}%。后文。\n" for k in range(1, 13))
    text = "一、标题\n" + paragraphs + "本段开头。全市覆盖率达到90%。"
    structure = Structure(text, PATTERNS)
    start = text.index("90%")
    clause, sentence = structure.clause(start, start + 3), structure.sentence(start, start + 3)
    scopes = list(structure.scopes(start, ["clause", "sentence", "paragraph", "previous_paragraphs", "heading"],
                                   clause=clause, sentence=sentence, window=3))
    named = [(scope.name, text[slice(*scope.segment)]) for scope in scopes]
    assert named == [("clause", "全市覆盖率达到90%。"), ("sentence", "全市覆盖率达到90%。"),
                     ("paragraph", "本段开头。"), ("previous_paragraphs", "第12段，指标12为12%。"),
                     ("previous_paragraphs", "第11段，指标11为11%。"), ("previous_paragraphs", "第10段，指标10为10%。"),
                     ("heading", "一、标题")]
    # a wide scope's anchor is its end: everything in it stands before the figure
    assert all(scope.anchor == scope.segment.end for scope in scopes[2:])


CUTS = [
    # stretch before a figure, what an indicator may be made of (after the last year, name, number)
    ("2023年全市签约覆盖率", "签约覆盖率"),  # 全市 stands for a region too
    ("湖北省武汉市基层诊疗量占比", "基层诊疗量占比"),
    ("12023张床位中，使用率", "张床位中，使用率"),  # a digit run that is no year: a number
    ("2020年至2022年，三级医院", "，三级医院"),
    ("门诊次均费用", "门诊次均费用"),
]


@pytest.mark.parametrize(("stretch", "rest"), CUTS)
def test_an_indicator_starts_after_the_last_year_name_or_number(rules, stretch, rest):
    at = rules.indicators.cut_before.last_end(stretch, 0, len(stretch))
    assert stretch[at:] == rest
