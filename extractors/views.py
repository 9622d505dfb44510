"""The text the rules match: the document's text with traditional characters read as simplified,
and full-width digits as ASCII.

The mapping is one character for one character (OpenCC's TSCharacters table, first reading), so
every offset into the view is an offset into the stored text: claims take their `text` and
indicator from the stored text, verbatim, and their region from the simplified view.
"""
from __future__ import annotations

import bisect
import importlib.util
import re
from functools import cache
from pathlib import Path

import ahocorasick_rs


def _opencc_dictionary() -> Path:
    spec = importlib.util.find_spec("opencc")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("opencc-python-reimplemented is not installed: run the setup (make setup)")
    return Path(list(spec.submodule_search_locations)[0]) / "dictionary" / "TSCharacters.txt"


@cache
def traditional_to_simplified() -> dict[int, str]:
    """A str.translate table from traditional to simplified characters, one to one.

    >>> "武漢市簽約覆蓋率".translate(traditional_to_simplified())
    '武汉市签约覆盖率'
    """
    table: dict[int, str] = {}
    for line in _opencc_dictionary().read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        first = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(first) == 1 and source != first:
            table[ord(source)] = first
    return table


@cache
def _traditional() -> ahocorasick_rs.AhoCorasick:
    """An automaton over the traditional characters: it finds whether a text holds any in a
    quarter of the time a set's `isdisjoint` takes (no Python string per character)."""
    return ahocorasick_rs.AhoCorasick([chr(c) for c in traditional_to_simplified()],
                                      implementation=ahocorasick_rs.Implementation.DFA)


# full-width digits and decimal point as ASCII: one set of number, year and date patterns reads both
_FULL_WIDTH = re.compile("[０-９．]")
_ASCII_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")


def simplified_view(text: str) -> str:
    """The text with traditional characters mapped to simplified and full-width digits to ASCII;
    same length, same offsets.

    Most documents have neither: a search for one is much cheaper than translating.

    >>> simplified_view("２０２５年達到６．８張")
    '2025年达到6.8张'
    """
    if _traditional().find_matches_as_indexes(text):
        text = text.translate(traditional_to_simplified())
    if _FULL_WIDTH.search(text):
        text = text.translate(_ASCII_DIGITS)
    return text


# a run of line breaks followed by a Han character; its left neighbour is checked in `han_breaks`
# (a look-behind here would keep the engine from skipping ahead to line breaks)
_BREAK_BEFORE_HAN = re.compile(r"\n+(?=[\u4e00-\u9fff])")


def han_breaks(text: str) -> list[tuple[int, int]]:
    r"""The (start, end) spans of line breaks between two Han characters, in order.

    >>> han_breaks("重\n\n庆市\na\n山")
    [(1, 3)]
    """
    return [m.span() for m in _BREAK_BEFORE_HAN.finditer(text)
            if m.start() and "\u4e00" <= text[m.start() - 1] <= "\u9fff"]


def remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    r"""The text without the given (start, end) spans, which are in order and do not overlap:
    with the spans of `han_breaks`, the text with line breaks between Han characters removed.

    >>> remove_spans("重\n\n庆市\n山", han_breaks("重\n\n庆市\n山"))
    '重庆市山'
    """
    pieces, kept = [], 0
    for start, end in spans:
        pieces.append(text[kept:start])
        kept = end
    pieces.append(text[kept:])
    return "".join(pieces)


class JoinedOffsets:
    r"""Maps offsets of the text without Han breaks back to the stored text, by bisection over
    the removed spans.

    >>> joined = JoinedOffsets(han_breaks("重\n\n庆市"))
    >>> joined.original(1), joined.original(0)
    (3, 0)
    """

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self._at: list[int] = []  # where each removed span sits in the joined text
        self._shift: list[int] = []  # characters removed up to and including that span
        removed = 0
        for start, end in spans:
            self._at.append(start - removed)
            removed += end - start
            self._shift.append(removed)

    def original(self, joined: int) -> int:
        i = bisect.bisect_right(self._at, joined)
        return joined + (self._shift[i - 1] if i else 0)
