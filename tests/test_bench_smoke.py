"""The benchmark harness's functions on a tiny text: the shape of what they give, no timings."""
from __future__ import annotations

import doctest
import json

import pytest

from benchmarks import accuracy, adversarial, bench, corpus, endtoend, peers, report, throughput
from reform_facts.claim import Document
from reform_facts.errors import BenchmarkUnavailableError

SENTENCES = [  # from corpus/ (000, 003)
    "三明市2022年全市医疗服务收入占比达到43.1%，累计节约费用7721.4万元。",
    "全省基层诊疗量占比较上年度提升1.8个百分点，签约覆盖率50.28%。",
]


@pytest.fixture(scope="module")
def tiny_docs() -> list[Document]:
    return [Document.from_text(text, doc_id=f"tiny{i}", path=f"tiny{i}.txt")
            for i, text in enumerate(SENTENCES)]


@pytest.fixture(scope="module")
def gold_docs() -> list[Document]:
    return corpus.dev_documents()


@pytest.mark.parametrize("module", [corpus, peers, accuracy, report, endtoend, adversarial])
def test_doctests_of_the_harness(module):
    assert doctest.testmod(module).failed == 0


TABLE = "| 指标 | 2020年 | 2025年目标 |\n| --- | --- | --- |\n| 每千人口床位数(张) | 6.1 | 7.0 |\n"


def _sources(tmp_path):
    """Two prose documents, and written gold documents: a dev .md table, a dev .txt, a test one."""
    source, gold = tmp_path / "src", tmp_path / "gold"
    (gold / "documents").mkdir(parents=True)
    source.mkdir()
    for i, text in enumerate(SENTENCES):
        (source / f"d{i}.txt").write_text("标题\n2023年\n山东省\n" + "\n".join([text] * 20), encoding="utf-8")
    (gold / "documents" / "201_table.md").write_text(TABLE, encoding="utf-8")
    (gold / "documents" / "202_list.txt").write_text("单位：万元\n一、上年结余 | 1079.96 |\n", encoding="utf-8")
    (gold / "documents" / "203_sealed.txt").write_text("测试集文档 99%\n", encoding="utf-8")
    (gold / "split.json").write_text('{"test": ["203"], "dev": ["201", "202"]}', encoding="utf-8")
    return source, gold


def test_bench_corpus_mixes_prose_variants_and_whole_dev_tables_and_is_reused(tmp_path):
    source, gold = _sources(tmp_path)
    built = corpus.build(6000, source=source, gold=gold, cache=tmp_path / "cache")
    again = corpus.build(6000, source=source, gold=gold, cache=tmp_path / "cache")
    files = corpus.documents_in(built.folder)
    assert built.bytes >= 6000 and built.documents == len(files) == again.documents
    assert sum(len(f.read_bytes()) for f in files) == built.bytes
    assert {f.name.split("-v")[0] for f in files} == {"d0", "d1", "201_table", "202_list"}  # never 203
    tables = [f for f in files if f.name.startswith("201_table")]
    assert all(f.suffix == ".md" and f.read_text(encoding="utf-8").startswith(TABLE) for f in tables)
    assert built.table_documents == sum(1 for f in files if f.name[:3] in ("201", "202"))
    assert len({f.read_bytes() for f in files}) == len(files)  # no two copies alike
    assert [doc.doc_id for doc in corpus.load(built.folder)] == [f.stem for f in files]


def test_replicate_gives_n_documents_with_distinct_bytes(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(SENTENCES[0], encoding="utf-8")
    (folder / "b.md").write_text(TABLE, encoding="utf-8")
    copies = corpus.replicate(folder, 7, tmp_path / "copies")
    files = corpus.documents_in(copies.folder)
    assert copies.documents == len(files) == 7
    assert len({f.read_bytes() for f in files}) == 7
    assert [f.suffix for f in files] == [".txt", ".md"] * 3 + [".txt"]
    assert copies.characters == sum(len(f.read_text(encoding="utf-8")) for f in files)


@pytest.mark.parametrize("family", list(adversarial.FAMILIES))
def test_adversarial_families_reach_their_size_the_same_way_every_time(family):
    make = adversarial.FAMILIES[family]
    for size in (adversarial.BASE_BYTES, 2 * adversarial.BASE_BYTES):
        text = make(size)
        assert size <= len(text.encode("utf-8")) < size + 2000
        assert text == make(size)


def test_adversarial_call_without_answer_in_time_ends_the_child_and_skips_larger_sizes():
    # a call is repeated for at least MIN_TOTAL_S, so no answer can come within a tenth of it
    measured = adversarial.measure_extractor("rules", adversarial.MIN_TOTAL_S / 10, families=[adversarial.NORMAL])
    row = measured["families"][adversarial.NORMAL]
    assert [run["status"] for run in row["runs"]] == ["timed out", "not run", "not run", "not run"]
    assert row["flagged"] is True


def test_adversarial_measures_every_size_and_reports_a_missing_extractor():
    measured = adversarial.measure_extractor("rules", 120, families=[adversarial.NORMAL])
    row = measured["families"][adversarial.NORMAL]
    assert [run["factor"] for run in row["runs"]] == list(adversarial.FACTORS)
    assert all(run["seconds"] > 0 and run["claims"] > 0 for run in row["runs"])
    assert len(row["doublings"]) == len(adversarial.FACTORS) - 1 and row["over_normal"] == 1.0
    missing = adversarial.measure_extractor("no-such-extractor", 120, families=[adversarial.NORMAL])
    assert missing["status"] == "not available" and "no-such-extractor" in missing["reason"]


@pytest.mark.parametrize("name", ["regex-floor", "rules"])
def test_measure_gives_throughput_memory_and_scorable_output(name, tiny_docs, gold_docs):
    result = throughput.measure(name, tiny_docs, gold_docs, runs=2)
    assert result["status"] == "ok" and len(result["seconds"]) == 2
    assert result["characters"] == sum(len(doc.text) for doc in tiny_docs)
    assert result["rss_peak_mib"] >= result["rss_loaded_mib"] > 0
    assert set(result["gold_output"]) == {doc.doc_id for doc in gold_docs}
    json.dumps(result)  # what the child process writes
    rows = accuracy.table([result])
    assert [row["name"] for row in rows] == [name]
    assert set(rows[0]["scores"]) == set(accuracy.GROUPS)
    assert all(0 <= s["precision"] <= 1 and 0 <= s["recall"] <= 1 for s in rows[0]["scores"].values())


def test_interleaved_takes_passes_in_turns_and_reports_a_missing_tool(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(SENTENCES):
        (folder / f"d{i}.txt").write_text(text, encoding="utf-8")
    said: list[str] = []
    results = throughput.interleaved(["regex-floor", "no-such-extractor", "rules"], folder, 2,
                                     tmp_path, progress=said.append)
    floor, missing, rules = results
    assert [r["name"] for r in results] == ["regex-floor", "no-such-extractor", "rules"]
    assert floor["status"] == rules["status"] == "ok" and len(floor["seconds"]) == len(rules["seconds"]) == 2
    assert floor["characters"] == sum(len(text) for text in SENTENCES)
    assert set(rules["gold_output"]) == {doc.doc_id for doc in corpus.dev_documents()}
    assert missing["status"] == "not available" and "not in reform_facts.extractors.registry" in missing["reason"]
    # pass k of every tool comes before pass k + 1 of any
    rounds = [line.split(":")[0] for line in said if line.startswith("round")]
    assert rounds == ["round 1/2", "round 1/2", "round 2/2", "round 2/2"]


def test_an_extractor_not_built_is_not_available(tiny_docs):
    with pytest.raises(BenchmarkUnavailableError, match="not in reform_facts.extractors.registry"):
        throughput.measure("no-such-extractor", tiny_docs, tiny_docs, runs=1)


MACHINE = {"when": "now", "cpu": "cpu", "cores": 2, "memory_gib": 24, "os": "Linux", "python": "3.11",
           "commit": "abc", "load_average_start": [0, 0, 0]}
CORPUS = {"folder": "f", "documents": 2, "bytes": 10, "characters": 5, "table_documents": 1,
          "table_characters": 2}


def test_report_shows_measured_and_missing_parts(tiny_docs, gold_docs):
    measured = throughput.measure("regex-floor", tiny_docs, gold_docs, runs=1)
    rules = throughput.measure("rules", tiny_docs, gold_docs, runs=1)
    missing = throughput.unavailable("spacy", "extractor 'spacy' is not in reform_facts.extractors.registry")
    rows = [measured, rules, missing]
    results = {
        "machine": MACHINE, "corpus": CORPUS,
        "throughput": rows, "ratios": report.ratios(rows), "accuracy": accuracy.table(rows),
        "end_to_end": {"status": "not available", "reason": "no --db"},
    }
    text = report.markdown(results)
    assert "not available: extractor 'spacy'" in text and "not available: no --db" in text
    assert "**" in text  # the bounding floor of rules is marked
    assert [r["reference"] for r in results["ratios"]] == ["regex-floor"]
    # the floors only: no race against peers, no kept-server targets
    assert [row[0] for row in report.checks(results)] == [
        "rule extractor throughput (wall)", "spaCy time over bare pkuseg segmentation",
        "peak memory of the main flow (process tree)"]
    assert "keep-server" not in text


def _family(*seconds, status=None):
    runs = [{"factor": f, "seconds": s} for f, s in zip(adversarial.FACTORS, seconds)]
    if status:
        runs.append({"factor": adversarial.FACTORS[len(runs)], "status": status, "limit_s": 30})
    return adversarial.summarise(runs)


@pytest.mark.parametrize("families, met, measured", [
    ({"normal text": _family(0.1, 0.2, 0.4, 0.8), "column": _family(0.1, 0.21, 0.45, 0.9)}, "yes", "2.14 (rules, column)"),
    ({"normal text": _family(0.1, 0.2, 0.4, 0.8), "column": _family(0.1, 0.4, 1.6, 6.4)}, "no", "4.00 (rules, column)"),
    ({"normal text": _family(0.1, 0.2, 0.4, 0.8), "digits": _family(1.0, status="timed out")}, "no",
     "timed out or failed (rules, digits)"),
])
def test_report_flags_an_adversarial_family_above_the_limit(families, met, measured):
    results = {"machine": MACHINE, "corpus": CORPUS, "adversarial": {
        "base_bytes": 10240, "factors": list(adversarial.FACTORS), "timeout_s": 30, "limit": 2.5,
        "extractors": {"rules": {"status": "ok", "families": families},
                       "spacy": {"status": "not available", "reason": "no pipeline"}}}}
    row = next(r for r in report.checks(results) if r[0].startswith("adversarial"))
    assert row[2:] == [measured, met]
    text = report.markdown(results)
    assert ("**flagged**" in text) == (met == "no") and "not available: no pipeline" in text


def test_report_sets_the_scale_run_beside_the_hundred_documents():
    runs = [{"status": "ok", "documents": n, "characters": 10 * n, "seconds": s, "documents_per_s": n / s,
             "peak_rss_mib": m, "peak_tree_rss_mib": m + 200, "cache": "loaded"}
            for n, s, m in ((100, 20.0, 400), (10000, 900.0, 700))]
    results = {"machine": MACHINE, "corpus": CORPUS, "scale": {
        "status": "ok", "documents": 10000, "extractors": "rules", "runs": runs, "memory_ratio": 1.5,
        "bench_command": "x"}}
    assert report.checks(results)[-1] == ["scale: peak memory of 10 000 documents over 100", "<= 1.5", "1.50", "yes"]
    assert "### Scale" in report.markdown(results)
    results["scale"]["killed"] = {"status": "ok", "pairs": 2000, "cached_at_kill": 1000, "rerun_from_cache": 1010,
                                  "runs": 1, "documents": 1000, "runs_after_kill": 0, "documents_copied": 1000,
                                  "killed_after_s": 30.0, "rerun": {"seconds": 40.0}}
    assert report.checks(results)[-2][2:] == ["1 010 >= 1 000, 1 run", "yes"]
    assert "took 1 010 extractions from the cache" in report.markdown(results)
    results["scale"]["killed"] |= {"status": "failed", "reason": "the warehouse holds 2 runs, not one"}
    assert report.checks(results)[-2][2:] == ["failed: the warehouse holds 2 runs, not one", "no"]


@pytest.mark.slow
def test_scale_runs_the_main_flow_over_n_copies_beside_the_base(tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(SENTENCES):
        (folder / f"d{i}.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr(bench, "SCALE_BASE", 2)
    monkeypatch.setattr(bench, "LOGS", tmp_path / "logs")
    result = bench.run_scale(folder, 3, ["rules"])
    assert all(run["status"] == "ok" for run in result["runs"]), result.get("reason")
    assert [run["documents"] for run in result["runs"]] == [2, 3]
    assert all(run["peak_tree_rss_mib"] > 0 for run in result["runs"]) and result["memory_ratio"] > 0
    # three tiny documents are extracted before the first run can be killed; the step runs all the same
    killed = result["killed"]
    assert killed["pairs"] == 3 and killed["rerun"]["status"] == "ok" and killed["runs"] == 1
