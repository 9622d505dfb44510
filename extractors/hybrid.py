"""The `hybrid` extractor: the rule extractor's claims with the learned indicators.

The rules find and read quantities almost perfectly, and the learned component is weakest
there (it must rediscover which candidates are claims from four documents); indicators are
where the rules are weakest. So the hybrid keeps every rule claim (span, value, unit,
comparator, region, year, kind) and takes the indicator the trained pipeline pairs with it,
keeping the rule's indicator where the pipeline finds none. The cross-validated scores that
chose this combination are in the report of the spaCy issue (README, "Scores").
"""
from __future__ import annotations

from extractors.spacy_extractor import SpacyExtractor

NAME = "hybrid"


class HybridExtractor(SpacyExtractor):
    """`SpacyExtractor` whose claim assembler keeps the rules' quantities."""

    name = NAME
    quantities = "rules"
    indicators = "learned_then_rules"
