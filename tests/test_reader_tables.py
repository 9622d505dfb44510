"""Readers hand over the tables a file's format marks (HTML <table>, Word tables) as structure,
and the rules read their figures through it.

Each page is written here as an office or a CMS would: merged header cells, a label that spans
rows, a header cell with a line break, a table nested in a cell.
"""
from __future__ import annotations

import pytest

from reform_facts.extractors import code_version, registry
from reform_facts.readers import formats, read_document
from reform_facts.tables import tables_of
from tests import fixtures_make as fx

GROUPED = """<html><head><title>2023年江西省卫生健康统计</title></head><body>
<p>2023年江西省各设区市诊疗人次</p>
<table>
<tr><td rowspan="2">地区</td><td colspan="2">诊疗人次(万人次)</td><td colspan="2">出院人数(万人)</td></tr>
<tr><td>2022年</td><td>2023年</td><td>2022年</td><td>2023年</td></tr>
<tr><td>南昌市</td><td>5,872.5</td><td>6,210.3</td><td>140.2</td><td>153.9</td></tr>
</table></body></html>"""

BROKEN_HEADER = """<table>
<tr><th>指标</th><th>2022年</th><th>2023年</th></tr>
<tr><td>每千人口医疗卫生<br>机构床位数(张)</td><td>6.42</td><td>6.61</td></tr>
<tr><td><p>婴儿死亡率</p><p>(‰)</p></td><td>2.10</td><td>1.95</td></tr>
</table>"""

NESTED = """<table><tr><td>附件</td><td>
<table><tr><td>指标</td><td>2023年</td></tr><tr><td>床位数(张)</td><td>3286</td></tr></table>
</td></tr></table>"""


def _read(tmp_path, page: str, name: str = "page.html"):
    path = tmp_path / name
    path.write_text(page, encoding="utf-8")
    return read_document(path)


def test_an_html_table_is_handed_over_with_its_merged_cells_over_their_columns(tmp_path):
    doc = _read(tmp_path, GROUPED)
    [table] = doc.tables
    assert table.form == "html"
    assert [table.column_labels(c) for c in (1, 4)] == [["诊疗人次(万人次)", "2022年"], ["出院人数(万人)", "2023年"]]
    assert [doc.text[c.start:c.end] for c in table.rows[0]] == ["南昌市", "5,872.5", "6,210.3", "140.2", "153.9"]
    # its tab rows are not found a second time; the line above it is its title
    assert [(t.form, t.start, t.title) for t in tables_of(doc.text, doc.tables)] == [("html", table.start, "2023年江西省各设区市诊疗人次")]


def test_the_rules_read_an_html_tables_figures_through_its_structure(tmp_path):
    claims = registry.get("rules")(registry.describe(_read(tmp_path, GROUPED)))
    got = [(c.text, c.value, c.unit, c.indicator, c.year, c.region_code, c.rule_id) for c in claims]
    assert got == [
        ("5,872.5", 58725000.0, "人次", "诊疗人次", 2022, "360100", "table.html"),
        ("6,210.3", 62103000.0, "人次", "诊疗人次", 2023, "360100", "table.html"),
        ("140.2", 1402000.0, "人", "出院人数", 2022, "360100", "table.html"),
        ("153.9", 1539000.0, "人", "出院人数", 2023, "360100", "table.html"),
    ]


def test_a_line_break_inside_a_cell_keeps_the_row_on_one_line():
    text, _title, (table,) = formats.html(BROKEN_HEADER.encode(), "x.html")
    assert text.splitlines()[1:] == ["每千人口医疗卫生 机构床位数(张)\t6.42\t6.61", "婴儿死亡率 (‰)\t2.10\t1.95"]
    assert [row[0].text for row in table.rows] == ["每千人口医疗卫生 机构床位数(张)", "婴儿死亡率 (‰)"]


def test_a_table_nested_in_a_cell_is_handed_over_and_the_table_around_it_is_not():
    _text, _title, tables = formats.html(NESTED.encode(), "x.html")
    assert [[c.text for c in row] for table in tables for row in table.rows] == [["床位数(张)", "3286"]]


def test_a_word_table_is_handed_over_with_its_merged_title_row(tmp_path):
    path = fx.write_docx(tmp_path / "plan.docx", ["2023年宁都县卫生资源"],
                         rows=[["指标", "2022年", "2023年"], ["床位数(张)", "1,452", "1,530"]])
    doc = read_document(path)
    [table] = doc.tables
    assert (table.form, table.title) == ("docx", "表1")
    assert table.column_labels(2) == ["2023年"]
    claims = registry.get("rules")(registry.describe(doc))
    assert [(c.text, c.value, c.unit, c.year, c.rule_id) for c in claims] == [
        ("1,452", 1452.0, "张", 2022, "table.docx"), ("1,530", 1530.0, "张", 2023, "table.docx")]


@pytest.mark.parametrize("reader", [formats.plain, formats.markdown])
def test_text_formats_hand_over_no_tables(reader):
    assert reader("| 指标 | 2023年 |\n| --- | --- |\n| 床位数(张) | 3286 |\n".encode(), "x.txt").tables == ()


def test_the_extractors_version_covers_the_readers_formats():
    """Cached claims are renewed when the tables a reader hands over change."""
    assert any(path.name == "formats.py" and path.parent.name == "readers" for path in code_version.sources())
