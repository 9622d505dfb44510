"""What every extractor is: a name, a version that changes with its rules, and a pure call."""
from __future__ import annotations

from typing import Protocol

from reform_facts.claim import Claim, Document


class Extractor(Protocol):
    name: str
    version: str  # includes a hash of the rules (and model) it was built from

    def __call__(self, doc: Document) -> list[Claim]: ...
