"""The DuckDB file: connecting to it, waiting for its lock, and migrating its schema.

DuckDB lets one process hold a database file: while a writer has it open, no other process may
open it, even read-only. So writers keep the window short (one transaction per load), and
`connect` says at once that it waits and for which process, waits a bounded time for the lock,
then raises `WarehouseBusyError` naming the file and the holder.

A file that is not a DuckDB database is refused by its first bytes before DuckDB opens it (given
a SQLite file, DuckDB would try to download its SQLite extension). Every failure becomes one
WarehouseError subclass (damaged file, full disk, permission denied) with the CLI's exit code.

Readers that run a user's SQL (`open_confined`) get a read-only connection without external
access: no file, network or extension reached from SQL, the configuration locked.

The schema is the ordered SQL files of `warehouse/migrations/` (`NNN_name.sql`). A writer applies
the ones not yet recorded in `schema_migrations`, each in its own transaction with its record;
readers never migrate. An applied file whose text changed is refused: a change is a new file.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reform_facts import paths
from reform_facts.errors import (WarehouseAccessError, WarehouseBusyError, WarehouseCorruptError, WarehouseError,
                                 WarehouseFullError)

DEFAULT_DB = paths.WAREHOUSE_FILE
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_NAME = re.compile(r"(\d{3})_[a-z0-9_]+\.sql")
# DuckDB's message when another process holds the file ("Could not set lock on file ...:
# Conflicting lock is held in /usr/bin/python3 (PID 4242)").
_LOCKED = re.compile(r"could not set lock", re.IGNORECASE)
_HOLDER = re.compile(r"\(PID (\d+)\)")
_FIRST_PAUSE = 0.05  # seconds; doubled after each try, up to one
# Every DuckDB file has this after the 8-byte checksum of its main header.
DUCKDB_MAGIC = b"DUCK"
_MAGIC_AT = 8
_SQLITE = b"SQLite format 3\x00"
# No extension is ever downloaded or loaded behind the user's back: the ones the warehouse
# uses (json, parquet, icu) are built into the Python package.
NO_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# How DuckDB words the faults the CLI reports with their own exit codes.
_FULL = re.compile(r"no space left on device|disk quota exceeded|file too large", re.IGNORECASE)
_DENIED = re.compile(r"permission denied|read-only file system|operation not permitted", re.IGNORECASE)
_DAMAGED = re.compile(r"corrupt database file|could not read enough bytes|not a valid duckdb database"
                      r"|checksum|serializ", re.IGNORECASE)

logger = logging.getLogger(__name__)
Say = Callable[[str], None]


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
            migrations_dir: Path = MIGRATIONS_DIR, on_wait: Say | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `wait_seconds` for another process's lock.

    A writer creates the file if needed and applies pending migrations; a reader needs the file
    to exist and changes nothing. Raises WarehouseBusyError naming the file when the lock is
    still held after the wait, WarehouseCorruptError for a file that is not a sound DuckDB
    database, WarehouseError when there is no warehouse to read. `on_wait` is told once, at
    the first refusal, that the open waits and for which process (default: a logged warning).
    """
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise WarehouseError(f"{db_path}: no warehouse here yet; load one first "
                             f"(reform-facts run, or the main flow)")
    if not read_only:
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise failure(db_path.parent, error, doing="cannot create the warehouse's folder") from None
    check_file(db_path)
    con = _open_waiting(db_path, read_only=read_only, wait_seconds=wait_seconds, on_wait=on_wait)
    try:
        con.execute("SET enable_progress_bar = false")
        if not read_only:
            migrate(con, migrations(migrations_dir), where=db_path)
    except duckdb.Error as error:  # a damaged file shows first when its tables are read
        con.close()
        raise failure(db_path, error, doing="cannot open") from None
    except BaseException:
        con.close()
        raise
    return con


def open_confined(db_path: Path, *, wait_seconds: float = 30.0, on_wait: Say | None = None,
                  writable_files: Sequence[Path] = (), writable_folders: Sequence[Path] = ()
                  ) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only for a user's SQL: no file, network or extension outside it.

    External access is disabled and the configuration locked before any user SQL runs, so COPY,
    EXPORT, ATTACH, read_csv and the like, INSTALL/LOAD and http reads are refused by DuckDB.
    `writable_files` and `writable_folders` are the only paths DuckDB may then write (this
    module's own Parquet output, chosen by the caller, never by the SQL).
    """
    con = connect(db_path, read_only=True, wait_seconds=wait_seconds, on_wait=on_wait)
    try:
        if writable_files:
            con.execute("SET allowed_paths = ?", [[str(Path(p).absolute()) for p in writable_files]])
        if writable_folders:  # a trailing separator: DuckDB matches these as prefixes
            con.execute("SET allowed_directories = ?",
                        [[os.path.join(Path(p).absolute(), "") for p in writable_folders]])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def check_file(db_path: Path) -> None:
    """Refuse, by its first bytes, an existing file that is not a DuckDB database, before
    DuckDB opens it; a missing file is left to the caller.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".duckdb") as handle:
    ...     _ = handle.write(b"SQLite format 3\\x00" + bytes(84)); handle.flush()
    ...     check_file(Path(handle.name))
    Traceback (most recent call last):
    reform_facts.errors.WarehouseCorruptError: ...: a SQLite database, not a DuckDB warehouse
    """
    try:
        mode = os.stat(db_path).st_mode
        if stat.S_ISDIR(mode):
            raise WarehouseCorruptError(f"{db_path}: is a folder, not a DuckDB warehouse file")
        if not stat.S_ISREG(mode):  # a named pipe or a device would block or never end
            raise WarehouseCorruptError(f"{db_path}: not a regular file (a pipe or device), not a DuckDB warehouse")
        with open(db_path, "rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return
    except OSError as error:
        raise failure(db_path, error, doing="cannot read") from None
    if head.startswith(_SQLITE):
        raise WarehouseCorruptError(f"{db_path}: a SQLite database, not a DuckDB warehouse")
    if not head:
        raise WarehouseCorruptError(f"{db_path}: empty file, not a DuckDB warehouse; remove it and "
                                    f"load again to create one")
    if head[_MAGIC_AT:_MAGIC_AT + len(DUCKDB_MAGIC)] != DUCKDB_MAGIC:
        raise WarehouseCorruptError(f"{db_path}: not a DuckDB database (it starts with {head[:12]!r})")


def _open_waiting(db_path: Path, *, read_only: bool, wait_seconds: float,
                  on_wait: Say | None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, retried with a growing pause while another process holds the lock."""
    deadline = time.monotonic() + wait_seconds
    pause = _FIRST_PAUSE
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only, config=dict(NO_EXTENSIONS))
        except duckdb.Error as error:
            if not _LOCKED.search(str(error)):
                raise failure(db_path, error, doing="cannot open") from None
            holder = _holder(str(error))
            left = deadline - time.monotonic()
            if left <= 0:
                raise WarehouseBusyError(
                    f"{db_path}: locked by {holder} for more than {wait_seconds:g} s (a load in progress?); "
                    f"try again when it has finished, or read a Parquet export") from None
            if pause == _FIRST_PAUSE:  # say it once, at once, not at every retry
                (on_wait or logger.warning)(f"{db_path} is in use by {holder}; waiting up to "
                                            f"{wait_seconds:g} s for it")
            time.sleep(min(pause, left))
            pause = min(pause * 2, 1.0)


def _holder(message: str) -> str:
    """The process named in DuckDB's lock message, with its command line where it can be read."""
    found = _HOLDER.search(message)
    if found is None:
        return "another process"
    pid = found.group(1)
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            words = handle.read(400).split(b"\0")
    except OSError:  # not Linux, or the process just ended
        return f"process {pid}"
    line = " ".join(os.fsdecode(word) for word in words if word)
    shown = line.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    shown = "".join(ch if ch.isprintable() else " " for ch in shown)
    return f"process {pid} ({shown[:120]})" if shown else f"process {pid}"


def failure(path: Path | str, error: BaseException, *, doing: str) -> WarehouseError:
    """One WarehouseError for a DuckDB or OS error: the subclass tells the CLI's exit code.

    >>> failure("w.duckdb", OSError(errno.ENOSPC, "No space left on device"), doing="load failed")
    WarehouseFullError('w.duckdb: load failed: no room to write: No space left on device; free some space and run again (nothing was written)')
    """
    if isinstance(error, OSError):
        code, text = error.errno, error.strerror or str(error)
    else:
        code, text = None, " ".join(str(error).split())
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) or _FULL.search(text):
        return WarehouseFullError(f"{path}: {doing}: no room to write: {text}; free some space and run "
                                  f"again (nothing was written)")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or _DENIED.search(text):
        return WarehouseAccessError(f"{path}: {doing}: {text}")
    if _DAMAGED.search(text):
        return WarehouseCorruptError(f"{path}: {doing}: the file is damaged ({text}); restore it from a "
                                     f"backup or remove it and load again")
    return WarehouseError(f"{path}: {doing}: {text}")


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if DuckDB has not ended it already.

    A failed COMMIT (a full disk) ends the transaction itself; rolling back then would raise
    "cannot rollback - no transaction is active" and hide the error that matters.
    """
    try:
        con.rollback()
    except duckdb.TransactionException:
        logger.debug("no transaction left to roll back", exc_info=True)


def migrate(con: duckdb.DuckDBPyConnection, files: list[Migration], *, where: Path | str) -> list[str]:
    """Apply the migrations not yet recorded, in order, each with its record in one transaction.

    Returns the names applied. Refuses a database whose recorded migrations do not match the
    files (an applied file edited, or one the code does not have), and, before writing anything
    to it, a database of another program (tables, but no record of migrations).
    """
    tables = {name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    if tables and "schema_migrations" not in tables:
        raise WarehouseError(f"{where}: a DuckDB database of another program (it has tables such as "
                             f"{sorted(tables)[0]!r} but no reform-facts migrations); use another --db")
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
        rollback(con)
        raise failure(where, error, doing=f"migration {migration.name} failed") from None
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
