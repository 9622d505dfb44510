"""The warehouse file: migrations applied in order and recorded, old files migrated, edited
migrations refused, readers that never migrate, and the bounded wait on another process's lock."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from reform_facts.errors import WarehouseBusyError, WarehouseError
from reform_facts.warehouse.store import MIGRATIONS_DIR, connect, migrations

# A second process that opens the file for writing, says so, and keeps it for argv[2] seconds.
HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


def applied(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT version, name, sha256 FROM schema_migrations ORDER BY version").fetchall()
    finally:
        con.close()


def copy_migrations(tmp_path: Path, *, keep: int) -> Path:
    """The first `keep` migration files of the project, in a folder of their own."""
    folder = tmp_path / f"migrations_{keep}"
    folder.mkdir()
    for migration in migrations()[:keep]:
        shutil.copy(MIGRATIONS_DIR / migration.name, folder / migration.name)
    return folder


def test_migrations_are_applied_in_order_and_recorded(tmp_path):
    db = tmp_path / "w.duckdb"
    connect(db, read_only=False).close()
    files = migrations()
    assert [m.version for m in files] == sorted(m.version for m in files)
    assert applied(db) == [(m.version, m.name, m.digest) for m in files]
    connect(db, read_only=False).close()  # a second writer applies nothing twice
    assert len(applied(db)) == len(files)


def test_a_new_migration_applies_to_an_old_database_and_keeps_its_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    old = copy_migrations(tmp_path, keep=len(migrations()) - 1)
    con = connect(db, read_only=False, migrations_dir=old)
    con.execute("INSERT INTO runs VALUES ('r1', now(), now(), '{}', ['rules'], 1, 2, 2, 0, 0)")
    con.close()
    assert len(applied(db)) == len(migrations()) - 1

    newer = copy_migrations(tmp_path, keep=len(migrations()))
    (newer / "999_test_note.sql").write_text("ALTER TABLE runs ADD COLUMN note VARCHAR;\n")
    con = connect(db, read_only=False, migrations_dir=newer)
    try:
        assert con.execute("SELECT run_id, note FROM runs").fetchall() == [("r1", None)]
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'facts'").fetchone() == (1,)
    finally:
        con.close()
    assert [row[1] for row in applied(db)][-2:] == [migrations()[-1].name, "999_test_note.sql"]


def test_an_applied_migration_that_was_edited_is_refused(tmp_path):
    db = tmp_path / "w.duckdb"
    folder = copy_migrations(tmp_path, keep=len(migrations()))
    connect(db, read_only=False, migrations_dir=folder).close()
    first = folder / migrations()[0].name
    first.write_text(first.read_text() + "\n-- an edit\n")
    with pytest.raises(WarehouseError, match=f"{migrations()[0].name} was edited"):
        connect(db, read_only=False, migrations_dir=folder)


def test_a_migration_numbered_before_an_applied_one_is_refused(tmp_path):
    db = tmp_path / "w.duckdb"
    folder = copy_migrations(tmp_path, keep=len(migrations()))
    (folder / "999_late.sql").write_text("CREATE TABLE late (x INTEGER);\n")
    connect(db, read_only=False, migrations_dir=folder).close()
    (folder / "500_forgotten.sql").write_text("CREATE TABLE forgotten (x INTEGER);\n")
    with pytest.raises(WarehouseError, match="500_forgotten.sql is older"):
        connect(db, read_only=False, migrations_dir=folder)


def test_a_failing_migration_leaves_nothing_of_itself(tmp_path):
    db = tmp_path / "w.duckdb"
    folder = copy_migrations(tmp_path, keep=len(migrations()))
    (folder / "999_broken.sql").write_text("CREATE TABLE half (x INTEGER);\nSELECT * FROM no_such_table;\n")
    with pytest.raises(WarehouseError, match="999_broken.sql failed"):
        connect(db, read_only=False, migrations_dir=folder)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'").fetchone() == (0,)
    finally:
        con.close()
    assert len(applied(db)) == len(migrations())


@pytest.mark.parametrize("name", ["5_short.sql", "005-dash.sql", "005_Upper.sql"])
def test_a_misnamed_migration_is_refused(tmp_path, name):
    (tmp_path / name).write_text("SELECT 1;\n")
    with pytest.raises(WarehouseError, match="NNN_words.sql"):
        migrations(tmp_path)


def test_readers_never_migrate(tmp_path):
    db = tmp_path / "w.duckdb"
    connect(db, read_only=False, migrations_dir=copy_migrations(tmp_path, keep=1)).close()
    con = connect(db, read_only=True)
    con.close()
    assert len(applied(db)) == 1


def test_reading_a_missing_warehouse_says_so(tmp_path):
    with pytest.raises(WarehouseError, match="no warehouse here yet"):
        connect(tmp_path / "none.duckdb", read_only=True)
    assert not (tmp_path / "none.duckdb").exists()


def hold(db: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(seconds)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"
    return process


@pytest.mark.parametrize("read_only", [True, False], ids=["reader", "writer"])
def test_a_locked_file_gives_busy_after_the_bounded_wait(tmp_path, read_only):
    db = tmp_path / "w.duckdb"
    connect(db, read_only=False).close()
    holder = hold(db, 120)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusyError, match=str(db)) as raised:
            connect(db, read_only=read_only, wait_seconds=1.0)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert f"process {holder.pid}" in str(raised.value)
    # it waited for the lock, and gave up instead of waiting for the holder's two minutes
    assert 1.0 <= waited < 60


def test_a_reader_waits_for_a_writer_that_finishes(tmp_path):
    db = tmp_path / "w.duckdb"
    connect(db, read_only=False).close()
    holder = hold(db, 1.5)
    try:
        con = connect(db, read_only=True, wait_seconds=60)
        assert con.execute("SELECT count(*) FROM held").fetchone() == (0,)
        con.close()
    finally:
        holder.kill()
        holder.wait()


def test_migration_005_gives_stored_claims_the_ids_of_the_current_formula(tmp_path, corpus_docs, rules):
    from datetime import UTC, datetime

    from reform_facts.warehouse.load import ExtractionResult, load_run

    db = tmp_path / "w.duckdb"
    doc = corpus_docs[0]
    load_run(db, run_id="r1", documents=[doc], results=[ExtractionResult(doc.doc_id, "rules", rules.version, rules(doc))],
             failures=[], started_at=datetime.now(UTC), parameters={})
    con = duckdb.connect(str(db))
    current = con.execute("SELECT claim_id, start FROM claims ORDER BY start").fetchall()
    # a database as the code before 005 left it: ids without the document's id, 005 not applied
    con.execute("""UPDATE claims SET claim_id = left(sha256(d.sha256 || ':' || claims.extractor || ':' ||
                   claims.start || ':' || claims."end"), 16) FROM documents d WHERE d.doc_id = claims.doc_id""")
    con.execute("DELETE FROM schema_migrations WHERE version >= 5")  # 005 and the later ones
    assert con.execute("SELECT claim_id, start FROM claims ORDER BY start").fetchall() != current
    con.close()
    connect(db, read_only=False).close()  # applies 005
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT claim_id, start FROM claims ORDER BY start").fetchall() == current
    finally:
        con.close()
