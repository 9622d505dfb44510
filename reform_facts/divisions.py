"""Administrative divisions with their GB/T 2260 codes: the data every layer resolves regions to.

Read from jionlp's china_location dictionary (provinces, prefectures, counties with codes) as
data, without importing jionlp itself, plus the additions of rules/regions.yaml (全国, 兵团).
"""
from __future__ import annotations

import importlib.util
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reform_facts.rulebook import RegionsFile

LEVELS = ("country", "province", "prefecture", "county")
COUNTRY_CODE = "100000"
_DIVISION_LINE = re.compile(r"^\t{0,2}[^\t\n][^\n]*", re.M)  # a line indented at most twice: down to counties


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    code: str
    level: str
    parent: str | None


def dictionary_text() -> str:
    """jionlp's china_location dictionary. The wheel ships it zipped and jionlp unzips it on
    first import; read the zip directly so that nothing depends on jionlp having run."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jionlp is not installed: run the setup (make setup)")
    folder = Path(list(spec.submodule_search_locations)[0]) / "dictionary"
    with zipfile.ZipFile(folder / "china_location.zip") as archive:
        return archive.read("china_location.txt").decode("utf-8")


@cache
def dataset_regions() -> tuple[tuple[Region, str], ...]:
    """Every division of the dataset with its short alias, in the dataset's order."""
    rows: list[tuple[Region, str]] = []
    parents: list[str] = []
    for line in _DIVISION_LINE.findall(dictionary_text()):  # of 700 000 lines, the 3 600 not of towns
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip().split("\t")
        if depth > 2 or len(parts) < 2 or not parts[1].isdigit():
            continue
        parents = parents[:depth]
        parent = parents[-1] if parents else COUNTRY_CODE
        # Municipalities repeat themselves as their own prefecture (上海市 > 上海市): keep one.
        if depth == 1 and parts[1] == parent:
            parents.append(parts[1])
            continue
        region = Region(parts[0], parts[1], LEVELS[depth + 1], parent)
        rows.append((region, parts[2] if len(parts) > 2 else ""))
        parents.append(parts[1])
    return tuple(rows)


def by_code(rules: RegionsFile) -> dict[str, Region]:
    """Every region by code: the additions first, then the dataset; the first name given for a
    code wins (a city over its 市直辖行政区划 row).

    >>> from reform_facts.rulebook import load_rulebook
    >>> by_code(load_rulebook().regions)["420111"].name
    '洪山区'
    """
    table: dict[str, Region] = {}
    for addition in rules.additions:
        table.setdefault(addition.code, Region(addition.name, addition.code, addition.level, addition.parent))
    for region, _alias in dataset_regions():
        table.setdefault(region.code, region)
    return table
