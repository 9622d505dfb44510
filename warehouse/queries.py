"""Reading the warehouse: a query's rows as a table, CSV, JSON lines or Parquet, and a Parquet
snapshot of every table and view. Every read opens the file read-only for as short as it can,
waiting a bounded time while a load holds it.

A query is confined (`store.open_confined`): one read-only statement, no file, network or
extension reached from SQL. The only files written are this module's own: a query's Parquet
output, and `export`'s files, named from the catalogue and written inside the folder given.
Text that reaches a terminal has its control characters escaped.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from reform_facts.errors import QueryRefusedError, WarehouseError
from reform_facts.warehouse.store import Say, failure, open_confined

FORMATS = ("table", "csv", "json", "parquet")
# What `query` runs: statements that only read. Anything else (COPY, EXPORT, ATTACH, SET, INSTALL,
# DELETE ...) is refused before it runs, whatever DuckDB's own checks would say.
READING_STATEMENTS = ("SELECT", "EXPLAIN", "PRAGMA", "CALL")
# DuckDB's refusals that mean "outside the confinement", as opposed to a mistake in the SQL.
_CONFINED = (duckdb.PermissionException,)
_LOCKED_SETTING = re.compile(r"configuration has been locked|read-only mode", re.IGNORECASE)
# A file name made from a table's name: letters, digits, underscore; anything else becomes "_".
_UNSAFE_NAME = re.compile(r"[^0-9A-Za-z_]+")


@dataclass(frozen=True)
class Rows:
    """A query's answer: column names and rows of Python values."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def query(db_path: Path, sql: str, *, wait_seconds: float = 30.0, on_wait: Say | None = None) -> Rows:
    """Run one read-only statement; a refusal becomes a WarehouseError naming the file."""
    con = open_confined(db_path, wait_seconds=wait_seconds, on_wait=on_wait)
    try:
        _check_statement(con, sql, where=db_path)
        relation = con.sql(sql)
        if relation is None:  # a statement without a result
            return Rows([], [])
        return Rows(list(relation.columns), relation.fetchall())
    except duckdb.Error as error:
        raise _refusal(db_path, error) from error
    finally:
        con.close()


def query_to_parquet(db_path: Path, sql: str, output: Path, *, wait_seconds: float = 30.0,
                     on_wait: Say | None = None) -> int:
    """Write a query's rows to a Parquet file (replaced whole, never half-written); returns the count."""
    output = Path(output)
    _not_the_warehouse(output, db_path)
    partial = output.with_name(output.name + ".partial")
    _make_folder(output.parent)
    con = open_confined(db_path, wait_seconds=wait_seconds, on_wait=on_wait, writable_files=[partial])
    try:
        _check_statement(con, sql, where=db_path)
        relation = con.sql(sql.strip().rstrip(";"))
        if relation is None:
            raise QueryRefusedError(f"{db_path}: the statement gives no rows to write")
        relation.write_parquet(str(partial))
        count = con.execute("SELECT count(*) FROM read_parquet(?)", [str(partial)]).fetchone()[0]
        os.replace(partial, output)
        return count
    except duckdb.Error as error:
        raise _refusal(db_path, error, output=output) from error
    except OSError as error:
        raise failure(output, error, doing="cannot write") from error
    finally:
        con.close()
        partial.unlink(missing_ok=True)


def export(db_path: Path, directory: Path, *, wait_seconds: float = 30.0,
           on_wait: Say | None = None) -> dict[str, int]:
    """Write every table and view as `directory/NAME.parquet`; returns the rows of each by NAME.

    The names come from the warehouse's catalogue, made safe as file names (`file_names`). The
    files are written into a temporary folder beside `directory`, which DuckDB may write and
    nothing else, and moved in when all are written: a failed export leaves nothing behind,
    and a reader of the folder sees the old files or the new ones, never half of one.
    """
    directory = Path(directory)
    _make_folder(directory.parent)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".partial", dir=directory.parent))
    except OSError as error:
        raise failure(directory.parent, error, doing="cannot write an export here") from error
    try:
        counts = _export_into(db_path, staging, wait_seconds=wait_seconds, on_wait=on_wait)
        _publish(staging, directory)
        return counts
    except OSError as error:
        raise failure(directory, error, doing="export failed") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _export_into(db_path: Path, staging: Path, *, wait_seconds: float, on_wait: Say | None) -> dict[str, int]:
    con = open_confined(db_path, wait_seconds=wait_seconds, on_wait=on_wait, writable_folders=[staging])
    try:
        names = [name for (name,) in con.execute(
            """SELECT table_name FROM information_schema.tables
               WHERE table_catalog = current_database() AND table_schema = 'main'
               ORDER BY table_name""").fetchall()]
        counts = {}
        for name, stem in file_names(names).items():
            target = staging / f"{stem}.parquet"
            quoted = '"' + name.replace('"', '""') + '"'
            counts[stem] = con.execute(f"COPY (SELECT * FROM {quoted}) TO ? (FORMAT parquet)",
                                       [str(target)]).fetchone()[0]
        return counts
    except duckdb.Error as error:
        raise failure(db_path, error, doing="export failed") from error
    finally:
        con.close()


def file_names(names: Sequence[str]) -> dict[str, str]:
    """A safe, distinct file stem for each table name: no separator, no dot, never empty.

    >>> file_names(["facts", "../x", "/abs/x", "a b", "..", "x"])
    {'facts': 'facts', '../x': 'x', '/abs/x': 'abs_x', 'a b': 'a_b', '..': 'table', 'x': 'x_2'}
    """
    stems: dict[str, str] = {}
    for name in names:
        stem = _UNSAFE_NAME.sub("_", name).strip("_") or "table"
        unique, n = stem, 1
        while unique in stems.values():
            n += 1
            unique = f"{stem}_{n}"
        stems[name] = unique
    return stems


def _publish(staging: Path, directory: Path) -> None:
    """Move a finished export into `directory`: the whole folder at once when `directory` is new
    or empty, else file by file (each rename atomic), leaving the folder's other files alone."""
    if not directory.exists() or (directory.is_dir() and not directory.is_symlink()
                                  and not any(directory.iterdir())):
        staging.rename(directory)  # a link to a folder is kept: the files go where it points
        return
    for path in sorted(staging.iterdir()):
        os.replace(path, directory / path.name)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise failure(folder, error, doing="cannot create the folder") from error


def write_output(path: Path, text: str, *, db_path: Path | None = None) -> None:
    """Write a query's text output to a file through a partial file renamed into place; a
    read-only folder or a full disk is one WarehouseError naming the file. The warehouse itself
    (`db_path`) is never the output."""
    path = Path(path)
    if db_path is not None:
        _not_the_warehouse(path, db_path)
    _make_folder(path.parent)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise failure(path, error, doing="cannot write") from error


def _not_the_warehouse(output: Path, db_path: Path) -> None:
    """Refuse an output file that is the warehouse (by path or, through a link, by file)."""
    same = Path(output).resolve() == Path(db_path).resolve()
    if not same and Path(output).exists() and Path(db_path).exists():
        same = os.path.samefile(output, db_path)
    if same:
        raise QueryRefusedError(f"{output}: is the warehouse itself; write the output to another file")


def _check_statement(con: duckdb.DuckDBPyConnection, sql: str, *, where: Path) -> None:
    """Refuse, before it runs, SQL that is not exactly one reading statement."""
    statements = con.extract_statements(sql)
    if len(statements) != 1:
        raise QueryRefusedError(f"{where}: query runs one statement at a time ({len(statements)} given)")
    kind = statements[0].type.name
    if kind not in READING_STATEMENTS:
        raise QueryRefusedError(f"{where}: query runs read-only statements ({', '.join(READING_STATEMENTS)}); "
                                f"{kind} is refused (write files with --format and --output)")


def _refusal(db_path: Path, error: duckdb.Error, *, output: Path | None = None) -> WarehouseError:
    """DuckDB's refusal as one line: confinement refusals apart from mistakes in the SQL."""
    if isinstance(error, _CONFINED) or _LOCKED_SETTING.search(str(error)):
        return QueryRefusedError(f"{db_path}: query refused: it reaches outside the warehouse or would change "
                                 f"it (files, network, extensions and settings are closed to queries): "
                                 f"{one_line(error)}")
    fault = failure(output or db_path, error, doing="query failed")
    if type(fault) is not WarehouseError:  # a full disk, a damaged file: their own kind
        return fault
    return WarehouseError(f"{db_path}: query failed: {one_line(error)}")


def one_line(error: Exception) -> str:
    """DuckDB's message on one line (the CLI prints errors as one line)."""
    return " ".join(str(error).split())


def as_csv(rows: Rows) -> str:
    """Rows as CSV with a header line; a null is an empty field; control characters escaped
    but line breaks (CSV quotes them) and tabs.

    >>> print(as_csv(Rows(["text", "value"], [("12.1亿元", 1210000000.0), ("5∶3∶2\x1b[2J", None)])), end="")
    text,value
    12.1亿元,1210000000
    5∶3∶2\\x1b[2J,
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([escaped(name) for name in rows.columns])
    writer.writerows(["" if value is None else escaped(_plain(value), keep="\n\t") for value in row]
                     for row in rows.rows)
    return out.getvalue()


def as_json_lines(rows: Rows) -> str:
    """One JSON object a line, non-ASCII unescaped (as `reform-facts extract` prints claims), but
    the control characters JSON leaves raw (C1, bidirectional, line separators) as \\u escapes.

    >>> print(as_json_lines(Rows(["region", "value"], [("三明市", 64.1), (None, float("nan"))])), end="")
    {"region": "三明市", "value": 64.1}
    {"region": null, "value": null}
    """
    return "".join(_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(
        dict(zip(rows.columns, map(_json_value, row))), ensure_ascii=False, default=str)) + "\n"
        for row in rows.rows)


def as_table(rows: Rows, *, max_width: int = 60) -> str:
    """Rows as an aligned text table, Chinese characters counted as two columns wide.

    Cells wider than `max_width` are cut with an ellipsis (0: never); CSV and JSON keep all.
    Line breaks and tabs become spaces, other control characters are escaped: a document's
    escape sequence never reaches the terminal.

    >>> print(as_table(Rows(["region", "value"], [("三明市", 64.1), ("全国\x1b]0;x\x07", None)])))
    region            value
    ----------------  -----
    三明市            64.1
    全国\\x1b]0;x\\x07  NULL
    (2 rows)
    """
    columns = [escaped(name) for name in rows.columns]
    cells = [[_cut(escaped(_LINE_BREAKS.sub(" ", _plain(value))), max_width) for value in row]
             for row in rows.rows]
    widths = [max([_width(name), *(_width(row[i]) for row in cells)]) for i, name in enumerate(columns)]
    lines = [_line(columns, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in cells]
    lines.append(f"({len(rows.rows)} row{'' if len(rows.rows) == 1 else 's'})")
    return "\n".join(lines)


# C0 and C1 control characters and DEL (escape sequences, bells, carriage returns), and the
# invisible controls that reorder or break what a terminal shows (bidirectional marks and
# overrides, line and paragraph separators).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("\r\n|[\r\n\t\v\f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escaped(text: str, *, keep: str = "") -> str:
    """`text` with its control characters shown as escapes (`\\x1b`, `\\u202e`), but those in `keep`.

    >>> escaped("65%\x1b[31m\u202e")
    '65%\\\\x1b[31m\\\\u202e'
    """
    def show(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep:
            return char
        return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
    return _CONTROL.sub(show, text)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths)).rstrip()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, limit: int) -> str:
    if not limit or _width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        used += _width(ch)
        if used > limit - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def _plain(value: Any) -> str:
    """A value as text: NULL for null, numbers without a needless '.0'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NULL"
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, list):
        return "[" + ", ".join(_plain(item) for item in value) + "]"
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
