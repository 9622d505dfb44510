"""Extractors by name: the CLI, the flows and the scorer all build them here.

Each extractor is named by its module and class, imported when first built, so that naming the
extractors (or learning the spaCy ones' versions) never imports spaCy.
"""
from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import cache

from reform_facts.claim import Document
from reform_facts.errors import UnknownExtractorError
from reform_facts.extractors.base import Extractor
from reform_facts.extractors.model_digest import extractor_version

# A factory is "module:attribute", imported when first built, or any callable (tests register stubs).
STOCK: dict[str, str] = {
    "rules": "reform_facts.extractors.rule_based:RuleExtractor",
    "spacy": "reform_facts.extractors.spacy_extractor:SpacyExtractor",
    "hybrid": "reform_facts.extractors.hybrid:HybridExtractor",
}
FACTORIES: dict[str, str | Callable[[], Extractor]] = dict(STOCK)
# The spaCy pipelines' version names the trained model's folder, known without loading pkuseg,
# so a cache hit never loads a pipeline.
CHEAP_VERSIONS = {"spacy", "hybrid"}

# Threads may ask for the same extractor at once (the flows' thread runner): one builds it, the
# others wait for it. Reentrant: building the spaCy pipelines asks for the rules extractor.
_LOCK = threading.RLock()


def names() -> list[str]:
    return list(FACTORIES)


def get(name: str) -> Extractor:
    """The extractor of that name, built once per process, also when threads ask at once."""
    with _LOCK:
        return _build(name)


@cache
def _build(name: str) -> Extractor:
    factory = FACTORIES.get(name)
    if factory is None:
        raise UnknownExtractorError(f"unknown extractor {name!r}; known: {', '.join(names())}")
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        factory = getattr(importlib.import_module(module), attribute)
    return factory()


def version(name: str) -> str:
    """`get(name).version`, without building the extractor where a cheaper way is known.

    What a cache key needs: it changes whenever the extractor's output could (its rules, its
    trained model), and a cache hit then never loads a spaCy pipeline.
    """
    if name in CHEAP_VERSIONS and FACTORIES.get(name) == STOCK.get(name):
        return _cheap_version(name)
    return get(name).version


@cache
def _cheap_version(name: str) -> str:
    return extractor_version(name)


def describe(doc: Document) -> Document:
    """The document with the title, year and region it states about itself filled in."""
    stated = get("rules").stated(doc)
    return replace(doc, title=doc.title or stated.title, year=doc.year or stated.year,
                   region=doc.region or (stated.region.name if stated.region else None),
                   region_code=doc.region_code or (stated.region.code if stated.region else None))
