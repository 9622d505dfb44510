"""The `hybrid` extractor: each field from the source that scores better on the dev split.

The same trained pipeline as the `spacy` extractor, with the sources of section [hybrid] of
configs/spacy_sources.cfg: for each of quantities (which figures are claims), indicator, region
and year, the rules' decision or the learned one (for the indicator also "rules_unless_surer":
the rules' phrase unless the categoriser is surer of another by `indicator_margin`), whichever
scored better in cross-validation on the dev split; the figures that chose them are recorded
beside the choice (benchmarks/spacy_sources.py writes both).
"""
from __future__ import annotations

from reform_facts.extractors.spacy_extractor import SpacyExtractor

NAME = "hybrid"


class HybridExtractor(SpacyExtractor):
    """`SpacyExtractor` with the field sources of the hybrid (`spacy_extractor.field_sources`)."""

    name = NAME
