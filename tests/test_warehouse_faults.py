"""Hostile queries, faults and bad files around the warehouse (issue 21, items 5, 6 and 8): each
ends in one line with its exit code, confines `query` and `export`, and leaves a usable warehouse."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from reform_facts.errors import (QueryRefusedError, WarehouseAccessError, WarehouseBusyError,
                                 WarehouseCorruptError, WarehouseFullError)
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.pipeline.cli import main
from reform_facts.readers import Failure
from reform_facts.warehouse import load as loading
from reform_facts.warehouse.load import ExtractionResult, load_run

HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _load(db: Path, docs, rules, *, run_id: str = "r1", failures=()) -> None:
    load_run(db, run_id=run_id, documents=docs, failures=list(failures), started_at=datetime.now(UTC),
             parameters={}, results=[ExtractionResult(d.doc_id, rules.name, rules.version, rules(d)) for d in docs])


def _count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def db(tmp_path_factory, corpus_docs, rules) -> Path:
    path = tmp_path_factory.mktemp("faults") / "w.duckdb"
    _load(path, corpus_docs[:2], rules)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- item 5: query is read-only and confined -----------------------------------------------------

def _attacks(outside: Path, db: Path) -> dict[str, str]:
    link = outside / "hard-link.duckdb"
    return {
        "copy": f"COPY (SELECT 1) TO '{outside}/copied.csv'",
        "copy-into-the-wal": f"COPY (SELECT 1) TO '{db}.wal'",
        "export": f"EXPORT DATABASE '{outside}/exported'",
        "read-csv": "SELECT * FROM read_csv('/etc/passwd')",
        "read-text": "SELECT * FROM read_text('/etc/hostname')",
        "glob": "SELECT * FROM glob('/etc/*')",
        "http": "SELECT * FROM read_csv('https://example.com/x.csv')",
        "install": "INSTALL sqlite",
        "load": "LOAD sqlite",
        "attach-hard-link": f"ATTACH '{link}' AS w2 (READ_WRITE)",
        "attach-then-drop": f"ATTACH '{link}' AS w2 (READ_WRITE); DROP TABLE w2.claims",
        "select-then-copy": f"SELECT 1; COPY (SELECT 1) TO '{outside}/copied.csv'",
        "re-enable": "SET enable_external_access = true",
        "unlock": "SET lock_configuration = false",
        "delete": "DELETE FROM claims",
        "read-in-a-parquet-query": f"SELECT * FROM read_csv('{outside}/../../etc/passwd')",
    }


@pytest.mark.parametrize("attack", list(_attacks(Path("/x"), Path("/y"))))
@pytest.mark.parametrize("form", ["table", "parquet"])
def test_a_query_that_reaches_outside_the_warehouse_is_refused_in_one_line(capsys, db, tmp_path, attack, form):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.link(db, outside / "hard-link.duckdb")
    sql = _attacks(outside, db)[attack]
    claims = _count(db, "SELECT count(*) FROM claims")
    wal = Path(f"{db}.wal")
    wal_before = wal.read_bytes() if wal.exists() else None
    extra = ["--format", "parquet", "--output", str(tmp_path / "out.parquet")] if form == "parquet" else []
    code, out, err = run(capsys, "query", sql, "--db", str(db), *extra)
    assert code == QueryRefusedError.exit_code, err
    assert err.count("\n") == 1 and err.startswith(f"reform-facts: {db}: ") and out == ""
    assert sorted(p.name for p in outside.iterdir()) == ["hard-link.duckdb"]  # nothing written
    assert not (tmp_path / "out.parquet").exists()
    assert (wal.read_bytes() if wal.exists() else None) == wal_before
    assert _count(db, "SELECT count(*) FROM claims") == claims > 0


def test_reading_the_warehouse_still_works_in_every_output_form(capsys, db, tmp_path):
    sql = "SELECT doc_id, count(*) AS n FROM claims GROUP BY ALL ORDER BY ALL"
    code, out, _ = run(capsys, "query", sql, "--db", str(db), "--format", "parquet",
                       "--output", str(tmp_path / "n.parquet"))
    assert code == 0
    assert duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'n.parquet'}'").fetchall() == [(2,)]
    code, out, _ = run(capsys, "query", "PRAGMA show_tables", "--db", str(db), "--format", "csv")
    assert code == 0 and "claims" in out.splitlines()


@pytest.mark.parametrize(("content", "must_say"), [
    (b"SQLite format 3\x00" + bytes(4080), "a SQLite database, not a DuckDB warehouse"),
    (b"", "empty file, not a DuckDB warehouse"),
    (b"region,value\n\xe4\xb8\x89\xe6\x98\x8e,64.1\n", "not a DuckDB database"),
    (b"PAR1" + bytes(100), "not a DuckDB database"),
])
@pytest.mark.parametrize("command", ["query", "export", "load"])
def test_a_file_that_is_not_duckdb_is_refused_before_duckdb_opens_it(capsys, tmp_path, content, must_say,
                                                                     command, corpus_docs, rules):
    path = tmp_path / "other.db"
    path.write_bytes(content)
    if command == "load":
        with pytest.raises(WarehouseCorruptError, match=must_say):
            _load(path, corpus_docs[:1], rules)
    else:
        argv = ["query", "SELECT 1"] if command == "query" else ["export", str(tmp_path / "out")]
        code, _, err = run(capsys, *argv, "--db", str(path))
        assert code == WarehouseCorruptError.exit_code and err.count("\n") == 1 and must_say in err
    assert path.read_bytes() == content  # untouched, and no WAL or extension fetched for it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def _damaged(db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "damaged.duckdb"
    raw = bytearray(db.read_bytes())
    for at in range(12288, 12288 + 4096):  # the first data block: its checksum no longer matches
        raw[at] ^= 0x55
    copy.write_bytes(bytes(raw))
    return copy


def test_a_damaged_warehouse_is_one_line_for_query_and_load(capsys, db, tmp_path, corpus_docs, rules):
    damaged = _damaged(db, tmp_path)
    code, _, err = run(capsys, "query", "SELECT count(*) FROM claims", "--db", str(damaged))
    assert code == WarehouseCorruptError.exit_code and err.count("\n") == 1 and "damaged" in err
    with pytest.raises(WarehouseCorruptError, match="damaged"):
        _load(damaged, corpus_docs[:1], rules)


# --- export: named from the catalogue, inside DIR, all or nothing ---------------------------------

@pytest.fixture
def odd_db(tmp_path, db) -> Path:
    """The warehouse with tables whose names would be paths outside an export folder."""
    path = tmp_path / "odd.duckdb"
    shutil.copy(db, path)
    con = duckdb.connect(str(path))
    for name in ("../escaped", "/abs/x", "a\nb", ".."):
        quoted = '"' + name.replace('"', '""') + '"'
        con.execute(f"CREATE TABLE {quoted} AS SELECT 42 AS answer")
    con.close()
    return path


def test_export_writes_inside_its_folder_whatever_the_table_names(capsys, odd_db, tmp_path):
    target = tmp_path / "exports" / "today"
    code, out, err = run(capsys, "export", str(target), "--db", str(odd_db))
    assert code == 0, err
    written = sorted(p.name for p in target.iterdir())
    assert {"escaped.parquet", "abs_x.parquet", "a_b.parquet", "table.parquet", "claims.parquet"} <= set(written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exports", "odd.duckdb"]  # nothing beside
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["today"]  # no temporary folder left
    assert "\x0a" not in out.replace("\n", "") and len(out.splitlines()) == len(written)


def test_a_failed_export_leaves_nothing_behind(capsys, db, tmp_path):
    broken = tmp_path / "broken.duckdb"
    shutil.copy(db, broken)
    con = duckdb.connect(str(broken))
    con.execute("CREATE VIEW zz_fails AS SELECT error('boom') AS x")  # exported last, fails
    con.close()
    code, _, err = run(capsys, "export", str(tmp_path / "out"), "--db", str(broken))
    assert code == 2 and err.count("\n") == 1 and "boom" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.duckdb"]


def test_a_failed_export_into_an_existing_folder_leaves_it_as_it_was(capsys, db, tmp_path):
    broken = tmp_path / "broken.duckdb"
    shutil.copy(db, broken)
    con = duckdb.connect(str(broken))
    con.execute("CREATE VIEW zz_fails AS SELECT error('boom') AS x")
    con.close()
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "claims.parquet").write_bytes(b"an older export")
    (folder / "notes.txt").write_text("mine")
    assert run(capsys, "export", str(folder), "--db", str(broken))[0] == 2
    assert (folder / "claims.parquet").read_bytes() == b"an older export"
    assert sorted(p.name for p in folder.iterdir()) == ["claims.parquet", "notes.txt"]


# --- item 6: full disk, read-only folder, busy writer -----------------------------------------------

def test_a_full_disk_mid_load_is_one_line_and_the_next_load_succeeds(db, tmp_path, corpus_docs, rules,
                                                                      monkeypatch):
    path = tmp_path / "w.duckdb"
    shutil.copy(db, path)
    before = _count(path, "SELECT count(*) FROM claims")

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(loading, "_write_claims", no_space)
    with pytest.raises(WarehouseFullError, match="no room to write: No space left on device") as raised:
        _load(path, corpus_docs[2:4], rules, run_id="r2")
    assert "\n" not in str(raised.value)
    assert _count(path, "SELECT count(*) FROM claims") == before  # rolled back
    monkeypatch.undo()
    _load(path, corpus_docs[2:4], rules, run_id="r3")
    assert _count(path, "SELECT count(*) FROM claims") > before


# Loads in a process whose file-size limit stops DuckDB's own writes half-way (EFBIG, as a full
# disk would with ENOSPC): the commit fails inside DuckDB, which ends the transaction itself.
FILLED = """
import os, resource, signal, sys
from datetime import UTC, datetime
from reform_facts.errors import WarehouseError
from reform_facts.readers import read_all
from reform_facts.extractors import registry
from reform_facts.warehouse.load import ExtractionResult, load_run
rules = registry.get("rules")
docs = [d for d in read_all([__import__("pathlib").Path(p) for p in sys.argv[2:]])]
results = [ExtractionResult(d.doc_id, rules.name, rules.version, rules(d)) for d in docs]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
try:
    load_run(sys.argv[1], run_id="full", documents=docs, results=results, failures=[],
             started_at=datetime.now(UTC), parameters={})
except WarehouseError as error:
    print(type(error).__name__, error)
"""


def test_a_write_that_runs_out_of_room_inside_duckdb_is_one_line_and_the_next_load_succeeds(
        db, tmp_path, corpus_docs, rules):
    path = tmp_path / "w.duckdb"
    shutil.copy(db, path)
    before = _count(path, "SELECT count(*) FROM claims")
    gold = sorted((ROOT / "gold" / "documents").glob("*.txt"))[:12]
    result = subprocess.run([sys.executable, "-c", FILLED, str(path), *map(str, gold)], capture_output=True,
                            text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("WarehouseFullError") and "no room to write" in result.stdout, result.stdout
    assert "cannot rollback" not in result.stdout + result.stderr
    assert _count(path, "SELECT count(*) FROM claims") == before
    _load(path, corpus_docs[2:4], rules, run_id="after")  # space is back: the next load works
    assert _count(path, "SELECT count(*) FROM claims") > before


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody may write, root included: chmod for a user, the immutable flag for root."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root where the immutable flag cannot be set: nothing is read-only")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_folder_is_one_line_for_every_writer(capsys, db, read_only_folder, corpus_docs, rules):
    with pytest.raises(WarehouseAccessError) as raised:
        _load(read_only_folder / "w.duckdb", corpus_docs[:1], rules)
    assert "\n" not in str(raised.value)
    for argv in (["export", str(read_only_folder / "out")],
                 ["query", "SELECT 1", "--format", "parquet", "--output", str(read_only_folder / "x.parquet")],
                 ["query", "SELECT 1", "--format", "csv", "--output", str(read_only_folder / "x.csv")]):
        code, _, err = run(capsys, *argv, "--db", str(db))
        assert code == WarehouseAccessError.exit_code and err.count("\n") == 1 and str(read_only_folder) in err, argv
    assert list(read_only_folder.iterdir()) == []


def _hold(db: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().strip() == "holding"
    return process


def test_a_busy_warehouse_says_at_once_who_holds_it_then_gives_up_in_one_line(capsys, db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(db, path)
    holder = _hold(path, 120)
    try:
        code, _, err = run(capsys, "query", "SELECT 1", "--db", str(path), "--wait", "1")
    finally:
        holder.kill()
        holder.wait()
    waiting, gave_up = err.splitlines()
    assert f"in use by process {holder.pid} (" in waiting and "waiting up to 1 s" in waiting
    assert code == WarehouseBusyError.exit_code and f"locked by process {holder.pid}" in gave_up


def test_a_busy_warehouse_is_waited_for_and_then_read(capsys, db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(db, path)
    holder = _hold(path, 1.5)
    try:
        code, out, err = run(capsys, "query", "SELECT 1 AS one", "--db", str(path), "--format", "csv", "--wait", "60")
    finally:
        holder.kill()
        holder.wait()
    assert code == 0 and out == "one\n1\n"
    assert f"in use by process {holder.pid}" in err and err.count("\n") == 1


def test_a_failure_named_with_undecodable_bytes_is_stored(tmp_path, corpus_docs, rules):
    """A run with a non-UTF-8 file name among its failures still loads (DuckDB stores UTF-8 only)."""
    path = tmp_path / "w.duckdb"
    name = os.fsdecode(b"inbox/plan-\xb9\xa4.txt")
    _load(path, corpus_docs[:1], rules, failures=[Failure(name, "the file name is not valid UTF-8"),
                                                  Failure("inbox/a\nb.txt", "empty file")])
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert sorted(con.execute("SELECT path FROM run_failures").fetchall()) == [
            ("inbox/a\\nb.txt",), ("inbox/plan-\\xb9\\xa4.txt",)]
    finally:
        con.close()


# --- item 8: control characters never reach the terminal raw ---------------------------------------

@pytest.mark.parametrize("form", ["table", "csv", "json"])
def test_query_output_escapes_control_characters(capsys, db, form):
    sql = "SELECT '65%' || chr(27) || '[2J' || chr(7) || chr(155) || chr(8238) || chr(13) AS text"
    code, out, _ = run(capsys, "query", sql, "--db", str(db), "--format", form)
    assert code == 0
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\r"):
        assert raw not in out, (form, raw)
    assert "65%" in out and ("[2J" in out)
