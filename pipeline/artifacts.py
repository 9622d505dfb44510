"""What a run shows in the Prefect UI: a table of claims per document and extractor, and the scores.

The builders are pure (rows and Markdown from results); `publish_*` hands them to Prefect.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from reform_facts.pipeline.batches import Extracted

CLAIMS_KEY = "claims-per-document"
SCORES_KEY = "evaluation-scores"
SCORE_COLUMNS = (("precision", "P"), ("recall", "R"), ("f1", "F1"), ("claim_f1", "claim F1"),
                 ("region_code_accuracy", "region"), ("year_accuracy", "year"),
                 ("kind_accuracy", "kind"), ("indicator_accuracy", "indicator"))


def claims_rows(rows: Iterable[Extracted]) -> list[dict[str, Any]]:
    """One row per document and extractor, sorted.

    >>> claims_rows([Extracted("b", "rules", "rules-1", 3, True), Extracted("a", "rules", "rules-1", 0, False)])
    [{'document': 'a', 'extractor': 'rules', 'version': 'rules-1', 'claims': 0, 'cached': False}, \
{'document': 'b', 'extractor': 'rules', 'version': 'rules-1', 'claims': 3, 'cached': True}]
    """
    return [{"document": r.doc_id, "extractor": r.extractor, "version": r.version,
             "claims": r.claims, "cached": r.cached}
            for r in sorted(rows, key=lambda r: (r.doc_id, r.extractor))]


def scores_markdown(report: dict[str, Any]) -> str:
    """The score table of `Report.to_json()` as Markdown: one row per extractor, 95% intervals.

    >>> print(scores_markdown({"documents": ["d1"], "extractors": [{"name": "rules", "version": "r-1",
    ...     "held_out": False, "scores": {"f1": 0.9, "claim_f1": None}, "intervals": {"f1": [0.8, 1.0]},
    ...     "by_document": {"d1": {"f1": 0.9, "claim_f1": 0.5}}}]}).splitlines()[4])
    | rules | r-1 | all documents | - | - | 0.900 [0.80–1.00] | - | - | - | - | - |
    """
    header = ["extractor", "version", "scored on", *(label for _, label in SCORE_COLUMNS)]
    lines = [f"# Scores on the gold set ({len(report['documents'])} documents)", "",
             _row(header), _row(["---"] * len(header))]
    for entry in report["extractors"]:
        cells = [entry["name"], entry["version"], "held-out documents" if entry["held_out"] else "all documents"]
        cells += [_cell(entry["scores"].get(key), entry["intervals"].get(key)) for key, _ in SCORE_COLUMNS]
        lines.append(_row(cells))
    lines += ["", "95% intervals: bootstrap over documents.", "", "## Per document", "",
              _row(["extractor", "document", "F1", "claim F1"]), _row(["---"] * 4)]
    for entry in report["extractors"]:
        for doc_id, scores in sorted(entry.get("by_document", {}).items()):
            lines.append(_row([entry["name"], doc_id, _cell(scores.get("f1")), _cell(scores.get("claim_f1"))]))
    return "\n".join(lines) + "\n"


def _cell(value: float | None, interval: list[float | None] | None = None) -> str:
    if value is None:
        return "-"
    if interval and None not in interval:
        return f"{value:.3f} [{interval[0]:.2f}–{interval[1]:.2f}]"
    return f"{value:.3f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def publish_claims(rows: Iterable[Extracted], *, description: str) -> None:
    create_table_artifact(key=CLAIMS_KEY, table=claims_rows(rows), description=description)


def publish_scores(report: dict[str, Any], *, description: str) -> None:
    create_markdown_artifact(key=SCORES_KEY, markdown=scores_markdown(report), description=description)
