"""The warehouse at scale, for bench.py: benchmarks/warehouse_bench.py's measurement as JSON.

warehouse_bench.py (the warehouse's own benchmark) generates the claims and times the example
queries of warehouse/README.md; this module calls its `generate` and `time_queries`, times
`reform_facts.warehouse.load.load_run` around them the same way (a first load into a new file, then the
same load again, which changes nothing), adds the process's peak memory, and writes one JSON
object, so that bench.py can run it in a child process of its own.

    python -m benchmarks.warehouse_load --claims 1000000 --db /tmp/w.duckdb --out w.json
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.throughput import rss_mib
from reform_facts.errors import BenchmarkUnavailableError

QUERY_RUNS = 5


def _modules() -> tuple[Any, Any]:
    """warehouse_bench and reform_facts.warehouse.load, or why they cannot be used yet."""
    try:
        bench = importlib.import_module("benchmarks.warehouse_bench")
        load = importlib.import_module("reform_facts.warehouse.load")
    except ImportError as error:
        raise BenchmarkUnavailableError(f"the warehouse benchmark is not importable ({error})") from None
    for module, name in ((bench, "generate"), (bench, "time_queries"), (load, "load_run")):
        if not hasattr(module, name):
            raise BenchmarkUnavailableError(f"{module.__name__} has no {name}() yet")
    return bench, load


def _query_row(timed: Sequence[Any]) -> dict[str, Any]:
    """(heading, rows, ..., median seconds with the rows fetched) as a row of the table."""
    return {"query": timed[0], "status": "ok", "rows": timed[1], "median_s": round(timed[-1], 4)}


def measure(claims: int, db: Path) -> dict[str, Any]:
    bench, load = _modules()
    started = time.perf_counter()
    documents, results = bench.generate(claims)
    generated_s = time.perf_counter() - started
    total = sum(len(r.claims) for r in results)
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    loads = []
    for label in ("first", "again"):
        started = time.perf_counter()
        load.load_run(db, run_id=f"bench-{label}", documents=documents, results=results, failures=[],
                      started_at=datetime.now(UTC), parameters={"benchmark": "warehouse"})
        loads.append(time.perf_counter() - started)
    return {"status": "ok", "claims": total, "documents": len(documents),
            "extractors": sorted({r.extractor for r in results}),
            "generate_s": round(generated_s, 2), "load_s": round(loads[0], 2),
            "reload_s": round(loads[1], 2), "claims_per_s": round(total / loads[0]),
            "db_mib": round(db.stat().st_size / 2**20, 1), "rss_peak_mib": round(rss_mib(), 1),
            "queries": [_query_row(row) for row in bench.time_queries(db, QUERY_RUNS)]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.warehouse_load")
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, required=True, help="a new DuckDB file (replaced)")
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the result")
    args = parser.parse_args(argv)
    try:
        result = measure(args.claims, args.db)
    except BenchmarkUnavailableError as error:
        result = {"status": "not available", "reason": str(error)}
    args.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
