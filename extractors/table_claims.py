"""Claims from the figures of tables: every numeric cell a claim, read through its headers.

A cell carries a number and, at most, its own `%`, sign and comparator. Everything else comes
from the table (docs/claims.md, "Tables"): the unit and scale from the row label, the unit
column, the column's labels or the unit line; the year from the column (`2021年`, `上年度`), else
the title, else the document; `target` from a target column; the indicator from the row label,
or the column's label where rows are regions, totals or institutions; the region from the row
where rows are regions, else the title, else the document.

>>> from reform_facts.extractors import registry
>>> from reform_facts.claim import Document
>>> text = "2021年甲省卫生统计\\n| 指标 | 2021年 | 2020年 |\\n| --- | --- | --- |\\n| 床位数(万张) | 28.6 | 27.1 |\\n"
>>> claims = registry.get("rules")(Document.from_text(text, doc_id="t"))
>>> [(c.text, c.value, c.unit, c.indicator, c.year) for c in claims]
[('28.6', 286000.0, '张', '床位数', 2021), ('27.1', 271000.0, '张', '床位数', 2020)]
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace


from reform_facts.claim import Comparator, Kind, QuantityType
from reform_facts.divisions import Region
from reform_facts.extractors.regions import Gazetteer
from reform_facts.extractors.views import remove_spans, simplified_view
from reform_facts.rulebook import Rulebook
from reform_facts.tables import EMPTY_CELL, PINYIN, Cell, Table

YEAR = re.compile(r"((?:19|20|１９|２０)\d\d)\s*年?")  # full-width digits too (２０２４年: int() reads them)
YEARS = re.compile(r"(?:19|20)\d\d\s*年?(?:\s*[-—–~～至到]\s*(?:19|20)\d\d\s*年?)?(?:度|末|底)?")
PERIOD_DEBRIS = re.compile(r"[0-9０-９\-—–~～至到、]+")  # the days and months of a period, once its words are gone
BRACKET = re.compile(r"[（(]([^（）()]{1,16})[)）]\s*$")
SPACES = re.compile(r"\s+")
LIST_PARTS = re.compile(r"[、，,]")
RATIO_SIGN = re.compile(r"[:：∶]")
NOT_A_CLASSIFIER = re.compile(r"[0-9A-Za-z、，,]")
YEAR_LABEL = re.compile(r"(?:19|20)\d\d\s*年?(?:末|底)?")
BARE_YEAR = re.compile(r"(?:19|20)\d\d")
# the base a change is compared with (`较2019年增减`, `比2020年增长`): no year of the change's own
COMPARED_BASE = re.compile(r"[较比与]\s*(?:19|20|１９|２０)\d\d\s*年?(?:末|底)?")
# a row's ordinal marker (一、 （一） 1. （1）): its kind, and whether it is the first of its siblings
ORDINAL = re.compile(r"^(?:(?P<chinese>[一二三四五六七八九十]+)[、.．]|[（(](?P<bracketed>[一二三四五六七八九十]+)[)）]"
                     r"|(?P<arabic>[0-9]+)[、.．](?![0-9])|[（(](?P<bracketed_arabic>[0-9]+)[)）])")
OWN_AREA = re.compile(r"全?[国省市县区州旗盟]")
COMPARATORS = {"≥": Comparator.GE, "≤": Comparator.LE, ">": Comparator.GT, "<": Comparator.LT, "＞": Comparator.GT,
               "＜": Comparator.LT, "约": Comparator.APPROX, "左右": Comparator.APPROX, "以上": Comparator.GE,
               "以下": Comparator.LE}
DIVISION_ENDS = ("省", "市", "县", "区", "州", "旗", "盟")
TOWN_AFTER = re.compile(r"[\u4e00-\u9fff]{1,4}?(?:镇|乡|街道|苏木)")  # what follows a name inside a town's name
SUB_HEAD = re.compile(r"^\s*(?:[#＃]|其中)")  # a sub-column's label (`#医院`, `其中：公立医院`)
ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#[0-9]{2,5});")  # a page converter's `&nbsp;` (indent, spacing): no part of a label
NOTE_CLAUSES = re.compile(r"[；;。]|[①②③④⑤⑥⑦⑧⑨⑩]|(?<![0-9])[0-9][.．、](?![0-9])")  # a note's clauses: 1. … ；2. …
TITLE_NUMBER = re.compile(r"^(?:表|专栏)?\s*[0-9０-９\-—.．]*\s*")  # 表3-2, 专栏1
AS_OF = re.compile(r"^(?:截至|截止到?)\s*(?:[0-9０-９]{1,2}\s*月)?\s*(?:[末底])?\s*")  # a title's date it is as of (year taken out)
NOTE_REACH = 200  # characters after a table where its note may stand
NOTE_ENDS = ("。", ".", "．")  # a note line that ends a sentence is the note's last
# a note's clause dating a measure: `常住人口为2018年末…`, `户籍人口数系2022年底…`
NOTE_DATE = re.compile(r"(?P<what>[^\s，,：:（）()]{2,16}?)数?\s*(?:为|系|是|采用|取)\s*(?P<year>(?:19|20)\d\d)\s*年\s*(?:末|底|度|年末)")
# or the basis a rate is computed on: `发病率按2023年末全市常住人口888.0万人计算`
NOTE_BASIS = re.compile(r"按\s*(?P<year>(?:19|20)\d\d)\s*年\s*(?:末|底)\s*(?P<what>[^\s，,：:（）()0-9０-９]{2,12}?)"
                        r"(?=\s*[0-9０-９]|\s*(?:数|计算))")
# a unit line's bracket that gives one row its own unit: `（孕产妇死亡率为1/10万）`, `(床位使用率单位为%)`
EXCEPTION = re.compile(r"[（(](?P<label>[^（）()为]{2,16}?)(?:单位)?[为是](?P<unit>[^（）()为]{1,8})[)）]")
ANY_BRACKET = re.compile(r"[（(][^（）()]*[)）]")
FULL_SCORE = re.compile(r"^[0-9]+(?:\.[0-9]+)?")  # the full score in `（60分）`: the unit is what follows
FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－−：", "0123456789.,--:")


REMARK = re.compile(r"[，,；;]")  # a title bracket's remark before its unit (`简单算术平均，人`)

@dataclass(frozen=True, slots=True)
class Unit:
    unit: str
    quantity_type: QuantityType
    factor: float = 1.0


@dataclass(frozen=True, slots=True)
class Column:
    """What a column's headers say, read once per table."""

    heads: list[str]        # its labels, top down, spaces and pinyin debris removed
    change: bool            # a change column (增减, 比上年)
    percent: bool           # whose change is a percentage (增长(%), 增速)
    unit: Unit | None       # the unit its labels state (床位数(万张))
    measure: str | None     # what it measures, verbatim from the document
    year: int | None
    target: bool
    region: Region | None = None  # where columns are regions (T6: districts as columns)
    grouping: bool = False  # a column of a grouping of areas (东部): its cells have no region
    joined: str = ""        # its labels joined (每千人口医疗卫生机构床位数(张)): the nouns its cells' units are told by
    relative: bool = False  # dated only by a word relative to the table's year (当年节约资金): a row of a year dates it


@dataclass(frozen=True, slots=True)
class Shared:
    """What a table says for every one of its cells, read once per table."""

    listed: tuple[str, ...]  # the units its unit line lists (`_listed`)
    title_unit: Unit | None  # the unit its title's bracket states
    subject: str | None      # what its title says it is about (`_title_subject`)
    rule_id: str
    # rows its unit line gives a unit of their own (`单位：‰（孕产妇死亡率为1/10万）`): (label, unit)
    excepted: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Row:
    """What a row's label says, read once per row."""

    label: str        # cleaned, from the simplified view
    own: str          # cleaned, as the document writes it: the indicator
    total: bool       # a total that names no measure (总计, 全市合计)
    rest: str         # a total's label without its total word (医疗卫生机构合计 → 医疗卫生机构), else ""
    whose: bool       # rows of regions, areas, years or bare totals: the column says what is measured
    institution: bool  # a row of an institution (医院, 卫生院) or of a kind (已完成 under 进展类别): so too,
    # where the column names a measure
    year: int | None  # where the column has none: the label's year, else the table's (上年结余: the one before)
    grouping: bool = False  # a row of a grouping of areas (东部地区): its cells have no region
    points: bool = False  # a row the table's note says changes in points or its own unit (病床使用率, 平均住院日)
    inherits: str | None = None  # a sub-row naming only a scheme or fund (统筹基金): its parent row's measure
    dated: bool = False  # a row that is a year (2020, 2020年)
    # its unit is its cell in a unit column (单位): a value column's own unit (`单价(元)` over `盒`) comes first
    unit_cell: bool = False


@dataclass(frozen=True, slots=True)
class CellClaim:
    """A table cell read as a claim: what `RuleExtractor` turns into a `Claim`."""

    start: int
    end: int
    value: float | None
    unit: str
    quantity_type: QuantityType
    comparator: Comparator
    indicator: str | None
    region: Region | None
    year: int | None
    kind: Kind
    rule_id: str
    value_max: float | None = None  # a range's upper end (`90～95`)


class TableReader:
    """Built once per extractor from the rules; `claims` reads one table of one document."""

    def __init__(self, book: Rulebook, gazetteer: Gazetteer) -> None:
        self.words = book.tables
        self.city_parts = tuple(book.regions.city_parts)
        self.gazetteer = gazetteer
        self.institution_suffixes = tuple(book.tables.institution_suffixes)
        self.target_titles = tuple(book.tables.target_titles)
        self.plan_periods = book.kind.plan_periods
        self.unmeasured_titles = tuple(book.tables.unmeasured_titles)
        self.row_marker = book.compile(book.tables.row_marker, where="tables.yaml: row_marker")
        self.total_label = book.compile(book.tables.total_label, where="tables.yaml: total_label")
        self.note_mark = book.compile(book.tables.note_mark, where="tables.yaml: note_mark")
        self.month_row = book.compile(book.tables.month_row, where="tables.yaml: month_row")
        self.points_note = book.compile(book.tables.points_note, where="tables.yaml: points_note")
        # a section's numbered heading (a reporter's question, 第一章, 第一节, 一、) ends the reach of the unit
        # line of the tables in it
        self.sections = [book.compile(f"(?m)^ \\s* {book.context.heading_levels[name]}",
                                      where=f"tables.yaml: section_levels: {name}")
                         for name in book.tables.section_levels]
        # a name that only sets a standard or a comparison (执行湖南省…价格) is not what a title is about
        self.not_subject_before = book.compile(book.regions.not_subject_before, where="regions.yaml")
        self.not_subject_chars = book.regions.not_subject_chars
        self.scheme_rows = tuple(book.tables.scheme_rows)
        self.benefit_rows = tuple(book.tables.benefit_rows)
        self.institution_kinds = tuple(book.tables.institution_kinds)
        self.institution_counts = tuple(book.tables.institution_counts)
        # a column of the previous or this period that names its measure after the period (`上年同期政策范围内报销比例`)
        periods = sorted([*book.tables.previous_year, *book.tables.this_year], key=len, reverse=True)
        stages = sorted(book.tables.period_words, key=len, reverse=True)
        self.period_prefix = re.compile(f"^(?:{'|'.join(map(re.escape, periods))})(?:{'|'.join(map(re.escape, stages))})*")
        # a change column that names what changes before its comparison (`发病率比上年增减(%)`)
        changes = "|".join(map(re.escape, book.tables.change_words))
        self.compared_measure = re.compile(f"^(?P<what>.{{2,}}?)(?:同比|比|较)(?=.*(?:{changes}))")
        # a target column that names its measure before the target word (`参保率目标(%)`)
        targets = "|".join(map(re.escape, sorted(book.tables.target_words, key=len, reverse=True)))
        self.target_suffix = re.compile(f"(?:{targets})[值数]?$")
        # change words and fillers, longest first: a longer one is taken out before the shorter inside it
        self.change_terms = sorted([*book.tables.change_words, *book.tables.change_fillers], key=len, reverse=True)
        self.scales = sorted(((s.surface, s.factor) for s in book.numbers.scales), key=lambda s: -len(s[0]))
        self.scale_of = dict(self.scales)
        self.units: dict[str, Unit] = {}
        for rule in book.units.units:
            for surface in rule.surfaces:
                self.units.setdefault(surface, Unit(rule.unit, rule.quantity_type, rule.factor))
        self.rates = [(cue, rule.suffix, set(rule.units)) for rule in book.units.rates for cue in rule.cues]

    # --- the table as a whole ----------------------------------------------------------

    def document_claims(self, tables: list[Table], text: str, *, year: int | None, region: Region | None,
                        plan: bool = False, region_at: Callable[[int], Region | None] | None = None,
                        view: str | None = None) -> list[CellClaim]:
        """Every figure of a document's tables, in order (`claims`), each table knowing the measure
        the nearest table above it named in its title. `region_at`: the region the prose gives at an
        offset, asked for a title that names its area by a word of its own (`2018年全市…指标`);
        `view`: the simplified view of `text`, which the tables were found in (`text` itself if not given)."""
        view = text if view is None else view
        found: list[CellClaim] = []
        above: str | None = None
        dated: dict[int | None, tuple[str, ...]] = {}  # by the tables' year: their notes' clauses that date a measure
        previous: Table | None = None
        for table in tables:
            if (table.unit_line is None and previous is not None and previous.unit_line is not None
                    and not any(section.search(view, previous.end, table.start) for section in self.sections)):
                # no unit line of its own, in the section of a table with one (单位：万元 over the section's
                # first table, then `与上年同期比较` under it): the section's unit
                table = replace(table, unit_line=previous.unit_line)
            previous = table
            base_year = _year(table.title or "") or _caption_year(table) or year
            own = region
            if region_at is not None and table.title and table.title_start >= 0 and any(
                    m.surface in self.gazetteer.deictic for m in self.gazetteer.mentions(table.title)):
                own = region_at(table.title_start) or region
            found += self.claims(table, text, year=year, region=own, plan=plan, above=above,
                                 dated_above=dated.get(base_year, ()), view=view)
            subject = _title_subject(text, table, self.words.title_fillers, view)
            if subject is not None and not self._unmeasured(subject):
                above = subject
            dating = tuple(clause for clause in NOTE_CLAUSES.split(_note(view, table.end))
                           if NOTE_DATE.search(clause) or NOTE_BASIS.search(clause))
            if dating:
                dated[base_year] = dated.get(base_year, ()) + dating
        return found

    def _unmeasured(self, subject: str) -> bool:
        """Whether a title's subject says how rows are grouped or ranked, not what is measured."""
        return BRACKET.sub("", simplified_view(subject)).endswith(self.unmeasured_titles)

    def claims(self, table: Table, text: str, *, year: int | None, region: Region | None,
               plan: bool = False, above: str | None = None, dated_above: tuple[str, ...] = (),
               view: str | None = None) -> list[CellClaim]:
        """Every figure of `table`, found in the document's simplified view; `text` is the
        document's own text, which indicators are taken from verbatim; `year` and `region` are
        the document's, `plan` whether it is a plan (its year is the plan's end); `above` the
        measure the nearest table above named in its title, `dated_above` the clauses of the notes
        under tables above of the same year that date a measure (`按2023年末全市常住人口…计算`);
        `view` the simplified view the table was found in, which its notes are read in."""
        view = text if view is None else view
        title = table.title or ""
        title_year = _year(title) or _caption_year(table)
        base_year = title_year or year
        title_region = self._region_in(title) or region
        width = self._width(table)
        heads = [[self._plain(h) for h in table.column_labels(c)] for c in range(width)]  # read once, asked often
        # running numbers: a 序号 column, under no header or first (whatever heads it: `序号 单位名称`)
        skip = {c for c in range(width) if any(h in self.words.index_headers for h in heads[c])
                or ((c == 0 or not heads[c]) and _running_numbers(table, c))
                or c > 0 and heads[c] and heads[c][-1] in self.words.attribute_headers}  # 等级: 二甲 is no label
        units_at = next((c for c in range(width) if any(h in self.words.unit_headers for h in heads[c])), None)
        dates = {c for c in range(width) if self._dates(table, c)}
        years = {c: self._column_year(heads[c], base_year) for c in range(width)}
        clauses = NOTE_CLAUSES.split(_note(view, table.end))
        years |= _note_years(list(dated_above), heads)  # a note above dating this table's column, then its own
        years |= _note_years(clauses, heads)
        listed = _listed(table.unit_line)
        columns = _measured(self._parts_measured(table, _compared(
            _within(_planned([self._column(text, table, c, heads[c], years, title_region) for c in range(width)],
                             year, plan)),
            self.words.previous_year, base_year)), self.words.bare_leaves, self.words.previous_year)
        undated = all(column.year is None for column in columns)
        if undated and self._plain(title).rstrip("：:").endswith(self.target_titles):
            # a table titled as targets with no columns of years to tell baseline from target
            # (`各县（市、区）2024年主要指标分解目标` over columns of counties): every figure is one
            columns = [replace(column, target=True) for column in columns]
        elif undated and plan and (ends := self._period_end(title)) is not None:
            # a plan's table titled by a five-year period, with no columns of years: dated by the
            # period's end; planned where the plan has not passed it (`“十五五”重点建设项目表` in a
            # 2026—2030 plan), results where it has (`“十四五”期间重点项目完成情况`)
            planned = year is None or ends >= year
            columns = [replace(column, target=column.target or planned, year=ends) for column in columns]
        subject = _title_subject(text, table, self.words.title_fillers, view)
        if subject is not None and above is not None and self._unmeasured(subject):
            subject = above  # `按区域分组的平均水平` under a table of 每千人口执业（助理）医师数: that measure's
        shared = Shared(listed, self._title_unit(table), subject,
                        f"table.{table.form}", _excepted(table.unit_line))
        # rows of kinds (a label column headed 进展类别, 险种, 药品名称): the column says what is measured
        # (the first column that is no 序号 column: `序号 | 项目名称 | 建设内容 | 总投资(万元)`)
        first_label = next((c for c in range(width) if c not in skip and c != units_at), 0)
        kinds = any(BRACKET.sub("", self._plain(h)).endswith(tuple(self.words.kind_headers))
                    for h in table.column_labels(first_label))
        if kinds and self._counted_only(columns, first_label, skip, units_at):
            kinds = False  # `类别 | 人数(人) | 占职工总数(%)`: the columns say how each kind is counted, the rows what
        # rows of years (2019年 … 2023年, 增加值): a change row takes the latest of them
        firsts = [self._clean(row[0].text) if row else None for row in table.rows]  # each row's first cell, cleaned once
        latest = max((y for first in firsts if first is not None and (y := self._period_year(first, base_year))
                      is not None), default=None)
        # the clause of the note under the table saying which rows' changes are in points (or days)
        points = next((clause for clause in clauses if self.points_note.search(clause)), "")
        # the measure a title names (`全省医疗卫生机构床位数`), not a count of institutions: rows of institution
        # kinds under columns of years take it (GUIDELINES 5, 9xx)
        titled = (shared.subject if shared.subject and (noun := self._noun_unit(simplified_view(shared.subject))) is not None
                  and noun.unit != "个" else None)
        found = []
        totals: list[int] = []  # the claims of total rows that name no area of their own
        rows_in: set[str | None] = set()  # the areas of the other rows with figures (None: a row of none)
        carried: Unit | None = None  # a parent row's unit, which its sub-rows (医院 under 总诊疗人次(亿人次)) keep
        # the measure a sub-row naming only a scheme or fund takes: the row above's, or where it is numbered
        # (（二）, 2.) the one above its first sibling's
        above: str | None = None
        parents: dict[str, str | None] = {}
        within = False  # inside the parts a `其中：` row opens
        within_indent = 0  # where the label of the `其中：` row that opened them stands in its line
        institutions = False  # the row above is one of institutions or kinds
        for r, row in enumerate(table.rows):
            label_at = self._label_column(row, skip, units_at)
            label = (firsts[r] if label_at == 0 else self._clean(row[label_at].text)) if label_at is not None else ""
            own = self._clean(_original(text, row[label_at]), row[label_at].text) if label_at is not None else ""
            row_region = self._row_region(label, title_region)
            first_figure = next((c for c, cell in enumerate(row) if c != label_at and c not in skip and c != units_at
                                 and cell.figure is not None), len(row))
            stated, in_unit_column = self._label_unit(self._raw_label(row, units_at, first_figure), label, row,
                                                      units_at, listed)
            # a row whose own noun the unit line gives a unit to (收入 under 单位：人(次)、万元) is
            # no sub-row of the row above
            # a dash in the unit column says this row has no unit: none carried from the row above either
            dashed = units_at is not None and units_at < len(row) and bool(row[units_at].text) \
                and bool(EMPTY_CELL.match(row[units_at].text))
            carried = stated or (None if dashed or self._listed_unit(listed, label) else carried)
            row_unit = carried
            if stated is not None and len(listed) > 1 and stated.quantity_type is QuantityType.MEASURE \
                    and not any(self._unscaled(w) == stated.unit for w in listed):
                # a measure in a unit the unit line does not list (`抗菌药物使用强度（DDDs）` under
                # 单位：%、日) is that row's exception: the rows after it are no parts of it
                carried = None
            about = self._row(label, own, row_region is not None, base_year, kinds, latest)
            if stated is not None and in_unit_column:
                about = replace(about, unit_cell=True)
            if points and _named(label, points):
                about = replace(about, points=True)
            if institutions and BRACKET.sub("", label).strip() in self.words.other_rows:
                # 其他 after 疾病预防控制中心, 妇幼保健院 (其他（含急诊科、感染科） after departments): one more
                about = replace(about, institution=True)
            institutions = about.institution
            marked = self._plain(row[label_at].text) if label_at is not None else ""
            ordinal = ORDINAL.match(marked)
            sibling = ordinal.lastgroup if ordinal else None
            if sibling is not None and (ordinal.group(sibling) in ("一", "1") or sibling not in parents):
                parents[sibling] = above
            parent = parents.get(sibling) if sibling is not None else above
            which = marked.startswith("其中")
            # how far the label stands from its line's start (an aligned table's sub-rows are indented)
            indent = (row[label_at].start - text.rfind("\n", 0, row[label_at].start) - 1) if label_at is not None else 0
            if not about.whose and (BRACKET.sub("", label).endswith(self.scheme_rows)
                                    or parent is not None and self._whose_part(label, parent)):
                # a scheme, fund or kind of institution names no measure of its own: the rows after
                # it take the parent's too; with no row above, the measure the title names
                # (`截至9月末基金累计结存` over 职工基本医疗保险统筹基金, 城乡居民基本医疗保险基金)
                parent = parent if parent is not None or which else shared.subject
                about = replace(about, inherits=parent)
                above, within = parent, within and which
            elif which or (within and sibling is None and not (stated is not None and units_at is None)
                           and indent >= within_indent):
                # `其中：在职职工` and the rows under it (退休职工) are parts, not the measure of the rows after them;
                # a row that names its own unit in its label (`出院人数(万人)`) or stands left of the `其中` row
                # (`实有床位数` under `  其中：医院`) is a measure of its own again
                within_indent = indent if which else within_indent
                within = True
            else:
                above, within = self._row_measure(about), False
            if titled and not about.whose and about.inherits is None and self._whose_part(label, titled):
                about = replace(about, inherits=titled)  # 公立医院 under 医院, in a table of 床位数 by year
            for c, cell in enumerate(row):
                if (c in skip or c == label_at or c == units_at or cell.figure is None
                        or c in dates and BARE_YEAR.fullmatch(cell.text)):
                    continue
                column = columns[c]
                where = (None if about.grouping or column.grouping
                         else row_region or column.region or title_region)
                claim = self._cell(cell, column, about, where, row_unit, shared)
                if claim is not None:
                    found.append(claim)
                    if about.total and row_region is None and column.region is None:
                        totals.append(len(found) - 1)
            if not about.total and any(cell.figure is not None for cell in row):
                rows_in.add(row_region.code if row_region is not None else None)
        if totals and len(rows_in) == 1 and (only := next(iter(rows_in))) is not None \
                and (title_region is None or only != title_region.code):
            # a total of rows that are all of one area (`合计` under 郏县人民医院医共体, 郏县中医院医共体): that area's
            inside = self.gazetteer.by_code[only]
            for k in totals:
                found[k] = replace(found[k], region=inside)
        return found

    def _whose_part(self, label: str, *parents: str) -> bool:
        """Whether a sub-row or sub-column `label` names only whose figure of the measure its
        parent's labels (`parents`, simplified) name it is, a kind of institution (`医院` under
        `床位数`), not a measure of its own; under a measure that counts institutions (`机构数`) a
        kind is a count of its own (`村卫生室`)."""
        measures = [BRACKET.sub("", simplified_view(parent)) for parent in parents]  # a row's own label is as written
        # a parent that is an institution itself (`#疾病预防控制中心` over `#妇幼保健院`) or a date is no measure
        return (BRACKET.sub("", label).endswith(self.institution_kinds)
                and not any(measure.endswith(self.institution_counts) for measure in measures)
                and not any(YEAR.search(measure) for measure in measures)
                and not any(measure.endswith((*self.institution_kinds, *self.institution_suffixes))
                            for measure in measures))

    def _parts_measured(self, table: Table, columns: list[Column]) -> list[Column]:
        """A `#` or `其中` sub-column that names a kind of institution (`#医院` after `床位数(张)`),
        or a kind after a measure's total column, measures what that column does, in its unit
        (GUIDELINES 4a)."""
        out, parent, total = list(columns), None, False
        for c, column in enumerate(columns):
            marked = next((head for head in table.column_labels(c) if SUB_HEAD.match(head)), None)
            if marked is None:
                # ...and so do the kinds beside a measure's total (`床位合计 | 医院 | 乡镇卫生院`), unmarked
                if total and column.measure is not None and not column.change and column.heads and self._whose_part(
                        self._clean(self._plain(column.heads[-1])),
                        *(self.total_label.sub("", h) for h in parent.heads if not YEAR.fullmatch(h))):
                    out[c] = replace(column, measure=parent.measure, unit=column.unit or parent.unit, joined=parent.joined)
                elif column.measure is not None and not column.change:
                    parent = column
                    total = bool(self.total_label.search(BRACKET.sub("", column.heads[-1]).strip())) if column.heads else False
                continue
            # the labels as simplified (醫院 is 医院); the parent's without its years (床位数合计 over 2021)
            if parent is not None and column.measure is not None and self._whose_part(
                    self._clean(self._plain(marked)), *(h for h in parent.heads if not YEAR.fullmatch(h))):
                out[c] = replace(column, measure=parent.measure, unit=column.unit or parent.unit, joined=parent.joined)
        return out

    def _counted_only(self, columns: list[Column], label_at: int, skip: set[int], units_at: int | None) -> bool:
        """Whether the value columns only say how a row is counted: a bare count (`人数`, `金额`),
        the rest shares of it in percent (`占职工总数(%)`) or nothing of their own."""
        values = [column for c, column in enumerate(columns) if c != label_at and c not in skip and c != units_at]
        bare = [simplified_view(column.measure or "") in self.words.bare_leaves for column in values]
        return any(bare) and all(
            is_bare or column.measure is None
            or (column.unit is not None and column.unit.quantity_type is QuantityType.PERCENTAGE)
            for is_bare, column in zip(bare, values))

    def _width(self, table: Table) -> int:
        return max([len(row) for row in table.rows] + [len(row) for row in table.header_rows] + [0])

    def _dates(self, table: Table, column: int) -> bool:
        """A column of dates (开业时间 2015): its bare years are no figures. Its header says so;
        a header that merely holds 年 (上年同期) does not (2050 there is a sum of money)."""
        return any(w in h for h in table.column_labels(column) for w in self.words.date_headers)

    def _label_column(self, row: list[Cell], skip: set[int], units_at: int | None) -> int | None:
        """The row's label: the last text cell before its first figure (not a running number or unit)."""
        label = None
        for c, cell in enumerate(row):
            if c in skip or c == units_at:
                continue
            if cell.figure is not None and not (c == 0 and YEAR.fullmatch(cell.text)):  # a year labels only the first column
                break
            if cell.text and not EMPTY_CELL.match(cell.text):
                label = c
        if label is None:
            label = self._ranked_label(row, skip, units_at)
        return label

    @staticmethod
    def _ranked_label(row: list[Cell], skip: set[int], units_at: int | None) -> int | None:
        """The label after a leading column of figures that is no running number (`1　北京　5.59`
        under `排名　省份　2023年(人)`: ranks with ties and gaps): the first text cell with figures
        after it, where only figures come before it; None for a row with no such cell."""
        seen = False  # a leading figure read
        for c, cell in enumerate(row):
            if c in skip or c == units_at or not cell.text or EMPTY_CELL.match(cell.text):
                continue
            if cell.figure is not None:
                seen = True
                continue
            if not seen:
                return None
            return c if any(later.figure is not None for later in row[c + 1:]) else None
        return None

    # --- one cell ------------------------------------------------------------------------

    def _column(self, text: str, table: Table, c: int, heads: list[str], years: dict[int, int | None],
                near: Region | None) -> Column:
        joined = "".join(heads)  # 每千人口医疗卫生 over 机构床位数(张): a rate
        # a column of a region among columns of years (`2022年 | 2023年 | 全国2023年`): its year is the column's
        region = self._row_region(YEARS.sub("", heads[-1]).strip(), near) if heads and c > 0 else None
        grouping = bool(heads) and c > 0 and region is None and self._grouping(heads[-1])
        return Column(
            heads=heads,
            change=any(w in joined for w in self.words.change_words),
            percent=any(w in joined for w in self.words.percent_change_words),
            unit=next((u for h in reversed(heads) if (u := self._bracket(h, joined)) is not None), None),
            measure=None if region is not None or grouping else self._column_measure(text, table.column_cells(c)),
            year=years.get(c),
            # 完成预算%, 预算执行率: what was done against a target is no target
            target=any(w in h for h in heads for w in self.words.target_words)
            and not any(w in h for h in heads for w in self.words.done_words),
            region=region, grouping=grouping, joined=joined,
            relative=years.get(c) is not None and not any(_year(h) is not None for h in heads))

    def _row(self, label: str, own: str, region_row: bool, base_year: int | None, kinds: bool = False,
             latest: int | None = None) -> Row:
        total, rest = self._total(label)
        # a change row under rows of years (增减数, 增加值): the columns say what changed, the
        # latest year when
        change = latest is not None and self._change_only(label)
        grouping = not region_row and self._grouping(label)  # 东城区 is a district, 中心城区 a grouping
        return Row(label, own, total, rest if self.total_label.search(label) else "",
                   region_row or total or self._period_year(label, base_year) is not None or self._area_row(label)
                   or grouping
                   or change or bool(self.month_row.fullmatch(label)),
                   kinds or any(part.endswith(self.institution_suffixes)
                                for part in LIST_PARTS.split(BRACKET.sub("", label)))
                   or BRACKET.sub("", label).endswith(self.benefit_rows),
                   latest if change else _year(label) or self._row_year(label, base_year), grouping,
                   dated=_is_year_label(label))

    def _row_measure(self, row: Row) -> str | None:
        """What a row measures, for the sub-rows under it that name only a scheme or fund: its label
        without its total word and the scheme it is of (`基本医疗保险参保人数` → `参保人数`, `基金收入合计` →
        `基金收入`); None for a row of regions, years or a bare total."""
        if row.whose or row.total:
            return None
        measure = BRACKET.sub("", row.rest or row.own)
        read = simplified_view(measure)  # same offsets, the words as the rules write them
        cut = max((read.rfind(w) + len(w) for w in self.words.scheme_words if w in read), default=0)
        return measure[cut:] if len(measure) - cut >= 2 else measure or None

    def _period_year(self, label: str, base_year: int | None) -> int | None:
        """The year of a row that is a year (2023年) or the table's year or the one before
        (`本年`, `上年`: rows of periods under columns of measures), else None."""
        if _is_year_label(label):
            return _year(label)
        if base_year is not None and label in self.words.this_year:
            return base_year
        if base_year is not None and label in self.words.previous_year:
            return base_year - 1
        return None

    def _grouping(self, label: str) -> bool:
        """A grouping of several areas (东部, 东部地区, 中部（4省）): a place with no one region."""
        bare = BRACKET.sub("", label).strip()
        return (bare in self.words.grouping_areas or bare.removesuffix("地区") in self.words.grouping_areas
                or bare.endswith((*self.words.grouping_suffixes, *self.city_parts)))

    def _change_only(self, label: str) -> bool:
        """A label that says only that it is a change (增减数, 增加值, 2023年比2019年增加, 年均增长(%)):
        what changed is another column's or row's measure, or the table's."""
        bare = YEARS.sub("", BRACKET.sub("", self._plain(label)))
        found = False
        for word in self.change_terms:
            if word in bare:
                found = found or word in self.words.change_words
                bare = bare.replace(word, "")
        return found and not bare.strip("（）()%％ ")

    def _cell(self, cell: Cell, column: Column, row: Row, region: Region | None, row_unit: Unit | None,
              shared: Shared) -> CellClaim | None:
        # the row says whose figure it is (a region, an institution, a year, a bare total) and
        # the column what is measured
        by_column = row.whose or (column.measure is not None and row.institution)
        match = cell.figure
        figure = match.group("figure")
        start = _offset(cell, match.start("figure"))
        upper = match.group("upper")
        # a figure wrapped over lines (`+2.1个百` / `分点`) ends in its last piece; a range at its upper end
        end = _offset(cell, match.end("upper" if upper else "figure") - 1) + 1
        # the cell's own unit (`↑2.97个百分点`, `-0.3日`, `-1.6（百分点）`) goes over the header's
        written = match.group("unit") or match.group("bracketed")
        own = self._parse_unit(written, row.label) if written else None
        unit = own or self._unit_of(figure, column, row, row_unit, shared, by_column)
        if written and own is None and (scale := self.scale_of.get(written)) is not None:
            # a scale alone (`39.8万`) whose row names no noun: the unit the headers give, scaled
            unit = Unit(unit.unit, unit.quantity_type, unit.factor * scale)
        indicator = self._indicator(column, row, by_column, shared.subject)
        if own is None and indicator is not None and indicator == shared.subject:
            # the title's measure is a rate (每千人口执业（助理）医师数) over a column in 人: 人/千人
            unit = self._rated(unit, indicator)
        number = figure.removesuffix(match.group("unit") or "").translate(FULL_WIDTH).replace(",", "").rstrip("%％‰ ").strip()
        value_max = None
        if unit.quantity_type is QuantityType.RATIO:
            value = None
        else:
            try:
                value = float(SPACES.sub("", number)) * unit.factor
                if upper:
                    value_max = float(upper.translate(FULL_WIDTH)) * unit.factor
            except ValueError:
                return None
        before, after = match.group("before").strip(), match.group("after").strip()
        comparator = COMPARATORS.get(before) or COMPARATORS.get(after) or Comparator.EQ
        return CellClaim(start, end, value, unit.unit, unit.quantity_type, comparator,
                         indicator, region,
                         row.year if column.relative and row.dated else column.year or row.year,
                         Kind.TARGET if column.target else Kind.ACTUAL, shared.rule_id, value_max)

    def _row_year(self, label: str, base_year: int | None) -> int | None:
        """A row that says it is last year's (`上年结余`, in a column with no year): the year before."""
        if (base_year is not None and any(w in label for w in self.words.previous_year)
                and not any(w in label for w in self.words.carried_forward)):
            return base_year - 1
        return base_year

    def _raw_label(self, row: list[Cell], units_at: int | None, column: int) -> str:
        return " ".join(cell.text for c, cell in enumerate(row[:column])
                        if c != units_at and cell.figure is None and not EMPTY_CELL.match(cell.text))

    # --- units ---------------------------------------------------------------------------

    def _unit_of(self, figure: str, column: Column, row: Row, row_unit: Unit | None, shared: Shared,
                 by_column: bool) -> Unit:
        if RATIO_SIGN.search(figure):
            return Unit("ratio", QuantityType.RATIO)
        bare = figure.rstrip()
        if bare.endswith(("%", "％")):
            return Unit("%", QuantityType.PERCENTAGE)
        if bare.endswith("‰"):
            return Unit("‰", QuantityType.RATE)
        head_unit = column.unit
        # the nouns of what is measured first: the column's where rows say whose, else the row's
        heads = column.joined
        # a sub-row naming only a scheme or part (其中：内科系统) is counted as its parent's measure (病床使用率: %)
        label = simplified_view(row.inherits) if row.inherits and not by_column else row.label  # inherits: as written
        first, then = (heads, label) if by_column else (label, heads)
        context = first + then
        if column.change and row.points and row_unit is not None:  # the note says: points, or days
            if row_unit.quantity_type is QuantityType.PERCENTAGE:
                return Unit("pp", QuantityType.PERCENTAGE_POINT)
            return row_unit
        if column.change:
            percent = column.percent
            if percent or (head_unit is not None and head_unit.quantity_type is QuantityType.PERCENTAGE):
                if row_unit is not None and row_unit.quantity_type is QuantityType.PERCENTAGE and not percent:
                    return Unit("pp", QuantityType.PERCENTAGE_POINT)
                return Unit("%", QuantityType.PERCENTAGE)
            if row_unit is not None and row_unit.quantity_type is QuantityType.PERCENTAGE:
                return Unit("pp", QuantityType.PERCENTAGE_POINT)
        # nothing states a unit: a count, as the guideline has it for a noun without classifier
        listed = shared.listed
        first_unit, then_unit = (head_unit, row_unit) if row.unit_cell else (row_unit, head_unit)
        stated = (first_unit or then_unit or self._excepted_unit(shared.excepted, context)
                  or self._listed_unit(listed, first) or self._listed_unit(listed, then))
        if stated is not None:
            return stated
        # of several units none fits (`日间手术例数` under `单位：张、%、日、次`): the noun the
        # measure ends in says what it counts
        counted = (self._counted(first) or self._counted(then)) if len(listed) > 1 else None
        line = counted or self._line_unit(listed, context, shared.subject) or shared.title_unit
        if line is not None and line.quantity_type is QuantityType.MONEY:
            # a table of money (单位：万元) with a column that counts things (结余机构数, 超支机构数):
            # the count is no sum of money
            line = self._counted(first) or line
        return (line or self._noun_unit(first) or self._noun_unit(then) or self._unitless_rate(first)
                or Unit("个", QuantityType.COUNT))

    def _unitless_rate(self, measure: str) -> Unit | None:
        """A rate or an index whose table states no unit, by its name (出生人口性别比: boys per 100
        girls, `/100`; 时间消耗指数: an index)."""
        bare = BRACKET.sub("", measure).rstrip()
        return next((Unit(unit, kind) for kind, units in ((QuantityType.RATE, self.words.unitless_rates),
                                                           (QuantityType.MEASURE, self.words.unitless_measures))
                     for name, unit in units.items() if bare.endswith(name)), None)

    def _excepted_unit(self, excepted: tuple[tuple[str, str], ...], words: str) -> Unit | None:
        """The unit the unit line gives the row or column that `words` name, by name."""
        return next((self._parse_unit(unit, words) for label, unit in excepted if label in words), None)

    def _counted(self, words: str) -> Unit | None:
        """The unit of a measure that ends in a counted noun (`结余机构数` → 个, `手术台次` → 台次):
        the last noun says what is counted, whatever money word comes before it."""
        bare = BRACKET.sub("", words).rstrip()
        for unit, nouns in self.words.unit_nouns.items():
            if any(bare.endswith((noun, noun + "数")) for noun in nouns):
                found = self._parse_unit(unit, words)
                if found is not None and found.quantity_type is not QuantityType.MONEY:
                    return found
        return None

    def _noun_unit(self, words: str) -> Unit | None:
        """The unit a measure's noun implies (诊疗人次 → 人次, 卫生人员 → 人, 床位 → 张)."""
        for unit, nouns in self.words.unit_nouns.items():
            found = self._parse_unit(unit, words) if any(noun in words for noun in nouns) else None
            if found is not None and found.quantity_type is not QuantityType.MONEY:  # money is stated, never implied
                return found
        return None

    def _title_unit(self, table: Table) -> Unit | None:
        """The unit the title's bracket states, alone or after a remark (`（简单算术平均，人）`)."""
        match = BRACKET.search(table.title or "")
        return (self._parse_unit(REMARK.split(match.group(1))[-1], table.title or "", open_class=False)
                if match else None)

    def _rated(self, unit: Unit, measure: str) -> Unit:
        """A count of what a rate measures (`人` of 每千人口执业（助理）医师数) as that rate (人/千人)."""
        if unit.quantity_type is not QuantityType.COUNT:
            return unit
        return next((Unit(f"{unit.unit}{suffix}", QuantityType.RATE) for cue, suffix, _allowed in self.rates
                     if cue in measure), unit)

    def _label_unit(self, raw: str, label: str, row: list[Cell], units_at: int | None,
                    listed: tuple[str, ...]) -> tuple[Unit | None, bool]:
        """The unit the row itself states, and whether its cell in the unit column states it (else
        its label's bracket). A bracket that completes a unit of the unit line is that unit
        (`人数(次)` under `单位：人(次)` → 人次)."""
        if units_at is not None and units_at < len(row) and row[units_at].text and not EMPTY_CELL.match(row[units_at].text):
            return self._parse_unit(row[units_at].text, label), True
        # a dash in the unit column (`出生人口性别比 | — |`) states no unit, unless the label does (`病例组合指数（CMI） | — |`)
        match = BRACKET.search(self.note_mark.sub("", PINYIN.sub("", raw)))
        if not match:
            return None, False
        written = match.group(1).strip()
        if written in self.institution_suffixes and BRACKET.sub("", raw).rstrip().endswith(self.institution_suffixes):
            return None, False  # 妇幼保健院（所）, 急救中心（站）: another name of the institution, no unit
        longer = next((u for u in listed if u.endswith(written) and len(u) > len(written)), None)
        return self._parse_unit(longer or written, label, open_class=False), False

    def _bracket(self, head: str, label: str) -> Unit | None:
        """The unit a label states in its bracket (`床位数(张)`), or a percent sign it ends in (`完成预算%`)."""
        match = BRACKET.search(head)
        if match:
            return self._parse_unit(match.group(1), label, open_class=False)
        return self._parse_unit("%", label, open_class=False) if head.endswith(("%", "％")) else None

    def _line_unit(self, listed: tuple[str, ...], label: str, subject: str | None = None) -> Unit | None:
        """The unit line's unit (`listed`: its units); of several (`单位：个、张、人`), the one
        whose nouns `label` names first (`万元` is money in 元, for 收入 or 支出). A rate where the
        label or the table's `subject` is one (`每千人口…医师数` over `单位：人` → 人/千人)."""
        found = self._listed_unit(listed, label)
        return found or (self._parse_unit(listed[0], label + simplified_view(subject or "")) if listed else None)

    def _listed_unit(self, listed: tuple[str, ...], label: str) -> Unit | None:
        """Of a unit line's several units (`listed`), the one whose nouns `label` ends in (`病床使用率`
        is a rate in %, not beds), else the one whose nouns it names first."""
        if len(listed) > 1:
            bare = BRACKET.sub("", label).rstrip()
            for ends in (True, False):
                for unit, nouns in self.words.unit_nouns.items():
                    written = next((w for w in listed if self._unscaled(w) == unit), None)
                    if written is not None and any(bare.endswith(noun) if ends else noun in label for noun in nouns):
                        return self._parse_unit(written, label)
        return None

    def _unscaled(self, written: str) -> str:
        """A unit without its scale: 万元 → 元."""
        for surface, _scale in self.scales:
            if written.startswith(surface) and len(written) > len(surface):
                return written[len(surface):]
        return written

    def _parse_unit(self, written: str, label: str, *, open_class: bool = True) -> Unit | None:
        """`万张` → ×10 000 张; `%` → percent; `元`, `万元` → money; a rate where the label is one."""
        written = written.strip().replace("1/10万", "/10万")
        if written in ("%", "％"):
            return Unit("%", QuantityType.PERCENTAGE)
        if (measure := FULL_SCORE.sub("", written)) in self.words.measure_units:  # 分, 基础指标（60分）
            return Unit(measure, QuantityType.MEASURE)
        factor = 1.0
        for surface, scale in self.scales:
            if written == surface:  # a bare scale (`总诊疗人次(亿)`): the unit its noun implies, scaled
                noun = self._noun_unit(label)
                return Unit(noun.unit, noun.quantity_type, noun.factor * scale) if noun else None
            if written.startswith(surface) and len(written) > len(surface):
                factor, written = scale, written[len(surface):]
                break
        known = self.units.get(written)
        if known is None and "/" in written:  # 元/张, 元/人次: money per bed is money, its basis in the indicator
            head = self.units.get(written.split("/")[0])
            if head is not None and head.quantity_type is QuantityType.MONEY:
                return Unit(head.unit, head.quantity_type, head.factor * factor)
        for cue, suffix, allowed in self.rates:
            if cue in label:
                if f"{written}{suffix}" in allowed or (known and known.quantity_type is QuantityType.COUNT):
                    return Unit(f"{written}{suffix}", QuantityType.RATE)
        if known is not None:
            return Unit(known.unit, known.quantity_type, known.factor * factor)
        if open_class and written and len(written) <= 3 and not NOT_A_CLASSIFIER.search(written):
            return Unit(written, QuantityType.COUNT, factor)  # any classifier, where a unit is expected
        return None

    # --- year, kind, indicator, region -----------------------------------------------------

    def _column_year(self, heads: list[str], base_year: int | None) -> int | None:
        """The year a column's labels state, the lowest first; else the one a relative word gives
        (`上年`, `本期`): `2020年` over `基期值` is 2020."""
        for head in reversed(heads):
            if any(w in head for w in self.words.change_words):
                # `较2019年增减`: 2019 is the base compared with, not the change's year (the columns' latest)
                head = COMPARED_BASE.sub("", head)
            if (found := _year(head)) is not None:
                return found
        for head in reversed(heads):
            # 比上年增减 compares with last year and is dated by the columns it compares
            if base_year is not None and not any(w in head for w in self.words.change_words):
                if any(w in head for w in self.words.previous_year):
                    return base_year - 1
                if any(w in head for w in self.words.this_year):
                    return base_year
        return None

    def _total(self, label: str) -> tuple[bool, str]:
        """Whether the row is a total that names no measure (总计, 全市合计, 全 国 总 计: 全市 is the
        table's own area; 上年全市, last year's under this year's rows), and the label without its total word."""
        label = next((label[len(w):] for w in self.words.previous_year if label.startswith(w) and label != w), label)
        rest = self.total_label.sub("", label).strip("、 ")
        total = bool(self.total_label.search(label)) and (not rest or bool(OWN_AREA.fullmatch(rest))
                                                         or rest in self.gazetteer.by_surface)
        return total, rest

    def _area_row(self, label: str) -> bool:
        """A row of an area the gazetteer has no code for (东部, 市直, 宜春经开区)."""
        return label in self.words.area_rows or (label.endswith(tuple(self.words.area_suffixes))
                                                  and label not in self.words.area_suffixes)

    def _indicator(self, column: Column, row: Row, by_column: bool, subject: str | None) -> str | None:
        """The row's label; the column's where rows are regions, institutions, years or a bare
        total; the title's subject (`subject`) for a bare total, or a total of what it names."""
        measure = column.measure
        if by_column and measure is not None:
            return measure
        if by_column and subject and (row.whose and not row.total or column.region is not None):
            # rows of regions under columns of years: what is measured is the title's
            return subject
        if row.inherits and not by_column and measure is None:
            # 统筹基金 under 基金收入合计, in columns of periods: the parent row's measure (GUIDELINES 5, 9xx)
            return row.inherits
        if row.total:
            return subject or row.own or None
        if row.rest:
            # 资产总计, 医疗卫生机构合计: the measure it names, without its total word
            return row.rest
        return row.own or measure or subject

    def _column_measure(self, text: str, heads: list[Cell]) -> str | None:
        """The column's own name for what it measures, from the document's text: its lowest
        label that is not a year, a unit, a generic head, a period or a change word."""
        leaf = ""  # a bare sub-column label (人数) waiting for its group's
        for head in reversed(heads):
            bare = BRACKET.sub("", self._plain(head.text)).strip()
            written = BRACKET.sub("", self._plain(_original(text, head))).strip()  # as the document writes it
            period = self.period_prefix.match(bare)
            if period and period.end() < len(bare):
                # 上年同期政策范围内报销比例, 上年金额: the period's, of the measure that follows it
                rest = bare[period.end():]
                if (rest not in self.words.generic_heads and not YEAR.fullmatch(rest)
                        and not any(w in rest for w in self.words.change_words)):
                    return written[period.end():] if len(written) == len(bare) else rest
            dated = YEAR.search(bare)
            if (dated and dated.start() >= 2 and self._period_only(bare[dated.start():])
                    and (what := bare[:dated.start()]) not in self.words.generic_heads
                    and not any(w in what for w in [*self.words.change_words, *self.words.period_words])):
                # a group's label flattened into its sub-column's cell (`诊疗人次 2023年1-6月（万人次）`): the
                # measure before the period
                return written[:len(what)] if len(written) == len(bare) else what
            compared = self.compared_measure.match(bare)
            if compared and len(what := YEARS.sub("", compared.group("what"))) >= 2 and what == compared.group("what") \
                    and what not in self.words.generic_heads:
                # 发病率比上年增减(%): the change of the measure it names, not of the column before
                return written[:len(what)] if len(written) == len(bare) else what
            target = self.target_suffix.search(bare)
            if target and len(rest := YEARS.sub("", bare[:target.start()])) >= 2 and rest not in self.words.generic_heads \
                    and not any(w in rest for w in [*self.words.target_words, *self.words.period_words]):
                # 参保率目标(%): the target of the measure it names
                return YEARS.sub("", written[:target.start()]) if len(written) == len(bare) else rest
            if bare in self.words.own_leaves:  # 完成率 under 家庭医生签约服务覆盖率: a measure of its own
                return written
            if self._change_only(bare):
                continue
            if bare and not leaf and head is not heads[0] and (
                    bare in self.words.bare_leaves or self.total_label.fullmatch(bare)):
                leaf = "" if self.total_label.fullmatch(bare) else BRACKET.sub("", self._plain(_original(text, head)))
                continue
            unperiodic = next((bare.replace(m, "") for m in self.words.period_measures if m in bare), bare)
            if (not bare or YEAR.fullmatch(bare) or bare in self.words.generic_heads
                    or re.fullmatch(r"[─━\-—=_]+", bare)
                    or any(w in unperiodic for w in [*self.words.previous_year, *self.words.this_year,
                                                     *self.words.target_words, *self.words.period_words])
                    or any(bare.startswith(w) for w in self.words.change_words)):
                continue
            # without its unit or year in brackets; a bracket of its own name stays (`药师(士)`)
            original = YEAR.sub("", self._clean(self._plain(_original(text, head)), self._plain(head.text)))
            original = original.strip(" ：:")
            total = next((w for w in self.words.total_suffixes if bare.endswith(w)), "")
            if total and len(original) - len(total) >= 2:
                original = original[:-len(total)]
            return _overlapped(original, leaf) or None
        return leaf or None

    def _row_region(self, label: str, fallback: Region | None) -> Region | None:
        """The region a row is about, where the row label names one (or its institution's area)."""
        if not label:
            return None
        if label in ("全国", "全国总计", "全国合计"):
            return self.gazetteer.by_code.get("100000")
        bare = self.total_label.sub("", label)
        if bare in self.gazetteer.by_surface:
            return self.gazetteer.resolve(bare, near=fallback)
        if BRACKET.sub("", label).endswith(tuple(self.words.institution_suffixes)):
            return self._region_in(label)
        return None

    def _region_in(self, text: str) -> Region | None:
        """The first region `text` names, or the one inside it that follows (达州市达川区 → 达川区)."""
        found: Region | None = None
        for mention in self.gazetteer.mentions(text):
            if mention.surface not in self.gazetteer.by_surface or self.not_subject_before.search(
                    text, max(0, mention.begin - self.not_subject_chars), mention.begin):
                continue
            if not mention.surface.endswith(DIVISION_ENDS) and TOWN_AFTER.match(text, mention.finish):
                continue  # 江西沟镇卫生院: a short name that begins a town's name (江西沟镇) is no region
            region = self.gazetteer.resolve(mention.surface, near=found)
            if found is None:
                found = region
            elif region is not None and region.code != found.code and found.code in self.gazetteer.ancestors(region):
                found = region
        return found

    def _clean(self, label: str, simplified: str | None = None) -> str:
        """A row label without pinyin debris, spaces, list markers and its bracketed unit or
        year. The label as written is cut where its `simplified` view (same length) says the
        unit starts: 萬張 is read as 万张."""
        # what to take out is read in the simplified view (三、四級手術 is no list item 三、 either)
        view = simplified if simplified and len(simplified) == len(label) else label
        view, label = _without((ENTITY, PINYIN, SPACES, self.row_marker, self.note_mark), view, label)
        bracket = BRACKET.search(view)
        if bracket and (self._parse_unit(bracket.group(1), view, open_class=False) is not None
                        or YEAR.search(bracket.group(1))):
            label = label[:bracket.start()]
        return label.strip("：: ")

    def _period_end(self, title: str) -> int | None:
        """The end of the five-year period the title names (kind.yaml's plan_periods: 十五五 → 2030)."""
        return next((end for period, end in self.plan_periods.items() if period in title), None)

    def _period_only(self, text: str) -> bool:
        """Whether `text` names only a period: years, months, period words (`2023年1-6月`, `2024年度`)."""
        for word in self.words.period_words:
            text = text.replace(word, "")
        return not PERIOD_DEBRIS.sub("", YEARS.sub("", text))

    def _plain(self, head: str) -> str:
        return self.note_mark.sub("", SPACES.sub("", PINYIN.sub("", ENTITY.sub("", head)))).lstrip("#＃")


def _planned(columns: list[Column], document_year: int | None = None, plan: bool = False) -> list[Column]:
    """Target columns. Where a column says it is one (`规划目标`, `2025年目标`) and has no year
    of its own, its year is the table's last (the plan's end: `2015年 | 规划目标 | 2020年`).
    Where none says so, a plan's table is a baseline year column and later ones at least three
    years on (`2020年 | 2025年`), and those are the targets; but not a year the document has
    already reached (`改革前（2019年） | 2021年 | 2022年 | 2023年` in a 2023 review: results). A
    plan's year is the year it aims at (`（2026—2030年）`): a column of that year or later is its
    target, beside a column of an earlier year."""
    known = [column.year for column in columns if column.year is not None]
    if plan and document_year is not None and any(year < document_year for year in known):
        # a plan's columns of its own year or later beside a baseline's (`2024年参保人数 | 2025年参保任务` in
        # a 2025 work plan): the targets, even a year apart
        columns = [replace(column, target=True) if column.year is not None and column.year >= document_year
                   else column for column in columns]
    if any(column.target for column in columns):
        last = max(known, default=None)
        if not plan and document_year is not None and last is not None and last < document_year:
            last = document_year  # a report's `年度任务 | 完成情况 | 上年`: this year's task, not last year's
        return [replace(column, year=last) if column.target and column.year is None and last else column
                for column in columns]
    distinct = sorted(set(known))
    if len(distinct) < 2 or all(b - a == 1 for a, b in zip(distinct, distinct[1:])):
        return columns  # one year, or a series year by year (2019年 … 2023年): no plan's baseline and target
    first = distinct[0]  # once, not per column: a row of thousands of cells stays linear
    return [replace(column, target=True) if column.year is not None and column.year - first >= 3
            and (document_year is None or column.year > document_year or plan and column.year == document_year)
            else column for column in columns]


def _within(columns: list[Column]) -> list[Column]:
    """A sub-column (`其中：脱贫人口及监测对象` after `2025年参保任务`, `#医院`) is part of the column before
    it: where it states no year, it has that column's year and kind."""
    out = list(columns)
    for c in range(1, len(out)):
        column = out[c]
        if column.heads and SUB_HEAD.match(column.heads[-1]) and column.year is None:
            out[c] = replace(column, year=out[c - 1].year, target=column.target or out[c - 1].target)
    return out


def _compared(columns: list[Column], previous: list[str], base_year: int | None = None) -> list[Column]:
    """A change column without a year of its own takes the later year of the columns it
    compares, those before it (`2023年 | 2024年 | 增减 | 2025年目标`: 2024), and is a target where
    that column is (`2024年预算数 | 增长(%)`), not where an actual column of that year stands beside
    it (`2023年预算数 | 2023年决算数 | 比上年增长%`). Where the latest dated column is the previous
    period's (`9月末 | 上年同期 | 同比增减(%)`), the change is the current period's: the year after it.
    With no dated column before it, all the table's count. A column with no year is the table's
    (`base_year`): `合计 | 2023年合计 | 增减（%）` compares 2024 with 2023."""
    if not any(column.year is not None for column in columns if not column.change):
        return columns
    dated = [(c, column.year if column.year is not None else base_year, column.target,
              any(w in column.joined for w in previous))
             for c, column in enumerate(columns)
             if not column.change and (column.year is not None or c > 0 and base_year is not None)]
    out = list(columns)
    for c, column in enumerate(columns):
        if not column.change or column.year is not None:
            continue
        compared = [d for d in dated if d[0] < c] or dated
        year = max(y for _c, y, _target, _before in compared)
        latest = [(target, before) for _c, y, target, before in compared if y == year]
        later = year + 1 if all(before for _t, before in latest) else year
        out[c] = replace(column, year=later, target=column.target or all(target for target, _b in latest))
    return out


def _note(text: str, end: int) -> str:
    """The note under a table that ends at `end` (`注：…`), or "": its first line, and the lines
    it goes on in where a line ends mid-sentence (`…、` / `肺结核患者等；常住人口为…。`)."""
    after = text[end:end + NOTE_REACH].lstrip("|｜ \t\r\n")
    if not after.startswith(("注", "说明")):
        return ""
    lines = after.split("\n")
    note = lines[0]
    for line in lines[1:]:
        if note.rstrip().endswith(NOTE_ENDS) or not line.strip() or line[:1].isspace():
            break
        note += line
    return note


def _note_years(clauses: list[str], heads: list[list[str]]) -> dict[int, int]:
    """Columns a note's clause dates (`常住人口为2018年末…核定数` under a 2019 table): their
    year is the note's. A column is named by its header without its unit bracket."""
    dated: dict[int, int] = {}
    for clause in clauses:
        for match in [*NOTE_DATE.finditer(clause), *NOTE_BASIS.finditer(clause)]:
            for c, labels in enumerate(heads):
                name = ANY_BRACKET.sub("", labels[-1]).removesuffix("数") if labels else ""  # 户籍人口数 is 户籍人口
                if len(name) >= 2 and match.group("what").removesuffix("数").endswith(name):
                    dated[c] = int(match.group("year"))
    return dated


def _named(label: str, clause: str) -> bool:
    """Whether a note's clause names the row: it holds the label's end, four characters at least
    (`病床使用率` for `医院病床使用率`, `平均住院日` for `医院出院者平均住院日`)."""
    return any(label[-n:] in clause for n in range(4, len(label) + 1))


def _offset(cell: Cell, index: int) -> int:
    """Where the character `index` of a cell's text stands in the document: a label or figure
    wrapped over lines is the join of its pieces (`Cell.parts`)."""
    if not cell.parts:
        return cell.start + index  # one piece (most cells): past its end too, as below
    for start, end in cell.spans:
        if index < end - start:
            return start + index
        index -= end - start
    return cell.end + index


def _year(text: str) -> int | None:
    match = YEAR.search(text)
    return int(match.group(1)) if match else None


def _caption_year(table: Table) -> int | None:
    """The year of a header row that is one caption across the table (`2018年较2017年增幅 | |`)."""
    for row in table.header_rows:
        cells = [cell for cell in row if cell is not None and cell.text]
        if len(cells) == 1 and row[0] is cells[0] and len(row) > 1 and (found := _year(cells[0].text)):
            return found
    return None


def _listed(unit_line: str | None) -> tuple[str, ...]:
    """The units a unit line lists, a bracketed alternative as both: `单位：人(次)、万元` →
    人, 人次, 万元.

    >>> _listed("（单位：人(次)、万元）"), _listed("单位：人、％")
    (('人', '人次', '万元'), ('人', '%'))
    """
    if not unit_line:
        return ()
    body = re.sub(r"^[（(]?\s*单位\s*[：:]", "", unit_line.strip().strip("|｜ "))
    if unit_line.lstrip().startswith(("（", "(")):
        body = re.sub(r"[）)]\s*$", "", body)
    body = EXCEPTION.sub("", body)  # `（孕产妇死亡率为1/10万）`: one row's unit, not the table's
    listed: list[str] = []
    for written in re.split(r"[、，,/；;\s]+", body):
        choice = re.fullmatch(r"(.+?)[（(](.+)[)）]", written)
        listed += [choice.group(1), choice.group(1) + choice.group(2)] if choice else [written]
    # a full-width percent sign (单位：人、次、％) is the percent the rows' rates are in
    return tuple(unit.replace("％", "%") for unit in listed if unit)


def _excepted(unit_line: str | None) -> tuple[tuple[str, str], ...]:
    """The rows a unit line gives a unit of their own: `单位：‰（孕产妇死亡率为1/10万）` →
    (孕产妇死亡率, 1/10万).

    >>> _excepted("单位：‰（孕产妇死亡率为1/10万）"), _listed("单位：‰（孕产妇死亡率为1/10万）")
    ((('孕产妇死亡率', '1/10万'),), ('‰',))
    """
    if not unit_line:
        return ()
    return tuple((m.group("label"), m.group("unit")) for m in EXCEPTION.finditer(unit_line))


def _is_year_label(label: str) -> bool:
    return bool(YEAR_LABEL.fullmatch(label))


def _overlapped(group: str, leaf: str) -> str:
    """A group's label before a sub-column's, the characters they share written once.

    >>> _overlapped("常住人群签约", "签约率"), _overlapped("常住人群签约", "人数"), _overlapped("床位", "")
    ('常住人群签约率', '常住人群签约人数', '床位')
    """
    shared = next((n for n in range(min(len(group), len(leaf)), 0, -1) if group.endswith(leaf[:n])), 0)
    return group + leaf[shared:]


def _measured(columns: list[Column], leaves: list[str] = (), previous: list[str] = ()) -> list[Column]:
    """A change column that names no measure (`比上年增长(%)`) measures what the column it
    follows does (`诊疗人次(万人次) | 比上年增长(%)`), in its unit unless a percentage. A previous period's column that names only
    how it counts (`上年金额`) measures what the column of that count does (`支出金额`)."""
    out: list[Column] = []
    for column in columns:
        if (simplified_view(column.measure or "") in leaves and not column.change and any(w in column.joined for w in previous)
                and (like := next((c.measure for c in reversed(out) if c.measure and c.measure != column.measure
                                   and c.measure.endswith(column.measure)), None))):
            column = replace(column, measure=like)
        before = next((c for c in reversed(out) if not c.change), None)
        if column.change and column.measure is None and before is not None and before.measure is not None:
            # ...in its unit where the change is no percentage (床位数(张) | 比上年增减: 张), a share's in
            # points (病床使用率(%) | 比上年增减: pp)
            unit = column.unit
            if unit is None and before.unit is not None and not column.percent:
                unit = (Unit("pp", QuantityType.PERCENTAGE_POINT)
                        if before.unit.quantity_type is QuantityType.PERCENTAGE else before.unit)
            column = replace(column, measure=before.measure, unit=unit)
        out.append(column)
    return out


def _original(text: str, cell: Cell) -> str:
    return "".join(text[start:end] for start, end in cell.spans)


def _title_subject(text: str, table: Table, fillers: list[str], view: str | None = None) -> str | None:
    """What a table's title says it is about, without its number, years, unit and the words
    that say which rows it has (`各类`, `全市`): read in the simplified `view`, written as `text`
    has it (the view has the text's offsets)."""
    if not table.title or table.title_start < 0:
        return None
    lo, hi = table.title_start, table.title_start + len(table.title)
    read, written = (text if view is None else view)[lo:hi], text[lo:hi]
    read, written = _stripped(*_without((BRACKET, YEARS, TITLE_NUMBER), read, written))
    read, written = _without((AS_OF,), read, written)  # `截至2024年9月末基金累计结存`: as of when, no part of it
    while (filler := next((f for f in fillers if read.startswith(f) and len(read) > len(f)), None)) is not None:
        read, written = read[len(filler):], written[len(filler):]
    return _stripped(read, written)[1] or None


def _without(patterns, read: str, written: str) -> tuple[str, str]:
    """Both strings without what each pattern in turn finds in `read` (one character for one: the
    simplified view and the text as written)."""
    for pattern in patterns:
        spans = [m.span() for m in pattern.finditer(read)]
        read, written = remove_spans(read, spans), remove_spans(written, spans)
    return read, written


def _stripped(read: str, written: str) -> tuple[str, str]:
    """Both strings without the blanks at either end of `read` (one character for one)."""
    start = len(read) - len(read.lstrip())
    end = start + len(read.strip())
    return read[start:end], written[start:end]


def _running_numbers(table: Table, column: int) -> bool:
    """A column of running numbers (1, 2, 3 …): a 序号 column whose header is elsewhere."""
    values = [row[column].text for row in table.rows if column < len(row) and row[column].text]
    if len(values) < 2 or not all(v.isdigit() for v in values):
        return False
    numbers = [int(v) for v in values]
    # from 1; or, continued after a page break (7, 8, 9), in the first two columns or numbering
    # rows of text (a task list); never values that happen to rise by one, nor a column of years
    numbering = numbers[-1] < 1000 and (column <= 1 or any(
        len(cell.text) > 20 for row in table.rows for cell in row[column + 1:]))
    return (numbers[0] <= 1 or numbering) and all(b == a + 1 for a, b in zip(numbers, numbers[1:]))
