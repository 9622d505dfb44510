"""How many facts carry a canonical indicator code: the share of the rows of the warehouse's `facts`
view (one extractor's reading per document) whose `indicator_code` is not null, over a set of
documents. Issue 19 asks for at least 80% on the development documents.

    .venv/bin/python -m benchmarks.indicator_coverage                 # dev: corpus/ and the dev split
    .venv/bin/python -m benchmarks.indicator_coverage --documents bundled --uncoded 30
    .venv/bin/python -m benchmarks.indicator_coverage --documents test   # held out: the figure only
    .venv/bin/python -m benchmarks.indicator_coverage --db FILE          # a warehouse already loaded

Without --db it runs `reform-facts run` over the documents into a temporary warehouse (every
extractor, the extraction cache reused), so the figure is the one an analyst's warehouse shows. The
test split's documents are only counted: no per-document figures and no phrases are printed for them.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from reform_facts.gold import document_path, gold_files
from reform_facts.paths import CORPUS_DIR, GOLD_DIR, PROJECT_DIR

DOCUMENT_SETS = ("dev", "bundled", "test")


@dataclass(frozen=True)
class Coverage:
    facts: int
    coded: int
    per_document: dict[str, tuple[int, int]]  # doc_id -> (facts, coded)

    @property
    def share(self) -> float:
        return self.coded / self.facts if self.facts else float("nan")


def documents(which: str) -> list[Path]:
    """The files of a document set: bundled (corpus/), dev (corpus/ and the dev split's written
    documents), test (the sealed split's documents, to be counted, never read by a person)."""
    bundled = sorted(path for path in CORPUS_DIR.iterdir() if path.is_file() and not path.name.startswith("."))
    if which == "bundled":
        return bundled
    split = "test" if which == "test" else "dev"
    written = [document_path(path.stem, gold_dir=GOLD_DIR, corpus_dir=CORPUS_DIR)
               for path in gold_files(GOLD_DIR, split=split)]
    written = [path for path in written if path.parent != CORPUS_DIR]
    return written if which == "test" else bundled + written


def load(paths: list[Path], db: Path) -> int:
    """`reform-facts run` over the files into `db`; its exit status (its own message is on stderr)."""
    command = [str(PROJECT_DIR / ".venv" / "bin" / "reform-facts"), "run", *map(str, paths),
               "--db", str(db), "--quiet"]
    return subprocess.run(command, cwd=PROJECT_DIR).returncode


def coverage(db: Path, doc_ids: list[str]) -> Coverage:
    """The facts of `doc_ids` in the warehouse `db` and how many carry an indicator code."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("""SELECT doc_id, count(*), count(indicator_code) FROM facts
                              WHERE list_contains(?, doc_id) GROUP BY doc_id ORDER BY doc_id""",
                           [doc_ids]).fetchall()
    finally:
        con.close()
    per_document = {doc_id: (facts, coded) for doc_id, facts, coded in rows}
    return Coverage(sum(f for f, _ in per_document.values()), sum(c for _, c in per_document.values()),
                    per_document)


def uncoded(db: Path, doc_ids: list[str], limit: int) -> list[tuple[str, str, int]]:
    """The most frequent (phrase, unit) of the facts without a code: where to grow the catalogue."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("""SELECT coalesce(indicator, '(none)'), unit, count(*) AS n FROM facts
                              WHERE list_contains(?, doc_id) AND indicator_code IS NULL
                              GROUP BY ALL ORDER BY n DESC, 1, 2 LIMIT ?""", [doc_ids, limit]).fetchall()
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", choices=DOCUMENT_SETS, default="dev")
    parser.add_argument("--db", type=Path, help="measure this warehouse instead of loading a new one")
    parser.add_argument("--uncoded", type=int, default=0, metavar="N",
                        help="also list the N most frequent uncoded phrases (not for test)")
    args = parser.parse_args(argv)
    if args.documents == "test" and args.uncoded:
        parser.error("the test split is sealed: its phrases are not listed")
    paths = documents(args.documents)
    doc_ids = [path.stem for path in paths]
    with tempfile.TemporaryDirectory(prefix="indicator-coverage-") as scratch:
        db = args.db or Path(scratch) / "w.duckdb"
        if args.db is None and (status := load(paths, db)) != 0:
            print(f"indicator_coverage: reform-facts run failed (exit {status}); nothing measured",
                  file=sys.stderr)
            return status
        result = coverage(db, doc_ids)
        listed = uncoded(db, doc_ids, args.uncoded) if args.uncoded else []
    if args.documents != "test":
        for doc_id, (facts, coded) in result.per_document.items():
            print(f"{doc_id:55} {coded:5} / {facts:5}  {coded / facts:6.1%}")
        for phrase, unit, count in listed:
            print(f"{count:5}  {unit or '':8} {phrase}")
    print(f"{args.documents}: {len(result.per_document)} documents, {result.coded} of {result.facts} facts "
          f"carry an indicator code: {result.share:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
