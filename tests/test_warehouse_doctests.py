"""The doctests of warehouse/ (the project's doctest collection covers reform_facts/ and extractors/)."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["warehouse.store", "warehouse.indicators", "warehouse.reference", "warehouse.frames",
           "warehouse.load", "warehouse.queries", "warehouse.schema_doc"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests_pass(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
