"""One function per file format: the bytes of a file become (text, title, tables).

`tables` are the tables the format itself marks (an HTML `<table>`, a Word table, a ruled PDF
table), as `reform_facts.tables.Table`s whose cells are spans of the text; the text has them too,
a row a line, cells tab-separated. Each function raises DocumentError naming the file and the reason
when the bytes are not a document of that format. No file I/O here: `readers` reads the bytes
and checks the limits.
"""
from __future__ import annotations

import io
import logging
import unicodedata
import zipfile
from collections import Counter

import regex

from collections.abc import Iterator
from typing import NamedTuple

from reform_facts.readers.decoding import check_text, declared_charset, decode
from reform_facts.errors import DocumentError
from reform_facts.tables import Table, from_grid

log = logging.getLogger(__name__)


class Parsed(NamedTuple):
    text: str
    title: str | None
    tables: tuple[Table, ...] = ()


def plain(raw: bytes, path: str, *, max_bytes: int | None = None) -> Parsed:
    """Plain text: the decoded content, unchanged.

    >>> plain("签约覆盖率50.28%".encode("utf-16"), "x.txt")
    Parsed(text='签约覆盖率50.28%', title=None, tables=())
    """
    check_text(raw, path=path)
    return Parsed(decode(raw, path=path), None)


_FRONT_TITLE = regex.compile(r"\A---\n(?:.*\n)*?title:\s*[\"']?(?P<title>[^\n\"']+)[\"']?\s*\n(?:.*\n)*?---\n")
_ATX_H1 = regex.compile(r"^#[ \t]+(?P<title>[^\n]+?)[ \t#]*$", regex.MULTILINE)
_TITLE_REACH = 2000


def markdown(raw: bytes, path: str, *, max_bytes: int | None = None) -> Parsed:
    """Markdown: the decoded content, unchanged; the title from front matter or the first `# `.

    >>> markdown("\\n# 2022 年深化医药卫生体制改革工作方案\\n\\n正文".encode(), "x.md")[1]
    '2022 年深化医药卫生体制改革工作方案'
    """
    text = plain(raw, path).text
    opening = text[:_TITLE_REACH]  # a heading further down is a section's, not the document's
    match = _FRONT_TITLE.match(opening) or _ATX_H1.search(opening)
    title = match.group("title").strip().strip("*").strip() if match else None
    return Parsed(text, title or None)


# HTML elements that start a new line of text; everything else is inline (a <b> or <span>
# around a number must not cut the sentence). Cells of a row are separated by tabs.
_BLOCKS = frozenset(
    "address article aside blockquote body caption dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody "
    "tfoot thead tr ul br".split())
_CELLS = frozenset({"td", "th"})
_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr"})  # a table in a cell keeps its rows
_HIDDEN = frozenset({"head", "title", "script", "style", "noscript", "template", "iframe", "object", "svg"})
_CELL_MARK = "\x1f"  # stands for a tab until whitespace is collapsed
_HTML_SPACE = regex.compile(r"[ \t\n\r\f]+")


def html(raw: bytes, path: str, *, max_bytes: int | None = None) -> Parsed:
    """A web page: the text a browser shows, one block a line, table cells tab-separated; each
    `<table>` whose rows are each one line of that text is also given as a table.

    >>> html("<title>医改</title><p>基层诊疗占比<b>56.32%</b></p><p>重庆市</p>".encode(), "x.html")[:2]
    ('基层诊疗占比56.32%\\n重庆市', '医改')
    >>> page = ("<table><tr><th rowspan=2>地区</th><th colspan=2>床位(张)</th></tr>"
    ...         "<tr><th>2021年</th><th>2020年</th></tr><tr><td>甲市</td><td>9</td><td>8</td></tr></table>")
    >>> table = html(page.encode(), "x.html").tables[0]
    >>> table.column_labels(2), [cell.text for cell in table.rows[0]]
    (['床位(张)', '2020年'], ['甲市', '9', '8'])
    """
    from bs4 import BeautifulSoup  # imported per format (bs4: 90 ms): a text-only run never pays it

    check_text(raw, path=path)
    soup = BeautifulSoup(decode(raw, path=path, declared=declared_charset(raw)), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    grids = [_expand_spans(soup, table) for table in soup.find_all("table")]
    if not title:
        meta = soup.find("meta", attrs={"name": regex.compile("^(ArticleTitle|title)$", regex.I)})
        title = meta.get("content", "").strip() if meta else None
    rows: dict[int, int | None] = {}
    lines = _html_lines(soup, rows)
    starts: list[int | None] = []
    at = 0
    for line in lines:  # where each line stands in the text, empty lines left out
        starts.append(at if line else None)
        at += len(line) + 1 if line else 0
    text = "\n".join(line for line in lines if line)
    tables = []
    for grid in grids:
        spans = _row_spans(grid, rows, lines, starts)
        table = from_grid(text, spans, "html") if spans is not None else None
        if table is not None:
            tables.append(table)
    return Parsed(text, title or None, tuple(tables))


def _row_spans(grid: list[tuple[object, list[object]]], rows: dict[int, int | None], lines: list[str],
               starts: list[int | None]) -> list[list[tuple[int, int]]] | None:
    """Each row of one expanded table as the spans of its cells in the text, a merged cell's
    span at every position it covers; None when a row is not one line of the text with a
    field per column (a cell holding paragraphs or a table of its own)."""
    spans: list[list[tuple[int, int]]] = []
    own: dict[int, tuple[int, int]] = {}
    for row, origins in grid:
        index = rows.get(id(row))
        if index is None or starts[index] is None:
            return None
        fields = lines[index].split("\t")
        if len(fields) != len(origins):
            return None
        at, line_spans = starts[index], []
        for origin, field in zip(origins, fields):
            own.setdefault(id(origin), (at, at + len(field)))
            line_spans.append(own[id(origin)])
            at += len(field) + 1
        spans.append(line_spans)
    return spans


def _own_rows(table) -> Iterator[object]:
    """A table's own rows, in order: directly under it or under its thead, tbody and tfoot (a
    search of every row below, then of each row's table, grows with the square of the nesting)."""
    for child in table.find_all(["tr", "thead", "tbody", "tfoot"], recursive=False):
        if child.name == "tr":
            yield child
        else:
            yield from child.find_all("tr", recursive=False)


def _expand_spans(soup, table) -> list[tuple[object, list[object]]]:
    """Make every row of a table as wide as its grid: a cell spanning k columns is followed by k-1
    empty cells, and one spanning r rows leaves an empty cell at its column in the r-1 rows below.
    Each value then keeps its column when the rows are written as tab-separated lines.

    >>> from bs4 import BeautifulSoup
    >>> page = BeautifulSoup('<table><tr><td rowspan="2">县级</td><td>甲</td></tr><tr><td>乙</td></tr></table>',
    ...                      "html.parser")
    >>> _ = _expand_spans(page, page.table); [[td.get_text() for td in tr.find_all("td")] for tr in page.find_all("tr")]
    [['县级', '甲'], ['', '乙']]

    Returns each row with the cell each of its columns belongs to: a merged cell at every
    position it covers.
    """
    grid: list[tuple[object, list[object]]] = []
    covering: dict[int, object] = {}  # column -> the cell that covers it from a rowspan above
    pending: dict[int, int] = {}  # column -> rows it is still covered for, from a rowspan above
    for row in _own_rows(table):  # not the rows of a table nested in a cell: its own table expands them
        cells = [cell for cell in row.find_all(["td", "th"], recursive=False)]
        column, at = 0, 0
        out = []
        origins: list[object] = []
        while at < len(cells) or any(c >= column and n > 0 for c, n in pending.items()):
            if pending.get(column, 0) > 0:
                pending[column] -= 1
                out.append(None)  # covered from above
                origins.append(covering[column])
                column += 1
                continue
            if at >= len(cells):
                break
            cell = cells[at]
            at += 1
            span = _span(cell.get("colspan"))
            down = _span(cell.get("rowspan"))
            for k in range(span):
                out.append(cell if k == 0 else None)
                origins.append(cell)
                if down > 1:
                    pending[column + k] = down - 1
                    covering[column + k] = cell
            column += span
        if any(cell is None for cell in out):  # only a row with spans is rebuilt: moving a cell
            for cell in cells:                 # walks all it holds (a nested table, say)
                cell.extract()
            for cell in out:
                row.append(cell if cell is not None else soup.new_tag("td"))
        grid.append((row, origins))
    return grid


def _span(value) -> int:
    try:
        return max(1, min(int(value), 50))
    except (TypeError, ValueError):
        return 1


def _html_lines(root, rows: dict[int, int | None] | None = None) -> list[str]:
    """The lines of text under `root`. Walked with a stack, not recursion: a page nested a
    thousand tags deep is still a page. `rows`, when given, gets for each table row (by id)
    the index of the one line it became, or None where it became several or none."""
    from bs4 import NavigableString, Tag  # bs4 per format, as in `html`
    from bs4.element import PreformattedString

    lines: list[str] = []
    buffer: list[str] = []
    stack: list[tuple[object, bool]] = [(child, False) for child in reversed(list(root.children))]
    opened: dict[int, int] = {}  # a table row -> how many lines there were when it started
    cells = 0  # table cells open around the node: a paragraph or <br> inside one is a space
    while stack:
        node, leaving = stack.pop()
        if leaving and node.name in _CELLS:
            cells -= 1
        elif leaving:  # the end of a block
            _flush(lines, buffer)
            if rows is not None and node.name == "tr":
                rows[id(node)] = len(lines) - 1 if len(lines) == opened.get(id(node), -2) + 1 else None
        elif isinstance(node, PreformattedString):  # comments, doctype, CDATA
            continue
        elif isinstance(node, NavigableString):
            buffer.append(str(node))
        elif isinstance(node, Tag) and node.name not in _HIDDEN:
            if node.name == "pre" and not cells:
                _flush(lines, buffer)
                lines.extend(node.get_text().splitlines())
                continue
            if cells and node.name in _BLOCKS and node.name not in _TABLE_PARTS:
                buffer.append(" ")  # a cell is one field of its row, as in a Word table
            elif node.name in _BLOCKS:
                _flush(lines, buffer)
                stack.append((node, True))
                if node.name == "tr":
                    opened[id(node)] = len(lines)
            elif node.name in _CELLS:
                buffer.append(_CELL_MARK)
                cells += 1
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(list(node.children)))
    _flush(lines, buffer)
    return lines


def _flush(lines: list[str], buffer: list[str]) -> None:
    if buffer:
        collapsed = _HTML_SPACE.sub(_space_for, "".join(buffer)).strip(" ")
        collapsed = collapsed.removeprefix(_CELL_MARK).lstrip(" ")  # the row's first cell
        # trailing tabs stay: a row's empty last cells keep its columns
        lines.append(regex.sub(rf" ?{_CELL_MARK} ?", "\t", collapsed).rstrip(" "))
        buffer.clear()


def _space_for(match: regex.Match[str]) -> str:
    """Collapse a run of HTML white space as CSS does: to one space, or to nothing when it holds
    a line break between two East Asian wide characters (CSS Text 3, segment break rules)."""
    run, text = match.group(), match.string
    if "\n" in run or "\r" in run:
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if _wide(before) and _wide(after):
            return ""
    return " "


def _wide(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in ("W", "F", "H")


def docx(raw: bytes, path: str, *, max_bytes: int | None = None) -> Parsed:
    """A Word file: paragraphs and tables in document order, a table row a line with its cells
    tab-separated (a merged cell once); the title from the document's properties.

    A package whose members would expand past `max_bytes` (each, or together) is refused
    before anything is expanded: a 1 MB file of 265 MB of XML is a decompression bomb.
    """
    import docx as python_docx  # imported per format (python-docx and lxml: 40 ms), as bs4 in `html`
    from docx.table import Table

    if not raw.startswith(b"PK\x03\x04"):
        kind = "an old binary Word .doc file" if raw.startswith(b"\xd0\xcf\x11\xe0") else "not a zip package"
        raise DocumentError(f"{path}: not a Word .docx file ({kind})")
    if max_bytes is not None:
        check_expansion(raw, path, max_bytes=max_bytes)
    try:
        document = python_docx.Document(io.BytesIO(raw))
    except Exception as error:  # python-docx raises several unrelated types for a bad package
        raise DocumentError(f"{path}: not a readable Word file ({type(error).__name__}: {error})") from None
    lines: list[str] = []
    placed: list[tuple[int, list[list[object]]]] = []  # a table's first line, and its cells by position
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            placed.append((len(lines), [[cell._tc for cell in row.cells] for row in block.rows]))
            lines.extend(_table_rows(block))
        else:
            lines.append(block.text)
    text = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    tables = []
    for first, grid in placed:
        spans = _docx_spans(grid, lines[first:first + len(grid)], starts[first:first + len(grid)])
        table = from_grid(text, spans, "docx") if spans is not None else None
        if table is not None:
            tables.append(table)
    return Parsed(text, document.core_properties.title or None, tuple(tables))


def _docx_spans(grid: list[list[object]], lines: list[str], starts: list[int]) -> list[list[tuple[int, int]]] | None:
    """Each row of a Word table as the spans of its cells in the text (a merged cell's at each
    position it covers); None when a row's line does not hold a field per column (a cell's
    text with a tab or line break of its own)."""
    spans = []
    for origins, line, start in zip(grid, lines, starts):
        fields = line.split("\t")
        if len(fields) == 1 and len(origins) > 1:  # written as one line: a title, or a label alone
            spans.append([(start, start + len(line))] * len(origins))
            continue
        if len(fields) != len(origins) or "\n" in line:
            return None
        at, row = start, []
        for position, (origin, field) in enumerate(zip(origins, fields)):
            row.append(row[-1] if position and origin is origins[position - 1] else (at, at + len(field)))
            at += len(field) + 1
        spans.append(row)
    return spans


def check_expansion(raw: bytes, path: str, *, max_bytes: int) -> None:
    """Refuse a zip package whose members declare more than `max_bytes` uncompressed, each or
    together. Declared sizes are what expanding is held to: Python's zipfile stops a member
    at its declared size and fails its CRC check, so a member that lies is refused too.
    """
    try:
        members = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise DocumentError(f"{path}: not a readable Word file (BadZipFile: {error})") from None
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > max_bytes or total > max_bytes:
            what = (f"its member {member.filename!r} expands to {member.file_size} bytes"
                    if member.file_size > max_bytes else f"its members expand to over {total} bytes")
            raise DocumentError(f"{path}: {what}, over the size limit of {max_bytes} bytes "
                                f"(a decompression bomb?)")


def _table_rows(table) -> list[str]:
    from docx.table import Table  # python-docx per format, as in `docx`

    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:  # a merged cell repeats itself:
                cells.append("")  # an empty cell keeps the columns of the row in place
                continue
            previous = cell._tc
            parts = []
            for block in cell.iter_inner_content():
                parts.extend(_table_rows(block) if isinstance(block, Table) else [block.text])
            # A cell is one field of the row: its paragraphs are joined without a line break.
            cells.append(" ".join(part for part in parts if part.strip()))
        # a row that is one cell across the table (a title) is a line, not a row of columns
        rows.append(cells[0] if len([c for c in cells if c]) <= 1 and cells and cells[0] else "\t".join(cells))
    return rows


def pdf(raw: bytes, path: str, *, max_bytes: int | None = None) -> Parsed:
    """A PDF's text layer, page after page; refused when it has none (a scan needs OCR first).

    Owner-password PDFs (printing or copying restricted, common for government files) open
    with the empty user password; a PDF that needs a real password is refused.

    pypdf reads the text and decides every refusal. A page with a ruled table that pdfplumber
    finds, and that maps cleanly onto a grid, is written by pdfplumber instead: the lines
    around the table, then the table a row a line, cells tab-separated (as `html` writes
    them), and the table is handed over. Pages without such a table keep pypdf's text.
    """
    from pypdf import PdfReader  # imported per format (pypdf: 75 ms), as bs4 in `html`
    from pypdf.errors import DependencyError

    if b"%PDF-" not in raw[:1024]:
        raise DocumentError(f"{path}: not a PDF file (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(f"{path}: encrypted PDF: a password is needed to read it")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except DocumentError:
        raise
    except DependencyError as error:
        raise DocumentError(f"{path}: encrypted PDF that cannot be opened here ({error})") from None
    except Exception as error:  # pypdf raises many unrelated types for a damaged file
        raise DocumentError(f"{path}: not a readable PDF ({type(error).__name__}: {error})") from None
    if not any(page.strip() for page in pages):
        raise DocumentError(f"{path}: PDF has no text layer ({len(pages)} pages of images, a scan?); "
                            f"OCR it first")
    blank = [number for number, page in enumerate(pages, 1) if not page.strip()]
    if blank:
        log.warning("%s: pages without text (scanned?), not read: %s", path, blank)
    ruled = _pdf_ruled_pages(raw, path, pages)
    texts, grids, at = [], [], 0
    for number, page in enumerate(pages):
        page_text, page_grids = ruled.get(number, (page, []))
        texts.append(page_text)
        grids.extend([[(at + a, at + b) for a, b in row] for row in grid] for grid in page_grids)
        at += len(page_text) + 1
    text = "\n".join(texts)
    tables = [table for table in (from_grid(text, grid, "pdf") for grid in grids) if table is not None]
    return Parsed(text, (str(title).strip() or None) if title else None, tuple(tables))


_Grid = list[list[tuple[int, int]]]  # a table's rows, a cell's span in the page's text at each position


def _pdf_ruled_pages(raw: bytes, path: str, pages: list[str]) -> dict[int, tuple[str, list[_Grid]]]:
    """For each page (by index) with a table pdfplumber finds in its rulings that maps cleanly,
    the page's text as pdfplumber writes it, with the tables' grids. A file pdfplumber cannot
    read keeps pypdf's text: the tables are a bonus, never a reason to refuse a PDF pypdf read."""
    import pdfplumber  # imported per format (pdfplumber, pdfminer, pypdfium2: 280 ms), as bs4 in `html`

    ruled: dict[int, tuple[str, list[_Grid]]] = {}
    try:
        with pdfplumber.open(io.BytesIO(raw), password="") as document:
            if len(document.pages) != len(pages):
                return {}
            for number, page in enumerate(document.pages):
                if pages[number].strip():  # a page pypdf found no text on stays unread
                    found = _pdf_page_tables(page)
                    if found is not None and _same_characters(found[0], pages[number]):
                        ruled[number] = found
                page.close()  # pdfplumber keeps every page's objects until closed
    except Exception as error:  # pdfminer raises many unrelated types for a damaged file
        log.warning("%s: tables not read from the PDF (%s: %s)", path, type(error).__name__, error)
        return {}
    return ruled


# How far pdfplumber's text of a page may stray from pypdf's (characters one has and the other
# has not, as a share of pypdf's): further, pdfminer misread the page (`(cid:12)` for a glyph
# without a Unicode mapping) and pypdf's text stays.
_PDF_DRIFT = 0.01


def _same_characters(rewritten: str, read: str) -> bool:
    """Whether a page's text as pdfplumber wrote it holds the characters pypdf read there."""
    ours, theirs = Counter("".join(rewritten.split())), Counter("".join(read.split()))
    return (ours - theirs).total() + (theirs - ours).total() <= _PDF_DRIFT * theirs.total()


def _pdf_page_tables(page) -> tuple[str, list[_Grid]] | None:
    """A page's text with each clean table a row a line, and the tables' grids; None when no
    table on it maps cleanly (the page's text is then pypdf's, and text detection reads it)."""
    tables = sorted((t for t in page.find_tables() if _pdf_clean(page, t)), key=lambda t: t.bbox[1])
    # two tables side by side share their lines: neither is one row a line
    tables = [t for t in tables if not any(u is not t and u.bbox[1] < t.bbox[3] and t.bbox[1] < u.bbox[3]
                                           for u in tables)]
    if not tables:
        return None
    lines: list[str] = []
    grids: list[_Grid] = []
    at, top = 0, float("-inf")

    def band(low: float, high: float) -> None:  # the page's lines between two tables
        nonlocal at
        between = page.filter(lambda obj: obj.get("object_type") != "char" or low <= _middle(obj)[1] < high)
        for line in (between.extract_text() or "").splitlines():
            lines.append(line)
            at += len(line) + 1

    for table in tables:
        band(top, table.bbox[1])
        grid: _Grid = []
        own: dict[tuple[float, ...], tuple[int, int]] = {}
        for row in _pdf_rows(table):
            fields, spans = [], []
            for cell, field in row:
                if cell not in own:  # a merged cell: its span at every position it covers
                    own[cell] = (at, at + len(field))
                    fields.append(field)
                else:
                    fields.append("")
                spans.append(own[cell])
                at += len(fields[-1]) + 1
            lines.append("\t".join(fields))
            grid.append(spans)
        grids.append(grid)
        top = table.bbox[3]
    band(top, float("inf"))
    return "\n".join(lines), grids


def _pdf_rows(table) -> list[list[tuple[tuple[float, ...], str]]]:
    """Each row of a pdfplumber table as (the cell covering it, its text) at every column: a
    position pdfplumber leaves empty (a merged cell's) gets the cell that covers it, found
    at the position's middle. A cell's lines are joined as a browser joins them."""
    rows = table.rows
    texts = table.extract()
    lefts = [column.bbox[0] for column in table.columns] + [table.bbox[2]]
    tops = [row.bbox[1] for row in rows] + [table.bbox[3]]
    text_of = {cell: text for row, row_texts in zip(rows, texts)
               for cell, text in zip(row.cells, row_texts) if cell is not None}
    out = []
    for r, row in enumerate(rows):
        placed = []
        for c, cell in enumerate(row.cells):
            if cell is None:
                x, y = (lefts[c] + lefts[c + 1]) / 2, (tops[r] + tops[r + 1]) / 2
                cell = next((k for k in table.cells if k[0] <= x < k[2] and k[1] <= y < k[3]), (x, y, x, y))
            text = text_of.get(cell) or ""
            placed.append((cell, _HTML_SPACE.sub(_space_for, text).strip(" ")))
        out.append(placed)
    return out


def _pdf_clean(page, table) -> bool:
    """Whether a pdfplumber table is a grid: two rows and two columns at least, and every
    character across its height inside one of its cells (a frame drawn round a page of prose,
    or a note beside the table, is no grid)."""
    if len(table.rows) < 2 or len(table.columns) < 2:
        return False
    top, bottom = table.bbox[1], table.bbox[3]
    for char in page.chars:
        x, y = _middle(char)
        if top <= y < bottom and char["text"].strip() and not any(
                k[0] <= x < k[2] and k[1] <= y < k[3] for k in table.cells):
            return False
    return True


def _middle(obj) -> tuple[float, float]:
    return (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
