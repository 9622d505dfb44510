"""The learned context model: candidates from the rules' claims, feature words of each pair, and the
chooser that gives each claim its best-scored region and year."""
from __future__ import annotations

import pytest
from spacy.lang.zh import Chinese

from reform_facts.errors import SpacyConfigError
from reform_facts.extractors.spacy_context import REGION, YEAR, ContextChooser, DocumentContext, pairs
from reform_facts.extractors.spacy_pipeline import structure_of

# A bulletin of one city whose figures compare with a baseline year (a figure of which it also
# gives) and name a second city.
BULLETIN = ("三明市2023年卫生健康统计公报\n"
            "2023年末，全市医疗卫生机构2000个，比2022年末增加12个。"
            "永安市医疗卫生机构300个。全市卫生技术人员2.5万人。2022年全市卫生技术人员2.4万人。")


@pytest.fixture(scope="module")
def bulletin(rules):
    from reform_facts.claim import Document

    document = Document.from_text(BULLETIN, doc_id="bulletin")
    claims = rules(document)
    return document, claims, DocumentContext(document.text, claims, structure_of(document.text))


def _claim_at(claims, figure):
    return next(k for k, c in enumerate(claims) if c.text == figure)


def test_candidates_are_the_rules_values_of_the_document_with_theirs_first(bulletin):
    _, claims, context = bulletin
    k = _claim_at(claims, "12个")
    years = context.choices(k, YEAR)
    assert years[0] == claims[k].year and None in years
    assert set(years) - {None} == {c.year for c in claims} - {None}
    regions = context.choices(k, REGION)
    assert regions[0] == claims[k].region_code and set(regions) - {None} == {c.region_code for c in claims} - {None}


@pytest.mark.parametrize("figure, label, value, present, absent", [
    # the baseline year stands before the figure in its clause, after 比 and before 年末
    ("12个", YEAR, 2022, ["Y:before_in_clause", "Y:prev_比", "Y:next2_年末"], ["Y:unnamed"]),
    # the report's year is named in the title
    ("2000个", YEAR, 2023, ["Y:in_opening"], ["Y:unnamed", "Y:none"]),
    # no year: nothing is named
    ("2000个", YEAR, None, ["Y:none"], ["Y:in_opening", "Y:unnamed"]),
])
def test_feature_words_say_where_a_candidate_is_named(bulletin, figure, label, value, present, absent):
    _, claims, context = bulletin
    words = context.features(_claim_at(claims, figure), label, value)
    assert all(w in words for w in present), words
    assert not any(w in words for w in absent), words
    assert all(w.startswith(f"{label[0]}:") for w in words)


def test_the_rules_choice_is_a_feature_and_its_conjunctions_too(bulletin):
    _, claims, context = bulletin
    k = _claim_at(claims, "2000个")
    mine = context.features(k, YEAR, claims[k].year)
    other = next(v for v in context.choices(k, YEAR) if v != claims[k].year)
    assert "Y:rule" in mine and any(w.startswith("Y:rule&") for w in mine)
    assert "Y:other" in context.features(k, YEAR, other)
    assert not any(w.startswith("Y:rule") for w in context.features(k, YEAR, other))


def test_a_single_candidate_is_no_choice(rules):
    from reform_facts.claim import Document

    document = Document.from_text("全市医疗卫生机构2000个。", doc_id="d")
    claims = rules(document)
    context = DocumentContext(document.text, claims, structure_of(document.text))
    assert claims and all(c.year is None for c in claims)
    assert list(pairs(context, 0, YEAR)) == []  # the only value is "no year"


class _Scored(ContextChooser):
    """A chooser whose categoriser's scores are given: `prefer` scores 0.9, every other value
    `others` (the rules' included)."""

    def __init__(self, prefer, others, **sources):
        super().__init__(Chinese(), "unused", **{"region": "learned", "year": "learned", **sources})
        self.prefer, self.others, self.asked = prefer, others, []

    def score(self, docs):
        rows = []
        for doc in docs:
            words = doc.text.split()
            rows.append({label: 0.9 if f"{label[0]}:value={self.prefer}" in words else self.others
                         for label in (REGION, YEAR)})
        return rows


@pytest.mark.parametrize("prefer, others, sources, expected_year", [
    (2022, 0.1, {}, 2022),                   # the categoriser is surer of another year: taken
    (2022, 0.9, {}, 2023),                   # a tie: the rules' choice stays
    (2022, 0.1, {"year": "rules"}, 2023),    # the year's source is the rules: not asked
])
def test_the_chooser_takes_the_best_scored_candidate(bulletin, monkeypatch, prefer, others, sources, expected_year):
    from reform_facts.extractors import spacy_context

    document, claims, _ = bulletin
    real = spacy_context.DocumentContext.features
    # mark each pair's value among its words so that the scores above can find it
    monkeypatch.setattr(spacy_context.DocumentContext, "features",
                        lambda self, index, label, value: [*real(self, index, label, value),
                                                           f"{label[0]}:value={value}"])
    chooser = _Scored(prefer, others, **sources)
    doc = chooser.nlp.make_doc(document.text)
    doc._.rf_document, doc._.rf_claims = document, claims
    k = _claim_at(claims, "2000个")
    assert claims[k].year == 2023
    chosen = chooser(doc)._.rf_claims
    assert chosen[k].year == expected_year
    assert [(c.start, c.end, c.value) for c in chosen] == [(c.start, c.end, c.value) for c in claims]


def test_the_chooser_takes_a_region_with_its_name(bulletin, monkeypatch):
    from reform_facts.extractors import spacy_context

    document, claims, context = bulletin
    codes = {c.region_code: c.region for c in claims if c.region_code}
    assert len(codes) >= 2, codes  # 三明市 and 永安市
    k = _claim_at(claims, "2000个")
    other = next(code for code in codes if code != claims[k].region_code)
    real = spacy_context.DocumentContext.features
    monkeypatch.setattr(spacy_context.DocumentContext, "features",
                        lambda self, index, label, value: [*real(self, index, label, value),
                                                           f"{label[0]}:value={value}"])
    chooser = _Scored(other, 0.1, year="rules")
    doc = chooser.nlp.make_doc(document.text)
    doc._.rf_document, doc._.rf_claims = document, claims
    chosen = chooser(doc)._.rf_claims[k]
    assert (chosen.region_code, chosen.region) == (other, codes[other])


def test_an_unknown_source_is_refused():
    with pytest.raises(SpacyConfigError, match="region and year"):
        ContextChooser(Chinese(), "unused", region="gazetteer", year="rules")
