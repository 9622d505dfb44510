"""The warehouse at scale: a bulk load of generated claims, then the analysts' example queries.

The claims are generated from what the rule extractor finds in the bundled documents: each
source document is copied under new ids (its text with the copy's id appended, so that every
copy has its own SHA-256 and its claims their own ids), and each copy's claims are stored
under the three extractor names the project plans, the second and third with every seventh
value changed so that the disagreement view has rows. Generation is not timed; the timed load
is one `warehouse.load.load_run` call (one transaction) into a new file. The queries are the
```sql blocks of warehouse/README.md plus one aggregate of the harness's own, each timed as the
median of five runs after one warm-up, on a read-only connection.

    python -m benchmarks.warehouse_load --claims 1000000 --db /tmp/w.duckdb --out w.json
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import corpus
from benchmarks.throughput import rss_mib
from reform_facts import ROOT
from reform_facts.claim import Claim, Document
from reform_facts.errors import BenchmarkUnavailableError

EXTRACTORS = ("rules", "spacy", "hybrid")
README = ROOT / "warehouse" / "README.md"
SQL_BLOCK = re.compile(r"```sql\s*\n(.*?)```", re.DOTALL)
HEADING = re.compile(r"^#+\s*(.+?)\s*$|^\d+\.\s*(.+?)\s*$|^\*\*(.+?)\*\*", re.MULTILINE)
OWN_QUERY = ("harness: claims by type and year",
             "SELECT quantity_type, year, count(*) AS claims, avg(value) AS mean_value "
             "FROM claims GROUP BY ALL ORDER BY ALL")
QUERY_RUNS = 5


def _modules() -> tuple[Any, Any]:
    try:
        from warehouse import load, store
    except ImportError as error:
        raise BenchmarkUnavailableError(f"the warehouse is not importable yet ({error})") from None
    for module, name in ((load, "load_run"), (store, "connect")):
        if not hasattr(module, name):
            raise BenchmarkUnavailableError(f"{module.__name__} has no {name} yet")
    return load, store


def generate(claims: int) -> tuple[list[Document], list[Any]]:
    """Documents and extraction results holding at least `claims` claims in all."""
    load, _ = _modules()
    from extractors import registry

    rules = registry.get("rules")
    sources = [registry.describe(doc) for doc in corpus.load(corpus.SOURCE)]
    found = [(doc, rules(doc)) for doc in sources]
    per_round = sum(len(c) for _, c in found) * len(EXTRACTORS)
    documents, results = [], []
    for copy in range(-(-claims // per_round)):
        for doc, doc_claims in found:
            doc_id = f"{doc.doc_id}-g{copy:05d}"
            documents.append(Document.from_text(doc.text + f"\n{doc_id}\n", doc_id=doc_id,
                                                path=f"generated/{doc_id}.txt", title=doc.title,
                                                year=doc.year, region=doc.region,
                                                region_code=doc.region_code))
            for k, name in enumerate(EXTRACTORS):
                results.append(load.ExtractionResult(doc_id, name, f"{name}-generated",
                                                     [_copy(c, doc_id, name, i, k) for i, c in enumerate(doc_claims)]))
    return documents, results


def _copy(claim: Claim, doc_id: str, extractor: str, index: int, k: int) -> Claim:
    value = claim.value
    if k and value is not None and index % 7 == k:
        value = value * 1.1  # a disagreement between extractors on the same span
    return claim.with_(doc_id=doc_id, extractor=extractor, value=value)


def sql_examples(readme: Path = README) -> list[tuple[str, str]]:
    """(title, SQL) of each ```sql block of the README, titled by the nearest heading above."""
    if not readme.is_file():
        return []
    text = readme.read_text(encoding="utf-8")
    examples: list[tuple[str, str]] = []
    for block in SQL_BLOCK.finditer(text):
        titles = [next(g for g in m.groups() if g) for m in HEADING.finditer(text, 0, block.start())]
        title = (titles[-1] if titles else "query")[:80]
        same = sum(1 for seen, _ in examples if seen.startswith(title))
        examples.append((f"{title} ({same + 1})" if same else title, block.group(1).strip()))
    return examples


def time_queries(db: Path, queries: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    _, store = _modules()
    con = store.connect(db, read_only=True)
    rows = []
    try:
        for title, sql in queries:
            try:
                count = len(con.execute(sql).fetchall())  # warm-up
                times = []
                for _ in range(QUERY_RUNS):
                    started = time.perf_counter()
                    con.execute(sql).fetchall()
                    times.append(time.perf_counter() - started)
                rows.append({"query": title, "status": "ok", "rows": count,
                             "median_s": round(statistics.median(times), 4)})
            except Exception as error:  # a README query the schema refuses is a finding, not a crash
                rows.append({"query": title, "status": "failed", "reason": str(error).splitlines()[0][:200]})
    finally:
        con.close()
    return rows


def measure(claims: int, db: Path) -> dict[str, Any]:
    load, _ = _modules()
    started = time.perf_counter()
    documents, results = generate(claims)
    generated_s = time.perf_counter() - started
    total = sum(len(r.claims) for r in results)
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    load.load_run(db, run_id="bench-load", documents=documents, results=results, failures=[],
                  started_at=datetime.now(UTC), parameters={"benchmark": "warehouse"})
    load_s = time.perf_counter() - started
    examples = sql_examples()
    return {"status": "ok", "claims": total, "documents": len(documents),
            "generate_s": round(generated_s, 2), "load_s": round(load_s, 2),
            "claims_per_s": round(total / load_s), "db_mib": round(db.stat().st_size / 2**20, 1),
            "rss_peak_mib": round(rss_mib(), 1),
            "readme_queries": len(examples),
            "queries": time_queries(db, [*examples, OWN_QUERY])}


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
