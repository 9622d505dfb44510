"""Region, year and kind of a claim from its context, in the order of rules/context.yaml.

Scopes are walked from the narrowest (the clause) to the widest (the document); the first
scope that states a value gives it. Both extractors use this module.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from extractors.numbers import parse_number
from extractors.layout import Layout, LayoutPatterns, Segment
from extractors.regions import LEVELS, Gazetteer, Mention, Region
from extractors.rulebook import Rulebook
from extractors.views import without_han_breaks
from reform_facts.claim import Document, Kind


def year_of(match: regex.Match[str]) -> int:
    r"""The year a year mention names, whatever digits and line breaks it is written with.

    >>> import regex; year_of(regex.match(r"(?P<year>(?s:.*))", "２０\n２３"))
    2023
    """
    return int(parse_number(match.group("year")))


@dataclass(frozen=True, slots=True)
class Stated:
    """What a document says about itself in its title or opening."""

    title: str | None
    year: int | None
    region: Region | None
    is_plan: bool
    unnamed_level: str | None = None  # the opening says 自治区/全市 without naming it


class ContextResolver:
    """Built once per extractor; `for_document` gives the per-document view."""

    def __init__(self, book: Rulebook, gazetteer: Gazetteer) -> None:
        self.book = book
        self.gazetteer = gazetteer
        self.layout_patterns = LayoutPatterns.from_book(book)
        years = book.context.years
        self.year_pattern = book.compile(years.pattern, where="context.yaml: years")
        self.baseline_before = book.compile(years.baseline_before, where="context.yaml: baseline_before")
        self.baseline_after = book.compile(years.baseline_after, where="context.yaml: baseline_after")
        self.relative_year = regex.compile("|".join(regex.escape(w) for w in years.relative))
        self.cues = [(cue, self._cue_pattern(cue)) for cue in book.kind.cues]
        self.scopes = book.context.scopes
        regions = book.regions
        self.not_subject_before = book.compile(regions.not_subject_before, where="regions.yaml")
        self.not_subject_after = book.compile(regions.not_subject_after, where="regions.yaml")
        self.enumeration_joiners = frozenset(regions.enumeration_joiners)
        self.alias_not_followed_by = frozenset(regions.alias_not_followed_by)

    def is_subject(self, text: str, match: Mention) -> bool:
        """False for a mention that only sets a comparison or scope (居全国首位, 在全省率先)."""
        start, end = match.span()
        surface = match.group()
        if surface in self.gazetteer.aliases and text[end:end + 1] in self.alias_not_followed_by:
            return False
        return not (self.not_subject_before.search(text, max(0, start - 4), start)
                    or self.not_subject_after.match(text, end, min(len(text), end + 4)))

    @staticmethod
    def in_book_title(text: str, position: int) -> bool:
        """Inside 《…》: the name of a cited document, not the document's own subject."""
        opened = text.rfind("《", 0, position)
        return opened >= 0 and text.rfind("》", opened, position) < 0

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
        region = self._first_region(title or "")
        deictic_level = None
        if region is None:
            region, deictic_level = self._opening_region(opening)
        is_plan = any(word in (title or "") for word in self.book.kind.plan_titles)
        return Stated(title, year_of(year_match) if year_match else None, region, is_plan,
                      deictic_level)

    def _opening_region(self, opening: str) -> tuple[Region | None, str | None]:
        """The opening's first region; when a word like 自治区 or 全市 comes first, the document
        speaks of its own region without naming it: return that level to resolve later."""
        deepest = None
        for match in self.gazetteer.finditer(opening):
            if self.in_book_title(opening, match.start()) or not self.is_subject(opening, match):
                continue
            level = self.gazetteer.deictic.get(match.group())
            if level is not None:
                deepest = max(deepest or level, level, key=LEVELS.index)
                continue
            if deepest is None:
                return self.gazetteer.resolve(match.group()), None
        return None, deepest

    def _first_region(self, text: str) -> Region | None:
        for match in self.gazetteer.finditer(text):
            if match.group() in self.gazetteer.deictic or self.in_book_title(text, match.start()):
                continue
            region = self.gazetteer.resolve(match.group())
            if region is not None:
                return region
        return None

    def for_document(self, doc: Document) -> DocumentContext:
        stated = self.stated(doc.text)
        region = stated.region
        if doc.region_code and doc.region_code in self.gazetteer.by_code:
            region = self.gazetteer.by_code[doc.region_code]
        ctx = DocumentContext(self, doc, Layout(doc.text, self.book, self.layout_patterns), stated)
        if region is None and stated.unnamed_level:
            region = ctx.main_region(stated.unnamed_level)
        ctx.stated = Stated(stated.title, doc.year or stated.year, region, stated.is_plan)
        return ctx


class DocumentContext:
    """Context lookups for one document."""

    def __init__(self, resolver: ContextResolver, doc: Document, layout: Layout, stated: Stated) -> None:
        self.r = resolver
        self.doc = doc
        self.text = doc.text
        self.layout = layout
        self.stated = stated
        self._main: dict[str, Region | None] = {}
        # every region mention and year of the document, found once; scopes slice these lists
        self._mentions = self._find_mentions()
        self._mention_starts = [m.start() for m in self._mentions]
        self._years = list(resolver.year_pattern.finditer(self.text))
        self._year_starts = [m.start() for m in self._years]

    def _find_mentions(self) -> list[Mention]:
        """Region mentions of the whole text; a name broken over lines (重\n\n庆市) is found in
        the text with those breaks removed, then mapped back to the stored offsets."""
        joined, offsets = without_han_breaks(self.text)
        found = [m for m in self.r.gazetteer.finditer(joined) if self.r.is_subject(joined, m)]
        if offsets is None:
            return found
        return [Mention(m.group(), offsets[m.start()], offsets[m.end() - 1] + 1) for m in found]

    def scopes(self, start: int, end: int, field: str) -> list[tuple[str, Segment, int]]:
        """(name, segment, anchor) for each scope of a field around a span; anchor is where
        'nearest' counts from."""
        out: list[tuple[str, Segment, int]] = []
        for name in self.r.scopes[field]:
            if name == "clause":
                out.append((name, self.layout.clause(start, end), start))
            elif name == "sentence":
                out.append((name, self.layout.sentence(start, end), start))
            elif name == "paragraph":
                before = self.layout.paragraph_before(start)
                if before:
                    out.append((name, before, before.end))
            elif name == "previous_paragraphs":
                for opening in self.layout.previous_openings(start):
                    out.append((name, opening, opening.end))
            elif name == "heading":
                for heading in self.layout.headings_before(start):
                    out.append((name, heading, heading.end))
        return out

    # --- year -------------------------------------------------------------------------
    def year(self, start: int, end: int) -> int | None:
        for _name, segment, anchor in self.scopes(start, end, "year"):
            found = self._year_in(segment, anchor, exclude=(start, end))
            if found is not None:
                return found
        return self.stated.year

    def _year_in(self, segment: Segment, anchor: int, *, exclude: tuple[int, int]) -> int | None:
        before, after = None, None
        lo = bisect.bisect_left(self._year_starts, segment.start)
        hi = bisect.bisect_left(self._year_starts, segment.end)
        for match in self._years[lo:hi]:
            if match.end() > segment.end:
                continue
            if match.start() < exclude[1] and match.end() > exclude[0]:
                continue
            if (self.r.baseline_before.search(self.text, max(0, match.start() - 2), match.start())
                    or self.r.baseline_after.match(self.text, match.end(), match.end() + 3)):
                continue
            if match.end() <= anchor:
                before = year_of(match)
            elif after is None:
                after = year_of(match)
        if before is not None:
            return before
        if self.stated.year and self.r.relative_year.search(self.text, segment.start, min(anchor, segment.end)):
            return self.stated.year
        return after

    # --- region -----------------------------------------------------------------------
    def region(self, start: int, end: int) -> Region | None:
        scopes = self.scopes(start, end, "region")
        for i, (name, segment, anchor) in enumerate(scopes):
            found = self._region_in(segment, anchor, wider=scopes[i + 1:], after_too=name == "clause")
            if found is not None:
                return found
        return self.stated.region

    def _region_in(self, segment: Segment, anchor: int, *, wider, after_too: bool) -> Region | None:
        """The nearest region mention before the anchor (in a clause, else the first after it)."""
        mentions = self.mentions(segment)
        before = [m for m in mentions if m.end() <= anchor]
        after = [m for m in mentions if m.start() >= anchor] if after_too else []
        if len(before) >= 2:
            listed = self._enumeration(before)
            if listed is not None:
                return listed
        for match in [*reversed(before), *after[:1]]:
            earlier = Segment(segment.start, match.start())
            region = self._mention(match.group(), [("earlier", earlier, earlier.end), *wider])
            if region is not None:
                return region
        return None

    def mentions(self, segment: Segment) -> list[Mention]:
        """Region mentions in a segment that name what is talked about (not 居全国首位)."""
        lo = bisect.bisect_left(self._mention_starts, segment.start)
        hi = bisect.bisect_left(self._mention_starts, segment.end)
        return [m for m in self._mentions[lo:hi] if m.end() <= segment.end]

    def _enumeration(self, before) -> Region | None:
        """包头、赤峰、乌海3个: regions listed right before a figure stand for their common parent."""
        group = [before[-1]]
        for match in reversed(before[:-1]):
            between = self.text[match.end():group[-1].start()]
            if between not in self.r.enumeration_joiners:
                break
            group.append(match)
        if len(group) < 2 or self.text[group[0].end():group[0].end() + 1] in self.r.enumeration_joiners:
            return None
        regions = [self.r.gazetteer.resolve(m.group(), near=self.stated.region) for m in group]
        if any(r is None for r in regions):
            return None
        chains = [self.r.gazetteer.ancestors(r) for r in regions]
        common = [code for code in chains[0][1:] if all(code in chain for chain in chains[1:])]
        return self.r.gazetteer.by_code.get(common[0]) if common else None

    def _mention(self, surface: str, wider) -> Region | None:
        level = self.r.gazetteer.deictic.get(surface)
        if level is None:
            return self.r.gazetteer.resolve(surface, near=self.stated.region)
        # 全市, 自治区: the region of that level in force from the wider scopes or the document
        for _name, segment, anchor in wider:
            for match in reversed(self.mentions(segment)):
                if match.group() in self.r.gazetteer.deictic:
                    continue
                region = self.r.gazetteer.resolve(match.group(), near=self.stated.region)
                found = region and self.r.gazetteer.at_level(region, level)
                if found:
                    return found
        if self.stated.region:
            return self.r.gazetteer.at_level(self.stated.region, level)
        return self.main_region(level)

    def main_region(self, level: str) -> Region | None:
        """The region of a level that the document names most often (全市 in a plan without a title region)."""
        if level not in self._main:
            counts: dict[str, int] = {}
            for match in self.mentions(Segment(0, len(self.text))):
                if match.group() in self.r.gazetteer.deictic or self.r.in_book_title(self.text, match.start()):
                    continue
                region = self.r.gazetteer.resolve(match.group())
                found = region and self.r.gazetteer.at_level(region, level)
                if found:
                    counts[found.code] = counts.get(found.code, 0) + 1
            best = max(counts, key=counts.__getitem__) if counts else None
            self._main[level] = self.r.gazetteer.by_code[best] if best else None
        return self._main[level]

    # --- kind -------------------------------------------------------------------------
    def kind(self, start: int, end: int, year: int | None) -> tuple[Kind, str]:
        """The kind and the id of the cue (or default) that decided it."""
        paragraph = self.layout.paragraph(start) or Segment(0, len(self.text))
        segments = {"clause": self.layout.clause(start, end), "sentence": self.layout.sentence(start, end),
                    "paragraph": Segment(paragraph.start, max(paragraph.end, end))}
        weight = {"clause": 0, "sentence": 10_000, "paragraph": 20_000}
        best: tuple[int, Kind, str] | None = None
        for cue, pattern in self.r.cues:
            segment = segments[cue.scope]
            lo, hi = (segment.start, start) if cue.direction == "backward" else (end, segment.end)
            # search to the segment's end so look-aheads see the figure; keep matches inside lo..hi
            for match in pattern.finditer(self.text, lo, segment.end):
                if match.end() > hi:
                    break
                distance = start - match.end() if cue.direction == "backward" else match.start() - end
                rank = distance + weight[cue.scope]
                if best is None or rank < best[0]:
                    best = (rank, cue.kind, cue.id)
        if best is not None:
            return best[1], best[2]
        if year is not None and self.stated.year is not None and year > self.stated.year:
            return Kind.TARGET, "kind.default.future_year"
        if self.stated.is_plan:
            return Kind.TARGET, "kind.default.plan"
        return Kind.ACTUAL, "kind.default.report"
