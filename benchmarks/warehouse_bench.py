"""Warehouse benchmark (not a test): bulk-load a million generated claims through `load_run`,
load them again (nothing changed), and time the SQL examples of warehouse/README.md over them.

    .venv/bin/python -m benchmarks.warehouse_bench [--claims 1000000] [--db PATH] [--runs 5]

Claims are generated from what the rule extractor finds in the bundled corpus: each round copies
every corpus document under a new id (its text with the id appended, so every copy has its own
SHA-256 and claim ids) with its claims twice, as `rules` and as `spacy`; the `spacy` copy has
every fifth value changed and every eleventh claim dropped, so that `facts` prefers `spacy` and
`extractor_disagreements` has rows. Generation is not timed. Query figures are the median of
`--runs` runs after one warm-up, on one read-only connection. Prints the figures.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from reform_facts.extractors import registry
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Document
from reform_facts.readers import read_document
from reform_facts.warehouse.load import ExtractionResult, load_run
from reform_facts.warehouse.store import connect

README = ROOT / "warehouse" / "README.md"


def generate(claims: int) -> tuple[list[Document], list[ExtractionResult]]:
    """Documents and results holding at least `claims` claims in all (two extractors)."""
    rules = registry.get("rules")
    sources = [registry.describe(read_document(path)) for path in sorted((ROOT / "corpus").glob("*.txt"))]
    found = [(doc, rules(doc)) for doc in sources]
    per_round = 2 * sum(len(c) for _, c in found) - sum(len(c[::11]) for _, c in found)
    documents, results = [], []
    for copy in range(-(-claims // per_round)):
        for doc, doc_claims in found:
            doc_id = f"{doc.doc_id}-g{copy:05d}"
            documents.append(Document.from_text(f"{doc.text}\n{doc_id}\n", doc_id=doc_id, path=f"generated/{doc_id}.txt",
                                                title=doc.title, year=doc.year, region=doc.region,
                                                region_code=doc.region_code))
            ours = [c.with_(doc_id=doc_id) for c in doc_claims]
            theirs = [c.with_(extractor="spacy", value=c.value * 1.1 if c.value is not None and i % 5 == 0
                              else c.value) for i, c in enumerate(ours) if i % 11]
            results += [ExtractionResult(doc_id, "rules", rules.version, ours),
                        ExtractionResult(doc_id, "spacy", "spacy-generated", theirs)]
    return documents, results


def examples() -> list[tuple[str, str]]:
    """(heading, SQL) of the README's sql blocks."""
    text = README.read_text(encoding="utf-8")
    found = []
    for block in re.finditer(r"```sql\n(.*?)```", text, flags=re.S):
        headings = re.findall(r"^### (.+)$", text[:block.start()], flags=re.M)
        found.append((headings[-1] if headings else "query", block.group(1)))
    return found


def time_queries(db: Path, runs: int) -> list[tuple[str, int, float, float]]:
    """(heading, rows, median seconds in DuckDB, median seconds with the rows fetched into Python)."""
    con = connect(db, read_only=True)
    timed = []
    try:
        for heading, sql in examples():
            count = len(con.execute(sql).fetchall())  # warm-up
            executed, fetched = [], []
            for _ in range(runs):
                started = time.perf_counter()
                result = con.execute(sql)  # runs the query to its end inside DuckDB
                executed.append(time.perf_counter() - started)
                result.fetchall()
                fetched.append(time.perf_counter() - started)
            timed.append((heading, count, statistics.median(executed), statistics.median(fetched)))
    finally:
        con.close()
    return timed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.warehouse_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="a new DuckDB file (default: a temporary one)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "bench.duckdb"
        db.unlink(missing_ok=True)
        started = time.perf_counter()
        documents, results = generate(args.claims)
        total = sum(len(r.claims) for r in results)
        print(f"generated {total} claims in {len(documents)} documents, 2 extractors "
              f"({time.perf_counter() - started:.1f} s, not timed below)")
        for label in ("first load (all new)", "second load (nothing changed)"):
            started = time.perf_counter()
            load_run(db, run_id=label, documents=documents, results=results, failures=[],
                     started_at=datetime.now(UTC), parameters={"benchmark": "warehouse"})
            seconds = time.perf_counter() - started
            print(f"{label:<32} {seconds:7.2f} s  {total / seconds:>10,.0f} claims/s")
        print(f"database file                    {db.stat().st_size / 2**20:7.1f} MiB")
        print(f"\nREADME queries, median of {args.runs} after one warm-up (ms in DuckDB / with rows fetched):")
        for heading, count, executed, fetched in time_queries(db, args.runs):
            print(f"  {executed * 1000:7.1f} / {fetched * 1000:7.1f} ms  {count:>6} rows  {heading}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
