"""Kind cues (rules/kind.yaml): the words before or after a figure that make it a target or an
actual value, ranked by distance within their scope. context.py adds the defaults.
"""
from __future__ import annotations

import bisect

import regex

from reform_facts.extractors.layout import Segment
from reform_facts.rulebook import KindCue, Rulebook
from reform_facts.claim import Kind

# a cue of a wider scope ranks behind every cue of a narrower one that is no further away than this
SCOPE_WEIGHT = {"clause": 0, "sentence": 10_000, "paragraph": 20_000}


class KindCues:
    """The cues of rules/kind.yaml compiled once, in the file's order (it breaks ties)."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.cues = [(cue, self._pattern(cue)) for cue in book.kind.cues]
        # per scope, the patterns of its backward cues: a segment's matches are found for all of
        # them at once, the first time a figure there asks
        self.backward: dict[str, list[regex.Pattern[str]]] = {}
        # (scope, slot among the scope's backward cues or None, pattern, weight, kind, cue id)
        table = []
        for cue, pattern in self.cues:
            slot = None
            if cue.direction == "backward":
                slot = len(self.backward.setdefault(cue.scope, []))
                self.backward[cue.scope].append(pattern)
            table.append((cue.scope, slot, pattern, SCOPE_WEIGHT[cue.scope], cue.kind, cue.id))
        self.table = tuple(table)

    def _pattern(self, cue: KindCue) -> regex.Pattern[str]:
        if cue.pattern:
            return self.book.compile(cue.pattern, where=f"kind.yaml: {cue.id}")
        words = sorted(cue.surfaces, key=len, reverse=True)
        return regex.compile("|".join(regex.escape(w) for w in words))

    def ranking(self, text: str) -> CueRanking:
        return CueRanking(self, text)


class CueRanking:
    """The best cue of each figure of one document."""

    def __init__(self, cues: KindCues, text: str) -> None:
        self.cues = cues
        self.text = text
        self._ends: dict[tuple[str, Segment], list[list[int]]] = {}  # (scope, segment): each cue's ends

    def best(self, start: int, end: int, segments: dict[str, Segment]) -> tuple[Kind, str] | None:
        """The kind and id of the nearest cue (by rank: distance plus the scope's weight; the
        first in the file on a tie), None if no cue applies. `segments` gives each scope's segment.

        >>> from reform_facts.rulebook import load_rulebook
        >>> text = "力争到2027年，基层诊疗量占比达65%"
        >>> whole = {scope: Segment(0, len(text)) for scope in SCOPE_WEIGHT}
        >>> KindCues(load_rulebook()).ranking(text).best(17, 20, whole)
        (<Kind.TARGET: 'target'>, 'kind.target.strive')
        """
        ends_of = {}
        for scope, patterns in self.cues.backward.items():
            segment = segments[scope]
            found = self._ends.get((scope, segment))
            if found is None:
                found = self._ends[scope, segment] = [self._cue_ends(pattern, segment) for pattern in patterns]
            ends_of[scope] = found
        best: tuple[int, Kind, str] | None = None
        for scope, slot, pattern, weight, kind, cue_id in self.cues.table:
            if slot is not None:
                # the nearest cue before the figure: the last match ending by its start (matches
                # do not overlap, so their ends rise and nearer ones rank strictly better);
                # every figure of the clause, sentence or paragraph shares the segment's matches
                ends = ends_of[scope][slot]
                before = bisect.bisect_right(ends, start)
                if before:
                    rank = start - ends[before - 1] + weight
                    if best is None or rank < best[0]:
                        best = (rank, kind, cue_id)
                continue
            # search to the segment's end so look-aheads see the figure; keep matches inside lo..hi
            segment = segments[scope]
            for match in pattern.finditer(self.text, end, segment.end):
                if match.end() > segment.end:
                    break
                rank = match.start() - end + weight
                if best is None or rank < best[0]:
                    best = (rank, kind, cue_id)
        return None if best is None else (best[1], best[2])

    def _cue_ends(self, pattern: regex.Pattern[str], segment: Segment) -> list[int]:
        """Ends of a cue's matches in a segment, searched to its end so that look-aheads see the
        figure."""
        return [m.end() for m in pattern.finditer(self.text, segment.start, segment.end)]
