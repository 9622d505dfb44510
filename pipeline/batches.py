"""What the flows hand one another: the documents read, the extraction results, the failures.

These containers are plain classes with slots on purpose. Prefect records every subflow's
parameters in its database as JSON. It cannot encode these classes, so it records a
placeholder such as `<Corpus>` instead of the full text of every document.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

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


class Part:
    """Files of a run that are read, extracted and staged together (`parts`).

    A plain class with slots, like `Corpus`: as a subflow's parameter Prefect records `<Part>`,
    not hundreds of paths, nor a name that is not UTF-8, which its JSON cannot hold.
    """

    __slots__ = ("files",)

    def __init__(self, files: list[str]) -> None:
        self.files = files

    def __repr__(self) -> str:
        return f"Part({len(self.files)} files)"


@dataclass(frozen=True, slots=True)
class Extracted:
    """One (document, extractor) pair that was extracted: its claim count and whether the result was cached."""

    doc_id: str
    extractor: str
    version: str
    claims: int
    cached: bool


class Extraction:
    """The extraction results of one run, one row per pair, the pairs that failed, and warnings
    (a damaged cache entry that was recomputed: the run went on, but the user should know)."""

    __slots__ = ("results", "rows", "failures", "warnings")

    def __init__(self, results: list, rows: list[Extracted], failures: list[Failure],
                 warnings: list[str] | None = None) -> None:
        self.results = results  # reform_facts.warehouse.load.ExtractionResult, one per row
        self.rows = rows
        self.failures = failures
        self.warnings = warnings or []

    @property
    def cached(self) -> int:
        return sum(row.cached for row in self.rows)

    def __repr__(self) -> str:
        return f"Extraction({len(self.rows)} results, {self.cached} cached, {len(self.failures)} failures)"


class Batch:
    """Documents that one task extracts with one extractor, one after the other.

    A plain class with slots, like `Corpus`: Prefect neither walks its documents looking for
    futures nor records their text as a task parameter.
    """

    __slots__ = ("extractor", "documents")

    def __init__(self, extractor: str, documents: list[Document]) -> None:
        self.extractor = extractor
        self.documents = documents

    def __len__(self) -> int:
        return len(self.documents)

    def __repr__(self) -> str:
        return f"Batch({self.extractor}, {len(self.documents)} documents)"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one document of a batch: its result (cached or not), or why it failed;
    `warning` when its cache entry was damaged and the result was computed again."""

    doc_id: str
    extractor: str
    result: Any = None  # reform_facts.warehouse.load.ExtractionResult, None when the extraction failed
    cached: bool = False
    error: str | None = None
    warning: str | None = None


# Batches shrink down to this many documents: below it a task's own cost (its states reported to
# the API, its run created) is no longer small beside the work, and the tail is short already.
SMALLEST_BATCH = 4


def plan(documents: list[Document], extractors: list[str], slots: int,
         smallest: int = SMALLEST_BATCH) -> list[Batch]:
    """Cut the (document, extractor) pairs into batches for `slots` parallel task slots.

    Few tasks, because each task run costs Prefect bookkeeping, yet an even end: the largest
    documents go first and each batch holds half of the remaining text's share of a slot
    (guided self-scheduling), so that batches shrink towards the end and no slot finishes
    long after the others. Batches are in the order to submit them, largest first.

    >>> docs = [Document.from_text("增长" * n, doc_id=f"d{n}") for n in range(1, 11)]
    >>> [[d.doc_id for d in b.documents] for b in plan(docs, ["rules"], slots=2, smallest=2)]
    [['d10', 'd9'], ['d8', 'd7'], ['d6', 'd5'], ['d4', 'd3'], ['d2', 'd1']]
    >>> same = [Document.from_text("增长" * 50, doc_id=f"e{i}") for i in range(100)]
    >>> [len(b) for b in plan(same, ["rules"], slots=2)]
    [25, 18, 14, 10, 8, 7, 6, 4, 4, 4]
    """
    ordered = sorted(documents, key=lambda doc: len(doc.text), reverse=True)
    cuts: list[tuple[int, int]] = []  # (start, end) of each batch in `ordered`
    remaining = sum(len(doc.text) for doc in ordered)
    start = 0
    while start < len(ordered):
        share, size, end = remaining / (2 * max(slots, 1)), 0, start
        while end < len(ordered) and (end - start < smallest or size + len(ordered[end].text) <= share
                                      or len(ordered) - end < smallest):  # no batch left smaller
            size += len(ordered[end].text)
            end += 1
        cuts.append((start, end))
        remaining -= size
        start = end
    batches = [Batch(name, ordered[start:end]) for start, end in cuts for name in extractors]
    return sorted(batches, key=lambda b: sum(len(doc.text) for doc in b.documents), reverse=True)


# A run reads, extracts and stages its files in parts of at most this many documents or bytes,
# one part after the other, so that its memory holds a part or two whatever the number of files
# (Prefect keeps a subflow's result until the next subflow ends); a part is large enough that
# its two subflow runs cost little beside its work (a second or so).
PART_DOCUMENTS = 250
PART_BYTES = 32 * 1024 * 1024


def parts(files: list[str], sizes: list[int], *, documents: int = PART_DOCUMENTS,
          size: int = PART_BYTES) -> list[list[str]]:
    """The files in parts of at most `documents` files or `size` bytes (a larger file alone).

    Files with the same stem, which would be the same document id, go in the part of the first
    of them (which moves the later ones up), so that reading a part refuses the second as the
    duplicate it is (`reading.refuse_duplicate_ids`) wherever it is in the list.

    >>> parts(["a/x.txt", "a/y.txt", "b/x.docx", "a/z.txt"], [10, 10, 10, 10], documents=2)
    [['a/x.txt', 'b/x.docx'], ['a/y.txt', 'a/z.txt']]
    >>> parts(["a.txt", "b.txt", "c.txt"], [5, 30, 5], size=20)
    [['a.txt'], ['b.txt'], ['c.txt']]
    """
    groups: dict[str, list[tuple[str, int]]] = {}
    for path, nbytes in zip(files, sizes):
        groups.setdefault(PurePath(path).stem, []).append((path, nbytes))
    cut: list[list[str]] = []
    count = total = 0
    for group in groups.values():
        grown = total + sum(nbytes for _, nbytes in group)
        if not cut or (count and (count + len(group) > documents or grown > size)):
            cut.append([])
            count = total = 0
            grown = sum(nbytes for _, nbytes in group)
        cut[-1] += [path for path, _ in group]
        count, total = count + len(group), grown
    return cut


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
