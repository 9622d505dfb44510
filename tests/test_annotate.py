"""The Label Studio round trip: tasks and configuration out, a Label Studio JSON export back in.

`as_exported` turns tasks into what Label Studio's JSON export holds after an annotator submitted
each task: the task with its data and predictions, and an annotation whose result starts as the
pre-annotation (Label Studio copies the prediction's regions into the annotation) with the
annotator's edits applied.
"""
from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reform_facts.extractors import registry
from reform_facts.evaluation import annotate
from reform_facts.pipeline import cli
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Claim
from reform_facts.errors import GoldError
from reform_facts.evaluation.evaluate import run as evaluate
from reform_facts.gold import gold_files, load_gold, to_gold_record
from reform_facts.gold import document_path
from reform_facts.readers import read_document

GOLD = ROOT / "gold"
CORPUS = ROOT / "corpus"
SANMING = "001_0a27fa8f4e1d6f6b"
TAG_OF_TYPE = {"labels": "Labels", "textarea": "TextArea", "choices": "Choices", "number": "Number"}


def as_exported(tasks: list[dict], edit=None) -> list[dict]:
    """Label Studio's JSON export of the tasks, each submitted once (after `edit(doc_id, result)`)."""
    exported = []
    for number, task in enumerate(tasks, start=1):
        result = copy.deepcopy(task["predictions"][0]["result"])
        if edit is not None:
            result = edit(task["data"]["doc_id"], result)
        exported.append({
            "id": number, "data": task["data"], "meta": {}, "project": 1,
            "created_at": "2026-11-20T08:00:00.000000Z", "updated_at": "2026-11-21T09:30:00.000000Z",
            "annotations": [{"id": 100 + number, "completed_by": 1, "result": result,
                             "was_cancelled": False, "ground_truth": False, "lead_time": 95.2,
                             "created_at": "2026-11-21T09:30:00.000000Z",
                             "updated_at": "2026-11-21T09:30:00.000000Z", "task": number}],
            "predictions": [dict(task["predictions"][0], id=200 + number, task=number)]})
    return exported


def gold_tasks(doc_ids=None) -> list[dict]:
    gold = load_gold(GOLD)
    return [annotate.task(read_document(document_path(doc_id, gold_dir=GOLD, corpus_dir=CORPUS)), claims,
                          model_version="gold")
            for doc_id, claims in gold.items() if doc_ids is None or doc_id in doc_ids]


def write_json(path: Path, value) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_whole_gold_set_comes_back_unchanged_through_the_commands(tmp_path, capsys):
    tasks_file = tmp_path / "ls" / "tasks.json"
    assert cli.main(["annotate", "export", "--from-gold", str(GOLD), "--output", str(tasks_file)]) == 0
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert sorted(t["data"]["doc_id"] for t in tasks) == sorted(p.stem for p in gold_files(GOLD))
    assert (tmp_path / "ls" / "labelling-config.xml").is_file()
    export = write_json(tmp_path / "export.json", as_exported(tasks))
    assert cli.main(["annotate", "import", str(export), "--gold", str(tmp_path / "gold")]) == 0
    assert "wrote" in capsys.readouterr().out
    for original in gold_files(GOLD):
        assert (tmp_path / "gold" / original.name).read_bytes() == original.read_bytes(), original.name
    assert [p.name for p in gold_files(tmp_path / "gold")] == [p.name for p in gold_files(GOLD)]


def controls(config: str) -> dict[str, ET.Element]:
    return {element.get("name"): element for element in ET.fromstring(config).iter()
            if element.get("toName") == annotate.TEXT}


def test_the_configuration_declares_every_label_choice_and_control_the_tasks_use(corpus_docs, rules):
    declared = controls(annotate.labelling_config())
    tasks = gold_tasks() + [annotate.task(doc, rules(doc), model_version=rules.version)
                            for doc in corpus_docs]
    used = 0
    for task in tasks:
        for result in task["predictions"][0]["result"]:
            control = declared[result["from_name"]]
            assert control.tag == TAG_OF_TYPE[result["type"]] and result["to_name"] == annotate.TEXT
            assert control.get("perRegion") == ("true" if result["type"] != "labels" else None)
            options = {child.get("value") for child in control}
            for key in ("labels", "choices"):
                assert set(result["value"].get(key, [])) <= options, (result, options)
            start, end = result["value"]["start"], result["value"]["end"]
            if result["type"] == "labels":
                assert task["data"]["text"][start:end] == result["value"]["text"]
            used += 1
    assert used > 2000  # the whole gold set and the corpus's claims: a real check, not an empty one
    assert declared["quantity_type"].tag == "Labels"


def test_an_extractors_claims_are_pre_annotations_that_import_as_they_are(corpus_docs, rules):
    tasks = [annotate.task(doc, rules(doc), model_version=rules.version) for doc in corpus_docs]
    assert {t["predictions"][0]["model_version"] for t in tasks} == {rules.version}
    back = annotate.gold_from_export(as_exported(tasks))
    for doc in corpus_docs:
        expected = [to_gold_record(c.with_(extractor=None, confidence=None, sentence=None, rule_id=None))
                    for c in sorted(rules(doc), key=lambda c: (c.start, c.end))]
        assert [to_gold_record(c) for c in back[doc.doc_id]] == expected


def ninety(doc_id: str, result: list[dict]) -> list[dict]:
    """The annotator's edits: 65% moves to 2030; the 90% region is deleted and drawn anew with
    only its quantity type; 5∶3∶2 is ticked optional."""
    result = [r for r in result if r["id"] != "c512-515"]
    for r in result:
        if r["id"] == "c484-487" and r["from_name"] == "year":
            r["value"]["number"] = 2030
    result.append({"id": "hand-drawn", "from_name": "quantity_type", "to_name": "text", "type": "labels",
                   "value": {"start": 512, "end": 515, "text": "90%", "labels": ["percentage"]}})
    result.append({"id": "c421-426", "from_name": "optional", "to_name": "text", "type": "choices",
                   "value": {"start": 421, "end": 426, "text": "5∶3∶2", "choices": ["optional"]}})
    return result


def test_corrections_made_in_label_studio_come_back():
    original = {(c.start, c.end): c for c in load_gold(GOLD)[SANMING]}
    back = {(c.start, c.end): c for c in annotate.gold_from_export(
        as_exported(gold_tasks([SANMING]), ninety))[SANMING]}
    assert set(back) == set(original)
    assert back[(484, 487)] == original[(484, 487)].with_(year=2030)
    assert back[(421, 426)] == original[(421, 426)].with_(optional=True)
    # a hand-drawn region takes its value from the span and the contract's defaults
    assert back[(512, 515)] == Claim(doc_id=SANMING, start=512, end=515, text="90%", value=90,
                                     unit="%", quantity_type="percentage")
    unchanged = set(original) - {(484, 487), (421, 426), (512, 515)}
    for span in unchanged:  # notes too (they do not take part in claim equality)
        assert back[span] == original[span] and back[span].note == original[span].note


def one_region(change) -> list[dict]:
    tasks = gold_tasks([SANMING])

    def edit(doc_id, result):
        mine = [r for r in result if r["id"] == "c484-487"]
        change(mine)
        return mine
    return as_exported(tasks, edit)


def set_value(name, key, value):
    def change(results):
        for r in results:
            if r["from_name"] == name:
                r["value"][key] = value
    return change


@pytest.mark.parametrize(("change", "message"), [
    (set_value("quantity_type", "start", 485), "span [485:487] '65%' is not the document's '5%'"),
    (set_value("value", "text", ["六十五"]), "value '六十五' is not a number"),
    (set_value("quantity_type", "labels", ["percentage", "count"]), "should hold one value"),
    (set_value("unit", "choices", ["家"]), "unit '家' is not a percentage unit"),
    (set_value("year", "number", 2027.5), "year 2027.5 is not a whole number"),
    (lambda results: results.remove(results[0]), "fields without a quantity-type label"),
])
def test_a_bad_region_is_refused_naming_the_task_and_the_span(change, message):
    with pytest.raises(GoldError) as caught:
        annotate.gold_from_export(one_region(change), source="export.json")
    assert message in str(caught.value)
    assert f"export.json: task 1 ({SANMING})" in str(caught.value)


def test_a_count_drawn_without_a_unit_asks_for_one():
    def change(results):
        results[:] = [{"id": "x", "from_name": "quantity_type", "to_name": "text", "type": "labels",
                       "value": {"start": 2154, "end": 2156, "text": "3家", "labels": ["count"]}}]
    with pytest.raises(GoldError, match=r"\[2154:2156\] '3家': no unit chosen for a count"):
        annotate.gold_from_export(one_region(change))


def test_what_is_not_a_label_studio_json_export_is_refused(tmp_path):
    minimal = write_json(tmp_path / "min.json", [{"text": "…", "quantity_type": [{"start": 1}]}])
    with pytest.raises(GoldError, match="JSON-MIN"):
        annotate.read_export(minimal)
    with pytest.raises(GoldError, match="a list of tasks"):
        annotate.read_export(write_json(tmp_path / "obj.json", {"tasks": []}))


def test_unsubmitted_and_cancelled_tasks_are_left_out():
    exported = as_exported(gold_tasks())
    exported[0]["annotations"] = []
    exported[1]["annotations"][0]["was_cancelled"] = True
    back = annotate.gold_from_export(exported)
    assert sorted(back) == sorted(t["data"]["doc_id"] for t in exported[2:])


def test_the_gold_sets_checks_stop_an_import_and_nothing_is_written(tmp_path, capsys):
    def edit(doc_id, result):
        for r in result:
            if r["id"] == "c484-487" and r["from_name"] == "indicator":
                r["value"]["text"] = ["基层首诊率"]  # not in the document
        return result
    export = write_json(tmp_path / "export.json", as_exported(gold_tasks([SANMING]), edit))
    assert cli.main(["annotate", "import", str(export), "--gold", str(tmp_path / "gold")]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'gold' / SANMING}.jsonl:2: indicator '基层首诊率' is not verbatim" in err
    assert not (tmp_path / "gold").exists() or not any((tmp_path / "gold").iterdir())


def test_a_new_document_pre_annotated_corrected_and_imported_counts_in_the_next_evaluation(tmp_path):
    corpus, gold = tmp_path / "corpus", tmp_path / "gold"
    corpus.mkdir()
    text = ("三明市深化医药卫生体制改革实施方案\n力争到2027年，全市基层诊疗量占比达65%以上、"
            "县域内住院量占比达70%以上、县域内就诊率达90%以上。\n")
    (corpus / "900_new.txt").write_text(text, encoding="utf-8")
    tasks_file = tmp_path / "tasks.json"
    assert cli.main(["annotate", "export", str(corpus), "--output", str(tasks_file)]) == 0
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    regions = tasks[0]["predictions"][0]["result"]
    predicted = {r["value"]["text"] for r in regions if r["type"] == "labels"}
    assert predicted == {"65%", "70%", "90%"}

    def correct(doc_id, result):  # the annotator decides 90% is about 2030
        for r in result:
            if r["from_name"] == "year" and r["value"]["start"] == text.index("90%"):
                r["value"]["number"] = 2030
        return result
    export = write_json(tmp_path / "export.json", as_exported(tasks, correct))
    assert cli.main(["annotate", "import", str(export), "--gold", str(gold),
                     "--corpus", str(corpus)]) == 0
    scored = evaluate(extractors=["rules"], gold_dir=gold, corpus_dir=corpus, resamples=0)
    assert scored.documents == ["900_new"]
    result = scored.results[0]
    assert result.evaluation.score.gold == 3 and result.evaluation.score.f1 == 1.0
    assert [(e.kind, e.text, e.field, e.predicted, e.gold) for e in result.errors] == [
        ("wrong_field", "90%", "year", 2027, 2030)]
    assert registry.get("rules").version == tasks[0]["predictions"][0]["model_version"]


# ------------------------------------------------------------------ every format the readers accept

TITLE = "重庆市2023年深化医药卫生体制改革工作总结"


def _pdf(path: Path, paragraphs: list[str]) -> Path:
    from tests import fixtures_make as fx

    font = fx.cjk_font()
    if font is None:
        pytest.skip(fx.NO_FONT)
    return fx.write_pdf(path, paragraphs, title=TITLE, font=font)


def _writers():
    from tests import fixtures_make as fx

    return {
        ".txt": lambda path, paragraphs: fx.write_text(path, "\n".join([TITLE, *paragraphs]) + "\n"),
        ".md": lambda path, paragraphs: fx.write_markdown(path, paragraphs, title=TITLE),
        ".html": lambda path, paragraphs: fx.write_html(path, paragraphs, title=TITLE),
        ".docx": lambda path, paragraphs: fx.write_docx(path, paragraphs, title=TITLE),
        ".pdf": _pdf,
    }


def first_year_to_2030(doc_id: str, result: list[dict]) -> list[dict]:
    """The annotator's correction: the first claim with a year refers to 2030."""
    first = next(r["id"] for r in result if r["from_name"] == "year")
    for r in result:
        if r["id"] == first and r["from_name"] == "year":
            r["value"]["number"] = 2030
    return result


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".docx", ".pdf"])
def test_a_document_of_every_format_makes_the_round_trip_to_a_valid_gold_file(tmp_path, capsys, suffix):
    from tests import fixtures_make as fx

    corpus, gold = tmp_path / "corpus", tmp_path / "gold"
    corpus.mkdir()
    source = _writers()[suffix](corpus / f"plan{suffix}", [fx.corpus_paragraph(fx.CHONGQING)])
    stored_text = read_document(source).text
    tasks_file = tmp_path / "ls" / "tasks.json"
    assert cli.main(["annotate", "export", str(source), "--output", str(tasks_file)]) == 0
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert [t["data"]["text"] for t in tasks] == [stored_text]  # what the readers store, not the file
    export = write_json(tmp_path / "export.json", as_exported(tasks, first_year_to_2030))
    capsys.readouterr()
    assert cli.main(["annotate", "import", str(export), "--gold", str(gold), "--corpus", str(corpus)]) == 0
    assert cli.main(["validate-gold", "--gold", str(gold), "--corpus", str(corpus)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 problems"

    kept = gold / "documents" / "plan.txt"
    if suffix in (".txt", ".md"):  # the gold set reads these from corpus/ as they are
        assert not kept.exists()
    else:
        assert kept.read_bytes().decode("utf-8") == stored_text
    claims = load_gold(gold)["plan"]
    labelled = [r for r in tasks[0]["predictions"][0]["result"] if r["type"] == "labels"]
    assert [(c.start, c.end) for c in claims] == [(r["value"]["start"], r["value"]["end"]) for r in labelled]
    assert all(stored_text[c.start:c.end] == c.text for c in claims) and len(claims) >= 5
    scored = evaluate(extractors=["rules"], gold_dir=gold, corpus_dir=corpus, resamples=0)
    # indicator_strict aside: import trims white space around an indicator, which the rules
    # extractor can leave at a PDF line break ('个、\n')
    errors = [(e.kind, e.field, e.gold) for e in scored.results[0].errors if e.field != "indicator_strict"]
    assert errors == [("wrong_field", "year", 2030)]  # the correction, and nothing lost on the way


def test_a_task_whose_text_is_no_longer_the_stored_documents_is_refused(tmp_path, capsys):
    from tests import fixtures_make as fx

    corpus, gold = tmp_path / "corpus", tmp_path / "gold"
    corpus.mkdir()
    source = fx.write_docx(corpus / "plan.docx", [fx.corpus_paragraph(fx.CHONGQING)], title=TITLE)
    tasks_file = tmp_path / "tasks.json"
    assert cli.main(["annotate", "export", str(source), "--output", str(tasks_file)]) == 0
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    (gold / "documents").mkdir(parents=True)
    (gold / "documents" / "plan.txt").write_text("一份改过的文本", encoding="utf-8")
    export = write_json(tmp_path / "export.json", as_exported(tasks))
    assert cli.main(["annotate", "import", str(export), "--gold", str(gold), "--corpus", str(corpus)]) == 1
    err = capsys.readouterr().err
    assert f"{gold / 'documents' / 'plan.txt'}: its text is not the text of the task plan" in err
    assert not (gold / "plan.jsonl").exists()
