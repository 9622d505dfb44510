"""Reading the warehouse: a query's rows as a table, CSV, JSON lines or Parquet, and a Parquet
snapshot of every table and view. Every read opens the file read-only for as short as it can,
waiting a bounded time while a load holds it.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from reform_facts.errors import WarehouseError
from reform_facts.warehouse.store import connect

FORMATS = ("table", "csv", "json", "parquet")


@dataclass(frozen=True)
class Rows:
    """A query's answer: column names and rows of Python values."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def query(db_path: Path, sql: str, *, wait_seconds: float = 30.0) -> Rows:
    """Run one read-only statement; DuckDB's refusal becomes a WarehouseError naming the file."""
    con = connect(db_path, read_only=True, wait_seconds=wait_seconds)
    try:
        relation = con.sql(sql)
        if relation is None:  # a statement without a result (SET, PRAGMA ...)
            return Rows([], [])
        return Rows(list(relation.columns), relation.fetchall())
    except duckdb.Error as error:
        raise WarehouseError(f"{db_path}: query failed: {one_line(error)}") from error
    finally:
        con.close()


def query_to_parquet(db_path: Path, sql: str, output: Path, *, wait_seconds: float = 30.0) -> int:
    """Write a query's rows to a Parquet file (replaced whole, never half-written); returns the count."""
    con = connect(db_path, read_only=True, wait_seconds=wait_seconds)
    try:
        return _copy_to_parquet(con, sql.strip().rstrip(";"), Path(output))
    except duckdb.Error as error:
        raise WarehouseError(f"{db_path}: query failed: {one_line(error)}") from error
    finally:
        con.close()


def export(db_path: Path, directory: Path, *, wait_seconds: float = 30.0) -> dict[str, int]:
    """Write every table and view as `directory/NAME.parquet`; returns the rows of each.

    Each file is written beside its final name and then renamed over it, so a reader of the
    folder sees the old file or the new one, never half of one.
    """
    directory = Path(directory)
    con = connect(db_path, read_only=True, wait_seconds=wait_seconds)
    try:
        names = [row[0] for row in con.execute(
            """SELECT table_name FROM information_schema.tables
               WHERE table_schema = 'main' ORDER BY table_name""").fetchall()]
        return {name: _copy_to_parquet(con, f'SELECT * FROM "{name}"', directory / f"{name}.parquet")
                for name in names}
    except duckdb.Error as error:
        raise WarehouseError(f"{db_path}: export failed: {one_line(error)}") from error
    finally:
        con.close()


def _copy_to_parquet(con: duckdb.DuckDBPyConnection, sql: str, path: Path) -> int:
    """COPY a query to `path` through a partial file renamed into place; returns the rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    target = str(partial).replace("'", "''")
    count = con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)").fetchone()[0]
    os.replace(partial, path)
    return count


def one_line(error: Exception) -> str:
    """DuckDB's message on one line (the CLI prints errors as one line)."""
    return " ".join(str(error).split())


def as_csv(rows: Rows) -> str:
    """Rows as CSV with a header line; a null is an empty field.

    >>> print(as_csv(Rows(["text", "value"], [("12.1亿元", 1210000000.0), ("5∶3∶2", None)])), end="")
    text,value
    12.1亿元,1210000000
    5∶3∶2,
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows.columns)
    writer.writerows(["" if value is None else _plain(value, keep_lines=True) for value in row]
                     for row in rows.rows)
    return out.getvalue()


def as_json_lines(rows: Rows) -> str:
    """One JSON object a line, non-ASCII unescaped (as `reform-facts extract` prints claims).

    >>> print(as_json_lines(Rows(["region", "value"], [("三明市", 64.1), (None, float("nan"))])), end="")
    {"region": "三明市", "value": 64.1}
    {"region": null, "value": null}
    """
    return "".join(json.dumps(dict(zip(rows.columns, map(_json_value, row))), ensure_ascii=False,
                              default=str) + "\n" for row in rows.rows)


def as_table(rows: Rows, *, max_width: int = 60) -> str:
    """Rows as an aligned text table, Chinese characters counted as two columns wide.

    Cells wider than `max_width` are cut with an ellipsis (0: never); CSV and JSON keep all.

    >>> print(as_table(Rows(["region", "value"], [("三明市", 64.1), ("全国", None)])))
    region  value
    ------  -----
    三明市  64.1
    全国    NULL
    (2 rows)
    """
    cells = [[_cut(_plain(value), max_width) for value in row] for row in rows.rows]
    widths = [max([_width(name), *(_width(row[i]) for row in cells)]) for i, name in enumerate(rows.columns)]
    lines = [_line(rows.columns, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in cells]
    lines.append(f"({len(rows.rows)} row{'' if len(rows.rows) == 1 else 's'})")
    return "\n".join(lines)


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


def _plain(value: Any, *, keep_lines: bool = False) -> str:
    """A value as text: NULL for null, numbers without a needless '.0', lines joined."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NULL"
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, list):
        return "[" + ", ".join(_plain(item) for item in value) + "]"
    return str(value) if keep_lines else str(value).replace("\r", " ").replace("\n", " ")


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
