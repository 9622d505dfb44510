"""The bench corpus: prose variants of the bundled documents and copies of the dev table documents.

Prose: each variant of a corpus/ document keeps its first lines (title and opening, which state
the year and the region) and a seeded random share of the other lines, in their order. Tables:
the written gold documents of the dev split (gold/documents/, those whose number gold/split.json
does not put in "test"; the sealed test split is never read here) are copied whole, since a
table with lines dropped is no longer the table, with a marker line that makes every copy's
bytes distinct. Each round writes one variant of every prose source and one copy of every table
document, until the text reaches a size, so the mix is the same at every size. The same seed
gives the same bytes on every machine. The corpus is written once into `.cache/bench/` (ignored
by git) and reused while the sources and the parameters are unchanged.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reform_facts.readers import read_document

from reform_facts.claim import Document
from reform_facts.paths import CORPUS_DIR as SOURCE
from reform_facts.paths import GOLD_DIR
from reform_facts.paths import PROJECT_DIR as ROOT

CACHE = ROOT / ".cache" / "bench"
FULL_BYTES = 5 * 1024 * 1024
QUICK_BYTES = 512 * 1024
HEAD_LINES = 3  # title and opening: where documents state their year and region
KEEP = 0.6  # share of the other lines a prose variant keeps
SUFFIXES = (".txt", ".md")  # .md matters: the readers read its pipe tables as Markdown
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ScaledCorpus:
    """A folder of documents and what it holds."""

    folder: Path
    documents: int
    bytes: int
    characters: int
    table_documents: int = 0
    table_characters: int = 0

    def to_json(self) -> dict[str, object]:
        return {"folder": str(self.folder.relative_to(ROOT)) if self.folder.is_relative_to(ROOT)
                else str(self.folder), "documents": self.documents, "bytes": self.bytes,
                "characters": self.characters, "table_documents": self.table_documents,
                "table_characters": self.table_characters}


def documents_in(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.suffix in SUFFIXES and path.is_file())


def sources(folder: Path = SOURCE) -> list[Path]:
    return sorted(folder.glob("*.txt"))


def table_sources(gold: Path = GOLD_DIR) -> list[Path]:
    """The written gold documents of the dev split: their 3-digit number is not in split.json's test list."""
    folder = gold / "documents"
    if not folder.is_dir():
        return []
    test = set(json.loads((gold / "split.json").read_text(encoding="utf-8"))["test"])
    return [path for path in documents_in(folder) if path.name[:3] not in test]


def dev_documents() -> list[Document]:
    """Every dev gold document (corpus/ and the written dev ones): the warm-up the accuracy table scores."""
    return [read_document(path) for path in [*sources(), *table_sources()]]


def variant(text: str, seed: str) -> str:
    """The text with its first lines and a seeded share of the rest, in order.

    >>> text = "标题\\n2023年\\n山东省\\n" + "\\n".join(f"第{i}行" for i in range(50))
    >>> v = variant(text, "x")
    >>> v.startswith("标题\\n2023年\\n山东省\\n"), v == variant(text, "x"), len(v) < len(text)
    (True, True, True)
    """
    lines = text.split("\n")
    rng = random.Random(seed)
    body = [line for line in lines[HEAD_LINES:] if rng.random() < KEEP]
    return "\n".join(lines[:HEAD_LINES] + body)


def marker(k: int) -> str:
    """A line that tells copy k from the others, in letters only, so that it adds no figure.

    >>> [marker(k) for k in (0, 1, 26, 27)]
    ['副本 a', '副本 b', '副本 ba', '副本 bb']
    """
    letters = ""
    while True:
        k, rest = divmod(k, 26)
        letters = string.ascii_lowercase[rest] + letters
        if not k:
            return f"副本 {letters}"


def copy(text: str, k: int) -> str:
    return f"{text.rstrip(chr(10))}\n\n{marker(k)}\n"


def _digest(paths: list[Path], target: int) -> str:
    digest = hashlib.sha256(f"{target}:{HEAD_LINES}:{KEEP}:{marker(1)}".encode())
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _write(folder: Path, prose: list[Path], tables: list[Path], target: int) -> ScaledCorpus:
    """Round after round, a variant of every prose source and a copy of every table document,
    until `target` bytes are written."""
    items = [(path, False) for path in prose] + [(path, True) for path in tables]
    texts = [(path.stem, path.suffix, path.read_bytes().decode("utf-8"), is_table) for path, is_table in items]
    total_bytes = total_chars = count = table_count = table_chars = 0
    k = 0
    while total_bytes < target:
        for stem, suffix, text, is_table in texts:
            body = copy(text, k) if is_table else variant(text, f"{stem}:{k}")
            raw = body.encode("utf-8")
            (folder / f"{stem}-v{k:03d}{suffix}").write_bytes(raw)
            total_bytes, total_chars, count = total_bytes + len(raw), total_chars + len(body), count + 1
            if is_table:
                table_count, table_chars = table_count + 1, table_chars + len(body)
            if total_bytes >= target:
                break
        k += 1
    return ScaledCorpus(folder, count, total_bytes, total_chars, table_count, table_chars)


def build(target: int = FULL_BYTES, *, source: Path = SOURCE, gold: Path = GOLD_DIR,
          cache: Path = CACHE) -> ScaledCorpus:
    """The bench corpus of at least `target` bytes, built once and then reused."""
    prose, tables = sources(source), table_sources(gold)
    if not prose:
        raise FileNotFoundError(f"{source}: no .txt documents to scale up")
    folder = cache / f"corpus-{_digest([*prose, *tables], target)}"
    manifest = folder / MANIFEST
    if manifest.is_file():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return ScaledCorpus(folder, data["documents"], data["bytes"], data["characters"],
                            data["table_documents"], data["table_characters"])
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=cache))
    corpus = _write(building, prose, tables, target)
    (building / MANIFEST).write_text(json.dumps(
        {"documents": corpus.documents, "bytes": corpus.bytes, "characters": corpus.characters,
         "table_documents": corpus.table_documents, "table_characters": corpus.table_characters,
         "target": target, "sources": [p.name for p in [*prose, *tables]]}), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)  # whole or not at all: a crash leaves only a building-* folder
    return ScaledCorpus(folder, corpus.documents, corpus.bytes, corpus.characters,
                        corpus.table_documents, corpus.table_characters)


def replicate(folder: Path, count: int, target: Path) -> ScaledCorpus:
    """`count` documents in `target`: the documents of `folder` in turn, copy k with marker k, so
    that no two have the same bytes (the run's cache is keyed on content)."""
    paths = documents_in(folder)
    if not paths:
        raise FileNotFoundError(f"{folder}: no documents to copy")
    target.mkdir(parents=True, exist_ok=True)
    texts = [(path.stem, path.suffix, path.read_bytes().decode("utf-8")) for path in paths]
    total_bytes = total_chars = 0
    for k in range(count):
        stem, suffix, text = texts[k % len(texts)]
        body = copy(text, k)
        raw = body.encode("utf-8")
        (target / f"{k:06d}-{stem}{suffix}").write_bytes(raw)
        total_bytes, total_chars = total_bytes + len(raw), total_chars + len(body)
    return ScaledCorpus(target, count, total_bytes, total_chars)


def load(folder: Path) -> list[Document]:
    """The documents of a folder, sorted by name, read as the CLI reads them."""
    return [read_document(path) for path in documents_in(folder)]
