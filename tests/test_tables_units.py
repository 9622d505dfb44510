"""What a table's unit line, title and notes say about its cells' units and years, where a case of
tests/cases/tables.yaml cannot show it alone (the prose rules read the same lines too)."""
from __future__ import annotations

from tests.conftest import make_doc


def _cells(rules, text: str) -> dict[str, tuple[str, int | None]]:
    return {c.text: (c.unit, c.year) for c in rules(make_doc(text))}


def test_a_unit_lines_bracket_gives_the_row_it_names_its_own_unit(rules):
    text = ("2022年宜昌市卫生健康事业发展统计公报\n\n单位：‰（孕产妇死亡率为1/10万）\n孕产妇死亡率：9.85\n"
            "婴儿死亡率：3.12\n")
    cells = _cells(rules, text)
    assert cells["9.85"][0] == "/10万"
    assert cells["3.12"][0] == "‰"


def test_a_money_unit_line_does_not_make_a_count_of_institutions_money(rules):
    text = "2023年某市医保基金清算\n\n表2  清算情况（单位：万元）\n\n机构等级 | 结余机构数 | 结余金额\n三级医院 | 2 | 689.6\n二级医院 | 5 | 435.3\n"
    claims = {c.text: c for c in rules(make_doc(text))}
    assert (claims["2"].unit, claims["2"].value) == ("个", 2)
    assert (claims["689.6"].unit, claims["689.6"].value) == ("元", 6896000)


def test_a_note_that_dates_a_column_dates_that_column_only(rules):
    text = ("溧阳市2022年工作总结\n\n| 镇 | 常住人口（人） | 签约人数（人） |\n| --- | --- | --- |\n| 天目湖镇 | 68200 | 24315 |\n"
            "| 南渡镇 | 52400 | 19688 |\n注：常住人口为2021年末公安户籍人口与流动人口核定数。\n")
    cells = _cells(rules, text)
    assert cells["68200"][1] == 2021 and cells["24315"][1] == 2022
