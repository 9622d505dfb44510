"""Which canonical units go with which quantity type, read from rules/units.yaml.

The claim model checks units against this, so the contract's unit table lives in one file.
"""
from __future__ import annotations

from functools import cache

import yaml

from reform_facts import ROOT


@cache
def allowed_units() -> dict[str, frozenset[str]]:
    """Canonical units per quantity type.

    >>> "%" in allowed_units()["percentage"]
    True
    """
    data = yaml.safe_load((ROOT / "rules" / "units.yaml").read_text(encoding="utf-8"))
    table: dict[str, set[str]] = {}
    for entry in data["units"]:
        table.setdefault(entry["quantity_type"], set()).add(entry["unit"])
    for entry in data.get("rates", []):
        for unit in entry["units"]:
            table.setdefault("rate", set()).add(unit)
    return {quantity_type: frozenset(units) for quantity_type, units in table.items()}


def unit_allowed(quantity_type: str, unit: str) -> bool:
    return unit in allowed_units().get(str(quantity_type), frozenset())
