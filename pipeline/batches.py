"""What the flows hand one another: the documents read, the extraction results, the failures.

These containers are plain classes with slots on purpose. Prefect records every subflow's
parameters in its database as JSON. It cannot encode these classes, so it records a
placeholder such as `<Corpus>` instead of the full text of every document.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reform_facts.claim import Document
from reform_facts.readers import Failure


class Corpus:
    """The documents that were read, and the files that could not be read."""

    __slots__ = ("documents", "failures")

    def __init__(self, documents: list[Document], failures: list[Failure]) -> None:
        self.documents = documents
        self.failures = failures

    def __repr__(self) -> str:
        return f"Corpus({len(self.documents)} documents, {len(self.failures)} failures)"


@dataclass(frozen=True, slots=True)
class Extracted:
    """One (document, extractor) pair that was extracted: its claim count and whether the result was cached."""

    doc_id: str
    extractor: str
    version: str
    claims: int
    cached: bool


class Extraction:
    """The extraction results of one run, one row per pair, and the pairs that failed."""

    __slots__ = ("results", "rows", "failures")

    def __init__(self, results: list, rows: list[Extracted], failures: list[Failure]) -> None:
        self.results = results  # warehouse.load.ExtractionResult, one per row
        self.rows = rows
        self.failures = failures

    @property
    def cached(self) -> int:
        return sum(row.cached for row in self.rows)

    def __repr__(self) -> str:
        return f"Extraction({len(self.rows)} results, {self.cached} cached, {len(self.failures)} failures)"


def merge_failures(failures: Iterable[Failure]) -> list[Failure]:
    """One failure per path: the warehouse keeps one reason per file, so reasons are joined.

    >>> merge_failures([Failure("a.txt", "rules: boom"), Failure("b.txt", "empty file"),
    ...                 Failure("a.txt", "spacy: bang")])
    [Failure(path='a.txt', reason='rules: boom; spacy: bang'), Failure(path='b.txt', reason='empty file')]
    """
    reasons: dict[str, list[str]] = {}
    for failure in failures:
        reasons.setdefault(failure.path, []).append(failure.reason)
    return [Failure(path, "; ".join(dict.fromkeys(why))) for path, why in reasons.items()]
