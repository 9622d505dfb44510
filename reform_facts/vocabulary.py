"""Which canonical units go with which quantity type, read from rules/units.yaml.

The claim model checks units against this, so the contract's unit table lives in one file.
"""
from __future__ import annotations

from functools import cache

import yaml

from reform_facts import paths


@cache
def allowed_units() -> dict[str, frozenset[str]]:
    """Canonical units per quantity type.

    >>> "%" in allowed_units()["percentage"]
    True
    """
    # Read raw, not through rulebook.py's schema: the rulebook imports the claim model, which
    # imports this module to check units (claim → vocabulary → rulebook → claim is a cycle).
    data = yaml.safe_load((paths.RULES_DIR / "units.yaml").read_text(encoding="utf-8"))
    table: dict[str, set[str]] = {}
    for entry in data["units"]:
        table.setdefault(entry["quantity_type"], set()).add(entry["unit"])
    for entry in data.get("rates", []):
        for unit in entry["units"]:
            table.setdefault("rate", set()).add(unit)
    return {quantity_type: frozenset(units) for quantity_type, units in table.items()}


# The contract's open classes: a count takes any classifier (`艘`, `台次`, `床日`), a measure any
# unit of measure (`月`, `分钟`, `平方米`), a rate any per-population unit written with `/` (`个/千人`).
OPEN_TYPES = {"count", "measure"}


def unit_allowed(quantity_type: str, unit: str) -> bool:
    """Whether `unit` is a canonical unit of `quantity_type` (rules/units.yaml, or the contract's open classes).

    >>> unit_allowed("count", "床日"), unit_allowed("rate", "元/千人"), unit_allowed("money", "万元")
    (True, True, False)
    """
    kind = str(quantity_type)
    if unit in allowed_units().get(kind, frozenset()):
        return True
    if any(unit in units for other, units in allowed_units().items() if other != kind):
        return False  # 元 is money's, % percentage's: never a classifier
    plain = bool(unit) and len(unit) <= 8 and not any(ch.isspace() for ch in unit)
    if kind in OPEN_TYPES:
        return plain and not any(ch.isdigit() for ch in unit)
    return kind == "rate" and plain and "/" in unit
