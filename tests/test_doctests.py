"""Every module's doctests, found through the installed package (its subpackages live in the
design's folders, so pytest's own file-based doctest collection would import them twice)."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ["reform_facts", "reform_facts.readers", "reform_facts.extractors", "reform_facts.warehouse",
            "reform_facts.evaluation", "reform_facts.pipeline"]


def modules() -> list[str]:
    names = []
    for package in PACKAGES:
        names.append(package)
        path = importlib.import_module(package).__path__
        names += [f"{package}.{info.name}" for info in pkgutil.iter_modules(path) if not info.ispkg]
    return names


@pytest.mark.parametrize("name", modules())
def test_doctests_pass(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
