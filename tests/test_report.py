"""The evaluator's HTML report, checked against a small evaluation whose figures are known.

Gold: the three 2027 targets of a real sentence of the Sanming plan (65%, 70%, 90%). Extractor
`alpha` finds 65% right, 70% with the wrong year and a shorter indicator, misses 90% and
reports the ratio 5∶3∶2 before them, which this small gold set does not hold. Extractor `beta`
finds the three right. So alpha's mention P = R = 2/3, claim P = R = 1/3, with four errors.
"""
from __future__ import annotations

import json

import html5lib
import pytest

from reform_facts.extractors import registry
from reform_facts.evaluation import report, scoring
from reform_facts.pipeline import cli
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Claim, Document
from reform_facts.evaluation.evaluate import ExtractorResult, Report
from reform_facts.readers import read_document

DOC_ID = "001_0a27fa8f4e1d6f6b"
SENTENCE = "全市基层诊疗量占比达65%以上、县域内住院量占比达70%以上、县域内就诊率达90%以上"
TARGET = dict(unit="%", quantity_type="percentage", comparator=">=", region="三明市",
              region_code="350400", year=2027, kind="target")


@pytest.fixture(scope="module")
def doc() -> Document:
    return registry.describe(read_document(ROOT / "corpus" / f"{DOC_ID}.txt"))


def claim(doc: Document, text: str, *, after: str, **values) -> Claim:
    """The claim over the first `text` after `after` in the document."""
    start = doc.text.index(text, doc.text.index(after))
    return Claim.at(doc, start, start + len(text), **values)


def known_claims(doc: Document) -> tuple[list[Claim], list[Claim], list[Claim]]:
    gold = [claim(doc, "65%", after=SENTENCE, value=65, indicator="基层诊疗量占比", **TARGET),
            claim(doc, "70%", after=SENTENCE, value=70, indicator="县域内住院量占比", **TARGET),
            claim(doc, "90%", after=SENTENCE, value=90, indicator="县域内就诊率", **TARGET)]
    ratio = claim(doc, "5∶3∶2", after="检查化验收入", value=None, unit="ratio", quantity_type="ratio",
                  region="三明市", region_code="350400", year=2027, kind="target")
    alpha = [ratio, gold[0], gold[1].with_(year=2025, indicator="县域内住院量")]
    return gold, [c.with_(extractor="alpha") for c in alpha], [c.with_(extractor="beta") for c in gold]


def result(name: str, predicted: list[Claim], gold: list[Claim], doc: Document) -> ExtractorResult:
    evaluation = scoring.evaluate(predicted, gold)
    intervals = scoring.bootstrap(predicted, gold, n=50, texts={doc.doc_id: doc.text})
    return ExtractorResult(name, f"{name}-1", False, evaluation, intervals,
                           scoring.errors(evaluation, {doc.doc_id: doc.text}))


@pytest.fixture(scope="module")
def known(doc) -> Report:
    gold, alpha, beta = known_claims(doc)
    return Report([result("alpha", alpha, gold, doc), result("beta", beta, gold, doc)], [DOC_ID])


@pytest.fixture(scope="module")
def page(known, doc) -> str:
    return report.render(known, {DOC_ID: doc}, history_note="no warehouse in this test")


def parse(html: str):
    """Strict HTML5 parsing: any parse error raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)


def text_of(element) -> str:
    return "".join(element.itertext())


def island(tree, element_id: str):
    return json.loads(tree.find(f".//script[@id='{element_id}']").text)


def test_the_page_is_strict_html5_and_self_contained(page):
    tree = parse(page)
    assert tree.find(".//title").text == "reform-facts evaluation report"
    assert all("src" not in script.attrib for script in tree.iter("script"))
    for element in tree.iter():
        for name in ("src", "href"):
            target = element.get(name, "")
            assert not target.startswith(("http:", "https:", "//")), (element.tag, target)
    assert "vegaEmbed" in page and "window.vegaLite" in page  # the charting library is inlined


def readings(cell) -> dict[str, str]:
    """field -> value of a wrong-field row's side; {"": value} for a false positive or a miss."""
    found = {div.get("data-field"): div.find("span[@class='value']").text
             for div in cell.findall("div[@class='reading']")}
    value = cell.find("span[@class='value']")
    return found or ({} if value is None else {"": value.text})


def test_the_browser_holds_every_error_in_one_row_with_its_sentence_and_both_readings(page, known, doc):
    rows = parse(page).findall(".//table[@id='errors']/tbody/tr")
    shown = []
    for row in rows:
        cells = row.findall("td")
        sentence = text_of(cells[4])
        assert sentence.strip("…") in doc.text  # the sentence is the document's
        shown.append((row.get("data-extractor"), row.get("data-kind"), row.get("data-doc"),
                      int(row.get("data-start")), int(row.get("data-end")),
                      row.get("data-field"), cells[4].find("mark").text,
                      readings(cells[5]), readings(cells[6])))
    assert shown == [
        ("alpha", "false_positive", DOC_ID, *span(doc, "5∶3∶2", "检查化验收入"), "", "5∶3∶2", {"": "5∶3∶2"}, {}),
        ("alpha", "wrong_field", DOC_ID, *span(doc, "70%", SENTENCE), "indicator_strict year", "70%",
         {"indicator_strict": "县域内住院量", "year": "2025"}, {"indicator_strict": "县域内住院量占比", "year": "2027"}),
        ("alpha", "miss", DOC_ID, *span(doc, "90%", SENTENCE), "", "90%", {}, {"": "90%"})]
    # every record of the scorer is in a row: one row per false positive, miss or wrong pair
    records = {(e.kind, e.span, e.field) for result in known.results for e in result.errors}
    assert records == {(kind, (start, end), field or None) for _, kind, _, start, end, fields, *_ in shown
                       for field in (fields.split() or [""])}


def span(doc: Document, text: str, after: str) -> tuple[int, int]:
    start = doc.text.index(text, doc.text.index(after))
    return start, start + len(text)


def test_the_embedded_figures_are_the_scorers(page, known):
    tree = parse(page)
    assert island(tree, "report-data") == json.loads(json.dumps(known.to_json(errors=True)))
    alpha = known.results[0].evaluation.score
    assert (alpha.precision, alpha.recall) == (2 / 3, 2 / 3)
    assert (alpha.claim_precision, alpha.claim_f1) == (1 / 3, 1 / 3)
    scores = {r.name: r.evaluation.score for r in known.results}
    for row in tree.findall(".//table[@id='headline-table']/tbody/tr"):
        for cell in row.findall("td[@data-metric]"):
            figure = getattr(scores[row.get("data-extractor")], cell.get("data-metric"))
            assert cell.text.split(" ")[0] == f"{figure:.3f}"
    cells = tree.findall(".//table[@id='field-table']/tbody/tr/td[@data-metric]")
    assert len(cells) == len(scoring.FIELDS) * len(known.results)
    for cell in cells:
        name = cell.get("data-metric").removesuffix("_accuracy")
        assert cell.text.split(" ")[0] == f"{scores[cell.get('data-extractor')].accuracy(name):.3f}"


def chart_rows(tree, name: str) -> list[dict]:
    spec = island(tree, f"spec-{name}")
    return [row for rows in spec["datasets"].values() for row in rows]


def test_the_charts_plot_the_scorers_figures(page, known):
    tree = parse(page)
    headline = {(r["extractor"], r["level"], r["metric"]): r for r in chart_rows(tree, "headline")}
    fields = {(r["extractor"], r["field"]): r for r in chart_rows(tree, "fields")}
    for result in known.results:
        score = result.evaluation.score
        for level, label, metric in report.HEADLINE:
            row = headline[(result.name, level, label)]
            assert row["value"] == pytest.approx(getattr(score, metric))
            assert [row["low"], row["high"]] == pytest.approx(list(result.intervals[metric]))
        for name in scoring.FIELDS:
            row = fields[(result.name, report.field_label(name))]
            assert row["accuracy"] == pytest.approx(score.accuracy(name))
    assert fields[("alpha", "year")]["accuracy"] == pytest.approx(1 / 2)
    assert tree.find(".//div[@data-spec='spec-headline']") is not None
    assert tree.find(".//div[@data-spec='spec-fields']") is not None


def test_the_tables_break_scores_down_by_document_and_quantity_type(page, known):
    tree = parse(page)
    for table, attribute in (("document-table", "by_document"), ("type-table", "by_quantity_type")):
        rows = tree.findall(f".//table[@id='{table}']/tbody/tr")
        expected = [(r.name, key) for r in known.results for key in getattr(r.evaluation, attribute)]
        assert [(row.get("data-extractor"), row.get("data-key")) for row in rows] == expected
        for row in rows:
            extractor = next(r for r in known.results if r.name == row.get("data-extractor"))
            score = getattr(extractor.evaluation, attribute)[row.get("data-key")]
            for cell in row.findall("td[@data-metric]"):
                figure = getattr(score, cell.get("data-metric"))
                assert cell.text == ("–" if figure != figure else f"{figure:.3f}")
    ratio = tree.find(".//table[@id='type-table']/tbody/tr[@data-extractor='alpha'][@data-key='ratio']")
    assert ratio.find("td[@data-metric='precision']").text == "0.000"


def test_the_filters_offer_every_extractor_document_and_error_type(page):
    form = parse(page).find(".//form[@id='error-filters']")
    options = {select.get("name"): [o.get("value", o.text) for o in select.findall("option")]
               for select in form.iter("select")}
    assert options["extractor"] == ["", "alpha", "beta"]
    assert options["doc"] == ["", DOC_ID]
    assert options["kind"] == ["", "false_positive", "miss", "wrong_field"]
    assert options["field"] == ["", "indicator_strict", "year"]


def test_without_a_warehouse_the_trend_says_so(known, doc, tmp_path):
    output = report.write_report(known, tmp_path / "r.html", documents={DOC_ID: doc},
                                 db_path=tmp_path / "none.duckdb")
    tree = parse(output.read_text(encoding="utf-8"))
    assert "No warehouse file at" in text_of(tree.find(".//p[@id='trend-note']"))
    assert tree.find(".//script[@id='spec-trend']") is None


def test_the_trend_shows_the_evaluations_the_warehouse_recorded(known, doc, tmp_path):
    from reform_facts.warehouse.load import record_evaluation

    db = tmp_path / "w.duckdb"
    gold, alpha, _ = known_claims(doc)
    better = Report([result("alpha", [*alpha, gold[2].with_(extractor="alpha")], gold, doc)], [DOC_ID])
    record_evaluation(db, run_id="first", report=known)
    record_evaluation(db, run_id="second", report=better)
    tree = parse(report.write_report(known, tmp_path / "r.html", documents={DOC_ID: doc},
                                     db_path=db).read_text(encoding="utf-8"))
    assert "2 evaluations recorded" in text_of(tree.find(".//p[@id='trend-note']"))
    points = {(r["run_id"], r["extractor"], r["metric"]): r["value"] for r in chart_rows(tree, "trend")}
    assert points[("first", "alpha", "mention F1")] == pytest.approx(2 / 3)
    improved = better.results[0].evaluation.score.f1
    assert improved > 2 / 3 and points[("second", "alpha", "mention F1")] == pytest.approx(improved)
    assert points[("first", "beta", "claim F1")] == pytest.approx(1.0)
    assert ("second", "beta", "mention F1") not in points


@pytest.mark.slow
def test_the_report_command_writes_every_error_of_the_gold_set_evaluation(tmp_path, capsys):
    from reform_facts.evaluation import evaluate as evaluation

    output = tmp_path / "report.html"
    status = cli.main(["report", "--output", str(output), "--extractor", "rules", "--bootstrap", "20",
                       "--db", str(tmp_path / "none.duckdb")])
    assert status == 0 and str(output) in capsys.readouterr().out
    scored = evaluation.run(extractors=["rules"], gold_dir=ROOT / "gold", corpus_dir=ROOT / "corpus",
                            resamples=0)
    rows = parse(output.read_text(encoding="utf-8")).findall(".//table[@id='errors']/tbody/tr")
    # one row per false positive, per miss and per pair with wrong fields
    errors = [(r.name, e.kind, e.doc_id, e.span) for r in scored.results for e in r.errors]
    assert [(row.get("data-extractor"), row.get("data-kind"), row.get("data-doc"),
             (int(row.get("data-start")), int(row.get("data-end")))) for row in rows] == list(dict.fromkeys(errors))
    # each row opens its document's view at its claim: a file written beside the report
    links = {row.findall("td")[1].find("a").get("href") for row in rows}
    assert {link.partition("#")[0] for link in links} == {
        f"report-documents/{doc_id}.rules.html" for _, _, doc_id, _ in errors}
    for link in links:
        view, _, anchor = link.partition("#")
        assert f'id="{anchor}"' in (output.parent / view).read_text(encoding="utf-8")


def test_the_opening_lines_answer_at_a_glance_and_link_to_the_errors(page):
    items = parse(page).findall(".//ul[@id='glance']/li")
    alpha, beta = ("".join(item.itertext()).split() for item in items)
    assert " ".join(alpha).startswith("alpha: mention F1 0.667, claim F1 0.333; weakest field "
                                      "indicator (strict) (0.500); errors — false positives: 1, misses: 1, "
                                      "claims with wrong fields: 1 (2 fields)")
    assert " ".join(beta).startswith("beta: mention F1 1.000, claim F1 1.000; weakest field")
    links = {a.get("href"): a.text for a in items[0].iter("a")}
    assert links == {"#extractor=alpha&kind=false_positive": "false positives: 1",
                     "#extractor=alpha&kind=miss": "misses: 1",
                     "#extractor=alpha&kind=wrong_field": "claims with wrong fields: 1 (2 fields)"}


def spec_scales(spec: dict, channel: str) -> list[dict]:
    """Every scale given on `channel` in a (faceted, layered) Vega-Lite spec."""
    found = []
    if isinstance(spec, dict):
        encoding = spec.get("encoding", {})
        if isinstance(encoding.get(channel), dict) and "scale" in encoding[channel]:
            found.append(encoding[channel]["scale"])
        for value in spec.values():
            found += spec_scales(value, channel)
    elif isinstance(spec, list):
        for value in spec:
            found += spec_scales(value, channel)
    return found


def test_the_rate_axes_zoom_to_the_values_and_their_intervals(doc):
    gold, _, beta = known_claims(doc)
    perfect = [result("beta", beta, gold, doc)]  # every rate 1.0: points bunched at the top
    for chart in (report.headline_chart(perfect), report.field_chart(perfect)):
        assert {tuple(scale["domain"]) for scale in spec_scales(chart, "x")} == {(0.9, 1.0)}
    _, alpha, _ = known_claims(doc)
    mixed = [result("alpha", alpha, gold, doc), *perfect]
    (domain,) = {tuple(scale["domain"]) for scale in spec_scales(report.headline_chart(mixed), "x")}
    shown = [v for r in mixed for m in ("f1", "claim_f1", "precision", "recall")
             for v in (getattr(r.evaluation.score, m), *r.intervals[m])]
    assert domain[0] <= min(shown) and max(shown) <= domain[1] and domain[0] > 0


def test_one_evaluation_gets_a_dated_axis_around_it_and_each_metric_its_own_mark():
    import pandas as pd

    history = pd.DataFrame([
        {"run_id": "r1", "evaluated_at": "2026-12-06 09:30:00+00:00", "extractor": "rules",
         "extractor_version": "v1", "metric": metric, "value": value, "ci_low": value - 0.02, "ci_high": value + 0.01}
        for metric, value in (("f1", 0.97), ("claim_f1", 0.96))])
    spec = report.trend_chart(history)
    (x,) = {json.dumps(scale, sort_keys=True) for scale in spec_scales(spec, "x")}
    assert json.loads(x)["domain"] == ["2026-12-05T21:30:00Z", "2026-12-06T21:30:00Z"]
    shapes = spec_scales(spec, "shape")
    assert shapes[0]["range"] == ["circle", "square"] and shapes[0]["domain"] == ["mention F1", "claim F1"]
    (y,) = {json.dumps(scale, sort_keys=True) for scale in spec_scales(spec, "y")}
    assert json.loads(y)["domain"] == [0.9, 1.0]  # values and intervals, not 0-1


LAYOUT_TEXT = ("2023年全市床位使用率为85.2%。\n表1 卫生资源\n| 指标 | 2023年 | 2022年 |\n| --- | --- | --- |\n"
               "| 床位数(张) | 1200 | 1100 |\n")


def test_scores_break_down_by_layout_prose_or_table():
    doc = Document.from_text(LAYOUT_TEXT, doc_id="900_layout")

    def at(text: str, value: float, unit: str, quantity_type: str) -> Claim:
        start = LAYOUT_TEXT.index(text)
        return Claim.at(doc, start, start + len(text), value=value, unit=unit, quantity_type=quantity_type)
    gold = [at("85.2%", 85.2, "%", "percentage"), at("1200", 1200, "张", "count"), at("1100", 1100, "张", "count")]
    predicted = [gold[0], gold[1].with_(value=12.0)]  # the table's 1100 missed, its 1200 misread
    evaluation = scoring.evaluate(predicted, gold)
    known = Report([ExtractorResult("alpha", "a-1", False, evaluation, {}, scoring.errors(evaluation, {doc.doc_id: doc.text}))],
                   [doc.doc_id])
    rows = parse(report.render(known, {doc.doc_id: doc})).findall(".//table[@id='layout-table']/tbody/tr")
    cells = {row.get("data-key"): {c.get("data-metric"): c.text for c in row.findall("td[@data-metric]")} for row in rows}
    counts = {row.get("data-key"): [c.text for c in row.findall("td[@class='num']")[:3]] for row in rows}
    assert counts == {"prose": ["1", "1", "1"], "table": ["2", "1", "1"]}  # gold, predicted, pairs
    assert cells["prose"]["claim_f1"] == "1.000" and cells["table"]["recall"] == "0.500"
    assert cells["table"]["claim_f1"] == "0.000"


def test_scores_break_down_by_split_and_the_test_splits_errors_stay_sealed(known, doc, tmp_path):
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "split.json").write_text(json.dumps({"test": [DOC_ID[:3]]}), encoding="utf-8")
    for unseal, shown_rows in ((False, 0), (True, 3)):
        page = report.render(known, {DOC_ID: doc}, gold_dir=gold_dir, unseal=unseal)
        tree = parse(page)
        keys = [(row.get("data-extractor"), row.get("data-key"))
                for row in tree.findall(".//table[@id='split-table']/tbody/tr")]
        assert keys == [("alpha", "test"), ("beta", "test")]
        rows = tree.findall(".//table[@id='errors']/tbody/tr")
        assert len(rows) == shown_rows
        embedded = island(tree, "report-data")["extractors"][0]["errors"]
        assert len(embedded) == (4 if unseal else 0)
        assert (tree.find(".//p[@id='withheld']") is None) == unseal
    dev = parse(report.render(known, {DOC_ID: doc}))  # the project's split: 001 is a dev document
    assert [row.get("data-key") for row in dev.findall(".//table[@id='split-table']/tbody/tr")] == ["dev", "dev"]


def test_each_error_links_to_the_document_view_written_beside_the_report(known, doc, tmp_path):
    output = report.write_report(known, tmp_path / "r.html", documents={DOC_ID: doc},
                                 db_path=tmp_path / "none.duckdb")
    assert sorted(p.name for p in (tmp_path / "r-documents").iterdir()) == [f"{DOC_ID}.alpha.html"]  # beta: no errors
    tree = parse(output.read_text(encoding="utf-8"))
    links = [row.findall("td")[1].find("a").get("href") for row in tree.findall(".//table[@id='errors']/tbody/tr")]
    seventy = span(doc, "70%", SENTENCE)
    assert f"r-documents/{DOC_ID}.alpha.html#c{seventy[0]}-{seventy[1]}" in links
    view = parse((tmp_path / "r-documents" / f"{DOC_ID}.alpha.html").read_text(encoding="utf-8"))
    detail = view.find(f".//div[@data-id='c{seventy[0]}-{seventy[1]}']")
    assert detail.get("data-status") == "wrong"
    assert {row.get("data-field") for row in detail.findall(".//tr[@class='wrong']")} == {"indicator", "year"}
    back = view.find(".//header//a").get("href")
    assert back == f"../r.html#extractor=alpha&doc={DOC_ID}"
    document_links = {a.get("href") for a in tree.findall(".//table[@id='document-table']//a")}
    assert document_links == {f"r-documents/{DOC_ID}.alpha.html"}
