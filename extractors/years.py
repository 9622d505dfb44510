"""The year of a figure: the nearest year its scopes state (context.yaml: scopes, years).

`YearLookups` is the year half of context.py's `DocumentContext`, which it is mixed into: it
reads the document's text, layout scopes, statement and year mentions from there.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterator

import regex

from reform_facts.extractors.layout import Segment
from reform_facts.extractors.numbers import parse_number
from reform_facts.extractors.scopes import Scope, Scopes, Wide


def year_of(match: regex.Match[str]) -> int:
    r"""The year a year mention names, whatever digits and line breaks it is written with.

    >>> import regex; year_of(regex.match(r"(?P<year>(?s:.*))", "２０\n２３"))
    2023
    """
    return int(parse_number(match.group("year")))


class YearLookups:
    """Year lookups of one document (mixed into DocumentContext: `r`, `text`, `scope`,
    `stated` and `_chain_cache` are its)."""

    def _find_years(self) -> None:
        """Every year mention of the text, found once; scopes slice these lists."""
        self._years = list(self.r.year_pattern.finditer(self.text))
        self._year_starts = list(map(regex.Match.start, self._years))
        self._year_spans = list(map(regex.Match.span, self._years))
        self._year_values: dict[int, int | None] = {}
        self._years_down: dict[tuple[str, int, int], int | None] = {}  # see _year_down
        self._relative: tuple[list[int], list[int]] | None = None  # see _relative_in

    def year(self, start: int, end: int) -> int | None:
        return self._year(start, end, self.scope.narrow(start, end, "year"))

    def owned_year(self, start: int) -> tuple[bool, int | None]:
        """(True, year) when the words right before a figure make it a given year's value:
        比2018年的77.0岁 → 2018; 由上年的18.3/10万 → the document's year less one."""
        owned = self.r.value_of.search(self.text, max(0, start - 20), start)
        if owned is None:
            return False, None
        if owned.group("year"):
            return True, year_of(owned)
        return True, self.stated.year - 1 if self.stated.year else None

    def _year(self, start: int, end: int, narrow: list[Scope]) -> int | None:
        for _name, segment, anchor in narrow:
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
        found = self._first_year(wide, start, end)
        if found is None:
            found = self.stated.year
        if reusable:
            self._chain_cache[key] = found
        return found

    def _first_year(self, wide: Wide, start: int, end: int) -> int | None:
        """The year of the first wide scope that states one, nearest first (None if none)."""
        groups = [group for group in wide.groups if group[2] > group[1]]
        for g, (scopes, lo, hi) in enumerate(groups):
            last = g == len(groups) - 1 and isinstance(scopes, Scopes)
            for k in range(hi - 1, lo - 1, -1):
                _name, segment, anchor = scopes[k]
                if last and segment.end <= start:
                    return self._year_down(scopes, lo, k, (start, end))
                found = self._year_in(segment, anchor, exclude=(start, end))
                if found is not None:
                    return found
        return None

    def _year_down(self, scopes: Scopes, lo: int, k: int, exclude: tuple[int, int]) -> int | None:
        """The year of the first of scopes k, k-1, .. lo (headings, say) that states one: the
        last stretch of a search, the same for every figure after it (the span cannot hide a
        year of scopes that end before it), so each answer is kept."""
        memo, seen, found = self._years_down, [], None
        for k in range(k, lo - 1, -1):
            key = (scopes.name, lo, k)
            if key in memo:
                found = memo[key]
                break
            seen.append(key)
            _name, segment, anchor = scopes[k]
            found = self._year_in(segment, anchor, exclude=exclude)
            if found is not None:
                break
        for key in seen:
            memo[key] = found
        return found

    def _year_in(self, segment: Segment, anchor: int, *, exclude: tuple[int, int]) -> int | None:
        before, after = None, None
        lo = bisect.bisect_left(self._year_starts, segment.start)
        hi = bisect.bisect_left(self._year_starts, segment.end, lo)
        if lo == hi:  # most scopes name no year: a relative word, then, or nothing
            if self.stated.year and self._relative_in(segment.start, min(anchor, segment.end)):
                return self.stated.year
            return None
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
            baseline = (self.r.baseline_before.search(self.text, max(0, match.start() - 8), match.start())
                        or self.r.baseline_after.match(self.text, match.end(), match.end() + 3))
            self._year_values[k] = None if baseline else year_of(match)
        return self._year_values[k]


def _occurrences(text: str, word: str) -> Iterator[int]:
    """Every offset where a non-empty word occurs in the text, overlapping ones too.

    >>> list(_occurrences("今年今年年", "年"))
    [1, 3, 4]
    """
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)
