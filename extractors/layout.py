"""A document's layout: paragraphs, headings, sentences and clauses as offset ranges.

Computed once per document; every claim of the document looks its context up here.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import NamedTuple

import regex

from reform_facts.rulebook import Rulebook
from reform_facts.tables import lines_of


_BREAKS = regex.compile(r"(?<=[\p{Han}])\n+(?=[\p{Han}])")
# a single line break inside a number (96\n.5%, 20\n23年) is debris too, whatever the line length
# a line that stops at a comma (table rows of clauses) goes on in the next line
_COMMAS = frozenset("，,、；;：:")
_LINE_SPACE = frozenset(" \t　")
_CLAUSE_BREAK = regex.compile(r"(?<=[，,、；;：:][ \t　]*)\n+")
# a line that opens with a list marker (一、 （二） 3. ) starts anew, whatever the line before ended with
_LIST_MARKER = regex.compile(r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．](?!\d))")
_NUMBER_BREAK = regex.compile(r"(?<=[0-9０-９.．])\n(?=[0-9０-９.．])")


class Segment(NamedTuple):
    """A range of offsets. A named tuple rather than a frozen dataclass: a document makes tens
    of thousands of them, and a tuple is built in a third of the time."""

    start: int
    end: int


class Layout:
    """Offsets of paragraphs (non-empty lines), headings, sentences and clauses of a text."""

    def __init__(self, text: str, book: Rulebook, patterns: LayoutPatterns) -> None:
        self.text = text
        self.paragraphs: list[Segment] = []
        self.headings: list[Segment] = []
        paragraphs, headings = self.paragraphs, self.headings
        speaker, heading, dateline = patterns.speaker.search, patterns.heading.fullmatch, patterns.dateline.search
        last_line = 0  # where the last line of the last paragraph starts
        for start, line in lines_of(text):
            if not line.strip():
                continue
            if (paragraphs and _continued(text, last_line, paragraphs[-1].end)
                    and not _LIST_MARKER.match(line.lstrip(" \t　"))):  # 如下：\n一、…: a new section
                # the last line stopped at a comma: this one goes on with its sentence
                paragraphs[-1] = Segment(paragraphs[-1].start, start + len(line))
                last_line = start
            elif (bare := line.strip().strip("#*>\t 　").strip()) and heading(bare) and dateline(bare):
                continue  # an issuer's or publication date line: no heading, no paragraph
            elif speaker(line) or (bare and heading(bare)):
                headings.append(Segment(start, start + len(line)))
            else:
                paragraphs.append(Segment(start, start + len(line)))
                last_line = start
        soft = self._soft_breaks(text, book.context.soft_break_min_line)
        self.sentence_ends = _ends(patterns.sentence_end, text, soft)
        self.clause_ends = _ends(patterns.clause_end, text, soft)
        self._paragraph_starts = [p.start for p in self.paragraphs]
        self._heading_starts = [h.start for h in self.headings]
        self._openings: list[Segment | None] = [None] * len(self.paragraphs)
        self._clauses: dict[tuple[int, int], Segment] = {}
        self._places: dict[int, tuple[int, bool, int, int]] = {}
        self._sentences: dict[tuple[int, int], Segment] = {}

    @staticmethod
    def _soft_breaks(text: str, min_line: int) -> set[int]:
        """Offsets of line breaks inside a sentence: inside a number, or Han character, breaks,
        Han character after a line long enough not to be a heading."""
        soft: set[int] = {m.start() for m in _NUMBER_BREAK.finditer(text)}
        for match in _CLAUSE_BREAK.finditer(text):
            soft.update(range(match.start(), match.end()))
        for match in _BREAKS.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            if match.start() - line_start >= min_line:
                soft.update(range(match.start(), match.end()))
        return soft

    @staticmethod
    def _between(ends: list[int], start: int, end: int, text_len: int) -> Segment:
        """The segment between two boundaries that holds [start, end)."""
        i = bisect.bisect_right(ends, start)
        left = ends[i - 1] if i else 0
        j = bisect.bisect_left(ends, end)
        right = ends[j] if j < len(ends) else text_len
        return Segment(left, right)

    def clause(self, start: int, end: int) -> Segment:
        # every claim asks for its clause and sentence several times (context, kind, indicator)
        found = self._clauses.get((start, end))
        if found is None:
            found = self._clauses[start, end] = self._between(self.clause_ends, start, end, len(self.text))
        return found

    def sentence(self, start: int, end: int) -> Segment:
        found = self._sentences.get((start, end))
        if found is None:
            found = self._sentences[start, end] = self._between(self.sentence_ends, start, end, len(self.text))
        return found

    def paragraph(self, start: int) -> Segment | None:
        i = bisect.bisect_right(self._paragraph_starts, start) - 1
        if i >= 0 and self.paragraphs[i].end >= start:
            return self.paragraphs[i]
        return None

    def paragraph_before(self, start: int) -> Segment | None:
        """The paragraph's text before the sentence holding `start` (None in its first sentence)."""
        paragraph = self.paragraph(start)
        if paragraph is None:
            return None
        sentence = self.sentence(start, start + 1)
        if sentence.start <= paragraph.start:
            return None
        return Segment(paragraph.start, sentence.start)

    def place(self, start: int) -> tuple[int, bool, int, int]:
        """What the paragraph-wide lookups of `start` depend on: the index of the last paragraph
        starting at or before it, whether it lies inside that paragraph, the start of its
        sentence and the index of the last heading before it. Equal places, equal answers."""
        found = self._places.get(start)
        if found is None:
            i = bisect.bisect_right(self._paragraph_starts, start) - 1
            inside = i >= 0 and self.paragraphs[i].end >= start
            sentence = bisect.bisect_right(self.sentence_ends, start)
            found = self._places[start] = (i, inside, sentence, bisect.bisect_right(self._heading_starts, start))
        return found

    def previous_openings(self, start: int) -> list[Segment]:
        """First sentences of the paragraphs before the one holding `start`, back to the
        nearest heading, nearest first."""
        lo, hi = self.previous_range(start)
        return [self.opening(k) for k in range(hi - 1, lo - 1, -1)]

    def previous_range(self, start: int) -> tuple[int, int]:
        """Indices lo..hi of the paragraphs before the one holding `start` that come after
        its nearest heading (paragraphs are in text order: a slice, not a walk back)."""
        i = bisect.bisect_right(self._paragraph_starts, start) - 1
        heading = self.heading(start)
        hi = max(i, 0)
        return min(bisect.bisect_left(self._paragraph_starts, heading.end if heading else 0), hi), hi

    def openings(self) -> list[Segment]:
        """The first sentence of every paragraph."""
        return [self.opening(k) for k in range(len(self.paragraphs))]

    def opening(self, k: int) -> Segment:
        """The first sentence of paragraph k, found once per document, when first asked for."""
        found = self._openings[k]
        if found is None:
            paragraph = self.paragraphs[k]
            first = self.sentence(paragraph.start, paragraph.start + 1)
            found = self._openings[k] = Segment(paragraph.start, min(first.end, paragraph.end))
        return found

    def heading(self, start: int) -> Segment | None:
        """The nearest heading or speaker line before `start`."""
        i = bisect.bisect_right(self._heading_starts, start) - 1
        return self.headings[i] if i >= 0 else None

    def headings_before(self, start: int) -> list[Segment]:
        """Every heading before `start`, nearest first."""
        i = bisect.bisect_right(self._heading_starts, start)
        return self.headings[:i][::-1]


def _continued(text: str, start: int, end: int) -> bool:
    r"""Whether the line text[start:end] stops at a comma, spaces after it aside (the regex
    `[，,、；;：:][ \t　]*$` over the line, read from its end instead of scanned from its start).

    >>> _continued("覆盖率达到50%， \n下一行", 0, 9), _continued("标题\n", 0, 2)
    (True, False)
    """
    while end > start and text[end - 1] in _LINE_SPACE:
        end -= 1
    return end > start and text[end - 1] in _COMMAS


def _ends(pattern: regex.Pattern[str], text: str, soft: set[int]) -> list[int]:
    r"""Where the pattern's matches end, but for those starting at a soft break.

    Read with `map` rather than a Python loop (a document has thousands of boundaries); soft
    breaks are few, so the matches they start are looked up by bisection and dropped.

    >>> _ends(regex.compile(r"[，\n]"), "甲，乙\n丙\n", {3})
    [2, 6]
    """
    matches = list(pattern.finditer(text))
    ends = list(map(regex.Match.end, matches))
    if not soft:
        return ends
    starts = list(map(regex.Match.start, matches))
    dropped = set()
    for offset in soft:
        i = bisect.bisect_left(starts, offset)
        while i < len(starts) and starts[i] == offset:  # more than one only after an empty match
            dropped.add(i)
            i += 1
    return [end for i, end in enumerate(ends) if i not in dropped] if dropped else ends


@dataclass(frozen=True, slots=True)
class LayoutPatterns:
    sentence_end: regex.Pattern[str]
    clause_end: regex.Pattern[str]
    heading: regex.Pattern[str]
    speaker: regex.Pattern[str]
    dateline: regex.Pattern[str]

    @classmethod
    def from_book(cls, book: Rulebook) -> LayoutPatterns:
        context = book.context
        return cls(*(book.compile(getattr(context, key), where=f"context.yaml: {key}")
                     for key in ("sentence_end", "clause_end", "heading", "speaker", "dateline")))
