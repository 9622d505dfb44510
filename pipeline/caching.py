"""When an extraction is reused: its cache key, and the JSON files that hold cached results.

An extraction depends on the document's content and on the extractor, never on the file's name
or folder: the key covers the document's bytes (its sha256), what the reader and
`registry.describe` made of them (the text, title, year, region), and the extractor's name and
version, which changes with its rules or model. The same bytes under another name are a hit;
the claims read back are given the current document's id.

Each result is one JSON file, `<cache_dir>/<key[:2]>/<key>.json`, written whole or not at all
(a temporary file renamed). JSON and not pickles: a file planted in the cache folder can give
wrong claims at worst, never run code. An entry that cannot be read back as claims of this
document (truncated, edited, from an older format) is a miss: the extraction is redone, the
entry rewritten, and the lookup says what was wrong so that the run reports it once.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from reform_facts import paths
from reform_facts.claim import Claim, Document
from reform_facts.extractors import registry
from reform_facts.extractors.base import Extractor

CACHE_DIR = paths.CACHE_DIR / "extractions"
# Raised when the layout of an entry changes; the field names of Claim are in the key as well.
FORMAT = 1


def extractor(name: str) -> Extractor:
    """The extractor of that name, built at most once per process even when threads race
    (registry.get builds under a lock: never a spaCy pipeline twice)."""
    return registry.get(name)


def extraction_key(document: Document, name: str) -> str:
    """The cache key of extracting `document` with the extractor called `name`.

    The version comes from `registry.version`, which does not build a spaCy pipeline: a cache
    hit costs no model load. The document's id and path are left out on purpose.

    >>> a = Document.from_text("签约覆盖率50.28%", doc_id="a", path="/x/a.txt")
    >>> b = Document.from_text("签约覆盖率50.28%", doc_id="b", path="/y/b.txt")
    >>> extraction_key(a, "rules") == extraction_key(b, "rules")
    True
    """
    parts = {"format": FORMAT, "claim_fields": [f.name for f in fields(Claim)],
             "sha256": document.sha256, "text": _digest(document.text), "title": document.title,
             "year": document.year, "region": document.region, "region_code": document.region_code,
             "extractor": name, "version": registry.version(name)}
    return _digest(json.dumps(parts, ensure_ascii=False, sort_keys=True))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the cache holds for a key: the claims, or None; `damage` says why an entry that
    was there could not be used."""

    claims: list[Claim] | None
    damage: str | None = None


class ResultCache:
    """Cached claims, one JSON file per key under `folder` (created on first write)."""

    def __init__(self, folder: Path | str | None = None) -> None:
        self.folder = Path(folder) if folder else CACHE_DIR

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def read(self, key: str, document: Document, *, extractor: str, version: str) -> Lookup:
        """The claims cached under `key`, as claims of `document` (its id, offsets into its text)."""
        path = self.path(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return Lookup(None)
        except OSError as error:
            return Lookup(None, f"{path}: cannot read the cache entry ({error.strerror})")
        try:
            return Lookup(_claims(json.loads(raw), document, extractor=extractor, version=version))
        except (ValueError, TypeError, KeyError) as error:  # ClaimError is a ValueError
            return Lookup(None, f"{path}: damaged cache entry ({type(error).__name__}: {error})")

    def write(self, key: str, claims: list[Claim], *, extractor: str, version: str) -> None:
        """Store `claims` under `key`: readers see the old entry or the whole new one."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # the document's id is not stored: the same content under another name reuses the entry
        entry = {"format": FORMAT, "extractor": extractor, "version": version,
                 "claims": [claim.to_record(keys=_STORED) for claim in claims]}
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out, ensure_ascii=False)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


# Every field of a claim but its document id, which the reading document supplies.
_STORED = tuple(f.name for f in fields(Claim) if f.name != "doc_id")


def _claims(entry: Any, document: Document, *, extractor: str, version: str) -> list[Claim]:
    """The claims of a decoded entry; ValueError, TypeError or KeyError when it is not one."""
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        raise ValueError("not an entry of this cache format")
    if (entry["extractor"], entry["version"]) != (extractor, version):
        raise ValueError(f"holds {entry['extractor']} {entry['version']}, not {extractor} {version}")
    if not isinstance(entry["claims"], list) or not all(isinstance(r, dict) for r in entry["claims"]):
        raise ValueError("claims are not a list of records")
    claims = [Claim.from_record({**record, "doc_id": document.doc_id}) for record in entry["claims"]]
    for claim in claims:
        claim.check_against(document.text)  # offsets that do not fit this text: not its result
    return claims
