"""Readers: files become `Document`s. All file I/O of documents happens here.

The text a reader returns is what offsets refer to and what the warehouse stores: plain text
and Markdown are decoded unchanged; HTML, Word and PDF give their text layer.
"""
from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reform_facts.claim import Document
from reform_facts.errors import DocumentError

SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
MAX_BYTES = 20 * 1024 * 1024
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True, slots=True)
class Failure:
    """A path that could not be read, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def decode(raw: bytes, *, path: str) -> str:
    """Decode text bytes: a BOM decides; else UTF-8; else GB18030 (a superset of GBK).

    >>> decode("医改".encode("gb18030"), path="x.txt")
    '医改'
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _strict(raw, encoding, path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise DocumentError(f"{path}: not UTF-8 or GB18030 text (undecodable byte at offset "
                                f"{utf8_error.start})") from None


def _strict(raw: bytes, encoding: str, path: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise DocumentError(f"{path}: invalid {encoding} at byte offset {error.start}") from None


def _plain(raw: bytes, path: str) -> tuple[str, str | None]:
    if b"\x00" in raw[:4096] and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DocumentError(f"{path}: binary content in a text file")
    return decode(raw, path=path), None


def _html(raw: bytes, path: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(raw, path=path), "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else None
    for tag in soup(["script", "style"]):
        tag.decompose()
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return "\n".join(line for line in lines if line), title


def _docx(raw: bytes, path: str) -> tuple[str, str | None]:
    import io

    import docx

    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as error:  # python-docx raises several unrelated types for a bad package
        raise DocumentError(f"{path}: not a readable Word file ({type(error).__name__})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.extend("\t".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n".join(lines), document.core_properties.title or None


def _pdf(raw: bytes, path: str) -> tuple[str, str | None]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except PdfReadError as error:
        raise DocumentError(f"{path}: not a readable PDF ({error})") from None
    if not text.strip():
        raise DocumentError(f"{path}: PDF has no text layer (scanned?); OCR it first")
    title = reader.metadata.title if reader.metadata else None
    return text, title or None


_READERS = {".txt": _plain, ".md": _plain, ".html": _html, ".htm": _html, ".docx": _docx, ".pdf": _pdf}


def read_document(path: Path, *, max_bytes: int = MAX_BYTES) -> Document:
    """Read one file; raises DocumentError naming the file and the reason."""
    name = str(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(f"{name}: unsupported file type {path.suffix or '(none)'}; "
                            f"supported: {', '.join(SUFFIXES)}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"{name}: {size} bytes is over the size limit of {max_bytes}")
        raw = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"{name}: cannot read: {error.strerror}") from None
    if not raw.strip():
        raise DocumentError(f"{name}: empty file")
    text, title = reader(raw, name)
    if not text.strip():
        raise DocumentError(f"{name}: no text")
    return Document.from_text(text, doc_id=path.stem, path=name, raw=raw, title=title)


def expand_paths(paths: list[Path]) -> Iterator[Path | Failure]:
    """Files named and the supported files inside folders named, sorted; failures for the rest."""
    for path in paths:
        if path.is_dir():
            try:
                entries = sorted(path.rglob("*"))
            except OSError as error:
                yield Failure(str(path), f"cannot list folder: {error.strerror}")
                continue
            for entry in entries:
                if entry.is_file() and entry.suffix.lower() in SUFFIXES:
                    yield entry
        elif path.exists():
            yield path
        else:
            yield Failure(str(path), "no such file or folder")


def read_all(paths: list[Path], *, max_bytes: int = MAX_BYTES) -> Iterator[Document | Failure]:
    """Every document under the paths; a file that cannot be read is a Failure, not an end."""
    for item in expand_paths(paths):
        if isinstance(item, Failure):
            yield item
            continue
        try:
            yield read_document(item, max_bytes=max_bytes)
        except DocumentError as error:
            yield Failure(str(item), str(error).removeprefix(f"{item}: "))
