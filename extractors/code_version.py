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

import reform_facts
from reform_facts import extractors, readers

# The extractors' modules and the core modules they read the claim model and rules through.
CORE = ("claim.py", "vocabulary.py", "rulebook.py", "divisions.py", "structure.py", "tables.py")


@cache
def code_version() -> str:
    """Eight hex digits of a hash over the extractors' source files, in name order.

    >>> len(code_version()), code_version() == code_version()
    (8, True)
    """
    digest = hashlib.sha256()
    for path in sources():
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + len(raw).to_bytes(8, "big") + raw)
    return digest.hexdigest()[:8]


def sources() -> list[Path]:
    """The files the hash covers."""
    core = Path(reform_facts.__file__).parent
    # the readers' formats: the tables they hand over are read by the extractors
    return (sorted(Path(extractors.__file__).parent.glob("*.py")) + [core / name for name in CORE]
            + [Path(readers.__file__).parent / "formats.py"])
