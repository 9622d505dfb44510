"""The registry: versions known without building, and one build per process under threads."""
from __future__ import annotations

import threading
import time
from functools import cache

import pytest

from reform_facts.extractors import registry, spacy_extractor


@pytest.mark.slow
@pytest.mark.parametrize("name", registry.names())
def test_the_cheap_version_is_the_built_extractors_version(name):
    # the cache key relies on it: a cheap version that differed would reuse stale results
    assert registry.version(name) == registry.get(name).version


@pytest.mark.parametrize("name", ["spacy", "hybrid"])
def test_the_spacy_versions_are_known_without_building_the_pipeline(name, monkeypatch):
    def refuse(self, **kwargs):
        raise AssertionError("the pipeline was built to learn its version")

    monkeypatch.setattr(spacy_extractor.SpacyExtractor, "__init__", refuse)
    monkeypatch.setattr(registry, "_build", registry._build.__wrapped__)  # nothing built yet
    monkeypatch.setattr(registry, "_cheap_version", registry._cheap_version.__wrapped__)
    assert registry.version(name).startswith(f"{name}-")


def test_a_fold_names_its_held_out_documents_in_the_version():
    assert spacy_extractor.version("spacy", held_out=["b", "a"]).endswith("-without-a+b")
    assert spacy_extractor.version("spacy", held_out=["a"]) != spacy_extractor.version("spacy")


def test_a_replaced_factory_gives_its_own_version(monkeypatch):
    class Stub:
        version = "stub-7"

    monkeypatch.setitem(registry.FACTORIES, "spacy", Stub)
    monkeypatch.setattr(registry, "_build", registry._build.__wrapped__)
    assert registry.version("spacy") == "stub-7"


def test_threads_asking_at_once_build_an_extractor_once(monkeypatch):
    built = []

    def slow_factory():
        time.sleep(0.2)  # long enough for every thread to ask before the first build ends
        built.append(object())
        return built[-1]

    monkeypatch.setitem(registry.FACTORIES, "slow-test", slow_factory)
    monkeypatch.setattr(registry, "_build", cache(registry._build.__wrapped__))  # a cache of its own
    got = []
    threads = [threading.Thread(target=lambda: got.append(registry.get("slow-test"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1 and all(item is built[0] for item in got)


def test_every_version_carries_the_extractors_code_so_a_code_change_renews_the_cache(tmp_path, monkeypatch):
    from reform_facts.extractors import code_version as module

    assert registry.get("rules").version.endswith(f"-{module.code_version()}")
    originals = module.sources()
    assert {"rule_based.py", "context.py", "claim.py"} <= {p.name for p in originals}
    copies = []
    for number, path in enumerate(originals):  # a copy of the sources, then one byte of one file changed
        copy = tmp_path / str(number) / path.name
        copy.parent.mkdir()
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    monkeypatch.setattr(module, "sources", lambda: copies)
    module.code_version.cache_clear()
    try:
        before = module.code_version()
        layout = next(copy for copy in copies if copy.name == "context.py")
        layout.write_bytes(layout.read_bytes() + b"\n")
        module.code_version.cache_clear()
        assert module.code_version() != before
    finally:
        module.code_version.cache_clear()
