"""A document's structure, built once: paragraphs, headings, sentences, clauses and tables.

Every part is an offset range of the text the rules read. Both extractors and context
resolution look their sentences, clauses and scopes up here; no other module splits text.
The boundaries are data (rules/context.yaml: sentence_end, clause_end, heading, speaker,
dateline, soft_break_min_line); tables come from reform_facts.tables.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import regex

from reform_facts.rulebook import Rulebook
from reform_facts.claim import Document
from reform_facts.tables import Table, lines_of, tables_of

# Line breaks that do not end a sentence (conversion debris): inside a number (96\n.5%), after a
# comma (a row of clauses goes on in the next line), between two Han characters after a long line
_NUMBER_BREAK = regex.compile(r"(?<=[0-9０-９.．])\n(?=[0-9０-９.．])")
_CLAUSE_BREAK = regex.compile(r"(?<=[，,、；;：:][ \t　]*)\n+")
# ...and between a word and a figure, as fixed-width lines of PDF text break them (基本医疗保险\n参保 562.31
# 万人, 资助参保资金 5,326\n万元, 每千常住人口执业\n(助理)医师): a break after a long line only (soft_break_min_line),
# never a blank line (a long title over its first paragraph), nor before a list marker (（一）, (2))
_WRAP_BREAK = regex.compile(r"(?<=[\p{Han}0-9０-９%％])[ \t\u3000]*\n"
                            r"(?=[ \t\u3000]*(?:[\p{Han}0-9０-９]|[（(](?![一二三四五六七八九十\d]+[)）])))")
# a line that opens with a list marker (一、 （二） 3. ) starts anew, whatever the line before ended with
_LIST_MARKER = regex.compile(r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．](?!\d))")
_COMMA_AT_END = regex.compile(r"[，,、；;：:][ \t　]*$")

# The scopes that hold a figure; the others stand before its sentence (context.yaml: scopes).
HOLDING = ("clause", "sentence")


class Segment(NamedTuple):
    """A range of offsets (a named tuple: a document makes thousands)."""

    start: int
    end: int


class Scope(NamedTuple):
    """A stretch of text context resolution searches, and the offset 'nearest' counts from."""

    name: str
    segment: Segment
    anchor: int


@dataclass(frozen=True, slots=True)
class StructurePatterns:
    """The boundary patterns of rules/context.yaml, compiled once per rulebook."""

    sentence_end: regex.Pattern[str]
    clause_end: regex.Pattern[str]
    opening_end: regex.Pattern[str]
    heading: regex.Pattern[str]
    speaker: regex.Pattern[str]
    dateline: regex.Pattern[str]
    soft_break_min_line: int
    levels: tuple[regex.Pattern[str], ...]

    @classmethod
    def from_book(cls, book: Rulebook) -> StructurePatterns:
        context = book.context
        compiled = (book.compile(getattr(context, key), where=f"context.yaml: {key}")
                    for key in ("sentence_end", "clause_end", "opening_end", "heading", "speaker", "dateline"))
        levels = tuple(book.compile(level, where=f"context.yaml: heading_levels.{name}")
                       for name, level in context.heading_levels.items())
        return cls(*compiled, soft_break_min_line=context.soft_break_min_line, levels=levels)


class Structure:
    """The parts of one text, found in one pass over its lines and one search per boundary kind.

    >>> from reform_facts.rulebook import load_rulebook
    >>> text = "一、总体情况\\n2023年，全市医院12家，床位3200张。门诊量增长5%。"
    >>> s = Structure(text, StructurePatterns.from_book(load_rulebook()))
    >>> [text[h.start:h.end] for h in s.headings], [text[p.start:p.end] for p in s.paragraphs]
    (['一、总体情况'], ['2023年，全市医院12家，床位3200张。门诊量增长5%。'])
    >>> at = text.index("3200")
    >>> text[slice(*s.clause(at, at + 4))], text[slice(*s.sentence(at, at + 4))]
    ('床位3200张。', '2023年，全市医院12家，床位3200张。')
    """

    def __init__(self, text: str, patterns: StructurePatterns, *, document: Document | None = None) -> None:
        self.text = text
        # the tables: those the document's reader handed over, then those found in the rest of the text
        self.tables: list[Table] = tables_of(text, document.tables if document is not None else ())
        # a table's rows are neither headings nor paragraphs: their labels and years are its own
        table_starts = [table.start for table in self.tables]
        self.paragraphs: list[Segment] = []
        self.headings: list[Segment] = []
        last_line = 0  # where the last line of the last paragraph starts
        for start, line in lines_of(text):
            if not line.strip():
                continue
            k = bisect.bisect_right(table_starts, start) - 1
            if k >= 0 and start < self.tables[k].end:
                continue
            bare = line.strip().strip("#*>\t 　").strip()  # a heading's text without Markdown marks
            if (self.paragraphs and _COMMA_AT_END.search(text, last_line, self.paragraphs[-1].end)
                    and not _LIST_MARKER.match(line.lstrip(" \t　"))):  # 如下：\n一、…: a new section
                # the last line stopped at a comma: this one goes on with its sentence
                self.paragraphs[-1] = Segment(self.paragraphs[-1].start, start + len(line))
                last_line = start
            elif bare and patterns.heading.fullmatch(bare) and patterns.dateline.search(bare):
                continue  # an issuer's or publication date line: no heading, no paragraph
            elif patterns.speaker.search(line) or (bare and patterns.heading.fullmatch(bare)):
                self.headings.append(Segment(start, start + len(line)))
            else:
                self.paragraphs.append(Segment(start, start + len(line)))
                last_line = start
        soft = _soft_breaks(text, patterns.soft_break_min_line)
        # a table's edges end the sentences around it: a note under its last row (注：全市…) is no part of
        # the rows above it
        edges = [edge for table in self.tables for edge in (table.start, table.end)]
        self.sentence_ends = sorted({*(m.end() for m in patterns.sentence_end.finditer(text) if m.start() not in soft),
                                     *edges})
        self.clause_ends = [m.end() for m in patterns.clause_end.finditer(text) if m.start() not in soft]
        self._paragraph_starts = [p.start for p in self.paragraphs]
        self._heading_starts = [h.start for h in self.headings]
        self._levels = [_level(text[h.start:h.end], patterns.levels) for h in self.headings]
        self._parents = _section_parents(self._levels)
        # a paragraph's opening: its first sentence, up to a colon or semicolon (context.yaml:
        # opening_end): what later paragraphs look back at
        self.openings: list[Segment] = []
        for p in self.paragraphs:
            end = min(self.sentence(p.start, p.start + 1).end, p.end)
            cut = patterns.opening_end.search(text, p.start, end)
            self.openings.append(Segment(p.start, cut.start() if cut else end))
        # the scopes that openings and headings are (`scopes`), made once, not once per figure
        self._opening_scopes = [Scope("previous_paragraphs", opening, opening.end) for opening in self.openings]
        self._heading_scopes = [Scope("heading", heading, heading.end) for heading in self.headings]
        # where the tables' own reading holds (`in_table_cell`): figure cells, header cells and
        # short labels; a long text cell of a task list is prose, its figures read as prose, and so
        # is a cell of remarks (`备注`: `副主任医师14元`)
        places = [(cell.start, cell.end) for table in self.tables for row in table.header_rows for cell in row
                  if cell is not None and (cell.figure is not None or len(cell.text) <= 20)]
        for table in self.tables:
            remark = table.remark_columns()
            places += [(cell.start, cell.end) for row in table.rows for c, cell in enumerate(row)
                       if cell.figure is not None or len(cell.text) <= 20 and c not in remark]
        self._cell_places = sorted(places)

    def in_table_cell(self, start: int, end: int) -> bool:
        """Whether the span overlaps a table's figure, header or label cell: read from the
        table's grid (reform_facts.tables), never as prose."""
        at = bisect.bisect_right(self._cell_places, (start, float("inf"))) - 1
        for s, e in self._cell_places[max(at - 1, 0):at + 2]:  # a loop, not any(): this runs for every figure
            if s < end and start < e:
                return True
        return False

    # --- the parts that hold a span ------------------------------------------------------

    def clause(self, start: int, end: int) -> Segment:
        return _between(self.clause_ends, start, end, len(self.text))

    def sentence(self, start: int, end: int) -> Segment:
        return _between(self.sentence_ends, start, end, len(self.text))

    def paragraph(self, start: int) -> Segment | None:
        i = bisect.bisect_right(self._paragraph_starts, start) - 1
        return self.paragraphs[i] if i >= 0 and self.paragraphs[i].end >= start else None

    def heading(self, start: int) -> Segment | None:
        """The nearest heading or speaker line before `start`."""
        i = bisect.bisect_right(self._heading_starts, start) - 1
        return self.headings[i] if i >= 0 else None

    def sections(self, start: int) -> Iterator[Segment]:
        """The headings of the sections that hold `start`, innermost first: the nearest heading
        before it, then the one it stands under (heading_levels), up to the outermost."""
        k = bisect.bisect_right(self._heading_starts, start) - 1
        while k >= 0:
            yield self.headings[k]
            k = self._parents[k]

    # --- the scopes of context resolution ------------------------------------------------

    def scopes(self, start: int, names: list[str], *, clause: Segment, sentence: Segment,
               window: int) -> Iterator[Scope]:
        """The scopes named (context.yaml: scopes) around a figure starting at `start`, in that
        order and each kind nearest first, made as they are read (a search mostly stops early):

        - clause, sentence: they hold the figure; nearest counts from the figure;
        - paragraph: the paragraph's text before the figure's sentence;
        - previous_paragraphs: the openings of earlier paragraphs, back to the nearest heading;
        - heading: the headings before the figure;
        - document: nothing here (the caller falls back on what the document states).

        Looking back at no more than `window` openings and headings keeps time linear.
        """
        for name in names:
            if name == "clause":
                yield Scope(name, clause, start)
            elif name == "sentence":
                yield Scope(name, sentence, start)
            elif name == "paragraph":
                paragraph = self.paragraph(start)
                if paragraph is not None and sentence.start > paragraph.start:
                    yield Scope(name, Segment(paragraph.start, sentence.start), sentence.start)
            elif name == "previous_paragraphs":
                lo, hi = self._paragraphs_since_heading(start)
                yield from reversed(self._opening_scopes[max(lo, hi - window):hi])
            elif name == "heading":
                # the headings before the figure, nearest first, but not a numbered one whose section
                # has closed (“十四五”时期取得的成效 says nothing of the targets under （三）发展目标)
                k = bisect.bisect_right(self._heading_starts, start)
                holding = set(self.sections(start))
                yield from (self._heading_scopes[i] for i in reversed(range(max(0, k - window), k))
                            if self._levels[i] is None or self.headings[i] in holding)

    def _paragraphs_since_heading(self, start: int) -> tuple[int, int]:
        """Indices lo..hi of the paragraphs before the one holding `start` and after its heading."""
        hi = max(bisect.bisect_right(self._paragraph_starts, start) - 1, 0)
        heading = self.heading(start)
        return min(bisect.bisect_left(self._paragraph_starts, heading.end if heading else 0), hi), hi


def _level(heading: str, levels: tuple[regex.Pattern[str], ...]) -> int | None:
    """The heading's level by its list marker (heading_levels), None without one."""
    bare = heading.strip().strip("#*>\t 　").strip()
    return next((k for k, level in enumerate(levels) if level.match(bare)), None)


def _section_parents(levels: list[int | None]) -> list[int]:
    """For each heading, the index of the heading it stands under (-1: none): the nearest earlier
    one of an outer level; a heading without a marker stands under the nearest marked one.

    >>> _section_parents([None, 2, 3, 3, None, 2, 4])
    [-1, -1, 1, 1, 3, -1, 5]
    """
    parents, open_sections = [], []  # the marked headings whose sections are still open, outermost first
    for k, level in enumerate(levels):
        if level is not None:
            while open_sections and levels[open_sections[-1]] >= level:
                open_sections.pop()
        parents.append(open_sections[-1] if open_sections else -1)
        if level is not None:
            open_sections.append(k)
    return parents


def _between(ends: list[int], start: int, end: int, size: int) -> Segment:
    """The segment between two boundaries that holds [start, end)."""
    i = bisect.bisect_right(ends, start)
    j = bisect.bisect_left(ends, end)
    return Segment(ends[i - 1] if i else 0, ends[j] if j < len(ends) else size)


def _soft_breaks(text: str, min_line: int) -> set[int]:
    """Offsets of the line breaks that do not end a sentence (see _NUMBER_BREAK above)."""
    soft = {m.start() for m in _NUMBER_BREAK.finditer(text)}
    for match in _CLAUSE_BREAK.finditer(text):
        soft.update(range(match.start(), match.end()))
    for match in _WRAP_BREAK.finditer(text):
        if match.start() - (text.rfind("\n", 0, match.start()) + 1) >= min_line:
            soft.update(range(match.start(), match.end()))
    return soft
