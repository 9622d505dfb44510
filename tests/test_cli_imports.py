"""The command line imports at the top of its modules, except what keeps a heavy optional library
out of the commands that do not need it (issue 16: no function-local import hides a cycle, few
function-local imports): Prefect for `run`, spaCy for `train`, pandas for `report`.
"""
from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from reform_facts.paths import PROJECT_DIR as ROOT

# module -> the modules it may import inside a function, each for the library named
LOCAL_IMPORTS = {
    "cli.py": {"reform_facts.pipeline.server": "prefect", "reform_facts.pipeline.flows": "prefect",
               "reform_facts.evaluation.report": "pandas", "reform_facts.extractors.training": "spacy"},
    "cli_show.py": {},
    "cli_annotate.py": {},
}
HEAVY = ("prefect", "spacy", "pandas")


def _local_imports(source: str) -> set[str]:
    found = set()
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom):
                    found |= {f"{node.module}.{alias.name}" if alias.name[0].islower() and node.module
                              in ("reform_facts.pipeline", "reform_facts.evaluation", "reform_facts.extractors")
                              else node.module for alias in node.names}
                elif isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
    return found


@pytest.mark.parametrize("name", list(LOCAL_IMPORTS))
def test_function_local_imports_are_only_the_heavy_ones(name):
    source = (ROOT / "pipeline" / name).read_text(encoding="utf-8")
    assert _local_imports(source) == set(LOCAL_IMPORTS[name])


def test_the_local_import_finder_sees_a_local_import():
    assert _local_imports("def f():\n    from reform_facts.pipeline import server\n    import json\n") == {
        "reform_facts.pipeline.server", "json"}


@pytest.mark.parametrize("argv", [["--help"], ["extract", "{file}"], ["query", "--help"]], ids=" ".join)
def test_help_and_extract_load_neither_prefect_nor_spacy_nor_pandas(tmp_path, argv):
    (tmp_path / "a.txt").write_text("2023年，三明市基层诊疗量占比达65%以上。", encoding="utf-8")
    argv = [arg.format(file=tmp_path / "a.txt") for arg in argv]
    code = ("import sys\nfrom reform_facts.pipeline.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stdout.splitlines()[-1] == "[]"
