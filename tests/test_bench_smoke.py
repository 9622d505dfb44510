"""The benchmark harness's functions on a tiny text: the shape of what they give, no timings."""
from __future__ import annotations

import doctest
import json

import pytest

from benchmarks import accuracy, corpus, endtoend, peers, report, throughput
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
    return corpus.load(corpus.SOURCE)


@pytest.mark.parametrize("module", [corpus, peers, accuracy, report, endtoend])
def test_doctests_of_the_harness(module):
    assert doctest.testmod(module).failed == 0


def test_scaled_corpus_reaches_its_size_and_is_reused(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for i, text in enumerate(SENTENCES):
        (source / f"d{i}.txt").write_text("标题\n2023年\n山东省\n" + "\n".join([text] * 20), encoding="utf-8")
    built = corpus.build(4000, source=source, cache=tmp_path / "cache")
    again = corpus.build(4000, source=source, cache=tmp_path / "cache")
    files = sorted(built.folder.glob("*.txt"))
    assert built.bytes >= 4000 and built.documents == len(files) == again.documents
    assert sum(len(f.read_bytes()) for f in files) == built.bytes
    assert {f.name.split("-v")[0] for f in files} == {"d0", "d1"}


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
    assert set(rules["gold_output"]) == {doc.doc_id for doc in corpus.load(corpus.SOURCE)}
    assert missing["status"] == "not available" and "not in reform_facts.extractors.registry" in missing["reason"]
    # pass k of every tool comes before pass k + 1 of any
    rounds = [line.split(":")[0] for line in said if line.startswith("round")]
    assert rounds == ["round 1/2", "round 1/2", "round 2/2", "round 2/2"]


def test_an_extractor_not_built_is_not_available(tiny_docs):
    with pytest.raises(BenchmarkUnavailableError, match="not in reform_facts.extractors.registry"):
        throughput.measure("no-such-extractor", tiny_docs, tiny_docs, runs=1)


def test_report_shows_measured_and_missing_parts(tiny_docs, gold_docs):
    measured = throughput.measure("regex-floor", tiny_docs, gold_docs, runs=1)
    rules = throughput.measure("rules", tiny_docs, gold_docs, runs=1)
    missing = throughput.unavailable("spacy", "extractor 'spacy' is not in reform_facts.extractors.registry")
    rows = [measured, rules, missing]
    results = {
        "machine": {"when": "now", "cpu": "cpu", "cores": 2, "memory_gib": 24, "os": "Linux",
                    "python": "3.11", "commit": "abc", "load_average_start": [0, 0, 0]},
        "corpus": {"folder": "f", "documents": 2, "bytes": 10, "characters": 5},
        "throughput": rows, "ratios": report.ratios(rows), "accuracy": accuracy.table(rows),
        "end_to_end": {"status": "not available", "reason": "no --db"},
    }
    text = report.markdown(results)
    assert "not available: extractor 'spacy'" in text and "not available: no --db" in text
    assert "**" in text  # the bounding floor of rules is marked
    assert [r["reference"] for r in results["ratios"]] == ["regex-floor"]
    assert [row[0] for row in report.checks(results)][0] == "rule extractor throughput (wall)"
