"""Extractors by name: the CLI, the flows and the scorer all build them here."""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

from dataclasses import replace

from extractors.base import Extractor
from reform_facts.claim import Document
from reform_facts.errors import UnknownExtractorError


def _rules() -> Extractor:
    from extractors.rule_based import RuleExtractor
    return RuleExtractor()


def _spacy() -> Extractor:
    from extractors.spacy_extractor import SpacyExtractor
    return SpacyExtractor()


def _hybrid() -> Extractor:
    from extractors.hybrid import HybridExtractor
    return HybridExtractor()


FACTORIES: dict[str, Callable[[], Extractor]] = {"rules": _rules, "spacy": _spacy, "hybrid": _hybrid}


def names() -> list[str]:
    return list(FACTORIES)


@cache
def get(name: str) -> Extractor:
    """The extractor of that name, built once per process."""
    try:
        factory = FACTORIES[name]
    except KeyError:
        raise UnknownExtractorError(
            f"unknown extractor {name!r}; known: {', '.join(names())}") from None
    return factory()


def describe(doc: Document) -> Document:
    """The document with the title, year and region it states about itself filled in."""
    from extractors.rule_based import RuleExtractor

    rules = get("rules")
    if not isinstance(rules, RuleExtractor):
        raise TypeError("the rules extractor describes documents")
    stated = rules.context.stated(doc.text)
    return replace(doc, title=doc.title or stated.title, year=doc.year or stated.year,
                   region=doc.region or (stated.region.name if stated.region else None),
                   region_code=doc.region_code or (stated.region.code if stated.region else None))
