"""Region, year and kind of a claim from its context, in the order of rules/context.yaml.

Scopes are walked from the narrowest (the clause) to the widest (the document); the first
scope that states a value gives it. Both extractors use this module.
"""
from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

import regex

from reform_facts.extractors.cues import KindCues
from reform_facts.extractors.layout import Layout, LayoutPatterns, Segment
from reform_facts.divisions import LEVELS, Region
from reform_facts.extractors.regions import Gazetteer, Mention
from reform_facts.rulebook import Rulebook
from reform_facts.extractors.scopes import WIDE, Scope, ScopeFinder
from reform_facts.extractors.years import YearLookups, year_of
from reform_facts.extractors.views import JoinedOffsets, han_breaks, remove_spans
from reform_facts.claim import Document, Kind


_ATTACHMENT = regex.compile(r"附件\s*\d*")  # an attachment's label line is not its title


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
        self.value_of = book.compile(years.value_of, where="context.yaml: years.value_of")
        self.not_title = book.compile(book.context.not_title, where="context.yaml: not_title")
        self.horizon = book.compile(book.kind.plan_horizon, where="kind.yaml: plan_horizon")
        self.relative_year = regex.compile("|".join(regex.escape(w) for w in years.relative))
        # the same words as plain strings, for `DocumentContext._relative_in` (not if one is empty)
        self.relative_words = tuple(years.relative) if years.relative and all(years.relative) else None
        self.kind_cues = KindCues(book)
        self.scopes = book.context.scopes
        # where each field's scopes turn wide for good: from there on they do not hold the span
        self.wide_from = {field: next(i for i in range(len(names) + 1)
                                      if all(n in (*WIDE, "document") for n in names[i:]))
                          for field, names in self.scopes.items()}
        # each field's scopes split there, once: every figure asks for them
        self.narrow_names = {field: tuple(names[:self.wide_from[field]]) for field, names in self.scopes.items()}
        self.wide_names = {field: list(names[self.wide_from[field]:]) for field, names in self.scopes.items()}
        regions = book.regions
        self.not_subject_before = book.compile(regions.not_subject_before, where="regions.yaml")
        self.not_subject_after = book.compile(regions.not_subject_after, where="regions.yaml")
        self.enumeration_joiners = frozenset(regions.enumeration_joiners)
        self.alias_not_followed_by = frozenset(regions.alias_not_followed_by)

    def is_subject(self, text: str, match: Mention) -> bool:
        """False for a mention that only sets a comparison or scope (居全国首位, 在全省率先)."""
        return bool(self.subjects(text, [match]))

    def subjects(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """The mentions that name what is talked about (see `is_subject`), tested in one loop
        with its lookups hoisted out (a document has hundreds of mentions)."""
        aliases, not_followed = self.gazetteer.aliases, self.alias_not_followed_by
        before, after, size = self.not_subject_before.search, self.not_subject_after.match, len(text)
        return [m for m in mentions
                if not ((m.surface in aliases and text[m.finish:m.finish + 1] in not_followed)
                        or before(text, max(0, m.begin - 4), m.begin)
                        or after(text, m.finish, min(size, m.finish + 4)))]

    @staticmethod
    def in_book_title(text: str, position: int) -> bool:
        """Inside 《…》: the name of a cited document, not the document's own subject."""
        opened = text.rfind("《", 0, position)
        return opened >= 0 and text.rfind("》", opened, position) < 0

    def stated(self, text: str, *, region: bool = True) -> Stated:
        """Title, year, region and genre that a document states in its opening (its region
        only if asked for: a document that comes with one does not need it)."""
        opening = text[: self.book.context.years.opening_chars]
        lines = [line.strip().strip("#*").strip() for line in opening.splitlines()]
        lines = [line for line in lines if line and not _ATTACHMENT.fullmatch(line)
                 and not self.not_title.search(line)]  # a page's breadcrumb, file number, print links
        title = lines[0] if lines else None
        year_match = self.year_pattern.search(title or "") or self.year_pattern.search(opening)
        found, deictic_level = (self._first_region(title or "") if region else None), None
        if found is None and region:
            found, deictic_level = self._opening_region(opening)
        is_plan = (any(word in (title or "") for word in self.book.kind.plan_titles)
                   and not any(word in (title or "") for word in self.book.kind.report_titles))
        return Stated(title, year_of(year_match) if year_match else None, found, is_plan,
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
        """The title's first region; one inside 《》 only when no other is named (关于印发《扬中市
        …规划》的通知 is about the plan's area)."""
        for quoted in (False, True):
            for match in self.gazetteer.finditer(text):
                if match.group() in self.gazetteer.deictic or self.in_book_title(text, match.start()) != quoted:
                    continue
                region = self.gazetteer.resolve(match.group())
                if region is not None:
                    return region
        return None

    def for_document(self, doc: Document) -> DocumentContext:
        given = self.gazetteer.by_code.get(doc.region_code) if doc.region_code else None
        stated = self.stated(doc.text, region=given is None)
        region = given or stated.region
        ctx = DocumentContext(self, doc, Layout(doc.text, self.book, self.layout_patterns), stated)
        if region is None and stated.unnamed_level:
            region = ctx.main_region(stated.unnamed_level)
        ctx.stated = Stated(stated.title, doc.year or stated.year, region, stated.is_plan)
        return ctx


class DocumentContext(YearLookups):
    """Context lookups for one document."""

    def __init__(self, resolver: ContextResolver, doc: Document, layout: Layout, stated: Stated) -> None:
        self.r = resolver
        self.doc = doc
        self.text = doc.text
        self.layout = layout
        self.stated = stated
        self._main: dict[str, Region | None] = {}
        self.scope = ScopeFinder(layout, resolver.narrow_names, resolver.wide_names,
                                 window=resolver.book.context.wide_window)
        # what the scopes wider than the span's sentence say, per place (see ScopeFinder.wide)
        self._chain_cache: dict[tuple, object] = {}
        self._cues = resolver.kind_cues.ranking(self.text)
        # every region mention and year of the document, found once; scopes slice these lists
        self._mentions = self._find_mentions()
        self._mention_starts = [m.begin for m in self._mentions]
        self._mention_ends = [m.finish for m in self._mentions]
        # how many of the mentions before the k-th are deictic words (全市, 自治区)
        self._deictic_before = [0, *itertools.accumulate(m.surface in resolver.gazetteer.deictic
                                                         for m in self._mentions)]
        self._find_years()

    def _find_mentions(self) -> list[Mention]:
        """Region mentions of the whole text; a name broken over lines (重\n\n庆市) is found in
        the text with those breaks removed, then mapped back to the stored offsets."""
        breaks = han_breaks(self.text)
        joined = remove_spans(self.text, breaks) if breaks else self.text
        found = self.r.subjects(joined, self.r.gazetteer.mentions(joined))
        if not breaks:
            return found
        original = JoinedOffsets(breaks).original
        return [Mention(m.surface, original(m.begin), original(m.finish - 1) + 1) for m in found]

    def scopes(self, start: int, end: int, field: str) -> list[Scope]:
        """(name, segment, anchor) for each scope of a field around a span; anchor is where
        'nearest' counts from."""
        return [*self.scope.narrow(start, end, field), *self.scope.wide(start, field)[1]]

    def describe(self, start: int, end: int) -> tuple[Region | None, int | None, Kind, str, Segment, Segment]:
        """Region, year, kind and its cue, clause and sentence of a span: what a claim takes
        from its context, the lookups they share made once."""
        clause, sentence = self.layout.clause(start, end), self.layout.sentence(start, end)
        region = self._region(start, self.scope.narrow(start, end, "region", clause, sentence))
        owned, year = self.owned_year(start)
        if not owned:
            year = self._year(start, end, self.scope.narrow(start, end, "year", clause, sentence))
        kind, cue = self.kind(start, end, year, clause, sentence)
        if kind is Kind.TARGET and year == self.stated.year and self.horizon is not None:
            year = self.horizon  # a plan's target with no year of its own: the plan's end year
        return region, year, kind, cue, clause, sentence

    @property
    def horizon(self) -> int | None:
        """The end year of a plan whose title states no year: the latest `到2025年` or period
        (“十四五”末) it names, if later than the document's year."""
        if not hasattr(self, "_horizon"):
            self._horizon = None
            title = self.stated.title or ""
            if self.stated.is_plan and not self.r.year_pattern.search(title):
                years = [year_of(m) for m in self.r.horizon.finditer(self.text) if m.group("year")]
                years += [end for period, end in self.r.book.kind.plan_periods.items() if period in self.text]
                later = [y for y in years if self.stated.year is None or y > self.stated.year]
                self._horizon = max(later) if later else None
        return self._horizon

    # --- region -----------------------------------------------------------------------
    def region(self, start: int, end: int) -> Region | None:
        return self._region(start, self.scope.narrow(start, end, "region"))

    def _region(self, start: int, narrow: list[Scope]) -> Region | None:
        starts, ends, deictic = self._mention_starts, self._mention_ends, self._deictic_before
        for i, (name, segment, anchor) in enumerate(narrow):
            lo, hi = bisect.bisect_left(starts, segment.start), bisect.bisect_right(ends, segment.end)
            if hi <= lo:
                continue  # most clauses name no region (see _mention_range)
            key = None
            if deictic[hi] == deictic[lo]:
                # names only: the answer depends on which of them stand before the anchor and
                # which first after it, the same for every figure of the clause placed alike
                after = bisect.bisect_left(starts, anchor, lo, hi) if name == "clause" else hi
                key = ("narrow", lo, bisect.bisect_right(ends, anchor, lo, hi), after if after < hi else None)
                if key in self._chain_cache:
                    found = self._chain_cache[key]
                    if found is not None:
                        return found
                    continue
            found = self._region_in(segment, anchor, wider=narrow[i + 1:],
                                    tail=lambda: self.scope.wide(start, "region"), after_too=name == "clause")
            if key is not None:
                self._chain_cache[key] = found
            if found is not None:
                return found
        key, wide = self.scope.wide(start, "region")
        # the wide scopes do not depend on the span itself: the answer is found once for them
        key = ("region", key)
        if key not in self._chain_cache:
            self._chain_cache[key] = next(
                (region for i, (name, segment, anchor) in enumerate(wide)
                 if (region := self._region_in(segment, anchor, wider=wide.after(i),
                                               after_too=name == "clause")) is not None),
                self.stated.region)
        return self._chain_cache[key]

    def _region_in(self, segment: Segment, anchor: int, *, wider, tail=None, after_too: bool) -> Region | None:
        """The nearest region mention before the anchor (in a clause, else the first after it).
        `wider` are the scopes after this one; `tail` gives (key, scopes) of the wide ones after
        those, when a deictic word needs them."""
        lo, hi = self._mention_range(segment)
        if lo >= hi:  # most clauses name no region
            return None
        # mentions do not overlap: sorted by start, they are sorted by end too
        split = bisect.bisect_right(self._mention_ends, anchor, lo, hi)
        before = self._mentions[lo:split]
        after = self._mentions[bisect.bisect_left(self._mention_starts, anchor, lo, hi):hi] if after_too else []
        if len(before) >= 2:
            listed = self._enumeration(before)
            if listed is not None:
                return listed
        deictic = self.r.gazetteer.deictic
        for match in [*reversed(before), *after[:1]]:
            surface = match.group()
            if surface not in deictic:  # a name: _mention without building the scopes it ignores
                region = self.r.gazetteer.resolve(surface, near=self.stated.region)
            else:
                earlier = Segment(segment.start, match.start())
                region = self._mention(surface, [("earlier", earlier, earlier.end), *wider], tail)
            if region is not None:
                return region
        return None

    def mentions(self, segment: Segment) -> list[Mention]:
        """Region mentions in a segment that name what is talked about (not 居全国首位)."""
        lo, hi = self._mention_range(segment)
        return self._mentions[lo:hi]

    def _mention_range(self, segment: Segment) -> tuple[int, int]:
        """Indices of the mentions that start and end inside the segment."""
        lo = bisect.bisect_left(self._mention_starts, segment.start)
        return lo, max(lo, bisect.bisect_right(self._mention_ends, segment.end))

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

    def _mention(self, surface: str, wider, tail=None) -> Region | None:
        level = self.r.gazetteer.deictic.get(surface)
        if level is None:
            return self.r.gazetteer.resolve(surface, near=self.stated.region)
        # 全市, 自治区: a region of that level named in the same sentence or paragraph and called
        # what the word says (宜昌市…全市); else the document's own area (全区 in 番禺区卫生健康局's
        # report, whatever 广东省 it names in passing); else the region in force from further back
        found = self._level_in(wider, level)
        if found is not None and found.name[-1] == surface[-1]:
            return found
        own = self.stated.region
        title = self.stated.title or ""
        if own is not None and own.name[-1] == surface[-1] and not any(mark in title for mark in "。；！？，"):
            return own
        if found is None and tail is not None:
            wide_key, wide = tail()
            key = ("level", level, wide_key)  # the wide scopes, shared by their figures: once
            if key not in self._chain_cache:
                self._chain_cache[key] = self._level_in(wide, level)
            found = self._chain_cache[key]
        if found is not None:
            return found
        if self.stated.region:
            return self.r.gazetteer.at_level(self.stated.region, level)
        return self.main_region(level)

    def _level_in(self, scopes, level: str) -> Region | None:
        """The region at `level` of the last named region of the first scope that has one."""
        for _name, segment, _anchor in scopes:
            for match in reversed(self.mentions(segment)):
                if match.group() in self.r.gazetteer.deictic:
                    continue
                region = self.r.gazetteer.resolve(match.group(), near=self.stated.region)
                found = region and self.r.gazetteer.at_level(region, level)
                if found:
                    return found
        return None

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
    def kind(self, start: int, end: int, year: int | None, clause: Segment | None = None,
             sentence: Segment | None = None) -> tuple[Kind, str]:
        """The kind and the id of the cue (or default) that decided it. The span's clause and
        sentence are looked up unless given."""
        paragraph = self.layout.paragraph(start) or Segment(0, len(self.text))
        if paragraph.end < end:
            paragraph = Segment(paragraph.start, end)
        segments = {"clause": clause or self.layout.clause(start, end),
                    "sentence": sentence or self.layout.sentence(start, end), "paragraph": paragraph}
        best = self._cues.best(start, end, segments)
        past = year is not None and self.stated.year is not None and year < self.stated.year
        if best is not None and not (past and best[1] in self.r.book.kind.past_year_cues):
            return best
        if year is not None and self.stated.year is not None and year > self.stated.year:
            return Kind.TARGET, "kind.default.future_year"
        section = self._section_kind(start)
        if section is not None:
            return section
        if self.stated.is_plan:
            return Kind.TARGET, "kind.default.plan"
        return Kind.ACTUAL, "kind.default.report"

    def _section_kind(self, start: int) -> tuple[Kind, str] | None:
        """The kind the nearest heading above gives its section (2023年工作计划, 发展基础)."""
        k = bisect.bisect_right([h.start for h in self.layout.headings], start) - 1
        if k < 0:
            return None
        heading = self.text[self.layout.headings[k].start:self.layout.headings[k].end]
        if any(word in heading for word in self.r.book.kind.plan_sections):
            return Kind.TARGET, "kind.default.plan_section"
        if any(word in heading for word in self.r.book.kind.report_sections):
            return Kind.ACTUAL, "kind.default.report_section"
        return None
