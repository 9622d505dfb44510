"""Region, year and kind of a claim from its context, in the order of rules/context.yaml.

Scopes are walked from the narrowest (the clause) to the widest (the document); the first
scope that states a value gives it. Both extractors use this module.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass

import regex

from extractors.numbers import parse_number
from extractors.layout import Layout, LayoutPatterns, Segment
from extractors.regions import LEVELS, Gazetteer, Mention, Region
from extractors.rulebook import Rulebook
from extractors.scopes import WIDE, Scope, ScopeFinder
from extractors.views import JoinedOffsets, han_breaks, remove_spans
from reform_facts.claim import Document, Kind


_SCOPE_WEIGHT = {"clause": 0, "sentence": 10_000, "paragraph": 20_000}
_ATTACHMENT = regex.compile(r"附件\s*\d*")  # an attachment's label line is not its title


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
        # the same words as plain strings, for `DocumentContext._relative_in` (not if one is empty)
        self.relative_words = tuple(years.relative) if years.relative and all(years.relative) else None
        self.cues = [(cue, self._cue_pattern(cue)) for cue in book.kind.cues]
        # (cue, pattern, looks backward, weight of its scope): a wider scope's cue ranks behind
        self.cues_ranked = [(cue, pattern, cue.direction == "backward", _SCOPE_WEIGHT[cue.scope])
                            for cue, pattern in self.cues]
        # the same, flattened for `kind`, which reads them for every figure
        self.cue_table = tuple((index, cue.scope, pattern, backward, weight, cue.kind, cue.id)
                               for index, (cue, pattern, backward, weight) in enumerate(self.cues_ranked))
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

    def _cue_pattern(self, cue) -> regex.Pattern[str]:
        if cue.pattern:
            return self.book.compile(cue.pattern, where=f"kind.yaml: {cue.id}")
        words = sorted(cue.surfaces, key=len, reverse=True)
        return regex.compile("|".join(regex.escape(w) for w in words))

    def stated(self, text: str) -> Stated:
        """Title, year, region and genre that a document states in its opening."""
        opening = text[: self.book.context.years.opening_chars]
        lines = [line.strip().strip("#*").strip() for line in opening.splitlines()]
        lines = [line for line in lines if line and not _ATTACHMENT.fullmatch(line)]
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
        self.scope = ScopeFinder(layout, resolver.narrow_names, resolver.wide_names)
        # what the scopes wider than the span's sentence say, per place (see ScopeFinder.wide)
        self._chain_cache: dict[tuple, object] = {}
        self._cue_cache: dict[tuple[int, Segment], list[int]] = {}  # (cue, segment): its ends
        # every region mention and year of the document, found once; scopes slice these lists
        self._mentions = self._find_mentions()
        self._mention_starts = [m.begin for m in self._mentions]
        self._mention_ends = [m.finish for m in self._mentions]
        self._years = list(resolver.year_pattern.finditer(self.text))
        self._year_starts = list(map(regex.Match.start, self._years))
        self._year_spans = list(map(regex.Match.span, self._years))
        self._year_values: dict[int, int | None] = {}
        self._relative: tuple[list[int], list[int]] | None = None  # see _relative_in

    def _find_mentions(self) -> list[Mention]:
        """Region mentions of the whole text; a name broken over lines (重\n\n庆市) is found in
        the text with those breaks removed, then mapped back to the stored offsets."""
        breaks = han_breaks(self.text)
        joined = remove_spans(self.text, breaks) if breaks else self.text
        found = self.r.subjects(joined, self.r.gazetteer.mentions(joined))
        if not breaks:
            return found
        offsets = JoinedOffsets(breaks)
        return [Mention(m.group(), offsets.original(m.start()), offsets.original(m.end() - 1) + 1)
                for m in found]

    def scopes(self, start: int, end: int, field: str) -> list[Scope]:
        """(name, segment, anchor) for each scope of a field around a span; anchor is where
        'nearest' counts from."""
        return [*self.scope.narrow(start, end, field), *self.scope.wide(start, field)[1]]

    # --- year -------------------------------------------------------------------------
    def year(self, start: int, end: int) -> int | None:
        for _name, segment, anchor in self.scope.narrow(start, end, "year"):
            found = self._year_in(segment, anchor, exclude=(start, end))
            if found is not None:
                return found
        key, wide = self.scope.wide(start, "year")
        # the span is excluded from the wide scopes; when it starts after all of them, it can
        # hide no year of theirs and every such span gets the same answer: found once
        reusable = wide.end <= start
        key = ("year", key)
        if reusable and key in self._chain_cache:
            return self._chain_cache[key]
        found = next((year for _name, segment, anchor in wide
                      if (year := self._year_in(segment, anchor, exclude=(start, end))) is not None),
                     self.stated.year)
        if reusable:
            self._chain_cache[key] = found
        return found

    def _year_in(self, segment: Segment, anchor: int, *, exclude: tuple[int, int]) -> int | None:
        before, after = None, None
        lo = bisect.bisect_left(self._year_starts, segment.start)
        hi = bisect.bisect_left(self._year_starts, segment.end)
        for k in range(lo, hi):
            match_start, match_end = self._year_spans[k]
            if match_end > segment.end:
                continue
            if match_start < exclude[1] and match_end > exclude[0]:
                continue
            year = self._year_value(k)
            if year is None:  # a baseline year
                continue
            if match_end <= anchor:
                before = year
            elif after is None:
                after = year
        if before is not None:
            return before
        if self.stated.year and self._relative_in(segment.start, min(anchor, segment.end)):
            return self.stated.year
        return after

    def _relative_in(self, lo: int, hi: int) -> bool:
        """Whether a relative year word (今年, 目前) lies wholly in text[lo:hi], as a search of
        `relative_year` there finds: answered from the word occurrences of the whole text,
        found once (start-sorted, with the least end from each on) rather than a search a figure."""
        if self.r.relative_words is None:
            return self.r.relative_year.search(self.text, lo, hi) is not None
        if self._relative is None:
            spans = sorted((at, at + len(word)) for word in self.r.relative_words
                           for at in _occurrences(self.text, word))
            least_end = [end for _start, end in spans]
            for k in range(len(least_end) - 2, -1, -1):
                least_end[k] = min(least_end[k], least_end[k + 1])
            self._relative = [start for start, _end in spans], least_end
        starts, least_end = self._relative
        i = bisect.bisect_left(starts, lo)
        return i < len(starts) and least_end[i] <= hi

    def _year_value(self, k: int) -> int | None:
        """The year the k-th year mention names, None for a baseline (较2019年, 2012年以来):
        it depends on the mention and its neighbours only, so it is read once."""
        if k not in self._year_values:
            match = self._years[k]
            baseline = (self.r.baseline_before.search(self.text, max(0, match.start() - 2), match.start())
                        or self.r.baseline_after.match(self.text, match.end(), match.end() + 3))
            self._year_values[k] = None if baseline else year_of(match)
        return self._year_values[k]

    # --- region -----------------------------------------------------------------------
    def region(self, start: int, end: int) -> Region | None:
        narrow = self.scope.narrow(start, end, "region")
        for i, (name, segment, anchor) in enumerate(narrow):
            found = self._region_in(segment, anchor, wider=narrow[i + 1:],
                                    tail=lambda: self.scope.wide(start, "region"), after_too=name == "clause")
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
        # 全市, 自治区: the region of that level in force from the wider scopes or the document
        found = self._level_in(wider, level)
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

    def _cue_ends(self, pattern: regex.Pattern[str], segment: Segment) -> list[int]:
        """Ends of a cue's matches in a segment, searched to its end so that look-aheads see the
        figure."""
        return [m.end() for m in pattern.finditer(self.text, segment.start, segment.end)]

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
        if paragraph.end < end:
            paragraph = Segment(paragraph.start, end)
        segments = {"clause": self.layout.clause(start, end), "sentence": self.layout.sentence(start, end),
                    "paragraph": paragraph}
        cache = self._cue_cache
        best: tuple[int, Kind, str] | None = None
        for index, scope, pattern, backward, weight, kind, cue_id in self.r.cue_table:
            segment = segments[scope]
            if backward:
                # the nearest cue before the figure: the last match ending by its start (matches
                # do not overlap, so their ends rise and nearer ones rank strictly better);
                # every figure of the clause, sentence or paragraph shares the segment's matches
                ends = cache.get((index, segment))
                if ends is None:
                    ends = cache[index, segment] = self._cue_ends(pattern, segment)
                before = bisect.bisect_right(ends, start)
                if before:
                    rank = start - ends[before - 1] + weight
                    if best is None or rank < best[0]:
                        best = (rank, kind, cue_id)
                continue
            # search to the segment's end so look-aheads see the figure; keep matches inside lo..hi
            for match in pattern.finditer(self.text, end, segment.end):
                if match.end() > segment.end:
                    break
                rank = match.start() - end + weight
                if best is None or rank < best[0]:
                    best = (rank, kind, cue_id)
        if best is not None:
            return best[1], best[2]
        if year is not None and self.stated.year is not None and year > self.stated.year:
            return Kind.TARGET, "kind.default.future_year"
        if self.stated.is_plan:
            return Kind.TARGET, "kind.default.plan"
        return Kind.ACTUAL, "kind.default.report"


def _occurrences(text: str, word: str) -> Iterator[int]:
    """Every offset where a non-empty word occurs in the text, overlapping ones too.

    >>> list(_occurrences("今年今年年", "年"))
    [1, 3, 4]
    """
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)
