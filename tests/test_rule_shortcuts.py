"""The rule extractor's shortcuts give what the patterns they stand for give, on any text.

Some hot spots read the rules without running the regex they were written as (a lookup by
length instead of an alternation searched over a phrase, a jump from candidate to candidate
instead of a scan). Each is checked here against that regex, on corpus cuts with debris and
arbitrary characters dropped in, and on every stretch of the corpus lines the rules read.
"""
from __future__ import annotations

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reform_facts.extractors.indicators import _alternation
from reform_facts.extractors.numbers import parse_number
from tests import fixtures_make as fx

CHECKS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow])
CORPUS_TEXT = "\n".join(fx.corpus_lines())


@st.composite
def stretches(draw) -> tuple[str, int, int]:
    """A corpus cut with arbitrary characters dropped in, and a stretch lo..hi of it."""
    start = draw(st.integers(0, len(CORPUS_TEXT) - 1))
    text = CORPUS_TEXT[start:start + draw(st.integers(1, 120))]
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(alphabet="年%％０９\n 的率占比万个", max_size=4) | st.text(max_size=3)) + text[at:]
    lo = draw(st.integers(0, len(text)))
    return text, lo, draw(st.integers(lo, len(text)))


def _line_stretches(limit: int = 4000) -> list[tuple[str, int, int]]:
    """Every clause-like stretch of the first corpus lines: up to each digit, from each mark."""
    found = []
    for line in fx.corpus_lines():
        starts = [0] + [m.end() for m in regex.finditer(r"[，。；：、\s]", line)]
        ends = [m.start() for m in regex.finditer(r"[0-9０-９]", line)] + [len(line)]
        found += [(line, lo, hi) for lo in starts[:6] for hi in ends[:6] if lo <= hi]
        if len(found) >= limit:
            break
    return found


def _strip_reference(pattern_end, pattern_start, text: str, lo: int, hi: int) -> tuple[int | None, int | None]:
    """What `_trim` read from the alternations before: the start of the word ending the stretch,
    the end of the word starting it."""
    end = pattern_end.search(text, lo, hi)
    start = pattern_start.match(text, lo, hi)
    return ((end.start() if end and end.start() >= lo and end.end() == hi and end.start() < hi else None),
            (start.end() if start and start.end() <= hi and start.end() > lo else None))


@pytest.fixture(scope="module")
def strip_words(rules):
    words = rules.book.indicators
    return (rules.indicators.strip_end, rules.indicators.strip_start,
            _alternation(words.strip_end, "$"), _alternation(words.strip_start, ""))


def _same_strip(strip_words, text: str, lo: int, hi: int) -> None:
    affix_end, affix_start, pattern_end, pattern_start = strip_words
    assert (affix_end.suffix(text, lo, hi), affix_start.prefix(text, lo, hi)) == \
        _strip_reference(pattern_end, pattern_start, text, lo, hi), (text, lo, hi)


@CHECKS
@given(stretches())
def test_stripped_words_are_the_alternations_matches(strip_words, stretch):
    _same_strip(strip_words, *stretch)


def test_stripped_words_are_the_alternations_matches_on_corpus_clauses(strip_words):
    for stretch in _line_stretches():
        _same_strip(strip_words, *stretch)


def _cut_reference(cut, text: str, lo: int, hi: int) -> int:
    """Where `Cut.whole` (years | region names | numbers) last matches in the stretch."""
    for match in cut.whole.finditer(text, lo, hi):
        lo = max(lo, match.end())
    return lo


@CHECKS
@given(stretches())
def test_indicator_cut_is_the_last_match_of_the_whole_pattern(rules, stretch):
    cut = rules.indicators.cut_before
    assert cut.last_end(*stretch) == _cut_reference(cut, *stretch), stretch


def test_indicator_cut_is_the_last_match_of_the_whole_pattern_on_corpus_clauses(rules):
    cut = rules.indicators.cut_before
    for stretch in _line_stretches():
        assert cut.last_end(*stretch) == _cut_reference(cut, *stretch), stretch


def test_numerals_read_with_the_rules_are_read_as_parse_number_reads_them(rules):
    table = rules.quantities.numerals
    assert {"三", "两", "百万"} <= set(table), "the numerals of rules/numbers.yaml are not read up front"
    for numeral, value in table.items():
        assert value == parse_number(numeral), numeral
