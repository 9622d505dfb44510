"""Readers: files become `Document`s. All file I/O of documents happens here.

The text a reader returns is what offsets refer to and what the warehouse stores: plain text
and Markdown are decoded unchanged; HTML gives the text a browser shows, Word its paragraphs
and tables in document order, PDF its text layer. A file that cannot be read raises
DocumentError (or, from `read_all`, becomes a `Failure`) naming the file and the reason.
"""
from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reform_facts.readers import formats
from reform_facts.claim import Document
from reform_facts.errors import DocumentError

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
MAX_BYTES = 20 * 1024 * 1024
MAX_LINE_CHARS = 200_000  # a million digits on one line is no document: refused, not left to run
# Inside folders: hidden files (.DS_Store, macOS ._x.pdf companions) and Word's lock files
# (~$x.docx) are not documents. A file named on the command line is always read.
_SKIPPED_PREFIXES = (".", "~$")
_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))

Reader = Callable[..., "tuple[str, str | None]"]  # (raw, path, *, max_bytes) -> (text, title)
# Shown escaped in a message: control characters (a newline would split the one line) and the
# invisible ones that reorder a terminal's line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# the same but C0 controls, which JSON escapes in strings itself (and indents with line breaks)
_UNPRINTABLE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_READERS: dict[str, Reader] = {
    ".txt": formats.plain, ".md": formats.markdown, ".html": formats.html, ".htm": formats.html,
    ".docx": formats.docx, ".pdf": formats.pdf,
}


@dataclass(frozen=True, slots=True)
class Failure:
    """A path that could not be read, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{shown(self.path)}: {shown(self.reason)}"


def shown(text: str) -> str:
    """A file name or message made safe for one line of a terminal or a UTF-8 store: bytes
    that are not UTF-8 (a name from another system) as \\xNN, control characters escaped.

    >>> shown(os.fsdecode(b"plan\\xb9\\xa4.txt"))
    'plan\\\\xb9\\\\xa4.txt'
    >>> shown("two\\nlines.txt")
    'two\\\\nlines.txt'
    """
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no file name decoding made
        raw = text.encode("utf-8", "backslashreplace")
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], raw.decode("utf-8", "backslashreplace"))


def json_shown(text: str) -> str:
    """JSON text made safe for a terminal: the characters `shown` escapes that JSON leaves raw
    (C1 controls, DEL, bidirectional marks, line and paragraph separators) as \\uXXXX escapes,
    which JSON readers read back as the same characters.

    >>> json_shown('"达\u202e65%"')
    '"达\\\\u202e65%"'
    """
    return _UNPRINTABLE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_document(path: Path, *, max_bytes: int = MAX_BYTES) -> Document:
    """Read one file; raises DocumentError naming the file and the reason.

    The size limit holds for the file, for each member of a .docx package (by its declared
    size, before expanding it) and for the text read.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     plan = Path(folder, "plan.txt")
    ...     _ = plan.write_bytes("全市基层诊疗量占比达65%以上".encode("gb18030"))
    ...     read_document(plan).text
    '全市基层诊疗量占比达65%以上'
    """
    name = str(path)
    if not _is_utf8(name):  # it could be neither printed nor stored as it is
        raise DocumentError(f"{name}: the file name is not valid UTF-8 ({shown(name)}); rename the file")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(f"{name}: unsupported file type {path.suffix or '(no extension)'}; "
                            f"supported: {', '.join(SUFFIXES)}")
    raw = read_bytes(path, max_bytes=max_bytes)
    text, title, *tables = reader(raw, name, max_bytes=max_bytes)
    check_text(text, name, max_bytes=max_bytes)
    return Document.from_text(text, doc_id=path.stem, path=name, raw=raw, title=title,
                              tables=tuple(tables[0]) if tables else ())


def check_text(text: str, name: str, *, max_bytes: int = MAX_BYTES) -> None:
    """Refuse a decoded text that is too long, empty, or has a line longer than any document's,
    whatever it was read from (a file, standard input)."""
    if len(text) > max_bytes:  # characters: a decoded text is never shorter in UTF-8 bytes
        raise DocumentError(f"{name}: its text of {len(text)} characters is over the size limit of "
                            f"{max_bytes}")
    if not text.strip():
        raise DocumentError(f"{name}: empty: the file holds no text")
    longest = max(map(len, text.split("\n")))
    if longest > MAX_LINE_CHARS:  # a guard: the extractors' searches are bounded by lines and sentences
        raise DocumentError(f"{name}: a line of {longest} characters, over the limit of {MAX_LINE_CHARS}: "
                            "not prose or a table (break it into lines)")


def read_bytes(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular, non-empty file of at most `max_bytes`; else DocumentError."""
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise DocumentError(f"{name}: broken symbolic link (its target {os.readlink(path)} "
                                f"does not exist)") from None
        raise DocumentError(f"{name}: no such file or folder") from None
    except OSError as error:
        raise DocumentError(f"{name}: cannot read: {error.strerror}") from None
    _check_regular(name, info.st_mode)
    if info.st_size > max_bytes:
        raise DocumentError(f"{name}: {info.st_size} bytes is over the size limit of {max_bytes} bytes")
    if info.st_size == 0:
        raise DocumentError(f"{name}: empty file (0 bytes)")
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)  # +1: a file that grew since stat is still caught
    except OSError as error:
        reason = "permission denied" if isinstance(error, PermissionError) else error.strerror
        raise DocumentError(f"{name}: cannot read: {reason}") from None
    if len(raw) > max_bytes:
        raise DocumentError(f"{name}: over the size limit of {max_bytes} bytes")
    if not raw.strip():
        raise DocumentError(f"{name}: empty file (only whitespace)")
    return raw


def _check_regular(name: str, mode: int) -> None:
    """Refuse what is not a regular file: reading a named pipe would wait for ever."""
    if stat.S_ISDIR(mode):
        raise DocumentError(f"{name}: is a folder, not a file")
    for test, kind in _NOT_REGULAR:
        if test(mode):
            raise DocumentError(f"{name}: not a regular file ({kind})")


def expand_paths(paths: Iterable[Path]) -> Iterator[Path | Failure]:
    """Files named and the supported files inside folders named (recursively, each folder's
    entries sorted); a Failure for a path that does not exist or a folder that cannot be
    listed. A file reached twice is given once. Symbolic links are followed, loops are not.
    Broken links, pipes and other unreadable entries with a supported extension are given
    as paths, so that `read_document` names them with their reason."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            items: Iterable[Path | Failure] = _walk(path, frozenset({_real(path)}))
        elif path.exists() or path.is_symlink():
            items = [path]
        else:
            items = [Failure(str(path), "no such file or folder")]
        for item in items:
            if isinstance(item, Path):
                key = _real(item)
                if key in seen:
                    continue
                seen.add(key)
            yield item


def _walk(folder: Path, ancestors: frozenset[Path]) -> Iterator[Path | Failure]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        yield Failure(str(folder), f"cannot list folder: {error.strerror}")
        return
    for entry in entries:
        if entry.name.startswith(_SKIPPED_PREFIXES):
            continue
        path = Path(entry.path)
        if _is_dir(entry):
            real = _real(path)
            if real not in ancestors:  # a link back up the tree would never end
                yield from _walk(path, ancestors | {real})
        elif path.suffix.lower() in SUFFIXES:
            yield path
        else:
            log.info("skipped %s: not a supported document type", path)


def _real(path: Path) -> Path:
    """The path with links resolved; unlike Path.resolve it does not raise on a link loop."""
    return Path(os.path.realpath(path))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def read_all(paths: Iterable[Path], *, max_bytes: int = MAX_BYTES) -> Iterator[Document | Failure]:
    """Every document under the paths; a file that cannot be read is a Failure, not an end."""
    for item in expand_paths(paths):
        if isinstance(item, Failure):
            yield item
            continue
        try:
            yield read_document(item, max_bytes=max_bytes)
        except DocumentError as error:
            yield Failure(str(item), str(error).removeprefix(f"{item}: "))
        except MemoryError:  # one file too big to hold: refused, the next one is read
            yield Failure(str(item), "not enough memory to read it")
        except Exception as error:  # a parser's bug on one odd file must not end the batch
            log.debug("reading %s failed", item, exc_info=True)
            yield Failure(str(item), f"could not be read ({type(error).__name__}: {error})")
