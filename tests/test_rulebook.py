"""rules/ is validated when loaded: broken files are errors that name the file and the rule."""
from __future__ import annotations

import shutil

import pytest
import yaml

from reform_facts.extractors.rule_based import RuleExtractor
from reform_facts.rulebook import RULES_DIR, load_rulebook
from reform_facts.errors import RuleFileError
from tests.conftest import make_doc


@pytest.fixture
def rules_copy(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


def _edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_bundled_rules_load():
    book = load_rulebook()
    assert len(book.digest) == 12


@pytest.mark.parametrize("name, change, message", [
    ("units.yaml", lambda d: d["units"][0].update(colour="red"), "colour"),
    ("units.yaml", lambda d: d["units"][0].update(quantity_type="volume"), "quantity_type"),
    ("units.yaml", lambda d: d["units"].append(dict(d["units"][0])), "unit.percent"),
    ("comparators.yaml", lambda d: d["comparators"][0].update(comparator="=="), "comparator"),
    ("numbers.yaml", lambda d: d.update(quantity="{NOT_A_FRAGMENT}"), "NOT_A_FRAGMENT"),
    ("exclusions.yaml", lambda d: d["exclusions"][0].update(before="(unclosed"), "excl.ordinal"),
    ("regions.yaml", lambda d: d["additions"][0].update(code="12345"), "six digits"),
])
def test_broken_rule_file_is_named(rules_copy, name, change, message):
    _edit(rules_copy / name, change)
    with pytest.raises(RuleFileError) as error:
        load_rulebook(rules_copy)
    assert name in str(error.value) and message in str(error.value)


def test_missing_rule_file_is_named(rules_copy):
    (rules_copy / "kind.yaml").unlink()
    with pytest.raises(RuleFileError, match="kind.yaml"):
        load_rulebook(rules_copy)


def test_version_changes_with_the_rules(rules_copy):
    _edit(rules_copy / "units.yaml", lambda d: d["units"][0]["surfaces"].append("pct"))
    assert RuleExtractor(load_rulebook(rules_copy)).version != RuleExtractor().version


def _unit_examples():
    return [pytest.param(rule.id, example, id=f"{rule.id}:{example[:12]}")
            for rule in load_rulebook().units.units for example in rule.examples]


@pytest.mark.parametrize("rule_id, example", _unit_examples())
def test_every_unit_example_is_matched_by_its_rule(rules, rule_id, example):
    produced = {claim.rule_id for claim in rules(make_doc(example))}
    assert rule_id in produced, f"{example!r} gave rules {produced}"


def _exclusion_examples():
    return [pytest.param(rule.id, example, id=f"{rule.id}:{example[:12]}")
            for rule in load_rulebook().exclusions.exclusions for example in rule.examples]


@pytest.mark.parametrize("rule_id, example", _exclusion_examples())
def test_every_exclusion_example_rejects_something(rules, rule_id, example):
    found = list(rules.quantities.find(example))
    assert any(getattr(item, "rule_id", None) == rule_id and not hasattr(item, "value")
               for item in found), f"{example!r}: {found}"
