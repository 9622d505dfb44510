"""One function per file format: the bytes of a file become (text, title).

Each raises DocumentError naming the file and the reason when the bytes are not a document
of that format. No file I/O here: `readers` reads the bytes and checks the limits.
"""
from __future__ import annotations

import io
import logging
import unicodedata

import regex

from reform_facts.readers.decoding import check_text, declared_charset, decode
from reform_facts.errors import DocumentError

log = logging.getLogger(__name__)

Parsed = tuple[str, "str | None"]


def plain(raw: bytes, path: str, *, max_bytes: int | None = None) -> Parsed:
    """Plain text: the decoded content, unchanged.

    >>> plain("签约覆盖率50.28%".encode("utf-16"), "x.txt")
    ('签约覆盖率50.28%', None)
    """
    check_text(raw, path=path)
    return decode(raw, path=path), None


_FRONT_TITLE = regex.compile(r"\A---\n(?:.*\n)*?title:\s*[\"']?(?P<title>[^\n\"']+)[\"']?\s*\n(?:.*\n)*?---\n")
_ATX_H1 = regex.compile(r"^#[ \t]+(?P<title>[^\n]+?)[ \t#]*$", regex.MULTILINE)
_TITLE_REACH = 2000


def markdown(raw: bytes, path: str, *, max_bytes: int | None = None) -> Parsed:
    """Markdown: the decoded content, unchanged; the title from front matter or the first `# `.

    >>> markdown("\\n# 2022 年深化医药卫生体制改革工作方案\\n\\n正文".encode(), "x.md")[1]
    '2022 年深化医药卫生体制改革工作方案'
    """
    text, _ = plain(raw, path)
    opening = text[:_TITLE_REACH]  # a heading further down is a section's, not the document's
    match = _FRONT_TITLE.match(opening) or _ATX_H1.search(opening)
    title = match.group("title").strip().strip("*").strip() if match else None
    return text, title or None


# HTML elements that start a new line of text; everything else is inline (a <b> or <span>
# around a number must not cut the sentence). Cells of a row are separated by tabs.
_BLOCKS = frozenset(
    "address article aside blockquote body caption dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody "
    "tfoot thead tr ul br".split())
_CELLS = frozenset({"td", "th"})
_HIDDEN = frozenset({"head", "title", "script", "style", "noscript", "template", "iframe", "object", "svg"})
_CELL_MARK = "\x1f"  # stands for a tab until whitespace is collapsed
_HTML_SPACE = regex.compile(r"[ \t\n\r\f]+")


def html(raw: bytes, path: str, *, max_bytes: int | None = None) -> Parsed:
    """A web page: the text a browser shows, one block a line, table cells tab-separated.

    >>> html("<title>医改</title><p>基层诊疗占比<b>56.32%</b></p><p>重庆市</p>".encode(), "x.html")
    ('基层诊疗占比56.32%\\n重庆市', '医改')
    """
    from bs4 import BeautifulSoup

    check_text(raw, path=path)
    soup = BeautifulSoup(decode(raw, path=path, declared=declared_charset(raw)), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for table in soup.find_all("table"):
        _expand_spans(soup, table)
    if not title:
        meta = soup.find("meta", attrs={"name": regex.compile("^(ArticleTitle|title)$", regex.I)})
        title = meta.get("content", "").strip() if meta else None
    return "\n".join(line for line in _html_lines(soup) if line), title or None


def _expand_spans(soup, table) -> None:
    """Make every row of a table as wide as its grid: a cell spanning k columns is followed by k-1
    empty cells, and one spanning r rows leaves an empty cell at its column in the r-1 rows below.
    Each value then keeps its column when the rows are written as tab-separated lines.

    >>> from bs4 import BeautifulSoup
    >>> page = BeautifulSoup('<table><tr><td rowspan="2">县级</td><td>甲</td></tr><tr><td>乙</td></tr></table>',
    ...                      "html.parser")
    >>> _expand_spans(page, page.table); [[td.get_text() for td in tr.find_all("td")] for tr in page.find_all("tr")]
    [['县级', '甲'], ['', '乙']]
    """
    pending: dict[int, int] = {}  # column -> rows it is still covered for, from a rowspan above
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue  # a row of a table nested in a cell: its own table expands it
        cells = [cell for cell in row.find_all(["td", "th"], recursive=False)]
        column, at = 0, 0
        out = []
        while at < len(cells) or any(c >= column for c in pending):
            if pending.get(column, 0) > 0:
                pending[column] -= 1
                out.append(None)  # covered from above
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
                if down > 1:
                    pending[column + k] = down - 1
            column += span
        for cell in cells:
            cell.extract()
        for cell in out:
            row.append(cell if cell is not None else soup.new_tag("td"))


def _span(value) -> int:
    try:
        return max(1, min(int(value), 50))
    except (TypeError, ValueError):
        return 1


def _html_lines(root) -> list[str]:
    """The lines of text under `root`. Walked with a stack, not recursion: a page nested a
    thousand tags deep is still a page."""
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    lines: list[str] = []
    buffer: list[str] = []
    stack: list[tuple[object, bool]] = [(child, False) for child in reversed(list(root.children))]
    while stack:
        node, leaving = stack.pop()
        if leaving:  # the end of a block
            _flush(lines, buffer)
        elif isinstance(node, PreformattedString):  # comments, doctype, CDATA
            continue
        elif isinstance(node, NavigableString):
            buffer.append(str(node))
        elif isinstance(node, Tag) and node.name not in _HIDDEN:
            if node.name == "pre":
                _flush(lines, buffer)
                lines.extend(node.get_text().splitlines())
                continue
            if node.name in _BLOCKS:
                _flush(lines, buffer)
                stack.append((node, True))
            elif node.name in _CELLS:
                buffer.append(_CELL_MARK)
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
    import docx as python_docx
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
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_rows(block))
        else:
            lines.append(block.text)
    return "\n".join(lines), document.core_properties.title or None


def check_expansion(raw: bytes, path: str, *, max_bytes: int) -> None:
    """Refuse a zip package whose members declare more than `max_bytes` uncompressed, each or
    together. Declared sizes are what expanding is held to: Python's zipfile stops a member
    at its declared size and fails its CRC check, so a member that lies is refused too.
    """
    import zipfile

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
    from docx.table import Table

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
    """
    from pypdf import PdfReader
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
    return "\n".join(pages), (str(title).strip() or None) if title else None
