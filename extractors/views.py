"""The text the rules match: the document's text with traditional characters read as simplified.

The mapping is one character for one character (OpenCC's TSCharacters table, first reading), so
every offset into the view is an offset into the stored text: claims take their `text` and
indicator from the stored text, verbatim, and their region from the simplified view.
"""
from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path


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
def _traditional() -> frozenset[str]:
    return frozenset(chr(c) for c in traditional_to_simplified())


def simplified_view(text: str) -> str:
    """The text with traditional characters mapped to simplified; same length, same offsets.

    Most documents have none: a search for one is much cheaper than translating.
    """
    if _traditional().isdisjoint(text):
        return text
    return text.translate(traditional_to_simplified())
