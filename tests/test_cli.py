"""The `reform-facts` command as a user runs it: JSON lines out, exit status, errors on stderr."""
from __future__ import annotations

import json
import subprocess
import sys

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import CONTRACT_FIELDS, EXTRACTOR_FIELDS
from reform_facts.gold import gold_files

CLI = [sys.executable, "-m", "reform_facts.pipeline.cli"]


def run(*args, cwd=ROOT):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_extract_prints_one_claim_a_line_with_every_field(tmp_path):
    doc = tmp_path / "plan.txt"
    doc.write_text("三明市深化医药卫生体制改革实施方案\n力争到2027年，全市基层诊疗量占比达65%以上。", encoding="utf-8")
    result = run("extract", str(doc))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    claim = json.loads(lines[0])
    assert list(claim) == list(CONTRACT_FIELDS + EXTRACTOR_FIELDS)
    assert claim["text"] == "65%" and claim["comparator"] == ">=" and claim["region_code"] == "350400"
    assert "三明市" in lines[0]  # non-ASCII text unescaped


def test_a_bad_file_is_named_and_the_others_still_printed(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("签约覆盖率50.28%", encoding="utf-8")
    empty = tmp_path / "b.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "c.txt"
    binary.write_bytes(b"\x00\x01\x02\xff" * 100)
    result = run("extract", str(tmp_path), str(tmp_path / "missing.md"))
    assert result.returncode != 0
    assert len(result.stdout.splitlines()) == 1
    errors = result.stderr.splitlines()
    assert any("b.txt" in e and "empty" in e for e in errors)
    assert any("c.txt" in e and "binary" in e for e in errors)
    assert any("missing.md" in e and "no such file" in e for e in errors)
    assert all(len(e.splitlines()) == 1 for e in errors)


def test_unknown_extractor_lists_the_known_ones(tmp_path):
    result = run("extract", str(ROOT / "corpus"), "--extractor", "nope")
    assert result.returncode == 2
    assert "unknown extractor 'nope'" in result.stderr and "rules" in result.stderr


def test_extract_reads_the_whole_corpus():
    result = run("extract", "corpus/")
    assert result.returncode == 0, result.stderr
    doc_ids = {json.loads(line)["doc_id"] for line in result.stdout.splitlines()}
    assert doc_ids == {p.stem for p in (ROOT / "corpus").glob("*.txt")}


def test_evaluate_json_has_scores_and_errors():
    result = run("evaluate", "--extractor", "rules", "--json", "--errors", "--bootstrap", "50")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rules = data["extractors"][0]
    assert rules["name"] == "rules" and 0 < rules["scores"]["f1"] <= 1
    assert {"false_positive", "miss", "wrong_field"} >= {e["kind"] for e in rules["errors"]}
    assert data["split"] == "dev"
    assert set(data["documents"]) == {path.stem for path in gold_files(ROOT / "gold", "dev")}
