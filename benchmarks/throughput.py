"""Throughput and peak memory of one extractor or peer, each in a process of its own.

`measure` does the work in-process: load the tool (untimed), run it over the gold documents
(the warm-up, whose output the accuracy table scores), then time `runs` passes over the
scaled corpus, one document at a time, and take the median of the wall-clock times (CPU
times are kept beside them: on a shared machine they show the tool's own work). `in_child`
runs `measure` in a fresh Python process with one BLAS/OpenMP thread, so that no tool shares
memory, caches or imports with another: its peak memory is that process's maximum resident
set size (`ru_maxrss`), reported beside the size right after loading.

    python -m benchmarks.throughput rules --corpus .cache/bench/corpus-... --runs 5 --out r.json
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import corpus
from benchmarks.peers import PEERS
from reform_facts import ROOT
from reform_facts.claim import Document
from reform_facts.errors import BenchmarkUnavailableError, UnknownExtractorError

CHILD_TIMEOUT_S = 1800
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "NUMEXPR_NUM_THREADS")}


def rss_mib() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(name: str) -> tuple[str, str, Callable[[Document], Any], Callable[[Document, Any], list[dict]]]:
    """(role, version, timed call on a document, its output as claim records)."""
    if name in PEERS:
        peer = PEERS[name]
        adapter = peer.load()
        return (peer.role, adapter.version, lambda doc: adapter.run(doc.text),
                lambda doc, out: [span.to_claim(doc.doc_id, doc.text).to_record()
                                  for span in adapter.spans(doc.text, out)])
    from extractors import registry

    try:
        extractor = registry.get(name)
    except UnknownExtractorError:
        raise BenchmarkUnavailableError(
            f"extractor {name!r} is not in extractors.registry (it has: "
            f"{', '.join(registry.names())})") from None
    return "extractor", extractor.version, extractor, lambda doc, out: [c.to_record() for c in out]


def _prepare(name: str, docs: list[Document]) -> list[Document]:
    """Extractors see documents as the CLI gives them: with their stated title, year, region."""
    if name in PEERS:
        return docs
    from extractors import registry

    return [registry.describe(doc) for doc in docs]


def _pass(call: Callable[[Document], Any], docs: Sequence[Document]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one pass over the documents, and how many items came out."""
    found = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for doc in docs:
        found += len(call(doc))
    return time.perf_counter() - wall, time.process_time() - cpu, found


def measure(name: str, docs: list[Document], gold_docs: list[Document], runs: int) -> dict[str, Any]:
    """Load, warm up on the gold documents (kept for scoring), time `runs` passes over `docs`."""
    started = time.perf_counter()
    role, version, call, records = _load(name)
    load_s = time.perf_counter() - started
    docs, gold_docs = _prepare(name, docs), _prepare(name, gold_docs)
    loaded = rss_mib()
    gold = {doc.doc_id: records(doc, call(doc)) for doc in gold_docs}  # the warm-up
    passes = [_pass(call, docs) for _ in range(runs)]
    walls = [wall for wall, _, _ in passes]
    characters = sum(len(doc.text) for doc in docs)
    median = statistics.median(walls)
    cpu_median = statistics.median(cpu for _, cpu, _ in passes)
    return {
        "name": name, "status": "ok", "role": role, "version": version,
        "documents": len(docs), "characters": characters, "runs": runs,
        "seconds": [round(w, 4) for w in walls], "median_s": round(median, 4),
        "cpu_median_s": round(cpu_median, 4),
        "chars_per_s": round(characters / median) if median else None,
        "cpu_chars_per_s": round(characters / cpu_median) if cpu_median else None,
        "items_per_pass": passes[-1][2] if passes else None, "load_s": round(load_s, 2),
        "rss_loaded_mib": round(loaded, 1), "rss_peak_mib": round(rss_mib(), 1),
        "load_average_1m": round(os.getloadavg()[0], 2), "gold_output": gold,
    }


def unavailable(name: str, reason: str, status: str = "not available") -> dict[str, Any]:
    return {"name": name, "status": status, "reason": reason}


def in_child(name: str, folder: Path, runs: int, out: Path, *, timeout: float = CHILD_TIMEOUT_S
             ) -> dict[str, Any]:
    """`measure` in a fresh process; a tool that fails is reported with its last error line."""
    command = [sys.executable, "-m", "benchmarks.throughput", name, "--corpus", str(folder),
               "--runs", str(runs), "--out", str(out)]
    out.unlink(missing_ok=True)
    try:
        done = subprocess.run(command, cwd=ROOT, env=os.environ | ONE_THREAD, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return unavailable(name, f"no result within {timeout:.0f} s", "failed")
    if out.is_file():
        return json.loads(out.read_text(encoding="utf-8"))
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return unavailable(name, f"exit {done.returncode}: {lines[-1] if lines else 'no message'}",
                       "failed")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.throughput")
    parser.add_argument("name", help="an extractor of the registry or a peer of benchmarks/peers.py")
    parser.add_argument("--corpus", type=Path, required=True, help="folder of documents to time")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the result")
    args = parser.parse_args(argv)
    try:
        result = measure(args.name, corpus.load(args.corpus), corpus.load(corpus.SOURCE), args.runs)
    except BenchmarkUnavailableError as error:
        result = unavailable(args.name, str(error))
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
