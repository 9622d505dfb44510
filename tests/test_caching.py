"""The extraction cache: keyed on content, JSON only, and a damaged entry heals.

No Prefect server: the cache and one task's per-document step are plain functions.
"""
from __future__ import annotations

import json
import logging
import pickle
from dataclasses import dataclass, replace

import pytest

from reform_facts.claim import Document
from reform_facts.extractors import registry
from reform_facts.pipeline import caching, tasks
from reform_facts.pipeline.caching import ResultCache

TEXT = "三明市医改工作总结\n2023年，全市家庭医生签约覆盖率达到50.28%，基层诊疗量占比65%以上。"
LOG = logging.getLogger("test")


@dataclass
class Counting:
    """The rule extractor under another name, counting its calls."""

    name: str = "cache-counting"
    version: str = "counting-1"
    calls: int = 0

    def __call__(self, doc: Document):
        self.calls += 1
        return [claim.with_(extractor=self.name) for claim in registry.get("rules")(doc)]


COUNTING = Counting()  # registry.get caches what a factory builds: one instance, reset per test


@pytest.fixture
def counting(monkeypatch):
    monkeypatch.setattr(COUNTING, "calls", 0)
    monkeypatch.setattr(COUNTING, "version", "counting-1")
    monkeypatch.setitem(registry.FACTORIES, "cache-counting", lambda: COUNTING)
    return COUNTING


def doc(doc_id: str = "plan", path: str = "/a/plan.txt", text: str = TEXT, **stated) -> Document:
    return Document.from_text(text, doc_id=doc_id, path=path, **stated)


def test_the_key_follows_content_and_version_never_the_name_or_folder(counting):
    key = caching.extraction_key(doc(), "cache-counting")
    assert caching.extraction_key(doc(doc_id="copy", path="/b/copy.txt"), "cache-counting") == key
    assert caching.extraction_key(doc(text=TEXT.replace("50.28", "50.29")), "cache-counting") != key
    # the same bytes read otherwise (another reader, another stated year) are another result
    assert caching.extraction_key(replace(doc(), text=TEXT + "\n"), "cache-counting") != key
    assert caching.extraction_key(doc(year=2023), "cache-counting") != key
    assert caching.extraction_key(doc(), "rules") != key
    counting.version = "counting-2"
    assert caching.extraction_key(doc(), "cache-counting") != key


def test_the_same_bytes_under_another_name_come_from_the_cache_as_that_document(tmp_path, counting):
    cache = ResultCache(tmp_path)
    first, copy = doc(), doc(doc_id="copy", path="/b/copy.txt")
    done = tasks._extract_one(cache, "cache-counting", first, LOG)  # noqa: SLF001
    again = tasks._extract_one(cache, "cache-counting", copy, LOG)  # noqa: SLF001
    assert (done.cached, again.cached, counting.calls) == (False, True, 1)
    assert again.result.claims == [claim.with_(doc_id="copy") for claim in done.result.claims]
    assert again.result.doc_id == "copy" and len(again.result.claims) == 2


def test_entries_are_json_without_the_document_id(tmp_path, counting):
    cache = ResultCache(tmp_path)
    tasks._extract_one(cache, "cache-counting", doc(), LOG)  # noqa: SLF001
    (entry,) = tmp_path.glob("*/*.json")
    stored = json.loads(entry.read_text(encoding="utf-8"))
    assert stored["extractor"] == "cache-counting" and stored["version"] == "counting-1"
    assert [claim["text"] for claim in stored["claims"]] == ["50.28%", "65%"]
    assert "doc_id" not in stored["claims"][0] and "plan" not in entry.read_text(encoding="utf-8")


class Planted:
    """Unpickling this runs code: what a crafted cache file would do to a pickle cache."""

    def __reduce__(self):
        return (print, ("pwned",))


def entry_of(cache: ResultCache) -> bytes:
    (path,) = cache.folder.glob("*/*.json")
    return path.read_bytes()


@pytest.mark.parametrize("damage", [
    pytest.param(lambda raw: raw[: len(raw) // 2], id="truncated"),
    pytest.param(lambda raw: b"", id="empty"),
    pytest.param(lambda raw: pickle.dumps(Planted()), id="a pickle"),
    pytest.param(lambda raw: b"[1, 2, 3]", id="not an object"),
    pytest.param(lambda raw: raw.replace(b'"format": 1', b'"format": 0'), id="older format"),
    pytest.param(lambda raw: raw.replace(b'"start": ', b'"start": 1'), id="offsets off the text"),
    pytest.param(lambda raw: raw.replace(b'"unit": "%"', b'"unit": "km"', 1), id="breaks the contract"),
    pytest.param(lambda raw: raw.replace(b'"value"', b'"worth"', 1), id="unknown field"),
    pytest.param(lambda raw: raw.replace(b'"counting-1"', b'"counting-0"'), id="another version"),
])
def test_a_damaged_entry_is_recomputed_reported_once_and_healed(tmp_path, counting, capsys, damage):
    cache = ResultCache(tmp_path)
    first = tasks._extract_one(cache, "cache-counting", doc(), LOG)  # noqa: SLF001
    path = next(tmp_path.glob("*/*.json"))
    path.write_bytes(damage(entry_of(cache)))

    healed = tasks._extract_one(cache, "cache-counting", doc(), LOG)  # noqa: SLF001
    assert healed.error is None and not healed.cached and counting.calls == 2
    assert healed.result.claims == first.result.claims
    assert healed.warning.startswith(f"{path}: damaged cache entry") and "extracted again" in healed.warning
    assert "pwned" not in capsys.readouterr().out  # nothing in the file was run

    after = tasks._extract_one(cache, "cache-counting", doc(), LOG)  # noqa: SLF001
    assert after.cached and after.warning is None and counting.calls == 2  # rewritten whole: reported once


def test_a_missing_entry_is_a_plain_miss(tmp_path):
    found = ResultCache(tmp_path).read("ab" * 32, doc(), extractor="rules", version="rules-1")
    assert found == caching.Lookup(None, None)
