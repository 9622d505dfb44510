"""Region, year and kind of a claim from its context, in the order of rules/context.yaml.

Scopes are walked from the narrowest (the clause) to the widest (the document); the first
scope that states a value gives it. Both extractors use this module.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from extractors.layout import Layout, LayoutPatterns, Segment
from extractors.regions import Gazetteer, Region
from extractors.rulebook import Rulebook
from reform_facts.claim import Document, Kind


@dataclass(frozen=True, slots=True)
class Stated:
    """What a document says about itself in its title or opening."""

    title: str | None
    year: int | None
    region: Region | None
    is_plan: bool


class ContextResolver:
    """Built once per extractor; `for_document` gives the per-document view."""

    def __init__(self, book: Rulebook, gazetteer: Gazetteer) -> None:
        self.book = book
        self.gazetteer = gazetteer
        self.layout_patterns = LayoutPatterns.from_book(book)
        years = book.context.years
        self.year_pattern = book.compile(years.pattern, where="context.yaml: years")
        self.relative_year = regex.compile("|".join(regex.escape(w) for w in years.relative))
        self.cues = [(cue, self._cue_pattern(cue)) for cue in book.kind.cues]
        self.scopes = book.context.scopes

    def _cue_pattern(self, cue) -> regex.Pattern[str]:
        if cue.pattern:
            return self.book.compile(cue.pattern, where=f"kind.yaml: {cue.id}")
        words = sorted(cue.surfaces, key=len, reverse=True)
        return regex.compile("|".join(regex.escape(w) for w in words))

    def stated(self, text: str) -> Stated:
        """Title, year, region and genre that a document states in its opening."""
        opening = text[: self.book.context.years.opening_chars]
        lines = [line.strip().strip("#*").strip() for line in opening.splitlines()]
        lines = [line for line in lines if line and not regex.fullmatch(r"附件\s*\d*", line)]
        title = lines[0] if lines else None
        year_match = self.year_pattern.search(title or "") or self.year_pattern.search(opening)
        region = None
        for source in (title or "", opening):
            region = self._first_region(source)
            if region:
                break
        is_plan = any(word in (title or "") for word in self.book.kind.plan_titles)
        return Stated(title, int(year_match.group("year")) if year_match else None, region, is_plan)

    def _first_region(self, text: str) -> Region | None:
        for match in self.gazetteer.finditer(text):
            region = self.gazetteer.resolve(match.group())
            if region is not None:
                return region
        return None

    def for_document(self, doc: Document) -> DocumentContext:
        stated = self.stated(doc.text)
        region = stated.region
        if doc.region_code and doc.region_code in self.gazetteer.by_code:
            region = self.gazetteer.by_code[doc.region_code]
        return DocumentContext(self, doc, Layout(doc.text, self.book, self.layout_patterns),
                               Stated(stated.title, doc.year or stated.year, region, stated.is_plan))


class DocumentContext:
    """Context lookups for one document."""

    def __init__(self, resolver: ContextResolver, doc: Document, layout: Layout, stated: Stated) -> None:
        self.r = resolver
        self.doc = doc
        self.text = doc.text
        self.layout = layout
        self.stated = stated

    def scopes(self, start: int, end: int) -> list[tuple[str, Segment, int]]:
        """(name, segment, anchor) for each scope around a span; anchor is where 'nearest' counts from."""
        out: list[tuple[str, Segment, int]] = []
        for name in self.r.scopes:
            if name == "clause":
                out.append((name, self.layout.clause(start, end), start))
            elif name == "sentence":
                out.append((name, self.layout.sentence(start, end), start))
            elif name == "paragraph_opening":
                opening = self.layout.paragraph_opening(start)
                if opening:
                    out.append((name, opening, opening.end))
            elif name == "heading":
                for heading in self.layout.headings_before(start):
                    out.append((name, heading, heading.end))
        return out

    # --- year -------------------------------------------------------------------------
    def year(self, start: int, end: int) -> int | None:
        for _name, segment, anchor in self.scopes(start, end):
            found = self._year_in(segment, anchor, exclude=(start, end))
            if found is not None:
                return found
        return self.stated.year

    def _year_in(self, segment: Segment, anchor: int, *, exclude: tuple[int, int]) -> int | None:
        before, after = None, None
        for match in self.r.year_pattern.finditer(self.text, segment.start, segment.end):
            if match.start() < exclude[1] and match.end() > exclude[0]:
                continue
            if match.end() <= anchor:
                before = int(match.group("year"))
            elif after is None:
                after = int(match.group("year"))
        if before is not None:
            return before
        if self.stated.year and self.r.relative_year.search(self.text, segment.start, min(anchor, segment.end)):
            return self.stated.year
        return after

    # --- region -----------------------------------------------------------------------
    def region(self, start: int, end: int) -> Region | None:
        scopes = self.scopes(start, end)
        for i, (_name, segment, anchor) in enumerate(scopes):
            found = self._region_in(segment, anchor, wider=scopes[i + 1:])
            if found is not None:
                return found
        return self.stated.region

    def _region_in(self, segment: Segment, anchor: int, *, wider) -> Region | None:
        """The nearest region mention before the anchor in the segment (else the first after)."""
        mentions = list(self.r.gazetteer.finditer(self.text, segment.start, segment.end))
        before = [m for m in mentions if m.end() <= anchor]
        after = [m for m in mentions if m.start() >= anchor]
        for match in [*reversed(before), *after[:1]]:
            region = self._mention(match.group(), wider)
            if region is not None:
                return region
        return None

    def _mention(self, surface: str, wider) -> Region | None:
        level = self.r.gazetteer.deictic.get(surface)
        if level is None:
            return self.r.gazetteer.resolve(surface, near=self.stated.region)
        # 全市, 自治区: the region of that level in force from the wider scopes or the document
        for _name, segment, anchor in wider:
            for match in self.r.gazetteer.finditer(self.text, segment.start, segment.end):
                if match.group() in self.r.gazetteer.deictic:
                    continue
                region = self.r.gazetteer.resolve(match.group(), near=self.stated.region)
                found = region and self.r.gazetteer.at_level(region, level)
                if found:
                    return found
        if self.stated.region:
            return self.r.gazetteer.at_level(self.stated.region, level)
        return None

    # --- kind -------------------------------------------------------------------------
    def kind(self, start: int, end: int, year: int | None) -> tuple[Kind, str]:
        """The kind and the id of the cue (or default) that decided it."""
        clause = self.layout.clause(start, end)
        sentence = self.layout.sentence(start, end)
        best: tuple[int, Kind, str] | None = None
        for cue, pattern in self.r.cues:
            segment = clause if cue.scope == "clause" else sentence
            lo, hi = (segment.start, start) if cue.direction == "backward" else (end, segment.end)
            for match in pattern.finditer(self.text, lo, hi):
                distance = start - match.end() if cue.direction == "backward" else match.start() - end
                rank = distance + (0 if cue.scope == "clause" else 10_000)
                if best is None or rank < best[0]:
                    best = (rank, cue.kind, cue.id)
        if best is not None:
            return best[1], best[2]
        if year is not None and self.stated.year is not None and year > self.stated.year:
            return Kind.TARGET, "kind.default.future_year"
        if self.stated.is_plan:
            return Kind.TARGET, "kind.default.plan"
        return Kind.ACTUAL, "kind.default.report"
