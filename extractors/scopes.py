"""The scopes around a figure that context.py searches, and their caches.

`ScopeFinder` gives a span's scopes per field: the narrow ones that hold it (clause, sentence)
and the wide ones before its sentence (paragraph, earlier paragraphs' openings, headings). A
search walks them nearest first and usually stops at the first few: `Scopes`, `Wide` and
`Rest` make a scope only when it is read, and let every figure of a paragraph share the same
ones instead of copying them.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

from reform_facts.extractors.layout import Layout, Segment

# scopes that do not hold the span: they stand before its sentence (context.yaml: scopes)
WIDE = ("paragraph", "previous_paragraphs", "heading")

Scope = tuple[str, Segment, int]
Group = tuple["list[Scope] | Scopes", int, int]  # scopes[lo:hi], in text order, read nearest first


class Scopes:
    """(name, segment, end) of the k-th opening or heading, made when first read: a figure's
    search usually stops at the nearest few."""

    __slots__ = ("name", "segment", "made")

    def __init__(self, name: str, segment: Callable[[int], Segment], size: int) -> None:
        self.name, self.segment, self.made = name, segment, [None] * size

    def __getitem__(self, k: int) -> Scope:
        found = self.made[k]
        if found is None:
            segment = self.segment(k)
            found = self.made[k] = (self.name, segment, segment.end)
        return found


class Wide:
    """A figure's wide scopes, nearest first: groups of stretches of the document's openings
    and headings, read backwards as they are iterated rather than copied for every sentence."""

    __slots__ = ("groups", "_end")

    def __init__(self, groups: tuple[Group, ...]) -> None:
        self.groups = groups
        self._end: int | None = None

    @property
    def end(self) -> int:
        """Where the last of them ends (disjoint and in text order, a stretch's last ends last):
        a span starting there or later lies outside them all. Found when first asked for (only
        the year's search asks)."""
        if self._end is None:
            self._end = max((scopes[hi - 1][1].end for scopes, lo, hi in self.groups if hi > lo), default=-1)
        return self._end

    def __iter__(self) -> Iterator[Scope]:
        for scopes, lo, hi in self.groups:
            for k in range(hi - 1, lo - 1, -1):
                yield scopes[k]

    def after(self, i: int) -> Iterable[Scope]:
        """The scopes after the i-th, read only if asked for (by a deictic word)."""
        return Rest(self, i + 1)


class Rest:
    """The scopes of an iterable after its first `skip`, iterated afresh each time."""

    __slots__ = ("scopes", "skip")

    def __init__(self, scopes: Iterable[Scope], skip: int) -> None:
        self.scopes, self.skip = scopes, skip

    def __iter__(self) -> Iterator[Scope]:
        return itertools.islice(self.scopes, self.skip, None)


class ScopeFinder:
    """A document's scopes around a span, by the field's scope names (context.yaml: scopes).
    The wide ones depend on the place of the span's start only and are found once per place."""

    def __init__(self, layout: Layout, narrow_names: dict[str, tuple[str, ...]],
                 wide_names: dict[str, list[str]], *, window: int = 8) -> None:
        self.layout = layout
        self.window = window
        self.narrow_names, self.wide_names = narrow_names, wide_names
        self._wide_cache: dict[tuple, object] = {}
        self._wide_of: dict[tuple, tuple[tuple, Wide]] = {}  # (field, place): what `wide` gives

    def narrow(self, start: int, end: int, field: str, clause: Segment | None = None,
               sentence: Segment | None = None) -> list[Scope]:
        """The scopes before the field's wide tail (clause, sentence): they hold the span. The
        span's clause and sentence are looked up unless given."""
        out: list[Scope] = []
        for name in self.narrow_names[field]:
            if name == "clause":
                out.append((name, clause or self.layout.clause(start, end), start))
            elif name == "sentence":
                out.append((name, sentence or self.layout.sentence(start, end), start))
            elif name in WIDE:
                out.extend(self._wide_scopes(start, [name]))  # a Wide iterates its scopes
        return out

    def wide(self, start: int, field: str) -> tuple[tuple, Wide]:
        """The field's wide scopes and a key that stands for them (DocumentContext caches what
        they say under it)."""
        place = self.layout.place(start)
        found = self._wide_of.get((field, place))
        if found is None:
            names = self.wide_names[field]
            found = self._wide_of[field, place] = (*names, *place), self._wide_scopes(start, names, place)
        return found

    def _wide_scopes(self, start: int, names: list[str], place: tuple[int, bool, int, int] | None = None
                     ) -> Wide:
        """Scopes that depend on the paragraph, sentence and heading of the span's start only
        (see Layout.place): every figure there shares them, so they are found once."""
        place = place or self.layout.place(start)
        key = (*names, *place)
        found = self._wide_cache.get(key)
        if found is None:
            found = self._wide_cache[key] = Wide(tuple(self._wide_scope(start, name, place) for name in names))
        return found

    def _wide_scope(self, start: int, name: str, place: tuple[int, bool, int, int]) -> Group:
        paragraph, inside, sentence, heading = place
        if name == "paragraph":
            key = (name, paragraph, inside, sentence)
            found = self._wide_cache.get(key)
            if found is None:
                before = self.layout.paragraph_before(start)
                found = self._wide_cache[key] = ([(name, before, before.end)] if before else [], 0, 1 if before else 0)
            return found
        # the earlier paragraphs' openings depend on the paragraph and heading only, the
        # headings on the heading only: every sentence there shares the same group
        key = (name, paragraph, heading) if name == "previous_paragraphs" else (name, heading)
        found = self._wide_cache.get(key)
        if found is None:
            # a fixed window of the nearest: what a figure looks back at is bounded, so time stays
            # linear in the document (a thousand paragraphs saying 全市 each look at a few)
            if name == "previous_paragraphs":
                lo, hi = self.layout.previous_range(start)
                found = (self._scopes_of(name, self.layout.opening, len(self.layout.paragraphs)),
                         max(lo, hi - self.window), hi)
            elif name == "heading":
                found = (self._scopes_of(name, self.layout.headings.__getitem__, len(self.layout.headings)),
                         max(0, heading - self.window), heading)
            else:
                found = [], 0, 0
            self._wide_cache[key] = found
        return found

    def _scopes_of(self, name: str, segment, size: int) -> Scopes:
        """(name, segment, its end) for the openings or headings of the document, in text order:
        a figure's scopes are a stretch of these, read backwards."""
        found = self._wide_cache.get((name, "all"))
        if found is None:
            found = self._wide_cache[name, "all"] = Scopes(name, segment, size)
        return found
