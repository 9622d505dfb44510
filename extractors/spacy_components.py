"""The learned and the assembling components of the spaCy pipeline.

- The trainable component is spaCy's span categoriser (`spancat`, configs/spacy_indicator.cfg)
  with labels QUANTITY and INDICATOR over the spans `claim_suggester` proposes: every quantity
  candidate of the rules (accepted or rejected), short runs of tokens starting with a number
  the rules did not take (quantities in forms the rules miss), and, around each rule candidate,
  the phrases that could name what it measures (`indicator_candidates`). It learns which
  candidates are claims and which phrase is each figure's indicator.
- `reform_sentence_spans` runs that categoriser on the candidate sentences only (those where
  the rules found a candidate or a digit is written): the others hold no figure, and skipping
  them keeps the pipeline near the cost of segmentation. Training reads the same sentences.
- `reform_claims` assembles claims: the rule extractor's claims (values, units, comparators,
  region, year and kind resolved by quantities.py and context.py), kept where the categoriser
  says QUANTITY, plus learned quantities the rules missed (read by the same QuantityFinder),
  each with the INDICATOR candidate the categoriser scores highest.
"""
from __future__ import annotations

import bisect
from dataclasses import replace
from collections.abc import Iterable, Iterator
from functools import cache, partial

import numpy
import regex
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry as spacy_registry
from thinc.api import Ops, get_current_ops
from thinc.types import Ragged

from extractors.layout import Layout, Segment
from extractors.quantities import Quantity
from extractors.spacy_pipeline import candidates, shared_rules
from reform_facts.claim import Claim, Document

SUGGESTER = "reform_facts.claim_suggester.v1"
SENTENCE_SPANS = "reform_sentence_spans"
CLAIMS = "reform_claims"
QUANTITY, INDICATOR = "QUANTITY", "INDICATOR"
SPANS_KEY = "sc"
QUANTITY_SOURCES = ("learned", "rules")
INDICATOR_SOURCES = ("learned", "learned_then_rules", "rules_then_learned", "rules")
_DIGIT = regex.compile(r"\d")
TokenSpan = tuple[int, int]

for _name in ("rf_document", "rf_claims", "rf_scores"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


# --- what the categoriser looks at --------------------------------------------------------

@cache
def _number_pattern() -> regex.Pattern[str]:
    """A written number, from the fragments of rules/numbers.yaml."""
    return shared_rules().book.compile("{ARABIC} | {CN_NUMBER}", where="spacy suggester: number")


def clause_ends(doc: Doc) -> list[int]:
    """Indices of the tokens that end a clause (，；。 and line breaks, rules/context.yaml)."""
    starts = [token.idx for token in doc]
    found = shared_rules().context.layout_patterns.clause_end.finditer(doc.text)
    return sorted({bisect.bisect_right(starts, m.start()) - 1 for m in found})


def clause_of(ends: list[int], start: int, end: int, n_tokens: int) -> TokenSpan:
    """The tokens of the clause around tokens [start, end), its boundary tokens left out."""
    i = bisect.bisect_left(ends, start)
    lo = ends[i - 1] + 1 if i else 0
    j = bisect.bisect_left(ends, end)
    return lo, ends[j] if j < len(ends) else n_tokens


def indicator_candidates(start: int, end: int, clause: TokenSpan, *, max_tokens: int, before_gap: int,
                         after_gap: int) -> list[TokenSpan]:
    """Token spans that may name what the figure at tokens [start, end) measures: phrases of the
    clause ending at most `before_gap` tokens before it, or starting at most `after_gap` after it.

    >>> indicator_candidates(2, 3, (0, 4), max_tokens=2, before_gap=0, after_gap=0)
    [(0, 2), (1, 2), (3, 4)]
    """
    lo, hi = clause
    out = [(i, j) for j in range(max(start - before_gap, lo + 1), start + 1)
           for i in range(max(j - max_tokens, lo), j)]
    out += [(i, j) for i in range(end, min(end + after_gap, hi - 1) + 1)
            for j in range(i + 1, min(i + max_tokens, hi) + 1)]
    return out


def suggest(doc: Doc, *, max_tokens: int, before_gap: int, after_gap: int) -> list[TokenSpan]:
    """Every span the categoriser scores in one doc, in order, without repeats."""
    ends = clause_ends(doc)
    found = _rule_candidates(doc)
    spans = set(found)
    taken = {i for start, end in found for i in range(start, end)}
    number = _number_pattern()
    for token in doc:
        if token.i not in taken and number.search(token.text):  # a figure the rules did not take
            hi = clause_of(ends, token.i, token.i + 1, len(doc))[1]
            spans.update((token.i, j) for j in range(token.i + 1, min(token.i + 3, hi) + 1))
    for start, end in found:
        clause = clause_of(ends, start, end, len(doc))
        spans.update(indicator_candidates(start, end, clause, max_tokens=max_tokens,
                                          before_gap=before_gap, after_gap=after_gap))
    return sorted(spans)


def _rule_candidates(doc: Doc) -> list[TokenSpan]:
    """Token spans of the rules' quantity candidates (found now when the doc has no record)."""
    chars = candidates(doc) if doc._.rf_found is not None else [
        (f.start, f.end) for f in shared_rules().quantities.find(doc.text)]
    out = []
    for start, end in chars:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and len(span):
            out.append((span.start, span.end))
    return out


def _suggester(docs: Iterable[Doc], *, ops: Ops | None = None, **settings: int) -> Ragged:
    ops = ops or get_current_ops()
    per_doc = [suggest(doc, **settings) for doc in docs]
    flat = [span for spans in per_doc for span in spans]
    data = numpy.asarray(flat, dtype="i").reshape((-1, 2)) if flat else numpy.zeros((0, 0), dtype="i")
    return Ragged(ops.asarray2i(data), ops.asarray1i([len(spans) for spans in per_doc]))


@spacy_registry.misc(SUGGESTER)
def claim_suggester(max_tokens: int, before_gap: int, after_gap: int):
    """The config's suggester: the spans of `suggest`."""
    return partial(_suggester, max_tokens=max_tokens, before_gap=before_gap, after_gap=after_gap)


# --- running the categoriser on the sentences that hold figures -----------------------------

def layout_of(text: str) -> Layout:
    rules = shared_rules()
    return Layout(text, rules.book, rules.context.layout_patterns)


def candidate_sentences(doc: Doc, layout: Layout | None = None) -> list[Span]:
    """Token spans of the sentences holding a rule candidate or a digit, in order, disjoint.

    The doc must have passed `reform_rule_spans` (it lists the candidates)."""
    layout = layout or layout_of(doc.text)
    segments = {layout.sentence(start, end) for start, end in candidates(doc)}
    segments |= {layout.sentence(m.start(), m.end()) for m in _DIGIT.finditer(doc.text)}
    spans: list[Span] = []
    for segment in sorted(segments, key=lambda s: (s.start, s.end)):
        span = doc.char_span(segment.start, segment.end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        if spans and span.start < spans[-1].end:  # widened spans may overlap: merge them
            span = doc[spans[-1].start:max(span.end, spans[-1].end)]
            spans.pop()
        spans.append(span)
    return spans


def sentence_doc(doc: Doc, sentence: Span) -> Doc:
    """A sentence as its own doc, with the rule candidates that lie inside it."""
    sub = sentence.as_doc()
    a, b = sentence.start_char, sentence.end_char
    sub._.rf_found = [replace(f, start=f.start - a, end=f.end - a)
                      for f in (doc._.rf_found or []) if a <= f.start and f.end <= b]
    return sub


class SentenceSpans:
    """Runs the pipeline's (disabled) categoriser on the candidate sentences; records in
    `doc._.rf_scores` the score of every span it kept, by (start, end, label) in tokens."""

    def __init__(self, nlp: Language, spancat: str) -> None:
        self.nlp = nlp
        self.spancat = spancat

    def __call__(self, doc: Doc) -> Doc:
        spancat = self.nlp.get_pipe(self.spancat)
        sentences = candidate_sentences(doc)
        scores: dict[tuple[int, int, str], float] = {}
        subs = (sentence_doc(doc, s) for s in sentences)
        for sentence, sub in zip(sentences, spancat.pipe(subs, batch_size=64)):
            group = sub.spans[SPANS_KEY]
            for span, score in zip(group, group.attrs.get("scores", [])):
                scores[(sentence.start + span.start, sentence.start + span.end, span.label_)] = float(score)
        doc._.rf_scores = scores
        return doc


@Language.factory(SENTENCE_SPANS, default_config={"spancat": "spancat"})
def make_sentence_spans(nlp: Language, name: str, spancat: str) -> SentenceSpans:
    return SentenceSpans(nlp, spancat)


# --- assembling claims --------------------------------------------------------------------

class ClaimAssembler:
    """Claims from the rules' quantities, the categoriser's scores and the shared context code."""

    def __init__(self, nlp: Language, extractor: str, quantities: str, indicators: str,
                 quantity_threshold: float, indicator_threshold: float) -> None:
        if quantities not in QUANTITY_SOURCES or indicators not in INDICATOR_SOURCES:
            raise ValueError(f"{extractor}: quantities must be one of {QUANTITY_SOURCES}, "
                             f"indicators one of {INDICATOR_SOURCES}")
        self.extractor = extractor
        self.quantities = quantities
        self.indicators = indicators
        self.quantity_threshold = quantity_threshold
        self.indicator_threshold = indicator_threshold
        # the same candidates as the categoriser's suggester, from the pipeline's config
        suggester = dict(nlp.config["components"]["spancat"]["suggester"])
        self.window = {key: suggester[key] for key in ("max_tokens", "before_gap", "after_gap")}

    def __call__(self, doc: Doc) -> Doc:
        document: Document = doc._.rf_document or Document.from_text(doc.text, doc_id="doc")
        scores: dict[tuple[int, int, str], float] = doc._.rf_scores or {}
        claims = shared_rules()(document)
        if self.quantities == "learned":
            claims = self._learned(document, doc, claims, scores)
        ends = clause_ends(doc)
        doc._.rf_claims = [self._indicated(doc, claim, scores, ends) for claim in claims]
        return doc

    def _learned(self, document: Document, doc: Doc, rule_claims: list[Claim],
                 scores: dict[tuple[int, int, str], float]) -> list[Claim]:
        """Rule claims the categoriser calls QUANTITY, plus its QUANTITY spans the rules missed."""
        kept = [c for c in rule_claims
                if scores.get((*_tokens(doc, c.start, c.end), QUANTITY), 0.0) >= self.quantity_threshold]
        learned = sorted(((score, start, end) for (start, end, label), score in scores.items()
                          if label == QUANTITY and score >= self.quantity_threshold), reverse=True)
        taken = [(c.start, c.end) for c in rule_claims]
        rules, ctx = shared_rules(), None
        for _score, start, end in learned:
            a, b = doc[start].idx, doc[end - 1].idx + len(doc[end - 1])
            if any(a < e and s < b for s, e in taken):
                continue
            taken.append((a, b))
            ctx = ctx or rules.context.for_document(document)
            for q in _resolve(document.text, a, b):
                kept.append(rules.claim(document, ctx, q).with_(rule_id=f"learned:{q.rule_id}"))
        return sorted(kept, key=lambda c: (c.start, c.end))

    def _indicated(self, doc: Doc, claim: Claim, scores: dict[tuple[int, int, str], float],
                   ends: list[int]) -> Claim:
        start, end = _tokens(doc, claim.start, claim.end)
        clause = clause_of(ends, start, end, len(doc))
        best = max(((scores.get((i, j, INDICATOR), 0.0), i, j)
                    for i, j in indicator_candidates(start, end, clause, **self.window)), default=None)
        mine = None
        if best is not None and best[0] >= self.indicator_threshold:
            mine = doc.text[doc[best[1]].idx:doc[best[2] - 1].idx + len(doc[best[2] - 1])]
        indicator = {"learned": mine, "learned_then_rules": mine or claim.indicator,
                     "rules_then_learned": claim.indicator or mine, "rules": claim.indicator}[self.indicators]
        return claim.with_(indicator=indicator, extractor=self.extractor)


def _tokens(doc: Doc, start: int, end: int) -> TokenSpan:
    span = doc.char_span(start, end, alignment_mode="expand")
    return (span.start, span.end) if span is not None else (0, 0)


def _resolve(text: str, a: int, b: int) -> Iterator[Quantity]:
    """Quantities the rules' QuantityFinder reads inside a learned span, read on the span alone:
    the categoriser has decided that the span is a claim, so exclusions that look at the words
    around a figure do not apply (those about the figure itself, such as a unit's numeral form,
    still do), and the comparator is the one inside the span, if any."""
    last_end = a
    found = sorted((q for q in shared_rules().quantities.find(text[a:b]) if isinstance(q, Quantity)),
                   key=lambda q: (q.start, -(q.end - q.start)))
    for q in found:
        if a + q.start >= last_end:
            last_end = a + q.end
            yield replace(q, start=a + q.start, end=a + q.end, confidence=q.confidence * 0.8)


@Language.factory(CLAIMS, default_config={
    "extractor": "spacy", "quantities": "learned", "indicators": "learned",
    "quantity_threshold": 0.5, "indicator_threshold": 0.1})
def make_claims(nlp: Language, name: str, extractor: str, quantities: str, indicators: str,
                quantity_threshold: float, indicator_threshold: float) -> ClaimAssembler:
    return ClaimAssembler(nlp, extractor, quantities, indicators, quantity_threshold, indicator_threshold)
