"""Shared, session-scoped fixtures: extractors are built once per test session."""
from __future__ import annotations

import pytest

from reform_facts.extractors import registry
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Document
from reform_facts.readers import read_document

CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def rules():
    return registry.get("rules")


@pytest.fixture(scope="session")
def corpus_docs() -> list[Document]:
    return [registry.describe(read_document(path)) for path in sorted(CORPUS.glob("*.txt"))]


def make_doc(text: str, doc_id: str = "case") -> Document:
    return registry.describe(Document.from_text(text, doc_id=doc_id, path=f"{doc_id}.txt"))


@pytest.fixture
def doc_from():
    return make_doc

