"""README.md's Commands table, as a new user types it: every line is accepted by the CLI.

Each line of the table is a synopsis (`[--extractor NAME]`, `rules\\|spacy`, `PATH...`). It is
made concrete here: optional parts included, each alternative tried (the first one when run),
placeholders replaced by a copy of the bundled corpus, a gold file, a warehouse and outputs in
tmp_path. A placeholder this test does not know fails it, so a new line is never skipped silently.
"""
from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.pipeline.cli import _parser

COMMAND = str(Path(sys.executable).with_name("reform-facts"))
GOLD_FILE = ROOT / "gold" / "000_d300e42214a06d73.jsonl"
# lines that need what a run cannot make offline, with the reason
NOT_RUN = {"annotate import": "needs a Label Studio export with annotations (tests/test_annotate.py)"}


def readme_lines() -> list[str]:
    """The command lines of README.md's Commands table, `\\|` read as `|`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    lines = []
    for row in table.splitlines():
        if not row.startswith("| `"):
            continue
        first_cell = re.split(r"(?<!\\)\|", row)[1]
        for code in re.findall(r"`([^`]+)`", first_cell):
            code = code.replace("\\|", "|")
            lines.append(code if code.startswith("reform-facts ") else f"reform-facts {code}")
    return lines


def variants(line: str, where: Path) -> list[list[str]]:
    """Every concrete argument list of a synopsis: one per combination of its alternatives."""
    words = [word.strip("[]") for word in shlex.split(line)[1:]]
    words = [word for word in words if word]
    choices = [word.split("|") if "|" in word and not word.startswith("SELECT") else [word] for word in words]
    return [concrete(list(picked), where) for picked in itertools.product(*choices)]


def concrete(words: list[str], where: Path) -> list[str]:
    out: list[str] = []
    for word in words:
        if word in ("PATH...", "PATH"):
            out.append(str(where / "corpus"))
        elif word == "NAME":
            out.append("rules")
        elif word == "FILE":
            out.append(str(where / {"--db": "w.duckdb", "--report": "report.html"}.get(
                out[-1], "view.html" if out[0] == "show" else "out.csv")))
        elif word == "ID":
            out.append("plan")
        elif word == "DOC":
            out.append(GOLD_FILE.stem)  # a gold document of the dev split
        elif word == "DIR":
            out.append(str(where / "export"))
        elif word in ("A", "B"):
            out.append(str(GOLD_FILE))
        elif word == "...":
            out += {"export": ["--output", str(where / "tasks.json"), str(where / "corpus")],
                    "import": [str(where / "label-studio-export.json"), "--gold", str(where / "gold")]}[out[-1]]
        elif re.fullmatch(r"[A-Z][A-Z_.]*", word):
            raise AssertionError(f"README placeholder {word!r} is unknown to this test: add it here")
        elif out and out[-1] == "--output":  # e.g. build/report.html: never into the repository
            out.append(str(where / Path(word).name))
        else:
            out.append(word)
    # the warehouse of this test, never the repository's
    if out[0] == "--version":
        return out
    if out[0] in ("run", "query", "export") and "--db" not in out:
        out += ["--db", str(where / "w.duckdb")]
    if out[0] == "run":
        out += ["--cache-dir", str(where / "cache")]
    if out[0] == "report" and "--output" not in out:
        out += ["--output", str(where / "report.html")]
    return out


def _run(command: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess:
    """The command in its own process group, all of which is killed if it overruns: on a new
    checkout `run --evaluate` trains the five fold models first, and what it started (training
    processes, Prefect's server) must not outlive the test."""
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=cwd, start_new_session=True) as process:
        try:
            out, err = process.communicate(stdin, timeout=1800)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def test_the_readme_has_its_commands():
    assert len(readme_lines()) >= 10
    assert {line.split()[1] for line in readme_lines()} >= {"extract", "run", "evaluate", "query", "export"}


@pytest.mark.parametrize("line", readme_lines())
def test_every_readme_command_line_is_accepted_by_the_parser(line, tmp_path):
    parser = _parser()
    for args in variants(line, tmp_path):
        try:
            parser.parse_args(args)
        except SystemExit as rejected:  # --version and --help exit 0 once done
            if rejected.code == 0:
                continue
            pytest.fail(f"{line!r} as {shlex.join(args)} is rejected by the CLI (exit {rejected.code})")


@pytest.mark.slow
def test_every_readme_command_line_runs_on_a_small_corpus(tmp_path):
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    lines = sorted(readme_lines(), key=lambda line: not line.startswith("reform-facts run"))  # a warehouse first
    ran = []
    for line in lines:
        args = variants(line, tmp_path)[0]
        if " ".join(args[:2]) in NOT_RUN:
            continue
        stdin = "力争到2027年，三明市基层诊疗量占比达65%以上。" if "-" in args else ""
        done = _run([COMMAND, *args], stdin, tmp_path)
        assert done.returncode != 2 and "Traceback" not in done.stderr, (
            f"{line!r} as {shlex.join(args)}: exit {done.returncode}\n{done.stderr[-3000:]}")
        assert done.returncode == 0 or args[0] == "validate-gold", (line, done.stderr[-3000:])
        ran.append(args[0])
    assert {"run", "query", "export", "extract", "evaluate", "report"} <= set(ran)
