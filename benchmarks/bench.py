"""The benchmark harness's one command: `make bench`, or `.venv/bin/python -m benchmarks.bench`.

Sections, in order: the scaled corpus; throughput and peak memory of every extractor, peer
and floor (each in its own process); accuracy beside speed (from the same processes' warm-up
on the gold documents); ratios; the main flow cold and warm; the Dask scale-out; the
warehouse at a million claims. A part the project does not have yet is reported as "not
available: <why>"; rerunning measures it once it exists. A full run writes
benchmarks/latest.json and the table of benchmarks/README.md; `--quick` and `--only` runs
write .cache/bench/partial.json instead, so that the committed figures are always a full run.
This module is the harness's command line: the table goes to standard output, progress to
standard error.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import accuracy, corpus, endtoend, machine, report, throughput
from benchmarks.peers import PEERS
from reform_facts.paths import PROJECT_DIR as ROOT

log = logging.getLogger("benchmarks")

HERE = Path(__file__).resolve().parent
LATEST = HERE / "latest.json"
PARTIAL = corpus.CACHE / "partial.json"
LOGS = corpus.CACHE / "logs"  # the output of each `reform-facts run`, kept for a failed one
PLANNED_EXTRACTORS = ("rules", "spacy", "hybrid")  # measured when the registry has them
SECTIONS = ("throughput", "e2e", "scale", "warehouse")
SCALE_EXTRACTOR = "spacy"
SCALE_ROUNDS = 3  # runs of each Dask size, in turns: the median of each is reported
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


def run_scale(folder: Path, quick: bool) -> dict[str, Any]:
    from reform_facts.extractors import registry

    log.info("scale: %s on a local Dask cluster of 1 and 2 workers", SCALE_EXTRACTOR)
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        result = endtoend.dask_scale(folder, Path(tmp), LOGS, SCALE_EXTRACTOR, registry.names(),
                                     rounds=1 if quick else SCALE_ROUNDS)
    return result | {"bench_command": command("scale", quick)}


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
    """The contenders and sections an --only list asks for (everything by default)."""
    contenders = [*extractor_names(), *PEERS]
    if not only:
        return contenders, set(SECTIONS)
    unknown = [item for item in only if item not in contenders and item not in SECTIONS]
    if unknown:
        raise SystemExit(f"bench: unknown --only {', '.join(unknown)}; choose from "
                         f"{', '.join([*SECTIONS, *contenders])}")
    picked = [name for name in contenders if name in only or "throughput" in only]
    return picked, {item for item in only if item in SECTIONS} | ({"throughput"} if picked else set())


def run(*, quick: bool, runs: int, only: list[str] | None) -> dict[str, Any]:
    """Every section asked for; the results as latest.json holds them."""
    started = time.perf_counter()
    names, sections = _wanted(only)
    results: dict[str, Any] = {"quick": quick, "only": only, "machine": machine.describe()}
    scaled = corpus.build(corpus.QUICK_BYTES if quick else corpus.FULL_BYTES)
    results["corpus"] = scaled.to_json()
    if "throughput" in sections:
        measured = run_throughput(names, scaled.folder, runs, quick)
        results["accuracy"] = accuracy.table(measured)
        results["throughput"] = [{k: v for k, v in r.items() if k != "gold_output"} for r in measured]
        results["ratios"] = report.ratios(results["throughput"])
    if "e2e" in sections:
        results["end_to_end"] = run_e2e(quick)
    if "scale" in sections:
        results["scale"] = run_scale(scaled.folder, quick)
    if "warehouse" in sections:
        results["warehouse"] = run_warehouse(quick)
    results["machine"]["load_average_end"] = machine.load_average()
    results["total_s"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 0.5 MiB corpus and 50 000 warehouse claims")
    parser.add_argument("--runs", type=int, default=5, help="timed passes after the warm-up (default 5)")
    parser.add_argument("--only", type=lambda text: text.split(","), metavar="NAME[,NAME]",
                        help=f"sections ({', '.join(SECTIONS)}) or contenders (extractor or peer names)")
    parser.add_argument("--render", action="store_true",
                        help="measure nothing: print latest.json's tables and put them in the README")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="bench: %(message)s", stream=sys.stderr)
    if args.render:
        table = report.markdown(json.loads(LATEST.read_text(encoding="utf-8")))
        report.update_readme(HERE / "README.md", table)
        print(table)
        return 0
    results = run(quick=args.quick, runs=args.runs, only=args.only)
    full = not args.quick and not args.only
    target = LATEST if full else PARTIAL
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    table = report.markdown(results)
    if full:
        report.update_readme(HERE / "README.md", table)
    print(table)
    print(f"\nwrote {target.relative_to(ROOT)}" + (" and the table of benchmarks/README.md" if full else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
