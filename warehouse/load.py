"""Loading a run into the warehouse: one transaction, idempotent, all or nothing.

`load_run` writes what a run read and extracted. Within one transaction it

1. refreshes the reference tables whose source changed (regions, indicators);
2. replaces a document whose SHA-256 changed, dropping the claims of its old version (of every
   extractor: their offsets point into the old text), and adds new documents;
3. rewrites the claims of a (document, extractor) only when something about them changed: the
   document's version, the extractor's version, or the claims themselves (by digest);
4. recomputes the stored extractor disagreements of the documents it changed;
5. records the run (parameters, counts, failures) in `runs` and `run_failures`.

Loading the same documents and results again therefore changes nothing but `runs`. Any error
rolls the whole transaction back, so a crash mid-load leaves the previous state; a fault (a full
disk, a damaged file) ends in one WarehouseError subclass, and the next load starts clean.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from reform_facts.claim import Claim, Document
from reform_facts.errors import WarehouseError
from reform_facts.warehouse import frames, reference
from reform_facts.warehouse.indicators import load_canonical
from reform_facts.warehouse.store import as_utc, connect, failure, rollback, utc_now

if TYPE_CHECKING:
    from reform_facts.readers import Failure

logger = logging.getLogger(__name__)

# A claim's stable id: its document (id and version), extractor and span. The id is in it
# too because two files with the same bytes (a copy, a renamed file) are two documents.
CLAIM_ID_SQL = """left(sha256(c.doc_id || ':' || w.doc_sha256 || ':' || c.extractor || ':' || c.start
                             || ':' || c."end"), 16)"""
# What "the same claims" means for an extraction: every stored field of every claim. Each row
# is hashed and the hashes combined as count, xor and sum (order does not matter): fast over a
# million claims. Should a DuckDB upgrade change hash(), each extraction is rewritten once, same rows.
ROW_HASH_SQL = """hash(start, "end", text, value, value_max, unit, quantity_type, comparator, indicator,
                       region, region_code, year, kind, confidence, sentence, rule_id)"""
EMPTY_DIGEST = "0:0:0"


@dataclass(frozen=True)
class ExtractionResult:
    """What one extractor found in one document (an empty list is a result too)."""

    doc_id: str
    extractor: str
    version: str
    claims: list[Claim]


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    documents: int
    claims: int
    failures: int
    replaced_documents: int


def load_run(db_path: Path, *, run_id: str, documents: list[Document], results: list[ExtractionResult],
             failures: list[Failure], started_at: datetime, parameters: dict[str, Any],
             wait_seconds: float = 30.0) -> RunSummary:
    """Load a run's documents, extraction results and failures in one transaction.

    `documents` should come through `reform_facts.extractors.registry.describe` so that their stated title,
    year and region are stored. Every result's document is among `documents` or already
    stored. Loading the same again leaves every table but `runs` as it was.
    """
    canonical = load_canonical()
    staged = {
        "frame_documents": frames.documents_frame(documents),
        "frame_extractions": frames.extractions_frame(results),
        "frame_claims": frames.claims_frame(results, canonical),
        "frame_failures": frames.failures_frame(run_id, failures),
    }
    con = connect(db_path, read_only=False, wait_seconds=wait_seconds)
    try:
        for name, frame in staged.items():
            con.register(name, frame)
        con.begin()
        try:
            # read the claims frame once (converting Python objects is the costly part)
            con.execute("CREATE OR REPLACE TEMP TABLE staged_claims AS SELECT * FROM frame_claims")
            recoded = "indicators" in reference.refresh(con, canonical=canonical)
            replaced = _write_documents(con, documents, run_id=run_id, where=db_path)
            written = _write_claims(con, run_id=run_id, where=db_path)
            _write_disagreements(con, every_document=recoded)
            _write_run(con, run_id=run_id, started_at=started_at, parameters=parameters,
                       extractors=sorted({r.extractor for r in results}), written=written,
                       replaced=replaced)
            con.commit()
        except BaseException:
            rollback(con)
            raise
    except (duckdb.Error, OSError) as error:  # a full disk, a damaged file: one line, nothing written
        raise failure(db_path, error, doing=f"loading run {run_id} failed") from error
    finally:
        con.close()
    summary = RunSummary(run_id, len(documents), len(staged["frame_claims"]), len(staged["frame_failures"]),
                         replaced)
    logger.info("%s: loaded run %s: %d documents (%d replaced), %d claims (%d written), %d failures",
                db_path, run_id, summary.documents, replaced, summary.claims, written, summary.failures)
    return summary


def _write_documents(con: duckdb.DuckDBPyConnection, documents: list[Document], *, run_id: str,
                     where: Path) -> int:
    """Add new documents, update changed ones (dropping their old claims); returns how many changed."""
    con.execute("""CREATE OR REPLACE TEMP TABLE replaced AS
        SELECT s.doc_id FROM frame_documents s JOIN documents d ON d.doc_id = s.doc_id
        WHERE s.sha256 <> d.sha256""")
    con.execute("DELETE FROM claims WHERE doc_id IN (SELECT doc_id FROM replaced)")
    con.execute("DELETE FROM extractions WHERE doc_id IN (SELECT doc_id FROM replaced)")
    # A row is written only when something about the document changed, and only then is its
    # text handed to DuckDB: a reload of unchanged documents moves no text at all.
    changed = {doc_id for (doc_id,) in con.execute("""SELECT s.doc_id FROM frame_documents s
        LEFT JOIN documents d ON d.doc_id = s.doc_id
        WHERE d.doc_id IS NULL OR (s.path, s.sha256, s.title, s.year, s.region, s.region_code)
              IS DISTINCT FROM (d.path, d.sha256, d.title, d.year, d.region, d.region_code)""").fetchall()}
    con.register("frame_texts", frames.texts_frame([doc for doc in documents if doc.doc_id in changed]))
    # `ingested_at` and `run_id` date the content: a new path or title alone leaves them.
    con.execute("""
        INSERT INTO documents
        SELECT s.doc_id, s.path, s.sha256, s.title, s.year, s.region, s.region_code, t.text, ?, ?
        FROM frame_documents s JOIN frame_texts t ON t.doc_id = s.doc_id
        ON CONFLICT (doc_id) DO UPDATE SET
            path = excluded.path, sha256 = excluded.sha256, title = excluded.title,
            year = excluded.year, region = excluded.region, region_code = excluded.region_code,
            text = excluded.text,
            ingested_at = CASE WHEN documents.sha256 <> excluded.sha256 THEN excluded.ingested_at
                               ELSE documents.ingested_at END,
            run_id = CASE WHEN documents.sha256 <> excluded.sha256 THEN excluded.run_id
                          ELSE documents.run_id END""", [utc_now(), run_id])
    unknown = con.execute("""SELECT e.doc_id FROM frame_extractions e
        LEFT JOIN documents d ON d.doc_id = e.doc_id WHERE d.doc_id IS NULL LIMIT 1""").fetchone()
    if unknown:
        raise WarehouseError(f"{where}: results for document {unknown[0]!r}, which is neither in "
                             f"this load's documents nor stored")
    return con.execute("SELECT count(*) FROM replaced").fetchone()[0]


def _write_claims(con: duckdb.DuckDBPyConnection, *, run_id: str, where: Path) -> int:
    """Rewrite the claims of the (document, extractor) pairs that changed; returns claims written."""
    twice = con.execute("""SELECT doc_id, extractor, start, "end" FROM staged_claims
        GROUP BY ALL HAVING count(*) > 1 LIMIT 1""").fetchone()
    if twice:
        raise WarehouseError(f"{where}: extractor {twice[1]!r} gives two claims for the span "
                             f"{twice[0]}[{twice[2]}:{twice[3]}]; one mention is one claim")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE to_write AS
        WITH hashed AS (SELECT doc_id, extractor, {ROW_HASH_SQL} AS h FROM staged_claims),
        digests AS (SELECT doc_id, extractor, format('{{}}:{{}}:{{}}', count(*), bit_xor(h), sum(h::HUGEINT))
                           AS claims_digest
                    FROM hashed GROUP BY doc_id, extractor),
        incoming AS (
            SELECT e.doc_id, e.extractor, e.extractor_version, d.sha256 AS doc_sha256, e.claims,
                   coalesce(g.claims_digest, '{EMPTY_DIGEST}') AS claims_digest
            FROM frame_extractions e
            JOIN documents d ON d.doc_id = e.doc_id
            LEFT JOIN digests g ON g.doc_id = e.doc_id AND g.extractor = e.extractor)
        SELECT i.* FROM incoming i
        LEFT JOIN extractions x ON x.doc_id = i.doc_id AND x.extractor = i.extractor
        WHERE (x.extractor_version, x.doc_sha256, x.claims_digest)
              IS DISTINCT FROM (i.extractor_version, i.doc_sha256, i.claims_digest)""")
    con.execute("""DELETE FROM claims WHERE (doc_id, extractor) IN
                   (SELECT (doc_id, extractor) FROM to_write)""")
    names = [f'"{name}"' for name in frames.FRAME_COLUMNS]
    con.execute(f"""INSERT INTO claims (claim_id, {', '.join(names)}, run_id)
        SELECT {CLAIM_ID_SQL}, {', '.join('c.' + name for name in names)}, ?
        FROM staged_claims c JOIN to_write w ON w.doc_id = c.doc_id AND w.extractor = c.extractor""",
                [run_id])
    con.execute("""INSERT OR REPLACE INTO extractions
        SELECT doc_id, extractor, extractor_version, doc_sha256, claims, claims_digest, ? FROM to_write""",
                [run_id])
    return con.execute("SELECT coalesce(sum(claims), 0) FROM to_write").fetchone()[0]


def _write_disagreements(con: duckdb.DuckDBPyConnection, *, every_document: bool) -> None:
    """Recompute the stored extractor disagreements of the documents this load changed (of all
    of them when the indicator codes changed, since indicators are compared by code)."""
    con.execute("CREATE OR REPLACE TEMP TABLE affected AS " + (
        "SELECT doc_id FROM documents" if every_document else
        "SELECT doc_id FROM replaced UNION SELECT doc_id FROM to_write"))
    con.execute("DELETE FROM disagreement_rows WHERE doc_id IN (SELECT doc_id FROM affected)")
    con.execute("INSERT INTO disagreement_rows SELECT * FROM disagreements_in((SELECT list(doc_id) FROM affected))")


def _write_run(con: duckdb.DuckDBPyConnection, *, run_id: str, started_at: datetime,
               parameters: dict[str, Any], extractors: list[str], written: int, replaced: int) -> None:
    """Record the run; loading the same run id again replaces its record."""
    counts = con.execute("""SELECT (SELECT count(*) FROM frame_documents),
        (SELECT count(*) FROM staged_claims), (SELECT count(*) FROM frame_failures)""").fetchone()
    con.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, as_utc(started_at), utc_now(), json.dumps(parameters, ensure_ascii=False,
                 sort_keys=True, default=str), extractors, counts[0], counts[1], written, replaced,
                 counts[2]])
    con.execute("DELETE FROM run_failures WHERE run_id = ?", [run_id])
    con.execute("INSERT INTO run_failures SELECT run_id, path, reason FROM frame_failures")


def record_evaluation(db_path: Path, *, run_id: str, report: Any, wait_seconds: float = 30.0) -> None:
    """Store a gold-set evaluation's scores under `run_id`; recording the same run again replaces them."""
    heads, metrics = frames.evaluation_frames(run_id, report, utc_now())
    con = connect(db_path, read_only=False, wait_seconds=wait_seconds)
    try:
        con.register("staged_evaluations", heads)
        con.register("staged_metrics", metrics)
        con.begin()
        try:
            con.execute("DELETE FROM evaluation_metrics WHERE run_id = ?", [run_id])
            con.execute("DELETE FROM evaluations WHERE run_id = ?", [run_id])
            con.execute("INSERT INTO evaluations SELECT * FROM staged_evaluations")
            # NaN (a rate with nothing to count) is stored as NULL: undefined, not a number
            con.execute("""INSERT INTO evaluation_metrics SELECT run_id, extractor, scope, scope_key, metric,
                nullif(value, 'NaN'::DOUBLE), nullif(ci_low, 'NaN'::DOUBLE), nullif(ci_high, 'NaN'::DOUBLE)
                FROM staged_metrics""")
            con.commit()
        except BaseException:
            rollback(con)
            raise
    except (duckdb.Error, OSError) as error:
        raise failure(db_path, error, doing=f"recording the evaluation of run {run_id} failed") from error
    finally:
        con.close()
    logger.info("%s: recorded the evaluation of run %s (%d extractors)", db_path, run_id, len(heads))
