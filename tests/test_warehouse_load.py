"""Loading runs: idempotent, atomic, replacing changed documents; codes, roll-up and provenance.

Every load here is of the bundled corpus as the rule extractor reads it."""
from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from reform_facts.extractors import registry
from reform_facts.claim import Document
from reform_facts.errors import WarehouseError
from reform_facts.readers import Failure
from reform_facts.warehouse import load as load_module
from reform_facts.warehouse.indicators import load_canonical
from reform_facts.warehouse.load import ExtractionResult, load_run

STARTED = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def corpus_results(corpus_docs, rules) -> list[ExtractionResult]:
    return [ExtractionResult(doc.doc_id, rules.name, rules.version, rules(doc)) for doc in corpus_docs]


def load(db: Path, run_id: str, documents, results, failures=(), **options):
    return load_run(db, run_id=run_id, documents=list(documents), results=list(results),
                    failures=list(failures), started_at=STARTED, parameters={"paths": ["corpus"]}, **options)


def rows(db: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def snapshot(db: Path, *, skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table, in a fixed order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
                  if name not in skip]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def loaded_once(tmp_path_factory, corpus_docs, corpus_results) -> Path:
    db = tmp_path_factory.mktemp("warehouse") / "w.duckdb"
    load(db, "run-1", corpus_docs, corpus_results)
    return db


@pytest.fixture
def loaded(tmp_path, loaded_once) -> Path:
    """A warehouse holding one load of the corpus (a copy of one made once per module)."""
    db = tmp_path / "w.duckdb"
    shutil.copy(loaded_once, db)
    return db


def as_extractor(claims, name: str) -> list:
    """The same claims as another extractor's: a stand-in where a test needs a second reading."""
    return [claim.with_(extractor=name) for claim in claims]


def changed_document(doc: Document, addition: str) -> Document:
    changed = Document.from_text(doc.text + addition, doc_id=doc.doc_id, path=doc.path)
    return registry.describe(changed)


def test_first_load_stores_documents_claims_and_the_run(loaded, corpus_docs, corpus_results):
    assert rows(loaded, "SELECT count(*) FROM documents") == [(len(corpus_docs),)]
    assert rows(loaded, "SELECT count(*) FROM claims") == [(sum(len(r.claims) for r in corpus_results),)]
    stated = {doc.doc_id: (doc.sha256, doc.title, doc.year, doc.region, doc.region_code) for doc in corpus_docs}
    stored = {row[0]: row[1:] for row in rows(
        loaded, "SELECT doc_id, sha256, title, year, region, region_code FROM documents")}
    assert stored == stated
    assert rows(loaded, "SELECT run_id, documents, claims, claims_written, failures FROM runs") == [
        ("run-1", len(corpus_docs), sum(len(r.claims) for r in corpus_results),
         sum(len(r.claims) for r in corpus_results), 0)]


def test_a_second_load_of_the_same_documents_changes_nothing_but_runs(loaded, corpus_docs, corpus_results):
    before = snapshot(loaded, skip=("runs",))
    summary = load(loaded, "run-2", reversed(corpus_docs), reversed(corpus_results))
    assert snapshot(loaded, skip=("runs",)) == before
    assert rows(loaded, "SELECT run_id, claims_written, replaced_documents FROM runs ORDER BY run_id") == [
        ("run-1", sum(len(r.claims) for r in corpus_results), 0), ("run-2", 0, 0)]
    assert (summary.documents, summary.claims, summary.replaced_documents) == (
        len(corpus_docs), sum(len(r.claims) for r in corpus_results), 0)


def test_a_changed_document_has_its_old_claims_replaced(loaded, corpus_docs, corpus_results, rules):
    old = corpus_docs[1]
    new = changed_document(old, "\n2024年，全市基层诊疗量占比达到60%。")
    new_claims = rules(new)
    others = snapshot(loaded)["claims"]
    results = [r for r in corpus_results if r.doc_id != old.doc_id]
    summary = load(loaded, "run-2", [new], [ExtractionResult(new.doc_id, rules.name, rules.version, new_claims)])

    assert summary.replaced_documents == 1
    assert rows(loaded, "SELECT sha256, run_id FROM documents WHERE doc_id = ?", [old.doc_id]) == [(new.sha256, "run-2")]
    stored = rows(loaded, "SELECT start, \"end\", value, indicator_code, run_id FROM claims WHERE doc_id = ? "
                          "ORDER BY start", [old.doc_id])
    assert stored == [(c.start, c.end, c.value, load_canonical().code_for(c.indicator), "run-2") for c in new_claims]
    at = new.text.rindex("60%")
    assert (at, at + 3, 60.0, "primary_care_visit_share", "run-2") in stored  # the added figure
    # the other documents' claims are untouched
    untouched = [row for row in snapshot(loaded)["claims"] if row[1] != old.doc_id]
    assert untouched == [row for row in others if row[1] != old.doc_id]
    assert len(untouched) == sum(len(r.claims) for r in results)


def test_a_changed_document_loses_the_claims_of_extractors_that_did_not_read_it_again(
        loaded, corpus_docs, corpus_results, rules):
    doc = corpus_docs[0]
    rules_result = next(r for r in corpus_results if r.doc_id == doc.doc_id)
    load(loaded, "run-2", [doc], [ExtractionResult(doc.doc_id, "spacy", "spacy-test", as_extractor(rules_result.claims, "spacy"))])
    assert rows(loaded, "SELECT count(*) FROM claims WHERE extractor = 'spacy'") == [(len(rules_result.claims),)]
    new = changed_document(doc, "\n新增床位200张。")
    load(loaded, "run-3", [new], [ExtractionResult(new.doc_id, rules.name, rules.version, rules(new))])
    assert rows(loaded, "SELECT count(*) FROM claims WHERE extractor = 'spacy'") == [(0,)]
    assert rows(loaded, "SELECT extractor FROM extractions WHERE doc_id = ?", [doc.doc_id]) == [("rules",)]


def test_a_crash_mid_load_leaves_the_previous_state(loaded, corpus_docs, rules, monkeypatch):
    before = snapshot(loaded)
    new = changed_document(corpus_docs[2], "\n2025年，住院次均费用下降5%。")

    def crash(*args, **kwargs):
        raise RuntimeError("the machine stopped here")

    # documents and claims are written by then, inside the transaction
    monkeypatch.setattr(load_module, "_write_run", crash)
    with pytest.raises(RuntimeError, match="stopped here"):
        load(loaded, "run-2", [new], [ExtractionResult(new.doc_id, rules.name, rules.version, rules(new))])
    assert snapshot(loaded) == before


def test_a_new_extractor_version_rewrites_its_claims_with_the_same_ids(loaded, corpus_docs, corpus_results):
    ids = rows(loaded, "SELECT claim_id FROM claims ORDER BY 1")
    bumped = [ExtractionResult(r.doc_id, r.extractor, r.version + "-next", r.claims) for r in corpus_results]
    load(loaded, "run-2", corpus_docs, bumped)
    assert rows(loaded, "SELECT claim_id FROM claims ORDER BY 1") == ids
    assert rows(loaded, "SELECT DISTINCT extractor_version, run_id FROM claims") == [
        (corpus_results[0].version + "-next", "run-2")]


def test_claim_ids_are_the_documented_hash(loaded, corpus_docs, corpus_results):
    doc = corpus_docs[0]
    claim = next(r for r in corpus_results if r.doc_id == doc.doc_id).claims[0]
    expected = hashlib.sha256(f"{doc.doc_id}:{doc.sha256}:rules:{claim.start}:{claim.end}".encode()).hexdigest()[:16]
    assert rows(loaded, "SELECT claim_id FROM claims WHERE doc_id = ? AND start = ?",
                [doc.doc_id, claim.start]) == [(expected,)]


def test_every_claim_keeps_its_contract_fields_and_rule(loaded, corpus_results):
    stored = {(row[0], row[1]): row[2:] for row in rows(loaded, """SELECT doc_id, start, "end", text, value,
        value_max, unit, quantity_type, comparator, indicator, region, region_code, year, kind,
        confidence, sentence, rule_id, indicator_code FROM claims""")}
    canonical = load_canonical()
    for result in corpus_results:
        for c in result.claims:
            assert stored[(c.doc_id, c.start)] == (
                c.end, c.text, c.value, c.value_max, c.unit, str(c.quantity_type), str(c.comparator),
                c.indicator, c.region, c.region_code, c.year, str(c.kind), c.confidence, c.sentence,
                c.rule_id, canonical.code_for(c.indicator, c.unit))
    assert rows(loaded, "SELECT count(*) FROM claims WHERE rule_id IS NULL") == [(0,)]
    assert rows(loaded, "SELECT count(*) FROM claims WHERE indicator_code IS NOT NULL")[0][0] > 0


def test_a_changed_indicator_list_recodes_stored_claims(loaded, corpus_docs, corpus_results, tmp_path, monkeypatch):
    from reform_facts.warehouse.indicators import CANONICAL_FILE

    phrase = "务实措施"  # a phrase of the corpus that no canonical indicator covers (出台26项务实措施)
    assert rows(loaded, "SELECT count(*) FROM claims WHERE indicator = ?", [phrase])[0][0] > 0
    extended = tmp_path / "indicators_canonical.yaml"
    text = CANONICAL_FILE.read_text(encoding="utf-8")
    at = text.index("\nbare_phrases:")  # the indicator list ends where the bare phrases begin
    extended.write_text(text[:at] + """
  - code: reform_measures
    name: 务实措施
    name_en: practical reform measures issued
    quantity_type: count
    aliases: ["务实措施数"]
""" + text[at:], encoding="utf-8")
    monkeypatch.setattr(load_module, "load_canonical", lambda: load_canonical(extended))
    load(loaded, "run-2", corpus_docs, corpus_results)
    assert rows(loaded, "SELECT DISTINCT indicator_code FROM claims WHERE indicator = ?", [phrase]) == [
        ("reform_measures",)]
    assert rows(loaded, "SELECT count(*) FROM indicators WHERE code = 'reform_measures'") == [(1,)]


def test_failures_are_recorded_with_file_and_reason(tmp_path, corpus_docs, corpus_results):
    db = tmp_path / "w.duckdb"
    failures = [Failure("inbox/scan.pdf", "PDF has no text layer (scanned?); OCR it first"),
                Failure("inbox/empty.txt", "empty file")]
    summary = load(db, "run-1", corpus_docs, corpus_results, failures)
    assert summary.failures == 2
    assert rows(db, "SELECT path, reason FROM run_failures ORDER BY path") == sorted(
        (f.path, f.reason) for f in failures)
    assert rows(db, "SELECT failures FROM runs") == [(2,)]


def test_results_for_an_unknown_document_are_refused_and_nothing_is_written(tmp_path, corpus_docs, corpus_results):
    db = tmp_path / "w.duckdb"
    with pytest.raises(WarehouseError, match="neither in this load's documents nor stored"):
        load(db, "run-1", corpus_docs[1:], corpus_results)
    assert rows(db, "SELECT count(*) FROM documents") == [(0,)]


def test_two_claims_for_one_span_are_refused(tmp_path, corpus_docs, corpus_results):
    db = tmp_path / "w.duckdb"
    first = corpus_results[0]
    doubled = ExtractionResult(first.doc_id, first.extractor, first.version, first.claims + first.claims[:1])
    with pytest.raises(WarehouseError, match="two claims for the span"):
        load(db, "run-1", corpus_docs, [doubled, *corpus_results[1:]])


def test_the_parameters_and_start_time_are_recorded(loaded):
    assert rows(loaded, "SELECT parameters::VARCHAR, started_at FROM runs") == [
        ('{"paths": ["corpus"]}', datetime(2024, 5, 1, 8, 0))]


def test_regions_hold_every_division_and_roll_a_county_up_to_its_province(loaded):
    from reform_facts.extractors.regions import Gazetteer
    from reform_facts.rulebook import load_rulebook

    assert rows(loaded, "SELECT count(*) FROM regions") == [(len(Gazetteer(load_rulebook().regions).by_code),)]
    assert rows(loaded, """SELECT name, county_name, prefecture_name, province_name FROM region_hierarchy
                           WHERE code = '420111'""") == [("洪山区", "洪山区", "武汉市", "湖北省")]
    assert rows(loaded, "SELECT name, level, parent_code FROM regions WHERE code IN ('420111', '420100', '420000') "
                        "ORDER BY code") == [("湖北省", "province", "100000"), ("武汉市", "prefecture", "420000"),
                                             ("洪山区", "county", "420100")]
    # every region a claim names is a division of the table, so every fact rolls up
    assert rows(loaded, """SELECT count(*) FROM claims c LEFT JOIN regions r ON r.code = c.region_code
                           WHERE c.region_code IS NOT NULL AND r.code IS NULL""") == [(0,)]
    assert rows(loaded, "SELECT DISTINCT province_name FROM facts WHERE region = '洪山区'") == [("湖北省",)]


def test_facts_show_the_preferred_extractor_of_each_document(loaded, corpus_docs, corpus_results):
    first, second = corpus_docs[0], corpus_docs[1]
    first_claims = next(r for r in corpus_results if r.doc_id == first.doc_id).claims
    load(loaded, "run-2", [first, second], [
        ExtractionResult(first.doc_id, "spacy", "spacy-test", as_extractor(first_claims[:3], "spacy")),
        ExtractionResult(second.doc_id, "hybrid", "hybrid-test", [])])  # found nothing: not preferred
    chosen = dict(rows(loaded, "SELECT doc_id, any_value(extractor) FROM facts GROUP BY doc_id"))
    assert chosen[first.doc_id] == "spacy"
    assert chosen[second.doc_id] == "rules"
    assert rows(loaded, "SELECT count(*) FROM facts WHERE doc_id = ?", [first.doc_id]) == [(3,)]
    assert rows(loaded, "SELECT count(DISTINCT extractor) FROM facts WHERE doc_id <> ?", [first.doc_id]) == [(1,)]


def test_two_files_with_the_same_bytes_are_two_documents(loaded, corpus_docs, corpus_results):
    doc = corpus_docs[0]
    copy = Document(doc_id=doc.doc_id + "-copy", path=doc.path.replace(".txt", "-copy.txt"), sha256=doc.sha256,
                    text=doc.text, title=doc.title, year=doc.year, region=doc.region, region_code=doc.region_code)
    claims = [c.with_(doc_id=copy.doc_id) for c in next(r for r in corpus_results if r.doc_id == doc.doc_id).claims]
    load(loaded, "run-2", [copy], [ExtractionResult(copy.doc_id, "rules", corpus_results[0].version, claims)])
    assert rows(loaded, "SELECT count(DISTINCT claim_id), count(*) FROM claims WHERE doc_id IN (?, ?)",
                [doc.doc_id, copy.doc_id]) == [(2 * len(claims), 2 * len(claims))]


def test_every_stored_span_is_the_slice_of_its_stored_document(loaded):
    assert rows(loaded, """SELECT count(*) FROM claims c JOIN documents d ON d.doc_id = c.doc_id
                           WHERE substr(d.text, c.start + 1, c."end" - c.start) <> c.text""") == [(0,)]
    assert rows(loaded, "SELECT count(*) FROM claims c ANTI JOIN documents d ON d.doc_id = c.doc_id") == [(0,)]
