"""The extractors' code as part of their version.

An extractor's version keys the extraction cache and is stored with every extraction. The rules'
digest covers rules/ and a trained model's folder covers what it was trained from, but neither
covers the code that reads them: without this, a change to that code would leave stale cached
claims in place. So every version carries a hash of the extractors' modules and the claim model.
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from reform_facts import ROOT

SOURCES = ("extractors/*.py", "reform_facts/claim.py", "reform_facts/vocabulary.py")


@cache
def code_version() -> str:
    """Eight hex digits of a hash over the extractors' source files, in name order.

    >>> len(code_version()), code_version() == code_version()
    (8, True)
    """
    digest = hashlib.sha256()
    for path in sources():
        raw = path.read_bytes()
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + len(raw).to_bytes(8, "big") + raw)
    return digest.hexdigest()[:8]


def sources() -> list[Path]:
    """The files the hash covers."""
    return sorted(p for pattern in SOURCES for p in ROOT.glob(pattern))
