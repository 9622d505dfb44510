"""A ruled table in a PDF is handed over as structure (pdfplumber finds it in the rulings), its
rows written a line each with tab-separated cells; a page without one keeps pypdf's text.

The PDFs are written here as office software prints a statistical page: a title line, a table
with merged header cells (a label over two year columns, a cell over two header rows), and a
note under it.
"""
from __future__ import annotations

import io

import pytest

from reform_facts.extractors import registry
from reform_facts.readers import formats, read_document
from reform_facts.tables import tables_of
from tests import fixtures_make as fx

INDICATORS = [("每千人口医疗卫生机构床位数(张)", "6.42", "6.61", "7.00"),
              ("诊疗人次(万人次)", "5,872.5", "6,210.3", "6,500")]
CITIES = [("南昌市", "42,310", "44,872", "5,872.5", "6,210.3"),
          ("赣州市", "51,004", "53,226", "6,104.8", "6,552.1")]


def _pdf():
    font = fx.cjk_font()
    if font is None:
        pytest.skip(fx.NO_FONT)
    pdf = fx.cjk_pdf(font)
    pdf.add_page()
    return pdf


def _table(pdf, widths, heads, rows) -> None:
    """`heads`: the two header rows as (text, colspan, rowspan) cells."""
    from fpdf.fonts import FontFace

    with pdf.table(col_widths=widths, headings_style=FontFace(emphasis=""), num_heading_rows=2) as table:
        for head in heads:
            row = table.row()
            for text, colspan, rowspan in head:
                row.cell(text, colspan=colspan, rowspan=rowspan)
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)


def _line(pdf, text: str) -> None:
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _indicator_plan(tmp_path):
    """Prose on page 1; on page 2 a table whose rows are indicators, a target column."""
    pdf = _pdf()
    _line(pdf, "2023年，江西省持续深化医药卫生体制改革，基层诊疗量占比达到56.3%。")
    pdf.add_page()
    _line(pdf, "表1 2023年江西省卫生健康主要指标")
    _table(pdf, (60, 25, 25, 30),
           [[("指标", 1, 2), ("完成情况", 2, 1), ("2025年目标", 1, 2)], [("2022年", 1, 1), ("2023年", 1, 1)]],
           INDICATORS)
    _line(pdf, "注：诊疗人次含基层医疗卫生机构。")
    pdf.output(str(tmp_path / "plan.pdf"))
    return read_document(tmp_path / "plan.pdf")


def _city_bulletin(tmp_path):
    """A table whose rows are cities, the units in the column groups' headers."""
    pdf = _pdf()
    _line(pdf, "表2 2023年江西省各设区市医疗卫生资源")
    _table(pdf, (40, 30, 30, 30, 30),
           [[("地区", 1, 2), ("床位数(张)", 2, 1), ("诊疗人次(万人次)", 2, 1)],
            [("2022年", 1, 1), ("2023年", 1, 1), ("2022年", 1, 1), ("2023年", 1, 1)]],
           CITIES)
    pdf.output(str(tmp_path / "bulletin.pdf"))
    return read_document(tmp_path / "bulletin.pdf")


def _claims(doc):
    return [(c.text, c.value, c.unit, c.indicator, c.year, c.region_code, c.kind.value, c.rule_id)
            for c in registry.get("rules")(registry.describe(doc))]


def test_a_ruled_pdf_table_is_written_a_row_a_line_and_handed_over(tmp_path):
    doc = _indicator_plan(tmp_path)
    assert doc.text.splitlines() == [
        "2023年，江西省持续深化医药卫生体制改革，基层诊疗量占比达到56.3%。",
        "表1 2023年江西省卫生健康主要指标",
        "指标\t完成情况\t\t2025年目标",  # a merged cell once, its other positions empty
        "\t2022年\t2023年\t",
        *("\t".join(row) for row in INDICATORS),
        "注：诊疗人次含基层医疗卫生机构。",
    ]
    [table] = doc.tables
    assert table.form == "pdf"
    # the merged cells head every column under them: 完成情况 both years, 2025年目标 both rows
    assert [table.column_labels(c) for c in range(4)] == [
        ["指标"], ["完成情况", "2022年"], ["完成情况", "2023年"], ["2025年目标"]]
    # cells are spans of the text, the table on page 2 after page 1's line
    assert [[doc.text[c.start:c.end] for c in row] for row in table.rows] == [list(row) for row in INDICATORS]
    assert [(t.form, t.title) for t in tables_of(doc.text, doc.tables)] == [("pdf", "表1 2023年江西省卫生健康主要指标")]


def test_the_rules_read_a_pdf_tables_figures_through_its_structure(tmp_path):
    claims = _claims(_indicator_plan(tmp_path))
    assert claims == [
        ("56.3%", 56.3, "%", "基层诊疗量占比", 2023, "360000", "actual", "unit.percent"),
        # unit and scale from the row label, indicator the row label, year from the column header
        ("6.42", 6.42, "张/千人", "每千人口医疗卫生机构床位数", 2022, "360000", "actual", "table.pdf"),
        ("6.61", 6.61, "张/千人", "每千人口医疗卫生机构床位数", 2023, "360000", "actual", "table.pdf"),
        ("7.00", 7.0, "张/千人", "每千人口医疗卫生机构床位数", 2025, "360000", "target", "table.pdf"),
        ("5,872.5", 58725000.0, "人次", "诊疗人次", 2022, "360000", "actual", "table.pdf"),
        ("6,210.3", 62103000.0, "人次", "诊疗人次", 2023, "360000", "actual", "table.pdf"),
        ("6,500", 65000000.0, "人次", "诊疗人次", 2025, "360000", "target", "table.pdf"),
    ]


def test_a_pdf_table_of_cities_takes_its_units_from_the_merged_column_headers(tmp_path):
    doc = _city_bulletin(tmp_path)
    [table] = doc.tables
    assert [table.column_labels(c) for c in (0, 1, 4)] == [
        ["地区"], ["床位数(张)", "2022年"], ["诊疗人次(万人次)", "2023年"]]
    claims = _claims(doc)
    assert claims[:4] == [
        ("42,310", 42310.0, "张", "床位数", 2022, "360100", "actual", "table.pdf"),
        ("44,872", 44872.0, "张", "床位数", 2023, "360100", "actual", "table.pdf"),
        ("5,872.5", 58725000.0, "人次", "诊疗人次", 2022, "360100", "actual", "table.pdf"),
        ("6,210.3", 62103000.0, "人次", "诊疗人次", 2023, "360100", "actual", "table.pdf"),
    ]
    assert {c[5] for c in claims[4:]} == {"360700"}  # 赣州市's row


def _pypdf_text(raw: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)


def _prose(pdf) -> None:
    _line(pdf, "2023年，全省基层诊疗量占比达到56.3%，县域内就诊率90%以上。")
    _line(pdf, "指标    2022年    2023年")  # columns aligned with spaces, no rulings
    pdf.line(10, 22, 200, 22)  # a rule under a line is no table


def _table_beside_a_note(pdf) -> None:
    """A ruled table with a note to its right on the same lines: its rows are not whole lines."""
    from fpdf.fonts import FontFace

    with pdf.table(width=100, col_widths=(50, 25, 25), align="LEFT",
                   headings_style=FontFace(emphasis="")) as table:
        for values in (("指标", "2022年", "2023年"), ("床位数(张)", "1,452", "1,530")):
            row = table.row()
            for text in values:
                row.cell(text)
    pdf.set_xy(130, 14)
    pdf.cell(60, 6, "注：含民营医院")


@pytest.mark.parametrize("draw", [_prose, _table_beside_a_note], ids=["no-table", "table-beside-a-note"])
def test_a_page_without_a_clean_ruled_table_keeps_pypdfs_text_and_hands_nothing_over(draw):
    pdf = _pdf()
    draw(pdf)
    raw = bytes(pdf.output())
    text, _title, tables = formats.pdf(raw, "x.pdf")
    assert (text, tables) == (_pypdf_text(raw), ())


def test_a_page_pdfplumber_reads_otherwise_than_pypdf_keeps_pypdfs_text(tmp_path):
    """Where the two libraries read a page's glyphs otherwise (pdfminer writes `(cid:12)` for a
    glyph its font maps to no character), the rewritten page would not hold what pypdf read:
    the page keeps pypdf's text. pypdf's reading of the table page is altered here."""
    from pypdf import PdfReader

    _indicator_plan(tmp_path)
    raw = (tmp_path / "plan.pdf").read_bytes()
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages]
    assert list(formats._pdf_ruled_pages(raw, "plan.pdf", pages)) == [1]
    misread = [pages[0], pages[1].replace("床位数", "(cid:1)(cid:2)(cid:3)")]
    assert formats._pdf_ruled_pages(raw, "plan.pdf", misread) == {}
