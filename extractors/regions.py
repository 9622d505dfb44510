"""The gazetteer: administrative divisions with their GB/T 2260 codes.

Built from jionlp's china_location dictionary (provinces, prefectures, counties with codes),
which is read as data without importing jionlp itself, plus the additions of rules/regions.yaml.
"""
from __future__ import annotations

import bisect
import importlib.util
import zipfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import NamedTuple

import ahocorasick_rs
import regex

from reform_facts.divisions import LEVELS, Region, dataset_regions
from reform_facts.rulebook import RegionsFile, compile_pattern


class Mention(NamedTuple):
    """A region name found in a text, with the accessors of a regex match (a named tuple: a
    document has thousands, built faster than a frozen dataclass)."""

    surface: str
    begin: int
    finish: int

    def group(self) -> str:
        return self.surface

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish

    def span(self) -> tuple[int, int]:
        return self.begin, self.finish


class NameIndex:
    """Where names occur in one text (`Gazetteer.names_in`), as (start, end) pairs sorted by start."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [start for start, _end in spans]
        self.ends = [end for _start, end in spans]

    def longest_at(self, lo: int, hi: int) -> dict[int, int]:
        """For each offset of text[lo:hi] where a name starts, the end of the longest one there
        that ends by `hi`: the names a search of text[lo:hi] alone would find."""
        found: dict[int, int] = {}
        starts, ends = self.starts, self.ends
        k = bisect.bisect_left(starts, lo)
        while k < len(starts) and starts[k] < hi:
            if ends[k] <= hi and ends[k] > found.get(starts[k], -1):
                found[starts[k]] = ends[k]
            k += 1
        return found


class Gazetteer:
    """Finds region mentions in text and resolves names to official names and codes."""

    def __init__(self, rules: RegionsFile) -> None:
        self.max_idf = rules.common_word_max_idf
        self._words: tuple[frozenset[str], frozenset[str]] | None = None
        self._short_surfaces: dict[str, bool] | None = None
        self.by_code: dict[str, Region] = {}
        self.aliases: set[str] = set()  # short forms, as opposed to official names
        self.by_surface: dict[str, list[Region]] = {}
        self.declared: set[str] = set()  # the additions' surfaces: names by rule, never common words
        for addition in rules.additions:
            region = Region(addition.name, addition.code, addition.level, addition.parent)
            self._add(region, [addition.name, *addition.surfaces])
            self.declared.update([addition.name, *addition.surfaces])
        autonomous = compile_pattern(rules.autonomous_short_form,
                                     {"PEOPLE": "|".join(map(regex.escape, rules.autonomous_peoples))},
                                     where="regions.yaml: autonomous_short_form")
        written: dict[str, list[Region]] = {}  # autonomous divisions' short forms: 瀍河区, 孟村县
        county_short: dict[str, list[Region]] = {}  # county-level divisions' short forms: 罗田
        for region, alias in dataset_regions():
            if region.level == "county" and region.name[-1:] in rules.county_short_form_ends:
                for short in (alias or "").split("/"):
                    if len(short) >= 2 and short != region.name:
                        county_short.setdefault(short, []).append(region)
            surfaces = [region.name]
            # Short forms of provinces and prefectures (山东, 宜昌) are safe; of counties they are not.
            if region.level in ("province", "prefecture"):
                for short in _short_forms(region.name, alias):
                    if short not in rules.ignore:
                        surfaces.append(short)
                        self.aliases.add(short)
            if region.level in ("prefecture", "county"):
                for short in _autonomous_forms(region.name, alias, autonomous):
                    written.setdefault(short, []).append(region)
            self._add(region, surfaces)
        for short, regions in written.items():
            # a short form that names another division, or two autonomous ones, names none
            if len(regions) == 1 and short not in self.by_surface and short not in rules.ignore:
                self._add(regions[0], [short])
        # a county's short form names it only when no other division has it (checked against
        # every name and short form above); common words are left out on first use (`title_short`)
        self._county_short = {short: regions[0] for short, regions in county_short.items()
                              if len(regions) == 1 and short not in self.by_surface and short not in rules.ignore}
        self._title_short: tuple[list[str], ahocorasick_rs.AhoCorasick] | None = None
        for short, official in rules.aliases.items():
            self.by_surface.setdefault(short, []).extend(self.by_surface.get(official, []))
        self.deictic = {s: rule.level for rule in rules.deictic for s in rule.surfaces}
        surfaces = list(dict.fromkeys([*self.by_surface, *self.deictic]))
        # Aho-Corasick, leftmost-longest: the same matches as the trie regex, ~70x faster; as a
        # DFA (same matches, whatever the implementation) a fifth faster again than the default NFA
        dfa = ahocorasick_rs.Implementation.DFA
        self._automaton = ahocorasick_rs.AhoCorasick(surfaces, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                                                     implementation=dfa)
        self._surfaces = surfaces
        self._every = ahocorasick_rs.AhoCorasick(surfaces, implementation=dfa)  # standard kind: overlapping matches
        # answers that depend on the dataset only, worked out once: a name's region when nothing
        # says which one is meant, and every code's chain of ancestors
        self._highest = {surface: min(candidates, key=lambda r: LEVELS.index(r.level))
                         for surface, candidates in self.by_surface.items() if candidates}
        self._chains = {code: tuple(self._ancestry(code)) for code in self.by_code}

    def _add(self, region: Region, surfaces: Iterable[str]) -> None:
        self.by_code.setdefault(region.code, region)
        for surface in dict.fromkeys(surfaces):
            self.by_surface.setdefault(surface, []).append(region)

    def mentions(self, text: str, start: int = 0, end: int | None = None) -> list[Mention]:
        """Region names and deictic words in text[start:end], leftmost-longest, left to right. A
        short form or a two-character name counts only where it stands as a word: 中卫 in 其中卫生
        does not (`inside_word`); nor does a two-character name that is itself a common word
        (城区, 郊区, 矿区: the urban area, not 晋城市城区)."""
        piece = text[start:end] if start or end is not None else text
        surfaces, short = self._surfaces, self._short()
        found = []
        for index, lo, hi in self._automaton.find_matches_as_indexes(piece):
            surface = surfaces[index]
            if surface in short and (short[surface] or self.inside_word(text, start + lo, start + hi)):
                continue
            found.append(Mention(surface, start + lo, start + hi))
        return found

    def title_short(self, title: str) -> list[tuple[Mention, Region]]:
        """The short forms of county-level divisions in a title (罗田 in 罗田统计年鉴), with the
        division each names: only forms that one division gives and that are no common word, and
        only where they stand as a word (see county_short_form_ends in rules/regions.yaml).

        >>> from reform_facts.rulebook import load_rulebook
        >>> [(m.surface, r.code) for m, r in Gazetteer(load_rulebook().regions).title_short("罗田统计年鉴—2023")]
        [('罗田', '421123')]
        """
        if self._title_short is None:
            common, _words = self._lexicon()
            forms = [short for short in self._county_short if short not in common]
            self._title_short = forms, ahocorasick_rs.AhoCorasick(
                forms, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
        forms, automaton = self._title_short
        return [(Mention(forms[index], lo, hi), self._county_short[forms[index]])
                for index, lo, hi in automaton.find_matches_as_indexes(title)
                if not self.inside_word(title, lo, hi)]

    def _short(self) -> dict[str, bool]:
        """The surfaces that must stand as words (short forms, two-character names), each with
        whether it is a common word (then never a mention). Found once, from the lexicon."""
        if self._short_surfaces is None:
            common, _words = self._lexicon()
            # the rules' own additions (兵团) and the country (全国, 我国) are names wherever they stand
            trusted = self.declared | {s for s, regions in self.by_surface.items()
                                       if any(r.level == "country" for r in regions)}
            self._short_surfaces = {
                surface: surface in common and surface not in self.aliases
                for surface in self.by_surface
                if surface in self.aliases or (len(surface) <= 2 and surface not in trusted)}
        return self._short_surfaces

    def inside_word(self, text: str, lo: int, hi: int) -> bool:
        """Whether text[lo:hi] is part of other words: a common word of the lexicon crosses one
        of its ends (其中|卫生 around 中卫), or a word of the lexicon holds it (中山大学).

        >>> from reform_facts.rulebook import load_rulebook
        >>> gazetteer = Gazetteer(load_rulebook().regions)
        >>> gazetteer.inside_word("其中卫生院3家", 1, 3), gazetteer.inside_word("宁夏中卫的医院", 2, 4)
        (True, False)
        """
        common, words = self._lexicon()
        for a in range(max(0, lo - 3), lo + 1):
            for b in range(hi, min(len(text), hi + 3) + 1):
                if (a, b) != (lo, hi) and text[a:b] in words:
                    return True  # a longer word holds it
        for a in range(max(0, lo - 2), lo):
            for b in range(lo + 1, hi):
                if text[a:b] in common:
                    return True  # a common word crosses its start
        for a in range(lo + 1, hi):
            for b in range(hi + 1, min(len(text), hi + 2) + 1):
                if text[a:b] in common:
                    return True  # or its end
        return False

    def _lexicon(self) -> tuple[frozenset[str], frozenset[str]]:
        if self._words is None:
            self._words = lexicon(self.max_idf)
        return self._words

    def names_in(self, text: str) -> NameIndex:
        """Every place a name or deictic word occurs in the text (overlapping ones too), found
        in one pass: what a search for names in any stretch of the text reads.

        >>> from reform_facts.rulebook import load_rulebook
        >>> Gazetteer(load_rulebook().regions).names_in("在武汉市洪山区").longest_at(1, 7)
        {1: 4, 4: 7}
        """
        return NameIndex(sorted((lo, hi) for _index, lo, hi in
                                self._every.find_matches_as_indexes(text, overlapping=True)))

    def resolve(self, surface: str, *, near: Region | None = None) -> Region | None:
        """The region a surface names, preferring one inside `near` when the name is shared.

        >>> from reform_facts.rulebook import load_rulebook
        >>> Gazetteer(load_rulebook().regions).resolve("洪山区").code
        '420111'
        """
        candidates = self.by_surface.get(surface)
        if not candidates:
            return None
        if near is not None and len(candidates) > 1:
            for candidate in candidates:
                if near.code in self._chain(candidate.code):
                    return candidate
        return self._highest[surface]

    def ancestors(self, region: Region) -> list[str]:
        """Codes from the region up to the country, the region's own first."""
        return list(self._chain(region.code))

    def common_parent(self, regions: list[Region]) -> Region | None:
        """The nearest division above every one of `regions` (包头、赤峰、乌海 → 内蒙古自治区)."""
        chains = [self._chain(r.code) for r in regions]
        common = [code for code in chains[0][1:] if all(code in chain for chain in chains[1:])]
        return self.by_code.get(common[0]) if common else None

    def _chain(self, code: str) -> tuple[str, ...]:
        found = self._chains.get(code)
        return found if found is not None else tuple(self._ancestry(code))

    def _ancestry(self, code: str) -> list[str]:
        chain = [code]
        while (parent := self.by_code.get(chain[-1])) and parent.parent and parent.parent not in chain:
            chain.append(parent.parent)
        return chain

    def at_level(self, region: Region, level: str) -> Region | None:
        """The region itself or its ancestor at `level`.

        A city that answers to no prefecture stands for itself at prefecture level: the
        municipalities (重庆市 is a province) and the county-level cities under a province's
        direct administration (仙桃市 under 省直辖行政区划, a grouping, not a place).
        """
        for code in self._chain(region.code):
            candidate = self.by_code.get(code)
            if candidate and candidate.level == level:
                if self.is_grouping(candidate):
                    return region if region.name.endswith("市") else None
                return candidate
        if level == "prefecture" and region.level == "province" and region.name.endswith("市"):
            return region
        return None

    @staticmethod
    def is_grouping(region: Region) -> bool:
        """省直辖行政区划 and the like: a statistical grouping of the dataset, not a place."""
        return "直辖" in region.name


@cache
def lexicon(max_idf: float) -> tuple[frozenset[str], frozenset[str]]:
    """(common words, all words) of two to five characters, from jionlp's word list with its
    inverse document frequencies (read as data, like the divisions): a word is common when its
    IDF is at most `max_idf`. What a segmenter would know of word boundaries, at a look-up's cost."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jionlp is not installed: run the setup (make setup)")
    folder = Path(list(spec.submodule_search_locations)[0]) / "dictionary"
    with zipfile.ZipFile(folder / "idf.zip") as archive:
        text = archive.read("idf.txt").decode("utf-8")
    common, every = set(), set()
    for line in text.splitlines():
        word, _, idf = line.partition("\t")
        if 2 <= len(word) <= 5:
            every.add(word)
            if idf and float(idf) <= max_idf:
                common.add(word)
    return frozenset(common), frozenset(every)


def _short_forms(name: str, alias: str | None) -> list[str]:
    """The dataset's short forms of a name (several are written 克州/克孜勒苏), and an autonomous
    prefecture's usual one: its short form and 州 (阿坝州 for 阿坝藏族羌族自治州).

    >>> _short_forms("阿坝藏族羌族自治州", "阿坝"), _short_forms("克孜勒苏柯尔克孜自治州", "克州/克孜勒苏")
    (['阿坝', '阿坝州'], ['克州', '克孜勒苏', '克孜勒苏州'])
    """
    forms = [form for form in (alias or "").split("/") if len(form) >= 2]
    if name.endswith("自治州"):
        forms += [form + "州" for form in forms if not form.endswith("州")]
    return list(dict.fromkeys(forms))


def _autonomous_forms(name: str, alias: str | None, pattern: regex.Pattern[str]) -> list[str]:
    """How an autonomous division is written without its peoples and 自治 (`pattern`, from
    regions.yaml): its stem and level character, and the dataset's short forms with that character
    (屏边县 for 屏边苗族自治县; 东乡县, 莫旗 as the dataset gives them). Other names give none.

    >>> from reform_facts.rulebook import load_rulebook
    >>> rules = load_rulebook().regions
    >>> people = compile_pattern(rules.autonomous_short_form, {"PEOPLE": "|".join(rules.autonomous_peoples)}, where="doc")
    >>> _autonomous_forms("瀍河回族区", "瀍河", people), _autonomous_forms("莫力达瓦达斡尔族自治旗", "莫旗", people)
    (['瀍河区'], ['莫力达瓦旗', '莫旗'])
    >>> _autonomous_forms("东乡族自治县", "东乡县", people), _autonomous_forms("洪山区", "洪山", people)
    (['东乡县'], [])
    """
    match = pattern.match(name)
    if match is None and "自治" not in name:
        return []
    level = name[-1]
    forms = [match.group("stem") + match.group("level")] if match else []
    for form in (alias or "").split("/"):
        if len(form) >= 2:
            forms.append(form if form.endswith(level) else form + level)
    return list(dict.fromkeys(forms))
