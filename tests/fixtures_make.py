"""Fixture files the tests make for themselves: a corpus paragraph in every format and
encoding a user may have, and every kind of bad input. Each writer takes the target path and
returns it; nothing here is read from outside corpus/.

PDF fixtures need a font with Chinese glyphs: Debian's fonts-wqy-microhei (`.ci/run` installs
it). Without it `cjk_font()` is None and the tests that need it skip, saying so.
"""
from __future__ import annotations

import codecs
import os
from pathlib import Path

import regex

from reform_facts.paths import PROJECT_DIR as ROOT

CORPUS = ROOT / "corpus"
FONT_PACKAGE = "fonts-wqy-microhei"
FONT_FILES = (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),)
NO_FONT = f"no CJK font for the PDF writer: apt-get install {FONT_PACKAGE} (.ci/run does)"

# Paragraphs of the corpus with several figures and a stated region and year, found by their
# opening words so that the tests follow the corpus rather than a copy of it.
CHONGQING = "2023年,重庆市卫生健康委在持续健全医改组织领导体制机制"
SHANGHAI = "在打造科创引领的产学研一体化发展新趋势方面"
SANMING = "在“保”的方面，三明持续向群众释放改革“红利”"
SHANXI = "2023年,山西省以“建高地、兜网底、提能力”强医工程为主线"


def corpus_paragraph(opening: str) -> str:
    """The corpus line that starts with `opening`."""
    for path in sorted(CORPUS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(opening):
                return line
    raise LookupError(f"no corpus paragraph starts with {opening!r}")


def corpus_lines(min_chars: int = 1) -> list[str]:
    """Every non-empty line of the corpus, in file order."""
    return [line for path in sorted(CORPUS.glob("*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) >= min_chars]


def cjk_font() -> Path | None:
    return next((path for path in FONT_FILES if path.is_file()), None)


def write_text(path: Path, text: str, *, encoding: str = "utf-8", bom: bytes = b"") -> Path:
    path.write_bytes(bom + text.encode(encoding))
    return path


ENCODINGS = {  # name -> (codec, byte-order mark)
    "utf-8": ("utf-8", b""),
    "utf-8-bom": ("utf-8", codecs.BOM_UTF8),
    "utf-16-le-bom": ("utf-16-le", codecs.BOM_UTF16_LE),
    "utf-16-be-bom": ("utf-16-be", codecs.BOM_UTF16_BE),
    "gb18030": ("gb18030", b""),
    "gbk": ("gbk", b""),
}


def write_markdown(path: Path, paragraphs: list[str], *, title: str | None = None) -> Path:
    """Markdown as converters write it: an optional `# ` title, paragraphs apart by blank lines."""
    head = [f"# {title}", ""] if title else []
    return write_text(path, "\n".join(head + [p + "\n" for p in paragraphs]))


_NUMBER = regex.compile(r"\d+(?:\.\d+)?[%％]")


def write_html(path: Path, paragraphs: list[str], *, title: str, encoding: str = "utf-8") -> Path:
    """A government web page: navigation, a script with numbers in it, the paragraphs with their
    percentages in <strong> and their source lines broken in the middle, a footer."""
    body = []
    for paragraph in paragraphs:
        marked = _NUMBER.sub(lambda m: f"<strong>{m.group()}</strong>", paragraph)
        # break the source line between two Chinese characters after the middle, as editors do
        pair = regex.compile(r"(?<=\p{Han})(?=\p{Han})").search(marked, len(marked) // 2)
        middle = pair.start() if pair else len(marked)
        body.append(f"  <p>{marked[:middle]}\n    {marked[middle:]}</p>")
    charset = {"utf-8": "utf-8", "gb18030": "gb2312"}.get(encoding, encoding)
    page = (f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>{title}</title>\n'
            f"<style>p {{ margin: 12px; }}</style>\n"
            f"<script>var visits = 12345; var ratio = '99.9%';</script></head>\n<body>\n"
            f'<div class="nav"><a href="/">首页</a> &gt; <a href="/xw">新闻</a></div>\n'
            f'<div class="content">\n' + "\n".join(body) + "\n</div>\n"
            "<!-- 统计代码 56.32% -->\n<div class=\"footer\">主办单位：卫生健康委员会</div>\n</body></html>\n")
    path.write_bytes(page.encode(encoding))
    return path


def write_docx(path: Path, paragraphs: list[str], *, title: str | None = None,
               rows: list[list[str]] | None = None, in_table: bool = False) -> Path:
    """A Word file with the paragraphs (each in a one-cell table when `in_table`, as forms
    are laid out) and, after them, a table of `rows` whose first row's cells are merged."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for paragraph in paragraphs:
        if in_table:
            document.add_table(rows=1, cols=1).cell(0, 0).text = paragraph
        else:
            document.add_paragraph(paragraph)
    if rows:
        table = document.add_table(rows=len(rows) + 1, cols=len(rows[0]))
        merged = table.cell(0, 0).merge(table.cell(0, len(rows[0]) - 1))
        merged.text = "表1"
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
    document.save(path)
    return path


def cjk_pdf(font: Path):
    """An empty fpdf2 document writing in `font` (a CJK font, `cjk_font`) at 11 points."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("cjk", fname=str(font))
    pdf.set_font("cjk", size=11)
    return pdf


def write_pdf(path: Path, paragraphs: list[str], *, title: str | None = None, font: Path) -> Path:
    """A text PDF as office software writes it: an embedded font subset, lines wrapped at the margin."""
    pdf = cjk_pdf(font)
    if title:
        pdf.set_title(title)
    pdf.add_page()
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def write_pdf_adobe_font(path: Path, paragraphs: list[str], *, title: str | None = None) -> Path:
    """A text PDF as older government files are: the Adobe font STSong-Light named, not embedded
    (viewers bring it), text as UTF-16 codes of the UniGB-UCS2-H encoding, a paragraph a line.
    Written object by object, so it needs no font file and never skips."""
    def hex_string(text: str) -> str:
        return f"<{text.encode('utf-16-be').hex()}>"

    shown = " ".join(f"{hex_string(p)} Tj T*" for p in paragraphs)
    content = f"BT /F1 10.5 Tf 14 TL 40 800 Td {shown} ET"
    info = f"<< /Title <feff{title.encode('utf-16-be').hex()}> >>" if title else "<< >>"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R >>",
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        "/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode("ascii")
    path.write_bytes(bytes(out))
    return path


def write_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF of pages that are only pictures (drawn shapes here), as a scanner makes: no text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.set_fill_color(200, 200, 200)
        pdf.rect(20, 20, 170, 250, style="F")
    pdf.output(str(path))
    return path


# Bad inputs: each writer makes one, and BAD_CASES says what the refusal must say.
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"


def write_binary(path: Path) -> Path:
    path.write_bytes(PNG_HEADER + bytes(range(256)) * 8)
    return path


def write_empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def write_blank(path: Path) -> Path:
    path.write_bytes(b" \n\t\r\n  \n")
    return path


def write_undecodable(path: Path, text: str) -> tuple[Path, int]:
    """GB18030 text with a byte that neither GB18030 nor UTF-8 allows; returns the byte's offset."""
    raw = text.encode("gb18030")
    offset = len(text[: len(text) // 2].encode("gb18030"))
    path.write_bytes(raw[:offset] + b"\xff" + raw[offset:])
    return path, offset


def write_broken_docx(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 26 + b"not really a zip package")
    return path


def write_dangling_link(path: Path) -> Path:
    """A symbolic link whose target is gone: unreadable even for root."""
    os.symlink(path.with_name("gone-" + path.name), path)
    return path


def write_fifo(path: Path) -> Path:
    """A named pipe with a document's name: reading it would wait for ever, root or not."""
    os.mkfifo(path)
    return path


def facts(claims) -> list[tuple]:
    """What must not change between two readings of the same paragraph, claim by claim in
    document order: value, range end, unit, year, region and its code."""
    return [(c.value, c.value_max, c.unit, c.year, c.region, c.region_code) for c in claims]


def extract(doc, name: str = "rules"):
    """The claims an extractor finds in a document, described as the `extract` command does."""
    from reform_facts.extractors import registry

    return registry.get(name)(registry.describe(doc))
