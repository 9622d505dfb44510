"""Imports point down the README's layer table, function-local imports included.

Read from the source with `ast`, so an import hidden in a function counts as much as one at the
top: a cycle cannot hide behind it.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import reform_facts

PACKAGE = Path(reform_facts.__file__).resolve().parent.parent
# folder -> (package, layer rank); a module may import its own layer and any layer of lower rank,
# except where NEVER says otherwise.
LAYERS = {
    "reform_facts": ("reform_facts", 0),
    "readers": ("reform_facts.readers", 1),
    "extractors": ("reform_facts.extractors", 2),
    "warehouse": ("reform_facts.warehouse", 2),
    "evaluation": ("reform_facts.evaluation", 3),
    "pipeline": ("reform_facts.pipeline", 4),
}
SUBPACKAGES = {package.rsplit(".", 1)[1]: folder for folder, (package, _) in LAYERS.items() if "." in package}


def layer_of(module: str) -> str | None:
    """The folder whose layer a dotted module name belongs to, or None outside the project."""
    parts = module.split(".")
    if parts[0] != "reform_facts":
        return None
    return SUBPACKAGES.get(parts[1], "reform_facts") if len(parts) > 1 else "reform_facts"


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in a file, with `from a import b` also as `a.b`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def upward_imports(folder: str) -> list[str]:
    rank = LAYERS[folder][1]
    wrong = []
    for path in sorted((PACKAGE / folder).glob("*.py")):
        for line, name in imported(path):
            target = layer_of(name)
            if target is None or target == folder:
                continue
            if LAYERS[target][1] >= rank:
                wrong.append(f"{folder}/{path.name}:{line} imports {name} ({target})")
    return wrong


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_imports_point_down(folder):
    # extractors and warehouse share a rank: neither may import the other (the warehouse never
    # builds an extractor; an extractor never writes to the warehouse)
    assert upward_imports(folder) == []


@pytest.mark.parametrize("module, layer", [
    ("reform_facts.claim", "reform_facts"),
    ("reform_facts.extractors.context", "extractors"),
    ("reform_facts.pipeline", "pipeline"),
    ("pandas", None),
])
def test_layer_of(module, layer):
    assert layer_of(module) == layer


def test_an_upward_import_is_seen(tmp_path, monkeypatch):
    (tmp_path / "readers").mkdir()
    (tmp_path / "readers" / "bad.py").write_text("def f():\n    from reform_facts.pipeline import cli\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path)
    assert upward_imports("readers") == ["readers/bad.py:2 imports reform_facts.pipeline (pipeline)",
                                         "readers/bad.py:2 imports reform_facts.pipeline.cli (pipeline)"]
