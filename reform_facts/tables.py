"""Tables in a document's text, as cells that know their row and column headers.

Real pages bring tables as text in a few forms, all read here into one `Table`:
- pipe rows (`| 指标 | 2021年 | 2020年 |`), label-value lists (`一、上年结余 | 1079.96 |`);
- tab-separated rows;
- columns aligned with runs of spaces (yearbooks, PDF text layers), labels spaced (`北 京 市`);
- a web table flattened to one cell per line, with or without a trailing `|`; the column count is
  inferred from the header cells and the rows; with a bar alone on a line between its rows, or
  between every two of its cells (a cell then may wrap over lines);
- header rows over several lines: a label's pieces stacked in its column are joined, a group's
  label heads the sub-columns it stands over, a header line in English is no label;
- cells one a line with a blank line after every row, or a blank line for a cell left empty, and
  rows that open with a running number (a 序号 column);
- lines of a label and a figure for each year (`县域内就诊率（%）：2022年88.7，2023年91.3`), a plan's
  indicator lines too (`（1）人均预期寿命：2025年79.6岁，2030年达到80.5岁（预期性）`); lines of a label
  and one figure under a unit line (`单位：‰` / `婴儿死亡率：2.53`);
- two label-value tables set side by side (`指标 | 数值 | 指标 | 数值`), read as two;
- a wide table printed in parts, the right-hand columns under the row labels again with a header
  of their own: each part a table, all with the first part's title and unit line;
- a table a PDF's text layer printed column by column (the header cells, the row labels one a
  line, then each value column's cells): read back row by row;
- a box-drawn table whose header is wrapped inside its cells, and whose total row's label spans
  the first columns.
A table's title is the line just above it, and its unit line (`单位：万元`) the line above or below,
or a bracket in the title (`（单位：万元）`).
Every offset is into the text given (the document's text, or its simplified view: same offsets).

>>> text = "表1 床位\\n单位：张\\n| 地区 | 2021年 | 2020年 |\\n| --- | --- | --- |\\n| 甲市 | 1,200 | 1,100 |\\n"
>>> table = find_tables(text)[0]
>>> table.form, table.title, table.unit_line, [c.text for c in table.rows[0]]
('pipe', '表1 床位', '单位：张', ['甲市', '1,200', '1,100'])
>>> table.column_labels(1)
['2021年']
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, reduce

# A cell that holds a figure: an optional comparator, sign, digits (thousands separators,
# full-width digits, a line break where a row was wrapped inside the number), decimals, percent,
# `左右`; or a ratio; or a range. Groups: the figure's own span (an arrow or a verb of change before it,
# `↑2.97个百分点`, `上升2.7个百分点`, is no part of it).
_CELL_UNITS = r"个百分点|百分点|个月|[日天]|[万亿]?(?:人次|元|人|张|个|所|家|例)|岁|[/／]10万"
NUMBER_CELL = re.compile(
    r"^(?P<before>(?:[↑↓▲▼]|上升|下降|提高|降低|增加|减少)?\s*[<>≤≥＜＞约]?\s*)"
    r"(?P<figure>[+\-−－]?[0-9０-９](?:[0-9０-９,，]|\n[ \t]*(?=[0-9０-９.．]))*(?:[.．]\n?[0-9０-９]+)?\s*[%％‰]?"
    # a unit the cell states itself (`↑2.97个百分点`, `-0.3日`, `133389万人`, `640元`): it goes over the header's;
    # or a scale alone (`39.8万`, `2.41亿`): the row's or column's unit, scaled
    rf"(?P<unit>{_CELL_UNITS}|[万亿](?!\S))?"
    r"|[0-9０-９]+(?:[.．][0-9０-９]+)?\s*[:：∶]\s*[0-9０-９]+(?:[.．][0-9０-９]+)?)"
    # a range's upper end (`90～95`, `1.05~1.15`): the claim spans both, its value_max the upper
    r"(?:\s*[～~]\s*(?P<upper>[0-9０-９]+(?:[.．][0-9０-９]+)?)\s*[%％]?)?"
    r"(?P<after>\s*(?:左右|以上|以下|以内|[%％])?)"  # 9.84%%: a sign typed twice; an arrow is no part of the span
    # the cell's own unit in a bracket after it (`-1.6（百分点）`, `-0.4（日）`): no part of the span either
    rf"(?:\s*[（(]\s*(?P<bracketed>{_CELL_UNITS})\s*[)）])?$")
EMPTY_CELL = re.compile(r"^[-—–－…/／×✕\s]*$")
# The headers of columns of remarks and descriptions: their cells are prose, whatever their length.
REMARK_HEADERS = frozenset({"备注", "说明", "附注", "备注说明", "建设内容", "主要建设内容", "建设内容及规模",
                            "建设规模及内容", "建设规模", "主要内容", "工作内容"})
YEAR_CELL = re.compile(r"^(?:19|20)\d\d$")
YEAR_LABEL = re.compile(r"^((?:19|20)\d\d)\s*年?")
_PIPE = re.compile(r"[|｜│┃║]")  # a bar, or a box-drawing border's
BARS = ("|", "｜", "│", "┃", "║")
BOX_BARS = ("│", "┃", "║")  # a box-drawing border's bars
_BOX_RULE = re.compile(r"^\s*[┌┬┐├┼┤└┴┘┏┳┓┣╋┫┗┻┛─━═╔╦╗╠╬╣╚╩╝]+\s*$")  # a box-drawing border's rule line
# a label, a leader of dots (`门急诊人次……………356,218`, `床位数..........120`), and a figure
_LEADER = re.compile(r"(?:…{2,}|[.．·•]{4,}|[…．.·]{3,}…+)")
_LEADER_ROW = re.compile(r"^\s*\S.{0,40}?(?:…{2,}|[.．·•]{4,})[…．.·•]*\s*[+\-−]?[0-9０-９][0-9０-９,.．]*\s*[%％]?\s*$")
_TAB = re.compile(r"\t")
_ALIGNED = re.compile(r"(?:[ \u3000]{2,}|\t)")
# one ideographic space is as wide as two: a line with no wider gap whose cells are set one such space
# apart (`1　北京　5.59　0.32`, a web page's table) is a row; with at least three cells, not a title
# (`表2　按区域分组的平均水平`)
_IDEOGRAPHIC = re.compile(r"(?<=\S)\u3000(?=\S)")
_ALIGNED_OR_IDEOGRAPHIC = re.compile(r"(?:[ \u3000]{2,}|\t|(?<=\S)\u3000(?=\S))")
IDEOGRAPHIC_CELLS = 3
PINYIN = re.compile(r"[（(][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü ]+[)）]")  # 醫(yī)院: pinyin debris in a word
_RULE_ROW = re.compile(r"^[\s|:：\-—=+┌┬┐├┼┤└┴┘┏┳┓┣╋┫┗┻┛─━═╔╦╗╠╬╣╚╩╝│┃]*$")
_RULE_LINE = re.compile(r"^[\s\-—─━=_]*[\-—─━=_]{3,}[\s\-—─━=_]*$|^\S*\s+[─━]{3,}[\s─━]*$")
TABLE_NUMBER = re.compile(r"^(?:(?:表|附表)(?:\s*[0-9０-９]+(?:\s*[-—－.．]\s*[0-9０-９]+)*)?|[0-9０-９]+(?:\s*[-—－.．]\s*[0-9０-９]+)+)\s+\S")
CONTINUED = re.compile(r"^续表")
PAGE_NUMBER = re.compile(r"^\s*[—\-－–·•]+\s*[0-9０-９]{1,4}\s*[—\-－–·•]+\s*$")  # `— 2 —`, `· 312 ·`: a page's number
NUMBERED_TITLE = re.compile(r"^(?:附表|表)\s*[0-9０-９]")  # a title even where it holds a date (资产负债表（2023年12月31日）)
# a line with a full date (`发布日期：2023年3月28日`, `2019-01-25 发布`) is a byline, not a title
BYLINE = re.compile(r"(?:19|20)\d\d\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}(?![\d\s]*月)|发布|来源[：:]|浏览|阅读")
UNIT_LINE = re.compile(r"^[（(]?\s*单位\s*[：:]")
UNIT_BESIDE = re.compile(r"(?<=\S)[ \u3000]{2,}(?=[（(]?\s*单位\s*[：:])")  # `续表      单位：张`: a unit line right of a title
UNIT_IN_TITLE = re.compile(r"[（(]\s*单位\s*[：:][^（）()]*(?:[（(][^（）()]*[)）][^（）()]*)*[)）]")  # 表2 …（单位：万元）
BR_END = re.compile(r"(?:<br\s*/?>)+$", re.IGNORECASE)  # `36712<br>`: a converter's line break ends the cell
UNIT_END = re.compile(r"[（(][^（）()]{1,8}[)）]$|[%％]$")  # a header cell that states its unit: `床位数(张)`, `占比%`
UNIT_ONLY = re.compile(r"^[（(][^（）()]{1,8}[)）]$")  # a header cell that is a unit alone: `(例)`, `（1/10万）`
CELL_LINE_MAX = 24  # longer lines are prose, not a cell of a flattened table
MAX_COLUMNS = 13  # of a flattened table, label column included
GROUP_REACH = 4  # screen columns a group's label may stand off the columns it heads
MAX_TITLE_LINES = 8  # short lines before a flattened table's header cells
CAPTION = re.compile(r"\S[：:]\s*\S")  # 公开时段：第10月…, 单位：万元: a caption, never a header cell
SHORT_HEAD = 4  # a line this short before a flattened table is a header cell, not a title
LABEL_PIECE_MAX = 12  # a label wrapped over two lines: its second piece is no longer
FIRST_PIECE_MAX = 16  # ...and its first, over the row it begins (`每千人口拥有3岁以下婴幼儿` / `  托位数(个)  1.6`)
CROWDED_GAP = 2  # screen columns between a label that ran out of room and the next cell
_SUB_ROW = re.compile(r"^(?:其中|含)\s*[：:]")  # `其中：住院医疗费用` on a line of its own: a sub-row's start, no label's end
HEAD_BRACKET = re.compile(r"[（(][^（）()\n]{1,8}[)）]")  # a bracket alone on a header line: (人), （45分）
_BRACKET_MARKER = re.compile(r"^[（(][一二三四五六七八九十0-9]+[)）]")  # （二）: a list marker, no label's end
_LABEL_COLON = re.compile(r"^[^：:]{1,4}[：:][^：:]+$")  # 按基金分：统筹基金收入, 其中：药品收入
SUBTOTAL = "小计"  # a sub-column's total: the first column of its group, under no label of its own
GROUP_GAP = 12  # screen columns between a header group's label and a sub-column it heads
LATIN_TITLE = re.compile(r"^[\sA-Za-z0-9.,:;&'()/-]+$")  # a title's English line (Medical Services (2020))
# the English a cell's Chinese is glossed with, after a space: words (one of three letters or more), units in brackets
ENGLISH_GLOSS = re.compile(r"(?<=[\u4e00-\u9fff)）])[ \u3000]+(?=[A-Za-z(]*[a-z]{3})[A-Za-z(][A-Za-z0-9 .,&'/()\-]*$")
LATIN_CELL = re.compile(r"^[A-Za-z][A-Za-z .,&'/-]*$")  # a header cell in English (Beds, Rate of Beds)
_BETWEEN_UNITS = re.compile(r"(?<=[）)])[ \u3000](?=[（(])")  # `（人次） （人）`: two units a space apart
# a label, a colon, and a figure for each of two years or more (`县域内就诊率（%）：2022年88.7，2023年91.3`)
KEYED_LINE = re.compile(r"^\s*(?P<label>\S.{0,40}?)[：:]\s*(?P<pairs>(?:19|20)\d\d\s*年.*?)[。；;]?\s*$")
# A plan's indicator line (`（2）孕产妇死亡率：2025年8.42/10万，2030年控制在9.5/10万以下（预期性）`): a verb
# between a year and its figure, the figure's own unit and comparator, and the indicator's nature
# in brackets after it.
KEYED_PAIR = re.compile(
    r"(?P<year>(?:19|20)\d\d\s*年)\s*(?:为|是|达到|达|控制在|降至|降到|降低到|下降到|提高到|提高至|提升到|提升至|"
    r"增至|增加到|保持在|稳定在)?\s*"
    r"(?P<figure>[+\-−]?[0-9][0-9,]*(?:\.[0-9]+)?(?:%|‰|/10万|岁|张|人|个|所|家|元|万元|亿元)?(?:以上|以下|以内|左右)?)"
    r"\s*(?:[（(](?:预期性|约束性|预期|约束)[)）])?\s*(?:[，,、；;]\s*|[。]?$)")
# a label, a colon and one figure (`孕产妇系统管理率（%）：93.6`), under a unit line; a sub-row's
# `其中：` before its label; a remark in brackets after the figure that gives a second figure
# (`基金收入：14860（同比增长5.2%）`, `日间手术例数：486（去年同期317）`)
_COLON_FIGURE = r"[+\-−]?[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?\s*[%％‰]?"
COLON_ROW = re.compile(r"^\s*(?P<label>(?:其中\s*[：:]\s*)?[^\s：:，。；,;][^：:，。；;]{0,30}?)\s*[：:]\s*"
                       rf"(?P<figure>{_COLON_FIGURE})(?:\s*[（(]\s*(?P<remarks>[^（）()]+?)\s*[)）])?\s*$")
# a remark of the bracket after a label's figure: its words and its figure (`上年362150`, `增长6.7%`);
# remarks part at a comma before words (`（上年362150，增长6.7%，完成预算的102.3%）`)
REMARK = re.compile(rf"(?P<remark>[^（）()0-9０-９：:，。；]{{1,8}}?)\s*(?P<again>{_COLON_FIGURE})")
REMARK_BREAK = re.compile(r"[，,；;]\s*(?=[^0-9０-９\s])")
MIN_BARS, BAR_WINDOW = 3, 12  # lines of a bar alone this often part a flattened table's cells or rows


@dataclass(frozen=True, slots=True)
class Cell:
    start: int
    end: int
    text: str
    # a label wrapped over lines: the spans of its pieces (what lies between is not the label's)
    parts: tuple[tuple[int, int], ...] = ()

    @property
    def figure(self) -> re.Match[str] | None:
        return _figure(self.text)

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """Where the cell's text stands: one span, or a wrapped label's pieces."""
        return self.parts or ((self.start, self.end),)


@lru_cache(maxsize=4096)
def _figure(text: str) -> re.Match[str] | None:
    """NUMBER_CELL's match of a cell's text: asked of every cell several times, and cells repeat
    (`—`, `2021年`, small counts)."""
    return NUMBER_CELL.match(text)


def joined(first: Cell, second: Cell) -> Cell:
    """One label of two pieces (a label wrapped over two lines).

    >>> joined(Cell(0, 4, "每千人口"), Cell(10, 13, "床位数")).spans
    ((0, 4), (10, 13))
    """
    return Cell(first.start, second.end, first.text + second.text, (*first.spans, *second.spans))


@dataclass(slots=True)
class Table:
    form: str                        # pipe, tab, aligned, cell_per_line
    start: int
    end: int
    header_rows: list[list[Cell | None]] = field(default_factory=list)  # aligned to the data columns
    rows: list[list[Cell]] = field(default_factory=list)
    title: str | None = None
    title_start: int = -1  # where the title stands in the text (-1: none)
    unit_line: str | None = None

    def remark_columns(self) -> frozenset[int]:
        """The columns of remarks and descriptions (`备注`, `建设内容`): text to be read as prose
        (`副主任医师14元`, `床位由150张增至300张`), not labels of the row."""
        width = max((len(row) for row in self.header_rows), default=0)
        return frozenset(c for c in range(width)
                         if any(re.sub(r"\s+", "", label) in REMARK_HEADERS for label in self.column_labels(c)))

    def column_labels(self, column: int) -> list[str]:
        """The header labels over `column`, top down (a group's label, then the column's own)."""
        return [cell.text for cell in self.column_cells(column)]

    def column_cells(self, column: int) -> list[Cell]:
        """The header cells over `column`, top down, each once."""
        cells: list[Cell] = []
        for row in self.header_rows:
            cell = row[column] if column < len(row) else None
            if cell is not None and cell.text and cell.text not in [c.text for c in cells]:
                cells.append(cell)
        return cells

    def figures(self) -> Iterator[tuple[int, int, Cell]]:
        """(row, column, cell) of every cell holding a figure, the row label excluded."""
        for r, row in enumerate(self.rows):
            for c, cell in enumerate(row):
                if c > 0 and cell.figure is not None:
                    yield r, c, cell


def find_tables(text: str) -> list[Table]:
    """Every table of `text`, in order."""
    lines = list(lines_of(text))
    return _find(text, lines, [start for start, _line in lines])


def _find(text: str, lines: list[tuple[int, str]], starts: list[int]) -> list[Table]:
    tables: list[Table] = []
    finders = (_pipe_or_tab, _aligned, _barred, _keyed, _colon_rows, _cell_per_line)
    # A finder that read a run of lines and found no table there is not asked again inside that
    # run: each line is read a bounded number of times, and time stays linear in the text.
    blocked = [0] * len(finders)
    k = 0
    while k < len(lines):
        found = None
        for f, finder in enumerate(finders):
            if blocked[f] > k:
                continue
            result = finder(text, lines, k)
            if isinstance(result, _Miss):
                blocked[f] = result.end
            elif result is not None:
                found = result
                break
        if found is None:
            k += 1
            continue
        table, k = found
        _frame(table, lines, starts, text, floor=tables[-1].end if tables else 0)
        previous = tables[-1] if tables else None
        if (previous is not None and not table.header_rows and previous.header_rows
                and max(map(len, table.rows)) == max(map(len, previous.rows))):
            # a table continued after a page break (续表) without its header: the header goes on
            table.header_rows, table.unit_line = previous.header_rows, table.unit_line or previous.unit_line
            table.title, table.title_start = previous.title, previous.title_start
        elif previous is not None and text.count("\n", previous.end, table.start) <= 1 and _next_part(previous, table):
            # the right-hand columns of a wide table, under the same row labels: the first part's
            # title and unit line (the line above is the first part's last row)
            table.title, table.title_start = previous.title, previous.title_start
            table.unit_line = table.unit_line or previous.unit_line
        elif previous is not None and table.title is not None and CONTINUED.match(table.title):
            # 续表 over a repeated header: the title and unit line are the first part's
            table.unit_line = table.unit_line or previous.unit_line
            table.title, table.title_start = previous.title, previous.title_start
        tables += side_by_side(table)
    return tables


def _next_part(previous: Table, table: Table) -> bool:
    """Whether `table`, on the line right under `previous`, is the next part of a table printed
    in parts: the same label header, and the same row labels in the same order (a wide table's right-hand
    columns) or no title of its own (the rows after a page break under the header repeated).

    >>> text = "区县  2019年  2020年\\n甲区  1  2\\n乙区  3  4\\n区县  2021年  2022年\\n甲区  5  6\\n乙区  7  8"
    >>> [(t.column_labels(1), [r[1].text for r in t.rows]) for t in find_tables(text)]
    [(['2019年'], ['1', '3']), (['2021年'], ['5', '7'])]
    """
    if not (table.header_rows and previous.header_rows) or not table.column_labels(0):
        return False
    if previous.column_labels(0)[-1:] != table.column_labels(0)[-1:]:
        return False
    # no title of its own (the line above is the first part's last row): the header repeated after a
    # page break, over the next rows
    return table.title is None or [row[0].text for row in table.rows] == [row[0].text for row in previous.rows]


def tables_of(text: str, given: Sequence[Table] = ()) -> list[Table]:
    """The tables of a document's text: those its reader found in the file's own structure (an
    HTML `<table>`, a Word table: `Document.tables`), then those found in the rest of the text,
    in text order. Cell texts are read from `text`, which may be a view of the stored text with
    the same offsets (the simplified view the rules match).

    >>> text = "甲市\\t1,200\\t1,100\\n\\n| 地区 | 2021年 |\\n| --- | --- |\\n| 乙市 | 900 |"
    >>> grid = Table("html", 0, 16, header_rows=[[Cell(0, 0, ""), Cell(0, 0, "2021年"), Cell(0, 0, "2020年")]],
    ...              rows=[[Cell(0, 2, "甲市"), Cell(3, 8, "1,200"), Cell(9, 14, "1,100")]])
    >>> [(t.form, t.rows[0][1].text) for t in tables_of(text, [grid])]
    [('html', '1,200'), ('pipe', '900')]
    """
    lines = list(lines_of(text))
    starts = [start for start, _line in lines]
    given = [half for table in given for half in side_by_side(_retexted(table, text))]
    for table in given:
        _frame(table, lines, starts, text)
    taken = sorted((table.start, table.end) for table in given)
    found = [table for table in _find(text, lines, starts)
             if not any(start < table.end and table.start < end for start, end in taken)]
    return sorted([*given, *found], key=lambda table: table.start)


def side_by_side(table: Table) -> list[Table]:
    """A table of two tables set side by side (`指标 | 数值 | 指标 | 数值`: a page short of width
    printed its label-value list in two halves) as its two halves, each with the title and unit
    line; any other table as it is. The halves are known by their header repeated (`指标 数值`
    twice, or the value columns twice under two label heads), or, with no header, by a text cell
    in the middle column of every row.

    >>> text = "| 指标 | 数值 | 指标 | 数值 |\\n|---|---|---|---|\\n| 医院 | 38 | 床位 | 80 |\\n| 卫生院 | 33 | 人员 | 12 |"
    >>> [[[c.text for c in row] for row in half.rows] for half in find_tables(text)]
    [[['医院', '38'], ['卫生院', '33']], [['床位', '80'], ['人员', '12']]]
    """
    widths = {len(row) for row in table.rows}
    if len(widths) != 1 or (width := widths.pop()) < 4 or width % 2:
        return [table]
    half = width // 2
    if table.header_rows:
        # the header repeated, or its value columns repeated under two label heads (`收入项目 | 职工医保 |
        # 居民医保 | 支出项目 | 职工医保 | 居民医保`) over a middle column with no figure
        plain = [re.sub(r"\s+", "", cell.text) if cell is not None else "" for cell in table.header_rows[-1]]
        if not plain[0] or plain[1:half] != plain[half + 1:] or (plain[0] != plain[half] and (
                not plain[half] or any(_is_figure(row[half]) for row in table.rows))):
            return [table]
    elif not all(row[half].text and not _is_value(row[half]) and _is_figure(row[half - 1]) for row in table.rows):
        return [table]
    halves = []
    for lo, hi in ((0, half), (half, width)):
        part = replace(table, header_rows=[row[lo:hi] for row in table.header_rows],
                       rows=[row[lo:hi] for row in table.rows])
        halves.append(part)
    return halves


def _retexted(table: Table, text: str) -> Table:
    """`table` with its cells' texts read from `text` (same offsets)."""
    def cell(c: Cell | None) -> Cell | None:
        return None if c is None else replace(c, text="".join(text[a:b] for a, b in c.spans))
    return replace(table, header_rows=[[cell(c) for c in row] for row in table.header_rows],
                   rows=[[cell(c) for c in row] for row in table.rows])


def from_grid(text: str, grid: Sequence[Sequence[tuple[int, int]]], form: str) -> Table | None:
    """A table a reader found in a file's structure, as `Table`: `grid` holds each row's cells,
    one span of `text` a column, and a merged cell (rowspan, colspan) gives the span of its
    text to every position it covers. Rows before the first with a figure past its label are
    the header, where a merged cell heads every column under it; a first row that is one
    cell across the table is its title. None when no row has a figure.

    >>> text = "床位\\t\\n\\t2021年\\t2020年\\n甲市\\t1200\\t1100"
    >>> table = from_grid(text, [[(0, 2), (0, 2), (0, 2)], [(4, 4), (5, 10), (11, 16)],
    ...                          [(17, 19), (20, 24), (25, 29)]], "html")
    >>> table.title, table.column_labels(1), [c.text for c in table.rows[0]]
    ('床位', ['2021年'], ['甲市', '1200', '1100'])
    """
    rows = [list(row) for row in grid if row]
    if not rows:
        return None
    width = max(map(len, rows))
    cells = [[_cell(text, start, end) for start, end in row] for row in rows]
    first = next((r for r, row in enumerate(cells) if any(_is_figure(c) for c in row[1:])), None)
    if first is None:
        return None
    title: Cell | None = None
    if first > 0 and len(set(rows[0])) == 1 and width > 1 and cells[0][0].text:
        title = cells[0][0]
    table = Table(form, rows[0][0][0], max(end for row in rows for _s, end in row))
    if title is not None and UNIT_LINE.match(title.text):
        table.unit_line = title.text
    elif title is not None:
        table.title, table.title_start = title.text, title.start
    for row in cells[1 if title is not None else 0:first]:
        table.header_rows.append([c if c.text else None for c in row] + [None] * (width - len(row)))
    for r, row in enumerate(cells[first:], first):
        out = []
        for c, cell in enumerate(row):
            merged = c > 0 and rows[r][c] == rows[r][c - 1]
            # a merged figure is one figure: the positions it covers past its own are empty
            out.append(Cell(cell.start, cell.start, "") if merged and _is_figure(cell) else cell)
        table.rows.append(out)
    return table


# --- lines and cells -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Miss:
    """A finder read lines k .. end - 1 as one run of its form, and no table is there."""

    end: int


def lines_of(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) of every run of characters between line breaks, empty ones too.

    >>> list(lines_of("甲\\n\\n乙"))
    [(0, '甲'), (2, ''), (3, '乙')]
    """
    start = 0
    for line in text.split("\n"):
        yield start, line
        start += len(line) + 1


def _cell(text: str, start: int, end: int) -> Cell:
    """The cell text[start:end] without its surrounding spaces, nor the English it is glossed
    with in a bilingual yearbook (`床位数(张) Beds (unit)`, `长春市 Changchun`)."""
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip())
    body = raw.strip()
    # (a gloss ends the cell in a Latin letter or a bracket: most cells end otherwise, and are not searched)
    last = body[-1:]
    if not ("a" <= last <= "z" or "A" <= last <= "Z" or last == ")") or body.isascii() or (
            gloss := ENGLISH_GLOSS.search(body)) is None:
        return Cell(start + lead, start + lead + len(body), body)
    return Cell(start + lead, start + lead + gloss.start(), body[:gloss.start()])


def _split(text: str, start: int, line: str, separator: re.Pattern[str]) -> list[Cell]:
    cells, at = [], 0
    for match in separator.finditer(line):
        cells.append(_cell(text, start + at, start + match.start()))
        at = match.end()
    cells.append(_cell(text, start + at, start + len(line)))
    return cells


def _is_figure(cell: Cell | None) -> bool:
    return cell is not None and cell.figure is not None and not YEAR_CELL.match(cell.text)


def _is_value(cell: Cell) -> bool:
    return _is_figure(cell) or bool(EMPTY_CELL.match(cell.text))


# --- pipe and tab rows ---------------------------------------------------------------------

def _row_kind(line: str) -> str | None:
    if not _ROW_MARK.search(line):
        return None  # no bar, tab, box border, leader or comma: most lines of prose, found out in one scan
    stripped = line.strip()
    if not stripped:
        return None
    if _BOX_RULE.match(stripped):
        return "pipe"  # a box's border: a rule row of its table
    if len(_PIPE.findall(stripped)) >= 2 or (stripped.startswith(("|", "｜")) and len(stripped) > 1):
        return "pipe"
    if "|" in stripped and _is_figure(Cell(0, 0, stripped.split("|")[-1].strip())):
        return "pipe"  # 一、上年结余 | 1079.96
    if "\t" in stripped:
        return "tab"
    if _LEADER_ROW.match(stripped):
        return "leader"
    if "," in stripped and not _PROSE_MARK.search(stripped) and len(_csv_spans(stripped)) >= 3:
        return "csv"
    return None


# what every row kind above needs somewhere in its line (`_BOX_RULE`, `_PIPE`, tab, `_LEADER_ROW`'s
# leader, a CSV record's comma)
_ROW_MARK = re.compile(r"[|｜│┃║\t,┌┬┐├┼┤└┴┘┏┳┓┣╋┫┗┻┛─━═╔╦╗╠╬╣╚╩╝]|…{2}|[.．·•]{4}")
_PROSE_MARK = re.compile(r"[，。；：]\S|[，。；]$")  # prose punctuation: a line of prose, not a CSV record


def _csv_spans(line: str) -> list[tuple[int, int]]:
    """The fields of a CSV record as spans of `line`, a quoted field's quotes left out
    (`福田区,"12,847",986` → 福田区 | 12,847 | 986)."""
    spans, at, n = [], 0, len(line)
    while True:
        if at < n and line[at] == '"':
            close = line.find('"', at + 1)
            while close != -1 and close + 1 < n and line[close + 1] == '"':  # "" inside quotes
                close = line.find('"', close + 2)
            if close == -1:
                close = n
            spans.append((at + 1, close))
            at = line.find(",", close)
        else:
            comma = line.find(",", at)
            spans.append((at, n if comma == -1 else comma))
            at = comma
        if at == -1 or at >= n:
            return spans
        at += 1


def _row_cells(text: str, start: int, line: str, form: str) -> list[Cell]:
    if form == "csv":
        return [_cell(text, start + a, start + b) for a, b in _csv_spans(line)]
    if form == "leader":
        match = list(_LEADER.finditer(line))[-1]
        return [_cell(text, start, start + match.start()), _cell(text, start + match.end(), start + len(line))]
    return _split(text, start, line, _PIPE if form == "pipe" else _TAB)


def _pipe_or_tab(text: str, lines: list[tuple[int, str]], k: int) -> tuple[Table, int] | _Miss | None:
    form = _row_kind(lines[k][1])
    if form is None:
        return None
    rows: list[list[Cell]] = []
    ends: list[tuple[bool, bool]] = []  # whether each row starts, and ends, with a bar
    closed = lines[k][1].rstrip().endswith(BARS)  # rows end with a bar: one that does not goes on
    end, fields = k, 0
    wrapped = False  # a line right after a data row, not after a rule: a box row may go on in it
    figures = boxed = False  # whether a row with figures was read yet; whether the rows are a box's
    while end < len(lines):
        kind = _row_kind(lines[end][1])
        if (kind is None and form == "pipe" and not closed and _PIPE.search(lines[end][1])
                and end + 1 < len(lines) and _row_kind(lines[end + 1][1]) == form):
            kind = form  # one bar only: the first line of a row wrapped over two (`2 | 每千人口拥有…` / `托位数 | 个 | …`)
        if form == "csv" and kind == form:
            count = len(_csv_spans(lines[end][1].strip()))
            if fields and count != fields:
                break  # a CSV record of another width: the table ended
            fields = count
        if kind != form:
            # one line of debris (an advertisement) between two rows of the table
            if end + 1 < len(lines) and _row_kind(lines[end + 1][1]) == form and lines[end][1].strip():
                if (form == "tab" and rows and not any(_is_figure(c) for row in rows for c in row[1:])
                        and len(lines[end][1].strip()) <= LABEL_PIECE_MAX):
                    # the last piece of a header wrapped inside its cells (`簽約人數` under `家庭醫生`)
                    rows.append([_cell(text, lines[end][0], lines[end][0] + len(lines[end][1]))])
                end += 1
                continue
            break
        start, line = lines[end]
        if form == "pipe" and closed:
            line, end = _unwrapped(text, lines, end)
        if not _RULE_ROW.match(line):
            cells = _row_cells(text, start, line, form)
            if figures and _repeats_head(rows[0], cells):
                break  # the header's label cell again, over columns of its own: the table's next part
            if wrapped and rows and line.lstrip().startswith(BOX_BARS) and _goes_on(rows[-1], cells):
                # a box row wrapped over lines (`│总诊疗人次（万│ 368.42 │` / `│人次）│ │`): its pieces joined
                rows[-1] = [c if i >= len(cells) or not cells[i].text else (joined(c, cells[i]) if c.text else cells[i])
                            for i, c in enumerate(rows[-1])]
            else:
                rows.append(cells)
                ends.append((line.lstrip().startswith(BARS), line.rstrip().endswith(BARS)))
            # a box's header lines with no rule between them are one header row wrapped in its
            # cells (`│卫生技术人│` over `│员（人）  │`), as a data row's are
            boxed = line.lstrip().startswith(BOX_BARS)
            figures = figures or any(_is_figure(c) for c in rows[-1][1:])
            wrapped = any(_is_figure(c) for c in rows[-1][1:]) or (boxed and not figures)
        else:
            wrapped = False
        end += 1
    if form == "pipe":
        rows = _inside_bars(rows, ends)
        if not closed:
            rows = _rejoined_rows(rows)
        if boxed:
            rows = _merged_labels(rows)
    elif form == "tab":
        rows = _rejoined_rows(_rejoined_head(rows))
    if not any(any(_is_figure(c) for c in row[1:]) for row in rows) or (form == "csv" and len(rows) < 3):
        return _Miss(end)
    table = Table(form, lines[k][0], lines[end - 1][0] + len(lines[end - 1][1]))
    _headers_and_rows(table, rows)
    return table, end


def _rejoined_rows(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Pipe rows with no bar at their ends, or tab rows, one wrapped over two lines (`12 |  | 每千人口拥有3岁以下婴幼儿`
    / `托位数 | 个 | 0.9 | 4.5 | 预期性`, a cell with a line break copied from a spreadsheet): a row short
    of the header's width with no figure past its first cell, and the next row with figures, that
    make that width with the label's pieces joined."""
    width = len(rows[0]) if rows else 0
    out: list[list[Cell]] = []
    k = 0
    while k < len(rows):
        row = rows[k]
        following = rows[k + 1] if k + 1 < len(rows) else None
        if (following is not None and 1 < len(row) < width and len(row) + len(following) - 1 == width
                and not any(_is_figure(c) for c in row[1:]) and any(_is_figure(c) for c in following[1:])):
            out.append([*row[:-1], joined(row[-1], following[0]), *following[1:]])
            k += 2
            continue
        out.append(row)
        k += 1
    return out


def _rejoined_head(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Tab rows whose header was wrapped inside its cells (`65歲及以上` / `老年人數\\t老年人健康` /
    `管理人數\\t…`): the header lines' cells make one header row, a line's last cell and the next
    line's first being the pieces of one label, when that gives exactly the data rows' width.

    >>> text = "村名\\t人口\\t老年\\n人数\\t签约\\n人数\\n甲村\\t20\\t5\\t9"
    >>> [c.text for c in find_tables(text)[0].header_rows[-1]]
    ['村名', '人口', '老年人数', '签约人数']
    """
    first = next((r for r, row in enumerate(rows) if any(_is_figure(c) for c in row[1:])), 0)
    heads = rows[:first]
    if len(heads) < 2 or not rows[first:]:
        return rows
    width = len(rows[first])
    if any(len(h) >= width for h in heads) or sum(map(len, heads)) - len(heads) + 1 != width:
        return rows
    merged = list(heads[0])
    for line in heads[1:]:
        merged[-1] = joined(merged[-1], line[0])
        merged += line[1:]
    return [merged, *rows[first:]]


def _repeats_head(head: list[Cell], cells: list[Cell]) -> bool:
    """Whether a row after rows of figures repeats the first row's label cell over cells with no
    figure (`| 区县 | 2022年 | 2023年 |` under the rows of `| 区县 | 2019年 | … |`): a wide table
    printed in parts, each part's columns under a header of its own."""
    label = next((c.text for c in head if c.text), None)
    mine = [c for c in cells if c.text]
    return (label is not None and len(mine) >= 2 and mine[0].text == label
            and not any(_is_figure(c) for c in mine[1:]))


def _merged_labels(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Box rows whose label cell spans the first columns (`│    小    计     │ 590 │`, under
    `├────┴──────┼`): the label moved to the last column it covers, empty cells before it, so
    each figure stands in its column. Only a row of a label and figures, short of the width of
    the table's rows of figures.

    >>> text = "│序号│名称│床位│\\n│ 1 │甲院│ 120 │\\n│  小  计 │ 120 │"
    >>> [[c.text for c in row] for row in find_tables(text)[0].rows]
    [['1', '甲院', '120'], ['', '小  计', '120']]
    """
    widths = [len(row) for row in rows if any(_is_figure(c) for c in row[1:])]
    if not widths:
        return rows
    width = max(set(widths), key=lambda w: (widths.count(w), w))
    out = []
    for row in rows:
        if (1 < len(row) < width and row[0].text and not _is_value(row[0])
                and all(_is_value(c) for c in row[1:]) and any(_is_figure(c) for c in row[1:])):
            row = [*[Cell(row[0].start, row[0].start, "")] * (width - len(row)), *row]
        out.append(row)
    return out


def _goes_on(above: list[Cell], cells: list[Cell]) -> bool:
    """Whether a box line holds the rest of the row above (no figure of its own, and cells of the
    same width)."""
    return len(cells) == len(above) and not any(_is_figure(c) for c in cells[1:]) and any(c.text for c in cells)


def _inside_bars(rows: list[list[Cell]], ends: list[tuple[bool, bool]]) -> list[list[Cell]]:
    """Pipe rows without the empty cells outside their first and last bar. Where most rows of
    the table have no bar at that end (`县区 | 2020年 | 2022年`), a bar there on a row of its own
    (` | 2020年 |`, `… | 每万人口全科医生(人) |`) stands for a cell left empty (a merged cell of
    the page's table) and the cell is kept."""
    opened = 2 * sum(first for first, _last in ends) >= len(ends)
    closed = 2 * sum(last for _first, last in ends) >= len(ends)
    out = []
    width = None  # the first row's (the header's), without its own outer empty cells
    for cells, (first, last) in zip(rows, ends):
        lo = 1 if first and opened and len(cells) > 1 and not cells[0].text else 0
        hi = len(cells) - 1 if last and closed and len(cells) > lo + 1 and not cells[-1].text else len(cells)
        if lo and width is not None and hi - lo == width - 1 and not ends[0][0]:
            lo = 0  # ` | 2 | 孕产妇死亡率 | …` under a header with no bar before it: the bar closes a merged cell
        out.append(cells[lo:hi])
        width = hi - lo if width is None else width
    return out


def _unwrapped(text: str, lines: list[tuple[int, str]], k: int) -> tuple[str, int]:
    """A pipe row wrapped over lines (`| 医务人员满意` / `度(%) | 88.7 |`): the row's text from
    line k up to the line that closes it with a bar, line breaks kept (offsets stay the text's),
    and the index of that line. A row is wrapped at most twice; a line that opens a row of its
    own is not a continuation."""
    start, line = lines[k]
    last = k
    while (not lines[last][1].rstrip().endswith(BARS) and last + 1 < len(lines) and last - k < 2
           and lines[last + 1][1].strip() and not lines[last + 1][1].lstrip().startswith(BARS)):
        last += 1
    if last == k or not lines[last][1].rstrip().endswith(BARS):
        return line, k
    return text[start:lines[last][0] + len(lines[last][1])], last


def _headers_and_rows(table: Table, rows: list[list[Cell]]) -> None:
    """Header rows are those before the first row with a figure past its label. A pipe header
    row with fewer cells than the columns heads the last ones (a tab row keeps each cell in its
    column); above the last header row, an empty cell is covered by the label to its left (a
    group over sub-columns) where one label is over both."""
    first = next((i for i, row in enumerate(rows) if any(_is_figure(c) for c in row[1:])), 0)
    # the width most data rows have: a ragged row (a cell left out, one too many) sets no columns
    widths = [len(row) for row in rows[first:]]
    width = max(set(widths), key=lambda w: (widths.count(w), -widths.index(w)))
    # a second header row in English (`| Region | Beds |`) is no label
    headers = [row for row in rows[:first] if not (any(LATIN_CELL.match(c.text) for c in row)
                                                   and all(LATIN_CELL.match(c.text) or not c.text for c in row[1:]))]
    rows = headers + _unwrapped_labels(rows[first:])
    first = len(headers)
    for number, row in enumerate(rows[:first]):
        cells: list[Cell | None] = [c if c.text else None for c in row]
        if 1 < len(cells) < width and table.form == "pipe":  # tabs keep every cell in its column
            cells = [cells[0], *[None] * (width - len(cells)), *cells[1:]]
        elif len(cells) < width and number < first - 1:
            cells = _stretched(cells, rows[number + 1], width)
        cells += [None] * (width - len(cells))
        if number < first - 1:
            # ...within the group over it: under two labels of their own (`本期 | 上年同期 | 增减%` over
            # `(2024年7—9月) | (2023年7—9月) |`) an empty cell is empty
            above = table.header_rows[-1] if table.header_rows else [None] * width
            for i in range(2, width):
                cells[i] = cells[i] or (cells[i - 1] if above[i] is above[i - 1] else None)
        table.header_rows.append(cells)
    table.rows = rows[first:]


def _stretched(cells: list[Cell | None], below: list[Cell], width: int) -> list[Cell | None]:
    """A tab header row short of the table's width, whose group (`卫生技术人员` and its empty
    cells) ends before the run of sub-column labels under it does: a merged cell copied one
    empty cell short. The group is stretched over the run, the labels after it pushed right."""
    for start, cell in enumerate(cells):
        if cell is None or start + 1 >= len(cells) or cells[start + 1] is not None:
            continue
        end = start + 1
        while end < len(cells) and cells[end] is None:
            end += 1  # the group's own cells: start .. end - 1
        run, seen = start, {below[start].text if start < len(below) else ""}
        while run + 1 < len(below) and below[run + 1].text and below[run + 1].text not in seen:
            run += 1  # the sub-column labels under it, up to where they start again: start .. run
            seen.add(below[run].text)
        if start < len(below) and below[start].text and run >= end and end < len(cells):
            return [*cells[:end], *[None] * min(run + 1 - end, width - len(cells)), *cells[end:]]
    return cells


def _unwrapped_labels(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Data rows with a label wrapped onto the next row (`| 其中：住院费用（含日 | | |` over
    `| 间手术） | 301250 |`): a row with nothing past its label, whose label goes on (a bracket
    or a list left open) or whose next label ends what it began, is the start of the next label."""
    out: list[list[Cell]] = []
    start: Cell | None = None
    for k, row in enumerate(rows):
        label = row[0] if row else None
        if start is not None and label is not None and label.text and not _is_figure(label):
            row = [joined(start, label), *row[1:]]
        start = None
        after = rows[k + 1][0].text if k + 1 < len(rows) and rows[k + 1] else ""
        if (label is not None and label.text and not any(c.text for c in row[1:])
                and (_opens(label.text) or _closes(after))):
            start = label
            continue
        out.append(row)
    return out


# --- columns aligned with spaces -----------------------------------------------------------

def _aligned_cells(text: str, start: int, line: str) -> list[Cell] | None:
    # a line with no run of spaces or tab is one cell: most lines of prose, found out cheaply;
    # so is one whose only runs are at its ends (a paragraph's indent `　　`)
    stripped = line.strip()
    if "|" in line or len(stripped) < 3:
        return None
    gap = _ALIGNED
    if not _ALIGNED.search(stripped):
        if "\u3000" not in stripped or len(_IDEOGRAPHIC.findall(stripped)) < IDEOGRAPHIC_CELLS - 1:
            return None
        gap = _ALIGNED_OR_IDEOGRAPHIC
    cells = [c for c in _split(text, start, line, gap) if c.text]
    # a label spaced wide (`北    京`, `地    区`, `#医  院`): its short pieces, close together, are one cell
    merged: list[Cell] = []
    for cell in cells:
        last = merged[-1] if merged else None
        if (last is not None and _spaced_characters(last.text) and len(cell.text) == 1 and not _is_value(cell)
                and not _is_value(last) and cell.start - last.end <= 4 and not YEAR_CELL.match(last.text)):
            merged[-1] = Cell(last.start, cell.end, text[last.start:cell.end])
        else:
            merged.append(cell)
    cells = merged
    pieces = 0
    while pieces < len(cells) and len(cells[pieces].text) == 1 and not _is_figure(cells[pieces]):
        pieces += 1
    if pieces >= 2:
        cells = _merge_label(text, cells, pieces)
    return cells if len(cells) >= 2 else None


def _spaced_characters(label: str) -> bool:
    """A label so far of one or two characters, or of characters spaced wide (`包    头`)."""
    label = label.lstrip("#＃")
    return len(label) <= 2 or all(len(piece) == 1 for piece in label.split())


def _aligned(text: str, lines: list[tuple[int, str]], k: int) -> tuple[Table, int] | _Miss | None:
    """Rows of cells separated by runs of two or more spaces; at least two rows with figures.
    Header lines above them (fewer cells, or none a figure) are matched to the data columns
    by where they stand in the line."""
    first = _aligned_cells(text, *lines[k])
    if first is None or ("\t" not in lines[k][1] and _row_kind(_below_titles(lines, k + 1)) == "tab"):
        return None  # a title over tab-separated rows (`表1  2023年…`), a unit line between: the rows are read as such
    block: list[tuple[int, str, list[Cell]]] = []
    end = k
    head: str | None = None  # once a row with figures is read: the label cell of the line above it
    while end < len(lines):
        start, line = lines[end]
        cells = None if _RULE_LINE.match(line) else _aligned_cells(text, start, line)
        if cells is None and block and _RULE_LINE.match(line):
            end += 1  # a rule drawn under the header
            continue
        if cells is None:
            nxt = lines[end + 1] if end + 1 < len(lines) else None
            under = _aligned_cells(text, *nxt) if nxt else None
            if not line.strip() and under is not None and block and any(_is_figure(c) for c in under[1:]) and (
                    head is None or len(under) == len(block[-1][2])):
                end += 1  # a blank line between the header and the first row, or a total row and the rest
                continue
            after = _after_blank(text, lines, end + 1) if nxt is not None and not nxt[1].strip() else None
            if line.strip() and nxt and block and len(line.strip()) <= 40 and (
                    under or (_RULE_LINE.match(nxt[1]) and _label_piece(line.strip()))
                    or (head is None and after is not None and any(_is_figure(c) for c in after[1:]))):
                block.append((start, line, [_cell(text, start, start + len(line))]))  # a wrapped label, or debris
                end += 1
                continue
            break
        has_figure = any(_is_figure(c) for c in cells[1:])
        if head is not None and not has_figure and (len(cells) >= 2 and cells[0].text == head
                                                    or TABLE_NUMBER.match(line.strip())):
            break  # the header's label cell again, over columns of its own, or the next table's title
        if has_figure and head is None:
            head = block[-1][2][0].text if block else ""  # the label cell of the header line over the rows
        block.append((start, line, cells))
        end += 1
    data = [i for i, (_s, _l, cells) in enumerate(block) if any(_is_figure(c) for c in cells[1:])]
    if len(data) < 2:
        return _Miss(end)
    width = max(len(block[i][2]) for i in data)
    centres = _column_centres([block[i] for i in data if len(block[i][2]) == width], width)
    # a unit line or a numbered title (`17-6  卫生机构…`) among the lines above the data: the
    # table's header starts below it
    cut = max((i for i in range(data[0]) if _title_like(block[i][1])), default=-1)
    block, data = block[cut + 1:], [i - cut - 1 for i in data]
    is_data = set(data)
    table = Table("aligned", block[0][0], block[-1][0] + len(block[-1][1]))
    wrapped: Cell | None = None  # a label's first line, on a line of its own
    last: tuple[int, str] | None = None  # the line of the row just read
    heading = data[0]  # the header lines end here
    if heading >= 2 and _first_label_piece(block[heading - 1], block[data[0]], centres):
        heading -= 1  # the first row's label begun on the line under the header (`每千常住人口执业` / `（助理）医师（人）`)
        wrapped = block[heading][2][0]
    if heading > 0:
        full = [block[i] for i in data if len(block[i][2]) == width]
        # a header row in English is no label, nor is an English cell among Chinese ones (`Region` under `地区`)
        headers = [(start, line, _unit_pieces(text, start, [c for c in cells if not LATIN_CELL.match(c.text)]))
                   for start, line, cells in block[:heading] if not all(LATIN_CELL.match(cell.text) for cell in cells)]
        if headers:
            table.header_rows = _header_rows(headers, centres, full)
    for i, (start, line, cells) in enumerate(block):
        if i < data[0]:
            continue
        elif i in is_data:
            row = cells if len(cells) == width else _fill(cells, start, line, centres)
            if wrapped is not None and row and not _is_figure(row[0]) and row[0].text:
                row = [joined(wrapped, row[0]), *row[1:]]
            wrapped = None
            table.rows.append(row)
            last = (start, line)
        elif len(cells) == 1 and LATIN_CELL.match(cells[0].text):
            continue  # a row label's English name on the line under it (`北　京` / `  Beijing`): a gloss
        elif len(cells) == 1 and not _is_figure(cells[0]) and _label_piece(
                cells[0].text, FIRST_PIECE_MAX if i + 1 in is_data else LABEL_PIECE_MAX):
            label = table.rows[-1][0] if last is not None and table.rows[-1] else None
            after = block[i + 1][2][0] if i + 1 < len(block) and block[i + 1][2] else None
            at = _numbered_label(table.rows[-1], cells[0], start, line, *last) if label is not None else None
            if at is not None and i + 1 in is_data and _fill(block[i + 1][2], block[i + 1][0], block[i + 1][1],
                                                             centres)[at].text:
                # the label after a running number (`2    县万密斋医院（县中医` / `     医院）`), the next row
                # with a label of its own: the end of this row's label
                row = table.rows[-1]
                table.rows[-1] = [*row[:at], joined(row[at], cells[0]), *row[at + 1:]]
            elif (label is not None and label.text and not _is_figure(label) and not _SUB_ROW.match(cells[0].text)
                    and not _opens(cells[0].text) and not (after is not None and _closes(after.text))
                    and (_bounds(cells[0], start, line)[0] > _bounds(label, *last)[0] or _crowded(table.rows[-1], *last))):
                # indented under the row just read, or that row's label ran out of room: the end of
                # its label (`  床位数(张)`, `基层医疗卫生机构住院人` / `次占比`)
                table.rows[-1] = [joined(label, cells[0]), *table.rows[-1][1:]]
            else:
                # the start of the next row's label (`门诊部、诊所、卫生所、` / `  医务室  672`)
                wrapped = cells[0]
            last = None
        else:
            wrapped, last = None, None
    _regroup(table)
    return table, end


def _after_blank(text: str, lines: list[tuple[int, str]], k: int) -> list[Cell] | None:
    """The aligned cells of the line after the blank line `k`."""
    return _aligned_cells(text, *lines[k + 1]) if k + 1 < len(lines) else None


def _numbered_label(row: list[Cell], piece: Cell, start: int, line: str, row_start: int, row_line: str) -> int | None:
    """Where a row that opens with a running number (`2`) has the label a line alone under it
    (`医院）`) goes on: its text cell that starts where the piece does, before its first figure;
    None for a row without a running number or a piece standing elsewhere."""
    if len(row) < 3 or not row[0].text.isdigit() or _is_figure(row[1]) or not row[1].text:
        return None
    return 1 if _bounds(piece, start, line)[0] == _bounds(row[1], row_start, row_line)[0] else None


def _first_label_piece(piece: tuple[int, str, list[Cell]], row: tuple[int, str, list[Cell]],
                       centres: list[float]) -> bool:
    """Whether a line alone under the header is the start of the first row's label: one cell over
    the label column that goes on (a bracket or list left open) or that the row's label ends (it
    closes a bracket it did not open)."""
    start, line, cells = piece
    if len(cells) != 1 or _is_figure(cells[0]) or not _label_piece(cells[0].text) or not row[2]:
        return False
    if _nearest(sum(_bounds(cells[0], start, line)) / 2, centres) != 0:
        return False
    label = row[2][0]
    return not _is_figure(label) and (_opens(cells[0].text) or _closes(label.text))


def _header_rows(headers: list[tuple[int, str, list[Cell]]], centres: list[float],
                 rows: list[tuple[int, str, list[Cell]]]) -> list[list[Cell | None]]:
    """Header lines over the data columns. The last line heads the columns: in order where it
    has a cell for each (a yearbook draws its header wider than its figures), else each cell
    over the column nearest to it. A line above it heads runs of those columns (a group,
    `床位数合计` over `2019 | 2020`): each run takes the cell that overlaps it most on screen,
    where one does, measured against the header's own columns."""
    *groups, (start, line, cells) = headers
    units: list[Cell | None] | None = None
    if groups and all(UNIT_ONLY.match(cell.text) for cell in cells):
        # a last line of units only (`(例)  (1/10万)`) ends the labels above it: they head the columns
        units = _place(cells, start, line, centres)
        *groups, (start, line, cells) = groups
    width = len(centres)
    extents = _extents(rows, width)
    stack = [(start, line, _words(start, line, cells, extents))]
    while groups:
        s, l, cs = groups[-1]
        upper = (s, l, _words(s, l, cs, extents))
        if not _wraps_onto(upper, stack[0], extents):
            break
        groups.pop()
        stack.insert(0, upper)
    start, line, cells = stack[-1]
    first = sum(_bounds(cells[0], start, line)) / 2
    stacked: list[list[Cell]] | None = None
    if len(stack) > 1:
        # leaf labels wrapped over several lines (`乡镇` / `卫生院`, `社区卫生` / `服务中心` / `（站）`):
        # each piece over the column it overlaps most, the pieces of a column read top down
        stacked = [[] for _ in range(width)]
        for s, l, cs in stack:
            for cell in cs:
                stacked[_overlapping(_bounds(cell, s, l), extents, centres)].append((s, l, cell))
        leaf: list[Cell | None] = [reduce(joined, [c for _s, _l, c in pieces]) if pieces else None for pieces in stacked]
    elif len(cells) == width:
        leaf = list(cells)
    elif len(cells) == width - 1 and width > 1 and abs(first - centres[1]) < abs(first - centres[0]):
        leaf = [None, *cells]  # the label column has no header of its own
    else:
        leaf = _place(cells, start, line, centres)
    if units is not None:  # a unit on the labels' line (`常住人口` over `(万人)`) goes with the units
        for column, cell in enumerate(leaf):
            if cell is not None and units[column] is None and UNIT_ONLY.match(cell.text):
                units[column], leaf[column] = cell, None
    spans = []
    for column in range(width):
        cell = leaf[column]
        if stacked is not None and stacked[column]:
            bounds = [_bounds(c, s, l) for s, l, c in stacked[column]]
            spans.append((min(b[0] for b in bounds), max(b[1] for b in bounds)))
        elif cell is not None:
            spans.append(_bounds(cell, start, line))
        else:
            bounds = [_bounds(c[column], s, l) for s, l, c in rows if column < len(c)]
            spans.append((min(b[0] for b in bounds), max(b[1] for b in bounds)) if bounds else (0, 0))
    out = [_place_group(group, spans, _runs(leaf)) for group in groups]
    _extend_groups(out, leaf, groups, spans)
    if units is not None:  # each unit read with the label over it (`发病数` over `(例)`)
        leaf = [joined(cell, unit) if cell is not None and unit is not None else cell or unit
                for cell, unit in zip(leaf, units)]
    rows_ = [*out, leaf]
    _join_stacked(rows_)
    _ruled_groups(rows_)
    return rows_


def _ruled_groups(rows: list[list[Cell | None]]) -> None:
    """A rule drawn under a group's label (`卫生技术人员（人）` over `————` over `小计 | 执业医师 | …`): the
    label heads every column the rule spans, though centred over some of them, and the rule is no label.
    (A rule with no label over it keeps its place: the group's label was read as the table's title.)"""
    for r, row in enumerate(rows[1:], start=1):
        ruled = [c for c, cell in enumerate(row) if cell is not None and _RULE_LINE.match(cell.text)]
        labels = {id(cell): cell for c in ruled if (cell := rows[r - 1][c]) is not None}
        if len(labels) == 1:
            label = next(iter(labels.values()))
            for c in ruled:
                rows[r - 1][c], row[c] = label, None


def _extents(rows: list[tuple[int, str, list[Cell]]], width: int) -> list[tuple[int, int]]:
    """Where each data column stands on screen: from its leftmost start to its rightmost end."""
    bounds: list[list[tuple[int, int]]] = [[] for _ in range(width)]
    for start, line, cells in rows:
        for column, cell in enumerate(cells[:width]):
            bounds[column].append(_bounds(cell, start, line))
    return [(min(a for a, _b in b), max(b_ for _a, b_ in b)) if b else (0, 0) for b in bounds]


def _covered(bounds: tuple[int, int], extents: list[tuple[int, int]]) -> list[int]:
    """The data columns a header cell stands over, at least in part."""
    a, b = bounds
    return [column for column, (lo, hi) in enumerate(extents) if min(b, hi) > max(a, lo)]


def _overlapping(bounds: tuple[int, int], extents: list[tuple[int, int]], centres: list[float]) -> int:
    """The data column a header piece stands over most, else the nearest."""
    a, b = bounds
    over = max(((min(b, hi) - max(a, lo), column) for column, (lo, hi) in enumerate(extents)), default=(0, 0))
    return over[1] if over[0] > 0 else _nearest((a + b) / 2, centres)


def _words(start: int, line: str, cells: list[Cell], extents: list[tuple[int, int]]) -> list[Cell]:
    """A header cell over several columns whose words one space parts (`乡镇 社区卫生 村卫生室`):
    a narrow yearbook column's labels, each a cell; a label spaced out (`卫 生 机 构 数`) is one."""
    out: list[Cell] = []
    for cell in cells:
        words = list(re.finditer(r"\S+", cell.text))
        if (len(words) > 1 and all(len(w.group().lstrip("#＃")) >= 2 and not UNIT_ONLY.match(w.group()) for w in words)
                and len(_covered(_bounds(cell, start, line), extents)) > 1):
            out += [Cell(cell.start + w.start(), cell.start + w.end(), w.group()) for w in words]
        else:
            out.append(cell)
    return out


def _wraps_onto(upper: tuple[int, str, list[Cell]], lower: tuple[int, str, list[Cell]],
                extents: list[tuple[int, int]]) -> bool:
    """Whether a header line (its cells split into words: `_words`) holds the first pieces of the
    leaf labels wrapped onto the line under it: no fewer cells than that line, none over two data
    columns (a group's label is); a label column's header (the first) counts for nothing."""
    start, line, cells = upper
    spans = [_covered(_bounds(cell, start, line), extents) for cell in cells]
    return (len(cells) >= len(lower[2]) and len(lower[2]) > 1 and len(cells) > 2
            and all(len([c for c in covered if c > 0]) <= 1 for covered in spans))


def _unit_pieces(text: str, start: int, cells: list[Cell]) -> list[Cell]:
    """Header cells with two bracketed units a single space apart (`（人次） （人）`) split."""
    out: list[Cell] = []
    for cell in cells:
        at = cell.start
        for match in _BETWEEN_UNITS.finditer(cell.text):
            out.append(_cell(text, at, cell.start + match.start()))
            at = cell.start + match.end()
        out.append(_cell(text, at, cell.end) if at != cell.start else cell)
    return out


def _extend_groups(rows: list[list[Cell | None]], leaf: list[Cell | None],
                   lines: list[tuple[int, str, list[Cell]]], spans: list[tuple[int, int]]) -> None:
    """A group's label stands over part of its sub-columns (`卫生技术人员(人)` over `合计 |
    执业(助理)医师 | 注册护士`): the columns next to it with nothing over their own label are its
    own, within GROUP_GAP; where it overlaps two columns or more, those to its left only as far
    as it stays centred over the run (`每千人口（人）` over its two columns, not the count before
    them), a `小计` before the run included. The label column (the first) takes none."""
    bare = {c for c in range(1, len(leaf)) if all(row[c] is None for row in rows)}
    for row, (start, line, _cells) in zip(rows, lines):
        claims: dict[int, list[tuple[int, Cell]]] = {}
        for cell in dict.fromkeys(c for c in row if c is not None):
            columns = [i for i, c in enumerate(row) if c is cell]
            below = leaf[columns[0]]
            a, b = _bounds(cell, start, line)
            wide = len(columns) > 1 or below is None or b - a > spans[columns[0]][1] - spans[columns[0]][0]
            if not wide or columns[0] == 0:
                continue
            lefts, rights = [columns[0]], [columns[-1]]
            while lefts[-1] - 1 in bare and a - spans[lefts[-1] - 1][1] <= GROUP_GAP:
                lefts.append(lefts[-1] - 1)
            while rights[-1] + 1 in bare and spans[rights[-1] + 1][0] - b <= GROUP_GAP:
                rights.append(rights[-1] + 1)
            first, last = lefts[-1], rights[-1]
            if len(columns) > 1:  # ...to its left, only as far as it stays centred over the run
                _gap, _size, first = min((abs((spans[lo][0] + spans[last][1]) / 2 - (a + b) / 2), lo - last, lo)
                                         for lo in lefts)
            if first - 1 in bare and leaf[first - 1] is not None and re.sub(r"\s", "", leaf[first - 1].text) == SUBTOTAL:
                first -= 1
            for column in range(first, last + 1):
                if column in bare:
                    claims.setdefault(column, []).append((max(a - spans[column][1], spans[column][0] - b), cell))
        for column, near in claims.items():  # a column two labels reach takes the nearer
            row[column] = min(near, key=lambda claim: claim[0])[1]


def _join_stacked(rows: list[list[Cell | None]]) -> None:
    """A group label wrapped over two header lines (`每千人口医疗卫生` over `机构床位数(张)`, each
    over the same columns) is one label, read joined; a rule drawn under a label is not part of it."""
    for upper, lower in zip(rows, rows[1:]):
        for cell in dict.fromkeys(c for c in lower if c is not None):
            columns = [i for i, c in enumerate(lower) if c is cell]
            above = upper[columns[0]]
            if (above is None or [i for i, c in enumerate(upper) if c is above] != columns
                    or _RULE_LINE.match(above.text) or _RULE_LINE.match(cell.text)
                    or YEAR_LABEL.match(cell.text) or YEAR_LABEL.match(above.text)):
                continue  # a year under a label is a sub-column, not the label's end
            both = joined(above, cell)
            for row in rows:  # the label's pieces higher up are the whole label too
                for i in columns:
                    if row[i] is above:
                        row[i] = both
            for i in columns:
                lower[i] = both


def _runs(leaf: list[Cell | None]) -> list[list[int]]:
    """The leaf columns in runs a group heads: a run ends where the leaf labels start again
    (a label repeats, or a year goes back: 2019, 2020 | 2020 | 2019, 2020); with no such
    restart, each column is its own."""
    runs: list[list[int]] = []
    seen: set[str] = set()
    restarted = False
    descending = _descending(leaf)
    for column, cell in enumerate(leaf):
        if cell is None:
            runs.append([column])
            seen = set()
            continue
        before = leaf[runs[-1][-1]] if runs else None
        back = before is not None and _year_back(before.text, cell.text, descending)
        again = cell.text in seen and _starts_over(leaf, column, runs[-1])
        restarted = restarted or again or back
        if not runs or again or back or len(runs[-1]) == 1 and leaf[runs[-1][0]] is None:
            runs.append([])
            seen = set()
        runs[-1].append(column)
        seen.add(cell.text)
    if not restarted or sum(1 for run in runs if leaf[run[0]] is not None) < 2:
        return [[column] for column in range(len(leaf))]
    return runs


def _starts_over(leaf: list[Cell | None], column: int, run: list[int]) -> bool:
    """Whether the leaf labels from `column` repeat those of `run` from the same label on, for
    two labels at least (`合计 男 女 | 合计 男 女`); one label met again (`签约率` under two
    groups) starts nothing."""
    text = leaf[column].text if leaf[column] is not None else None
    first = next((c for c in run if leaf[c] is not None and leaf[c].text == text), None)
    if first is None or column + 1 >= len(leaf) or first + 1 >= len(leaf):
        return False
    after, before = leaf[column + 1], leaf[first + 1]
    return after is not None and before is not None and after.text == before.text


def _descending(leaf: list[Cell | None]) -> bool:
    """Whether the leaf labels' years run from the latest (`2023年 | 2022年 | …`)."""
    years = [m.group(1) for cell in leaf if cell is not None and (m := YEAR_LABEL.match(cell.text))]
    return len(years) >= 2 and years[1] < years[0]


def _year_back(before: str, label: str, descending: bool) -> bool:
    """Whether two leaf labels are years and the second goes back against the order the
    group's years run in: no later than the first, or, where they run from the latest
    (`2023年 | 2022年 | 2023年 | 2022年`), no earlier."""
    a, b = YEAR_LABEL.match(before), YEAR_LABEL.match(label)
    if a is None or b is None:
        return False
    return b.group(1) >= a.group(1) if descending else b.group(1) <= a.group(1)


def _place_group(line_cells: tuple[int, str, list[Cell]], spans: list[tuple[int, int]],
                 runs: list[list[int]]) -> list[Cell | None]:
    """A group line's cells over runs of columns (`spans`: each column's place on screen)."""
    start, line, cells = line_cells
    placed: list[Cell | None] = [None] * len(spans)
    bounds = [_bounds(cell, start, line) for cell in cells]
    used: set[int] = set()
    left: list[tuple[list[int], list[tuple[int, int]]]] = []
    for run in runs:
        lo, hi = min(spans[c][0] for c in run), max(spans[c][1] for c in run)
        overlaps = [(min(hi, b) - max(lo, a), i) for i, (a, b) in enumerate(bounds)]
        best = max(overlaps, default=None)
        if best is not None and best[0] > 0:
            used.add(best[1])
            for column in run:
                placed[column] = cells[best[1]]
        else:
            left.append((run, overlaps))
    # a run no cell stands over takes a cell close by that heads no other run
    for run, overlaps in left:
        best = max(((gap, i) for gap, i in overlaps if i not in used), default=None)
        if best is not None and best[0] >= -GROUP_REACH:
            used.add(best[1])
            for column in run:
                placed[column] = cells[best[1]]
    return placed


def _label_piece(text: str, limit: int = LABEL_PIECE_MAX) -> bool:
    """Whether a line of its own between rows can be part of a row label: short, no sentence
    or advertising punctuation; a colon only after a short heading word (`按基金分：统筹基金收入`)."""
    if len(PINYIN.sub("", text)) > limit or re.search(r"[，。！？!?【】「」《》]", text):
        return False
    return not re.search(r"[：:]", text) or bool(_LABEL_COLON.match(text)) and not UNIT_LINE.match(text)


def _opens(label: str) -> bool:
    """A label piece that goes on in the next line: a bracket left open, a list left open (`、`)."""
    return label.count("（") + label.count("(") > label.count("）") + label.count(")") or label.endswith(("、", "及", "和"))


def _closes(label: str) -> bool:
    """A label that ends one begun on the line before: a bracket closed that it did not open."""
    return (label.count("）") + label.count(")") > label.count("（") + label.count("(")
            or label.startswith(("（", "(")) and not _BRACKET_MARKER.match(label))


def _crowded(row: list[Cell], start: int, line: str) -> bool:
    """Whether a row's label runs up to the cell after it (the row was wrapped for want of room)."""
    if len(row) < 2 or not row[1].text:
        return False
    return _bounds(row[1], start, line)[0] - _bounds(row[0], start, line)[1] <= CROWDED_GAP


def _below_titles(lines: list[tuple[int, str]], k: int) -> str:
    """The first of lines k, k + 1 … that is no unit line or title (`单位：万元`), or ''."""
    while k < len(lines) and _title_like(lines[k][1]) and lines[k][1].strip():
        k += 1
    return lines[k][1] if k < len(lines) else ""


def _title_like(line: str) -> bool:
    """A unit line, a table's numbered title (`17-6  卫生机构、床位…`, `表4-1-2  各地区…`), or the
    line over a table's part after a page break (`续表            单位：张`)."""
    stripped = line.strip()
    return bool(UNIT_LINE.match(stripped) or TABLE_NUMBER.match(stripped) or CONTINUED.match(stripped))


def _regroup(table: Table) -> None:
    """Groups over sub-columns, set by the leaf labels: where the leaf row starts again (2018,
    2019, 2018, 2019 …) a new group starts, and a group row with as many labels as there are
    runs gives them in order (positions on screen are not exact enough for that)."""
    if len(table.header_rows) < 2:
        return
    leaf = table.header_rows[-1]
    runs: list[list[int]] = []
    seen: set[str] = set()
    descending = _descending(leaf)
    for column, cell in enumerate(leaf):
        if cell is None:
            continue
        back = bool(runs) and _year_back(leaf[runs[-1][-1]].text, cell.text, descending)
        if not runs or back or cell.text in seen and _starts_over(leaf, column, runs[-1]):
            runs.append([])
            seen = set()
        runs[-1].append(column)
        seen.add(cell.text)
    if len(runs) < 2:
        return
    for row in table.header_rows[:-1]:
        labels = list(dict.fromkeys(c for c in row[runs[0][0]:] if c is not None))
        if len(labels) == len(runs):
            for label, run in zip(labels, runs):
                for column in run:
                    row[column] = label


def _display(line: str, upto: int) -> int:
    """Where offset `upto` of `line` stands on screen: wide (CJK, full-width) characters take two
    columns, as they did for whoever aligned the table."""
    return _screen(line)[upto]


@lru_cache(maxsize=256)
def _screen(line: str) -> tuple[int, ...]:
    """The screen column of every offset of `line` (and of its end): a line's cells are placed
    by it many times, and a character is measured once."""
    at, columns = 0, [0]
    for ch in line:
        at += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        columns.append(at)
    return tuple(columns)


def _bounds(cell: Cell, start: int, line: str) -> tuple[int, int]:
    return _display(line, cell.start - start), _display(line, cell.end - start)


def _merge_label(text: str, cells: list[Cell], count: int) -> list[Cell]:
    if any(_is_figure(c) for c in cells[:count]):
        return cells
    return [Cell(cells[0].start, cells[count - 1].end, text[cells[0].start:cells[count - 1].end]), *cells[count:]]


def _column_centres(rows: list[tuple[int, str, list[Cell]]], width: int) -> list[float]:
    centres = []
    for column in range(width):
        spots = [sum(_bounds(c, start, line)) / 2 for start, line, cells in rows for c in cells[column:column + 1]]
        centres.append(sum(spots) / len(spots) if spots else 0.0)
    return centres


def _nearest(position: float, centres: list[float]) -> int:
    return min(range(len(centres)), key=lambda i: abs(centres[i] - position))


def _place(cells: list[Cell], start: int, line: str, centres: list[float]) -> list[Cell | None]:
    """Cells put over the data columns, each over the column nearest to it (the first there)."""
    placed: list[Cell | None] = [None] * len(centres)
    middles = [sum(_bounds(cell, start, line)) / 2 for cell in cells]
    for cell, middle in zip(cells, middles):
        column = _nearest(middle, centres)
        if placed[column] is None:
            placed[column] = cell
    return placed


def _fill(cells: list[Cell], start: int, line: str, centres: list[float]) -> list[Cell]:
    """A data row with cells missing (`-` left out, a ragged row): each cell in its column."""
    placed = _place(cells, start, line, centres)
    return [c if c is not None else Cell(start, start, "") for c in placed]


# --- one cell per line ---------------------------------------------------------------------

def _cell_line(line: str) -> str | None:
    stripped = line.strip()
    if stripped.endswith(">"):  # a cell a line, each closed by a converter's `<br>`
        stripped = BR_END.sub("", stripped)
    stripped = stripped.strip("|｜").strip()
    if "\t" in stripped:
        return None  # cells parted by tabs: a tab-separated row, however short (`1\t黄芪\t饮片\t10g\t0.68`)
    # pinyin debris (`衛(wèi)生`) does not make a label long; the end of a clause, a cheaper test,
    # is looked at first
    if not stripped or stripped[-1] in "。；;，,：:" or (
            len(stripped) > CELL_LINE_MAX and len(PINYIN.sub("", stripped)) > CELL_LINE_MAX):
        return None
    return stripped


def _cell_run(text: str, lines: list[tuple[int, str]], k: int) -> tuple[list[tuple[Cell, int]], int]:
    """The cells of the run of short lines from line k, each with its line's index, and the
    index of the line after the run. A line of a bar alone is an empty cell (`|` where a web
    table had nothing); cells set one a line with a blank line between (the page's paragraphs)
    are one run where the blank lines keep coming; one line too long to be a cell (an
    advertisement) between cells is passed over."""
    run: list[tuple[Cell, int]] = []
    spaced = False
    since = 0  # cells since the run's start or its last blank line
    periodic = False  # blank lines part its rows, every `since` cells
    period = 0  # where they do: the width of the last row so parted
    end = k
    while end < len(lines):
        start, line = lines[end]
        if run and _page_break(lines, end):
            end += 1  # a page's number between two parts of the table, and the blank lines around it
            continue
        body = _cell_line(line)
        if body is not None:
            at = line.index(body)
            run.append((Cell(start + at, start + at + len(body), body), end))
            since += 1
            end += 1
            continue
        stripped = line.strip()
        # bars part this table's cells or rows: `_barred` reads it; where the cells end with their
        # bar (`兰州市 |`), a bar alone is an empty cell
        closed = len(run) >= 6 and 2 * sum(lines[i][1].rstrip().endswith(("|", "｜")) for _c, i in run) > len(run)
        if stripped in ("|", "｜") and _frequent_bars(lines, end) and not closed:
            break
        if stripped in ("|", "｜") and run:
            at = start + line.index(stripped)
            run.append((Cell(at, at, ""), end))
            end += 1
            continue
        following = _cell_line(lines[end + 1][1]) if end + 1 < len(lines) else None
        # spaced: a blank line before a cell and after it, and again after the next (a title set off
        # by blank lines over cells one a line is no spaced run: the blank lines stop)
        if not stripped and following is not None and not periodic and (
                spaced or end + 2 >= len(lines) or not lines[end + 2][1].strip() and (
                    end + 4 >= len(lines) or _cell_line(lines[end + 3][1]) is None or not lines[end + 4][1].strip())):
            spaced = True
            end += 1
            continue
        if not stripped and not spaced and run:
            if since >= 2 and _group(lines, end + 1) in (since, since - 1) and (
                    _group(lines, end + 1) == since or _empty_last(lines, end + 1 + _group(lines, end + 1))):
                # a blank line after every row (`资产负债率` / `%` / `36.62`, blank, …): rows parted
                periodic, since, period = True, 0, since
                end += 1
                continue
            if periodic and following is not None and since == period:
                since = 0  # the end of a row as wide as those before, over a row with a gap
                end += 1
                continue
            if periodic and following is not None and 0 < since < period and since + _group(lines, end + 1) <= period:
                # a cell left empty inside a row of a table whose rows blank lines part (`合计` / blank / `15` …)
                run.append((Cell(start, start, ""), end))
                since += 1
                end += 1
                continue
            if periodic and since + 1 == period and _empty_last(lines, end):
                # the row's last cell left empty, then the blank line that ends the row
                run.append((Cell(start, start, ""), end))
                since += 1
                end += 1
                continue
            resumes = following is not None or (
                end + 2 < len(lines) and not lines[end + 1][1].strip() and _cell_line(lines[end + 2][1]) is not None)
            # (a header and the first row's label and figure are enough: the first row may hold the gap;
            # a figure that reads as a year, `1988` live births, is a figure here, in a table under way)
            if not periodic and resumes and len(run) >= 6 and any(c.figure is not None for c, _l in run[-2:]):
                run.append((Cell(start, start, ""), end))  # a cell left empty, in a table under way
                end += 1
                continue
        if (stripped and following is not None and run and any(_is_figure(c) for c, _l in run)
                and len(stripped) <= 3 * CELL_LINE_MAX):
            end += 1  # debris between two cells of a table under way
            continue
        break
    return run, end


def _empty_last(lines: list[tuple[int, str]], k: int) -> bool:
    """Whether line k and the next are blank, then cells go on: in a table whose rows blank
    lines part, the row's last cell left empty and the blank line that ends the row (`63` /
    `72`, blank, blank, `住院次均费用（元）` …)."""
    return (k + 2 < len(lines) and not lines[k][1].strip() and not lines[k + 1][1].strip()
            and _group(lines, k + 2) >= 2)


def _page_break(lines: list[tuple[int, str]], k: int) -> bool:
    """Whether line k is a page's number (`— 2 —`) or a blank line next to one, with the table's
    cells going on after it (not a new table's title)."""
    at = k
    while at < len(lines) and (not lines[at][1].strip() or PAGE_NUMBER.match(lines[at][1])):
        at += 1
    if at == k or at >= len(lines) or not any(PAGE_NUMBER.match(lines[j][1]) for j in range(max(0, k - 1), at)):
        return False  # most lines are cells: nothing to pass over
    after = _cell_line(lines[at][1])
    return after is not None and not (TABLE_NUMBER.match(after) or NUMBERED_TITLE.match(after) or CONTINUED.match(after))


def _closed_pieces(lines: list[tuple[int, str]], run: list[tuple[Cell, int]]) -> list[tuple[Cell, int]]:
    """Cells one a line, each closed by a bar (`序号 |`), where a cell is wrapped over lines
    (`建档立卡` / `出院人次 |`): a line without its bar goes on in the next, that closes the cell."""
    closed = [lines[i][1].rstrip().endswith(("|", "｜")) for _cell, i in run]
    if 2 * sum(closed) < len(run) or all(closed):
        return run
    out: list[tuple[Cell, int]] = []
    piece: Cell | None = None
    for k, ((cell, i), bar) in enumerate(zip(run, closed)):
        if piece is not None:
            cell = joined(piece, cell) if cell.text else piece
            piece = None
        following = lines[run[k + 1][1]][1].lstrip() if k + 1 < len(run) else ""
        if (not bar and cell.text and not _is_figure(cell) and _label_piece(cell.text)
                and following and not following.startswith(("|", "｜"))):
            piece = cell  # the cell goes on in the next line (an advertisement's line does not)
            continue
        out.append((cell, i))
    if piece is not None:
        out.append((piece, run[-1][1]))
    return out


def _group(lines: list[tuple[int, str]], k: int) -> int:
    """How many cell lines follow one another from line k."""
    end = k
    while end < len(lines) and _cell_line(lines[end][1]) is not None:
        end += 1
    return end - k


def _rows(body: list[Cell], columns: int, *, short_last: bool = False) -> list[list[Cell]]:
    """`body` cut into rows of `columns` cells, a label and its values, as far as it reads so
    (`short_last`: and a last row cut short, padded with empty cells). Where every row so far is
    a label and values only, a text cell where a label should be, followed by a whole row, is
    debris between rows (an advertisement) and is passed over."""
    rows: list[list[Cell]] = []
    plain = True  # every row so far is a label and values only
    # rows that open with a running number (a 序号 column: `1` / `恰卜恰镇卫生院` / figures; a total
    # row with the number left empty): the label is the second cell
    lead = 1 if (columns >= 3 and len(body) > 1 and body[0].text in ("1", "１") and not _is_value(body[1])) else 0
    at = 0
    while at + columns <= len(body):
        chunk = body[at:at + columns]
        if lead and not (chunk[0].text.isdigit() or not chunk[0].text or EMPTY_CELL.match(chunk[0].text)):
            break  # (a total row's number left empty or dashed: `— | 全省平均 | …`)
        if _is_value(chunk[lead]):
            break
        if all(_is_value(c) for c in chunk[lead + 1:]):
            rows.append(chunk)
            at += columns
            continue
        after = body[at + 1:at + 1 + columns]
        if (plain and rows and len(after) == columns and not _is_value(after[0])
                and all(_is_value(c) for c in after[1:])):
            at += 1
            continue
        if not any(_is_figure(c) for c in chunk[1:]):
            break
        rows.append(chunk)
        plain = False  # a text cell among this row's values
        at += columns
    rest = body[at:]
    if (short_last and rows and 2 <= len(rest) < columns and not _is_value(rest[lead])
            and all(_is_value(c) for c in rest[lead + 1:]) and any(_is_figure(c) for c in rest[lead + 1:])):
        # the last row cut short, its last cells left empty (`医疗服务收入占比(%)` / `33.47%` / … with
        # nothing under `增长比`): the page's blank lines at the table's end are gone
        end = rest[-1].end
        rows.append([*rest, *(Cell(end, end, "") for _ in range(columns - len(rest)))])
    return rows


def _groups_in_order(heads: list[Cell], columns: int) -> list[list[Cell | None]] | None:
    """A two-row header flattened group by group: the label column's head, then each group's
    label followed by its sub-columns, the same under every group (`机构类别 | 机构数(个) | 本年 |
    上年 | 床位数(张) | 本年 | 上年` over a label and four values): the groups' row over each group's
    sub-columns, and the sub-columns' row under it; None where the heads do not read so."""
    rest = heads[1:]
    for size in range(2, len(rest) // 2 + 1):
        groups = len(rest) // size
        if groups * size != len(rest) or 1 + groups * (size - 1) != columns:
            continue
        runs = [rest[g * size:(g + 1) * size] for g in range(groups)]
        subs = [cell.text for cell in runs[0][1:]]
        if all([cell.text for cell in run[1:]] == subs for run in runs[1:]):
            return [[heads[0], *(run[0] for run in runs for _sub in run[1:])],
                    [None, *(cell for run in runs for cell in run[1:])]]
    return None


def _groups_then_subs(heads: list[Cell], columns: int) -> list[list[Cell | None]] | None:
    """A two-row header flattened row by row with no head over the label column: the groups'
    labels, then the sub-columns under each group, the same under every group (`机构数(个) |
    床位数(张) | 2020年 | 2021年 | 2020年 | 2021年` over a label and four values): the groups' row
    over each group's sub-columns and the sub-columns' row; None where the heads do not read so."""
    subs = columns - 1
    groups = len(heads) - subs
    if groups < 2 or subs % groups:
        return None
    size = subs // groups
    under = heads[groups:]
    texts = [cell.text for cell in under[:size]]
    if size < 2 or any([cell.text for cell in under[g * size:(g + 1) * size]] != texts for g in range(1, groups)):
        return None
    return [[None, *(heads[g] for g in range(groups) for _sub in range(size))], [None, *under]]


def _cell_per_line(text: str, lines: list[tuple[int, str]], k: int) -> tuple[Table, int] | _Miss | None:
    """A run of short lines, header cells first, then each row's label and values."""
    if lines[k][1].strip() and _cell_line(lines[k][1]) is None:
        return _Miss(k)  # a run starts at a cell or a blank line: most lines of prose start none
    placed, end = _cell_run(text, lines, k)
    return _flat_table(_closed_pieces(lines, placed), end, "cell_per_line")


def _unwrapped_heads(placed: list[tuple[Cell, int]]) -> list[tuple[Cell, int]]:
    """Header cells wrapped over two lines (`重点指标` / `（45分）` / `项目管理` / `（30分）`): a bracket
    alone between two labels before the first value ends the label above it. Brackets one after
    another (`卫生机构数` / `床位数` / `（个）` / `（张）`) are a row of units under the labels: kept."""
    header = next((i for i, (cell, _line) in enumerate(placed) if _is_value(cell)), len(placed))
    out: list[tuple[Cell, int]] = []
    for i, (cell, line) in enumerate(placed[:header]):
        after = placed[i + 1][0] if i + 1 < len(placed) else None
        if (i > 0 and HEAD_BRACKET.fullmatch(cell.text) and not HEAD_BRACKET.fullmatch(out[-1][0].text)
                and after is not None and not HEAD_BRACKET.fullmatch(after.text)):
            out[-1] = (joined(out[-1][0], cell), line)
        else:
            out.append((cell, line))
    return placed if len(out) == header else out + placed[header:]


def _flat_table(placed: list[tuple[Cell, int]], end: int, form: str) -> tuple[Table, int] | _Miss:
    """A table's cells in reading order, each with the index of its (last) line, cut into a
    header and rows: the column count is inferred from the header cells and the rows."""
    run = [cell for cell, _line in placed]
    figures = sum(_is_figure(c) for c in run)
    if len(run) < 6 or figures < 3:
        return _Miss(end)
    if (kept := _without_head_padding(placed)) is not placed:
        placed, run = kept, [cell for cell, _line in kept]
    if (kept := _unwrapped_heads(placed)) is not placed:
        placed, run = kept, [cell for cell, _line in kept]
    header = 0
    while header < len(run) and not _is_value(run[header]):
        header += 1
    # The column count: the header cells' (or one more, when the label column has no header)
    # that cuts the rest into rows of a label and values over the most cells. The text lines
    # before the first value are title lines, the header cells, then the first row's label and
    # any text cells of it (a unit column): every split is tried.
    best: tuple[tuple[int, int, int, bool, int, int], int, int, int, list[list[Cell]]] | None = None
    short = [0]  # short[skip]: how many of the first `skip` cells are too short for a title
    for cell in run[:min(header, MAX_TITLE_LINES + 1)]:
        short.append(short[-1] + (len(cell.text) <= SHORT_HEAD and not UNIT_LINE.match(cell.text)))
    for skip in range(min(header, MAX_TITLE_LINES + 1)):
        for labels in range(min(header - skip, 2 * MAX_COLUMNS), 0, -1):
            captions = sum(1 for cell in run[skip:skip + labels] if CAPTION.search(cell.text))
            # as many header cells as columns; one fewer (the label column has none); or a
            # second header row under the first (`上年同期 | 本期` over `(2021年) | (2022年)`)
            # groups' labels, then the same sub-columns under each (no head over the label column): two
            # groups of two sub-columns at least
            grouped = [] if labels < 6 else [
                labels - groups + 1 for groups in range(2, labels // 3 + 1)
                if _groups_then_subs(run[skip:skip + labels], labels - groups + 1) is not None]
            for columns in (labels, labels + 1, *range(labels - 2, labels // 2, -1), *grouped):
                if not 2 <= columns <= MAX_COLUMNS:
                    continue
                body = run[skip + labels:]
                rows = _rows(body, columns)
                # the most cells read as rows; then no caption (`公开时段：…`) taken for a header
                # cell; then a header that reads as groups over their sub-columns; nor a header
                # word (`指标`, `单位`) for a title line; then a header as wide as the rows; then
                # the split that leaves no cell over at the end
                score = (len(rows) * columns, -captions, columns in grouped, -short[skip], labels == columns,
                         len(rows) * columns - len(body), -skip)
                if rows and (best is None or score > best[0]):
                    best = (score, columns, labels, skip, rows)
    by_column = _column_blocks(run, header)
    if by_column is not None and (best is None or len(by_column[1]) * len(by_column[1][0]) > best[0][0]):
        heads, rows = by_column
        table = Table(form, heads[0].start, max(cell.end for row in rows for cell in row))
        table.header_rows.append([*[None] * (len(rows[0]) - len(heads)), *heads])
        table.rows = rows
        last = header + sum(len(row) - 1 for row in rows) - 1  # the last value cell: the value block ends it
        return table, (placed[last][1] + 1 if last + 1 < len(placed) else end)
    if best is None:
        return _Miss(end)
    _score, columns, labels, skip, rows = best
    # the split chosen on whole rows, its last row cut short is read too
    rows = _rows(run[skip + labels:], columns, short_last=True)
    heads = run[skip:skip + labels]
    table = Table(form, heads[0].start, rows[-1][-1].end)
    if labels <= columns:
        table.header_rows.append(list(heads) if labels == columns else [None, *heads])
    elif (grouped := _groups_in_order(heads, columns) or _groups_then_subs(heads, columns)) is not None:
        table.header_rows += grouped
    else:
        # the second header row heads the value columns, from the first on
        values = [c for c, cell in enumerate(rows[0]) if c > 0 and _is_value(cell)]
        under: list[Cell | None] = [None] * columns
        for column, cell in zip(values, heads[columns:]):
            under[column] = cell
        table.header_rows += [list(heads[:columns]), under]
    table.rows = rows
    # a unit line among the title lines before the header cells (`表1 参保人数` / `单位：万人` / `|` /
    # `指标` …): the table's, though the table's text begins above it
    table.unit_line = next((cell.text for cell in run[:skip] if UNIT_LINE.match(cell.text)), None)
    last = rows[-1]  # its cells left empty at the table's end are none of the run's
    used = max(i for i, (cell, _line) in enumerate(placed) if any(cell is mine for mine in last))
    if used + 1 < len(placed):  # what follows the last whole row is not the table's
        end = placed[used][1] + 1
    return table, end


def _without_head_padding(placed: list[tuple[Cell, int]]) -> list[tuple[Cell, int]]:
    """The run without the empty cells a web table's merged header cells left (a title, then
    `|` / `|` / … one a line, then the header's labels): two or more empty cells before the first
    figure with a header label after them say nothing of the columns."""
    first = next((i for i, (cell, _line) in enumerate(placed) if _is_figure(cell)), len(placed))
    drop: set[int] = set()
    at = 0
    while at < first:
        if placed[at][0].text:
            at += 1
            continue
        end = at
        while end < first and not placed[end][0].text:
            end += 1
        if end - at >= 2 and end < first and not _is_value(placed[end][0]):
            drop.update(range(at, end))
        at = end
    return [piece for i, piece in enumerate(placed) if i not in drop] if drop else placed


def _column_blocks(run: list[Cell], header: int) -> tuple[list[Cell], list[list[Cell]]] | None:
    """A table a PDF's text layer printed column by column (pdftotext without its layout): the
    header cells, the row labels one a line, then each value column's cells one a line, column
    after column. The header cells and the labels are the text cells before the first value
    (after title lines); the split is the one whose value columns take up the values that
    follow exactly, header cells holding the units (`卫生技术人员(人)`) rather than the labels,
    and no title (`表3 …`) taken for a header cell. None where no split reads so.

    >>> cells = [Cell(0, 0, t) for t in ["区域", "床位(张)", "医师(人)", "甲区", "乙区", "丙区",
    ...                                   "10", "20", "30", "1", "2", "3"]]
    >>> heads, rows = _column_blocks(cells, 6)
    >>> [h.text for h in heads], [[c.text for c in row] for row in rows]
    (['区域', '床位(张)', '医师(人)'], [['甲区', '10', '1'], ['乙区', '20', '2'], ['丙区', '30', '3']])
    """
    values = header
    while values < len(run) and _is_value(run[values]):
        values += 1
    count = values - header
    if header < 4 or count < 4 or sum(_is_figure(c) for c in run[header:values]) < count // 2:
        return None
    best: tuple[tuple[int, int], list[Cell], list[list[Cell]]] | None = None
    for skip in range(min(header - 3, MAX_TITLE_LINES) + 1):
        texts = run[skip:header]
        for labels in range(2, len(texts) - 1):
            heads = texts[:len(texts) - labels]
            columns = count // labels  # value columns
            if columns * labels != count or not len(heads) - 1 <= columns <= len(heads) or columns + 1 > MAX_COLUMNS:
                continue
            rows = [[texts[len(heads) + i], *(run[header + j * labels + i] for j in range(columns))]
                    for i in range(labels)]
            # value columns headed by a unit or a year, not by a label like the rows' (`鼓楼区`),
            # labels that state no unit, no title (`表3 …`) taken for a header cell; then the
            # split with more rows
            headed = sum(1 if _column_head(c.text) else -1 for c in heads[1:])
            united = sum(_column_head(c.text) for c in texts[len(heads):])
            titled = sum(_title_like(c.text) or bool(CAPTION.search(c.text)) for c in heads)
            score = (headed - united - 2 * titled, labels, -skip)
            if best is None or score > best[0]:
                best = (score, heads, rows)
    return None if best is None else (best[1], best[2])


def _column_head(text: str) -> bool:
    """A header cell of a value column by its look: it states a unit (`床位数(张)`) or is a year."""
    return bool(UNIT_END.search(text) or YEAR_LABEL.match(text))


# --- a label and a figure for each year, a line each ---------------------------------------

def _keyed_line(text: str, start: int, line: str) -> tuple[list[Cell], list[Cell]] | None:
    """A line `label：2022年88.7，2023年91.3` as its year cells and its row (label, figures)."""
    if "年" not in line or ("：" not in line and ":" not in line):
        return None  # most lines, found out cheaply
    match = KEYED_LINE.match(line)
    if match is None:
        return None
    years, row = [], [_cell(text, start + match.start("label"), start + match.end("label"))]
    at = match.start("pairs")
    while at < match.end("pairs"):
        pair = KEYED_PAIR.match(line, at, match.end("pairs"))
        if pair is None or pair.end() == at:
            return None
        years.append(Cell(start + pair.start("year"), start + pair.end("year"), pair.group("year")))
        row.append(Cell(start + pair.start("figure"), start + pair.end("figure"), pair.group("figure")))
        at = pair.end()
    return (years, row) if len(years) >= 2 else None


def _keyed(text: str, lines: list[tuple[int, str]], k: int) -> tuple[Table, int] | _Miss | None:
    """Lines of a label and its figure for each of the same years, under a unit line (a table
    written out as prose lines): the years head the columns."""
    first = _keyed_line(text, *lines[k])
    if first is None:
        return None
    heads, rows = first[0], [first[1]]
    end = k + 1
    while end < len(lines) and (found := _keyed_line(text, *lines[end])) is not None:
        if [c.text for c in found[0]] != [c.text for c in heads]:
            break
        rows.append(found[1])
        end += 1
    if len(rows) < 2:
        return _Miss(end)
    table = Table("keyed", lines[k][0], lines[end - 1][0] + len(lines[end - 1][1]))
    table.header_rows = [[None, *heads]]
    table.rows = rows
    return table, end


def _colon_row(text: str, start: int, line: str) -> tuple[list[Cell], list[Cell]] | None:
    """A line `婴儿死亡率：2.53` as its row (label, figure, and each remark's figure where the
    line has remarks) and the remarks' words (`同比增长`), else None."""
    if "：" not in line and ":" not in line:
        return None  # most lines, found out cheaply
    match = COLON_ROW.match(line)
    if match is None:
        return None
    row = [_cell(text, start + match.start("label"), start + match.end("label")),
           _cell(text, start + match.start("figure"), start + match.end("figure"))]
    if match.group("remarks") is None:
        return row, []
    words = []
    body, base, at = match.group("remarks"), start + match.start("remarks"), 0
    for brk in [*REMARK_BREAK.finditer(body), None]:
        remark = REMARK.fullmatch(body, at, brk.start() if brk else len(body))
        if remark is None:
            return None  # a bracket that is no list of remarks and figures
        row.append(_cell(text, base + remark.start("again"), base + remark.end("again")))
        words.append(_cell(text, base + remark.start("remark"), base + remark.end("remark")))
        at = brk.end() if brk else len(body)
    return row, words


def _colon_rows(text: str, lines: list[tuple[int, str]], k: int) -> tuple[Table, int] | _Miss | None:
    """Lines of a label, a colon and a figure under a unit line (`单位：‰` / `婴儿死亡率：2.53` /
    `5岁以下儿童死亡率：4.15`): a label-value list written as prose lines. The unit line says
    it is a table; without it such lines are prose. A remark's figure (`（同比增长5.2%）`) is a
    column of its own, which the remark's words head where every row's remarks say the same (a
    change, last year's figure: `（上年362150，增长6.7%）`), else nothing heads."""
    if k == 0 or _colon_row(text, *lines[k]) is None or not UNIT_LINE.match(lines[k - 1][1].strip()):
        return None
    rows, remarks, end = [], [], k
    while end < len(lines) and (found := _colon_row(text, *lines[end])) is not None:
        rows.append(found[0])
        if found[1]:
            remarks.append(found[1])
        end += 1
    if len(rows) < 2:
        return _Miss(end)
    table = Table("keyed", lines[k][0], lines[end - 1][0] + len(lines[end - 1][1]))
    table.rows = rows
    if remarks:
        # each remark's place heads its column where the rows that have one there say the same
        # (`上年同期` first, then `增长` or `下降`: the first column headed, the second not)
        heads: list[Cell | None] = []
        for p in range(max(len(words) for words in remarks)):
            said = [words[p] for words in remarks if p < len(words)]
            heads.append(said[0] if len({word.text for word in said}) == 1 else None)
        table.header_rows = [[None, None, *heads]]
    return table, end


# --- one cell per line, bars between ------------------------------------------------------

def _is_bar(line: str) -> bool:
    return line.strip() in ("|", "｜")


def _frequent_bars(lines: list[tuple[int, str]], k: int) -> bool:
    """Whether lines of a bar alone come often from line k on: they part cells or rows
    (`_barred`), and are no empty cells of a table of cells one a line."""
    return sum(_is_bar(line) for _start, line in lines[k:k + BAR_WINDOW]) >= MIN_BARS


def _barred(text: str, lines: list[tuple[int, str]], k: int) -> tuple[Table, int] | _Miss | None:
    """A web table flattened to one cell per line with lines of a bar alone between its parts:
    - each cell line ends with a bar and a bar alone ends each row (`总计 |`, `55677 |`, `|`);
      a blank line inside a row is an empty cell;
    - or a bar alone stands between every two cells, and a cell may be wrapped over lines
      (`卫生技术` / `人员`): the column count is inferred as for cells one a line.
    - or cells without bars and a bar alone after each row, the header's too (`县市区` / … / `|` /
      `青州市` / `81` / … / `|`): the bars part rows.
    The table starts at a bar, or at a run of cell lines with a bar after it."""
    if not _is_bar(lines[k][1]) and _bar_after(lines, k) is None:
        return None
    items: list[tuple[str, int]] = []  # ("bar" | "cell" | "blank", line index)
    end = k
    while end < len(lines):
        line = lines[end][1]
        if _is_bar(line):
            kind = "bar"
        elif _cell_line(line) is not None:
            kind = "cell"
        elif not line.strip() and end + 1 < len(lines) and lines[end + 1][1].strip() and (
                _is_bar(lines[end + 1][1]) or _cell_line(lines[end + 1][1]) is not None):
            kind = "blank"
        else:
            break
        items.append((kind, end))
        end += 1
    cell_lines = [i for kind, i in items if kind == "cell"]
    if sum(kind == "bar" for kind, _i in items) < MIN_BARS or len(cell_lines) < 6:
        return _Miss(end)
    closed = 2 * sum(lines[i][1].rstrip().endswith(("|", "｜")) for i in cell_lines) >= len(cell_lines)
    found = _bar_rows(lines, items) if closed or _rows_between_bars(items) else _bar_cells(lines, items)
    if found is None and closed:
        found = _closed_cells(lines, items)
    return found if found is not None else _Miss(end)


def _bar_after(lines: list[tuple[int, str]], k: int) -> int | None:
    """The index of the bar alone that ends the run of cell lines from line k (at most a row's
    worth of them), if one does; None where line k is no cell line or the run ends otherwise."""
    end = k
    while end < len(lines) and end - k <= MAX_COLUMNS and (cell := _cell_line(lines[end][1])) is not None \
            and not (CAPTION.search(cell) or NUMBERED_TITLE.match(cell)):  # a title or unit line heads no column
        end += 1
    return end if k < end < len(lines) and _is_bar(lines[end][1]) else None


def _rows_between_bars(items: list[tuple[str, int]]) -> bool:
    """Whether the bars alone part rows, not cells: most runs of cells between them are as long
    as one another, three cells at least (a row's label and its figures)."""
    runs = _runs_between_bars(items)
    if len(runs) < 3:
        return False
    common = max(set(runs), key=runs.count)
    return common >= 3 and 3 * runs.count(common) >= 2 * len(runs)


def _row_size(items: list[tuple[str, int]]) -> int:
    """The most common number of cells between two bars alone."""
    runs = _runs_between_bars(items)
    return max(set(runs), key=runs.count) if runs else 0


def _runs_between_bars(items: list[tuple[str, int]]) -> list[int]:
    """How many cells stand between each two bars alone (and before the first, after the last)."""
    runs, size = [], 0
    for kind, _i in items:
        if kind == "bar":
            if size:
                runs.append(size)
            size = 0
        elif kind == "cell":
            size += 1
    if size:
        runs.append(size)
    return runs


def _closed_cells(lines: list[tuple[int, str]], items: list[tuple[str, int]]) -> tuple[Table, int] | None:
    """Cells one a line, each closed by its bar, where the bars alone are the empty cells of a
    merged header (a title, ten `|`, the header's labels, then rows with no bar between them):
    read as cells one a line, each bar alone an empty cell, up to a blank line."""
    placed: list[tuple[Cell, int]] = []
    for kind, i in items:
        if kind == "blank":
            break
        placed.append((_bar_cell(lines, i) if kind == "cell" else Cell(lines[i][0], lines[i][0], ""), i))
    found = _flat_table(placed, placed[-1][1] + 1 if placed else 0, "cell_per_line")
    return None if isinstance(found, _Miss) else found


def _bar_cell(lines: list[tuple[int, str]], i: int) -> Cell:
    start, line = lines[i]
    body = _cell_line(line) or ""
    at = start + line.index(body) if body else start
    return Cell(at, at + len(body), body)


def _bar_rows(lines: list[tuple[int, str]], items: list[tuple[str, int]]) -> tuple[Table, int] | None:
    """Rows parted by bars alone, a cell a line: the header rows are those before the first
    with a figure past its label; one with fewer cells than the rows heads the last columns."""
    first_bar = next(n for n, (kind, _i) in enumerate(items) if kind == "bar")
    if _rows_between_bars(items) and sum(kind == "cell" for kind, _i in items[:first_bar]) == _row_size(items):
        first_bar = 0  # the header's cells, as many as a row's, then its bar
    groups: list[list[Cell]] = []
    current: list[Cell] = []
    for kind, i in items[first_bar:]:  # what stands before the first bar is a caption, not a row
        if kind == "bar":
            if current:
                groups.append(current)
            current = []
        elif kind == "cell":
            current.append(_bar_cell(lines, i))
        elif current:  # a blank line inside a row: a cell left empty
            current.append(Cell(lines[i][0], lines[i][0], ""))
    if current:
        groups.append(current)
    for group in groups:
        while group and not group[-1].text:
            group.pop()
    groups = [group for group in groups if group]
    first = next((g for g, group in enumerate(groups) if any(_is_figure(c) for c in group[1:])), None)
    if first is None:
        return None
    data = groups[first:]
    if len(data[0]) > 2 * MAX_COLUMNS or (len(data) == 1 and all(len(group) == 1 for group in groups[:first])):
        # one run of cells after the bars and no row of header cells before it (a title alone,
        # then bars): the bars part no rows, which run on without them (`_closed_cells`)
        return None
    lengths = [len(group) for group in data]
    width = max(set(lengths), key=lambda n: (lengths.count(n), n))
    table = Table("cell_per_line", lines[items[first_bar][1]][0], data[-1][-1].end)
    for group in groups[:first]:
        table.header_rows.append([None] * (width - len(group)) + list(group[:width]))
    table.rows = [group + [Cell(group[-1].end, group[-1].end, "")] * (width - len(group)) for group in data]
    last_line = next(i for kind, i in reversed(items) if kind == "cell")
    table.end = lines[last_line][0] + len(lines[last_line][1])
    return table, last_line + 1


def _bar_cells(lines: list[tuple[int, str]], items: list[tuple[str, int]]) -> tuple[Table, int] | None:
    """A bar alone between every two cells: the cells in reading order, a cell wrapped over
    lines read joined, two bars in a row an empty cell; a blank line ends the table."""
    placed: list[tuple[Cell, int]] = []
    pieces: list[int] = []
    bars = 0
    for kind, i in items:
        if kind == "blank":
            break
        if kind == "cell":
            pieces.append(i)
            continue
        if pieces:
            cell = _bar_cell(lines, pieces[0])
            for piece in pieces[1:]:
                cell = joined(cell, _bar_cell(lines, piece))
            placed.append((cell, pieces[-1]))
        elif bars:
            placed.append((Cell(lines[i][0], lines[i][0], ""), i))
        pieces = []
        bars += 1
    if pieces:
        cell = _bar_cell(lines, pieces[0])
        for piece in pieces[1:]:
            cell = joined(cell, _bar_cell(lines, piece))
        placed.append((cell, pieces[-1]))
    found = _flat_table(placed, placed[-1][1] + 1 if placed else 0, "cell_per_line")
    if isinstance(found, _Miss):
        return None
    table, end = found
    table.start = lines[items[0][1]][0]
    return table, end


# --- title and unit line -------------------------------------------------------------------

def _frame(table: Table, lines: list[tuple[int, str]], starts: list[int], text: str, *, floor: int = 0) -> None:
    """The title (the nearest non-empty line above, after `floor` (the table before), that is
    no byline and no row of cells) and the unit line (above or below)."""
    index = bisect.bisect_right(starts, table.start) - 1
    above = [(start, line) for start, line in lines[max(0, index - 5):index]
             if start >= floor and line.strip() and not LATIN_TITLE.match(line)
             and (not BYLINE.search(line) or NUMBERED_TITLE.match(line.strip()))  # 表1 …（2023年12月31日）: a title
             and "\t" not in line and len(_PIPE.findall(line)) < 2][-3:]
    for row in table.header_rows:  # a unit line written as the table's first row
        for cell in row:
            if cell is not None and UNIT_LINE.match(cell.text) and table.unit_line is None:
                table.unit_line = cell.text
    for start, raw in reversed(above):
        line = raw.strip()
        if (beside := UNIT_BESIDE.search(line)) is not None:
            # a title with the unit line set at the right (`续表            单位：张`)
            if table.unit_line is None:
                table.unit_line = line[beside.end():]
            line = line[:beside.start()]
        if UNIT_LINE.match(line):  # a unit line is never the title, though the table has its unit already
            table.unit_line = table.unit_line or line
        elif table.title is None and len(line) <= 60 and not line.endswith("。"):
            # (a sentence introducing the table, `以下价格执行…标准。`, is no title: the heading above it is)
            table.title, table.title_start = line, start + raw.index(line)
            break
    if table.unit_line is None and table.title is not None and (unit := UNIT_IN_TITLE.search(table.title)):
        table.unit_line = unit.group()  # a unit stated in the title is the table's unit line
    after = text[table.end:table.end + 200].split("\n")
    for line in [a.strip() for a in after[1:3] if a.strip()]:
        if UNIT_LINE.match(line) and table.unit_line is None:
            table.unit_line = line
