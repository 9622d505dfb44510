"""The spaCy pipeline's segmentation and rule components: the local pkuseg model, the user
dictionary from rules/, the span ruler fed by the rule modules, and loading without a network."""
from __future__ import annotations

import re

import subprocess
import sys
import textwrap

import pytest
import spacy_pkuseg

from reform_facts.extractors import registry, spacy_pipeline, training
from reform_facts.extractors.spacy_components import Offsets, candidate_sentences, clause_of, indicator_candidates
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.errors import SpacyConfigError
from reform_facts.extractors.models import pkuseg_model_dir


@pytest.fixture(scope="module")
def nlp():
    return training.load(training.ensure_model())


# Corpus sentences and the words pkuseg cuts them into, with the units of rules/units.yaml as
# user words (plain pkuseg cuts 个百分点 into 个 | 百分点).
SEGMENTED = [
    ("全市基层诊疗量占比达65%以上", ["全市", "基层", "诊疗量", "占比", "达", "65%", "以上"]),
    ("较上年度提升18个百分点", ["较", "上年度", "提升", "18", "个百分点"]),
    ("三明市深化医药卫生体制改革实施方案", ["三明市", "深化", "医药", "卫生", "体制", "改革", "实施", "方案"]),
    ("累计节约费用7721.4万元", ["累计", "节约", "费用", "7721.4万", "元"]),
]


@pytest.mark.parametrize("sentence, words", SEGMENTED)
def test_segments_with_the_local_pkuseg_model(nlp, sentence, words):
    assert [token.text for token in nlp.make_doc(sentence)] == words


def test_plain_pkuseg_cuts_a_unit_the_user_dictionary_keeps_whole():
    assert spacy_pipeline.segmenter(()).cut("较上年度提升18个百分点")[-2:] == ["个", "百分点"]
    assert spacy_pipeline.segmenter(("units",)).cut("较上年度提升18个百分点")[-1] == "个百分点"


def test_the_segmenter_is_the_local_model_loaded_once(nlp):
    assert spacy_pkuseg.config.modelDir == str(pkuseg_model_dir())
    again = training.load(training.ensure_model())
    assert again.tokenizer.pkuseg_seg is nlp.tokenizer.pkuseg_seg  # shared, not reloaded


def test_user_dictionary_words_come_from_the_rules():
    words = set(spacy_pipeline.user_words())
    rules = spacy_pipeline.shared_rules()
    assert "个百分点" in words and "三明市" in words and "医疗卫生机构" in words
    assert words <= ({s for u in rules.book.units.units for s in u.surfaces} | set(rules.book.indicators.head_nouns)
                     | set(rules.gazetteer.by_surface) | set(rules.gazetteer.deictic))
    assert all(len(word) >= 2 for word in words)  # a forced single character would split 县域


@pytest.mark.slow  # segments the gold documents twice
def test_the_chosen_user_dictionary_keeps_gold_spans_whole():
    """The config's word groups keep at least as many gold spans on token boundaries as plain pkuseg."""
    chosen = tuple(training.config_value("nlp.tokenizer.user_dict"))
    plain, mine = training.segmentation_alignment([(), chosen])
    assert mine["quantity"] + mine["indicator"] >= plain["quantity"] + plain["indicator"]
    assert mine["quantity"] > 0.95 and mine["indicator"] > 0.95


@pytest.mark.parametrize("text, key, expected", [
    ("2023年，全市基层诊疗量占比达65%以上", "quantity", ["65%"]),
    ("2023年，全市基层诊疗量占比达65%以上", "year", ["2023年"]),
    ("2023年，全市基层诊疗量占比达65%以上", "region", ["全市"]),
    ("三明市二级及以上公立医院5∶3∶2", "region", ["三明市"]),
    ("三明市二级及以上公立医院5∶3∶2", "quantity", ["5∶3∶2"]),
])
def test_the_span_ruler_marks_what_the_rules_find(nlp, text, key, expected):
    doc = nlp.get_pipe(spacy_pipeline.RULE_SPANS)(nlp.make_doc(text))
    assert [span.text for span in doc.spans[key]] == expected
    assert all(token.norm_.startswith("⟨") for span in doc.spans[key] for token in span)


def test_the_rules_indicator_phrases_are_tagged_for_the_categoriser(nlp, doc_from):
    document = doc_from("力争到2027年，全市基层诊疗量占比达65%以上。")
    doc = nlp.make_doc(document.text)
    doc._.rf_document = document
    doc = nlp.get_pipe(spacy_pipeline.RULE_SPANS)(doc)
    assert [span.text for span in doc.spans["rule_indicator"]] == ["基层诊疗量占比"]
    assert [t.text for t in doc if t.tag_ == "⟨indicator⟩"] == ["基层", "诊疗量", "占比"]


def test_an_unknown_word_group_is_named():
    with pytest.raises(SpacyConfigError, match="unknown word group 'units2'"):
        spacy_pipeline.user_words(["units2"])


def test_only_sentences_with_a_figure_reach_the_learned_component(nlp):
    text = "坚持以人民健康为中心。签约覆盖率50.28%。深化改革。"
    doc = nlp.get_pipe(spacy_pipeline.RULE_SPANS)(nlp.make_doc(text))
    assert [span.text for span in candidate_sentences(doc)] == ["签约覆盖率50.28%。"]


def test_indicator_candidates_hold_the_phrase_before_and_after_a_figure(nlp):
    doc = nlp.make_doc("全市基层诊疗量占比达65%以上，建成2937家医疗卫生机构")
    ends = Offsets(doc).clause_ends(spacy_pipeline.structure_for(doc).clause_ends)
    words = [t.text for t in doc]
    window = {"max_tokens": 8, "before_gap": 6, "after_gap": 2}
    pct, count = words.index("65%"), words.index("2937")
    before = {doc[i:j].text for i, j in indicator_candidates(pct, pct + 1, clause_of(ends, pct, pct + 1, len(doc)), **window)}
    after = {doc[i:j].text for i, j in indicator_candidates(count, count + 2, clause_of(ends, count, count + 2, len(doc)), **window)}
    assert "基层诊疗量占比" in before and "建成" not in before  # the clause ends at ，
    assert "医疗卫生机构" in after


@pytest.mark.slow
def test_the_pipeline_loads_and_runs_without_a_network():
    """In a fresh process where every socket connection fails, the trained pipeline loads and extracts."""
    training.ensure_model()
    code = textwrap.dedent("""
        import socket, sys
        def refuse(*args, **kwargs):
            raise OSError("network used while loading the spaCy pipeline")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from reform_facts.extractors import registry
        from reform_facts.claim import Document
        claims = registry.get("spacy")(Document.from_text("签约覆盖率50.28%。", doc_id="d"))
        assert [c.text for c in claims] == ["50.28%"], claims
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


# Texts with the whitespace pkuseg drops (spaces, line breaks, a space before a line break),
# cut by pkuseg: the tokenizer's linear alignment must give spaCy's own words and spaces.
ALIGNED = [
    "全市基层诊疗量占比达65%以上",
    "三明市深化医药卫生体制改革实施方案\n\n一、总体要求\n",
    "  累计节约费用 7721.4万元 \n较上年度提升18个百分点  ",
    "县域内就诊率 　达到90%",  # an ideographic space: whitespace, but not a token's trailing space
]


@pytest.mark.parametrize("text", ALIGNED)
def test_the_tokenizer_aligns_words_as_spacy_does(nlp, text):
    from spacy.util import get_words_and_spaces

    words = nlp.tokenizer.pkuseg_seg.cut(text)
    assert spacy_pipeline.words_and_spaces(words, text) == get_words_and_spaces(words, text)
    doc = nlp.make_doc(text)
    assert doc.text == text


def test_taken_spans_overlap_as_the_plain_definition_says():
    """`Taken` answers as the linear scan `any(a < e and s < b)` over every span taken so far."""
    import random

    from reform_facts.extractors.spacy_components import Taken

    rng = random.Random(5)
    for _ in range(200):
        first = [(s, s + rng.randint(0, 6)) for s in rng.sample(range(60), 8)]  # may overlap, may be empty
        taken, plain = Taken(first), list(first)
        for _ in range(30):
            a = rng.randint(0, 70)
            b = a + rng.randint(0, 5)
            overlaps = any(a < e and s < b for s, e in plain)
            assert taken.overlaps(a, b) == overlaps, (plain, a, b)
            if not overlaps:
                taken.add(a, b)
                plain.append((a, b))


# A line without a figure between two with figures; "深化医药卫生体制改革" stands alone on its line.
LINES = "签约覆盖率50.28%，较上年提升3个百分点。\n坚持以人民健康为中心，深化医药卫生体制改革。\n全市基层诊疗量占比达65%以上。"


def test_only_the_lines_of_sentences_with_a_figure_are_segmented(nlp, doc_from):
    doc = spacy_pipeline.document_doc(nlp, doc_from(LINES))
    whole = nlp.make_doc(LINES)
    middle = LINES.splitlines()[1]
    start, end = LINES.index(middle), LINES.index(middle) + len(middle)

    def outside(tokens):
        return [(t.idx, t.text) for t in tokens if not start <= t.idx < end]
    assert outside(doc) == outside(whole)  # the figures' lines: pkuseg's tokens
    assert [t.text for t in doc if start <= t.idx < end] == [middle]
    assert len([t for t in whole if start <= t.idx < end]) > 1
    assert doc._.rf_reading is not None and doc._.rf_document.text == LINES


TABLE_AND_PROSE = ("表1 2023年各类医疗卫生机构床位数\n"
                   "| 机构类别 | 床位数（张） | 增长（%） |\n| --- | --- | --- |\n"
                   "| 基层医疗卫生机构 | 1200 | 3.5 |\n| 专业公共卫生机构 | 980 | -1.2 |\n"
                   "全市每千人口床位数达6.8张，较上年增长2.1%。\n")


def test_a_table_cells_figures_are_not_the_categorisers_to_read():
    """The sentences to segment and categorise hold a figure outside table cells: a cell's
    figure is read from the table's grid (rule_based, table_claims)."""
    layout = spacy_pipeline.structure_of(TABLE_AND_PROSE)
    figures = [(m.start(), m.end()) for m in re.finditer(r"-?[0-9]+(?:\.[0-9]+)?%?", TABLE_AND_PROSE)
               if m.start() > TABLE_AND_PROSE.index("\n")]  # the title's 表1 and 2023年 aside
    assert len(figures) == 6 and layout.tables
    segments = spacy_pipeline.candidate_segments(layout, figures)
    assert [TABLE_AND_PROSE[s.start:s.end] for s in segments] == ["全市每千人口床位数达6.8张，较上年增长2.1%。"]


@pytest.mark.parametrize("name", ["spacy", "hybrid"])
def test_segmenting_only_the_figures_lines_gives_the_whole_texts_claims(name, corpus_docs, doc_from):
    extractor = registry.get(name)
    for document in [*corpus_docs, doc_from(LINES)]:
        whole = extractor.nlp.make_doc(document.text)
        whole._.rf_document = document
        expected = [claim.to_record() for claim in extractor.nlp(whole)._.rf_claims]
        assert [claim.to_record() for claim in extractor(document)] == expected, document.doc_id


@pytest.mark.parametrize("text, within, words", [
    ("甲乙 丙丁\n戊己", [(3, 4)], ["甲乙", "丙", "丁", "戊己"]),
    ("甲乙 丙丁\n戊己", [], ["甲乙", "丙丁", "戊己"]),
    ("甲乙 丙丁\n戊己", [(0, 1), (1, 9)], ["甲", "乙", "丙", "丁", "戊", "己"]),
    ("  甲乙  丙丁 ", [(1, 3)], ["甲", "乙", "丙丁"]),  # a segment starting in the whitespace before a chunk
    ("甲乙 丙丁", [(0, 5), (1, 2)], ["甲", "乙", "丙", "丁"]),  # a long segment, then one inside it
])
def test_cut_within_cuts_the_chunks_that_overlap_a_segment(text, within, words):
    class Chars:
        @staticmethod
        def cut(part: str) -> list[str]:
            return [ch for ch in part if not ch.isspace()]

    segments = [spacy_pipeline.Segment(*span) for span in within]
    assert spacy_pipeline.cut_within(Chars, text, segments) == words
