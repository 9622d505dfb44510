"""Documents, claims and evaluation reports as DataFrames shaped like the warehouse's tables.

Pure conversions: DuckDB scans these frames in bulk (one INSERT ... SELECT per table), which is
what keeps a load of a million claims to seconds rather than the minutes of row-at-a-time inserts.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import attrgetter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reform_facts.claim import Claim, Document
from reform_facts.errors import WarehouseError
from reform_facts.readers.files import shown
from reform_facts.warehouse.indicators import IndicatorMap


@dataclass(frozen=True)
class ExtractionResult:
    """What one extractor found in one document (an empty list is a result too)."""

    doc_id: str
    extractor: str
    version: str
    claims: list[Claim]


# A document's fields but its text, which `texts_frame` gives for the documents to write.
DOCUMENT_FIELDS = ("doc_id", "path", "sha256", "title", "year", "region", "region_code")
# The claim's own fields, in the order of the claims table.
CLAIM_FIELDS = ("start", "end", "text", "value", "value_max", "unit", "quantity_type", "comparator",
                "indicator", "region", "region_code", "year", "kind", "confidence", "sentence", "rule_id")
CLAIM_COLUMNS = ("doc_id", "extractor", "extractor_version", *CLAIM_FIELDS)
# The columns of a claims frame: the above with the canonical code after the phrase.
FRAME_COLUMNS = (*CLAIM_COLUMNS[:CLAIM_COLUMNS.index("indicator") + 1], "indicator_code",
                 *CLAIM_COLUMNS[CLAIM_COLUMNS.index("indicator") + 1:])

logger = logging.getLogger(__name__)


def documents_frame(documents: Sequence[Document]) -> pd.DataFrame:
    """One row per document; a doc_id given twice is an error."""
    ids = [doc.doc_id for doc in documents]
    if len(set(ids)) != len(ids):
        twice = [doc.path for doc in documents if ids.count(doc.doc_id) > 1]
        raise WarehouseError(f"{twice[0]}: its doc_id is also that of "
                             f"{', '.join(twice[1:])}; one load takes one document per id")
    frame = pd.DataFrame([[getattr(doc, name) for name in DOCUMENT_FIELDS] for doc in documents],
                         columns=list(DOCUMENT_FIELDS), dtype=object)
    frame["year"] = pd.array(frame["year"].tolist(), dtype="Int64")
    return frame


def texts_frame(documents: Sequence[Document]) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": np.array([doc.doc_id for doc in documents], dtype=object),
                         "text": np.array([doc.text for doc in documents], dtype=object)}, copy=False)


def extractions_frame(results: Sequence[ExtractionResult]) -> pd.DataFrame:
    """One row per (document, extractor) result, with its claim count; duplicates are an error."""
    keys = [(r.doc_id, r.extractor) for r in results]
    if len(set(keys)) != len(keys):
        twice = next(key for key in keys if keys.count(key) > 1)
        raise WarehouseError(f"{twice[0]}: results of extractor {twice[1]!r} given twice in one load")
    return pd.DataFrame([(r.doc_id, r.extractor, r.version, len(r.claims)) for r in results],
                        columns=["doc_id", "extractor", "extractor_version", "claims"])


def claims_frame(results: Sequence[ExtractionResult], canonical: IndicatorMap) -> pd.DataFrame:
    """Every claim of every result, one row each, with its canonical indicator code.

    A claim must belong to its result's document (its offsets point into that text). The
    result's extractor is the one stored: a claim that names another is logged, not refused.
    Built column by column (C-level attribute getters): a million claims take about a second.
    """
    for result in results:
        _check_result(result)
    claims = [claim for result in results for claim in result.claims]
    columns: dict[str, object] = {
        name: _repeat(results, name.replace("extractor_version", "version"))
        for name in ("doc_id", "extractor", "extractor_version")}
    for name in CLAIM_FIELDS:
        getter = attrgetter(f"{name}.value" if name in _ENUM_FIELDS else name)
        values = list(map(getter, claims))
        if name in _FLOAT_FIELDS:  # None -> NaN, which DuckDB reads as NULL
            values = np.array([math.nan if v is None else v for v in values], dtype="float64")
        elif name in _INT_FIELDS:
            values = np.array(values, dtype="int64")
        elif name == "year":
            values = pd.array(values, dtype="Int64")
        else:
            values = np.array(values, dtype=object)
        columns[name] = values
    pairs = list(zip(columns["indicator"], columns["unit"]))  # a bare phrase's code depends on the unit
    codes = {pair: canonical.code_for(*pair) for pair in set(pairs) if pair[0] is not None}
    columns["indicator_code"] = np.array([codes.get(pair) for pair in pairs], dtype=object)
    return pd.DataFrame({name: columns[name] for name in FRAME_COLUMNS}, copy=False)


_ENUM_FIELDS = ("quantity_type", "comparator", "kind")
_FLOAT_FIELDS = ("value", "value_max", "confidence")
_INT_FIELDS = ("start", "end")


def _check_result(result: ExtractionResult) -> None:
    mismatch = next((c for c in result.claims if c.doc_id != result.doc_id), None)
    if mismatch is not None:
        raise WarehouseError(f"{result.doc_id}: the results of {result.extractor!r} for this document "
                             f"hold a claim of {mismatch.doc_id}[{mismatch.start}:{mismatch.end}]")
    names = {claim.extractor for claim in result.claims} - {None, result.extractor}
    if names:
        logger.warning("%s: claims of %r name the extractor %s; stored as %r", result.doc_id,
                       result.extractor, ", ".join(map(repr, sorted(names))), result.extractor)


def _repeat(results: Sequence[ExtractionResult], attribute: str) -> np.ndarray:
    """A result's attribute once per claim of the result."""
    values: list[str] = []
    for result in results:
        values += [getattr(result, attribute)] * len(result.claims)
    return np.array(values, dtype=object)


def failures_frame(run_id: str, failures: Iterable[object]) -> pd.DataFrame:
    """The run's unreadable files (readers.Failure: path, reason); the last reason per path kept.
    Names and reasons are stored as `shown` escapes them: a file name that is not UTF-8 (which
    DuckDB cannot store) or holds a newline is still recorded, and the run with it."""
    reasons = {shown(failure.path): shown(failure.reason) for failure in failures}
    return pd.DataFrame([(run_id, path, reason) for path, reason in reasons.items()],
                        columns=["run_id", "path", "reason"], dtype=object)


def evaluation_frames(run_id: str, report: Any, at: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evaluations row and the evaluation_metrics rows of every extractor in a report."""
    heads, metrics = [], []
    for result in report.results:
        score = result.evaluation.score
        heads.append((run_id, result.name, result.version, result.held_out, list(report.documents),
                      score.predicted, score.gold, score.pairs, at))
        for metric, value in score.metrics().items():
            low, high = result.intervals.get(metric, (math.nan, math.nan))
            metrics.append((run_id, result.name, "all", "", metric, value, low, high))
        for scope, groups in (("document", result.evaluation.by_document),
                              ("quantity_type", result.evaluation.by_quantity_type)):
            for key, group in groups.items():
                for metric, value in group.metrics().items():
                    metrics.append((run_id, result.name, scope, str(key), metric, value, math.nan, math.nan))
    head_frame = pd.DataFrame(heads, columns=["run_id", "extractor", "extractor_version", "held_out",
                                              "documents", "predicted", "gold", "pairs", "evaluated_at"])
    metric_frame = pd.DataFrame(metrics, columns=["run_id", "extractor", "scope", "scope_key", "metric",
                                                  "value", "ci_low", "ci_high"])
    return head_frame, metric_frame
