"""The rule-based extractor: rules/ compiled into patterns, applied to one document at a time."""
from __future__ import annotations

from dataclasses import replace

from reform_facts.extractors.code_version import code_version
from reform_facts.extractors.context import Context, ContextRules, Stated
from reform_facts.extractors.indicators import Cut, IndicatorFinder
from reform_facts.extractors.quantities import Quantity, QuantityFinder, Rejection
from reform_facts.extractors.regions import Gazetteer
from reform_facts.extractors.table_claims import CellClaim, TableReader
from reform_facts.extractors.views import simplified_view

from reform_facts.claim import Claim, Document, one_line
from reform_facts.rulebook import Rulebook, load_rulebook

NAME = "rules"


class RuleExtractor:
    """Build once (loads and compiles rules/), then call per document: no I/O, no state."""

    name = NAME

    def __init__(self, book: Rulebook | None = None) -> None:
        self.book = book or load_rulebook()
        self.version = f"rules-{self.book.digest}-{code_version()}"
        self.quantities = QuantityFinder(self.book)
        self.gazetteer = Gazetteer(self.book.regions)
        self.context = ContextRules(self.book, self.gazetteer)
        self.indicators = IndicatorFinder(self.book, cut_before=self._cut())
        self.tables = TableReader(self.book, self.gazetteer)
        self.parts_openers = tuple(self.book.indicators.parts_openers)

    def _cut(self) -> Cut:
        """Years, region names and numbers, after which an indicator starts."""
        return Cut(years=self.context.year_pattern, names=self.gazetteer.names_in)

    def read(self, doc: Document) -> Context:
        """The document as the rules read it: its structure and context, on the simplified view
        of its text (same offsets; claims keep the stored text)."""
        view = simplified_view(doc.text)
        return self.context.for_document(doc if view is doc.text else replace(doc, text=view))

    def stated(self, doc: Document) -> Stated:
        """What the document says about itself (title, year, region), read on the simplified
        view as everything else is; the title as the document writes it."""
        stated = self.context.stated(simplified_view(doc.text))
        if stated.title_span is None:
            return stated
        return replace(stated, title=doc.text[slice(*stated.title_span)])

    def candidates(self, ctx: Context) -> list[Quantity | Rejection]:
        """Every quantity candidate of the document as `read` gives it, accepted or rejected."""
        return list(self.quantities.find(ctx.text, ctx.structure))

    def __call__(self, doc: Document, ctx: Context | None = None,
                 found: list[Quantity | Rejection] | None = None) -> list[Claim]:
        """The document's claims; `ctx` is what `read` gives and `found` what `candidates`
        gives, made here unless given."""
        ctx = ctx or self.read(doc)
        claims = [self.table_claim(doc, cell) for cell in self.tables.document_claims(
            ctx.structure.tables, doc.text, year=ctx.stated.year, region=ctx.stated.region, plan=ctx.stated.is_plan,
            region_at=ctx.region_at, view=ctx.text)]
        previous_end = 0
        for candidate in self.candidates(ctx) if found is None else found:
            if isinstance(candidate, Quantity) and not ctx.structure.in_table_cell(candidate.start, candidate.end):
                claims.append(self.claim(doc, ctx, candidate, previous_end))
                previous_end = candidate.end
        claims.sort(key=lambda c: (c.start, c.end))
        return _inherit_indicators(_without_overlaps(claims), self.parts_openers)

    def table_claim(self, doc: Document, cell: CellClaim) -> Claim:
        line_start = doc.text.rfind("\n", 0, cell.start) + 1
        line_end = doc.text.find("\n", cell.end)
        line_end = line_end if line_end >= 0 else len(doc.text)
        return Claim(
            doc_id=doc.doc_id, start=cell.start, end=cell.end, text=doc.text[cell.start:cell.end],
            value=cell.value, value_max=cell.value_max, unit=cell.unit, quantity_type=cell.quantity_type,
            comparator=cell.comparator, indicator=cell.indicator,
            region=cell.region.name if cell.region else None, region_code=cell.region.code if cell.region else None,
            year=cell.year, kind=cell.kind, extractor=self.name, confidence=self.book.tables.confidence,
            sentence=bounded(doc.text, line_start, line_end, cell.start, cell.end), rule_id=cell.rule_id,
        )

    def claim(self, doc: Document, ctx: Context, q: Quantity, previous_end: int = 0) -> Claim:
        """Turn a resolved quantity into a claim: context, indicator and provenance."""
        region, year, kind, _cue, clause, sentence = ctx.describe(q.start, q.end)
        previous = ctx.structure.clause(clause.start - 1, clause.start - 1) if clause.start > sentence.start else None
        span = self.indicators.find(ctx.text, clause.start, q.start, q.end, clause.end, q.quantity_type,
                                    previous_clause=(previous.start, previous.end) if previous else None,
                                    previous_figure=previous_end, names=ctx.names)
        # Claim.at's fields, passed straight to the constructor (one keyword dict fewer a claim)
        return Claim(
            doc_id=doc.doc_id, start=q.start, end=q.end, text=doc.text[q.start:q.end],
            value=q.value, value_max=q.value_max, unit=q.unit, quantity_type=q.quantity_type,
            comparator=q.comparator, indicator=one_line(doc.text[span[0]:span[1]]) if span else None,
            region=region.name if region else None, region_code=region.code if region else None,
            year=year, kind=kind, extractor=self.name, confidence=q.confidence,
            sentence=bounded(doc.text, sentence.start, sentence.end, q.start, q.end), rule_id=q.rule_id,
        )


# A claim carries its sentence for readers of the output; a sentence longer than this is cut to
# a window around the figure, so that output grows with the input, not with its square.
SENTENCE_CHARS = 240


def bounded(text: str, lo: int, hi: int, start: int, end: int) -> str:
    """The sentence text[lo:hi] of the figure text[start:end], cut to SENTENCE_CHARS around it.

    >>> len(bounded("甲" * 1000 + "5%" + "乙" * 1000, 0, 2002, 1000, 1002))
    240
    """
    if hi - lo > SENTENCE_CHARS:
        half = (SENTENCE_CHARS - (end - start)) // 2
        lo = max(lo, min(start - half, hi - SENTENCE_CHARS))
        hi = min(hi, lo + SENTENCE_CHARS)
    return text[lo:hi].strip()


def _inherit_indicators(claims: list[Claim], parts_openers: tuple[str, ...] = ()) -> list[Claim]:
    """A figure whose clause names nothing (比上年增加71个，增长3.8%) measures what the figure before
    it in the same sentence does (docs/claims.md; gold/GUIDELINES.md, decisions: indicator); so
    does one of a sentence that breaks the figure before down (`parts_openers`: 其中), in its unit
    (全省人均预期寿命78.2岁。其中兰州市为74.5岁)."""
    out: list[Claim] = []
    for claim in claims:
        before = out[-1] if out else None
        if (claim.indicator is None and before is not None and before.indicator is not None
                and not (claim.rule_id or "").startswith("table.")
                and (before.sentence == claim.sentence
                     or before.unit == claim.unit and bool(parts_openers) and (claim.sentence or "").startswith(parts_openers))):
            claim = replace(claim, indicator=before.indicator)
        out.append(claim)
    return out


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
