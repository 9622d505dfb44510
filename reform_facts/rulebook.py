"""Load and validate rules/*.yaml into one immutable `Rulebook`.

Every file is checked by a pydantic schema (unknown keys refused), fragments are substituted
into patterns by name, every pattern compiles, ids are unique and the unit ids that rules name
exist. Errors name the file and the rule id. Every `examples:` entry is checked against its own
rule in one test, tests/test_rule_examples.py (matching needs the extractors, a layer above).
The schema of the canonical indicator catalogue, which the warehouse reads, is here too: every
rules file has its schema in this module.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import opencc
import regex
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from reform_facts import paths
from reform_facts.claim import Comparator, Kind, QuantityType
from reform_facts.errors import RuleFileError

RULES_DIR = paths.RULES_DIR
FLAGS = regex.VERBOSE | regex.V1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitRule(Strict):
    id: str
    unit: str
    quantity_type: QuantityType
    surfaces: list[str]
    factor: float = 1.0
    numerals: Literal["arabic", "chinese", "any"] = "any"
    confidence: float = 0.9
    requires_context: list[str] = []
    examples: list[str] = []


class RateRule(Strict):
    id: str
    cues: list[str]
    suffix: str
    units: list[str]
    carry_max: float | None = None  # the cue holds in later clauses of its sentence for values up to this
    examples: list[str] = []


class SharedUnitRule(Strict):
    unit: str  # the id of the units.yaml rule a figure is cut short to (个)
    shares: str  # the id of the rule whose unit it shares with the list's last figure (个百分点)
    after: str  # what follows the figure when it does: the list's joiner and its next figure
    examples: list[str] = []


class UnitsFile(Strict):
    units: list[UnitRule]
    requires_context_window: int  # characters before a figure searched for `requires_context`
    rate_cue_window: int  # characters before a figure searched for a rate's cue
    rates: list[RateRule]
    rate_classifiers: dict[str, str] = {}  # a count's classifier as its rate writes it (名 -> 人: 人/万人)
    shared_units: list[SharedUnitRule] = []  # a unit a list writes once, at its end (5.6个、2.12个百分点)

    def rule(self, unit_id: str) -> UnitRule:
        """The unit rule of an id (numbers.yaml's ratio and bare_scale name theirs)."""
        for rule in self.units:
            if rule.id == unit_id:
                return rule
        raise RuleFileError(f"units.yaml: no unit rule {unit_id!r}")


class ScaleRule(Strict):
    id: str
    surface: str
    factor: float


class RatioRule(Strict):
    unit: str  # the id of the units.yaml rule whose unit, type, id and confidence its claims take
    pattern: str


class BareScaleRule(Strict):
    id: str
    unit: str  # the id of the units.yaml rule whose unit and type its claims take
    confidence: float
    pattern: str
    next: str = ""  # tried right after a match, again and again: its `figures` are of the same noun
    examples: list[str] = []


class ListUnitRule(Strict):
    id: str
    confidence: float
    units: list[str]  # the surfaces (units.yaml) a list writes after its last figure
    window: int  # how far before such a unit the list is looked for
    pattern: str  # ends where the unit starts; group `figures`: the bare numbers before the last figure
    examples: list[str] = []


class IndexName(Strict):
    pattern: str  # the name of an index (CMI值, 时间消耗指数)
    unit: str  # the unit its figures take (GUIDELINES: CMI, 指数)


class NamedIndexRule(Strict):
    id: str
    confidence: float
    names: list[IndexName]
    figure: str  # a bare figure after a name: a decimal with no unit of its own
    stop: str  # where a name's figures end: the clause's end, or a figure with a unit of its own
    examples: list[str] = []


class NumbersFile(Strict):
    fragments: dict[str, str]
    scales: list[ScaleRule]
    quantity: str
    ratio: RatioRule
    bare_scale: BareScaleRule
    noun_scale: BareScaleRule | None = None  # a scaled number whose unit its noun ends in
    list_unit: ListUnitRule | None = None  # bare numbers of a list whose unit follows its last figure
    named_index: NamedIndexRule | None = None  # bare decimals after an index's name (CMI值由0.98提高到1.05)


class JoinerRule(Strict):
    id: str
    surfaces: list[str]
    examples: list[str] = []


class RangesFile(Strict):
    joiners: list[JoinerRule]


class ComparatorRule(Strict):
    id: str
    comparator: Comparator
    position: Literal["before", "after", "inside"]
    surfaces: list[str]
    reach: int = 0  # other characters allowed between the word and the number
    examples: list[str] = []


class ComparatorsFile(Strict):
    comparators: list[ComparatorRule]
    gap: str
    window: int  # characters before and after a figure searched for a comparator word


class ExclusionRule(Strict):
    id: str
    reason: str
    before: str | None = None
    after: str | None = None
    span: str | None = None
    sentence: str | None = None
    chinese_below: float | None = None
    quantity_types: list[QuantityType] = []
    examples: list[str] = []


class ExclusionsFile(Strict):
    exclusions: list[ExclusionRule]
    window: int  # characters that `before` and `after` patterns see around a figure


class KindCue(Strict):
    id: str
    kind: Kind
    surfaces: list[str] = []
    pattern: str | None = None
    direction: Literal["backward", "forward"]
    scope: Literal["clause", "sentence", "paragraph"]
    examples: list[str] = []


class KindFile(Strict):
    cues: list[KindCue]
    plan_titles: list[str]
    report_titles: list[str]
    plan_sections: list[str]
    report_sections: list[str]
    not_plan_words: list[str]
    not_cue_words: list[str] = []  # words that hold a cue without being one (主要 holds 要)
    lead_in_end: str = ""  # where a sentence's lead-in ends (：): its clause cues reach the list after it
    past_year_cues: list[str]
    plan_horizon: str
    plan_periods: dict[str, int]


class YearsRule(Strict):
    pattern: str
    baseline_before: str
    baseline_before_chars: int
    baseline_after: str
    baseline_after_chars: int
    value_of: str
    value_of_chars: int
    starting_value: str
    relative: list[str]
    opening_chars: int
    cited: str = ""  # a cited document's title: the years inside it are that document's
    edition: str = ""  # an edition of a series (简报 2024年第4期): not the year reviewed, the latest its text reports
    ahead: str = ""  # a year named as a deadline or goal (2024年底前, 力争到2025年): no year the text reports
    published: str = ""  # a web page's publication time (2023-06-14 08:52): the year of an undated page
    reviewed: str = ""  # the year whose data a page says it reviews (根据2023年…统计数据): before its publication's
    yearbook: str = ""  # a yearbook's edition in a title (秭归统计年鉴—2024, 济宁年鉴2023): it reports the year before
    now: list[str] = []  # relative words that name the year of writing (今年): a stamped page's publication year
    period: str = ""  # a five-year period's span or end (“十五五”期间, “十四五”末): the year it ends, kind.yaml's plan_periods
    aside: str = ""  # a bracket that dates a figure of its own: its year is seen inside it only
    frame_after: str = ""  # after a year, an assessment it names (…绩效考核中): seen in its sentence only
    starting_year: str = ""  # a dated starting value (由2020年的9.8/10万): dates the undated ones after it
    frame_defined: str = ""  # a comparison word the document dates (改革前（2019年）): frames of starting values
    action_date: str = ""  # the date of an action (于2023年1月至2月…考核): its year dates no figure
    span: str = ""  # a span of years (2015—2017年): as many years as a 分别 list after it has figures


class ContextFile(Strict):
    scopes: dict[Literal["region", "year"],
                 list[Literal["clause", "sentence", "paragraph", "previous_paragraphs", "heading", "document"]]]
    sentence_end: str
    clause_end: str
    opening_end: str
    soft_break_min_line: int
    question: str  # a reporter's question's opening, the fragment {QUESTION}
    heading: str
    speaker: str
    heading_levels: dict[str, str]  # name: list marker, outermost first
    dateline: str
    not_title: str
    wide_window: int
    goal_reached: str = ""
    compendium_regions: int = 0  # an opening naming this many regions of one level is a compendium's
    problems_heading: str = ""  # a heading naming the problems found before a plan (存在问题及2024年打算)
    years: YearsRule


class RegionAddition(Strict):
    id: str
    name: str
    code: str
    level: Literal["country", "province", "prefecture", "county"]
    parent: str | None = None
    surfaces: list[str]
    examples: list[str] = []

    @field_validator("code")
    @classmethod
    def six_digits(cls, code: str) -> str:
        if not (len(code) == 6 and code.isdigit()):
            raise ValueError(f"code {code!r} is not six digits")
        return code


class DeicticRule(Strict):
    id: str
    surfaces: list[str]
    level: Literal["province", "prefecture", "county"]


class RegionsFile(Strict):
    additions: list[RegionAddition]
    deictic: list[DeicticRule]
    not_subject_before: str
    not_subject_after: str
    not_subject_chars: int
    enumeration_joiners: list[str]
    enumeration_counted: str = ""  # what may stand between listed regions and a figure that counts them
    several_areas: str = ""  # a plural subject (多数省份, 东北三省, 两县): the figures stated of it have no region
    city_parts: list[str] = []  # a city's parts of several districts (中心城区, …城镇群): no one region, in prose and tables
    alias_not_followed_by: list[str]
    gap_before: str = ""  # a gap word before a name right before a figure (高于全国0.62岁): the gap is the subject's
    level_after: str = ""  # ...unless the name's level follows the figure (低于全国6010元左右的平均水平)
    average_bracket: str = ""  # a name's average opening a bracket before a figure (全省平均（65.1%）): the name's figure
    aliases: dict[str, str]
    ignore: list[str]
    local_only: list[str] = []  # names that are common words too: a region only in its own city
    common_word_max_idf: float
    autonomous_short_form: str  # 瀍河回族区 written 瀍河区; {PEOPLE} stands for autonomous_peoples
    autonomous_peoples: list[str]
    county_short_form_ends: list[str] = []  # 罗田 for 罗田县: a county's short form, in a title only


class IndicatorsFile(Strict):
    strip_end: list[str]
    strip_start: list[str]
    max_chars: int
    change_from: list[str]
    change_from_chars: int
    unit_after: str = ""  # a number's unit after it, which no measure starts with
    distribute: list[str]
    list_joiners: list[str]
    after_boundary: str
    after_extra_chars: int
    head_nouns: list[str]
    qualifier: str
    attribute_marker: str
    list_end: str = ""  # a phrase longer than max_chars keeps what follows it too (A、B等C -> C)
    not_a_measure: str
    owner_words: list[str] = []  # the measure starts after the last of them (乡镇卫生院共有床位 -> 床位)
    standard_after: str = ""  # after a figure, a standard its units reach (3家达到推荐标准): the measure
    parts_openers: list[str] = []  # a sentence opened so breaks the figure before down (其中兰州市为74.5岁)
    compared_only: str = ""  # a clause that only says what a figure is compared with (比全市平均水平低): no measure
    score_before: str = ""  # a score's word right before a figure (包头市得分91.08分): the measure, if nothing else is
    name_numbers: str = ""  # a number that belongs to the name of a group (5岁以下儿童): no cut before the measure
    recipient: str = ""  # whom a service or staff goes to (向乡镇卫生院派驻): the measure starts after it


class TablesFile(Strict):
    confidence: float  # of a claim read from a table cell
    index_headers: list[str]
    unit_headers: list[str]
    target_words: list[str]
    change_words: list[str]
    percent_change_words: list[str]
    previous_year: list[str]
    carried_forward: list[str] = []  # a balance brought forward (上年结余): a line of this year's accounts
    this_year: list[str]
    row_marker: str
    total_label: str
    institution_suffixes: list[str]
    generic_heads: list[str]
    period_words: list[str]
    period_measures: list[str] = []  # measures holding a period word (可支付月数): no period column
    title_fillers: list[str]
    area_rows: list[str]
    area_suffixes: list[str]
    unit_nouns: dict[str, list[str]]
    bare_leaves: list[str] = []  # sub-column labels that say how, not what (人数 under 常住人群签约)
    total_suffixes: list[str] = []  # a column's label names its measure and a total (床位合计): the measure alone
    date_headers: list[str] = []  # headers of a column of dates (开业时间): its bare years are no figures
    grouping_suffixes: list[str] = []  # endings of such groupings (伊犁州直): part of a prefecture, no one region
    grouping_areas: list[str] = []  # groupings of several areas (东部): rows or columns whose cells have no region
    done_words: list[str] = []  # a column of what was done against a target (完成预算%) is no target column
    own_leaves: list[str] = []  # sub-column labels that are measures of their own (完成率 under a measure)
    kind_headers: list[str] = []  # a label column headed so (进展类别, 险种) has rows of kinds: the column measures
    target_titles: list[str] = []  # a title ending so (分解目标) over columns without years: every figure a target
    change_fillers: list[str] = []  # words a change label holds besides its change word (比, 年均, 值)
    measure_units: list[str] = []  # units only tables state, measures (分: a score)
    section_levels: list[str] = []  # heading levels (context.yaml) whose headings end a unit line's reach
    scheme_rows: list[str] = []  # a sub-row ending so names a scheme or fund only (职工基本医疗保险, 统筹基金): the parent's measure
    scheme_words: list[str] = []  # a parent's measure starts after the last of them (基本医疗保险参保人数 -> 参保人数)
    benefit_rows: list[str] = []  # a row ending so names a kind of benefit (住院, 普通门诊统筹): the column's measure
    attribute_headers: list[str] = []  # a text column headed so (等级) says what an institution is: no label, no claim
    institution_kinds: list[str] = []  # a sub-row or #-column ending so names whose figure it is (医院): the parent's measure
    institution_counts: list[str] = []  # a measure ending so counts institutions (机构数): its parts keep their own noun
    other_rows: list[str] = []  # a row so (其他) after rows of institutions is one more of them
    note_mark: str = "(?!)"  # a footnote mark at a label's end (①, ※, *)
    month_row: str = "(?!)"  # a row label that is a month (1月, 1-6月): the column measures
    points_note: str = "(?!)"  # a note's clause saying the change column of the rows it names is in points
    unmeasured_titles: list[str] = []  # a title ending so (平均水平, 排名前五的省份) names no measure: the table above's
    unitless_rates: dict[str, str] = {}  # a measure ending so that no unit is stated for is a rate in this unit (性别比: /100)
    unitless_measures: dict[str, str] = {}  # measures a table states no unit for, by how their name ends (指数)
    examples: list[str] = []


@dataclass(frozen=True, slots=True)
class Rulebook:
    """Every rule file, validated, plus the compiled patterns built from them."""

    units: UnitsFile
    numbers: NumbersFile
    ranges: RangesFile
    comparators: ComparatorsFile
    exclusions: ExclusionsFile
    kind: KindFile
    context: ContextFile
    regions: RegionsFile
    indicators: IndicatorsFile
    tables: TablesFile
    digest: str

    def compile(self, template: str, *, where: str) -> regex.Pattern[str]:
        """Substitute {FRAGMENT}s into a pattern and compile it verbosely."""
        return compile_pattern(template, self.fragments(), where=where)

    def compile_optional(self, template: str, *, where: str) -> regex.Pattern[str] | None:
        """As `compile`, for a rule the rules files may leave empty: then None, the rule does not apply."""
        return self.compile(template, where=where) if template else None

    def fragments(self) -> dict[str, str]:
        unit_surfaces = sorted({s for u in self.units.units for s in u.surfaces}, key=len, reverse=True)
        joiners = sorted({s for j in self.ranges.joiners for s in j.surfaces}, key=len, reverse=True)
        return {**self.numbers.fragments,
                "UNIT": "(?:" + "|".join(regex.escape(s) for s in unit_surfaces) + ")",
                "JOIN": "(?:" + "|".join(regex.escape(s) for s in joiners) + ")",
                "QUESTION": self.context.question}



# --- the canonical indicator catalogue (rules/indicators_canonical.yaml) ----------------------
# Read by the warehouse (reform_facts.warehouse.indicators), which maps claims' phrases to its
# codes; it is not part of the extractors' Rulebook, so growing it changes no extraction.

MIN_ALIAS_CHARS = 3  # shorter aliases (占比, 比例) would claim phrases about anything
_SPACE = re.compile(r"\s+")
# a pinyin gloss after a character (结(jie) 余, 调(tiao) 整): web pages that annotate readings
_PINYIN_GLOSS = re.compile(r"(?<=[\u4e00-\u9fff])\([a-z]{1,6}[1-4]?\)")


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(phrase: str) -> str:
    """The form phrases and aliases are compared in: NFKC, traditional characters as simplified
    (documents in traditional script name the same indicators), white space and pinyin glosses
    removed.

    >>> normalise("医疗服务收入（不含药品等） 占比")
    '医疗服务收入(不含药品等)占比'
    >>> normalise("床位數 合計")
    '床位数合计'
    >>> normalise("当期结(jie) 余"), normalise("DRG(按病组付费)结算")
    ('当期结余', 'DRG(按病组付费)结算')
    """
    text = unicodedata.normalize("NFKC", phrase)
    return _SPACE.sub("", _to_simplified().convert(_PINYIN_GLOSS.sub("", text)))


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str
    name_en: str
    quantity_type: QuantityType
    aliases: list[str]
    examples: list[str] = []

    @field_validator("code")
    @classmethod
    def snake_case(cls, code: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", code):
            raise ValueError(f"code {code!r} is not lower snake case")
        return code

    @field_validator("aliases")
    @classmethod
    def specific(cls, aliases: list[str]) -> list[str]:
        for alias in aliases:
            if len(normalise(alias)) < MIN_ALIAS_CHARS:
                raise ValueError(f"alias {alias!r} is shorter than {MIN_ALIAS_CHARS} characters")
        return aliases


class BarePhrases(BaseModel):
    """Phrases that name no measure alone (医院, 床位 in a table of staff counts...) but do with
    their figure's unit: 医院 with 张 is hospital beds, with 个 the number of hospitals."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    phrases: list[str]
    units: dict[str, str]  # canonical unit (claims.unit) -> code
    examples: list[tuple[str, str]] = []  # (phrase, unit) as extractors cut them; each must map


class Qualifiers(BaseModel):
    """Words that qualify a measure without changing it (全市, 年末, 实有...) and trailing words
    that only say "the number of" (数, 数量): the fallback of the phrase -> code rule reads phrases
    and aliases without them, so one alias covers its qualified and shortened forms."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    words: list[str] = []  # removed wherever they stand
    trailing: list[str] = []  # removed at the end only (the longest that ends the phrase)
    brackets: bool = False  # a bracketed part (执业(助理)医师, 床位数(张)) removed too
    # words written for one another (病人 for 患者): each group's later words read as its first
    variants: list[list[str]] = []
    examples: list[tuple[str, str]] = []  # (phrase, code) only the fallback maps; each must map so

    @field_validator("variants")
    @classmethod
    def groups(cls, variants: list[list[str]]) -> list[list[str]]:
        for group in variants:
            if len(group) < 2 or not all(group):
                raise ValueError(f"variants group {group!r} needs a word and at least one variant of it")
        return variants


class CanonicalFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    indicators: list[Indicator]
    bare_phrases: list[BarePhrases] = []
    qualifiers: Qualifiers = Qualifiers()


FILES = {
    "units": UnitsFile, "numbers": NumbersFile, "ranges": RangesFile,
    "comparators": ComparatorsFile, "exclusions": ExclusionsFile, "kind": KindFile,
    "context": ContextFile, "regions": RegionsFile, "indicators": IndicatorsFile, "tables": TablesFile,
}

_REFERENCE = regex.compile(r"\{([A-Z_]+)\}")


def compile_pattern(template: str, fragments: dict[str, str], *, where: str) -> regex.Pattern[str]:
    """Expand {NAME} references (recursively) and compile; unknown names are an error.

    >>> compile_pattern("{D}+", {"D": "[0-9]"}, where="doc").fullmatch("42") is not None
    True
    """
    def expand(text: str, depth: int) -> str:
        if depth > 10:
            raise RuleFileError(f"{where}: fragments refer to each other in a loop")

        def one(match: regex.Match[str]) -> str:
            name = match.group(1)
            if name not in fragments:
                raise RuleFileError(f"{where}: unknown fragment {{{name}}}")
            return "(?:" + expand(fragments[name], depth + 1) + ")"
        return _REFERENCE.sub(one, text)

    expanded = expand(template, 0)
    try:
        return regex.compile(expanded, FLAGS)
    except regex.error as error:
        raise RuleFileError(f"{where}: pattern does not compile: {error}") from error


def load_rulebook(directory: Path = RULES_DIR) -> Rulebook:
    """Read, validate and cross-check every rule file of `directory`."""
    parsed = {}
    digest = hashlib.sha256()
    for name, schema in FILES.items():
        path = directory / f"{name}.yaml"
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise RuleFileError(f"{path}: cannot read: {error.strerror}") from error
        digest.update(name.encode() + b"\0" + raw)
        try:
            parsed[name] = schema.model_validate(yaml.safe_load(raw) or {})
        except yaml.YAMLError as error:
            raise RuleFileError(f"{path}: not valid YAML: {error}") from error
        except ValidationError as error:
            first = error.errors()[0]
            place = ".".join(str(p) for p in first["loc"])
            raise RuleFileError(f"{path}: {place}: {first['msg']}") from error
    book = Rulebook(**parsed, digest=digest.hexdigest()[:12])
    _check_ids_unique(book, directory)
    _check_patterns(book, directory)
    _check_unit_references(book, directory)
    _check_level_references(book, directory)
    return book


def _check_ids_unique(book: Rulebook, directory: Path) -> None:
    seen: dict[str, str] = {}
    for name in FILES:
        model = getattr(book, name)
        for value in model.__dict__.values():
            for item in value if isinstance(value, list) else []:
                rule_id = getattr(item, "id", None)
                if rule_id is None:
                    continue
                if rule_id in seen:
                    raise RuleFileError(f"{directory / (name + '.yaml')}: rule id {rule_id!r} "
                                        f"is also used in {seen[rule_id]}.yaml")
                seen[rule_id] = name


def _check_unit_references(book: Rulebook, directory: Path) -> None:
    """The unit ids that numbers.yaml's ratio and bare_scale name are rules of units.yaml."""
    known = {unit.id for unit in book.units.units}
    for key in ("ratio", "bare_scale", "noun_scale"):
        if getattr(book.numbers, key) is None:
            continue
        unit = getattr(book.numbers, key).unit
        if unit not in known:
            raise RuleFileError(f"{directory / 'numbers.yaml'}: {key}.unit: {unit!r} is no rule of units.yaml")


def _check_level_references(book: Rulebook, directory: Path) -> None:
    """The heading levels that tables.yaml's section_levels name are levels of context.yaml."""
    for name in book.tables.section_levels:
        if name not in book.context.heading_levels:
            raise RuleFileError(f"{directory / 'tables.yaml'}: section_levels: {name!r} is no heading level "
                                f"of context.yaml")


def _check_patterns(book: Rulebook, directory: Path) -> None:
    fragments = book.fragments()
    compile_pattern(book.numbers.quantity, fragments, where=f"{directory / 'numbers.yaml'}: quantity")
    for key in ("ratio", "bare_scale", "noun_scale", "list_unit"):
        if getattr(book.numbers, key) is None:
            continue
        compile_pattern(getattr(book.numbers, key).pattern, fragments, where=f"{directory / 'numbers.yaml'}: {key}")
    if book.numbers.named_index is not None:
        index = book.numbers.named_index
        for key, pattern in [("figure", index.figure), ("stop", index.stop),
                             *((f"names[{k}]", name.pattern) for k, name in enumerate(index.names))]:
            compile_pattern(pattern, fragments, where=f"{directory / 'numbers.yaml'}: named_index.{key}")
    if book.numbers.noun_scale is not None and book.numbers.noun_scale.next:
        compile_pattern(book.numbers.noun_scale.next, fragments, where=f"{directory / 'numbers.yaml'}: noun_scale.next")
    for rule in book.exclusions.exclusions:
        for key in ("before", "after", "span", "sentence"):
            if getattr(rule, key):
                compile_pattern(getattr(rule, key), fragments, where=f"{directory / 'exclusions.yaml'}: {rule.id}.{key}")
    for key in ("sentence_end", "clause_end", "opening_end", "heading", "speaker", "dateline", "not_title"):
        compile_pattern(getattr(book.context, key), fragments, where=f"{directory / 'context.yaml'}: {key}")
    for key in ("not_subject_before", "not_subject_after", "gap_before", "level_after", "average_bracket"):
        compile_pattern(getattr(book.regions, key), fragments, where=f"{directory / 'regions.yaml'}: {key}")
    compile_pattern(book.context.years.pattern, fragments, where=f"{directory / 'context.yaml'}: years")
    compile_pattern(book.context.years.value_of, fragments, where=f"{directory / 'context.yaml'}: years.value_of")
    compile_pattern(book.indicators.not_a_measure, fragments, where=f"{directory / 'indicators.yaml'}: not_a_measure")
    for key in ("standard_after", "score_before", "compared_only"):
        if getattr(book.indicators, key):
            compile_pattern(getattr(book.indicators, key), fragments, where=f"{directory / 'indicators.yaml'}: {key}")
    for key in ("row_marker", "total_label"):
        compile_pattern(getattr(book.tables, key), fragments, where=f"{directory / 'tables.yaml'}: {key}")
    for cue in book.kind.cues:
        if cue.pattern:
            compile_pattern(cue.pattern, fragments, where=f"{directory / 'kind.yaml'}: {cue.id}")
