"""Tables in a document's text, as cells that know their row and column headers.

Real pages bring tables as text in a few forms, all read here into one `Table`:
- pipe rows (`| 指标 | 2021年 | 2020年 |`), label-value lists (`一、上年结余 | 1079.96 |`);
- tab-separated rows;
- columns aligned with runs of spaces (yearbooks, PDF text layers), labels spaced (`北 京 市`);
- a web table flattened to one cell per line, with or without a trailing `|`; the column count is
  inferred from the header cells and the rows.
A table's title is the line just above it, and its unit line (`单位：万元`) the line above or below.
Every offset is into the text given (the document's text, or its simplified view: same offsets).

>>> text = "表1 床位\\n单位：张\\n| 地区 | 2021年 | 2020年 |\\n| --- | --- | --- |\\n| 甲市 | 1,200 | 1,100 |\\n"
>>> table = find_tables(text)[0]
>>> table.form, table.title, table.unit_line, [c.text for c in table.rows[0]]
('pipe', '表1 床位', '单位：张', ['甲市', '1,200', '1,100'])
>>> table.column_labels(1)
['2021年']
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

# A cell that holds a figure: an optional comparator, sign, digits (thousands separators,
# full-width digits), decimals, percent, `左右`; or a ratio. Groups: the figure's own span.
NUMBER_CELL = re.compile(
    r"^(?P<before>[<>≤≥＜＞约]?\s*)"
    r"(?P<figure>[+\-−－]?[0-9０-９][0-9０-９,，]*(?:[.．][0-9０-９]+)?\s*[%％‰]?"
    r"|[0-9０-９]+(?:[.．][0-9０-９]+)?\s*[:：∶]\s*[0-9０-９]+(?:[.．][0-9０-９]+)?)"
    r"(?P<after>\s*(?:左右|以上|以下|%%)?)$")
EMPTY_CELL = re.compile(r"^[-—–－…/／\s]*$")
YEAR_CELL = re.compile(r"^(?:19|20)\d\d$")
_PIPE = re.compile(r"[|｜]")
_TAB = re.compile(r"\t")
_ALIGNED = re.compile(r"(?:[ \u3000]{2,}|\t)")
_RULE_ROW = re.compile(r"^[\s|:：\-—=+]*$")
_RULE_LINE = re.compile(r"^[\s\-—─━=_]*[\-—─━=_]{3,}[\s\-—─━=_]*$|^\S*\s+[─━]{3,}[\s─━]*$")
UNIT_LINE = re.compile(r"^[（(]?\s*单位\s*[：:]")
CELL_LINE_MAX = 24  # longer lines are prose, not a cell of a flattened table
MAX_COLUMNS = 13  # of a flattened table, label column included
MAX_TITLE_LINES = 8  # short lines before a flattened table's header cells


@dataclass(frozen=True, slots=True)
class Cell:
    start: int
    end: int
    text: str

    @property
    def figure(self) -> re.Match[str] | None:
        return NUMBER_CELL.match(self.text)


@dataclass(slots=True)
class Table:
    form: str                        # pipe, tab, aligned, cell_per_line
    start: int
    end: int
    header_rows: list[list[Cell | None]] = field(default_factory=list)  # aligned to the data columns
    rows: list[list[Cell]] = field(default_factory=list)
    title: str | None = None
    title_start: int = -1  # where the title stands in the text (-1: none)
    unit_line: str | None = None

    def column_labels(self, column: int) -> list[str]:
        """The header labels over `column`, top down (a group's label, then the column's own)."""
        return [cell.text for cell in self.column_cells(column)]

    def column_cells(self, column: int) -> list[Cell]:
        """The header cells over `column`, top down, each once."""
        cells: list[Cell] = []
        for row in self.header_rows:
            cell = row[column] if column < len(row) else None
            if cell is not None and cell.text and cell.text not in [c.text for c in cells]:
                cells.append(cell)
        return cells

    def figures(self) -> Iterator[tuple[int, int, Cell]]:
        """(row, column, cell) of every cell holding a figure, the row label excluded."""
        for r, row in enumerate(self.rows):
            for c, cell in enumerate(row):
                if c > 0 and cell.figure is not None:
                    yield r, c, cell


def find_tables(text: str) -> list[Table]:
    """Every table of `text`, in order."""
    lines = list(lines_of(text))
    tables: list[Table] = []
    finders = (_pipe_or_tab, _aligned, _cell_per_line)
    # A finder that read a run of lines and found no table there is not asked again inside that
    # run: each line is read a bounded number of times, and time stays linear in the text.
    blocked = [0] * len(finders)
    k = 0
    while k < len(lines):
        found = None
        for f, finder in enumerate(finders):
            if blocked[f] > k:
                continue
            result = finder(text, lines, k)
            if isinstance(result, _Miss):
                blocked[f] = result.end
            elif result is not None:
                found = result
                break
        if found is None:
            k += 1
            continue
        table, k = found
        _frame(table, lines, text)
        previous = tables[-1] if tables else None
        if (previous is not None and not table.header_rows and previous.header_rows
                and max(map(len, table.rows)) == max(map(len, previous.rows))):
            # a table continued after a page break (续表) without its header: the header goes on
            table.header_rows, table.unit_line = previous.header_rows, table.unit_line or previous.unit_line
            table.title = previous.title
        tables.append(table)
    return tables


# --- lines and cells -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Miss:
    """A finder read lines k .. end - 1 as one run of its form, and no table is there."""

    end: int


def lines_of(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) of every run of characters between line breaks, empty ones too.

    >>> list(lines_of("甲\\n\\n乙"))
    [(0, '甲'), (2, ''), (3, '乙')]
    """
    start = 0
    for line in text.split("\n"):
        yield start, line
        start += len(line) + 1


def _cell(text: str, start: int, end: int) -> Cell:
    """The cell text[start:end] without its surrounding spaces."""
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip())
    body = raw.strip()
    return Cell(start + lead, start + lead + len(body), body)


def _split(text: str, start: int, line: str, separator: re.Pattern[str]) -> list[Cell]:
    cells, at = [], 0
    for match in separator.finditer(line):
        cells.append(_cell(text, start + at, start + match.start()))
        at = match.end()
    cells.append(_cell(text, start + at, start + len(line)))
    return cells


def _is_figure(cell: Cell | None) -> bool:
    return cell is not None and cell.figure is not None and not YEAR_CELL.match(cell.text)


def _is_value(cell: Cell) -> bool:
    return _is_figure(cell) or bool(EMPTY_CELL.match(cell.text))


# --- pipe and tab rows ---------------------------------------------------------------------

def _row_kind(line: str) -> str | None:
    stripped = line.strip()
    if not stripped:
        return None
    if len(_PIPE.findall(stripped)) >= 2 or (stripped.startswith(("|", "｜")) and len(stripped) > 1):
        return "pipe"
    if "|" in stripped and _is_figure(Cell(0, 0, stripped.split("|")[-1].strip())):
        return "pipe"  # 一、上年结余 | 1079.96
    if "\t" in stripped:
        return "tab"
    return None


def _pipe_or_tab(text: str, lines: list[tuple[int, str]], k: int) -> tuple[Table, int] | _Miss | None:
    form = _row_kind(lines[k][1])
    if form is None:
        return None
    rows: list[list[Cell]] = []
    end = k
    while end < len(lines):
        kind = _row_kind(lines[end][1])
        if kind != form:
            # one line of debris (an advertisement) between two rows of the table
            if end + 1 < len(lines) and _row_kind(lines[end + 1][1]) == form and lines[end][1].strip():
                end += 1
                continue
            break
        start, line = lines[end]
        if not _RULE_ROW.match(line):
            cells = _split(text, start, line, _PIPE if form == "pipe" else _TAB)
            if form == "pipe":  # the empty cells outside the first and last bar
                cells = [c for i, c in enumerate(cells) if c.text or 0 < i < len(cells) - 1]
            rows.append(cells)
        end += 1
    if not any(any(_is_figure(c) for c in row[1:]) for row in rows):
        return _Miss(end)
    table = Table(form, lines[k][0], lines[end - 1][0] + len(lines[end - 1][1]))
    _headers_and_rows(table, rows)
    return table, end


def _headers_and_rows(table: Table, rows: list[list[Cell]]) -> None:
    """Header rows are those before the first row with a figure past its label. A header row
    with fewer cells than the columns heads the last ones; above the last header row, an empty
    cell is covered by the label to its left (a group over sub-columns)."""
    first = next((i for i, row in enumerate(rows) if any(_is_figure(c) for c in row[1:])), 0)
    width = max(len(row) for row in rows)
    for number, row in enumerate(rows[:first]):
        cells: list[Cell | None] = [c if c.text else None for c in row]
        if 1 < len(cells) < width:
            cells = [cells[0], *[None] * (width - len(cells)), *cells[1:]]
        cells += [None] * (width - len(cells))
        if number < first - 1:
            for i in range(2, width):
                cells[i] = cells[i] or cells[i - 1]
        table.header_rows.append(cells)
    table.rows = rows[first:]


# --- columns aligned with spaces -----------------------------------------------------------

def _aligned_cells(text: str, start: int, line: str) -> list[Cell] | None:
    if "|" in line or len(line.strip()) < 3:
        return None
    cells = [c for c in _split(text, start, line, _ALIGNED) if c.text]
    # a label spaced wide (`北    京`, `地    区`, `#医  院`): its short pieces, close together, are one cell
    merged: list[Cell] = []
    for cell in cells:
        last = merged[-1] if merged else None
        if (last is not None and len(last.text.lstrip("#＃")) <= 2 and len(cell.text) == 1 and not _is_figure(cell)
                and not _is_figure(last) and cell.start - last.end <= 4 and not YEAR_CELL.match(last.text)):
            merged[-1] = Cell(last.start, cell.end, text[last.start:cell.end])
        else:
            merged.append(cell)
    cells = merged
    pieces = 0
    while pieces < len(cells) and len(cells[pieces].text) == 1 and not _is_figure(cells[pieces]):
        pieces += 1
    if pieces >= 2:
        cells = _merge_label(text, cells, pieces)
    return cells if len(cells) >= 2 else None


def _aligned(text: str, lines: list[tuple[int, str]], k: int) -> tuple[Table, int] | _Miss | None:
    """Rows of cells separated by runs of two or more spaces; at least two rows with figures.
    Header lines above them (fewer cells, or none a figure) are matched to the data columns
    by where they stand in the line."""
    first = _aligned_cells(text, *lines[k])
    if first is None:
        return None
    block: list[tuple[int, str, list[Cell]]] = []
    end = k
    while end < len(lines):
        start, line = lines[end]
        cells = None if _RULE_LINE.match(line) else _aligned_cells(text, start, line)
        if cells is None and block and _RULE_LINE.match(line):
            end += 1  # a rule drawn under the header
            continue
        if cells is None:
            nxt = lines[end + 1] if end + 1 < len(lines) else None
            if line.strip() and nxt and _aligned_cells(text, *nxt) and block and len(line.strip()) <= 40:
                block.append((start, line, [_cell(text, start, start + len(line))]))  # a wrapped label, or debris
                end += 1
                continue
            break
        block.append((start, line, cells))
        end += 1
    data = [i for i, (_s, _l, cells) in enumerate(block) if any(_is_figure(c) for c in cells[1:])]
    if len(data) < 2:
        return _Miss(end)
    width = max(len(block[i][2]) for i in data)
    centres = _column_centres([block[i] for i in data if len(block[i][2]) == width], width)
    table = Table("aligned", block[0][0], block[-1][0] + len(block[-1][1]))
    wrapped: Cell | None = None  # a label's first line, on a line of its own
    for i, (start, line, cells) in enumerate(block):
        if i < data[0]:
            table.header_rows.append(_place(cells, start, line, centres, group=i < data[0] - 1))
        elif i in data:
            row = cells if len(cells) == width else _fill(cells, start, line, centres)
            if wrapped is not None and row and not _is_figure(row[0]) and row[0].text:
                row = [Cell(wrapped.start, row[0].end, wrapped.text + row[0].text), *row[1:]]
            wrapped = None
            table.rows.append(row)
        else:
            wrapped = cells[0] if len(cells) == 1 and not _is_figure(cells[0]) else None
    _regroup(table)
    return table, end


def _regroup(table: Table) -> None:
    """Groups over sub-columns, set by the leaf labels: where the leaf row starts again (2018,
    2019, 2018, 2019 …) a new group starts, and a group row with as many labels as there are
    runs gives them in order (positions on screen are not exact enough for that)."""
    if len(table.header_rows) < 2:
        return
    leaf = table.header_rows[-1]
    runs: list[list[int]] = []
    seen: set[str] = set()
    for column, cell in enumerate(leaf):
        if cell is None:
            continue
        if not runs or cell.text in seen:
            runs.append([])
            seen = set()
        runs[-1].append(column)
        seen.add(cell.text)
    if len(runs) < 2:
        return
    for row in table.header_rows[:-1]:
        labels = list(dict.fromkeys(c for c in row[runs[0][0]:] if c is not None))
        if len(labels) == len(runs):
            for label, run in zip(labels, runs):
                for column in run:
                    row[column] = label


def _display(line: str, upto: int) -> int:
    """Where offset `upto` of `line` stands on screen: wide (CJK, full-width) characters take two
    columns, as they did for whoever aligned the table."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line[:upto])


def _bounds(cell: Cell, start: int, line: str) -> tuple[int, int]:
    return _display(line, cell.start - start), _display(line, cell.end - start)


def _merge_label(text: str, cells: list[Cell], count: int) -> list[Cell]:
    if any(_is_figure(c) for c in cells[:count]):
        return cells
    return [Cell(cells[0].start, cells[count - 1].end, text[cells[0].start:cells[count - 1].end]), *cells[count:]]


def _column_centres(rows: list[tuple[int, str, list[Cell]]], width: int) -> list[float]:
    centres = []
    for column in range(width):
        spots = [sum(_bounds(c, start, line)) / 2 for start, line, cells in rows for c in cells[column:column + 1]]
        centres.append(sum(spots) / len(spots) if spots else 0.0)
    return centres


def _nearest(position: float, centres: list[float]) -> int:
    return min(range(len(centres)), key=lambda i: abs(centres[i] - position))


def _place(cells: list[Cell], start: int, line: str, centres: list[float], *, group: bool = False) -> list[Cell | None]:
    """Header cells put over the data columns. A leaf header cell heads the column nearest to
    it; a group's cell (a header row above the last) heads every column nearer to it than to
    the row's other cells."""
    placed: list[Cell | None] = [None] * len(centres)
    middles = [sum(_bounds(cell, start, line)) / 2 for cell in cells]
    if group and len(cells) > 1:
        for column, centre in enumerate(centres):
            nearest = min(range(len(cells)), key=lambda i: abs(middles[i] - centre))
            placed[column] = cells[nearest]
        return placed
    for cell, middle in zip(cells, middles):
        column = _nearest(middle, centres)
        if placed[column] is None:
            placed[column] = cell
    return placed


def _fill(cells: list[Cell], start: int, line: str, centres: list[float]) -> list[Cell]:
    """A data row with cells missing (`-` left out, a ragged row): each cell in its column."""
    placed = _place(cells, start, line, centres)
    return [c if c is not None else Cell(start, start, "") for c in placed]


# --- one cell per line ---------------------------------------------------------------------

def _cell_line(line: str) -> str | None:
    stripped = line.strip().strip("|｜").strip()
    if not stripped or len(stripped) > CELL_LINE_MAX or stripped[-1] in "。；;，,：:":
        return None
    return stripped


def _cell_per_line(text: str, lines: list[tuple[int, str]], k: int) -> tuple[Table, int] | _Miss | None:
    """A run of short lines, header cells first, then each row's label and values."""
    run: list[Cell] = []
    end = k
    while end < len(lines) and (body := _cell_line(lines[end][1])) is not None:
        start, line = lines[end]
        at = line.index(body)
        run.append(Cell(start + at, start + at + len(body), body))
        end += 1
    figures = sum(_is_figure(c) for c in run)
    if len(run) < 6 or figures < 3:
        return _Miss(end)
    header = 0
    while header < len(run) and not _is_value(run[header]):
        header += 1
    # The column count: the header cells' (or one more, when the label column has no header)
    # that cuts the rest into the most rows of a label and at least one figure. The text lines
    # before the first value are title lines, the header cells, then the first row's label and
    # any text cells of it (a unit column): every split is tried.
    best: tuple[tuple[int, bool, int], int, int, int] | None = None
    for skip in range(min(header, MAX_TITLE_LINES + 1)):
        for labels in range(min(header - skip, MAX_COLUMNS), 0, -1):
            for columns in (labels, labels + 1):
                if columns < 2:
                    continue
                body = run[skip + labels:]
                chunks = [body[r * columns:(r + 1) * columns] for r in range(len(body) // columns)]
                good = sum(1 for chunk in chunks
                           if not _is_value(chunk[0]) and any(_is_figure(c) for c in chunk[1:]))
                score = (good * columns, labels == columns, -skip)
                if chunks and good >= max(1, len(chunks) - 1) and (best is None or score > best[0]):
                    best = (score, columns, labels, skip)
    if best is None:
        return _Miss(end)
    _score, columns, labels, skip = best
    run = run[skip:]
    heads = run[:labels]
    table = Table("cell_per_line", run[0].start, run[-1].end)
    table.header_rows.append(list(heads) if labels == columns else [None, *heads])
    body = run[labels:]
    for r in range(len(body) // columns):
        table.rows.append(body[r * columns:(r + 1) * columns])
    used = labels + columns * (len(body) // columns)
    if used < len(run):  # what follows the last whole row is not the table's
        end = k + skip + used
        table.end = run[used - 1].end
    return table, end


# --- title and unit line -------------------------------------------------------------------

def _frame(table: Table, lines: list[tuple[int, str]], text: str) -> None:
    """The title (the nearest non-empty line above) and the unit line (above or below)."""
    index = next(i for i, (start, line) in enumerate(lines) if start <= table.start <= start + len(line))
    above = [line.strip() for _s, line in lines[max(0, index - 3):index] if line.strip()]
    below = [line.strip() for _s, line in lines[index + 1:] if line.strip()][:0]
    for row in table.header_rows:  # a unit line written as the table's first row
        for cell in row:
            if cell is not None and UNIT_LINE.match(cell.text) and table.unit_line is None:
                table.unit_line = cell.text
    for line in reversed(above):
        if UNIT_LINE.match(line) and table.unit_line is None:
            table.unit_line = line
        elif table.title is None and len(line) <= 60:
            table.title = line
            break
    after = text[table.end:table.end + 200].split("\n")
    for line in [*below, *[a.strip() for a in after[1:3] if a.strip()]]:
        if UNIT_LINE.match(line) and table.unit_line is None:
            table.unit_line = line
