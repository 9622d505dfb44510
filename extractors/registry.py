"""Extractors by name: the CLI, the flows and the scorer all build them here."""
from __future__ import annotations

import threading
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


def _spacy_version(name: str) -> str:
    from extractors.model_digest import extractor_version  # spaCy itself is not imported
    return extractor_version(name)


# How to learn an extractor's version without building it, where building is costly: the
# spaCy pipelines' version names the trained model's folder, known without loading pkuseg.
# A factory replaced at run time (tests) falls back to building: `version` checks it is the stock one.
VERSIONS: dict[str, tuple[Callable[[], Extractor], Callable[[str], str]]] = {
    "spacy": (_spacy, _spacy_version), "hybrid": (_hybrid, _spacy_version)}

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
    try:
        factory = FACTORIES[name]
    except KeyError:
        raise UnknownExtractorError(
            f"unknown extractor {name!r}; known: {', '.join(names())}") from None
    return factory()


def version(name: str) -> str:
    """`get(name).version`, without building the extractor where a cheaper way is known.

    What a cache key needs: it changes whenever the extractor's output could (its rules, its
    trained model), and a cache hit then never loads a spaCy pipeline.
    """
    cheap = VERSIONS.get(name)
    if cheap is None or FACTORIES.get(name) is not cheap[0]:
        return get(name).version
    with _LOCK:
        return _cheap_version(name)


@cache
def _cheap_version(name: str) -> str:
    return VERSIONS[name][1](name)


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
