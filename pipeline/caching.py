"""When an extraction is reused: its cache key, and where cached results are kept.

An extraction depends on the document's bytes, on what the reader and `registry.describe`
made of them (id, title, year, region), and on the extractor's name and version. The version
changes with the extractor's rules or model. The key covers exactly these, plus the shape of
the result classes, so a pickled result from older code is never read back into newer code.
Results are written to local storage under `.cache/prefect/` (ignored by git).
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import cast

from prefect.filesystems import LocalFileSystem
from prefect.results import ResultStore
from prefect.utilities.hashing import hash_objects

from reform_facts.extractors import registry
from reform_facts.extractors.base import Extractor
from reform_facts import paths
from reform_facts.claim import Claim, Document

CACHE_DIR = paths.CACHE_DIR / "prefect"


def extractor(name: str) -> Extractor:
    """The extractor of that name, built at most once per process even when threads race
    (registry.get builds under a lock: never a spaCy pipeline twice)."""
    return registry.get(name)


def result_format() -> tuple[str, ...]:
    """The field names of what a cached result holds. They change when the classes change."""
    from reform_facts.warehouse.load import ExtractionResult

    return tuple(f.name for f in fields(Claim)) + tuple(f.name for f in fields(ExtractionResult))


def extraction_key(document: Document, name: str) -> str:
    """The cache key of extracting `document` with the extractor called `name`.

    The version comes from `registry.version`, which does not build a spaCy pipeline: a cache
    hit costs no model load."""
    # raise_on_failure: an unhashable input raises instead of returning None (no caching)
    return cast(str, hash_objects(result_format(), document.doc_id, document.sha256, document.title,
                                  document.year, document.region, document.region_code,
                                  name, registry.version(name), raise_on_failure=True))


def result_store(cache_dir: Path | str | None = None) -> ResultStore:
    """Where `tasks.extract_batch` keeps one result per document: `<cache_dir>/results`, found
    by their keys under `<cache_dir>/keys`.

    Not kept in memory: a worker extracting thousands of documents holds none of their results.
    """
    where = Path(cache_dir) if cache_dir else CACHE_DIR
    return ResultStore(result_storage=LocalFileSystem(basepath=str(where / "results")),
                       metadata_storage=LocalFileSystem(basepath=str(where / "keys")),
                       cache_result_in_memory=False)
