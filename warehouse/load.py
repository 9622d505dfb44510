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

A run of any size takes the other way in: `Staging` writes its documents and results to a DuckDB
file of the run's own, one batch at a time as they are extracted, and `load_staged` loads that
file in the same one transaction. The run's memory then holds one batch, not the run, and the
warehouse is locked for the load only, not while documents are extracted.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from reform_facts.claim import Document
from reform_facts.errors import WarehouseError
from reform_facts.warehouse import frames, reference
from reform_facts.warehouse.frames import ExtractionResult  # noqa: F401 (the load API takes these)
from reform_facts.warehouse.indicators import load_canonical
from reform_facts.warehouse.store import NO_EXTENSIONS, as_utc, connect, failure, rollback, utc_now

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
DISAGREEMENT_SLICE = 500  # documents whose extractor disagreements one query computes
# DuckDB keeps what a load reads and writes in memory up to its limit, 80% of the machine's by
# default, so a load's memory grew with the run (10 000 documents, 800 000 claims: +500 MiB).
# A staged load is given this much, and more per claim of the warehouse and the run for what
# cannot be spilled to disk (the claims' indexes, about 60 bytes a claim, and the run's own
# rows): at 800 000 claims it peaks 220 MiB above its start. Should that not do, the load is
# run again without a limit.
LOAD_MEMORY_BYTES = 64 * 1024 * 1024
LOAD_MEMORY_PER_CLAIM = 128
# The staging file's cache: the batches appended need not stay in memory, the load reads them
# from the file. A part is at most 32 MiB of files (batches.PART_BYTES), which this holds.
STAGING_MEMORY = "64MB"


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

    def stage(con: duckdb.DuckDBPyConnection) -> None:
        for name, frame in staged.items():
            con.register(name, frame)
        # read the claims frame once (converting Python objects is the costly part)
        con.execute("CREATE OR REPLACE TEMP TABLE staged_claims AS SELECT * FROM frame_claims")

    def texts(con: duckdb.DuckDBPyConnection, changed: set[str]) -> None:
        # only a changed document's text is handed to DuckDB: a reload moves no text at all
        con.register("frame_texts", frames.texts_frame([doc for doc in documents if doc.doc_id in changed]))

    return _load(db_path, run_id=run_id, stage=stage, texts=texts, started_at=started_at,
                 parameters=parameters, wait_seconds=wait_seconds)


# The tables of a staging file: the frames of `frames`, typed as the warehouse's columns, so that
# a batch whose column is all NULL stages the same as any other.
STAGING_TABLES = {
    "frame_documents": """doc_id VARCHAR PRIMARY KEY, path VARCHAR, sha256 VARCHAR, title VARCHAR,
                          year INTEGER, region VARCHAR, region_code VARCHAR""",
    "frame_texts": "doc_id VARCHAR, text VARCHAR",
    "frame_extractions": """doc_id VARCHAR, extractor VARCHAR, extractor_version VARCHAR, claims INTEGER,
                            PRIMARY KEY (doc_id, extractor)""",
    "staged_claims": """doc_id VARCHAR, extractor VARCHAR, extractor_version VARCHAR, start INTEGER,
                        "end" INTEGER, text VARCHAR, value DOUBLE, value_max DOUBLE, unit VARCHAR,
                        quantity_type VARCHAR, comparator VARCHAR, indicator VARCHAR, indicator_code VARCHAR,
                        region VARCHAR, region_code VARCHAR, year INTEGER, kind VARCHAR, confidence DOUBLE,
                        sentence VARCHAR, rule_id VARCHAR""",
    "frame_failures": "run_id VARCHAR, path VARCHAR PRIMARY KEY, reason VARCHAR",
}


class Staging:
    """A run's documents, extraction results and failures, staged batch by batch in a DuckDB file
    of the run's own (`path`, which should not exist yet) for `load_staged`.

    A plain class with slots: Prefect records a placeholder for it as a flow's parameter.
    """

    __slots__ = ("path", "run_id", "_con")

    def __init__(self, path: Path | str, *, run_id: str) -> None:
        self.path = Path(path)
        self.run_id = run_id
        self._con: duckdb.DuckDBPyConnection | None = None

    def __repr__(self) -> str:
        return f"Staging({self.path})"

    def add(self, documents: list[Document], results: list[ExtractionResult], failures: list[Failure]) -> None:
        """Stage one batch. A document id or a (document, extractor) result staged before is an
        error, as it is within one `load_run`; a failed file staged again keeps its last reason."""
        batch = {"frame_documents": frames.documents_frame(documents),
                 "frame_texts": frames.texts_frame(documents),
                 "frame_extractions": frames.extractions_frame(results),
                 "staged_claims": frames.claims_frame(results, load_canonical()),
                 "frame_failures": frames.failures_frame(self.run_id, failures)}
        con = self._connection()
        try:
            try:
                self._append(con, batch)
            except duckdb.OutOfMemoryException:  # a batch larger than the cache: once more, unlimited
                rollback(con)
                con.execute("RESET memory_limit")
                self._append(con, batch)
        except duckdb.ConstraintException as error:
            rollback(con)
            raise WarehouseError(f"{self.path}: staging run {self.run_id}: a document or result given "
                                 f"twice in one run ({' '.join(str(error).split())})") from error
        except (duckdb.Error, OSError) as error:
            rollback(con)
            raise failure(self.path, error, doing=f"staging run {self.run_id} failed") from error

    @staticmethod
    def _append(con: duckdb.DuckDBPyConnection, batch: dict[str, Any]) -> None:
        con.begin()
        for name, frame in batch.items():
            con.register("batch", frame)
            verb = "INSERT OR REPLACE" if name == "frame_failures" else "INSERT"
            con.execute(f"{verb} INTO {name} BY NAME SELECT * FROM batch")
            con.unregister("batch")
        con.commit()

    def close(self) -> None:
        """Close the file (`load_staged` does): the staged rows stay in it."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            try:
                self._con = duckdb.connect(str(self.path), config={**NO_EXTENSIONS, "memory_limit": STAGING_MEMORY})
                for name, columns in STAGING_TABLES.items():
                    self._con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
            except (duckdb.Error, OSError) as error:
                self.close()
                raise failure(self.path, error, doing="cannot stage the run") from error
        return self._con


def load_staged(db_path: Path, staging: Staging, *, started_at: datetime, parameters: dict[str, Any],
                wait_seconds: float = 30.0) -> RunSummary:
    """Load what `staging` holds into the warehouse in one transaction, as `load_run` loads.

    DuckDB reads the staged rows from their file: no document or claim passes through Python.
    """
    staging.close()
    if not staging.path.exists():  # nothing was staged: an empty run is recorded all the same
        Staging(staging.path, run_id=staging.run_id).add([], [], [])
        staging.close()
    quoted = str(staging.path).replace("'", "''")

    def stage(con: duckdb.DuckDBPyConnection, *, limited: bool = True) -> None:
        con.execute(f"ATTACH '{quoted}' AS staging (READ_ONLY)")
        for name in STAGING_TABLES:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM staging.{name}")
        if limited:
            claims = con.execute("SELECT (SELECT count(*) FROM claims) + (SELECT count(*) FROM staged_claims)"
                                 ).fetchone()[0]
            con.execute(f"SET memory_limit = '{LOAD_MEMORY_BYTES + LOAD_MEMORY_PER_CLAIM * claims}B'")

    common = {"run_id": staging.run_id, "texts": lambda con, changed: None, "started_at": started_at,
              "parameters": parameters, "wait_seconds": wait_seconds}
    try:
        return _load(db_path, stage=stage, **common)
    except WarehouseError as error:
        if not isinstance(error.__cause__, duckdb.OutOfMemoryException):
            raise
        logger.warning("%s; loading again without a memory limit", error)
        return _load(db_path, stage=partial(stage, limited=False), **common)


def _load(db_path: Path, *, run_id: str, stage: Callable[[duckdb.DuckDBPyConnection], None],
          texts: Callable[[duckdb.DuckDBPyConnection, set[str]], None], started_at: datetime,
          parameters: dict[str, Any], wait_seconds: float) -> RunSummary:
    """The one transaction of a load. `stage` makes the tables `frame_documents`,
    `frame_extractions`, `staged_claims` and `frame_failures` on the connection; `texts` makes
    `frame_texts` hold at least the texts of the changed documents it is given."""
    con = connect(db_path, read_only=False, wait_seconds=wait_seconds)
    try:
        stage(con)
        con.begin()
        try:
            recoded = "indicators" in reference.refresh(con, canonical=load_canonical())
            replaced = _write_documents(con, texts, run_id=run_id, where=db_path)
            written = _write_claims(con, run_id=run_id, where=db_path)
            _write_disagreements(con, every_document=recoded)
            counts = _write_run(con, run_id=run_id, started_at=started_at, parameters=parameters,
                                written=written, replaced=replaced)
            con.commit()
        except BaseException:
            rollback(con)
            raise
    except (duckdb.Error, OSError) as error:  # a full disk, a damaged file: one line, nothing written
        raise failure(db_path, error, doing=f"loading run {run_id} failed") from error
    finally:
        con.close()
    summary = RunSummary(run_id, counts[0], counts[1], counts[2], replaced)
    logger.info("%s: loaded run %s: %d documents (%d replaced), %d claims (%d written), %d failures",
                db_path, run_id, summary.documents, replaced, summary.claims, written, summary.failures)
    return summary


def _write_documents(con: duckdb.DuckDBPyConnection,
                     texts: Callable[[duckdb.DuckDBPyConnection, set[str]], None], *, run_id: str,
                     where: Path) -> int:
    """Add new documents, update changed ones (dropping their old claims); returns how many changed."""
    con.execute("""CREATE OR REPLACE TEMP TABLE replaced AS
        SELECT s.doc_id FROM frame_documents s JOIN documents d ON d.doc_id = s.doc_id
        WHERE s.sha256 <> d.sha256""")
    con.execute("DELETE FROM claims WHERE doc_id IN (SELECT doc_id FROM replaced)")
    con.execute("DELETE FROM extractions WHERE doc_id IN (SELECT doc_id FROM replaced)")
    # A row is written only when something about the document changed, and only then is its
    # text handed to DuckDB: a reload of unchanged documents moves no text at all.
    con.execute("""CREATE OR REPLACE TEMP TABLE changed AS SELECT s.doc_id FROM frame_documents s
        LEFT JOIN documents d ON d.doc_id = s.doc_id
        WHERE d.doc_id IS NULL OR (s.path, s.sha256, s.title, s.year, s.region, s.region_code)
              IS DISTINCT FROM (d.path, d.sha256, d.title, d.year, d.region, d.region_code)""")
    texts(con, {doc_id for (doc_id,) in con.execute("SELECT doc_id FROM changed").fetchall()})
    # `ingested_at` and `run_id` date the content: a new path or title alone leaves them. An
    # UPDATE and an INSERT rather than one upsert: DuckDB's ON CONFLICT held every row it
    # wrote in memory, texts and all (a 10 000-document run: hundreds of MiB).
    now = utc_now()
    con.execute("""
        UPDATE documents SET
            path = s.path, sha256 = s.sha256, title = s.title, year = s.year, region = s.region,
            region_code = s.region_code, text = t.text,
            ingested_at = CASE WHEN documents.sha256 <> s.sha256 THEN ? ELSE documents.ingested_at END,
            run_id = CASE WHEN documents.sha256 <> s.sha256 THEN ? ELSE documents.run_id END
        FROM frame_documents s JOIN frame_texts t ON t.doc_id = s.doc_id
        WHERE documents.doc_id = s.doc_id AND s.doc_id IN (SELECT doc_id FROM changed)""", [now, run_id])
    con.execute("""
        INSERT INTO documents
        SELECT s.doc_id, s.path, s.sha256, s.title, s.year, s.region, s.region_code, t.text, ?, ?
        FROM frame_documents s JOIN frame_texts t ON t.doc_id = s.doc_id
        WHERE s.doc_id IN (SELECT doc_id FROM changed) AND s.doc_id NOT IN (SELECT doc_id FROM documents)""",
                [now, run_id])
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
    # Only a document that two extractors read can have disagreements, and they are computed a
    # slice of documents at a time (`disagreements_in` reads only their claims, migration 006):
    # the self-join of a large run's claims at once took memory in proportion to the run.
    paired = [doc_id for (doc_id,) in con.execute("""SELECT doc_id FROM affected WHERE doc_id IN
        (SELECT doc_id FROM extractions GROUP BY doc_id HAVING count(*) > 1) ORDER BY doc_id""").fetchall()]
    for start in range(0, len(paired), DISAGREEMENT_SLICE):
        con.execute("INSERT INTO disagreement_rows SELECT * FROM disagreements_in(?::VARCHAR[])",
                    [paired[start:start + DISAGREEMENT_SLICE]])


def _write_run(con: duckdb.DuckDBPyConnection, *, run_id: str, started_at: datetime,
               parameters: dict[str, Any], written: int, replaced: int) -> tuple[int, int, int]:
    """Record the run; loading the same run id again replaces its record. Returns the counts of
    documents, claims and failures it records."""
    counts = con.execute("""SELECT (SELECT count(*) FROM frame_documents),
        (SELECT count(*) FROM staged_claims), (SELECT count(*) FROM frame_failures),
        (SELECT coalesce(list(DISTINCT extractor ORDER BY extractor), []) FROM frame_extractions)""").fetchone()
    con.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, as_utc(started_at), utc_now(), json.dumps(parameters, ensure_ascii=False,
                 sort_keys=True, default=str), counts[3], counts[0], counts[1], written, replaced,
                 counts[2]])
    con.execute("DELETE FROM run_failures WHERE run_id = ?", [run_id])
    con.execute("INSERT INTO run_failures SELECT run_id, path, reason FROM frame_failures")
    return counts[0], counts[1], counts[2]


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
