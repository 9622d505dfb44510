"""Autonomous divisions' short forms (rules/regions.yaml autonomous_short_form): derived from the
official names, and refused where they would name a division that already has that name, or two."""
from __future__ import annotations

import pytest

from reform_facts.divisions import Region
from reform_facts.extractors import regions
from reform_facts.rulebook import load_rulebook

# a small dataset: a district whose short form is another district's official name, two
# autonomous districts that would share one short form, and one whose short form is free
DATASET = (
    (Region("西安市", "610100", "prefecture", "610000"), "西安"),
    (Region("新城区", "610102", "county", "610100"), "新城"),
    (Region("新城回族区", "610199", "county", "610100"), "新城"),
    (Region("河西回族区", "610197", "county", "610100"), "河西"),
    (Region("河西苗族区", "610198", "county", "610100"), "河西"),
    (Region("瀍河回族区", "610196", "county", "610100"), "瀍河"),
)


@pytest.fixture
def gazetteer(monkeypatch):
    monkeypatch.setattr(regions, "dataset_regions", lambda: DATASET)
    return regions.Gazetteer(load_rulebook().regions)


@pytest.mark.parametrize("surface, codes", [
    ("瀍河区", ["610196"]),  # free: taken
    ("新城区", ["610102"]),  # another division's official name: that division only
    ("河西区", []),  # two autonomous districts would share it: neither
])
def test_short_forms(gazetteer, surface, codes):
    assert [r.code for r in gazetteer.by_surface.get(surface, [])] == codes


def test_found_in_text(gazetteer):
    assert [m.surface for m in gazetteer.mentions("瀍河区、河西区共有卫生院12所")] == ["瀍河区"]
