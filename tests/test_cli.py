"""The `reform-facts` command as a user runs it: JSON lines out, exit status, errors on stderr."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

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


# --- version, help, exit statuses ----------------------------------------------------------------

def test_version_prints_the_package_version_and_each_extractors():
    from importlib import metadata

    from reform_facts.extractors import registry

    result = run("--version")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"reform-facts {metadata.version('reform-facts')}"
    assert [line.split() for line in lines[1:]] == [[name, registry.version(name)] for name in registry.names()]


NESTED = {"annotate": ["export", "import"]}  # commands with steps, each with its own options


def help_pages():
    from reform_facts.pipeline.cli import command_parsers

    for name in command_parsers():
        for step in NESTED.get(name, [None]):
            yield [name] if step is None else [name, step]


def undocumented(help_text: str) -> list[str]:
    """The arguments of a --help page that have no help text (the page printed one a line)."""
    lines = help_text.splitlines()
    missing, listing = [], False
    for number, line in enumerate(lines):
        if line.endswith(":") and not line.startswith(" "):  # "options:", "positional arguments:"
            listing = line in ("options:", "positional arguments:")
            continue
        if not listing or not re.match(r"  \S", line):
            continue
        invocation, _, text = line.strip().partition("  ")
        follows = number + 1 < len(lines) and re.match(r" {3,}\S", lines[number + 1])
        if not text.strip() and not follows:
            missing.append(invocation)
    return missing


@pytest.mark.parametrize("words", list(help_pages()), ids=" ".join)
def test_every_option_has_help_text_and_the_help_ends_with_the_exit_statuses(words):
    from reform_facts.pipeline.cli import EXIT_CODES

    result = subprocess.run([*CLI, *words, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, "COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    assert undocumented(result.stdout) == []
    if len(words) == 1:
        statuses = result.stdout.split("exit status:\n")[1]
        assert [line.split()[0] for line in statuses.splitlines()] == [str(c) for c in EXIT_CODES[words[0]]]


def test_the_help_checker_finds_an_option_without_help():
    page = "usage: x\n\noptions:\n  -h, --help  show this help\n  --force\n  --task-runner {a,b}\n" \
           "                        where tasks run\n"
    assert undocumented(page) == ["--force"]


def test_docs_cli_lists_every_commands_exit_statuses_as_its_help_does():
    from reform_facts.pipeline.cli import EXIT_CODES, command_parsers

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = {}
    for section in text.split("\n### `")[1:]:
        name = section.split("`")[0]
        documented[name] = {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \| (.+) \|$", section, re.M)}
    assert documented == EXIT_CODES
    assert set(EXIT_CODES) == set(command_parsers())  # every command has its statuses


def test_top_level_help_is_for_users():
    result = run("--help")
    assert result.returncode == 0 and "The only module that prints" not in result.stdout


# --- standard input, duplicate ids ---------------------------------------------------------------

def run_stdin(data: bytes, *args):
    return subprocess.run([*CLI, *args], input=data, capture_output=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("args, doc_id", [(["-"], "stdin"), (["-", "--doc-id", "plan"], "plan")])
def test_extract_dash_reads_a_document_from_standard_input(args, doc_id):
    result = run_stdin("力争到2027年，三明市基层诊疗量占比达65%以上。".encode("gb18030"), "extract", *args)
    assert result.returncode == 0, result.stderr.decode()
    (claim,) = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert (claim["doc_id"], claim["text"], claim["region_code"]) == (doc_id, "65%", "350400")


def test_extract_dash_refuses_empty_input_and_doc_id_needs_dash(tmp_path):
    empty = run_stdin(b"\n", "extract", "-")
    assert empty.returncode == 1 and empty.stderr.decode() == "reform-facts: <stdin>: empty: no text\n"
    (tmp_path / "a.txt").write_text("签约覆盖率50.28%", encoding="utf-8")
    stray = run("extract", str(tmp_path / "a.txt"), "--doc-id", "plan")
    assert stray.returncode == 2 and "--doc-id" in stray.stderr


def write_docx(path, text):
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    document.save(path)


def test_extract_refuses_a_second_file_of_the_same_id_naming_both_and_reads_the_others(tmp_path):
    (tmp_path / "plan.txt").write_text("签约覆盖率50.28%", encoding="utf-8")
    (tmp_path / "plan.html").write_text("<p>签约覆盖率50.28%</p>", encoding="utf-8")
    write_docx(tmp_path / "plan.docx", "签约覆盖率50.28%")
    (tmp_path / "other.txt").write_text("基层诊疗量占比65%", encoding="utf-8")
    result = run("extract", str(tmp_path))
    assert result.returncode == 1
    assert sorted(json.loads(line)["doc_id"] for line in result.stdout.splitlines()) == ["other", "plan"]
    first = tmp_path / "plan.docx"  # path order: .docx < .html < .txt
    assert result.stderr.splitlines() == [
        f"reform-facts: {tmp_path / 'plan.html'}: same document id 'plan' as {first}",
        f"reform-facts: {tmp_path / 'plan.txt'}: same document id 'plan' as {first}"]


# --- run's progress bars -------------------------------------------------------------------------

def test_the_progress_bars_count_each_item_once_whoever_reports_it():
    import io

    from reform_facts.pipeline.cli import Bars

    stream = io.StringIO()
    bars = Bars(stream, enabled=True)
    bars.begin("read", 2)
    bars.done("read", "a.txt")
    bars.begin("extract", 4)
    for item in [("a", "rules"), ("a", "rules"), ("b", "rules")]:  # the task and then its flow
        bars.done("extract", item)
    bars.done("other stage", "x")  # not begun: ignored
    assert (bars.bars["read"].n, bars.bars["extract"].n) == (1, 2)
    bars.close()
    assert "2/4" in stream.getvalue() and "extraction" in stream.getvalue()
