"""Find quantity spans and resolve them: value, unit, quantity type, comparator, exclusions.

Finding is one pass of the compiled quantity pattern of rules/numbers.yaml; resolving reads the
match's named groups against units, scales, comparators and exclusions. Nothing here knows
about region, year or kind (context.py) or the indicator (indicators.py).
"""
from __future__ import annotations

import bisect
import math
import operator
from collections.abc import Iterator
from dataclasses import dataclass, replace

import regex

from reform_facts.extractors.numbers import is_chinese_numeral, parse_number
from reform_facts.rulebook import FLAGS, ExclusionRule, Rulebook, UnitRule
from reform_facts.claim import Comparator, QuantityType
from reform_facts.structure import Structure, StructurePatterns


@dataclass(frozen=True, slots=True)
class Quantity:
    """A resolved quantity span, before context is added."""

    start: int
    end: int
    value: float | None
    value_max: float | None
    unit: str
    quantity_type: QuantityType
    comparator: Comparator
    rule_id: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Rejection:
    start: int
    end: int
    rule_id: str
    reason: str


class QuantityFinder:
    """Compiled from a rulebook once; `find(text)` yields quantities and rejections."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.structure_patterns = StructurePatterns.from_book(book)
        self.quantity = book.compile(book.numbers.quantity, where="numbers.yaml: quantity")
        self.ratio = book.compile(book.numbers.ratio.pattern, where="numbers.yaml: ratio")
        self.ratio_unit = book.units.rule(book.numbers.ratio.unit)
        self.bare_scale = book.compile(book.numbers.bare_scale.pattern, where="numbers.yaml: bare_scale")
        self.bare_scale_rule = book.numbers.bare_scale
        self.bare_scale_unit = book.units.rule(book.numbers.bare_scale.unit)
        noun = book.numbers.noun_scale
        self.noun_scale = (noun, book.units.rule(noun.unit),
                           book.compile(noun.pattern, where="numbers.yaml: noun_scale")) if noun else None
        self.noun_scale_next = (book.compile_optional(noun.next, where="numbers.yaml: noun_scale.next")
                                if noun else None)
        listed = book.numbers.list_unit
        # (rule, its units' surfaces as one pattern, longest first, the list's pattern)
        self.list_unit = (listed, regex.compile("|".join(map(regex.escape, sorted(listed.units, key=len, reverse=True)))),
                          book.compile(listed.pattern, where="numbers.yaml: list_unit")) if listed else None
        self.bare_number = book.compile("{ARABIC}", where="numbers.yaml: list_unit figures")
        index = book.numbers.named_index
        # (rule, [(unit, the name's pattern)], a bare figure, where a name's figures end: the stop or the next name)
        self.named_index = (index, [(name.unit, book.compile(name.pattern, where="numbers.yaml: named_index.names"))
                                    for name in index.names],
                            book.compile(index.figure, where="numbers.yaml: named_index.figure"),
                            book.compile(" | ".join([f"(?: {index.stop} )", *(f"(?: {n.pattern} )" for n in index.names)]),
                                         where="numbers.yaml: named_index.stop")) if index else None
        # one figure of a noun_scale's list: a number and its scale
        self.scaled = book.compile("(?P<n1> {ARABIC} ) (?P<s1> {SCALE} )", where="numbers.yaml: noun_scale figures")
        self.units: dict[str, UnitRule] = {s: u for u in book.units.units for s in u.surfaces}
        self.context_window = book.units.requires_context_window
        self.rate_window = book.units.rate_cue_window
        self.rate_classifiers = book.units.rate_classifiers
        # a figure cut short to the head of the unit its list writes at its end: rule id -> (after, shared rule)
        self.shared_units = {rule.unit: (book.compile(rule.after, where=f"units.yaml: shared_units {rule.unit}"),
                                         book.units.rule(rule.shares)) for rule in book.units.shared_units}
        self.cmp_window = book.comparators.window
        self.exclusion_window = book.exclusions.window
        self.scales = {s.surface: s.factor for s in book.numbers.scales}
        # each per-population rule with one pattern for its cues: whether a window holds one is one search
        self.rates = [(rate, regex.compile("|".join(map(regex.escape, rate.cues)))) for rate in book.units.rates]
        # (rule, before, after, span, sentence): the patterns a rule checks, None where it has none
        self.exclusions = [(rule, *map(self._compile_exclusion(rule).get, _AROUND))
                           for rule in book.exclusions.exclusions]
        # the same as `_excluded` reads them for every figure: the rules that check anything, each
        # with its threshold and quantity types and the bound methods of its patterns
        self._checks = tuple(
            (rule, rule.chinese_below, frozenset(rule.quantity_types),
             span and _span_test(span), before and before.search, after and after.match, sentence)
            for rule, before, after, span, sentence in self.exclusions
            if rule.chinese_below is not None or not before is after is span is sentence is None)
        # all the rules' `before` patterns as one, and all their `span` patterns: a figure around
        # which neither finds anything (most figures) skips those patterns, same answer, two searches
        self.any_before = _either([before for _rule, before, _after, _span, _sentence in self.exclusions
                                   if before is not None])
        self.any_span = _either([span for _rule, _before, _after, span, _sentence in self.exclusions
                                 if span is not None])
        self.numerals = _single_numerals(book)
        # the named groups `_resolve` reads, picked from `match.groups()` by index in one C call:
        # read by name, a group costs five times as much, and every figure reads seven
        self._slots = operator.itemgetter(*(self.quantity.groupindex[name] - 1 for name in _GROUPS))
        gap = book.comparators.gap
        before = [(s, c) for c in book.comparators.comparators
                  if c.position == "before" and not c.reach for s in c.surfaces]
        self.cmp_reach = [(regex.compile(f"(?:{'|'.join(map(regex.escape, c.surfaces))})\\p{{Han}}{{0,{c.reach}}}{gap}$"),
                           c.comparator) for c in book.comparators.comparators if c.reach]
        after = [(s, c) for c in book.comparators.comparators if c.position == "after" for s in c.surfaces]
        self.cmp_before = self._word_table(before, f"(?:{{words}}) {gap} $")
        self.cmp_after = self._word_table(after, f"{gap} (?:{{words}})")
        self.cmp_inside = {s: c.comparator for c in book.comparators.comparators
                           if c.position == "inside" for s in c.surfaces}
        self.list_joiners = frozenset(book.indicators.list_joiners)

    def _compile_exclusion(self, rule: ExclusionRule) -> dict[str, regex.Pattern[str]]:
        return {key: self.book.compile(getattr(rule, key), where=f"exclusions.yaml: {rule.id}.{key}")
                for key in _AROUND if getattr(rule, key)}

    @staticmethod
    def _word_table(pairs, template: str):
        words = sorted(pairs, key=lambda p: len(p[0]), reverse=True)
        alternation = "|".join(f"(?P<w{i}>{regex.escape(s)})" for i, (s, _c) in enumerate(words))
        pattern = regex.compile(template.replace("{words}", alternation), regex.VERBOSE)
        return pattern, [c.comparator for _s, c in words]

    # --- finding ----------------------------------------------------------------------
    def find(self, text: str, structure: Structure | None = None) -> Iterator[Quantity | Rejection]:
        """The quantities of a text, and the candidates rejected; `structure` is the text's
        (reform_facts.structure: its sentences and clauses), built here unless given."""
        structure = structure or Structure(text, self.structure_patterns)
        taken_starts: list[int] = []  # the ratios' spans, in order: no quantity is read inside one
        taken_ends: list[int] = []
        # what this text's figures share: numerals read (those the rules spell out read when the
        # rules were), and where each exclusion's sentence pattern occurs (one search of the text)
        seen: dict = dict(self.numerals)
        seen[_STRUCTURE] = structure
        for rule, *_around, sentence in self.exclusions:
            if sentence is not None:
                seen[rule.id] = [m.start() for m in sentence.finditer(text)]
        ratio = self.ratio_unit
        ratios: list[Quantity | Rejection] = []
        for match in self.ratio.finditer(text):
            taken_starts.append(match.start())
            taken_ends.append(match.end())
            rejected = self._ratio_excluded(text, match.start(), match.end())
            ratios.append(rejected if rejected is not None else Quantity(
                match.start(), match.end(), None, None, ratio.unit, ratio.quantity_type,
                self._comparator(text, match.start(), match.end(), ""), ratio.id, ratio.confidence))
        # in text order, the few ratios and scales of other patterns among the others: a reader
        # takes the figure before a figure as the one yielded before it (the indicator's previous figure)
        extras = sorted([*ratios, *self._bare_scales(text, seen), *self._noun_scales(text, seen),
                         *self._list_units(text, seen), *self._named_indices(text, seen)],
                        key=operator.attrgetter("start"))
        ordered: list[Quantity | Rejection] = []
        k = 0
        for found in self._plain(text, seen, taken_starts, taken_ends):
            while k < len(extras) and extras[k].start < found.start:
                ordered.append(extras[k])
                k += 1
            ordered.append(found)
        ordered += extras[k:]
        yield from self._shared_comparators(text, ordered)

    def _shared_comparators(self, text: str, found: list[Quantity | Rejection]) -> list[Quantity | Rejection]:
        """A comparator written after the last figure of a list (分别达到65%、64%以上, 95%、85%左右)
        holds for every figure of it that states none of its own (gold/GUIDELINES.md: a shared
        comparator applies to all)."""
        pattern, comparators = self.cmp_after
        k = 0
        while k < len(found):
            # the run of quantities from k joined by list joiners only (65%、64%)
            last = k
            while (last + 1 < len(found) and isinstance(found[last], Quantity) and isinstance(found[last + 1], Quantity)
                   and text[found[last].end:found[last + 1].start].strip() in self.list_joiners):
                last += 1
            shared: Comparator | None = None  # the comparator the figure after this one shares
            for j in range(last, k - 1, -1) if last > k else ():
                own = pattern.match(text, found[j].end, min(len(text), found[j].end + self.cmp_window))
                if own is not None:
                    shared = comparators[int(own.lastgroup[1:])]
                elif shared is not None and found[j].comparator is Comparator.EQ:
                    found[j] = replace(found[j], comparator=shared)
                else:
                    shared = None
            k = last + 1
        return found

    def _plain(self, text: str, seen: dict, taken_starts: list[int], taken_ends: list[int]
               ) -> Iterator[Quantity | Rejection]:
        """The quantities of the quantity pattern, none inside a ratio's span."""
        for match in self.quantity.finditer(text):
            # the first ratio ending after the match starts, if it starts before the match ends
            k = bisect.bisect_right(taken_ends, match.start())
            if k < len(taken_starts) and taken_starts[k] < match.end():
                continue
            try:
                resolved = self._resolve(text, match, seen)
            except ValueError:  # a run of numerals that is no number (三千三六二): never a claim
                resolved = Rejection(match.start(), match.end(), "numbers.unreadable", "not a number")
            yield resolved

    def _bare_scales(self, text: str, seen: dict) -> Iterator[Quantity]:
        rule, unit = self.bare_scale_rule, self.bare_scale_unit
        for match in self.bare_scale.finditer(text):
            yield Quantity(match.start(), match.end(), _number(seen, match.group("n1")), None, unit.unit,
                           unit.quantity_type, self._comparator(text, match.start(), match.end(), ""),
                           rule.id, rule.confidence)

    def _noun_scales(self, text: str, seen: dict) -> Iterator[Quantity]:
        if self.noun_scale is None:
            return
        rule, unit, pattern = self.noun_scale
        for listed in pattern.finditer(text):
            spans = [listed.span("figures")]
            following = self.noun_scale_next.match(text, listed.end()) if self.noun_scale_next else None
            while following is not None:  # the next areas' clauses (；石嘴山市512.3万，…；吴忠市836.9万)
                spans.append(following.span("figures"))
                following = self.noun_scale_next.match(text, following.end())
            for match in (m for span in spans for m in self.scaled.finditer(text, *span)):
                value = _number(seen, match.group("n1"), self.scales[match.group("s1")])
                yield Quantity(match.start(), match.end(), value, None, unit.unit, unit.quantity_type,
                               self._comparator(text, match.start(), match.end(), ""), rule.id, rule.confidence)

    def _named_indices(self, text: str, seen: dict) -> Iterator[Quantity]:
        """The bare decimals after an index's name, up to where its figures end: measures in its unit."""
        if self.named_index is None:
            return
        rule, names, figure, stop = self.named_index
        for unit, pattern in names:
            for named in pattern.finditer(text):
                ends = stop.search(text, named.end())
                for match in figure.finditer(text, named.end(), ends.start() if ends else len(text)):
                    yield Quantity(match.start(), match.end(), _number(seen, match.group()), None, unit,
                                   QuantityType.MEASURE, self._comparator(text, match.start(), match.end(), ""),
                                   rule.id, rule.confidence)

    def _list_units(self, text: str, seen: dict) -> Iterator[Quantity]:
        """The bare numbers of a list that writes its unit after its last figure (0.6、0.9和0.4个百分点):
        each in that unit; the last figure is the quantity pattern's."""
        if self.list_unit is None:
            return
        rule, units, pattern = self.list_unit
        for written in units.finditer(text):  # the list is looked for only before its unit (a few in a text)
            listed = pattern.search(text, max(0, written.start() - rule.window), written.start())
            if listed is None:
                continue
            unit = self.units[written.group()]
            for match in self.bare_number.finditer(text, *listed.span("figures")):
                yield Quantity(match.start(), match.end(), _number(seen, match.group()) * unit.factor, None,
                               unit.unit, unit.quantity_type, self._comparator(text, match.start(), match.end(), ""),
                               rule.id, rule.confidence)

    def _resolve(self, text: str, match: regex.Match[str], seen: dict | None = None) -> Quantity | Rejection:
        seen = {} if seen is None else seen
        start, end = match.span()
        n1, s1, n2, s2, unit, tail, tail1 = self._slots(match.groups())
        unit_rule = self.units[unit]
        chinese = is_chinese_numeral(n1)
        excluded = self._excluded(text, start, end, match, seen, bare_chinese=chinese and not s1,
                                  numeral=n1, unit_rule=unit_rule)
        if excluded is not None:
            return excluded
        if (unit_rule.numerals == "arabic" and chinese and not s1) or (unit_rule.numerals == "chinese" and not chinese):
            return Rejection(start, end, unit_rule.id, "numeral form not used with this unit")
        if unit_rule.requires_context:
            # the window, or the figure's sentence before it where that is longer (人均预期寿命为82.21岁，
            # 比2023年…，比2020年的81.30岁提高0.91岁: the measure is named once for the sentence)
            structure = seen.get(_STRUCTURE)
            lo = max(0, start - self.context_window)
            paragraph = structure.paragraph(start) if structure else None
            window = text[min(lo, paragraph.start if paragraph else structure.sentence(start, end).start)
                          if structure else lo:start]
            if not any(word in window for word in unit_rule.requires_context):
                return Rejection(start, end, unit_rule.id, "unit used without its context")
        shared = self.shared_units.get(unit_rule.id)
        if shared is not None and shared[0].match(text, end):
            unit_rule = shared[1]  # 增长5.6个、2.12个百分点: 5.6个 is in the list's 个百分点
        factor = unit_rule.factor
        value = _number(seen, n1, self.scales.get(s1 or "", 1.0)) * factor
        value_max = None
        if n2:
            scale = s2 or s1 or ""
            value_max = _number(seen, n2, self.scales.get(scale, 1.0)) * factor
            if s2 and not s1:  # 1-2万人: the scale applies to both ends
                value *= self.scales[s2]
        if not math.isfinite(value) or (value_max is not None and not math.isfinite(value_max)):
            return Rejection(start, end, unit_rule.id, "a digit run too long to be a quantity")
        unit, quantity_type = self._unit(text, start, end, unit_rule, seen.get(_STRUCTURE), value)
        comparator = self._comparator(text, start, end, tail or tail1 or "")
        return Quantity(start, end, value, value_max, unit, quantity_type, comparator,
                        unit_rule.id, unit_rule.confidence)

    def _unit(self, text: str, start: int, end: int, unit_rule: UnitRule,
              structure: Structure | None, value: float) -> tuple[str, QuantityType]:
        """A count becomes a rate when a per-population cue stands earlier in the clause (at most
        rate_cue_window characters before the figure), or earlier in the sentence (`_carried`)."""
        if unit_rule.quantity_type is QuantityType.COUNT:
            structure = structure or Structure(text, self.structure_patterns)
            clause = structure.clause(start, end)
            lo = max(clause.start, start - self.rate_window)
            # the classifier as a rate writes it (名 -> 人: 3.12名 per 万人 is 人/万人)
            base = self.rate_classifiers.get(unit_rule.unit, unit_rule.unit)
            for rate, cues in self.rates:
                unit = base + rate.suffix
                if unit in rate.units and cues.search(text, lo, start):
                    return unit, QuantityType.RATE
            carried = self._carried(text, start, end, unit_rule, value, lo, structure)
            if carried is not None:
                return carried, QuantityType.RATE
        return unit_rule.unit, unit_rule.quantity_type

    def _carried(self, text: str, start: int, end: int, unit_rule: UnitRule, value: float,
                 own_start: int, structure: Structure) -> str | None:
        """The rate unit of the nearest rate cue in an earlier clause of the sentence, when it holds
        for the figure: 每千常住人口床位6.87张，比上年提高0.20张; …医师3.05人，注册护士3.72人. Only for a
        value a rate can have (at most the rule's carry_max: 新增床位1200张 is a count), and only
        when every figure between the cue and this one is of the same classifier (a figure of
        another stands for another subject). `own_start`: where the figure's own window starts."""
        lo = structure.sentence(start, end).start
        if lo >= own_start:
            return None
        nearest, rate = None, None
        for candidate, cues in self.rates:
            for cue in cues.finditer(text, lo, own_start):
                if nearest is None or cue.start() > nearest.start():
                    nearest, rate = cue, candidate
        if nearest is None or rate.carry_max is None or value > rate.carry_max:
            return None
        unit = self.rate_classifiers.get(unit_rule.unit, unit_rule.unit) + rate.suffix
        if unit not in rate.units or nearest.start() < structure.sentence(start, end).start:
            return None
        between = self.quantity.finditer(text, nearest.end(), start)
        if all(self.units[found.group("unit")].unit == unit_rule.unit for found in between):
            return unit
        return None

    def _comparator(self, text: str, start: int, end: int, tail: str) -> Comparator:
        if tail:
            return self.cmp_inside[tail]
        pattern, comparators = self.cmp_after
        found = pattern.match(text, end, min(len(text), end + self.cmp_window))
        if found:
            return comparators[int(found.lastgroup[1:])]
        pattern, comparators = self.cmp_before
        found = pattern.search(text, max(0, start - self.cmp_window), start)
        if found:
            return comparators[int(found.lastgroup[1:])]
        for pattern, comparator in self.cmp_reach:
            if pattern.search(text, max(0, start - self.cmp_window), start):
                return comparator
        return Comparator.EQ

    def _ratio_excluded(self, text: str, start: int, end: int) -> Rejection | None:
        """The first exclusion rule for ratios (quantity_types: [ratio]) whose patterns hold."""
        lo, hi = max(0, start - self.exclusion_window), min(len(text), end + self.exclusion_window)
        for rule, _below, types, span, before, after, _sentence in self._checks:
            if types and QuantityType.RATIO in types and ((span is None or span(text, start, end))
                                                          and (before is None or before(text, lo, start))
                                                          and (after is None or after(text, end, hi))):
                return Rejection(start, end, rule.id, rule.reason)
        return None

    def _excluded(self, text: str, start: int, end: int, match, seen: dict | None = None, *,
                  bare_chinese: bool | None = None, numeral: str | None = None,
                  unit_rule: UnitRule | None = None) -> Rejection | None:
        """The first exclusion rule whose every pattern holds around the span. `bare_chinese`:
        whether the match's first number is in Chinese numerals without a scale; `numeral`, that
        number; `unit_rule`, the rule of its unit; each read from the match unless given."""
        seen = {} if seen is None else seen
        lo, hi = max(0, start - self.exclusion_window), min(len(text), end + self.exclusion_window)
        no_before = self.any_before.search(text, lo, start) is None
        no_span = self.any_span.search(text[start:end]) is None
        for rule, below, types, span, before, after, sentence in self._checks:
            if below is not None:
                if bare_chinese is None:
                    bare_chinese = not match.group("s1") and is_chinese_numeral(match.group("n1"))
                # 三个工作抓手: a Chinese-numeral count without scale below the rule's threshold
                if not bare_chinese:
                    continue
                unit_rule = unit_rule or self.units[match.group("unit")]
                if types and unit_rule.quantity_type not in types:
                    continue
                if not _number(seen, numeral or match.group("n1")) < below:
                    continue
            # every pattern must hold: the span itself, the shortest text, is looked at first
            if ((span is None or not no_span and span(text, start, end))
                    and (before is None or not no_before and before(text, lo, start))
                    and (after is None or after(text, end, hi))
                    and (sentence is None or _in_sentence(seen, rule.id, start, end))):
                return Rejection(start, end, rule.id, rule.reason)
        return None


def _either(patterns: list[regex.Pattern[str]]) -> regex.Pattern[str]:
    """One pattern that finds something wherever one of `patterns` does (their alternation)."""
    return regex.compile("|".join(f"(?:{p.pattern}\n)" for p in patterns) or "(?!)", FLAGS)


def _span_test(pattern: regex.Pattern[str]):
    """A `span` pattern is tested against the span's own text: its `^` is the span's start (with
    a search from an offset, `^` would only ever match at the text's start)."""
    return lambda text, start, end: pattern.search(text[start:end])


def _single_numerals(book: Rulebook) -> dict[str, float]:
    """parse_number of the numerals that rules/numbers.yaml spells out, read once when the rules
    are built: each character of its fragments and each scale that parse_number reads. One
    character numerals such as 三 and 两 are most of the Chinese ones, and cn2an is slow."""
    characters = {c for fragment in book.numbers.fragments.values() for c in fragment}
    values = {}
    for numeral in sorted(characters | {scale.surface for scale in book.numbers.scales}):
        try:
            values[numeral] = parse_number(numeral)
        except ValueError:  # not a number on its own
            continue
    return values


def _number(seen: dict, numeral: str, scale: float = 1.0) -> float:
    """parse_number, reading each numeral of a text once (cn2an is slow): same value, since
    parse_number(n, scale) is parse_number(n) * scale."""
    value = seen.get(numeral)
    if value is None:
        value = seen[numeral] = parse_number(numeral)
    return value * scale


def _in_sentence(seen: dict, rule_id: str, start: int, end: int) -> bool:
    """Whether a rule's sentence pattern occurs in the span's sentence (`find` records where it
    occurs in the text, and the text's structure, in `seen`)."""
    structure = seen.get(_STRUCTURE)
    starts = seen.get(rule_id)
    if structure is None or not starts:  # resolved on its own (no sentence known), or nowhere in the text
        return False
    sentence = structure.sentence(start, end)
    k = bisect.bisect_left(starts, sentence.start)
    return k < len(starts) and starts[k] < sentence.end


_AROUND = ("before", "after", "span", "sentence")
_GROUPS = ("n1", "s1", "n2", "s2", "unit", "tail", "tail1")  # the quantity pattern's groups `_resolve` reads
_STRUCTURE = "structure"  # the key of the text's structure among what `find` records in `seen`
