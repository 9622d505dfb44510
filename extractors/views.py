"""The text the rules match: the document's text with traditional characters read as simplified.

The mapping is one character for one character (OpenCC's TSCharacters table, first reading), so
every offset into the view is an offset into the stored text: claims take their `text` and
indicator from the stored text, verbatim, and their region from the simplified view.
"""
from __future__ import annotations

import importlib.util
import re
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


_HAN_BREAK = re.compile(r"(?<=[\u4e00-\u9fff])\n+(?=[\u4e00-\u9fff])")


def without_han_breaks(text: str) -> tuple[str, list[int] | None]:
    r"""The text with line breaks between two Han characters removed (重\n\n庆市 -> 重庆市), and
    for each character of it the offset of the same character in `text` (None: nothing removed).

    >>> joined, offsets = without_han_breaks("重\n\n庆市")
    >>> joined, offsets[1]
    ('重庆市', 3)
    """
    if _HAN_BREAK.search(text) is None:
        return text, None
    removed: set[int] = set()
    for match in _HAN_BREAK.finditer(text):
        removed.update(range(match.start(), match.end()))
    offsets = [i for i in range(len(text)) if i not in removed]
    offsets.append(len(text))
    return "".join(text[i] for i in offsets[:-1]), offsets
