"""What `reform-facts run` tells its user when the run ends: a record (the `--json` output) and
the few lines drawn from it (the terminal's summary). Pure: the CLI prints them.
"""
from __future__ import annotations

from typing import Any

from reform_facts.pipeline.batches import Extracted
from reform_facts.readers import Failure


def run_record(*, run_id: str, db: str, documents: int, rows: list[Extracted], failures: list[Failure],
               warnings: list[str], seconds: float, evaluation: dict[str, Any] | None = None,
               report: str | None = None) -> dict[str, Any]:
    """The summary of a run as JSON types.

    >>> record = run_record(run_id="r1", db="w.duckdb", documents=2, seconds=3.14159, warnings=[],
    ...     rows=[Extracted("a", "rules", "rules-1", 3, True), Extracted("b", "rules", "rules-1", 4, False)],
    ...     failures=[Failure("c.txt", "empty file (0 bytes)")])
    >>> record["extractors"], record["cached"], record["seconds"]
    ({'rules': {'version': 'rules-1', 'claims': 7, 'extractions': 2, 'cached': 1}}, 1, 3.1)
    """
    extractors: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = extractors.setdefault(row.extractor, {"version": row.version, "claims": 0,
                                                      "extractions": 0, "cached": 0})
        entry["claims"] += row.claims
        entry["extractions"] += 1
        entry["cached"] += row.cached
    return {"run_id": run_id, "warehouse": db, "documents": documents,
            "claims": sum(row.claims for row in rows), "extractions": len(rows),
            "cached": sum(row.cached for row in rows), "extractors": extractors,
            "failures": [{"path": f.path, "reason": f.reason} for f in failures],
            "warnings": list(warnings), "seconds": round(seconds, 1),
            "evaluation": evaluation, "report": report}


def run_lines(record: dict[str, Any]) -> list[str]:
    """The terminal's summary of `run_record`: one line per extractor, a few more for the run.

    >>> print("\\n".join(run_lines({"run_id": "r1", "warehouse": "w.duckdb", "documents": 2, "claims": 7,
    ...     "extractions": 2, "cached": 1, "failures": [{"path": "c.txt", "reason": "empty"}], "warnings": [],
    ...     "seconds": 3.1, "report": None, "extractors": {"rules": {"version": "rules-1", "claims": 7,
    ...     "extractions": 2, "cached": 1}}})))
    documents  2 read, 1 file failed (reasons on standard error)
    rules      7 claims in 2 documents, 1 from cache
    warehouse  w.duckdb (run r1)
    took       3.1 s
    """
    failed = len(record["failures"])
    documents = f"{record['documents']} read"
    if failed:
        documents += f", {failed} file{'s' * (failed != 1)} failed (reasons on standard error)"
    lines = [("documents", documents)]
    for name, entry in record["extractors"].items():
        lines.append((name, f"{entry['claims']} claims in {entry['extractions']} documents, "
                            f"{entry['cached']} from cache"))
    if record["warnings"]:
        lines.append(("warnings", f"{len(record['warnings'])} (on standard error)"))
    lines.append(("warehouse", f"{record['warehouse']} (run {record['run_id']})"))
    if record.get("report"):
        lines.append(("report", record["report"]))
    lines.append(("took", f"{record['seconds']:.1f} s"))
    width = max(len(label) for label, _ in lines) + 2
    return [f"{label:<{width}}{text}" for label, text in lines]
