"""`reform-facts query` and `reform-facts export` over a warehouse holding the corpus."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import duckdb
import pytest

from reform_facts.pipeline.cli import main
from reform_facts.warehouse.load import ExtractionResult, load_run

SQL = "SELECT region, year, value, text FROM facts WHERE indicator_code = 'med_service_revenue_share' ORDER BY ALL"


@pytest.fixture(scope="module")
def db(tmp_path_factory, corpus_docs, rules):
    path = tmp_path_factory.mktemp("cli") / "w.duckdb"
    load_run(path, run_id="cli-run", documents=corpus_docs, failures=[], started_at=datetime.now(UTC),
             parameters={}, results=[ExtractionResult(d.doc_id, rules.name, rules.version, rules(d))
                                     for d in corpus_docs])
    return path


@pytest.fixture(scope="module")
def expected(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(SQL).fetchall()
    finally:
        con.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_query_prints_a_table_with_every_row(capsys, db, expected):
    code, out, _ = run(capsys, "query", SQL, "--db", str(db))
    lines = out.splitlines()
    assert code == 0 and expected
    assert lines[0].split() == ["region", "year", "value", "text"]
    assert lines[-1] == f"({len(expected)} rows)"
    assert [line.split()[0] for line in lines[2:-1]] == [row[0] for row in expected]


def test_query_as_csv_and_json_gives_the_same_rows(capsys, db, expected):
    _, out, _ = run(capsys, "query", SQL, "--db", str(db), "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["region", "year", "value", "text"]
    assert [(r, int(y), float(v), t) for r, y, v, t in table[1:]] == expected
    _, out, _ = run(capsys, "query", SQL, "--db", str(db), "--format", "json")
    assert [tuple(json.loads(line).values()) for line in out.splitlines()] == expected


def test_query_writes_parquet_to_a_file(capsys, db, expected, tmp_path):
    target = tmp_path / "out" / "share.parquet"
    code, out, err = run(capsys, "query", SQL, "--db", str(db), "--format", "parquet", "--output", str(target))
    assert code == 0 and out == ""
    assert f"wrote {len(expected)} rows to {target}" in err
    assert duckdb.sql(f"SELECT * FROM read_parquet('{target}') ORDER BY ALL").fetchall() == expected


def test_query_writes_text_formats_to_a_file(capsys, db, expected, tmp_path):
    target = tmp_path / "share.csv"
    code, out, _ = run(capsys, "query", SQL, "--db", str(db), "--format", "csv", "--output", str(target))
    assert code == 0 and out == ""
    assert len(target.read_text(encoding="utf-8").splitlines()) == len(expected) + 1


def test_parquet_needs_an_output_file(capsys, db):
    code, _, err = run(capsys, "query", SQL, "--db", str(db), "--format", "parquet")
    assert code == 2 and "--output" in err


@pytest.mark.parametrize(("sql", "message", "exit_code"), [
    ("SELECT * FROM no_such_table", "no_such_table does not exist", 2),
    ("DELETE FROM claims", "read-only", 7),  # refused before it runs: tests/test_warehouse_faults.py
])
def test_a_refused_query_is_one_line_naming_the_file(capsys, db, sql, message, exit_code):
    code, _, err = run(capsys, "query", sql, "--db", str(db))
    assert code == exit_code
    assert err.count("\n") == 1 and str(db) in err and message in err


def test_query_on_a_missing_warehouse_says_so(capsys, tmp_path):
    code, _, err = run(capsys, "query", "SELECT 1", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "no warehouse here yet" in err


def test_export_writes_every_table_and_view_as_parquet(capsys, db, tmp_path):
    con = duckdb.connect(str(db), read_only=True)
    counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    con.close()
    assert {"facts", "extractor_disagreements", "claims", "documents", "regions", "runs"} <= set(counts)
    code, out, _ = run(capsys, "export", str(tmp_path / "exports"), "--db", str(db))
    assert code == 0
    written = {path.stem: path for path in (tmp_path / "exports").glob("*.parquet")}
    assert set(written) == set(counts)
    for name, path in written.items():
        assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall() == [(counts[name],)]
        assert f"{path}  {counts[name]} rows" in out
    assert not list((tmp_path / "exports").glob("*.partial"))
