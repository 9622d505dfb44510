"""A document's layout: paragraphs, headings, sentences and clauses as offset ranges.

Computed once per document; every claim of the document looks its context up here.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

from extractors.rulebook import Rulebook


_BREAKS = regex.compile(r"(?<=[\p{Han}])\n+(?=[\p{Han}])")
# a single line break inside a number (96\n.5%, 20\n23年) is debris too, whatever the line length
# a line that stops at a comma (table rows of clauses) goes on in the next line
_CONTINUED = regex.compile(r"[，,、；;：:][ \t　]*$")
_CLAUSE_BREAK = regex.compile(r"(?<=[，,、；;：:][ \t　]*)\n+")
_NUMBER_BREAK = regex.compile(r"(?<=[0-9０-９.．])\n(?=[0-9０-９.．])")


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int


class Layout:
    """Offsets of paragraphs (non-empty lines), headings, sentences and clauses of a text."""

    def __init__(self, text: str, book: Rulebook, patterns: LayoutPatterns) -> None:
        self.text = text
        self.paragraphs: list[Segment] = []
        self.headings: list[Segment] = []
        for match in regex.finditer(r"[^\n]+", text):
            line = match.group()
            if not line.strip():
                continue
            segment = Segment(match.start(), match.end())
            bare = line.strip().strip("#*\t 　").strip()
            previous = self.paragraphs[-1] if self.paragraphs else None
            if previous and _CONTINUED.search(text, previous.start, previous.end):
                # the last line stopped at a comma: this one goes on with its sentence
                self.paragraphs[-1] = Segment(previous.start, segment.end)
            elif patterns.speaker.search(line) or (bare and patterns.heading.fullmatch(bare)):
                self.headings.append(segment)
            else:
                self.paragraphs.append(segment)
        soft = self._soft_breaks(text, book.context.soft_break_min_line)
        self.sentence_ends = [m.end() for m in patterns.sentence_end.finditer(text) if m.start() not in soft]
        self.clause_ends = [m.end() for m in patterns.clause_end.finditer(text) if m.start() not in soft]
        self._paragraph_starts = [p.start for p in self.paragraphs]
        self._heading_starts = [h.start for h in self.headings]

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
        return self._between(self.clause_ends, start, end, len(self.text))

    def sentence(self, start: int, end: int) -> Segment:
        return self._between(self.sentence_ends, start, end, len(self.text))

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

    def previous_openings(self, start: int) -> list[Segment]:
        """First sentences of the paragraphs before the one holding `start`, back to the
        nearest heading, nearest first."""
        i = bisect.bisect_right(self._paragraph_starts, start) - 1
        heading = self.heading(start)
        floor = heading.end if heading else 0
        out = []
        for paragraph in reversed(self.paragraphs[:max(i, 0)]):
            if paragraph.start < floor:
                break
            first = self.sentence(paragraph.start, paragraph.start + 1)
            out.append(Segment(paragraph.start, min(first.end, paragraph.end)))
        return out

    def heading(self, start: int) -> Segment | None:
        """The nearest heading or speaker line before `start`."""
        i = bisect.bisect_right(self._heading_starts, start) - 1
        return self.headings[i] if i >= 0 else None

    def headings_before(self, start: int) -> list[Segment]:
        """Every heading before `start`, nearest first."""
        i = bisect.bisect_right(self._heading_starts, start)
        return self.headings[:i][::-1]


@dataclass(frozen=True, slots=True)
class LayoutPatterns:
    sentence_end: regex.Pattern[str]
    clause_end: regex.Pattern[str]
    heading: regex.Pattern[str]
    speaker: regex.Pattern[str]

    @classmethod
    def from_book(cls, book: Rulebook) -> LayoutPatterns:
        context = book.context
        return cls(*(book.compile(getattr(context, key), where=f"context.yaml: {key}")
                     for key in ("sentence_end", "clause_end", "heading", "speaker")))
