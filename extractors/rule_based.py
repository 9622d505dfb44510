"""The rule-based extractor: rules/ compiled into patterns, applied to one document at a time."""
from __future__ import annotations

from dataclasses import replace

import regex

from reform_facts.extractors.code_version import code_version
from reform_facts.extractors.context import ContextResolver, DocumentContext
from reform_facts.extractors.indicators import Cut, IndicatorFinder
from reform_facts.extractors.quantities import Quantity, QuantityFinder
from reform_facts.extractors.regions import Gazetteer
from reform_facts.rulebook import Rulebook, load_rulebook
from reform_facts.extractors.views import simplified_view
from reform_facts.claim import Claim, Document

NAME = "rules"


class RuleExtractor:
    """Build once (loads and compiles rules/), then call per document: no I/O, no state."""

    name = NAME

    def __init__(self, book: Rulebook | None = None) -> None:
        self.book = book or load_rulebook()
        self.version = f"rules-{self.book.digest}-{code_version()}"
        self.quantities = QuantityFinder(self.book)
        self.gazetteer = Gazetteer(self.book.regions)
        self.context = ContextResolver(self.book, self.gazetteer)
        self.indicators = IndicatorFinder(self.book, cut_before=self._cut())

    def _cut(self) -> Cut:
        """Years, region names and numbers, after which an indicator starts."""
        years = f"(?:{self.book.context.years.pattern})"
        whole = "|".join([years, self.gazetteer.pattern.pattern, r"[0-9０-９]+[%％]?"])
        flags = regex.VERBOSE | regex.V1
        return Cut(whole=regex.compile(whole, flags), years=regex.compile(years, flags),
                   names=self.gazetteer.longest_at)

    def __call__(self, doc: Document) -> list[Claim]:
        # rules match the simplified view; claims keep the stored text (same offsets)
        view = simplified_view(doc.text)
        ctx = self.context.for_document(doc if view is doc.text else replace(doc, text=view))
        claims = []
        for found in self.quantities.find(view):
            if isinstance(found, Quantity):
                claims.append(self.claim(doc, ctx, found))
        claims.sort(key=lambda c: (c.start, c.end))
        return _without_overlaps(claims)

    def claim(self, doc: Document, ctx: DocumentContext, q: Quantity) -> Claim:
        """Turn a resolved quantity into a claim: context, indicator and provenance."""
        region, year, kind, _cue, clause, sentence = ctx.describe(q.start, q.end)
        previous = ctx.layout.clause(clause.start - 1, clause.start - 1) if clause.start > sentence.start else None
        span = self.indicators.find(ctx.text, clause.start, q.start, q.end, clause.end, q.quantity_type,
                                    previous_clause=(previous.start, previous.end) if previous else None)
        # Claim.at's fields, passed straight to the constructor (one keyword dict fewer a claim)
        return Claim(
            doc_id=doc.doc_id, start=q.start, end=q.end, text=doc.text[q.start:q.end],
            value=q.value, value_max=q.value_max, unit=q.unit, quantity_type=q.quantity_type,
            comparator=q.comparator, indicator=doc.text[span[0]:span[1]] if span else None,
            region=region.name if region else None, region_code=region.code if region else None,
            year=year, kind=kind, extractor=self.name, confidence=q.confidence,
            sentence=doc.text[sentence.start:sentence.end].strip(), rule_id=q.rule_id,
        )


def _without_overlaps(claims: list[Claim]) -> list[Claim]:
    """Keep the longer of two overlapping spans (a bare scale inside a quantity, say)."""
    kept: list[Claim] = []
    for claim in claims:
        if kept and claim.start < kept[-1].end:
            if claim.end - claim.start > kept[-1].end - kept[-1].start:
                kept[-1] = claim
            continue
        kept.append(claim)
    return kept
