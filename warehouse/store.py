"""The DuckDB file: connecting to it, waiting for its lock, and migrating its schema.

DuckDB lets one process hold a database file: while a writer has it open, no other process may
open it, even read-only. So writers keep the window short (one transaction per load), and
`connect` waits a bounded time for the lock before raising `WarehouseBusyError` naming the file.

The schema is the ordered SQL files of `warehouse/migrations/` (`NNN_name.sql`). A writer applies
the ones not yet recorded in `schema_migrations`, each in its own transaction with its record;
readers never migrate. An applied file whose text changed is refused: a change is a new file.
"""
from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reform_facts import paths
from reform_facts.errors import WarehouseBusyError, WarehouseError

DEFAULT_DB = paths.WAREHOUSE_FILE
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_NAME = re.compile(r"(\d{3})_[a-z0-9_]+\.sql")
# DuckDB's message when another process holds the file ("Could not set lock on file ...").
_LOCKED = re.compile(r"could not set lock", re.IGNORECASE)
_HOLDER = re.compile(r"\(PID (\d+)\)")
_FIRST_PAUSE = 0.05  # seconds; doubled after each try, up to one

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files of `directory` in version order; a misnamed or duplicate file is an error.

    >>> [m.name for m in migrations()][:2]
    ['001_core.sql', '002_reference.sql']
    """
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.fullmatch(path.name)
        if match is None:
            raise WarehouseError(f"{path}: a migration is named NNN_words.sql (three digits, lower case)")
        version = int(match.group(1))
        if version in found:
            raise WarehouseError(f"{path}: version {version} is also {found[version].name}")
        found[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def connect(db_path: Path, *, read_only: bool, wait_seconds: float = 30.0,
            migrations_dir: Path = MIGRATIONS_DIR) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `wait_seconds` for another process's lock.

    A writer creates the file if needed and applies pending migrations; a reader needs the file
    to exist and changes nothing. Raises WarehouseBusyError naming the file when the lock is
    still held after the wait, WarehouseError when there is no warehouse to read.
    """
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise WarehouseError(f"{db_path}: no warehouse here yet; load one first "
                             f"(reform-facts run, or the main flow)")
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    con = _open_waiting(db_path, read_only=read_only, wait_seconds=wait_seconds)
    con.execute("SET enable_progress_bar = false")
    if not read_only:
        try:
            migrate(con, migrations(migrations_dir), where=db_path)
        except BaseException:
            con.close()
            raise
    return con


def _open_waiting(db_path: Path, *, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, retried with a growing pause while another process holds the lock."""
    deadline = time.monotonic() + wait_seconds
    pause = _FIRST_PAUSE
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.IOException as error:
            if not _LOCKED.search(str(error)):
                raise WarehouseError(f"{db_path}: cannot open: {error}") from error
            left = deadline - time.monotonic()
            if left <= 0:
                holder = _HOLDER.search(str(error))
                by = f"process {holder.group(1)}" if holder else "another process"
                raise WarehouseBusyError(
                    f"{db_path}: locked by {by} for more than {wait_seconds:g} s (a load in progress?); "
                    f"try again when it has finished, or read a Parquet export") from None
            if pause == _FIRST_PAUSE:  # say it once, not at every retry
                logger.info("%s is locked by another process; waiting up to %.1f s", db_path, left)
            time.sleep(min(pause, left))
            pause = min(pause * 2, 1.0)


def migrate(con: duckdb.DuckDBPyConnection, files: list[Migration], *, where: Path | str) -> list[str]:
    """Apply the migrations not yet recorded, in order, each with its record in one transaction.

    Returns the names applied. Refuses a database whose recorded migrations do not match the
    files (an applied file edited, or one the code does not have).
    """
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        applied_at TIMESTAMP NOT NULL)""")
    applied = {version: (name, digest) for version, name, digest in
               con.execute("SELECT version, name, sha256 FROM schema_migrations").fetchall()}
    by_version = {m.version: m for m in files}
    for version, (name, digest) in sorted(applied.items()):
        migration = by_version.get(version)
        if migration is None:
            raise WarehouseError(f"{where}: has migration {name}, which this code does not have "
                                 f"(a newer version of reform-facts made it?)")
        if migration.digest != digest:
            raise WarehouseError(f"{where}: migration {name} was edited after it was applied; "
                                 f"restore it and put the change in a new migration")
    newest = max(applied, default=0)
    done = []
    for migration in files:
        if migration.version in applied:
            continue
        if migration.version < newest:
            raise WarehouseError(f"{where}: migration {migration.name} is older than the applied "
                                 f"{applied[newest][0]}; number new migrations after the last")
        _apply(con, migration, where=where)
        done.append(migration.name)
    return done


def _apply(con: duckdb.DuckDBPyConnection, migration: Migration, *, where: Path | str) -> None:
    con.begin()
    try:
        con.execute(migration.sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                    [migration.version, migration.name, migration.digest, utc_now()])
        con.commit()
    except duckdb.Error as error:
        con.rollback()
        raise WarehouseError(f"{where}: migration {migration.name} failed: {error}") from error
    logger.info("%s: applied migration %s", where, migration.name)


def utc_now() -> datetime:
    """The current time in UTC, without a zone: every timestamp of the warehouse is UTC."""
    return as_utc(datetime.now(UTC))


def as_utc(moment: datetime) -> datetime:
    """A zone-aware time in UTC without its zone; a naive time is taken to be UTC already.

    >>> from datetime import timedelta, timezone
    >>> as_utc(datetime(2024, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))))
    datetime.datetime(2024, 1, 1, 0, 0)
    """
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
