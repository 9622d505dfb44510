"""The schema for analysts, as Markdown, from the descriptions the migrations attach to every
table, view and column (COMMENT ON). warehouse/README.md carries this text between its
`schema:start` and `schema:end` markers; a test checks that the two agree, so each column is
described once, in SQL.

To refresh the README after a migration:
    .venv/bin/python -c "from reform_facts.warehouse.schema_doc import markdown_of; print(markdown_of())"
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from reform_facts.warehouse.store import connect

# Tables and views in the order a reader meets them; any other object follows alphabetically.
ORDER = ("facts", "extractor_disagreements", "claims", "documents", "regions", "region_hierarchy",
         "indicators", "runs", "run_failures", "extractions", "evaluations", "evaluation_metrics",
         "extractor_preference", "reference_data")
# the migration record, and the storage behind the view extractor_disagreements
SKIPPED = ("schema_migrations", "disagreement_rows")


def markdown(con: duckdb.DuckDBPyConnection) -> str:
    """One section per table or view: its description, then its columns with type and meaning."""
    objects = con.execute("""
        SELECT table_name, comment, 'table' FROM duckdb_tables() WHERE schema_name = 'main'
        UNION ALL
        SELECT view_name, comment, 'view' FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal
    """).fetchall()
    rank = {name: i for i, name in enumerate(ORDER)}
    objects = sorted((o for o in objects if o[0] not in SKIPPED), key=lambda o: (rank.get(o[0], len(ORDER)), o[0]))
    sections = []
    for name, comment, kind in objects:
        columns = con.execute("""SELECT column_name, data_type, comment FROM duckdb_columns()
            WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index""", [name]).fetchall()
        lines = [f"### `{name}` ({kind})", "", comment or "", "", "| column | type | meaning |",
                 "| --- | --- | --- |"]
        lines += [f"| `{column}` | {data_type} | {(text or '').replace('|', '/')} |"
                  for column, data_type, text in columns]
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"


def markdown_of(db_path: Path | None = None) -> str:
    """The Markdown of a warehouse file, or of a fresh one built from the migrations."""
    if db_path is not None:
        con = connect(db_path, read_only=True)
        try:
            return markdown(con)
        finally:
            con.close()
    with tempfile.TemporaryDirectory() as folder:
        con = connect(Path(folder) / "schema.duckdb", read_only=False)
        try:
            return markdown(con)
        finally:
            con.close()
