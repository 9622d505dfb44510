"""The document view (`reform-facts show`): one document's text with its claims marked, alone or
compared with gold on the scorer's pairing. Checked on the small known evaluation of
tests/test_report.py (Sanming's three 2027 targets) and through the command on gold documents
and on a file of another format.
"""
from __future__ import annotations

import json

import pytest

from reform_facts.claim import Claim, Document
from reform_facts.evaluation import document_view
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.pipeline import cli
from tests.test_report import DOC_ID, SENTENCE, doc, known_claims, parse, span, text_of  # noqa: F401  (doc: fixture)

GOLD_TEST_DOC = "102_anhui_2022_health_bulletin"  # in the sealed test split (gold/split.json)


def article_text(tree) -> str:
    return text_of(tree.find(".//article[@id='text']"))


@pytest.fixture(scope="module")
def compared(doc):
    gold, alpha, _ = known_claims(doc)
    return document_view.compare(doc, alpha, gold)


def test_compared_claims_are_marked_right_wrong_false_alarm_or_missed(compared, doc):
    found = {(mark.text, mark.status, mark.wrong) for mark in compared}
    assert found == {("5∶3∶2", "false_alarm", ()), ("65%", "right", ()), ("90%", "miss", ()),
                     ("70%", "wrong", ("year", "indicator_strict"))}
    seventy = next(mark for mark in compared if mark.text == "70%")
    assert seventy.id == "c{}-{}".format(*span(doc, "70%", SENTENCE))  # the scorer's error span


def test_the_page_is_the_documents_text_with_every_claim_marked_and_its_fields_beside(compared, doc):
    tree = parse(document_view.render(doc, compared, source="alpha compared with gold"))
    assert article_text(tree) == doc.text  # nothing added to or dropped from the stored text
    marks = tree.findall(".//article[@id='text']/mark")
    assert [(m.text, m.get("class")) for m in marks] == [
        ("5∶3∶2", "status-false_alarm"), ("65%", "status-right"), ("70%", "status-wrong"), ("90%", "status-miss")]
    assert all(script.get("src") is None for script in tree.iter("script"))
    seventy = next(m for m in marks if m.text == "70%")
    assert "year" in seventy.get("title") and "县域内住院量占比" in seventy.get("title")  # on hover
    details = tree.findall(".//div[@class='detail']")
    assert [d.get("data-id") for d in details] == [m.id for m in compared]
    panel = next(d for d in details if d.get("data-status") == "wrong")
    rows = {row.get("data-field"): [text_of(c) for c in row.findall("td")] for row in panel.iter("tr")
            if row.get("data-field")}
    assert rows["year"] == ["year", "2025", "2027"] and rows["region"] == ["region", "三明市", "三明市"]
    assert {"value", "unit", "indicator", "region", "year", "kind"} <= set(rows)
    wrong = {row.get("data-field") for row in panel.iter("tr") if row.get("class") == "wrong"}
    assert wrong == {"year", "indicator"}


def test_overlapping_highlights_share_the_text_they_overlap():
    doc = Document.from_text("医生近2000名。", doc_id="d")
    gold = [Claim.at(doc, 3, 8, value=2000, unit="名", quantity_type="count")]
    predicted = [Claim.at(doc, 2, 8, value=2000, unit="名", quantity_type="count"),
                 Claim.at(doc, 3, 7, value=2000, unit="名", quantity_type="count")]
    marks = document_view.compare(doc, predicted, gold)
    assert sorted(mark.status for mark in marks) == ["false_alarm", "right"]
    tree = parse(document_view.render(doc, marks, source="test"))
    assert article_text(tree) == doc.text
    pieces = [(m.text, m.get("data-marks")) for m in tree.findall(".//article[@id='text']/mark")]
    assert pieces == [("近", "0"), ("2000", "0 1"), ("名", "0")]


@pytest.mark.parametrize(("text", "claim_text", "layout"), [
    ("| 指标 | 2023年 |\n| --- | --- |\n| 床位数(张) | 1200 |\n", "1200", "table"),
    ("| 指标 | 2023年 |\n| --- | --- |\n| 床位数(张) | 1200 |\n", "2023", "prose"),  # a header, not a numeric cell
    ("全市床位1200张，比上年增长5%。\n", "1200张", "prose"),
])
def test_a_claim_is_in_a_table_when_its_span_lies_in_a_numeric_cell(text, claim_text, layout):
    doc = Document.from_text(text, doc_id="d")
    start = text.index(claim_text)
    claim = Claim.at(doc, start, start + len(claim_text), value=1.0, unit="个", quantity_type="count")
    assert document_view.layout_of(claim, document_view.figure_cells(text)) == layout


# ------------------------------------------------------------------ the command

def test_show_compares_a_gold_documents_claims_with_gold(tmp_path, capsys):
    output = tmp_path / "view.html"
    assert cli.main(["show", DOC_ID, "--compare", "gold", "--output", str(output)]) == 0
    assert str(output) in capsys.readouterr().out
    tree = parse(output.read_text(encoding="utf-8"))
    text = (ROOT / "corpus" / f"{DOC_ID}.txt").read_text(encoding="utf-8")
    assert article_text(tree) == text
    gold = [json.loads(line) for line in (ROOT / "gold" / f"{DOC_ID}.jsonl").read_text(encoding="utf-8").splitlines()]
    statuses = {d.get("data-status") for d in tree.findall(".//div[@class='detail']")}
    assert statuses <= set(document_view.STATUSES) - {"claim"} and "right" in statuses
    # every gold claim is in one mark: paired (right, wrong or optional) or missed
    with_gold = [d for d in tree.findall(".//div[@class='detail']") if d.get("data-status") != "false_alarm"]
    assert len(with_gold) == len(gold)


def test_show_reads_a_document_of_any_format_and_marks_an_extractors_claims(tmp_path, capsys):
    from tests import fixtures_make as fx
    from reform_facts.extractors import registry
    from reform_facts.readers import read_document

    source = fx.write_docx(tmp_path / "plan.docx", [fx.corpus_paragraph(fx.CHONGQING)], title="工作总结")
    output = tmp_path / "plan.html"
    assert cli.main(["show", str(source), "--extractor", "rules", "--output", str(output)]) == 0
    doc = registry.describe(read_document(source))
    claims = registry.get("rules")(doc)
    tree = parse(output.read_text(encoding="utf-8"))
    assert article_text(tree) == doc.text
    marks = tree.findall(".//article[@id='text']/mark")
    assert [m.text for m in marks] == [c.text for c in claims] and len(claims) >= 5
    assert {m.get("class") for m in marks} == {"status-claim"}
    assert f"wrote {output} ({len(claims)} claim)" in capsys.readouterr().out


def test_show_gold_marks_the_gold_claims(tmp_path):
    output = tmp_path / "gold.html"
    assert cli.main(["show", DOC_ID, "--gold", "--output", str(output)]) == 0
    tree = parse(output.read_text(encoding="utf-8"))
    gold = (ROOT / "gold" / f"{DOC_ID}.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(tree.findall(".//div[@class='detail']")) == len(gold)
    assert [th.text for th in tree.find(".//div[@class='detail']//thead").iter("th")] == ["field", "gold"]


@pytest.mark.parametrize(("argv", "message"), [
    (["show", GOLD_TEST_DOC, "--compare", "gold"], "sealed test split: its gold claims are shown only with --unseal"),
    (["show", GOLD_TEST_DOC, "--gold"], "sealed test split"),
    (["show", DOC_ID, "--gold", "--compare", "gold"], "leave out --gold"),
    (["show", "no_such_document"], "no_such_document: no such file, nor a gold document"),
    (["show", "plan.docx"], "plan.docx: no such file"),
])
def test_show_refuses_saying_why(argv, message, tmp_path, capsys):
    assert cli.main([*argv, "--output", str(tmp_path / "x.html")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_show_refuses_gold_labelled_on_another_text(tmp_path, capsys):
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "plan.jsonl").write_text(json.dumps(
        {"doc_id": "plan", "start": 0, "end": 3, "text": "65%", "value": 65, "value_max": None, "unit": "%",
         "quantity_type": "percentage", "comparator": "=", "indicator": None, "region": None,
         "region_code": None, "year": None, "kind": "actual", "optional": False}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    (tmp_path / "plan.txt").write_text("占比达65%", encoding="utf-8")
    assert cli.main(["show", str(tmp_path / "plan.txt"), "--gold", "--gold-dir", str(gold_dir),
                     "--output", str(tmp_path / "x.html")]) == 2
    assert "is not the document's '占比达'" in capsys.readouterr().err
