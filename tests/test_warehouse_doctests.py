"""The doctests of warehouse/ (the project's doctest collection covers reform_facts/ and extractors/)."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["reform_facts.warehouse.store", "reform_facts.warehouse.indicators", "reform_facts.warehouse.reference", "reform_facts.warehouse.frames",
           "reform_facts.warehouse.load", "reform_facts.warehouse.queries", "reform_facts.warehouse.schema_doc"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests_pass(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
