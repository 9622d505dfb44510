"""Region, year and kind of a figure from its context, in the order of rules/context.yaml.

For each field the scopes around the figure are searched nearest first (clause, sentence,
the paragraph before, earlier paragraphs' openings, headings: `Structure.scopes`); the first
scope that states a value gives it, and what the document states about itself (title, issuing
body, year) is the last resort. A figure is resolved top to bottom in `Context.describe`:

1. region: the nearest region named in the nearest scope; 全市/全区 stand for a region of that
   level named nearby, else the document's own area;
2. year: a year that owns the figure (比2018年的77.0岁), else the nearest year of the nearest
   scope, baselines (较2019年) skipped, an aside's or an assessment's year seen only in its
   bracket or sentence; 今年 and the like stand for the document's year;
3. kind: the nearest kind cue (rules/kind.yaml), else a plan paragraph the figure's continues
   (2024年,X省将… then 一是…), a later year than the document's, the section's heading, the genre;
4. a plan's target with no year of its own takes the plan's horizon (到2025年, “十四五”末); what a
   five-year plan's review section (发展基础) reports, the year its period starts from (2020).

Everything a figure looks up is found once per document when the `Context` is built (region
mentions, years, cue matches); a figure's lookups are bisections into those lists.
"""
from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

import ahocorasick_rs
import regex
from reform_facts.extractors.numbers import parse_number
from reform_facts.extractors.regions import Gazetteer, Mention, NameIndex
from reform_facts.extractors.views import JoinedOffsets, han_breaks, remove_spans

from reform_facts.claim import Document, Kind
from reform_facts.divisions import LEVELS, Region
from reform_facts.rulebook import KindCue, Rulebook
from reform_facts.structure import HOLDING, Scope, Segment, Structure, StructurePatterns

_ATTACHMENT = regex.compile(r"附件\s*\d*")  # an attachment's label line is not its title
_AREA_COUNT = regex.compile(r"[0-9０-９]+\s*个")  # a figure that counts areas (14个高于全国水平)
# a cue of a wider scope ranks behind every cue of a narrower one that is no further away than this
_SCOPE_WEIGHT = {"clause": 0, "sentence": 10_000, "paragraph": 20_000}


@dataclass(frozen=True, slots=True)
class Stated:
    """What a document says about itself in its title or opening."""

    title: str | None
    year: int | None
    region: Region | None
    is_plan: bool
    unnamed_level: str | None = None  # the opening says 自治区/全市 without naming it
    published: int | None = None  # the year of the page's publication stamp (2025-05-22 11:20), if any
    title_span: tuple[int, int] | None = None  # where the title is in the text


class Described(NamedTuple):
    """What a figure takes from its context, with the cue that decided its kind."""

    region: Region | None
    year: int | None
    kind: Kind
    cue: str
    clause: Segment
    sentence: Segment


class Before(NamedTuple):
    """What the scopes before a figure's sentence depend on: the sentence's start, the paragraph
    and the nearest heading at the figure (None: none)."""

    sentence: int
    paragraph: Segment | None
    heading: Segment | None


class _Several:
    """The region of a figure stated for several listed areas at once: none of them, and no
    area from further away either (gold/GUIDELINES.md: 河北、上海均为3.71人 has region null)."""

    __slots__ = ()


SEVERAL = _Several()


class YearMention(NamedTuple):
    start: int
    end: int
    value: int | None  # None: a baseline (较2019年, 2012年以来), not the year of a figure
    seen: Segment | None = None  # where it dates figures (an aside's bracket, a frame's sentence); None: anywhere


class ContextRules:
    """rules/context.yaml, kind.yaml and the region rules compiled once; `for_document` gives
    the `Context` of one document."""

    def __init__(self, book: Rulebook, gazetteer: Gazetteer) -> None:
        self.book = book
        self.gazetteer = gazetteer
        self.structure_patterns = StructurePatterns.from_book(book)
        context, years, regions = book.context, book.context.years, book.regions
        self.window = context.wide_window
        # each field's scopes that hold a figure (clause, sentence), then those before its sentence
        self.holding = {field: [n for n in names if n in HOLDING] for field, names in context.scopes.items()}
        self.wide = {field: [n for n in names if n not in HOLDING] for field, names in context.scopes.items()}
        self.year_pattern = book.compile(years.pattern, where="context.yaml: years")
        self.baseline_before = book.compile(years.baseline_before, where="context.yaml: baseline_before")
        self.baseline_after = book.compile(years.baseline_after, where="context.yaml: baseline_after")
        self.value_of = book.compile(years.value_of, where="context.yaml: years.value_of")
        self.starting_value = book.compile(years.starting_value, where="context.yaml: years.starting_value")
        self.starting_year = book.compile_optional(years.starting_year, where="context.yaml: years.starting_year")
        self.frame_defined = book.compile_optional(years.frame_defined, where="context.yaml: years.frame_defined")
        self.action_date = book.compile_optional(years.action_date, where="context.yaml: years.action_date")
        self.years = years  # and the windows it gives: value_of_chars, baseline_*_chars
        self.relative_year = regex.compile("|".join(regex.escape(w) for w in years.relative))
        self.now_words = frozenset(years.now)
        self.period = book.compile_optional(years.period, where="context.yaml: years.period")
        self.cited = book.compile_optional(years.cited, where="context.yaml: years.cited")
        self.published = book.compile_optional(years.published, where="context.yaml: years.published")
        self.reviewed = book.compile_optional(years.reviewed, where="context.yaml: years.reviewed")
        self.yearbook = book.compile_optional(years.yearbook, where="context.yaml: years.yearbook")
        self.edition_pattern = book.compile_optional(years.edition, where="context.yaml: years.edition")
        self.ahead = book.compile_optional(years.ahead, where="context.yaml: years.ahead")
        self.aside = book.compile_optional(years.aside, where="context.yaml: years.aside")
        self.frame_after = book.compile_optional(years.frame_after, where="context.yaml: years.frame_after")
        self.year_span = book.compile_optional(years.span, where="context.yaml: years.span")
        self.not_title = book.compile(context.not_title, where="context.yaml: not_title")
        self.horizon = book.compile(book.kind.plan_horizon, where="kind.yaml: plan_horizon")
        self.cues = [(cue, self._cue_finder(cue)) for cue in book.kind.cues]
        self.lead_in_end = book.compile_optional(book.kind.lead_in_end, where="kind.yaml: lead_in_end")
        self.goal_reached = book.compile_optional(context.goal_reached, where="context.yaml: goal_reached")
        self.problems_heading = book.compile_optional(context.problems_heading, where="context.yaml: problems_heading")
        # words that hold a cue without being one: family planning (计划生育) and the like, and
        # words such as 主要 (要), 应急 (应), 覆盖率 (覆盖), 提高到 (提高: a level to reach, in a plan too)
        held_words = sorted({*book.kind.not_plan_words, *book.kind.not_cue_words}, key=len, reverse=True)
        self.not_plan = regex.compile("|".join(map(regex.escape, held_words))) if held_words else None
        self.not_subject_before = book.compile(regions.not_subject_before, where="regions.yaml")
        self.not_subject_after = book.compile(regions.not_subject_after, where="regions.yaml")
        self.enumeration_joiners = frozenset(regions.enumeration_joiners)
        # a plural subject that names no area (多数省份): its figures have no region
        # a city's part (中心城区) is a plural subject too
        several = [f"(?: {regions.several_areas} )"] if regions.several_areas else []
        several = "|".join(several + [regex.escape(part) for part in regions.city_parts])
        self.several_areas = book.compile_optional(several, where="regions.yaml: several_areas, city_parts")
        # what may stand between listed regions and a figure that counts them (包头、赤峰、乌海3个); none: always
        self.enumeration_counted = book.compile_optional(regions.enumeration_counted, where="regions.yaml: enumeration_counted")
        # 分别 (indicators.yaml's distribute words) pairs listed names with the figures after it
        self.distribute = regex.compile("|".join(map(regex.escape, book.indicators.distribute)))
        self.figure = regex.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
        self.alias_not_followed_by = frozenset(regions.alias_not_followed_by)
        self.gap_before = book.compile_optional(regions.gap_before, where="regions.yaml: gap_before")
        self.level_after = book.compile_optional(regions.level_after, where="regions.yaml: level_after")
        self.average_bracket = book.compile_optional(regions.average_bracket, where="regions.yaml: average_bracket")
        self.local_only = frozenset(regions.local_only)
        self.not_subject_chars = regions.not_subject_chars

    def _cue_finder(self, cue: KindCue) -> Callable[[str], list[tuple[int, int]]]:
        """Where a cue occurs in a text, left to right: its pattern's matches, or its surfaces',
        the longest at each place (an automaton finds what the alternation of the surfaces,
        longest first, would match, in a fraction of the time)."""
        if cue.pattern:
            pattern = self.book.compile(cue.pattern, where=f"kind.yaml: {cue.id}")
            return lambda text: [m.span() for m in pattern.finditer(text)]
        automaton = ahocorasick_rs.AhoCorasick(sorted(cue.surfaces, key=len, reverse=True),
                                               matchkind=ahocorasick_rs.MatchKind.LeftmostFirst)
        return lambda text: [(start, end) for _index, start, end in automaton.find_matches_as_indexes(text)]

    def for_document(self, doc: Document) -> Context:
        given = self.gazetteer.by_code.get(doc.region_code) if doc.region_code else None
        stated = self.stated(doc.text, region=given is None)
        context = Context(self, doc.text, Structure(doc.text, self.structure_patterns, document=doc),
                          replace(stated, region=given or stated.region, year=doc.year or stated.year))
        if context.stated.region is None and stated.unnamed_level:
            context.stated = replace(context.stated, region=context.main_regions.get(stated.unnamed_level))
        return context

    # --- what a document states about itself -----------------------------------------------

    def stated(self, text: str, *, region: bool = True) -> Stated:
        """Title, year, region and genre that a document states in its opening (its region
        only if asked for: a document that comes with one does not need it)."""
        opening = text[: self.book.context.years.opening_chars]
        # the first line that is no page's breadcrumb, file number or print link (the lines after
        # it are not searched: a slow pattern, and only the first is the title)
        title, title_span = next(((line, span) for line, span in _bare_lines(opening) if line
                                  and not _ATTACHMENT.fullmatch(line) and not self.not_title.search(line)), (None, None))
        is_plan = (self.says(title or "", self.book.kind.plan_titles)
                   and not self.says(title or "", self.book.kind.report_titles))
        # the title's year, else the opening's first that is no baseline (自2019年启动…以来); when
        # that is a report's date line (2023年6月 under the issuer: when it was written), a year
        # the paragraph after it names is the year reported (对2021—2022年实施情况进行了评估); a
        # plan's date line is the year it starts from
        cited = self.cited_spans(opening)
        opened = [m for m in self.year_pattern.finditer(opening)
                  if not self.is_baseline(opening, m) and not _inside([lo for lo, _ in cited], cited, m.start())]
        year_match = self.year_pattern.search(title or "")
        stamp = self.published.search(opening) if self.published is not None else None
        if year_match is None and stamp is not None:
            # a web page under a title without a year reports as of when it was published, unless its
            # opening names the year whose data it reviews
            year_match = (self.reviewed.search(opening) if self.reviewed is not None else None) or stamp
        year_match = year_match or (opened[0] if opened else None)
        if opened and year_match is opened[0] and not is_plan and self._on_dateline(opening, year_match.start()):
            # the date line says when the report was written, as a page's stamp does
            stamp = stamp or year_match
            # (the latest the opening names after it, else the whole text: a report sent under a cover
            # letter dated 2024年5月20日 that reviews through 2023)
            written = year_of(year_match)
            year_match = (self._latest_reported(opening, written, after=year_match.end())
                          or self._latest_reported(text, written) or year_match)
        if year_match is not None and not is_plan and self.edition(year_match):
            year_match = self._latest_reported(text, year_of(year_match)) or year_match
        year = year_of(year_match) if year_match else None
        if (edition := self.yearbook.search(title or "") if self.yearbook is not None else None) is not None:
            year = year_of(edition) - 1  # a yearbook's edition reports the year before
        found, unnamed = (self._title_region(title or "") if region else None), None
        if found is None and region:
            found, unnamed = self._opening_region(opening)
        return Stated(title, year, found, is_plan, unnamed, year_of(stamp) if stamp else None, title_span)

    def edition(self, year: regex.Match[str]) -> bool:
        """Whether a year mention names an edition of a series (2024年第4期, （2024年第二批）)."""
        return self.edition_pattern is not None and self.edition_pattern.match(year.string, year.start()) is not None

    def _latest_reported(self, text: str, written: int, after: int = 0) -> regex.Match[str] | None:
        """The year a report written in `written` reports: the latest year text[after:] names up to
        it, none that dates the page, starts a comparison, names an edition or a deadline, the end
        of the period it reviews (`2019年…试点城市…截至2023年底`, dated 2024年3月: 2023;
        `对2021—2022年实施情况进行了评估`: 2022; 医改简报 2024年第4期 on 2023年共约谈…, 2024年底前新增: 2023)."""
        ahead = [m.span() for m in self.ahead.finditer(text)] if self.ahead is not None else []
        cited = self.cited_spans(text)
        cited_starts, ahead_starts = [lo for lo, _ in cited], [lo for lo, _ in ahead]
        reported = [m for m in self.year_pattern.finditer(text, after)
                    if year_of(m) <= written and not self.edition(m) and not self._on_dateline(text, m.start())
                    and not self.is_baseline(text, m) and not _inside(cited_starts, cited, m.start())
                    and not _inside(ahead_starts, ahead, m.start())]
        return max(reported, key=year_of, default=None)

    def _on_dateline(self, text: str, position: int) -> bool:
        """Whether the line at `position` is a short line that dates the document (2023年6月,
        发布日期：…): rules/context.yaml's heading and dateline patterns, as Structure reads them."""
        lo = text.rfind("\n", 0, position) + 1
        hi = text.find("\n", position)
        bare = text[lo:hi if hi >= 0 else len(text)].strip().strip("#*>\t 　").strip()
        bare = _ALIGNMENT.sub(" ", bare)  # 上栗县卫生健康委员会办公室          2024年5月20日印发: one line
        patterns = self.structure_patterns
        return bool(bare and patterns.heading.fullmatch(bare) and patterns.dateline.search(bare))

    def cited_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the text cites a document by its title (《…》), sorted."""
        return [m.span() for m in self.cited.finditer(text)] if self.cited else []

    def is_baseline(self, text: str, match: regex.Match[str]) -> bool:
        """Whether a year mention is a baseline or a starting point (较2019年, 2012年以来)."""
        before, after = self.book.context.years.baseline_before_chars, self.book.context.years.baseline_after_chars
        return bool(self.baseline_before.search(text, max(0, match.start() - before), match.start())
                    or self.baseline_after.match(text, match.end(), match.end() + after))

    def says(self, text: str, words: list[str]) -> bool:
        """Whether a title or heading holds one of the words, the not_plan_words (计划生育) left out."""
        for phrase in self.book.kind.not_plan_words:
            text = text.replace(phrase, "")
        return any(word in text for word in words)

    def _title_region(self, title: str) -> Region | None:
        """The title's first region; one inside 《》 only when no other is named (关于印发《扬中市
        …规划》的通知 is about the plan's area). A chain of nested names written together means its
        last, most specific member (常州市金坛区卫生健康局 is 金坛区's)."""
        for quoted in (False, True):
            mentions = self.gazetteer.mentions(title)
            for k, match in enumerate(mentions):
                if match.surface in self.gazetteer.deictic or in_book_title(title, match.begin) != quoted:
                    continue
                found = self.gazetteer.resolve(match.surface)
                if found is not None:
                    return self._nested(title, found, mentions[k:])
        # a title that names no region in full may name its county by the short form (罗田统计年鉴)
        for match, found in self.gazetteer.title_short(title):
            if not in_book_title(title, match.begin) and not (title[match.finish:match.finish + 1]
                                                               in self.alias_not_followed_by):
                return found
        return None

    def _nested(self, title: str, found: Region, chain: list[Mention]) -> Region:
        """The last of the names that follow `chain[0]` (found) without a gap, each inside the one
        before it: 江西省赣州市兴国县 → 兴国县."""
        for before, mention in zip(chain, chain[1:]):
            if title[before.finish:mention.begin].strip() or mention.surface in self.gazetteer.deictic:
                break
            inner = self.gazetteer.resolve(mention.surface, near=found)
            if inner is None or inner.code == found.code or found.code not in self.gazetteer.ancestors(inner):
                break
            found = inner
        return found

    def _opening_region(self, opening: str) -> tuple[Region | None, str | None]:
        """The opening's first region; when a word like 自治区 or 全市 comes first, the document
        speaks of its own region without naming it: return that level to resolve later. A
        compendium's opening (many regions of one level) speaks of what holds them all."""
        deepest = None
        mentions = self.gazetteer.mentions(opening)
        for match in self.subjects(opening, mentions):
            if in_book_title(opening, match.begin):
                continue
            level = self.gazetteer.deictic.get(match.surface)
            if level is not None:
                deepest = max(deepest or level, level, key=LEVELS.index)
            elif deepest is None:
                first = self.gazetteer.resolve(match.surface)
                if first is not None:  # 渭南市临渭区卫生健康局 over the title: 临渭区
                    first = self._nested(opening, first, [m for m in mentions if m.begin >= match.begin])
                return self._compendium(opening, first) or first, None
        return None, deepest

    def _compendium(self, opening: str, first: Region | None) -> Region | None:
        """The region that holds the compendium_regions or more different regions of the first
        one's level the opening names (武汉市, 宜昌市, 荆州市 → 湖北省); None when it names fewer."""
        least = self.book.context.compendium_regions
        if not least or first is None:
            return None
        level = first.level
        named = {found.code: found for m in self.gazetteer.mentions(opening)
                 if m.surface not in self.gazetteer.deictic and not in_book_title(opening, m.begin)
                 and (region := self.gazetteer.resolve(m.surface, near=first)) is not None
                 and (found := self.gazetteer.at_level(region, level)) is not None}
        if len(named) < least:
            return None
        return self.gazetteer.common_parent(list(named.values()))

    def subjects(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """The mentions that name what is talked about: not those that only set a comparison or
        scope (居全国首位, 在全省率先), nor a short name run into the next word (河南人)."""
        aliases, size, chars = self.gazetteer.aliases, len(text), self.not_subject_chars
        return [m for m in mentions
                if not ((m.surface in aliases and text[m.finish:m.finish + 1] in self.alias_not_followed_by)
                        or self.not_subject_before.search(text, max(0, m.begin - chars), m.begin)
                        or self.not_subject_after.match(text, m.finish, min(size, m.finish + chars)))]


class Context:
    """The context of one document's figures."""

    def __init__(self, rules: ContextRules, text: str, structure: Structure, stated: Stated) -> None:
        self.rules = rules
        self.gazetteer = rules.gazetteer
        self.text = text
        self.structure = structure
        self.stated = stated
        # a goal a figure is measured against (达到全州2025年…目标): its words are the goal's
        goals = [m.span() for m in rules.goal_reached.finditer(text)] if rules.goal_reached else []
        goal_starts = [lo for lo, _hi in goals]
        self.goals, self.goal_starts = goals, goal_starts
        self.mentions = [m for m in self._subject_mentions() if not _inside(goal_starts, goals, m.begin)
                         and not (m.surface in rules.local_only and not self._in_own_city(m.surface))]
        self.mention_starts = [m.begin for m in self.mentions]
        self.mention_ends = [m.finish for m in self.mentions]
        # for each mention, the index of the last one up to it that is a name, not a word like
        # 全市 (-1: none): a search for names skips runs of such words at once
        self.named_up_to: list[int] = []
        for k, mention in enumerate(self.mentions):
            named = mention.surface not in rules.gazetteer.deictic
            self.named_up_to.append(k if named else (self.named_up_to[-1] if k else -1))
        # a year inside a cited title (《…2035年远景目标纲要》) is the cited document's
        cited = rules.cited_spans(text)
        cited_starts = [lo for lo, _hi in cited]
        # a year inside an aside's bracket ((2023年为6.12张)) or naming an assessment
        # (2021年度全国…绩效考核中) dates only the figures of that bracket or sentence
        asides = [m.span() for m in rules.aside.finditer(text)] if rules.aside else []
        aside_starts = [lo for lo, _hi in asides]
        # the year of an action's date (于2023年1月…考核) dates no figure
        actions = {m.start("year") for m in rules.action_date.finditer(text)} if rules.action_date else set()
        # ...nor does an edition's (简报 2024年第4期: the document's year is the one it reviews, `stated`)
        self.years = sorted(YearMention(m.start(), m.end(), None if rules.is_baseline(text, m) or m.start() in actions
                                        or rules.edition(m)
                                        or _inside(goal_starts, goals, m.start())
                                        or _inside(cited_starts, cited, m.start()) else value,
                                        self._seen(m, asides, aside_starts))
                            for m, value in self._year_mentions())
        self.year_starts = [y.start for y in self.years]
        relative = [m.span() for m in rules.relative_year.finditer(text)]
        self.relative_starts = [start for start, _ in relative]
        self.relative_ends = [end for _, end in relative]
        # every cue's matches in the whole text, as (starts, ends): the figures bisect them
        self._kept: dict[tuple, object] = {}  # see _before_sentence
        # what each heading says its section holds: results (2021年工作开展情况, 发展基础) before
        # plans (2022年工作计划, 主要目标) when it says both; headings that say neither are left out
        book = rules.book.kind
        self.section_kinds: dict[Segment, tuple[Kind, str]] = {}
        for heading in structure.headings:
            words = text[heading.start:heading.end]
            if rules.problems_heading is not None and rules.problems_heading.search(words):
                # 存在问题及2024年打算: its figures are the problems found; the plan's sentences say so
                self.section_kinds[heading] = (Kind.ACTUAL, "kind.default.problems_section")
            elif rules.says(words, book.report_sections):
                self.section_kinds[heading] = (Kind.ACTUAL, "kind.default.report_section")
            elif rules.says(words, book.plan_sections):
                self.section_kinds[heading] = (Kind.TARGET, "kind.default.plan_section")
        # under each heading, what the innermost section heading that says what it holds says
        self.section_kind: dict[Segment, tuple[Kind, str]] = {}
        for heading in structure.headings:
            said = next((self.section_kinds[h] for h in structure.sections(heading.start)
                         if h in self.section_kinds), None)
            if said is not None:
                self.section_kind[heading] = said
        # a cue inside a word that only holds it (计划 in 计划生育, family planning) is no cue
        held = [m.span() for m in rules.not_plan.finditer(text)] if rules.not_plan else []
        held = _merged(held + goals) if goals else held  # ...nor is 目标 in a goal reached
        self.cue_matches = [tuple(zip(*_outside(find(text), held))) or ((), ()) for _cue, find in rules.cues]
        # where the paragraph-wide target cues (省将, 下一步) are, with their ids: a plan that the
        # paragraphs after it continue (`_continued_plan`)
        plan_cues = sorted((lo, cue.id) for (cue, _find), (starts, _ends) in zip(rules.cues, self.cue_matches)
                           if cue.scope == "paragraph" and cue.kind is Kind.TARGET for lo in starts)
        self.plan_cue_starts = [lo for lo, _id in plan_cues]
        self.plan_cue_ids = [cue_id for _lo, cue_id in plan_cues]

    def _year_mentions(self) -> Iterator[tuple[regex.Match[str], int]]:
        """Every year the text names, with its value: years (2023年), and five-year periods named as
        a span or an end (“十五五”期间 -> 2030)."""
        rules = self.rules
        for m in rules.year_pattern.finditer(self.text):
            yield m, year_of(m)
        if rules.period is not None:
            ends = rules.book.kind.plan_periods
            for m in rules.period.finditer(self.text):
                if m.group("period") in ends:
                    yield m, ends[m.group("period")]

    def _seen(self, match: regex.Match[str], asides: list[tuple[int, int]], aside_starts: list[int]) -> Segment | None:
        """Where a year dates figures: inside its aside's bracket, or its own sentence when it names
        an assessment (frame_after); None: wherever the scopes reach."""
        at = bisect.bisect_right(aside_starts, match.start()) - 1
        if at >= 0 and match.start() < asides[at][1]:
            return Segment(*asides[at])
        frame = self.rules.frame_after
        if frame is not None and frame.match(self.text, match.end(), min(len(self.text), match.end() + 40)):
            return self.structure.sentence(match.start(), match.end())
        return None

    def _in_own_city(self, surface: str) -> bool:
        """Whether a name that is a common word too (老城区) names a division of the document's own
        city: its area, or the prefecture its area lies in, holds the division (or the document
        states no area to tell)."""
        own = self.stated.region
        if own is None:
            return True
        found = self.gazetteer.resolve(surface, near=own)
        city = self.gazetteer.at_level(own, "prefecture") or own
        return found is not None and city.code in self.gazetteer.ancestors(found)

    def _subject_mentions(self) -> list[Mention]:
        """The region mentions of the whole text that name a subject; a name broken over lines
        (重\n\n庆市) is found with those breaks removed, then mapped back to the stored offsets."""
        breaks = han_breaks(self.text)
        joined = remove_spans(self.text, breaks) if breaks else self.text
        found = self.rules.subjects(joined, self.gazetteer.mentions(joined))
        if not breaks:
            return found
        original = JoinedOffsets(breaks).original
        return [Mention(m.surface, original(m.begin), original(m.finish - 1) + 1) for m in found]

    def describe(self, start: int, end: int) -> Described:
        """Region, year and kind of the figure text[start:end], and its clause and sentence."""
        structure = self.structure
        clause, sentence = structure.clause(start, end), structure.sentence(start, end)
        # what the scopes before the figure's sentence depend on, looked up once for all fields
        before = Before(sentence.start, structure.paragraph(start), structure.heading(start))
        region = self.region(start, end, clause, sentence, before)
        owned, year = self.owned_year(start)
        if not owned:
            year = self.listed_year(start, clause) or self.year(start, end, clause, sentence, before)
        if _inside(self.goal_starts, self.goals, start):
            # a figure of the goal itself (距2025年77岁的目标, 超过25%的目标) is the goal: a target, of
            # the year the goal names if it names one
            k = bisect.bisect_right(self.goal_starts, start) - 1
            return Described(region, self._goal_year(k, start, year), Kind.TARGET, "context.goal", clause, sentence)
        kind, cue = self.kind(start, end, year, clause, sentence, before)
        if kind is Kind.TARGET and year == self.stated.year and self.horizon is not None:
            year = self.horizon  # a plan's target with no year of its own: the plan's end year
        elif (kind is Kind.ACTUAL and year in (self.stated.year, self.horizon, None) and self.base_year is not None
              and self.section_kind.get(before.heading, (None, ""))[1] == "kind.default.report_section"):
            year = self.base_year  # a plan's review section (发展基础): where the period before it ended
        return Described(region, year, kind, cue, clause, sentence)

    def region_at(self, at: int) -> Region | None:
        """The region the text gives at offset `at` as it would a figure there (a table's title
        that says 全市: the city in force there, not the province a site's name gives the page)."""
        structure = self.structure
        clause, sentence = structure.clause(at, at), structure.sentence(at, at)
        return self.region(at, at, clause, sentence, Before(sentence.start, structure.paragraph(at), structure.heading(at)))

    def _holding(self, field: str, start: int, clause: Segment, sentence: Segment) -> list[Scope]:
        """The field's scopes that hold the figure (its clause, its sentence): nearest counts from it."""
        return [Scope(name, clause if name == "clause" else sentence, start) for name in self.rules.holding[field]]

    def _wide(self, field: str, start: int, clause: Segment, sentence: Segment) -> Iterator[Scope]:
        """The field's scopes before the figure's sentence, nearest first, made as they are read."""
        # the title's own line (and a copy of it over the text) is the document's: what it says comes
        # from `stated`, not as a heading's (…2023年工作总结和2024年工作计划: its nearest year is the plan's)
        return (scope for scope in self.structure.scopes(start, self.rules.wide[field], clause=clause,
                                                           sentence=sentence, window=self.rules.window)
                if not (scope.name == "heading" and self._is_title(scope.segment)))

    def _before_sentence(self, field: str, before: Before, find: Callable[[], object]) -> object:
        """What the scopes before a figure's sentence say (`find`): the same for every figure of
        the sentence, so it is found once and kept, keyed by what those scopes depend on. The one
        cache of this module, kept here apart from the walk."""
        key = (field, before)
        if key not in self._kept:
            self._kept[key] = find()
        return self._kept[key]

    # --- 1. region --------------------------------------------------------------------------

    def region(self, start: int, end: int, clause: Segment, sentence: Segment, before: Before) -> Region | None:
        # most sentences name no region (their figures take it from before the sentence): the
        # scopes that hold the figure are searched only when a mention lies wholly inside them
        lo, hi = min(clause.start, sentence.start), max(clause.end, sentence.end)
        named = self._named_right_before(start, end)
        if named is not None:
            return named
        if self._of_several(lo, start):
            return None
        if bisect.bisect_left(self.mention_starts, lo) < bisect.bisect_right(self.mention_ends, hi):
            holding = self._holding("region", start, clause, sentence)
            for i, scope in enumerate(holding):
                found = self._region_in(scope, lambda: [*holding[i + 1:],
                                                        *self._wide("region", start, clause, sentence)])
                if found is not None:
                    return None if found is SEVERAL else found
        return self._before_sentence("region", before,
                                     lambda: self._region_before(list(self._wide("region", start, clause, sentence))))

    def _named_right_before(self, start: int, end: int) -> Region | None:
        """The region a name right before the figure (spaces apart) names: it states the figure,
        after a comparison word too where its level follows (低于全国6010元左右的平均水平), not a gap
        to it (高于全国0.62岁: regions.yaml)."""
        at = start
        while at > 0 and self.text[at - 1] in " \t　":
            at -= 1
        rules = self.rules
        average = (rules.average_bracket.search(self.text, max(0, at - rules.not_subject_chars), at)
                   if rules.average_bracket is not None else None)
        if average is not None and (named := self.names_ending.get(average.start())) is not None:
            return self._named_area(named.surface)  # 全省平均（65.1%）: the province's figure
        mention = self.names_ending.get(at)
        if mention is None:
            return None
        if self.text[mention.begin - 1:mention.begin] in self.rules.enumeration_joiners:
            return None  # the last of listed names (包头、赤峰、乌海3个): the list is counted (_enumeration)
        if (rules.gap_before is not None
                and rules.gap_before.search(self.text, max(0, mention.begin - rules.not_subject_chars), mention.begin)
                and not (rules.level_after is not None and rules.level_after.match(self.text, end))):
            return None
        return self.gazetteer.resolve(mention.surface, near=self.stated.region)

    def _named_area(self, surface: str) -> Region | None:
        """The region a name stands for where it states a figure: 全省 the document's own province (its own
        area where that is called so, else the area of that level it lies in); any other name as the
        gazetteer resolves it."""
        level = self.gazetteer.deictic.get(surface)
        if level is None:
            return self.gazetteer.resolve(surface, near=self.stated.region)
        own = self.stated.region
        if own is not None and own.name[-1] == surface[-1]:
            return own
        return self.gazetteer.at_level(own, level) if own is not None else self.main_regions.get(level)

    @cached_property
    def names_ending(self) -> dict[int, Mention]:
        """Every region name of the text, subject or not, by where it ends."""
        return {mention.finish: mention for mention in self.gazetteer.mentions(self.text)}

    @cached_property
    def several_areas(self) -> list[tuple[int, int]]:
        """Where the text names a plural subject (多数省份, 东北三省) that is no name of the gazetteer."""
        pattern = self.rules.several_areas
        if pattern is None:
            return []
        spans = []
        for match in pattern.finditer(self.text):
            k = bisect.bisect_right(self.mention_ends, match.start())  # the first mention ending after it starts
            if not (k < len(self.mentions) and self.mention_starts[k] < match.end()):
                spans.append(match.span())
        return spans

    def _of_several(self, lo: int, start: int) -> bool:
        """Whether the last plural subject in the figure's sentence (up to a ；) precedes the figure
        with no region named in the sentence before the figure (多数省份每千名儿童…不足0.8人): the
        figure is stated for several areas. Not a count of them (…：14个高于全国水平)."""
        spans = self.several_areas
        k = bisect.bisect_right(spans, (start, start)) - 1
        while k >= 0 and spans[k][1] > start:
            k -= 1  # one the figure stands in counts the areas (有20个城市)
        lo = max(lo, self.text.rfind("；", lo, start) + 1, self.text.rfind(";", lo, start) + 1)
        if k < 0 or spans[k][0] < lo or _AREA_COUNT.match(self.text, start):
            return False
        # no region named in the sentence before the figure, subject or not (全市14个县…, 高于全国)
        return not self.rules.gazetteer.mentions(self.text, lo, start)

    def _region_before(self, wide: list[Scope]) -> Region | None:
        """The region of the first scope before the sentence that names one, else the document's."""
        for i, scope in enumerate(wide):
            found = self._region_in(scope, lambda: wide[i + 1:])
            if found is not None:
                return found
        return self.stated.region

    def _region_in(self, scope: Scope, following: Callable[[], list[Scope]]) -> Region | _Several | None:
        """The nearest region mention before the scope's anchor (in a clause, else the first
        after it); regions listed together stand for their common parent (`_enumeration`)."""
        segment, anchor = scope.segment, scope.anchor
        lo = bisect.bisect_left(self.mention_starts, segment.start)
        hi = max(lo, bisect.bisect_right(self.mention_ends, segment.end))
        if lo == hi:  # most scopes name no region
            return None
        # mentions do not overlap: sorted by start, they are sorted by end too
        before = self.mentions[lo:bisect.bisect_right(self.mention_ends, anchor, lo, hi)]
        after = []
        if scope.name == "clause":
            # from the mention the figure stands in, if any (31个省份: the count is of the name)
            after = self.mentions[bisect.bisect_right(self.mention_ends, anchor, lo, hi):hi][:1]
        if len(before) >= 2:
            listed = self._enumeration(before, anchor, own_clause=scope.name == "clause")
            if listed is not None:
                return listed
        for mention in [*reversed(before), *after]:
            if mention.surface in self.gazetteer.deictic:
                earlier = Scope("earlier", Segment(segment.start, mention.begin), mention.begin)
                found = self._deictic(mention.surface, earlier, scope, following())
            else:
                found = self.gazetteer.resolve(mention.surface, near=self.stated.region)
            if found is not None:
                return found
        return None

    def _enumeration(self, before: list[Mention], anchor: int, *, own_clause: bool = False) -> Region | _Several | None:
        """包头、赤峰、乌海3个: regions listed right before a figure stand for their common parent;
        with 分别 between them and the figure (清流县、大田县分别为4.84张和4.79张), the i-th figure
        after it takes the i-th region. In the figure's own clause, a figure stated for all of them
        at once (越城区、新昌县病床使用率低于80%: not right after the list, as a count of its members
        is) is of several areas: SEVERAL."""
        joiners = self.rules.enumeration_joiners
        group = [before[-1]]
        for mention in reversed(before[:-1]):
            if self.text[mention.finish:group[-1].begin] not in joiners:
                break
            group.append(mention)
        if len(group) < 2 or self.text[group[0].finish:group[0].finish + 1] in joiners:
            return None
        regions = [self.gazetteer.resolve(m.surface, near=self.stated.region) for m in group]
        if any(r is None for r in regions):
            return None
        marker = self.rules.distribute.search(self.text, group[0].finish, anchor)
        if marker is not None:
            order = len(self.rules.figure.findall(self.text, marker.end(), anchor))
            if order < len(regions):
                return regions[len(regions) - 1 - order]  # the group runs from the last mention back
        counted = self.rules.enumeration_counted
        if own_clause and counted is not None and not counted.match(self.text[group[0].finish:anchor]):
            return SEVERAL
        return self.gazetteer.common_parent(regions)

    def _deictic(self, surface: str, earlier: Scope, scope: Scope, following: list[Scope]) -> Region | None:
        """全市, 自治区 found in a scope (`following`: the scopes after it): a region of that level named earlier in the same
        sentence or paragraph and called what the word says (宜昌市…全市); else the document's own
        area (全区 in 番禺区卫生健康局's report, whatever 广东省 it names in passing); else the
        region in force from further back."""
        level = self.gazetteer.deictic[surface]
        # from a clause or sentence, the wider scopes are searched only after the document's own area
        holding = scope.name in HOLDING
        near = [s for s in following if s.name in HOLDING] if holding else following
        far = [s for s in following if s.name not in HOLDING] if holding else []
        found = self._level_in([earlier, *near], level, surface)
        if found is not None and found.name[-1] == surface[-1]:
            return found
        own, title = self.stated.region, self.stated.title or ""
        if own is not None and own.name[-1] == surface[-1] and not any(mark in title for mark in "。；！？，"):
            return own
        if found is None:
            found = self._level_in(far, level, surface)
        if found is not None:
            return found
        if own is not None:
            return self.gazetteer.at_level(own, level)
        return self.main_regions.get(level)

    def _level_in(self, scopes: list[Scope], level: str, surface: str) -> Region | None:
        """The region at `level` of the last named region of the first scope that has one; a
        region called what the word says is itself (全市 after 天长市, a county-level city; 全区
        after 金坛区), whatever its level."""
        for scope in scopes:
            lo = bisect.bisect_left(self.mention_starts, scope.segment.start)
            k = bisect.bisect_right(self.mention_ends, scope.segment.end) - 1
            while (k := self.named_up_to[k] if k >= 0 else -1) >= lo:  # named ones only, nearest first
                region = self.gazetteer.resolve(self.mentions[k].surface, near=self.stated.region)
                found = region and (region if region.name[-1] == surface[-1] else self.gazetteer.at_level(region, level))
                if found:
                    return found
                k -= 1
        return None

    @cached_property
    def names(self) -> NameIndex:
        """Where the gazetteer's names occur in the text (indicators start after them)."""
        return self.gazetteer.names_in(self.text)

    @cached_property
    def main_regions(self) -> dict[str, Region]:
        """Per level, the region of that level the document names most often (全市 in a plan
        whose title names no region)."""
        counts: dict[str, dict[str, int]] = {level: {} for level in LEVELS}
        for mention in self.mentions:
            if mention.surface in self.gazetteer.deictic or in_book_title(self.text, mention.begin):
                continue
            region = self.gazetteer.resolve(mention.surface)
            for level in LEVELS:
                found = region and self.gazetteer.at_level(region, level)
                if found:
                    counts[level][found.code] = counts[level].get(found.code, 0) + 1
        return {level: self.gazetteer.by_code[max(found, key=found.__getitem__)]
                for level, found in counts.items() if found}

    # --- 2. year ----------------------------------------------------------------------------

    def owned_year(self, start: int) -> tuple[bool, int | None]:
        """(True, year) when the words right before a figure make it a given year's value:
        比2018年的77.0岁 → 2018; 由上年的18.3/10万 → the document's year less one."""
        lo = max(0, start - self.rules.years.value_of_chars)
        owned = self.rules.value_of.search(self.text, lo, start)
        if owned is None:
            # 由80.70岁提高到…: a starting value with no year of its own has none (GUIDELINES: Year),
            # or that of the dated starting value before it in its sentence
            if self.rules.starting_value.search(self.text, lo, start) is None:
                return False, None
            return True, self._starting_year(start)
        if owned.group("year"):
            return True, year_of(owned)
        return True, self.stated.year - 1 if self.stated.year else None

    def listed_year(self, start: int, clause: Segment) -> int | None:
        """The k-th year of a list of years (2015年、2016年、2017年) or a span (2015—2017年) for the
        k-th figure after 分别 in the figure's clause, where the list has as many years as 分别 has
        figures: the nearest such list before 分别 in the paragraph."""
        text = self.text
        markers = list(self.rules.distribute.finditer(text, clause.start, start))
        if not markers:
            return None
        marker = markers[-1]  # the 分别 nearest before the figure
        figures = self._figure_starts(marker.end(), clause.end)
        if len(figures) < 2 or start not in figures:
            return None
        # in the figure's sentence the nearest list; before it in its paragraph, one that frames a
        # sentence (2015年、2016年、2017年，…), not one dating a figure of its own (2012—2014年年均15.9%)
        sentence = self.structure.sentence(start, start)
        paragraph = self.structure.paragraph(start)
        lists = [years for years, end in self._year_lists(paragraph.start if paragraph else sentence.start, marker.start())
                 if end > sentence.start or text[end:end + 1] in ("，", ",")]
        years = next((listed for listed in reversed(lists) if len(listed) == len(figures)), None)
        return years[figures.index(start)] if years else None

    def _figure_starts(self, lo: int, hi: int) -> list[int]:
        """Where the figures of text[lo:hi] start: numbers that are no year and no rate's unit (/10万)."""
        k = bisect.bisect_left(self.year_starts, lo)
        years = [(y.start, y.end) for y in self.years[k:bisect.bisect_left(self.year_starts, hi, k)]]
        starts = [a for a, _ in years]
        return [m.start() for m in self.rules.figure.finditer(self.text, lo, hi)
                if self.text[m.start() - 1:m.start()] not in "/／" and not _inside(starts, years, m.start())]

    def _year_lists(self, lo: int, hi: int) -> list[tuple[list[int], int]]:
        """The lists of years in text[lo:hi] in text order, each as its years and where it ends:
        runs of years joined by list joiners only, and spans of years."""
        found: list[tuple[int, list[int], int]] = []  # (where a list starts, its years, where it ends)
        k = bisect.bisect_left(self.year_starts, lo)
        for mention in self.years[k:bisect.bisect_left(self.year_starts, hi, k)]:
            if mention.end > hi or mention.value is None:
                continue
            if found and self.text[found[-1][2]:mention.start].strip() in self.rules.enumeration_joiners:
                found[-1] = (found[-1][0], [*found[-1][1], mention.value], mention.end)
            else:
                found.append((mention.start, [mention.value], mention.end))
        if self.rules.year_span is not None:
            for match in self.rules.year_span.finditer(self.text, lo, hi):
                first, last = int(match.group("first")), int(match.group("last"))
                if first < last <= first + 10:
                    found.append((match.start(), list(range(first, last + 1)), match.end()))
        return [(years, end) for _start, years, end in sorted(found, key=lambda item: item[0])]

    def _starting_year(self, start: int) -> int | None:
        """The year of the comparison nearest before `start` in its paragraph (由2020年的9.8/10万,
        由上年的…, 比2020年提高, 较改革前 where the document dates 改革前), else in the headings over it."""
        pattern = self.rules.starting_year
        if pattern is None:
            return None
        structure = self.structure
        paragraph = structure.paragraph(start)
        lo = min(paragraph.start if paragraph else start, structure.sentence(start, start).start)
        found = self._last_frame(lo, start)
        # else the headings of the block of lines over it (no blank line between), nearest first: a
        # list's title and frame over lines such as 编制床位：由1120张增至1260张; not the title
        heading, hi = structure.heading(start), start
        while found is None and heading is not None and not self._is_title(heading):
            found = self._last_frame(heading.start, min(heading.end, hi))
            hi = heading.start
            above = structure.heading(heading.start - 1) if heading.start else None
            if above is None or regex.search(r"\n[^\S\n]*\n", self.text[above.end:heading.start]):
                break  # a blank line stands between: the block ends
            heading = above
        return found

    def _last_frame(self, lo: int, hi: int) -> int | None:
        """The year of the last comparison frame in text[lo:hi] whose year is known."""
        found = None
        for match in self.rules.starting_year.finditer(self.text, lo, hi):
            if match.group("year"):
                found = year_of(match)
            elif match.group("previous"):
                found = self.stated.year - 1 if self.stated.year else found
            elif match.group("word") in self.frame_years:
                found = self.frame_years[match.group("word")]
        return found

    @cached_property
    def frame_years(self) -> dict[str, int]:
        """The comparison words the document dates (改革前（2019年）: 改革前 is 2019); the first date counts."""
        found: dict[str, int] = {}
        if self.rules.frame_defined is not None:
            for match in self.rules.frame_defined.finditer(self.text):
                found.setdefault(match.group("word"), year_of(match))
        return found

    def year(self, start: int, end: int, clause: Segment, sentence: Segment, before: Before) -> int | None:
        # as for regions: the scopes that hold the figure only when a year or 今年 starts in them
        lo, hi = min(clause.start, sentence.start), max(clause.end, sentence.end)
        if _starts_in(self.year_starts, lo, hi) or _starts_in(self.relative_starts, lo, hi):
            for scope in self._holding("year", start, clause, sentence):
                found = self._year_in(scope, start, end)
                if found is not None:
                    return found
        # the scopes before the sentence end before the figure: it hides no year of theirs
        return self._before_sentence("year", before, lambda: next(
            (found for scope in self._wide("year", start, clause, sentence)
             if (found := self._year_in(scope, start, end)) is not None), self.stated.year))

    def _year_in(self, scope: Scope, start: int, end: int) -> int | None:
        """The nearest year stated before the anchor, else a relative word (今年) before it, else
        the first year after it; baselines and the figure itself are skipped."""
        segment, anchor = scope.segment, scope.anchor
        if scope.name == "heading" and self.section_kinds.get(segment, (None, ""))[1] == "kind.default.problems_section":
            return None  # 存在问题及2024年打算: the year is the plan's, not the problems'
        lo = bisect.bisect_left(self.year_starts, segment.start)
        hi = bisect.bisect_left(self.year_starts, segment.end, lo)
        before = after = None
        for mention in self.years[lo:hi]:
            if mention.end > segment.end or mention.value is None or (mention.start < end and mention.end > start):
                continue
            if mention.seen is not None and not mention.seen.start <= start < mention.seen.end:
                continue  # an aside's or an assessment's year, not seen from here
            if mention.end <= anchor:
                before = mention.value
            elif after is None:
                after = mention.value
        if before is not None:
            return before
        relative = self._relative_in(segment.start, min(anchor, segment.end)) if self.stated.year else None
        if relative is not None:
            return self._relative_year(relative, own_clause=scope.name == "clause")
        return after

    def _relative_year(self, at: int, *, own_clause: bool) -> int | None:
        """The year the relative word at `at` stands for: the document's; for a word naming the year
        of writing (今年) on a page stamped later than the year it reports, the publication year, in
        the figure's clause or from the opening of a sentence (今年一季度，全省…), not from a remark
        in passing (人均预期寿命76.4岁，…，预计今年可基本实现；居民健康素养水平28.7%: 2024's)."""
        published, stated = self.stated.published, self.stated.year
        i = bisect.bisect_left(self.relative_starts, at)
        word = self.text[at:self.relative_ends[i]]
        if word in self.rules.now_words and published and stated and published > stated and (
                own_clause or not self.text[self.structure.sentence(at, at).start:at].strip()):
            return published
        return stated

    def _is_title(self, segment: Segment) -> bool:
        """Whether a heading is the document's title line, or a copy of it spaced apart (荆州市医疗保障局
        2023 年工作总结…, as PDF text sets it)."""
        title = self._title_key
        return bool(title) and segment.end - segment.start >= len(title) and \
            _SPACES.sub("", self.text[segment.start:segment.end].strip().strip("#*")) == title

    @cached_property
    def _title_key(self) -> str:
        """The title without its spaces, as `_is_title` compares headings with it."""
        return _SPACES.sub("", self.stated.title or "")

    def _relative_in(self, lo: int, hi: int) -> int | None:
        """Where the first relative year word (今年, 目前) that lies wholly in text[lo:hi] starts, if any."""
        i = bisect.bisect_left(self.relative_starts, lo)
        return self.relative_starts[i] if i < len(self.relative_starts) and self.relative_ends[i] <= hi else None

    def _goal_year(self, k: int, start: int, year: int | None) -> int | None:
        """The year of the k-th goal's figure at `start`: the year or five-year period the goal
        names before it (距2025年77岁的目标, 距离“十四五”末3.93人的目标); else that of the last goal of its
        paragraph naming one (距2025年…的目标…；…已提前超过25%的目标: 2025); else the end of the plan
        period its document's title names (a “十四五” mid-term review's 距约束性目标3.93人: 2025);
        else the figure's own year."""
        lo = self.goals[k][0]
        named = self._year_between(lo, start)
        paragraph = self.structure.paragraph(start)
        while named is None and k > 0 and paragraph is not None and self.goals[k - 1][0] >= paragraph.start:
            k -= 1
            named = self._year_between(self.goals[k][0], self.goals[k][1])
        if named is None:
            title = self.stated.title or ""
            named = next((end for period, end in self.rules.book.kind.plan_periods.items() if period in title), None)
        return named if named is not None else year

    def _year_between(self, lo: int, hi: int) -> int | None:
        """The year a goal's words text[lo:hi] name: a year, else a five-year period's end (the
        goal's years date no other figure, so they are read here, not from the year mentions)."""
        named = self.rules.year_pattern.search(self.text, lo, hi)
        if named is not None:
            return year_of(named)
        period = self.rules.period.search(self.text, lo, hi) if self.rules.period is not None else None
        return self.rules.book.kind.plan_periods.get(period.group("period")) if period is not None else None

    # --- 3. kind ----------------------------------------------------------------------------

    def kind(self, start: int, end: int, year: int | None, clause: Segment, sentence: Segment,
             before: Before) -> tuple[Kind, str]:
        """The kind and the id of the cue (or default) that decided it."""
        # a figure outside every paragraph (a heading's: 青岛：人均预期寿命82.57岁) has its sentence for one
        paragraph = before.paragraph or sentence
        segments = {"clause": clause, "sentence": sentence, "paragraph": Segment(paragraph.start, max(paragraph.end, end))}
        cue = self._nearest_cue(start, end, segments, self._lead_in(sentence, clause))
        stated = self.stated.year
        if cue is not None and not (year is not None and stated is not None and year < stated
                                    and (cue[1] in self.rules.book.kind.past_year_cues or cue[1].endswith(".lead_in"))):
            return cue
        continued = self._before_sentence("plan", before, lambda: self._continued_plan(start))
        if continued is not None and not (year is not None and stated is not None and year < stated):
            return continued
        if year is not None and stated is not None and year > max(stated, self.stated.published or stated):
            # later than the year of writing too (a page stamped 2025 reporting 2024: 今年一季度 is 2025's, done)
            return Kind.TARGET, "kind.default.future_year"
        if year is not None and stated is not None and year < stated and (
                self._dated_before(sentence.start, start)
                or before.paragraph is not None and self._dated_before(*self._first(before.paragraph, self.structure.clause))):
            # a figure its own sentence, or its paragraph's opening, dates before the document's year is
            # what was reached, in a plan's target section too (人均预期寿命：2025年79.6岁，2030年达到80.5岁;
            # 2024年，全县…参保51.20万人，参保率95.8%)
            return Kind.ACTUAL, "kind.default.past_year"
        section = self.section_kind.get(before.heading)
        if section is not None:
            return section
        if year is not None and stated is not None and year < stated:
            return Kind.ACTUAL, "kind.default.past_year"  # a plan's baseline: 至2020年末…达到
        if self.stated.is_plan:
            return Kind.TARGET, "kind.default.plan"
        return Kind.ACTUAL, "kind.default.report"

    def _continued_plan(self, start: int) -> tuple[Kind, str] | None:
        """A paragraph that continues a plan's paragraph (2024年,青海省将持续深化医改工作。 then
        一是…, 二是…) plans what it lists (gold/GUIDELINES.md, Year): the paragraphs before the
        figure's are read nearest first, up to the first that opens with a year of its own or is a
        marked heading (五、…); one whose first sentence holds a paragraph-wide target cue (省将,
        下一步) gives its kind. A paragraph that opens with its own year starts afresh."""
        structure = self.structure
        paragraph = structure.paragraph(start)
        if (paragraph is None or not _starts_in(self.plan_cue_starts, 0, paragraph.start)
                or self._dated_before(*self._first(paragraph, structure.clause))):
            return None  # most documents hold no plan paragraph before the figure's
        levels = self.rules.structure_patterns.levels
        for scope in structure.scopes(start, ["previous_paragraphs"], clause=paragraph, sentence=paragraph,
                                      window=self.rules.window):
            earlier = structure.paragraph(scope.segment.start)
            bare = self.text[earlier.start:earlier.end].strip().strip("#*>\t 　") if earlier else ""
            if earlier is None or any(level.match(bare) for level in levels):
                return None
            lo, hi = self._first(earlier, structure.sentence)
            k = bisect.bisect_left(self.plan_cue_starts, lo)
            if k < len(self.plan_cue_starts) and self.plan_cue_starts[k] < hi:
                return Kind.TARGET, f"{self.plan_cue_ids[k]}.continued"
            if self._dated_before(*self._first(earlier, structure.clause)):
                return None
        return None

    @staticmethod
    def _first(paragraph: Segment, unit: Callable[[int, int], Segment]) -> tuple[int, int]:
        """The span of a paragraph's first clause or sentence (`unit`: Structure.clause or .sentence)."""
        lo = paragraph.start
        return lo, min(unit(lo + 1, lo + 1).end, paragraph.end) if paragraph.end > lo else lo

    def _dated_before(self, lo: int, hi: int) -> bool:
        """Whether a year that is no baseline lies wholly in text[lo:hi]."""
        k = bisect.bisect_left(self.year_starts, lo)
        while k < len(self.years) and self.years[k].start < hi:
            if self.years[k].value is not None and self.years[k].end <= hi:
                return True
            k += 1
        return False

    def _lead_in(self, sentence: Segment, clause: Segment) -> Segment | None:
        """The sentence's lead-in (我们的主要预期目标是：) when it ends before the figure's clause, else None."""
        if self.rules.lead_in_end is None or clause.start <= sentence.start:
            return None
        found = self.rules.lead_in_end.search(self.text, sentence.start, clause.start)
        return Segment(sentence.start, found.start()) if found else None

    def _nearest_cue(self, start: int, end: int, segments: dict[str, Segment],
                     lead_in: Segment | None = None) -> tuple[Kind, str] | None:
        """The kind and id of the nearest cue in its scope (distance plus the scope's weight; the
        first in kind.yaml on a tie), None if none applies. A clause cue in the sentence's `lead_in`
        reaches the figure as one in its own clause does."""
        best: tuple[int, Kind, str] | None = None
        for (cue, _find), (starts, ends) in zip(self.rules.cues, self.cue_matches):
            if not starts:  # most cues are not in a given document
                continue
            segment, cue_id = segments[cue.scope], cue.id
            if cue.direction == "backward":
                k = bisect.bisect_right(ends, start) - 1  # the last match ending by the figure's start
                if (k < 0 or starts[k] < segment.start) and cue.scope == "clause" and lead_in is not None:
                    k = bisect.bisect_right(ends, lead_in.end) - 1  # ...or by the end of the lead-in, in it
                    segment, cue_id = lead_in, f"{cue.id}.lead_in"
                distance = start - ends[k] if k >= 0 and starts[k] >= segment.start else None
            else:
                k = bisect.bisect_left(starts, end)  # the first match starting after the figure
                distance = starts[k] - end if k < len(starts) and ends[k] <= segment.end else None
            if distance is not None and (best is None or distance + _SCOPE_WEIGHT[cue.scope] < best[0]):
                best = (distance + _SCOPE_WEIGHT[cue.scope], cue.kind, cue_id)
        return None if best is None else (best[1], best[2])

    # --- 4. a plan's horizon ------------------------------------------------------------------

    @cached_property
    def base_year(self) -> int | None:
        """The year a five-year plan starts from, the last of the period before (2020 for a
        “十四五” plan): its title names the period. What its review section reports, when no
        year of the figure's own says otherwise, stands at that year."""
        if not self.stated.is_plan:
            return None
        title = self.stated.title or ""
        return next((end - 5 for period, end in self.rules.book.kind.plan_periods.items() if period in title), None)

    @cached_property
    def horizon(self) -> int | None:
        """The end year of a plan whose title states no year: of the `到2025年` and periods
        (“十四五”末) it names later than the document's year, the one it names most often (the
        latest on a tie: 到2035年 in a 2025 plan's outlook does not move its targets)."""
        if not self.stated.is_plan or self.rules.year_pattern.search(self.stated.title or ""):
            return None
        years = [year_of(m) for m in self.rules.horizon.finditer(self.text) if m.group("year")]
        years += [end for period, end in self.rules.book.kind.plan_periods.items()
                  for _ in range(self.text.count(period))]
        later = Counter(y for y in years if self.stated.year is None or y > self.stated.year)
        return max(later, key=lambda y: (later[y], y)) if later else None


def _outside(spans: list[tuple[int, int]], held: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans (sorted) that lie inside none of `held` (sorted, not overlapping).

    >>> _outside([(0, 2), (5, 7), (9, 10)], [(5, 9)])
    [(0, 2), (9, 10)]
    """
    if not held:
        return spans
    starts = [lo for lo, _hi in held]
    kept = []
    for lo, hi in spans:
        at = bisect.bisect_right(starts, lo) - 1
        if not (at >= 0 and held[at][0] <= lo and hi <= held[at][1]):
            kept.append((lo, hi))
    return kept


def _bare_lines(text: str) -> Iterator[tuple[str, tuple[int, int]]]:
    """Each line of the text without its blanks and Markdown marks (`# `, `**`), with where that
    stands in the text."""
    at = 0
    for line in text.splitlines(keepends=True):
        bare = line.strip().strip("#*").strip()
        start = at + line.find(bare)
        yield bare, (start, start + len(bare))
        at += len(line)


def _inside(starts: list[int], spans: list[tuple[int, int]], position: int) -> bool:
    """Whether `position` lies inside one of `spans` (sorted, not overlapping; `starts` theirs)."""
    at = bisect.bisect_right(starts, position) - 1
    return at >= 0 and position < spans[at][1]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans sorted, overlapping ones joined.

    >>> _merged([(5, 9), (0, 2), (8, 12)])
    [(0, 2), (5, 12)]
    """
    joined: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if joined and lo <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(hi, joined[-1][1]))
        else:
            joined.append((lo, hi))
    return joined


def _starts_in(starts: list[int], lo: int, hi: int) -> bool:
    """Whether one of the sorted offsets lies in [lo, hi)."""
    k = bisect.bisect_left(starts, lo)
    return k < len(starts) and starts[k] < hi


def in_book_title(text: str, position: int) -> bool:
    """Inside 《…》: the name of a cited document, not the document's own subject."""
    opened = text.rfind("《", 0, position)
    return opened >= 0 and text.rfind("》", opened, position) < 0


_SPACES = regex.compile(r"\s+")
_ALIGNMENT = regex.compile(r"[ \t　]{2,}")  # a run of spaces that sets two parts of a line apart


def year_of(match: regex.Match[str]) -> int:
    r"""The year a year mention names, whatever digits and line breaks it is written with.

    >>> import regex; year_of(regex.match(r"(?P<year>(?s:.*))", "２０\n２３"))
    2023
    >>> year_of(regex.match(r"(?P<year>.*)", "二○二四")), year_of(regex.match(r"(?P<year>.*)", "一九九八"))
    (2024, 1998)
    """
    # ○ (a circle) is often typed for the numeral 〇: read as it is meant
    return int(parse_number(match.group("year").replace("○", "〇")))

