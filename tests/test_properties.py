"""Property-based tests: whatever text comes in, every extractor returns claims that keep the
contract, and never raises.

Inputs: arbitrary Unicode, long digit runs, nested and unbalanced brackets, random cuts of the
corpus, and a soup of corpus characters with the debris of conversions. Deterministic
(derandomize: the same examples on every run and machine) and modest in size, so they run in
seconds; a failure prints the shortest text that breaks the contract.
"""
from __future__ import annotations

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reform_facts.gold import is_verbatim
from reform_facts.extractors import registry
from reform_facts.claim import Document
from tests import fixtures_make as fx

PROPERTY = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

CORPUS_TEXT = "\n".join(fx.corpus_lines())
# What conversions leave behind: LaTeX, Markdown, full-width forms, odd spaces and marks.
DEBRIS = "$\\{}^_*#|<>/\t\r\n\u3000\u00a0\u200b\ufeff\ufffd０１２３４５６７８９．％，：；"
BRACKETS = ["（）", "()", "[]", "【】", "《》", "“”", "{}", "「」", "〔〕", "$$"]

# What stands before and after a number in the corpus (units, comparators, years, names):
# drawn from the corpus itself, so that generated text is full of would-be claims.
NUMBER_HEADS = sorted({m.group(1) for m in regex.finditer(r"([^\d\n]{1,6})\d", CORPUS_TEXT)})
NUMBER_TAILS = sorted({m.group(1) for m in regex.finditer(r"\d([^\d\n]{1,6})", CORPUS_TEXT)})
numbers = st.from_regex(r"[0-9０-９]{1,7}([.．][0-9]{1,4})?", fullmatch=True)


def _cut(draw, longest: int = 400) -> str:
    start = draw(st.integers(0, len(CORPUS_TEXT) - 1))
    return CORPUS_TEXT[start:start + draw(st.integers(1, longest))]


@st.composite
def corpus_cuts(draw) -> str:
    """A random slice of the corpus, sometimes two spliced: cut mid-number, mid-word, mid-line."""
    return _cut(draw) + (_cut(draw) if draw(st.booleans()) else "")


@st.composite
def unicode_in_corpus(draw) -> str:
    """A corpus slice with arbitrary Unicode (controls, combining marks, emoji, …) dropped in."""
    text = _cut(draw, 300)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(min_size=1, max_size=8)) + text[at:]
    return text


@st.composite
def digit_runs(draw) -> str:
    """A long run of digits between what stands around numbers in the corpus."""
    digits = draw(st.text(alphabet="0123456789０１２３４５６７８９", min_size=15, max_size=1500))
    decimals = draw(st.text(alphabet="0123456789", max_size=400))
    head, tail = draw(st.sampled_from(NUMBER_HEADS)), draw(st.sampled_from(NUMBER_TAILS))
    return head + digits + ("." + decimals if decimals else "") + tail


def _wrap(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.sampled_from(BRACKETS)
    closed = st.builds(lambda p, inner: p[0] + inner + p[1], pair, children)
    unbalanced = st.builds(lambda p, inner, left: (p[0] if left else "") + inner + ("" if left else p[1]),
                           pair, children, st.booleans())
    return st.lists(st.one_of(closed, unbalanced, children), min_size=1, max_size=4).map("".join)


_claimish = st.builds(lambda h, n, t: h + n + t, st.sampled_from(NUMBER_HEADS), numbers, st.sampled_from(NUMBER_TAILS))
nested_brackets = st.recursive(_claimish, _wrap, max_leaves=25)
soup = st.lists(st.one_of(st.sampled_from(NUMBER_HEADS), st.sampled_from(NUMBER_TAILS), numbers,
                          st.sampled_from(list(DEBRIS)), st.sampled_from("".join(BRACKETS))),
                min_size=4, max_size=60).map("".join)

STRATEGIES = {
    "any-unicode": st.text(min_size=1, max_size=300),
    "unicode-in-corpus": unicode_in_corpus(),
    "digit-runs": digit_runs(),
    "nested-brackets": nested_brackets,
    "corpus-cuts": corpus_cuts(),
    "corpus-soup": soup,
}


def check_contract(text: str, name: str) -> None:
    doc = Document.from_text(text, doc_id="prop", path="prop.txt")
    for claim in fx.extract(doc, name):
        where = f"{claim.text!r} at {claim.start}:{claim.end} of {len(text)}"
        assert 0 <= claim.start < claim.end <= len(text), where
        assert claim.text == text[claim.start:claim.end], where
        assert claim.doc_id == "prop" and claim.extractor == name, where
        assert claim.indicator is None or is_verbatim(claim.indicator, text), where  # as the guideline reads it


@pytest.mark.parametrize("name", registry.names())
@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_extractors_keep_the_contract_on_any_text(name, strategy):
    @PROPERTY
    @given(STRATEGIES[strategy])
    def run(text: str) -> None:
        check_contract(text, name)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.names())
def test_extractors_keep_the_contract_on_every_corpus_line_with_its_neighbours_cut(name):
    """Not random: each corpus line cut in half and the halves swapped, every line once."""
    for line in fx.corpus_lines(min_chars=2):
        middle = len(line) // 2
        check_contract(line[middle:] + "\n" + line[:middle], name)
