"""reform_facts.tables: how tables are found in text and handed over with a reader's own.

The claims read from tables are checked case by case in tests/cases/tables.yaml; here, the
structure the finder builds where a claim does not show it (which line is the title, which
cells head which columns) and how `tables_of` joins a reader's tables with those of the text.
"""
from __future__ import annotations

import pytest

from reform_facts.claim import Document
from reform_facts.tables import Cell, Table, find_tables, from_grid, tables_of

FLATTENED_PLAN = """表1　句容市“十四五”卫生健康发展主要指标
领域
主要指标
单位
2020年
2025年目标
指标性质
健康水平
人均预期寿命
岁
81.74
82.5
预期性
健康服务
每千人口医疗卫生机构床位数
张
6.10
6.8
预期性
"""

YEARBOOK = """                   每千人口医疗卫生        医院床位
  地    区         机构床位数(张)          #医  院
                   2021    2022            2022
──────────────────────────────────────────────────
河 北              5.97    6.08          351002
山 西              6.13    6.37          176795
"""

SPACED_CELLS = "2020年北京市三级医疗机构\n项目\n\n机构数(个)\n\n实有床位(张)\n\n总计\n\n94\n\n61320\n\n其中：综合医院\n\n53\n\n38102\n"


@pytest.mark.parametrize(("text", "title", "header", "first_row"), [
    # a title line straight above the header cells is no header cell: the split that leaves no
    # cell over at the end wins
    (FLATTENED_PLAN, "表1　句容市“十四五”卫生健康发展主要指标",
     [["领域", "主要指标", "单位", "2020年", "2025年目标", "指标性质"]],
     ["健康水平", "人均预期寿命", "岁", "81.74", "82.5", "预期性"]),
    # cells one a line with blank lines between them (a page's paragraphs) are one run
    (SPACED_CELLS, "2020年北京市三级医疗机构",
     [["项目", "机构数(个)", "实有床位(张)"]], ["总计", "94", "61320"]),
])
def test_the_finder_reads_title_header_and_rows(text, title, header, first_row):
    table = find_tables(text)[0]
    assert table.title == title
    assert [[cell and cell.text for cell in row] for row in table.header_rows] == header
    assert [cell.text for cell in table.rows[0]] == first_row


def test_a_group_label_wrapped_over_two_header_lines_is_one_label_over_its_columns():
    table = find_tables(YEARBOOK)[0]
    assert [table.column_labels(c) for c in range(1, 4)] == [
        ["每千人口医疗卫生机构床位数(张)", "2021"], ["每千人口医疗卫生机构床位数(张)", "2022"], ["医院床位#医  院", "2022"]]
    assert [cell.text for cell in table.rows[0]] == ["河 北", "5.97", "6.08", "351002"]


def test_a_wrapped_label_keeps_the_spans_of_its_pieces_only():
    text = ("指标                          2022年       2023年\n"
            "每千人口医疗卫生机构            6.85         7.12\n"
            "  床位数(张)\n"
            "婴儿死亡率(‰)                   0.92         0.85\n")
    label = find_tables(text)[0].rows[0][0]
    assert label.text == "每千人口医疗卫生机构床位数(张)"
    assert "".join(text[a:b] for a, b in label.spans) == label.text  # not the figures between


def _grid_page() -> tuple[str, list[list[tuple[int, int]]]]:
    """A web table's text as the HTML reader writes it, and its cells' spans: 单位：万人次 across
    the table, 地区 over two header rows, 诊疗人次 over two year columns."""
    lines = ["单位：万人次\t\t", "地区\t诊疗人次\t", "\t2022年\t2023年", "甲市\t61.5\t65.2", "乙市\t-\t12.0"]
    text = "\n".join(lines)
    starts = [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]

    def spans(i: int) -> list[tuple[int, int]]:
        at, out = starts[i], []
        for field in lines[i].split("\t"):
            out.append((at, at + len(field)))
            at += len(field) + 1
        return out
    unit, head, years = spans(0), spans(1), spans(2)
    grid = [[unit[0]] * 3, [head[0], head[1], head[1]], [head[0], years[1], years[2]], spans(3), spans(4)]
    return text, grid


def test_a_readers_grid_becomes_a_table_with_merged_cells_over_their_columns():
    text, grid = _grid_page()
    table = from_grid(text, grid, "html")
    assert table.unit_line == "单位：万人次" and table.title is None
    assert table.column_labels(2) == ["诊疗人次", "2023年"]
    assert table.column_labels(0) == ["地区"]
    assert [[c.text for c in row] for row in table.rows] == [["甲市", "61.5", "65.2"], ["乙市", "-", "12.0"]]


def test_a_merged_figure_is_one_figure():
    text = "指标\t2022年\t2023年\n床位数\t120\t"
    grid = [[(0, 2), (3, 8), (9, 14)], [(15, 18), (19, 22), (19, 22)]]  # 120 spans both years
    table = from_grid(text, grid, "docx")
    assert [cell.text for _r, _c, cell in table.figures()] == ["120"]


def test_a_grid_without_figures_is_no_table():
    assert from_grid("甲\t乙", [[(0, 1), (2, 3)]], "html") is None


def test_tables_of_gives_the_readers_tables_and_those_of_the_rest_of_the_text():
    text, grid = _grid_page()
    page = "表1 诊疗人次\n" + text + "\n\n| 地区 | 2023年 |\n| --- | --- |\n| 丙市 | 7.5 |\n"
    shift = len("表1 诊疗人次\n")
    grid = [[(a + shift, b + shift) for a, b in row] for row in grid]
    given = from_grid(page, grid, "html")
    tables = tables_of(page, [given])
    # the reader's table once (its tab rows are not found again), framed by the line above it
    assert [(t.form, t.title) for t in tables] == [("html", "表1 诊疗人次"), ("pipe", None)]


def test_tables_of_reads_cells_in_the_text_it_is_given():
    """The rules read a view of the text with the same offsets (traditional characters
    simplified): the reader's cells are read there too."""
    stored = "醫院\t床位數\n甲市\t12"
    table = Table("html", 0, len(stored), header_rows=[[Cell(0, 2, "醫院"), Cell(3, 6, "床位數")]],
                  rows=[[Cell(7, 9, "甲市"), Cell(10, 12, "12")]])
    view = Document.from_text("医院\t床位数\n甲市\t12", doc_id="d", tables=(table,))
    assert tables_of(view.text, view.tables)[0].column_labels(1) == ["床位数"]


# --- issue 17: forms met on pages never seen ------------------------------------------------

BARRED_ROWS = "表1 机构数\n单位：个\n|\n机构类别 |\n2022年 |\n2021年 |\n|\n总　　计 |\n2642 |\n2618 |\n|\n医院 |\n60 |\n\n"
BARRED_CELLS = "地　区\n|\n机构数\n|\n卫生技术\n人员\n|\n吴中区\n|\n512\n|\n9120\n|\n相城区\n|\n305\n|\n|\n"


def test_bars_alone_between_rows_part_the_rows_and_a_blank_line_is_an_empty_cell():
    table = find_tables(BARRED_ROWS)[0]
    assert (table.title, table.unit_line) == ("表1 机构数", "单位：个")
    assert [[c and c.text for c in row] for row in table.header_rows] == [["机构类别", "2022年", "2021年"]]
    assert [[c.text for c in row] for row in table.rows] == [["总　　计", "2642", "2618"], ["医院", "60", ""]]


def test_bars_alone_between_every_two_cells_part_the_cells_and_a_cell_may_wrap():
    table = find_tables(BARRED_CELLS)[0]
    assert [[c and c.text for c in row] for row in table.header_rows] == [["地　区", "机构数", "卫生技术人员"]]
    # two bars in a row: an empty cell
    assert [[c.text for c in row] for row in table.rows] == [["吴中区", "512", "9120"], ["相城区", "305", ""]]
    wrapped = table.header_rows[0][2]
    assert "".join(BARRED_CELLS[a:b] for a, b in wrapped.spans) == "卫生技术人员"


def test_a_single_bar_line_in_cells_one_a_line_is_still_an_empty_cell():
    """Bars alone part cells only where they come often; one alone is a cell left empty."""
    text = "| 项目 |\n2021年 |\n2020年 |\n| 床位数(张) |\n1200 |\n|\n| 医师数(人) |\n310 |\n295 |\n"
    table = find_tables(text)[0]
    assert [[c.text for c in row] for row in table.rows] == [["床位数(张)", "1200", ""], ["医师数(人)", "310", "295"]]


@pytest.mark.parametrize("title", ["表2 城乡居民医保基金收支（单位：万元）", "表3  全省公立医院收入(单位：亿元)"])
def test_a_unit_in_the_title_is_the_tables_unit_line(title):
    text = f"{title}\n| 项目 | 本期 | 上年同期 |\n| --- | --- | --- |\n| 基金收入 | 211400 | 203524 |\n"
    aligned = f"{title}\n项    目        本期        上年同期\n基金收入      211400      203524\n基金支出      153300      139732\n"
    for table in (find_tables(text)[0], find_tables(aligned)[0]):
        assert table.title == title
        assert table.unit_line == title[title.rindex("单位") - 1:]


def test_a_header_line_in_english_is_no_label_and_stacked_pieces_are_one():
    text = ("表14-14 各区医疗服务情况\n"
            "Medical Services by District\n"
            "                  总诊疗人次       出院人数\n"
            "区　别            (万人次)         (万人)\n"
            "District          Patients         Inpatients\n"
            "玄武区               880.5           26.84\n"
            "秦淮区               812.3           20.12\n")
    table = find_tables(text)[0]
    assert table.title == "表14-14 各区医疗服务情况"
    assert [table.column_labels(c) for c in (1, 2)] == [["总诊疗人次(万人次)"], ["出院人数(万人)"]]


def test_a_group_label_centred_over_part_of_its_sub_columns_heads_them_all():
    text = ("                          机构数   实有床位       卫生技术人员(人)\n"
            "机构类别                   (个)     (张)      合计  执业(助理)医师  注册护士\n"
            "医院                         60    13333     12666        4112        6604\n"
            "基层医疗卫生机构           2529     3140      6168        2807        2252\n")
    table = find_tables(text)[0]
    assert [table.column_labels(c) for c in range(1, 6)] == [
        ["机构数(个)"], ["实有床位(张)"], ["卫生技术人员(人)", "合计"],
        ["卫生技术人员(人)", "执业(助理)医师"], ["卫生技术人员(人)", "注册护士"]]


def test_a_sub_column_label_met_again_under_another_group_starts_no_group():
    text = ("                 常住人群签约          重点人群签约\n"
            "镇（街道）     人数(人)  签约率(%)   应签(人)  已签(人)  签约率(%)\n"
            "西城街道         23942     30.5      22765     16740     73.5\n"
            "东城街道         21618     29.9      20967     15327     73.1\n")
    table = find_tables(text)[0]
    assert [table.column_labels(c)[0] for c in range(1, 6)] == ["常住人群签约"] * 2 + ["重点人群签约"] * 3


@pytest.mark.parametrize(("lines", "labels"), [
    # the start of the next label alone on its line: a list left open, a bracket closed later
    (["乡镇卫生院               104     2640", "门诊部、诊所、", "  医务室                 672       20"],
     ["乡镇卫生院", "门诊部、诊所、医务室"]),
    (["其他收入                 8745     7263", "  按基金分：统筹基金收入", "    （含生育保险）       352150   253610"],
     ["其他收入", "按基金分：统筹基金收入（含生育保险）"]),
    # the end of a label that ran out of room, at the label's own indent: the row above's
    (["基层医疗卫生机构住院人  24.6    27.3", "次占比", "医保基金县域内支出率    83.5    82.1"],
     ["基层医疗卫生机构住院人次占比", "医保基金县域内支出率"]),
])
def test_a_row_label_wrapped_in_an_aligned_table_joins_the_right_row(lines, labels):
    table = find_tables("指标                  2022年    2021年\n" + "\n".join(lines) + "\n")[0]
    assert [row[0].text for row in table.rows] == labels


def test_a_pipe_row_with_only_a_labels_start_joins_the_next_but_a_section_row_does_not():
    text = ("| 项目 | 本期 | 上年同期 |\n| --- | --- | --- |\n| 统筹基金支出 | 512 | 478 |\n"
            "| 其中：住院费用（含日 | | |\n| 间手术） | 301 | 287 |\n"
            "| 基层医疗卫生机构 | | |\n| （一）社区卫生服务中心 | 3 | 2 |\n")
    table = find_tables(text)[0]
    assert [row[0].text for row in table.rows] == [
        "统筹基金支出", "其中：住院费用（含日间手术）", "基层医疗卫生机构", "（一）社区卫生服务中心"]


# --- forms of the second table-heavy round (6xx) ----------------------------------------------

def _texts(table: Table) -> tuple[list[list[str | None]], list[list[str]]]:
    return ([[cell and cell.text for cell in row] for row in table.header_rows],
            [[cell.text for cell in row] for row in table.rows])


def test_two_tables_side_by_side_are_read_as_two_halves_with_one_title():
    text = ("表1 卫生资源\n| 指标 | 数值 | 指标 | 数值 |\n|---|---|---|---|\n"
            "| 医院（个） | 1104 | 床位（万张） | 43.18 |\n| 　#公立医院 | 372 | 医护比 | 1:1.21 |\n")
    left, right = find_tables(text)
    assert _texts(left) == ([["指标", "数值"]], [["医院（个）", "1104"], ["#公立医院", "372"]])
    assert _texts(right) == ([["指标", "数值"]], [["床位（万张）", "43.18"], ["医护比", "1:1.21"]])
    assert left.title == right.title == "表1 卫生资源"


def test_bars_only_between_cells_keep_a_rows_empty_first_and_last_cell():
    # no row of the table opens or closes with a bar: a bar at a row's end stands for an empty cell
    text = "县区 | 床位数(张) | | 全科医生(人) |\n | 2020年 | 2022年 | 2020年 | 2022年\n平山区 | 9.84 | 10.12 | 3.15 | 3.38\n"
    headers, rows = _texts(find_tables(text)[0])
    assert headers == [["县区", "床位数(张)", "床位数(张)", "全科医生(人)", "全科医生(人)"],
                       [None, "2020年", "2022年", "2020年", "2022年"]]
    assert rows == [["平山区", "9.84", "10.12", "3.15", "3.38"]]


def test_a_title_set_off_by_two_spaces_over_tab_rows_is_the_title_of_a_tab_table():
    text = "表1  2022年度考核结果\n序号\t县（区）\t签约率（%）\n1\t翠屏区\t71.35\n2\t叙州区\t68.90\n"
    table = find_tables(text)[0]
    assert (table.form, table.title) == ("tab", "表1  2022年度考核结果")
    assert _texts(table)[1][0] == ["1", "翠屏区", "71.35"]


def test_cells_one_a_line_with_a_blank_line_after_every_row_are_one_table():
    text = "主要财务指标\n\n公开项目\n单位\n数额\n\n资产负债率\n%\n31.27\n\n医疗收入\n万元\n28416.52\n\n出院者费用增长率\n%\n-2.15\n"
    table = find_tables(text)[0]
    assert table.title == "主要财务指标"
    assert _texts(table) == ([["公开项目", "单位", "数额"]],
                             [["资产负债率", "%", "31.27"], ["医疗收入", "万元", "28416.52"],
                              ["出院者费用增长率", "%", "-2.15"]])


def test_cells_one_a_line_with_a_running_number_and_blank_lines_for_empty_cells():
    text = ("序号\n卫生院\n门急诊人次\n出院人次\n1\n湖南坪镇卫生院\n41260\n980\n2\n小河乡卫生院\n15302\n\n"
            "3\n思经镇卫生院\n22718\n412\n\n合计\n79280\n1392\n")
    rows = _texts(find_tables(text)[0])[1]
    assert rows == [["1", "湖南坪镇卫生院", "41260", "980"], ["2", "小河乡卫生院", "15302", ""],
                    ["3", "思经镇卫生院", "22718", "412"], ["", "合计", "79280", "1392"]]


def test_lines_of_a_label_and_a_figure_for_each_year_are_a_table_headed_by_the_years():
    text = "单位：%、人次\n县域内就诊率（%）：2022年86.4，2023年89.2\n乡镇卫生院门急诊人次：2022年132406，2023年148915\n"
    table = find_tables(text)[0]
    assert (table.form, table.unit_line) == ("keyed", "单位：%、人次")
    assert _texts(table) == ([[None, "2022年", "2023年"]],
                             [["县域内就诊率（%）", "86.4", "89.2"], ["乡镇卫生院门急诊人次", "132406", "148915"]])
    assert [text[c.start:c.end] for c in table.rows[0]] == ["县域内就诊率（%）", "86.4", "89.2"]


def test_a_line_alone_under_an_aligned_header_that_the_first_label_ends_is_that_labels_start():
    text = ("指标                    船山区  安居区\n每千常住人口执业\n（助理）医师（人）        4.21    2.36\n"
            "每万人口全科医生（人）    3.82    2.95\n")
    headers, rows = _texts(find_tables(text)[0])
    assert headers == [["指标", "船山区", "安居区"]]
    assert rows[0] == ["每千常住人口执业（助理）医师（人）", "4.21", "2.36"]


def test_a_numbered_title_holding_a_date_is_the_title_but_a_byline_is_not():
    text = "2024-01-20 发布\n表1　资产负债简表（2023年12月31日）\n单位：万元\n| 项目 | 本年末 |\n|---|---|\n| 资产总计 | 45,218.36 |\n"
    assert find_tables(text)[0].title == "表1　资产负债简表（2023年12月31日）"
    assert find_tables("2024-01-20 发布\n| 项目 | 本年末 |\n|---|---|\n| 资产总计 | 45,218.36 |\n")[0].title is None


def test_a_cell_that_states_its_own_unit_is_a_figure_without_its_arrow():
    cell = Cell(0, 9, "↑2.97个百分点")
    assert cell.figure is not None and cell.figure.group("figure") == "2.97个百分点"
    assert cell.figure.group("unit") == "个百分点"
    assert Cell(0, 5, "2021年").figure is None  # a year is no figure with a unit


def test_a_cell_with_a_scaled_unit_is_a_figure_but_a_text_with_a_number_is_not():
    cell = Cell(0, 8, "133389万人")
    assert cell.figure is not None and cell.figure.group("unit") == "万人"
    assert Cell(0, 6, "33501.36亿元").figure.group("unit") == "亿元"
    assert Cell(0, 9, "5岁以下儿童死亡率").figure is None


def test_a_header_flattened_group_by_group_heads_each_groups_sub_columns():
    text = ("机构类别<br>\n机构数(个)<br>\n本年<br>\n上年<br>\n床位数(张)<br>\n本年<br>\n上年<br>\n"
            "医院<br>\n1031<br>\n1006<br>\n271500<br>\n264800<br>\n"
            "卫生院<br>\n1577<br>\n1580<br>\n51300<br>\n50900<br>\n")
    headers, rows = _texts(find_tables(text)[0])
    assert headers == [["机构类别", "机构数(个)", "机构数(个)", "床位数(张)", "床位数(张)"],
                       [None, "本年", "上年", "本年", "上年"]]
    assert rows[0] == ["医院", "1031", "1006", "271500", "264800"]  # `<br>` is no part of a cell


def test_a_header_line_of_units_alone_goes_with_the_labels_above_it():
    text = ("县(市、区)       常住人口    甲乙类             丙类\n"
            "                 (万人)      发病数  发病率     发病数  发病率\n"
            "                             (例)   (1/10万)    (例)   (1/10万)\n"
            "芗城区            58.2        201    34.54       412    70.79\n"
            "龙文区            21.6         67    31.02       158    73.15\n")
    headers, _rows = _texts(find_tables(text)[0])
    assert headers[-2] == ["县(市、区)", "常住人口(万人)", "甲乙类", "甲乙类", "丙类", "丙类"]
    assert headers[-1][1:] == ["常住人口(万人)", "发病数(例)", "发病率(1/10万)", "发病数(例)", "发病率(1/10万)"]


def test_a_blank_line_in_the_first_row_of_a_flattened_table_is_an_empty_cell():
    text = "县（市）\n活产数(人)\n孕产妇死亡数(人)\n婴儿死亡数(人)\n个旧市\n2741\n\n8\n屏边县\n1502\n1\n7\n蒙自市\n4795\n2\n14\n"
    _headers, rows = _texts(find_tables(text)[0])
    assert rows == [["个旧市", "2741", "", "8"], ["屏边县", "1502", "1", "7"], ["蒙自市", "4795", "2", "14"]]


# Every row form behind the one-scan test that rules a line out (a bar, a tab, a box border, a
# leader, a comma; a run of spaces inside the line, not only at its ends): each is still found.
@pytest.mark.parametrize(("text", "form", "first_row"), [
    ("| 地区 | 床位 |\n| --- | --- |\n| 甲市 | 1,200 |\n| 乙市 | 900 |", "pipe", ["甲市", "1,200"]),
    ("┌──┬──┐\n│甲市│1200│\n│乙市│900│\n└──┴──┘", "pipe", ["甲市", "1200"]),
    ("地区\t床位\n甲市\t1200\n乙市\t900", "tab", ["甲市", "1200"]),
    ("地区,床位,人员\n甲市,1200,35\n乙市,900,20\n丙市,800,15", "csv", ["甲市", "1200", "35"]),
    ("医院数……38\n床位数……1200", "leader", ["医院数", "38"]),
    ("医院数........38\n床位数........1200", "leader", ["医院数", "38"]),
    ("　　地区      床位      人员\n　　甲市      1200      35\n　　乙市      900       20", "aligned",
     ["甲市", "1200", "35"]),
])
def test_each_row_form_is_found_past_the_cheap_test_for_prose(text, form, first_row):
    table = find_tables(text)[0]
    assert table.form == form
    assert [cell.text for cell in table.rows[0]] == first_row


@pytest.mark.parametrize("text", [
    "　　2023年全市医疗卫生机构床位数达1.2万张，比上年增长3.5%。\n　　全市卫生人员总数为2.1万人。",
    "　　医院38个，床位1200张。\n　　卫生院33个，床位800张。\n　　村卫生室12个。",
])
def test_indented_prose_paragraphs_are_no_table(text):
    assert find_tables(text) == []


@pytest.mark.parametrize("text", [
    ("区县        2019年      2020年\n甲城区       1,205       1,268\n乙山区         864         902\n"
     "区县        2021年      2022年\n甲城区       1,310       1,352\n乙山区         955         987\n"),
    ("| 区县 | 2019年 | 2020年 |\n| --- | --- | --- |\n| 甲城区 | 1,205 | 1,268 |\n| 乙山区 | 864 | 902 |\n"
     "| 区县 | 2021年 | 2022年 |\n| 甲城区 | 1,310 | 1,352 |\n| 乙山区 | 955 | 987 |\n"),
])
def test_a_wide_table_printed_in_two_parts_is_two_tables_each_under_its_own_years_with_one_title(text):
    first, second = find_tables("表3  各区县床位数\n单位：张\n" + text)
    assert _texts(first)[0][-1] == ["区县", "2019年", "2020年"]
    assert _texts(second) == ([["区县", "2021年", "2022年"]], [["甲城区", "1,310", "1,352"], ["乙山区", "955", "987"]])
    assert (second.title, second.unit_line) == (first.title, first.unit_line) == ("表3  各区县床位数", "单位：张")


def test_rows_with_other_labels_under_a_repeated_header_are_a_table_of_their_own_title():
    text = ("表1  床位\n区县    2019年    2020年\n甲城区    1,205    1,268\n乙山区    864    902\n"
            "表2  人员\n区县    2019年    2020年\n丙水县    2,310    2,402\n丁山县    1,864    1,902\n")
    assert [t.title for t in find_tables(text)] == ["表1  床位", "表2  人员"]


def test_a_table_printed_column_by_column_is_read_row_by_row_with_the_units_in_the_header():
    # 8 text cells and 12 values read two ways: 4 heads over 4 rows of 3 values, or 6 heads over 2 rows of
    # 6; the heads that state units are the header, the district names the rows
    cells = ["区域", "卫生技术人员(人)", "执业(助理)医师(人)", "注册护士(人)", "鼓楼区", "台江区", "仓山区", "晋安区",
             "15,231", "6,102", "9,870", "7,415", "5,980", "2,404", "3,766", "2,911", "7,310", "2,745", "4,402", "3,388"]
    table = find_tables("表5 2023年各区卫生人员数\n" + "\n".join(cells) + "\n")[0]
    assert _texts(table) == ([["区域", "卫生技术人员(人)", "执业(助理)医师(人)", "注册护士(人)"]],
                             [["鼓楼区", "15,231", "5,980", "7,310"], ["台江区", "6,102", "2,404", "2,745"],
                              ["仓山区", "9,870", "3,766", "4,402"], ["晋安区", "7,415", "2,911", "3,388"]])
    assert table.title == "表5 2023年各区卫生人员数"


def test_a_flattened_table_read_row_by_row_is_not_read_column_by_column():
    cells = ["地区", "床位(张)", "人员(人)", "甲市", "1200", "35", "乙市", "900", "20", "丙市", "800", "15"]
    assert _texts(find_tables("\n".join(cells) + "\n")[0])[1] == [["甲市", "1200", "35"], ["乙市", "900", "20"],
                                                                 ["丙市", "800", "15"]]


def test_lines_of_a_label_a_colon_and_a_figure_are_a_table_under_a_unit_line_only():
    lines = "婴儿死亡率：2.86\n5岁以下儿童死亡率：4.02\n"
    table = find_tables("单位：‰\n" + lines)[0]
    assert (table.form, table.unit_line) == ("keyed", "单位：‰")
    assert _texts(table) == ([], [["婴儿死亡率", "2.86"], ["5岁以下儿童死亡率", "4.02"]])
    assert find_tables("四、妇幼健康\n" + lines) == []


def test_a_box_header_wrapped_in_its_cells_is_one_row_and_a_merged_total_keeps_its_figures_columns():
    text = ("┌──┬──────┬────┬──────┐\n│序号│单位名称│床位数│卫生技术人│\n│    │        │（张）│员（人）  │\n"
            "├──┼──────┼────┼──────┤\n│ 1 │甲镇卫生院│ 60 │ 85 │\n├──┼──────┼────┼──────┤\n"
            "│ 2 │乙镇卫生院│ 50 │ 65 │\n├──┴──────┼────┼──────┤\n│  合  计  │ 110 │ 150 │\n└─────────┴────┴──────┘\n")
    headers, rows = _texts(find_tables(text)[0])
    assert headers == [["序号", "单位名称", "床位数（张）", "卫生技术人员（人）"]]
    assert rows[-1] == ["", "合  计", "110", "150"]


def test_a_header_repeated_over_more_rows_keeps_the_tables_title():
    text = ("表2  各区县床位数（单位：张）\n| 区县 | 2022年 | 2023年 |\n| --- | --- | --- |\n| 甲城区 | 1,205 | 1,268 |\n"
            "| 区县 | 2022年 | 2023年 |\n| 乙山区 | 864 | 902 |\n")
    assert [(t.title, t.unit_line) for t in find_tables(text)] == [("表2  各区县床位数（单位：张）", "（单位：张）")] * 2


def test_a_continued_parts_line_with_its_unit_at_the_right_is_no_header_row():
    # `续表            单位：张`: the page's running head above it is no title; the line gives the
    # unit line, and the part takes the first part's title (its columns: no `单位：张` stacked on a label)
    text = ("17-5  各市床位数\n                              单位：张\n地    区      2022年      2023年\n"
            "甲    市       1200        1300\n乙    市        900         950\n\n某省统计年鉴—2024\n\n"
            "续表                          单位：张\n地    区      2022年      2023年\n"
            "丙    市        800         850\n丁    市        700         720\n")
    second = find_tables(text)[1]
    assert (second.title, second.unit_line) == ("17-5  各市床位数", "单位：张")
    assert [second.column_labels(c) for c in range(3)] == [["地    区"], ["2022年"], ["2023年"]]


def test_label_value_lines_take_a_remarks_figure_as_a_column_its_words_head():
    text = "单位：万元\n基金收入：14860（同比增长5.2%）\n  其中：统筹基金收入：9520\n基金支出：12970（同比增长6.9%）\n"
    table = find_tables(text)[0]
    assert [[cell.text for cell in row] for row in table.rows] == [
        ["基金收入", "14860", "5.2%"], ["其中：统筹基金收入", "9520"], ["基金支出", "12970", "6.9%"]]
    assert table.column_labels(2) == ["同比增长"]


def test_a_bilingual_cell_loses_its_english_gloss_but_an_english_word_inside_a_label_stays():
    text = ("| 地 区 Region | 床位数(张) Beds (unit) | # 医院 Hospitals | CT检查人次 |\n|---|---|---|---|\n"
            "| 长春市 Changchun | 68432 | 54217 | 1200 |\n| 吉林市 Jilin | 26318 | 20106 | 980 |\n")
    table = find_tables(text)[0]
    assert [c.text for c in table.header_rows[0]] == ["地 区", "床位数(张)", "# 医院", "CT检查人次"]
    assert [row[0].text for row in table.rows] == ["长春市", "吉林市"]


def test_lone_bars_of_a_merged_header_before_cells_closed_by_bars_are_no_rows():
    lines = ["各地区中医医院机构、床位情况 |", *["|"] * 6, "机构数(个) |", "床位数(张) |",
             *[f"{h} |" for h in ("2021年", "2022年") * 2],
             *[f"{c} |" for c in ("全 国", "10", "12", "100", "120", "河 北 省", "3", "4", "30", "40")]]
    table = find_tables("\n".join(lines) + "\n")[0]
    assert [[c.text if c else None for c in row] for row in table.header_rows] == [
        [None, "机构数(个)", "机构数(个)", "床位数(张)", "床位数(张)"], [None, "2021年", "2022年", "2021年", "2022年"]]
    assert [[c.text for c in row] for row in table.rows] == [["全 国", "10", "12", "100", "120"],
                                                            ["河 北 省", "3", "4", "30", "40"]]


def test_a_bar_opening_a_row_under_a_header_without_one_closes_an_empty_merged_cell():
    # most rows open with the bar (the rows under a category), so it is no outer border of the table's
    text = ("类别 | 序号 | 指标 | 2020年 | 2023年\n健康水平 | 1 | 婴儿死亡率 | 2.4 | 2.0\n"
            " | 2 | 孕产妇死亡率 | 8.1 | 6.5\n | 3 | 5岁以下儿童死亡率 | 3.3 | 2.9\n | 4 | 健康素养水平 | 26.1 | 31.0\n")
    table = find_tables(text)[0]
    assert [[c.text for c in row] for row in table.rows] == [["健康水平", "1", "婴儿死亡率", "2.4", "2.0"],
                                                            ["", "2", "孕产妇死亡率", "8.1", "6.5"],
                                                            ["", "3", "5岁以下儿童死亡率", "3.3", "2.9"],
                                                            ["", "4", "健康素养水平", "26.1", "31.0"]]


def test_a_label_after_a_running_number_wrapped_under_itself_is_joined_and_a_sentence_is_no_title():
    text = ("三、县直机构情况\n以下数据来源于县卫生健康局年报。\n"
            "序号  机构名称                 床位(张)    人员(人)\n"
            " 1    县人民医院                 860         702\n"
            " 2    县中医院（县骨伤           420         356\n"
            "      医院）\n"
            " 3    县精神卫生中心             120          82\n")
    table = find_tables(text)[0]
    assert [row[1].text for row in table.rows] == ["县人民医院", "县中医院（县骨伤医院）", "县精神卫生中心"]
    assert table.title == "三、县直机构情况"
