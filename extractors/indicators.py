"""The indicator phrase: the shortest verbatim words that name what a figure measures.

Before the number, the clause is cut back to the words naming the measure (签约覆盖率50.28% ->
签约覆盖率). After a count's classifier, the counted noun phrase is taken (2937家医疗卫生机构服务数据
-> 医疗卫生机构). Word lists live in rules/indicators.yaml.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import regex

from reform_facts.extractors.regions import NameIndex

from reform_facts.claim import QuantityType
from reform_facts.rulebook import Rulebook

Span = tuple[int, int]
_AFTER_FIRST = (QuantityType.COUNT, QuantityType.MONEY)
_FIGURE = regex.compile(r"[0-9０-９]+(?:\.[0-9]+)?")
_PER = ("/", "／")  # what stands before the base of a rate's unit (12.5/10万)


_NUMBER_RUN = regex.compile(r"[0-9０-９]+[%％]?")
_OPENING, _CLOSING = "（(", "）)"
_CLAUSE_MARKS = "，,；;：: "
_SENTENCE_MARKS = "。！？!?\n"
_CLAUSE_BREAKS = "，,；;"
_LABEL_ENDS = ("：", ":")  # a clause ending so is a label: 人均预期寿命：2025年79.6岁
# the longest phrase read as a qualifier standing for the previous clause's (居民医保 for 职工医保)
_QUALIFIER_CHARS = 6


@dataclass(frozen=True, slots=True)
class Cut:
    """Where an indicator may start: after the last year, region name or number of a stretch
    (2023年全市签约覆盖率 -> 签约覆盖率), read left to right as the alternation `years | names |
    [0-9０-９]+[%％]?` would read it: at each offset a year first, then the longest name there
    (`names`: where the gazetteer's names occur in the text, found once per text), then a
    number; the next from the end of that one.

    >>> import regex
    >>> cut = Cut(years=regex.compile(r"\\d{4}年"), names=lambda text: NameIndex([]))
    >>> text = "2023年床位12023张，使用率"
    >>> text[cut.last_end(text, 0, len(text)):]
    '张，使用率'
    """

    years: regex.Pattern[str]
    names: Callable[[str], NameIndex]  # the names of a whole text (Gazetteer.names_in)
    kept: regex.Pattern[str] | None = None  # numbers that belong to a name (5岁以下儿童): no cut there

    def last_end(self, text: str, lo: int, hi: int, names: NameIndex | None = None) -> int:
        """Where the last year, name or number of text[lo:hi] ends (lo: none); `names`, the
        text's names when the caller has them."""
        names = (names or self.names(text)).longest_at(lo, hi)
        starts = sorted(names)
        last = at = lo
        k = 0
        year = self.years.search(text, lo, hi)
        while at < hi:
            if year is not None and year.start() < at:
                year = self.years.search(text, at, hi)
            while k < len(starts) and starts[k] < at:
                k += 1
            name_at = starts[k] if k < len(starts) else hi
            year_at = year.start() if year is not None else hi
            digit = _NUMBER_RUN.search(text, at, min(name_at, year_at))  # a number before both
            named = self.kept.match(text, digit.start(), hi) if digit is not None and self.kept else None
            if named is not None:
                at = named.end()  # 5岁以下儿童死亡率: the age is part of the name, no cut
                continue
            if digit is not None:
                at = _NUMBER_RUN.match(text, digit.start(), hi).end()
            elif year is not None and year_at <= name_at:
                at = year.end()
            elif name_at < hi:
                at = names[name_at]
            else:
                break
            last = at
        return last


class IndicatorFinder:
    def __init__(self, book: Rulebook, *, cut_before: Cut) -> None:
        rules = book.indicators
        self.max_chars = rules.max_chars
        self.strip_end = _Affixes(rules.strip_end)
        self.strip_start = _Affixes(rules.strip_start)
        self.after_boundary = book.compile(rules.after_boundary, where="indicators.yaml: after_boundary")
        self.after_extra_chars = rules.after_extra_chars
        self.qualifier = book.compile(rules.qualifier, where="indicators.yaml: qualifier")
        self.of = rules.attribute_marker
        self.list_end = rules.list_end
        self.not_a_measure = book.compile(rules.not_a_measure, where="indicators.yaml: not_a_measure")
        self.score_before = (book.compile(rules.score_before, where="indicators.yaml: score_before")
                             if rules.score_before else None)
        self.compared_only = book.compile_optional(rules.compared_only, where="indicators.yaml: compared_only")
        self.standard_after = (book.compile(rules.standard_after, where="indicators.yaml: standard_after")
                               if rules.standard_after else None)
        self.head_nouns = _alternation(rules.head_nouns, "")
        # searched backwards from the figure: the nearest 由/从 is found first
        self.change_from = regex.compile(_alternation(rules.change_from, "").pattern, regex.REVERSE)
        self.change_from_chars = rules.change_from_chars
        self.unit_after = book.compile_optional(rules.unit_after, where="indicators.yaml: unit_after")
        self.distribute = _alternation(rules.distribute, "")
        self.list_joiners = _alternation(rules.list_joiners, "")
        # numbers that name an age group (5岁以下儿童) are part of a measure: neither cut nor a list's figure
        self.name_numbers = (book.compile(rules.name_numbers, where="indicators.yaml: name_numbers")
                             if rules.name_numbers else None)
        # years, regions, numbers: an indicator starts after them (not after the numbers of a name), and
        # after a five-year period named as a span or an end, which dates a figure as a year does
        # (“十五五”期间区级财政卫生健康支出 -> 区级财政卫生健康支出)
        years = book.context.years
        if years.period:
            cut_before = replace(cut_before, years=book.compile(f"(?: {years.pattern} ) | (?: {years.period} )",
                                                                where="context.yaml: years.pattern, years.period"))
        self.cut_before = replace(cut_before, kept=self.name_numbers) if self.name_numbers else cut_before
        # ...and the words that set an owner or a whole before what it holds (共有, 中含): searched
        # backwards from the figure, the nearest is found first
        self.owner_words = (regex.compile(_alternation(rules.owner_words, "").pattern, regex.REVERSE)
                            if rules.owner_words else None)
        self.recipient = book.compile_optional(rules.recipient, where="indicators.yaml: recipient")

    def find(self, text: str, clause_start: int, start: int, end: int, clause_end: int,
             quantity_type: QuantityType, *, previous_clause: Span | None = None,
             previous_figure: int = 0, names: NameIndex | None = None) -> Span | None:
        """Offsets of the indicator phrase, or None when nothing names the measure. A phrase
        before the figure starts after the figure before it in the clause (`previous_figure`,
        its end): 778.2万人（占60.2%） gives 60.2% no phrase of its own. `names`: where the
        text's region names are (Gazetteer.names_in), found here unless given."""
        if self.standard_after is not None and (reached := self.standard_after.match(text, end, clause_end)):
            return reached.span("phrase")
        names = names or self.cut_before.names(text)
        marked = text.startswith(self.of, end)
        if quantity_type in _AFTER_FIRST or marked:
            after = self._measure(text, self._after(text, end + (len(self.of) if marked else 0), clause_end))
            if after is not None:
                return after
        lo = max(clause_start, previous_figure)
        # 比全市平均水平低4.5个百分点: only what the figure is compared with, no measure (the clause before says it)
        compared = self.compared_only is not None and bool(self.compared_only.fullmatch(text, lo, start))
        found = self._measure(text, self._distributed(text, clause_start, start, names, clause_end)
                              or (None if compared else self._before(text, lo, start, names)))
        if found is None and not compared:
            found = self._measure(text, self._before_change(text, clause_start, start, names))
        if previous_clause is not None and previous_figure <= clause_start:
            if found is None and self._region_led(text, clause_start, start, previous_figure, names):
                return None
            if found is None:
                # the previous clause names the measure: up to its own (last) figure, or whole (a
                # table row's first cell: 基层诊疗量占比\t62.5%); after a figure of the same clause,
                # that one's is taken
                stop = self._previous_stop(text, previous_clause)
                # ...or, where that is a change (由7140人次增加到13260人次，增长85.7%), what stands before 由
                found = (self._measure(text, self._before(text, previous_clause[0], stop, names))
                         or self._measure(text, self._before_change(text, previous_clause[0], stop, names)))
            elif found[1] - found[0] <= _QUALIFIER_CHARS and found[1] < start:  # 居民医保为68.9%
                found = self._shared(text, found, previous_clause, names) or found
        if found is None and self.score_before is not None and (score := self.score_before.search(text, lo, start)):
            return score.span("phrase")
        return found

    @staticmethod
    def _region_led(text: str, clause_start: int, start: int, previous_figure: int, names: NameIndex) -> bool:
        """Whether a clause that names nothing but its region (…居全省首位；菏泽6.14张) follows a figure
        of its sentence: it gives the next region's value of the same measure, which the figure
        takes from that figure (rule_based._inherit_indicators), not the words of the clause
        between (居全省首位)."""
        return (0 < previous_figure <= clause_start and bool(names.longest_at(clause_start, start))
                and not any(mark in text[previous_figure:clause_start] for mark in _SENTENCE_MARKS))

    def _previous_stop(self, text: str, clause: Span) -> int:
        """Where the measure of a previous clause ends: at its last figure, or its end. A bracket
        that closes the clause is an aside (编制床位14465张, 含乡村医生412人): the figures after it
        take the noun before it. A label before a colon names the measure whole, its numbers
        included ((4)5岁以下儿童死亡率：2025年3.57‰): it holds no figure of its own."""
        lo, hi = clause
        while hi > lo and text[hi - 1] in _CLAUSE_MARKS:
            hi -= 1
        if text[hi:clause[1]].strip(" ") in _LABEL_ENDS:
            return hi
        if hi > lo and text[hi - 1] in _CLOSING:
            opening = max(text.rfind(mark, lo, hi) for mark in _OPENING)
            hi = opening if opening > lo else hi
        figures = [m.start() for m in _FIGURE.finditer(text, lo, hi)]
        return figures[-1] if figures else hi

    def _shared(self, text: str, found: Span, previous_clause: Span, names: NameIndex) -> Span | None:
        """职工医保…比例为86.4%，居民医保为68.9%: a short phrase before a verb (为, 达) that stands
        where the previous clause's measure opens with a qualifier of its length and last character
        (居民医保 for 职工医保, 女性 for 男性) is that qualifier alone: the figure takes the rest of the
        measure."""
        hi = self._previous_stop(text, previous_clause)
        lo = self.cut_before.last_end(text, previous_clause[0], hi, names)
        if lo >= hi:
            return None
        lo = self._stripped(text, lo, hi)
        qualifier_end = lo + found[1] - found[0]
        if (qualifier_end + 2 > hi or text[qualifier_end - 1] != text[found[1] - 1]
                or text[lo:qualifier_end] == text[found[0]:found[1]]):
            return None
        return self._measure(text, self._trim(text, qualifier_end, hi))

    def _stripped(self, text: str, lo: int, hi: int) -> int:
        """Where a phrase starts once the strip_start words are taken off it (全市, 其中)."""
        while (found := self.strip_start.prefix(text, lo, hi)) is not None:
            lo = found
        return lo

    def _measure(self, text: str, span: Span | None) -> Span | None:
        """The span, unless it only compares or refers (较上年末, （占, 按可比价格): names no measure."""
        return None if span is None or self.not_a_measure.search(text[span[0]:span[1]]) else span

    def _before(self, text: str, lo: int, hi: int, names: NameIndex) -> Span | None:
        # after the last year, region, number, and after the last owner word (共有, 中含)
        cut = self.cut_before.last_end(text, lo, hi, names)
        if self.unit_after and cut > lo and text[cut - 1].isdigit() and (unit := self.unit_after.match(text, cut, hi)):
            cut = unit.end()  # 由7140人次增加到: 人次 is the number's
        owner = self.owner_words.search(text, cut, hi) if self.owner_words else None
        cut = owner.end() if owner else cut
        for recipient in self.recipient.finditer(text, cut, hi) if self.recipient else ():
            cut = recipient.end()  # 向乡镇卫生院派驻医师: the measure starts after whom it goes to
        found = self._trim(text, cut, hi)
        if ((found is None or self._measure(text, found) is None) and cut > lo
                and (year := self._year_ending(text, lo, cut)) is not None and _FIGURE.search(text, lo, year) is None):
            # nothing but verbs, or a basis, after a year that dates the figure (每万人口全科医生数2022年为2.79人,
            # 推动居民健康素养水平在2025年达到33%, 人均预期寿命在2020年基础上提高1岁): the measure stands before the year, unless a figure
            # does (由2011年的5.65万元增加到2022年的: that is a change, whose measure is before 由)
            return self._before(text, lo, year, names)
        return found

    def _year_ending(self, text: str, lo: int, hi: int) -> int | None:
        """Where the year mention that ends text[lo:hi] starts, if one does."""
        last = None
        for last in self.cut_before.years.finditer(text, lo, hi):
            pass
        return last.start() if last is not None and last.end() == hi else None

    def _trim(self, text: str, lo: int, hi: int) -> Span | None:
        changed = True
        while changed and lo < hi:
            changed = False
            found = self.strip_end.suffix(text, lo, hi)
            if found is not None:
                hi, changed = found, True
            found = self.strip_start.prefix(text, lo, hi)
            if found is not None:
                lo, changed = found, True
        if hi - lo > self.max_chars:
            phrase = text[lo:hi]
            marker, cut = max(((m, phrase.rfind(m)) for m in (self.of, self.list_end) if m), key=lambda c: c[1])
            if cut < 0:
                lo = hi - self.max_chars
            elif self._measure(text, (lo + cut + len(marker), hi)) is not None:
                lo = lo + cut + len(marker)
            # else what follows it names no measure alone (`…药品收入占医疗收入的比重`): the phrase stays whole
        return (lo, hi) if hi - lo >= 2 else None

    def _before_change(self, text: str, lo: int, hi: int, names: NameIndex) -> Span | None:
        """医生平均年薪由2011年的5.65万元增加到…: the measure stands before the nearest 由/从."""
        last = self.change_from.search(text, max(lo, hi - self.change_from_chars), hi)
        return self._before(text, lo, last.start(), names) if last else None

    def _distributed(self, text: str, lo: int, hi: int, names: NameIndex, clause_end: int) -> Span | None:
        """基层就诊率和县域就诊率分别提高到71.1%和91.5%: the i-th name goes with the i-th figure.
        When 分别 opens the clause (医师192493人，注册护士239222人，分别增长1.08%和0.92%), the names
        are the measures of as many clauses before it, one figure each."""
        marker = self.distribute.search(text, lo, hi)
        if marker is None:
            return None
        listed = self._split(text, lo, marker.start())
        figures = self._count_figures(text, marker.end(), hi) + 1
        if not text[lo:marker.start()].strip():
            count = self._count_figures(text, marker.end(), clause_end)
            return (self._distributed_back(text, lo, figures, count, names)
                    or self._listed_back(text, lo, figures, count, names))
        if len(listed) < 2 and self._measure(text, (lo, marker.start())) is None:
            # 比上年分别下降1.87个十万分点、0.35个千分点: a comparison before 分别, whose names are those
            # the clause before lists with 分别 (孕产妇死亡率、婴儿死亡率分别降至12.55/10万、2.59‰); one
            # name there with as many figures (支出分别为9.86亿元、10.72亿元，同比分别增长9.2%、8.7%) is every one's
            listed, count = self._listed_before(text, lo)
            if len(listed) == 1 and count == self._count_figures(text, marker.end(), clause_end) >= 2:
                return self._before(text, *listed[0], names)
        if len(listed) < 2 or figures > len(listed):
            return None
        name = listed[figures - 1]
        if figures < len(listed) and _shared_head(text, listed):
            # 高血压、2型糖尿病患者规范管理率分别为x、y: an elliptical member's figure takes the phrase
            # from it to the shared head (gold/GUIDELINES.md, lists and shares); the last its own
            return self._before(text, name[0], listed[-1][1], names)
        return self._before(text, name[0], name[1], names)

    def _listed_before(self, text: str, lo: int) -> tuple[list[Span], int]:
        """The names the clause right before text[lo] lists before its own 分别, if it has one, and
        how many figures it lists after it."""
        if lo == 0 or text[lo - 1] not in _CLAUSE_BREAKS:
            return [], 0
        start = max(text.rfind(mark, 0, lo - 1) for mark in _CLAUSE_BREAKS + _SENTENCE_MARKS) + 1
        marker = self.distribute.search(text, start, lo - 1)
        if marker is None:
            return [], 0
        return self._split(text, start, marker.start()), self._count_figures(text, marker.end(), lo - 1)

    def _distributed_back(self, text: str, lo: int, order: int, count: int, names: NameIndex) -> Span | None:
        """The measure of the `order`-th of the `count` clauses right before text[lo] in its
        sentence, each of which must hold one figure."""
        if count < 2 or order > count:
            return None
        clauses, hi = [], lo
        while len(clauses) < count and hi > 0 and text[hi - 1] in _CLAUSE_BREAKS:
            start = max(text.rfind(mark, 0, hi - 1) for mark in _CLAUSE_BREAKS + _SENTENCE_MARKS) + 1
            if (start == 0 or text[start - 1] in _SENTENCE_MARKS) and len(clauses) + 1 < count:
                return None  # the sentence starts before enough clauses are found
            figures = [m.start() for m in self._figures(text, start, hi - 1)]
            if len(figures) != 1:
                return None
            clauses.append((start, figures[0]))
            hi = start
        if len(clauses) < count:
            return None
        first, figure = clauses[count - order]  # found from the nearest back
        return self._before(text, first, figure, names)

    def _figures(self, text: str, lo: int, hi: int) -> list[regex.Match[str]]:
        """The figures of text[lo:hi], the numbers of years, of names and of a rate's unit left out
        (分别较2019年增长5.6个、2.12个百分点: two; 3岁以下儿童系统管理率94.6%: one; 12.5/10万、3‰: two)."""
        skipped = [m.span() for m in self.cut_before.years.finditer(text, lo, hi)]
        if self.name_numbers is not None:
            skipped += [m.span() for m in self.name_numbers.finditer(text, lo, hi)]
        return [m for m in _FIGURE.finditer(text, lo, hi)
                if not any(a <= m.start() < b for a, b in skipped)
                and text[m.start() - 1:m.start()] not in _PER]  # the 10 of 12.5/10万 is its unit's

    def _count_figures(self, text: str, lo: int, hi: int) -> int:
        return len(self._figures(text, lo, hi))

    def _listed_back(self, text: str, lo: int, order: int, count: int, names: NameIndex) -> Span | None:
        """The measure of the `order`-th of `count` figures that the clause right before text[lo] lists,
        joined by list joiners (公立医院11804个、民营医院24766个，分别占医院总数的32.3%和67.7%): the words
        between the figure before it and its own."""
        if count < 2 or order > count or lo == 0 or text[lo - 1] not in _CLAUSE_BREAKS:
            return None
        start = max(text.rfind(mark, 0, lo - 1) for mark in _CLAUSE_BREAKS + _SENTENCE_MARKS) + 1
        figures = self._figures(text, start, lo - 1)
        if len(figures) != count:
            return None
        first = start
        if order > 1:
            joiner = self.list_joiners.search(text, figures[order - 2].end(), figures[order - 1].start())
            if joiner is None:
                return None
            first = joiner.end()
        return self._before(text, first, figures[order - 1].start(), names)

    def _split(self, text: str, lo: int, hi: int) -> list[Span]:
        parts, cursor = [], lo
        for joiner in self.list_joiners.finditer(text, lo, hi):
            parts.append((cursor, joiner.start()))
            cursor = joiner.end()
        parts.append((cursor, hi))
        return [p for p in parts if p[1] > p[0]]

    def _after(self, text: str, end: int, clause_end: int) -> Span | None:
        if text.startswith(tuple(_OPENING), end):
            return None  # an aside opens right after the figure (3403个（省级32个…）): nothing is counted after it
        boundary = self.after_boundary.search(text, end, clause_end)
        hi = min(boundary.start() if boundary else clause_end, end + self.max_chars + self.after_extra_chars)
        last = None
        for last in self.head_nouns.finditer(text, end, hi):  # the last head noun ends the thing
            pass
        if last is None:  # no known head noun: the phrase up to the boundary, if it is one
            return self._trim(text, end, hi)
        qualifier = self.qualifier.match(text, last.end())
        return end, qualifier.end() if qualifier else last.end()


# how much longer than each earlier member the last of a 分别 list is when it alone carries the
# head the list shares (高血压 / 2型糖尿病患者规范管理率)
_HEAD_CHARS = 3


def _shared_head(text: str, listed: list[Span]) -> bool:
    """Whether the members of a 分别 list share the head noun that only the last one carries:
    each earlier member is shorter by at least _HEAD_CHARS and ends otherwise (高血压、2型糖尿病患者
    规范管理率; 职工医保、城乡居民医保…支付比例), whereas parallel members end alike (基层就诊率和县域
    就诊率) or are of a size (出院人数和病床使用率).

    >>> text = "高血压、2型糖尿病患者规范管理率"
    >>> _shared_head(text, [(0, 3), (4, 16)]), _shared_head("基层就诊率和县域就诊率", [(0, 5), (6, 11)])
    (True, False)
    """
    last_lo, last_hi = listed[-1]
    return all(hi - lo + _HEAD_CHARS <= last_hi - last_lo and text[hi - 1] != text[last_hi - 1]
               for lo, hi in listed[:-1])


class _Affixes:
    """Words to strip from either end of a phrase: the longest one the phrase ends or starts
    with, looked up by length (rules/indicators.yaml holds no empty word and no line break).

    >>> words = _Affixes(["的", "占比", "比"])
    >>> words.suffix("签约占比", 0, 4), words.prefix("的覆盖率", 0, 4), words.suffix("占比", 1, 1)
    (2, 1, None)
    """

    def __init__(self, words: list[str]) -> None:
        self.words = frozenset(words)
        self.lengths = sorted({len(w) for w in words}, reverse=True)
        # most phrases neither end nor start with a character a word does: one look-up says so
        self.last_chars = frozenset(w[-1] for w in words)
        self.first_chars = frozenset(w[0] for w in words)

    def suffix(self, text: str, lo: int, hi: int) -> int | None:
        """Where the longest word ending text[lo:hi] starts, if one does."""
        if hi <= lo or text[hi - 1] not in self.last_chars:
            return None
        for size in self.lengths:
            if size <= hi - lo and text[hi - size:hi] in self.words:
                return hi - size
        return None

    def prefix(self, text: str, lo: int, hi: int) -> int | None:
        """Where the longest word starting text[lo:hi] ends, if one does."""
        if hi <= lo or text[lo] not in self.first_chars:
            return None
        for size in self.lengths:
            if size <= hi - lo and text[lo:lo + size] in self.words:
                return lo + size
        return None


def _alternation(words: list[str], suffix: str) -> regex.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return regex.compile("(?:" + "|".join(regex.escape(w) for w in ordered) + ")" + suffix)
