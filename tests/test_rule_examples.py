"""Every `examples:` entry of rules/*.yaml is matched by its own rule: the one place they are checked.

The entries are collected from the loaded rulebook, whatever file or family they are in, and each
family has one check below; a family with examples and no check fails, so a new rule family
cannot ship unchecked examples. (rules/indicators_canonical.yaml's examples are checked when the
warehouse loads that file: warehouse/indicators.py.)
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
from pydantic import BaseModel

from reform_facts.claim import QuantityType
from reform_facts.extractors.regions import Gazetteer
from reform_facts.rulebook import FILES, load_rulebook
from tests.conftest import make_doc


def _examples() -> Iterator[tuple[str, Any, str]]:
    """(family, rule, example) for every example: a family is `file.field` for a rule list or a
    single rule of a file, the file's name for examples of the file itself."""
    book = load_rulebook()
    for name in FILES:
        model = getattr(book, name)
        for example in getattr(model, "examples", []):
            yield name, model, example
        for field, value in model:
            for rule in value if isinstance(value, list) else [value]:
                if isinstance(rule, BaseModel):
                    for example in getattr(rule, "examples", []):
                        yield f"{name}.{field}", rule, example


def _claims(rules, example: str):
    return rules(make_doc(example))


def _unit(rules, rule, example: str) -> bool:
    return rule.id in {claim.rule_id for claim in _claims(rules, example)}


def _rate(rules, rule, example: str) -> bool:
    return any(claim.quantity_type is QuantityType.RATE and claim.unit in rule.units
               and claim.unit.endswith(rule.suffix) for claim in _claims(rules, example))


def _shared_unit(rules, rule, example: str) -> bool:
    # a figure written with the short unit (5.6个) takes the unit of the rule it shares (个百分点)
    units = load_rulebook().units
    short, long = tuple(units.rule(rule.unit).surfaces), tuple(units.rule(rule.shares).surfaces)
    return any(claim.rule_id == rule.shares and claim.text.endswith(short) and not claim.text.endswith(long)
               for claim in _claims(rules, example))


def _joiner(rules, rule, example: str) -> bool:
    return any(claim.value_max is not None and any(s in claim.text for s in rule.surfaces)
               for claim in _claims(rules, example))


def _comparator(rules, rule, example: str) -> bool:
    return any(s in example for s in rule.surfaces) and any(
        claim.comparator == rule.comparator for claim in _claims(rules, example))


def _exclusion(rules, rule, example: str) -> bool:
    return any(getattr(item, "rule_id", None) == rule.id and not hasattr(item, "value")
               for item in rules.quantities.find(example))


def _kind(rules, rule, example: str) -> bool:
    return any(claim.kind == rule.kind for claim in _claims(rules, example))


@cache
def _gazetteer() -> Gazetteer:
    return Gazetteer(load_rulebook().regions)


def _region(rules, rule, example: str) -> bool:
    gazetteer = _gazetteer()
    found = {gazetteer.resolve(mention.group()) for mention in gazetteer.mentions(example)}
    return rule.code in {region.code for region in found if region is not None}


def _table(rules, _tables, example: str) -> bool:
    return any(claim.rule_id.startswith("table.") for claim in _claims(rules, example))


CHECKS: dict[str, Callable[[Any, Any, str], bool]] = {
    "units.units": _unit,
    "units.rates": _rate,
    "units.shared_units": _shared_unit,
    "numbers.bare_scale": _unit,
    "numbers.noun_scale": _unit,
    "numbers.list_unit": _unit,
    "numbers.named_index": _unit,
    "ranges.joiners": _joiner,
    "comparators.comparators": _comparator,
    "exclusions.exclusions": _exclusion,
    "kind.cues": _kind,
    "regions.additions": _region,
    "tables": _table,
}


@pytest.mark.parametrize("family, rule, example", [
    pytest.param(family, rule, example, id=f"{getattr(rule, 'id', family)}:{example[:12]}")
    for family, rule, example in _examples()])
def test_every_example_is_matched_by_its_rule(rules, family, rule, example):
    assert family in CHECKS, f"rules/{family.split('.')[0]}.yaml: no check for the examples of {family}"
    assert CHECKS[family](rules, rule, example), f"{family} {getattr(rule, 'id', '')}: {example!r}"


def test_every_family_with_examples_is_checked():
    assert {family for family, _rule, _example in _examples()} == set(CHECKS)
