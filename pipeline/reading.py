"""Reading the files of a run into described documents: the ingest flow and `extract` both.

Not Prefect tasks: a file takes milliseconds to read, and task runs ending just before the next
subflow starts made Prefect's SQLite server answer "database is locked" (503) to that subflow's
creation, while its task-run recorder wrote them; the client then waits 2 s before it retries.
That happened on nearly every run, a fifth of a run whose extractions are cached.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from reform_facts.claim import Document
from reform_facts.errors import DocumentError
from reform_facts.extractors import registry
from reform_facts.readers import MAX_BYTES, Failure, read_document
from reform_facts.readers.formats import plain
from reform_facts.readers.files import check_text

STDIN = "<stdin>"  # the path of a document read from standard input


def read_files(paths: Iterable[str]) -> Iterator[Document | Failure]:
    """Read and describe (title, year, region it states) each file, in order: its `Document`, or
    a `Failure` saying why it could not be read. One file's failure leaves the others read."""
    return (read_one(path) for path in paths)


def read_one(path: str, *, max_bytes: int = MAX_BYTES) -> Document | Failure:
    """One file as a described `Document`, or the `Failure` naming it and why."""
    try:
        return registry.describe(read_document(Path(path), max_bytes=max_bytes))
    except Exception as error:  # noqa: BLE001 (any error of one file is that file's failure)
        reason = str(error) if isinstance(error, DocumentError) else f"{type(error).__name__}: {error}"
        return Failure(path, reason.removeprefix(f"{path}: "))


def read_stream(stream: BinaryIO, *, doc_id: str, max_bytes: int = MAX_BYTES) -> Document | Failure:
    """A plain-text document from a stream (standard input), decoded as a .txt file is.

    >>> import io
    >>> read_stream(io.BytesIO("全市基层诊疗量占比达65%以上".encode("gb18030")), doc_id="plan").text
    '全市基层诊疗量占比达65%以上'
    >>> read_stream(io.BytesIO(b"  "), doc_id="plan")
    Failure(path='<stdin>', reason='empty: no text')
    """
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        return Failure(STDIN, f"over the size limit of {max_bytes} bytes")
    if not raw.strip():
        return Failure(STDIN, "empty: no text")
    try:
        text, title, _tables = plain(raw, STDIN)  # plain text marks no tables
        check_text(text, STDIN, max_bytes=max_bytes)
        return registry.describe(Document.from_text(text, doc_id=doc_id, path=STDIN, raw=raw, title=title))
    except DocumentError as error:
        return Failure(STDIN, str(error).removeprefix(f"{STDIN}: "))


def refuse_duplicate_ids(items: Iterable[Document | Failure]) -> Iterator[Document | Failure]:
    """The items in order, but a document whose id an earlier one has becomes a `Failure`
    naming both files (the id is the file's stem: plan.txt, plan.docx and plan.html collide).
    The warehouse and the claims know a document by its id only, so one of them is read.

    >>> docs = [Document.from_text("增长", doc_id="plan", path=f"d/plan.{s}") for s in ("docx", "txt")]
    >>> [str(item) for item in refuse_duplicate_ids(docs)][1]
    "d/plan.txt: same document id 'plan' as d/plan.docx"
    """
    seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, Document):
            first = seen.setdefault(item.doc_id, item.path)
            if first != item.path:
                item = Failure(item.path, f"same document id {item.doc_id!r} as {first}")
        yield item
