"""The learned and the assembling components of the spaCy reform_facts.pipeline.

- The trainable component is spaCy's span categoriser (`spancat`, configs/spacy_indicator.cfg)
  with labels QUANTITY and INDICATOR over the spans `claim_suggester` proposes: every quantity
  candidate of the rules (accepted or rejected), short runs of tokens starting with a number
  the rules did not take (quantities in forms the rules miss), and, around each rule candidate,
  the phrases that could name what it measures (`indicator_candidates`). It learns which
  candidates are claims and which phrase is each figure's indicator.
- `reform_sentence_spans` runs that categoriser on the candidate sentences only (those where
  the rules found a quantity candidate): the others hold no figure, and skipping them keeps
  the pipeline near the cost of segmentation. Training reads the same sentences.
- `reform_claims` assembles claims (`ClaimAssembler`): the rule extractor's claims (values,
  units, comparators, region, year and kind resolved by quantities.py and context.py), kept
  where the categoriser says QUANTITY, plus learned quantities the rules missed (read by the
  same QuantityFinder), each with the indicator candidate the categoriser scores highest.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import cache, partial
from itertools import accumulate

import numpy
import regex
from spacy.attrs import IDX, NORM, ORTH, SPACY, TAG
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry as spacy_registry
from thinc.api import Ops, get_current_ops
from thinc.types import Ragged

from reform_facts.structure import Structure
from reform_facts.extractors.quantities import Quantity
from reform_facts.extractors.spacy_pipeline import (candidate_segments, candidates, structure_for, nearest_occurrence,
                                                    shared_rules, text_of)
from reform_facts.claim import Claim, Document, one_line
from reform_facts.errors import SpacyConfigError

SUGGESTER = "reform_facts.claim_suggester.v1"
SENTENCE_SPANS = "reform_sentence_spans"
CLAIMS = "reform_claims"
QUANTITY, INDICATOR = "QUANTITY", "INDICATOR"
SPANS_KEY = "sc"
QUANTITY_FLOOR = 0.05  # QUANTITY scores below this are not kept (thresholds sit far above)
QUANTITY_SOURCES = ("learned", "rules")
INDICATOR_SOURCES = ("learned", "rules", "rules_unless_surer")
TokenSpan = tuple[int, int]

for _name in ("rf_claims", "rf_scores", "rf_clause_ends"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


# --- what the categoriser looks at --------------------------------------------------------

@cache
def _number_pattern() -> regex.Pattern[str]:
    """A written number, from the fragments of rules/numbers.yaml."""
    return shared_rules().book.compile("{ARABIC} | {CN_NUMBER}", where="spacy suggester: number")


class Offsets:
    """A doc's text and its tokens' character offsets, read once: `Doc.text` joins every token
    anew on each access, and token objects are made one by one."""

    def __init__(self, doc: Doc) -> None:
        self.text = text_of(doc)
        self.starts = doc.to_array(IDX).tolist() if len(doc) else []

    def token_at(self, char: int) -> int:
        return bisect.bisect_right(self.starts, char) - 1

    def tokens(self, start: int, end: int) -> TokenSpan:
        """The tokens covering characters [start, end)."""
        return self.token_at(start), self.token_at(end - 1) + 1

    def chars(self, start: int, end: int) -> tuple[int, int]:
        """The characters of tokens [start, end), without the last token's trailing space."""
        stop = self.starts[end] if end < len(self.starts) else len(self.text)
        while stop > self.starts[start] and self.text[stop - 1].isspace():
            stop -= 1
        return self.starts[start], stop

    def clause_ends(self, ends: list[int]) -> list[int]:
        """Indices of the tokens that end a clause: those holding the last character of each of
        the clauses ending at `ends` (`clause_ends_of`)."""
        return sorted({self.token_at(end - 1) for end in ends})


def clause_ends_of(doc: Doc) -> list[int]:
    """Where the clauses of a doc end, in characters: from the document structure, or for a
    sentence doc (`sentence_docs`) its sentence's part of its document's."""
    if doc._.rf_clause_ends is not None:
        return doc._.rf_clause_ends
    return structure_for(doc).clause_ends


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
    offsets = Offsets(doc)
    ends = offsets.clause_ends(clause_ends_of(doc))
    found = _rule_candidates(doc)
    spans = set(found)
    taken = {i for start, end in found for i in range(start, end)}
    for match in _number_pattern().finditer(offsets.text):
        i = offsets.token_at(match.start())
        if i not in taken:  # a figure the rules did not take: up to three tokens from it
            hi = clause_of(ends, i, i + 1, len(doc))[1]
            spans.update((i, j) for j in range(i + 1, min(i + 3, hi) + 1))
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

def candidate_sentences(doc: Doc, layout: Structure | None = None) -> list[Span]:
    """Token spans of the sentences holding a quantity candidate of the rules (accepted or
    rejected), in order, disjoint. Sentences with a year or a list number only are left out:
    they hold no claim, and they would be a third of the categoriser's work.

    The doc must have passed `reform_rule_spans` (it lists the candidates)."""
    layout = layout or structure_for(doc)
    spans: list[Span] = []
    for segment in candidate_segments(layout, candidates(doc)):
        span = doc.char_span(segment.start, segment.end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        if spans and span.start < spans[-1].end:  # widened spans may overlap: merge them
            span = doc[spans[-1].start:max(span.end, spans[-1].end)]
            spans.pop()
        spans.append(span)
    return spans


def sentence_docs(doc: Doc, sentences: list[Span]) -> list[Doc]:
    """Each sentence as its own doc, with its tokens' NORM and TAG (the rule marks) and the
    rule candidates that lie inside it. (`Span.as_doc` would copy the whole doc's arrays for
    every sentence; one array read serves them all.)"""
    rows = doc.to_array([ORTH, SPACY, NORM, TAG, IDX])
    strings = doc.vocab.strings
    found = doc._.rf_found or []
    by_start = sorted(range(len(found)), key=lambda k: found[k].start)
    starts = [found[k].start for k in by_start]
    text = text_of(doc)
    clause_ends = clause_ends_of(doc)
    out = []
    for sentence in sentences:
        part = rows[sentence.start:sentence.end]
        sub = Doc(doc.vocab, words=[strings[orth] for orth in part[:, 0].tolist()],
                  spaces=[bool(space) for space in part[:, 1].tolist()])
        sub.from_array([NORM, TAG], part[:, 2:4])
        a, b = sentence.start_char, sentence.end_char
        sub._.rf_text = text[a:rows[sentence.end, 4] if sentence.end < len(rows) else len(text)]
        # the candidates inside the sentence, in the doc's order (bisected: a long document has
        # thousands of sentences and candidates)
        inside = sorted(k for k in by_start[bisect.bisect_left(starts, a):bisect.bisect_right(starts, b)]
                        if found[k].end <= b)
        sub._.rf_found = [replace(found[k], start=found[k].start - a, end=found[k].end - a) for k in inside]
        stop = a + len(sub._.rf_text)
        sub._.rf_clause_ends = [end - a for end in clause_ends[bisect.bisect_right(clause_ends, a):
                                                                 bisect.bisect_right(clause_ends, stop)]]
        out.append(sub)
    return out


class SentenceSpans:
    """Runs the pipeline's (disabled) categoriser on the candidate sentences and records in
    `doc._.rf_scores` the score of every span it looked at, by (start, end, label) in tokens.

    Scores are read from `predict` rather than from the span groups the categoriser would
    write: an indicator is the best of its figure's candidates, however low its score, and
    skipping the span objects keeps the component cheap."""

    def __init__(self, nlp: Language, spancat: str, batch_size: int = 64) -> None:
        self.nlp = nlp
        self.spancat = spancat
        self.batch_size = batch_size

    def __call__(self, doc: Doc) -> Doc:
        spancat = self.nlp.get_pipe(self.spancat)
        labels, ops = list(spancat.labels), spancat.model.ops
        sentences = candidate_sentences(doc)
        subs = sentence_docs(doc, sentences)
        scores: dict[tuple[int, int, str], float] = {}
        for at in range(0, len(subs), self.batch_size):
            indices, predicted = spancat.predict(subs[at:at + self.batch_size])
            if not len(indices.dataXd):
                continue
            shift = numpy.repeat([s.start for s in sentences[at:at + self.batch_size]], ops.to_numpy(indices.lengths))
            spans = ops.to_numpy(indices.dataXd) + shift[:, None]
            values = ops.to_numpy(predicted)
            for column, label in enumerate(labels):
                # every indicator candidate competes; a quantity only matters near its threshold
                keep = values[:, column] >= (0.0 if label == INDICATOR else QUANTITY_FLOOR)
                kept = spans[keep]
                scores.update(zip(zip(kept[:, 0].tolist(), kept[:, 1].tolist(), [label] * len(kept)),
                                  values[keep, column].tolist()))
        doc._.rf_scores = scores
        return doc


@Language.factory(SENTENCE_SPANS, default_config={"spancat": "spancat"})
def make_sentence_spans(nlp: Language, name: str, spancat: str) -> SentenceSpans:
    return SentenceSpans(nlp, spancat)


# --- assembling claims --------------------------------------------------------------------

class ClaimAssembler:
    """Claims from the rules' quantities, the categoriser's scores and the shared context code.

    `quantities`: "rules" keeps every rule claim; "learned" keeps those the categoriser calls
    QUANTITY (score at least `quantity_threshold`) and adds its QUANTITY spans the rules missed.
    `indicators`: "learned" takes the best-scored indicator candidate of each figure; "rules"
    the rule extractor's phrase; "rules_unless_surer" the rules' phrase unless the best
    candidate scores at least `indicator_margin` above it (the phrase scores 0 when it is not
    a candidate), and the best candidate where the rules have none.
    """

    def __init__(self, nlp: Language, extractor: str, quantities: str, indicators: str,
                 quantity_threshold: float, indicator_margin: float) -> None:
        if quantities not in QUANTITY_SOURCES or indicators not in INDICATOR_SOURCES:
            raise SpacyConfigError(f"{CLAIMS} of {extractor!r}: quantities must be one of {QUANTITY_SOURCES} "
                                   f"(not {quantities!r}), indicators one of {INDICATOR_SOURCES} (not {indicators!r})")
        self.extractor = extractor
        self.quantities = quantities
        self.indicators = indicators
        self.quantity_threshold = quantity_threshold
        self.indicator_margin = indicator_margin
        # the same candidates as the categoriser's suggester, from the pipeline's config
        suggester = dict(nlp.config["components"]["spancat"]["suggester"])
        self.window = {key: suggester[key] for key in ("max_tokens", "before_gap", "after_gap")}

    def __call__(self, doc: Doc) -> Doc:
        document: Document = doc._.rf_document or Document.from_text(doc.text, doc_id="doc")
        scores: dict[tuple[int, int, str], float] = doc._.rf_scores or {}
        made = doc._.rf_rule_claims  # made by reform_rule_spans when it marks their indicators
        claims = made[1] if made is not None and made[0] is document else shared_rules()(document)
        offsets = Offsets(doc)
        if self.quantities == "learned":
            claims = self._learned(document, offsets, claims, scores)
        ends = offsets.clause_ends(clause_ends_of(doc))
        layout = structure_for(doc) if self.indicators == "rules_unless_surer" else None
        doc._.rf_claims = [self._indicated(offsets, claim, scores, ends, layout) for claim in claims]
        return doc

    def _learned(self, document: Document, offsets: Offsets, rule_claims: list[Claim],
                 scores: dict[tuple[int, int, str], float]) -> list[Claim]:
        """Rule claims the categoriser calls QUANTITY, plus its QUANTITY spans the rules missed."""
        # a table's cells are read from its structure, which the categoriser (trained on prose) does not see
        kept = [c for c in rule_claims if _from_table(c)
                or scores.get((*offsets.tokens(c.start, c.end), QUANTITY), 0.0) >= self.quantity_threshold]
        learned = sorted(((score, start, end) for (start, end, label), score in scores.items()
                          if label == QUANTITY and score >= self.quantity_threshold), reverse=True)
        taken = Taken([(c.start, c.end) for c in rule_claims])
        rules, ctx = shared_rules(), None
        for _score, start, end in learned:
            a, b = offsets.chars(start, end)
            if taken.overlaps(a, b):
                continue
            taken.add(a, b)
            for q in _resolve(document.text, a, b):
                ctx = ctx or rules.context.for_document(document)
                kept.append(rules.claim(document, ctx, q).with_(rule_id=f"learned:{q.rule_id}"))
        return sorted(kept, key=lambda c: (c.start, c.end))

    def _indicated(self, offsets: Offsets, claim: Claim, scores: dict[tuple[int, int, str], float],
                   ends: list[int], layout: Structure | None) -> Claim:
        if _from_table(claim):  # a cell's indicator is its row's or column's label, not a phrase near it
            return claim.with_(extractor=self.extractor)
        start, end = offsets.tokens(claim.start, claim.end)
        clause = clause_of(ends, start, end, len(offsets.starts))
        best = max(((scores.get((i, j, INDICATOR), 0.0), i, j)
                    for i, j in indicator_candidates(start, end, clause, **self.window)), default=None)
        mine = one_line(offsets.text[slice(*offsets.chars(best[1], best[2]))].strip()) or None if best else None
        indicator = claim.indicator if self.indicators == "rules" else mine
        if self.indicators == "rules_unless_surer" and claim.indicator and layout is not None:
            sentence = layout.sentence(claim.start, claim.end)
            place = nearest_occurrence(offsets.text, claim.indicator, claim.start, claim.end, sentence)
            theirs = scores.get((*offsets.tokens(*place), INDICATOR), 0.0) if place else 0.0
            if best is None or best[0] < theirs + self.indicator_margin:
                indicator = claim.indicator
        return claim.with_(indicator=indicator, extractor=self.extractor)


class Taken:
    """Character spans already claimed: does [a, b) overlap one (`s < b and a < e`)?

    In logarithmic time (a long document has thousands of claims): the first spans (the rule
    claims) by the largest end among those starting before b; the spans added later, which
    overlap none of the others, by the last of them starting before b.

    >>> taken = Taken([(0, 4), (10, 12)])
    >>> taken.overlaps(4, 10), taken.overlaps(3, 5)
    (False, True)
    >>> taken.add(5, 8)
    >>> taken.overlaps(7, 9), taken.overlaps(8, 10)
    (True, False)
    """

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans = sorted(spans)
        self.starts = [s for s, _ in spans]
        self.reach = list(accumulate((e for _, e in spans), max))  # the largest end so far
        self.added: list[tuple[int, int]] = []

    def overlaps(self, a: int, b: int) -> bool:
        k = bisect.bisect_left(self.starts, b)
        if k and self.reach[k - 1] > a:
            return True
        # added spans overlap no other span, so sorted by (start, end) their ends never fall
        j = bisect.bisect_left(self.added, (b, -1))
        return bool(j) and self.added[j - 1][1] > a

    def add(self, a: int, b: int) -> None:
        """Add a span that overlaps none taken (`overlaps(a, b)` is false)."""
        bisect.insort(self.added, (a, b))


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
    "quantity_threshold": 0.5, "indicator_margin": 0.1})
def make_claims(nlp: Language, name: str, extractor: str, quantities: str, indicators: str,
                quantity_threshold: float, indicator_margin: float) -> ClaimAssembler:
    return ClaimAssembler(nlp, extractor, quantities, indicators, quantity_threshold, indicator_margin)


def _from_table(claim: Claim) -> bool:
    return (claim.rule_id or "").startswith("table.")
