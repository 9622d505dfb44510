"""The indicator phrase: the shortest verbatim words that name what a figure measures.

Before the number, the clause is cut back to the words naming the measure (签约覆盖率50.28% ->
签约覆盖率). After a count's classifier, the counted noun phrase is taken (2937家医疗卫生机构服务数据
-> 医疗卫生机构). Word lists live in rules/indicators.yaml.
"""
from __future__ import annotations

import regex

from extractors.rulebook import Rulebook
from reform_facts.claim import QuantityType


class IndicatorFinder:
    def __init__(self, book: Rulebook, *, cut_before: regex.Pattern[str]) -> None:
        rules = book.indicators
        self.max_chars = rules.max_chars
        self.strip_end = _ending(rules.strip_end)
        self.strip_start = _starting(rules.strip_start)
        self.after_boundary = book.compile(rules.after_boundary, where="indicators.yaml: after_boundary")
        self.head_nouns = regex.compile("|".join(regex.escape(w) for w in sorted(rules.head_nouns, key=len, reverse=True)))
        self.cut_before = cut_before  # years, regions, numbers: an indicator starts after them

    def find(self, text: str, clause_start: int, start: int, end: int, clause_end: int,
             quantity_type: QuantityType) -> tuple[int, int] | None:
        """Offsets of the indicator phrase, or None when nothing names the measure."""
        if quantity_type in (QuantityType.COUNT,):
            after = self._after(text, end, clause_end)
            if after is not None:
                return after
        return self._before(text, clause_start, start)

    def _before(self, text: str, lo: int, hi: int) -> tuple[int, int] | None:
        # start after the last year, region or number before the figure
        for match in self.cut_before.finditer(text, lo, hi):
            lo = max(lo, match.end())
        changed = True
        while changed and lo < hi:
            changed = False
            found = self.strip_end.search(text, lo, hi)
            if found and found.start() > lo:
                hi, changed = found.start(), True
            found = self.strip_start.match(text, lo, hi)
            if found and found.end() < hi:
                lo, changed = found.end(), True
        if hi - lo > self.max_chars:
            phrase = text[lo:hi]
            cut = max(phrase.rfind("的"), phrase.rfind("，"))
            lo = lo + cut + 1 if cut >= 0 else hi - self.max_chars
        if hi - lo < 2:
            return None
        return lo, hi

    def _after(self, text: str, end: int, clause_end: int) -> tuple[int, int] | None:
        boundary = self.after_boundary.search(text, end, clause_end)
        hi = boundary.start() if boundary else clause_end
        hi = min(hi, end + self.max_chars)
        last = None
        for match in self.head_nouns.finditer(text, end, hi):
            last = match
        if last is None:
            return None
        return end, last.end()


def _ending(words: list[str]) -> regex.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return regex.compile("(?:" + "|".join(regex.escape(w) for w in ordered) + ")$")


def _starting(words: list[str]) -> regex.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return regex.compile("(?:" + "|".join(regex.escape(w) for w in ordered) + ")")
