"""Throughput and peak memory of the extractors, peers and floors, each in a process of its own.

`measure` does the work in-process: load the tool (untimed), run it over the dev gold documents
(the warm-up, whose output the accuracy table scores), then time `runs` passes over the
bench corpus, one document at a time, and take the median of the wall-clock times (CPU
times are kept beside them: on a shared machine they show the tool's own work).
`interleaved` does the same for many tools at once, each in a fresh Python process with one
BLAS/OpenMP thread, so that no tool shares memory, caches or imports with another, and takes
their passes in turns. A tool's peak memory is its process's maximum resident set size
(`ru_maxrss`), reported beside the size right after loading.

    python -m benchmarks.throughput rules --corpus .cache/bench/corpus-... --runs 5 --out r.json
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import corpus
from benchmarks.peers import PEERS
from reform_facts.paths import PROJECT_DIR as ROOT
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
    from reform_facts.extractors import registry

    try:
        extractor = registry.get(name)
    except UnknownExtractorError:
        raise BenchmarkUnavailableError(
            f"extractor {name!r} is not in reform_facts.extractors.registry (it has: "
            f"{', '.join(registry.names())})") from None
    return "extractor", extractor.version, extractor, lambda doc, out: [c.to_record() for c in out]


def _prepare(name: str, docs: list[Document]) -> list[Document]:
    """Extractors see documents as the CLI gives them: with their stated title, year, region."""
    if name in PEERS:
        return docs
    from reform_facts.extractors import registry

    return [registry.describe(doc) for doc in docs]


def _pass(call: Callable[[Document], Any], docs: Sequence[Document]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one pass over the documents, and how many items came out."""
    found = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for doc in docs:
        found += len(call(doc))
    return time.perf_counter() - wall, time.process_time() - cpu, found


class Session:
    """One tool loaded and warmed up in this process, ready for timed passes: the load is
    untimed, the warm-up runs it over the gold documents (kept for scoring)."""

    def __init__(self, name: str, docs: list[Document], gold_docs: list[Document]) -> None:
        started = time.perf_counter()
        self.name = name
        self.role, self.version, self.call, records = _load(name)
        self.load_s = time.perf_counter() - started
        self.docs, gold_docs = _prepare(name, docs), _prepare(name, gold_docs)
        self.rss_loaded = rss_mib()
        self.gold = {doc.doc_id: records(doc, self.call(doc)) for doc in gold_docs}  # the warm-up
        self.passes: list[tuple[float, float, int]] = []

    def one_pass(self) -> tuple[float, float, int]:
        found = _pass(self.call, self.docs)
        self.passes.append(found)
        return found

    def result(self) -> dict[str, Any]:
        """The passes so far: median wall-clock and CPU time, throughput, memory, warm-up output."""
        walls = [wall for wall, _, _ in self.passes]
        characters = sum(len(doc.text) for doc in self.docs)
        median = statistics.median(walls)
        cpu_median = statistics.median(cpu for _, cpu, _ in self.passes)
        return {
            "name": self.name, "status": "ok", "role": self.role, "version": self.version,
            "documents": len(self.docs), "characters": characters, "runs": len(self.passes),
            "seconds": [round(w, 4) for w in walls], "median_s": round(median, 4),
            "cpu_median_s": round(cpu_median, 4),
            "chars_per_s": round(characters / median) if median else None,
            "cpu_chars_per_s": round(characters / cpu_median) if cpu_median else None,
            "items_per_pass": self.passes[-1][2], "load_s": round(self.load_s, 2),
            "rss_loaded_mib": round(self.rss_loaded, 1), "rss_peak_mib": round(rss_mib(), 1),
            "load_average_1m": round(os.getloadavg()[0], 2), "gold_output": self.gold,
        }


def measure(name: str, docs: list[Document], gold_docs: list[Document], runs: int) -> dict[str, Any]:
    """Load, warm up on the gold documents, time `runs` passes over `docs`, one after another."""
    session = Session(name, docs, gold_docs)
    for _ in range(runs):
        session.one_pass()
    return session.result()


def unavailable(name: str, reason: str, status: str = "not available") -> dict[str, Any]:
    return {"name": name, "status": status, "reason": reason}


class _Child:
    """A tool's `--serve` process: it answers one line per request (see `serve`)."""

    def __init__(self, name: str, folder: Path, out: Path, log: Path) -> None:
        self.name, self.out, self.log = name, out, log
        self.elapsed = 0.0  # wall-clock time spent waiting for this tool: its section_s
        out.unlink(missing_ok=True)
        with log.open("w", encoding="utf-8") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.throughput", name, "--corpus", str(folder),
                 "--serve", "--out", str(out)],
                cwd=ROOT, env=os.environ | ONE_THREAD, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=stderr, text=True)
        self.failure: dict[str, Any] | None = None

    def ask(self, request: str | None, timeout: float) -> str | None:
        """Send a request (None: only wait) and return the answer line; on a timeout or an
        exit the child is ended and `failure` says why."""
        started = time.perf_counter()
        try:
            if request is not None:
                self.proc.stdin.write(request + "\n")
                self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            answer = self.proc.stdout.readline().strip() if ready else None
        except BrokenPipeError:
            answer = ""
        finally:
            self.elapsed += time.perf_counter() - started
        if answer is None:
            self.proc.kill()
            self.failure = unavailable(self.name, f"no answer within {timeout:.0f} s", "failed")
        elif not answer:
            self.failure = self._ended()
        return answer or None

    def finish(self, timeout: float) -> dict[str, Any]:
        """Ask for the result file; what it holds, or why there is none."""
        if self.failure is None and self.ask("done", timeout) is not None:
            self.proc.wait(timeout)
            if self.out.is_file():
                return json.loads(self.out.read_text(encoding="utf-8"))
            self.failure = self._ended()
        self.proc.kill()
        self.proc.wait()
        return self.failure or self._ended()

    def _ended(self) -> dict[str, Any]:
        code = self.proc.wait()
        if self.out.is_file():  # an unavailable tool writes why, then exits
            return json.loads(self.out.read_text(encoding="utf-8"))
        lines = [line for line in self.log.read_text(encoding="utf-8").splitlines() if line.strip()]
        return unavailable(self.name, f"exit {code}: {lines[-1] if lines else 'no message'}", "failed")


def interleaved(names: Sequence[str], folder: Path, runs: int, tmp: Path, *,
                timeout: float = CHILD_TIMEOUT_S, progress: Callable[[str], None] = lambda _: None
                ) -> list[dict[str, Any]]:
    """`measure` for every tool, each in a fresh process of its own, with the passes taken in
    turns: round k times pass k of every tool, one tool at a time, while the others wait idle.
    A slow spell of a shared machine then costs one pass of each tool it meets, which the
    median drops, rather than several passes of one tool, which it cannot."""
    children: list[_Child] = []
    for name in names:  # loaded one at a time: a load is not timed, but it takes the machine
        child = _Child(name, folder, tmp / f"{name}.json", tmp / f"{name}.log")
        if child.ask(None, timeout) == "ready":
            progress(f"{name}: loaded")
        children.append(child)
    for k in range(runs):
        for child in children:
            if child.failure is None and (seconds := child.ask("pass", timeout)) is not None:
                progress(f"round {k + 1}/{runs}: {child.name} {seconds} s")
    results = []
    for child in children:
        result = child.finish(timeout)
        result["section_s"] = round(child.elapsed, 1)
        results.append(result)
    return results


def serve(name: str, folder: Path, out: Path) -> int:
    """The child's side of `interleaved`: load, answer `ready`, then per line of standard
    input `pass` (one timed pass, answered with its wall-clock seconds) or `done` (write the
    result to `out`, answer `done`, exit)."""
    try:
        session = Session(name, corpus.load(folder), corpus.dev_documents())
    except BenchmarkUnavailableError as error:
        out.write_text(json.dumps(unavailable(name, str(error)), ensure_ascii=False), encoding="utf-8")
        return 0
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "pass":
            print(f"{session.one_pass()[0]:.4f}", flush=True)
        elif line.strip() == "done":
            out.write_text(json.dumps(session.result(), ensure_ascii=False), encoding="utf-8")
            print("done", flush=True)
            return 0
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.throughput")
    parser.add_argument("name", help="an extractor of the registry or a peer of benchmarks/peers.py")
    parser.add_argument("--corpus", type=Path, required=True, help="folder of documents to time")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the result")
    parser.add_argument("--serve", action="store_true",
                        help="load, then time a pass per `pass` line of standard input (see `interleaved`)")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.name, args.corpus, args.out)
    try:
        result = measure(args.name, corpus.load(args.corpus), corpus.dev_documents(), args.runs)
    except BenchmarkUnavailableError as error:
        result = unavailable(args.name, str(error))
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
