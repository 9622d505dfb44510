"""Bad input: each unreadable file is refused naming the file and the reason; the rest is read.

Unreadable entries are simulated in ways that hold for root too (the tests run as root, for
whom file permissions do not stop reading): a symbolic link whose target is gone, a named pipe
with a document's name, and a PermissionError raised where the file is opened. The real
permission test runs only for an ordinary user.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import CONTRACT_FIELDS, EXTRACTOR_FIELDS, Document
from reform_facts.errors import DocumentError
from reform_facts.readers import MAX_BYTES, Failure, read_all, read_document
from tests import fixtures_make as fx

LIMIT = 64 * 1024  # the size limit the tests set; the big file is made larger than it


def _bad_files(folder: pathlib.Path) -> dict[str, str]:
    """Make one file of each bad kind in `folder`; file name -> what its refusal must say."""
    text = fx.corpus_paragraph(fx.CHONGQING)
    _, offset = fx.write_undecodable(folder / "undecodable.txt", text)
    fx.write_empty(folder / "empty.txt")
    fx.write_blank(folder / "blank.md")
    fx.write_binary(folder / "image.txt")
    (folder / "nul.txt").write_bytes(text.encode() + b"\x00\x00" + text.encode())
    fx.write_docx(folder / "word-saved-as.txt", [text])
    fx.write_text(folder / "big.txt", text * (LIMIT // len(text.encode()) + 1))
    fx.write_scanned_pdf(folder / "scan.pdf")
    fx.write_text(folder / "fake.pdf", text)
    fx.write_broken_docx(folder / "broken.docx")
    (folder / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    fx.write_docx(folder / "blank.docx", [])
    fx.write_text(folder / "scripts-only.html", "<html><script>var n = 56.32;</script></html>")
    fx.write_dangling_link(folder / "dangling.txt")
    fx.write_fifo(folder / "pipe.md")
    (folder / "loop.txt").symlink_to("loop.txt")  # a link to itself
    return {
        "undecodable.txt": f"byte offset {offset}", "empty.txt": "empty file (0 bytes)",
        "blank.md": "empty file (only whitespace)", "image.txt": "binary content (a PNG image)",
        "nul.txt": f"NUL byte at byte offset {len(text.encode())}",
        "word-saved-as.txt": "binary content (a zip package", "big.txt": f"over the size limit of {LIMIT} bytes",
        "scan.pdf": "PDF has no text layer", "fake.pdf": "not a PDF file", "broken.docx": "not a readable Word file",
        "old.docx": "old binary Word .doc file", "blank.docx": "empty: the file holds no text",
        "scripts-only.html": "empty: the file holds no text", "dangling.txt": "broken symbolic link",
        "pipe.md": "not a regular file (a named pipe)", "loop.txt": "Too many levels of symbolic links",
    }


def _good_files(folder: pathlib.Path) -> list[pathlib.Path]:
    """The same kind of content every way it may come, readable."""
    made = [
        fx.write_text(folder / "chongqing.txt", fx.corpus_paragraph(fx.CHONGQING)),
        fx.write_text(folder / "shanxi-gb.txt", fx.corpus_paragraph(fx.SHANXI), encoding="gb18030"),
        fx.write_text(folder / "sanming-utf16.txt", fx.corpus_paragraph(fx.SANMING), encoding="utf-16-le",
                      bom=fx.ENCODINGS["utf-16-le-bom"][1]),
        fx.write_markdown(folder / "shanghai.md", [fx.corpus_paragraph(fx.SHANGHAI)], title="上海"),
        fx.write_html(folder / "page.html", [fx.corpus_paragraph(fx.CHONGQING)], title="重庆"),
        fx.write_docx(folder / "word.docx", [fx.corpus_paragraph(fx.SHANXI)], title="山西"),
    ]
    made.append(fx.write_pdf_adobe_font(folder / "adobe-font.pdf", [fx.corpus_paragraph(fx.SANMING)]))
    font = fx.cjk_font()
    if font is not None:
        made.append(fx.write_pdf(folder / "report.pdf", [fx.corpus_paragraph(fx.SHANGHAI)], font=font))
    return made


@pytest.fixture
def mixed(tmp_path):
    """A folder of good files, every bad kind, and things that are not documents."""
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    bad = _bad_files(folder / "sub")
    good = _good_files(folder)
    (folder / ".hidden.txt").write_bytes(b"\x00")  # hidden: not a document of the folder
    fx.write_broken_docx(folder / "~$word.docx")  # Word's lock file beside an open document
    (folder / "notes.png").write_bytes(fx.PNG_HEADER)  # not a document type: not read
    (folder / "sub" / "loop").symlink_to(folder)  # a link back up the tree
    return folder, good, {str(folder / "sub" / name): reason for name, reason in bad.items()}


def test_each_bad_file_is_refused_with_its_reason_and_the_good_ones_read(mixed):
    folder, good, bad = mixed
    items = list(read_all([folder], max_bytes=LIMIT))
    docs = [item for item in items if isinstance(item, Document)]
    failures = {item.path: item.reason for item in items if isinstance(item, Failure)}
    assert sorted(doc.path for doc in docs) == sorted(str(path) for path in good)
    assert sorted(failures) == sorted(bad)
    for path, must_say in bad.items():
        assert must_say in failures[path], path
        assert "\n" not in failures[path]


def test_the_default_size_limit_is_checked_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # sparse: no disk used, and the reader must not read it
        handle.truncate(MAX_BYTES + 1)
    with pytest.raises(DocumentError, match=f"{MAX_BYTES + 1} bytes is over the size limit of {MAX_BYTES}"):
        read_document(path)


def test_a_path_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "missing.md"
    good = fx.write_text(tmp_path / "a.txt", fx.corpus_paragraph(fx.SANMING))
    items = list(read_all([missing, good]))
    assert items[0] == Failure(str(missing), "no such file or folder")
    assert isinstance(items[1], Document)


def test_an_unsupported_file_named_explicitly_is_refused(tmp_path):
    path = fx.write_text(tmp_path / "plan.doc", "医改")
    [failure] = read_all([path])
    assert failure.path == str(path) and "unsupported file type .doc" in failure.reason


def test_a_file_without_read_permission_is_refused(tmp_path, monkeypatch):
    """Simulated: root reads any file, so the open call fails as it would for another user."""
    locked = fx.write_text(tmp_path / "locked.txt", fx.corpus_paragraph(fx.SANMING))
    good = fx.write_text(tmp_path / "open.txt", fx.corpus_paragraph(fx.SANMING))
    real_open = pathlib.Path.open

    def open_(self, *args, **kwargs):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", open_)
    items = list(read_all([tmp_path]))
    assert items[0] == Failure(str(locked), "cannot read: permission denied")
    assert isinstance(items[1], Document) and items[1].path == str(good)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without read permission")
def test_a_file_without_read_permission_is_refused_for_a_user(tmp_path):
    locked = fx.write_text(tmp_path / "locked.txt", "医改")
    locked.chmod(0)
    assert list(read_all([locked])) == [Failure(str(locked), "cannot read: permission denied")]


def test_a_folder_that_cannot_be_listed_is_named_and_the_rest_read(tmp_path, monkeypatch):
    closed = tmp_path / "closed"
    closed.mkdir()
    fx.write_text(closed / "inside.txt", "医改")
    good = fx.write_text(tmp_path / "z.txt", fx.corpus_paragraph(fx.SANMING))
    real_scandir = os.scandir

    def scandir(path):
        if pathlib.Path(path) == closed:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(read_all([tmp_path]))
    assert items[0] == Failure(str(closed), "cannot list folder: Permission denied")
    assert [item.path for item in items[1:]] == [str(good)]


def test_a_file_named_twice_is_read_once(tmp_path):
    path = fx.write_text(tmp_path / "a.txt", fx.corpus_paragraph(fx.SANMING))
    assert len(list(read_all([path, tmp_path, tmp_path / "." / "a.txt"]))) == 1


def test_the_command_prints_every_good_claim_and_names_every_bad_file(mixed):
    """As the issue judges it: all good files' claims out, every bad file named with its reason
    on a line of its own, exit status non-zero."""
    folder, good, bad = mixed
    missing = folder / "missing.txt"
    result = subprocess.run(
        [sys.executable, "-m", "reform_facts.pipeline.cli", "extract", str(folder), str(missing), "--max-bytes", str(LIMIT)],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 1, result.stderr
    expected = [claim.to_record(keys=CONTRACT_FIELDS + EXTRACTOR_FIELDS)
                for path in sorted(good) for claim in fx.extract(read_document(path))]
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert {record["doc_id"] for record in printed} == {path.stem for path in good}
    assert sorted(printed, key=_order) == sorted(expected, key=_order)
    errors = result.stderr.splitlines()
    named = {**bad, str(missing): "no such file or folder"}
    assert len(errors) == len(named)
    for path, must_say in named.items():
        [line] = [e for e in errors if e.startswith(f"reform-facts: {path}: ")]
        assert must_say in line


def _order(record: dict) -> tuple:
    return record["doc_id"], record["start"]
