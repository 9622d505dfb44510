"""The benchmark harness's one command: `make bench`, or `.venv/bin/python -m benchmarks.bench`.

Sections, in order: throughput and peak memory of every extractor, peer and floor over the bench
corpus (each tool in its own process), with accuracy beside speed (from the same processes'
warm-up on the dev gold documents) and the ratios; adversarial inputs (time per doubling of the
input); the main flow cold and warm; Dask with one and two workers; the warehouse at many
claims; and, with `--scale N` only, a run over N documents beside a run over 100, then a run
killed half-way and run again (what it takes from the cache, what the warehouse holds). A part the
project does not have yet is reported as "not available: <why>". A run of every section writes
benchmarks/latest.json and the table of benchmarks/README.md; an `--only` run writes
.cache/bench/partial.json instead. The table goes to standard output, progress to standard error.
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import accuracy, adversarial, corpus, endtoend, machine, report, throughput
from benchmarks.peers import PEERS
from reform_facts.paths import PROJECT_DIR as ROOT

log = logging.getLogger("benchmarks")

HERE = Path(__file__).resolve().parent
LATEST = HERE / "latest.json"
PARTIAL = corpus.CACHE / "partial.json"
LOGS = corpus.CACHE / "logs"  # the output of each `reform-facts run`, kept for a failed one
PLANNED_EXTRACTORS = ("rules", "spacy", "hybrid")  # measured when the registry has them
SECTIONS = ("throughput", "adversarial", "e2e", "dask", "warehouse")
DASK_EXTRACTOR = "spacy"
DASK_ROUNDS = 3  # runs of each Dask size, in turns: the median of each is reported
SCALE_BASE = 100  # the run over N documents is set beside a run over this many
# A scale run gets endtoend.RUN_TIMEOUT_S (1 200 s) or this much a document, whichever is longer:
# 10 000 documents, 5 000 s. Measured on 2 shared cores: 0.03 s a document with the rules alone,
# 0.25 s with the three extractors `reform-facts run` uses by default.
SCALE_SECONDS_PER_DOCUMENT = 0.5
KILLED_DOCUMENTS = 1000  # the run killed half-way and run again: this many documents at most
ADVERSARIAL_TIMEOUT_S = {"full": 60.0, "quick": 30.0}
WAREHOUSE_CLAIMS = {"full": 1_000_000, "quick": 50_000}
PY = ".venv/bin/python"


def extractor_names() -> list[str]:
    from reform_facts.extractors import registry

    return list(dict.fromkeys([*PLANNED_EXTRACTORS, *registry.names()]))


def command(only: str, quick: bool) -> str:
    return f"{PY} -m benchmarks.bench --only {only}" + (" --quick" if quick else "")


def run_throughput(names: Sequence[str], folder: Path, runs: int, quick: bool) -> list[dict[str, Any]]:
    log.info("throughput: %s, %d passes each, taken in turns", ", ".join(names), runs)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        results = throughput.interleaved(names, folder, runs, Path(tmp), progress=log.info)
    for result in results:
        result["command"] = command(result["name"], quick)
        log.info("  %s: %s", result["name"], result.get("chars_per_s") or result.get("reason"))
    return results


def run_e2e(quick: bool) -> dict[str, Any]:
    log.info("end to end: the main flow on corpus/, cold then warm")
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        return endtoend.main_flow(corpus.SOURCE, Path(tmp), LOGS) | {"bench_command": command("e2e", quick)}


def run_adversarial(quick: bool, timeout: float | None) -> dict[str, Any]:
    limit = timeout or ADVERSARIAL_TIMEOUT_S["quick" if quick else "full"]
    log.info("adversarial inputs: %s, %s, %d s a call", ", ".join(adversarial.EXTRACTORS),
             "/".join(f"{f}x" for f in adversarial.FACTORS), limit)
    return adversarial.measure(adversarial.EXTRACTORS, limit, progress=log.info) | {
        "bench_command": command("adversarial", quick)}


def run_dask(folder: Path, quick: bool) -> dict[str, Any]:
    from reform_facts.extractors import registry

    log.info("dask: %s on a local Dask cluster of 1 and 2 workers", DASK_EXTRACTOR)
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        result = endtoend.dask_scale(folder, Path(tmp), LOGS, DASK_EXTRACTOR, registry.names(),
                                     rounds=1 if quick else DASK_ROUNDS)
    return result | {"bench_command": command("dask", quick)}


def scale_timeout(documents: int) -> float:
    """Seconds a scale run gets: RUN_TIMEOUT_S, or SCALE_SECONDS_PER_DOCUMENT a document when longer."""
    return max(endtoend.RUN_TIMEOUT_S, documents * SCALE_SECONDS_PER_DOCUMENT)


def run_scale(folder: Path, documents: int, extractors: Sequence[str], quick: bool = False) -> dict[str, Any]:
    """A cold run over `documents` copies of the bench corpus beside one over SCALE_BASE copies,
    then a run over min(documents, KILLED_DOCUMENTS) copies killed half-way and run again."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for count in dict.fromkeys([SCALE_BASE, documents]):
            log.info("scale: `reform-facts run` over %d documents (%s), at most %d s", count,
                     ", ".join(extractors) or "all extractors", scale_timeout(count))
            workdir = Path(tmp) / f"run-{count}"
            copies = corpus.replicate(folder, count, workdir / "documents")
            run = endtoend.documents_run(copies.folder, workdir, LOGS / f"scale-{count}.log", extractors,
                                         scale_timeout(count))
            run |= {"documents": count, "characters": copies.characters}
            if run.get("seconds"):
                run["documents_per_s"] = round(count / run["seconds"], 1)
            runs.append(run)
            log.info("  %s s, peak %s MiB (process tree)", run.get("seconds"), run.get("peak_tree_rss_mib"))
            shutil.rmtree(workdir, ignore_errors=True)
        killed = min(documents, KILLED_DOCUMENTS)
        log.info("scale: `reform-facts run` over %d documents killed half-way, then run again", killed)
        workdir = Path(tmp) / "killed"
        copies = corpus.replicate(folder, killed, workdir / "documents")
        pairs = killed * len(extractors or extractor_names())
        kill = endtoend.killed_run(copies.folder, workdir, LOGS / "scale-killed", extractors, pairs,
                                   scale_timeout(killed)) | {"documents_copied": killed}
        log.info("  killed after %s s with %s of %d extractions cached; the rerun took %s from the cache: %s",
                 kill.get("killed_after_s"), kill.get("cached_at_kill"), pairs, kill.get("rerun_from_cache"),
                 kill["status"])
    result: dict[str, Any] = {"status": "ok" if all(r["status"] == "ok" for r in [*runs, kill]) else "failed",
                              "documents": documents, "extractors": ", ".join(extractors) or "all",
                              "timeout_s": scale_timeout(documents), "runs": runs, "killed": kill,
                              "bench_command": f"{PY} -m benchmarks.bench" + " --quick" * quick
                                               + f" --only scale --scale {documents}"
                                               + "".join(f" --scale-extractor {name}" for name in extractors)}
    if all(r["status"] == "ok" for r in runs) and runs[0].get("peak_tree_rss_mib"):
        result["memory_ratio"] = round(runs[-1]["peak_tree_rss_mib"] / runs[0]["peak_tree_rss_mib"], 3)
    if result["status"] != "ok":
        result["reason"] = "; ".join([f"{r['documents']} documents: {r.get('reason')}" for r in runs if r["status"] != "ok"]
                                     + ([f"killed run: {kill.get('reason')}"] if kill["status"] != "ok" else []))
    return result


def run_warehouse(quick: bool) -> dict[str, Any]:
    import subprocess

    claims = WAREHOUSE_CLAIMS["quick" if quick else "full"]
    log.info("warehouse: bulk load of %d generated claims, then the example queries", claims)
    with tempfile.TemporaryDirectory(prefix="bench-wh-") as tmp:
        out = Path(tmp) / "reform_facts.warehouse.json"
        done = subprocess.run([sys.executable, "-m", "benchmarks.warehouse_load", "--claims", str(claims),
                               "--db", str(Path(tmp) / "w.duckdb"), "--out", str(out)],
                              cwd=ROOT, capture_output=True, text=True)
        if out.is_file():
            result = json.loads(out.read_text(encoding="utf-8"))
        else:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            result = {"status": "failed", "reason": lines[-1] if lines else f"exit {done.returncode}"}
    return result | {"bench_command": command("warehouse", quick)}


def _wanted(only: list[str] | None) -> tuple[list[str], set[str]]:
    """The contenders and sections an --only list asks for (every section but scale by default)."""
    contenders = [*extractor_names(), *PEERS]
    if not only:
        return contenders, set(SECTIONS)
    unknown = [item for item in only if item not in contenders and item not in (*SECTIONS, "scale")]
    if unknown:
        raise SystemExit(f"bench: unknown --only {', '.join(unknown)}; choose from "
                         f"{', '.join([*SECTIONS, 'scale', *contenders])}")
    picked = [name for name in contenders if name in only or "throughput" in only]
    return picked, {item for item in only if item in (*SECTIONS, "scale")} | ({"throughput"} if picked else set())


def run(*, quick: bool, runs: int, only: list[str] | None, scale: int | None = None,
        scale_extractors: Sequence[str] = (), adversarial_timeout: float | None = None) -> dict[str, Any]:
    """Every section asked for; the results as latest.json holds them."""
    started = time.perf_counter()
    names, sections = _wanted(only)
    if "scale" in sections and not scale:
        raise SystemExit("bench: the scale section needs --scale N (the number of documents)")
    results: dict[str, Any] = {"quick": quick, "only": only, "machine": machine.describe()}
    scaled = corpus.build(corpus.QUICK_BYTES if quick else corpus.FULL_BYTES)
    results["corpus"] = scaled.to_json()
    if "throughput" in sections:
        measured = run_throughput(names, scaled.folder, runs, quick)
        results["accuracy"] = accuracy.table(measured)
        results["throughput"] = [{k: v for k, v in r.items() if k != "gold_output"} for r in measured]
        results["ratios"] = report.ratios(results["throughput"])
    if "adversarial" in sections:
        results["adversarial"] = run_adversarial(quick, adversarial_timeout)
    if "e2e" in sections:
        results["end_to_end"] = run_e2e(quick)
    if "dask" in sections:
        results["dask"] = run_dask(scaled.folder, quick)
    if "warehouse" in sections:
        results["warehouse"] = run_warehouse(quick)
    if scale:
        results["scale"] = run_scale(scaled.folder, scale, scale_extractors, quick)
    results["machine"]["load_average_end"] = machine.load_average()
    results["total_s"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="a 0.5 MiB corpus, one Dask run per size, 50 000 warehouse claims")
    parser.add_argument("--runs", type=int, default=5, help="timed passes after the warm-up (default 5)")
    parser.add_argument("--only", type=lambda text: text.split(","), metavar="NAME[,NAME]",
                        help=f"sections ({', '.join(SECTIONS)}, scale) or contenders (extractor or peer names)")
    parser.add_argument("--scale", type=int, metavar="N",
                        help=f"also run `reform-facts run` over N copies of the bench corpus, beside {SCALE_BASE}")
    parser.add_argument("--scale-extractor", action="append", default=[], metavar="NAME",
                        help="the extractors of the scale runs (repeatable; default: all, as `reform-facts run`)")
    parser.add_argument("--adversarial-timeout", type=float, metavar="S",
                        help="seconds a call on an adversarial input gets (default 60, 30 with --quick)")
    parser.add_argument("--render", action="store_true",
                        help="measure nothing: print latest.json's tables and put them in the README")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="bench: %(message)s", stream=sys.stderr)
    if args.render:
        table = report.markdown(json.loads(LATEST.read_text(encoding="utf-8")))
        report.update_readme(HERE / "README.md", table)
        print(table)
        return 0
    results = run(quick=args.quick, runs=args.runs, only=args.only, scale=args.scale,
                  scale_extractors=args.scale_extractor, adversarial_timeout=args.adversarial_timeout)
    every_section = not args.only
    target = LATEST if every_section else PARTIAL
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    table = report.markdown(results)
    if every_section:
        report.update_readme(HERE / "README.md", table)
    print(table)
    print(f"\nwrote {target.relative_to(ROOT)}" + (" and the table of benchmarks/README.md" if every_section else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
