"""A red-team battery for issue 21: hostile or unlucky inputs and operations the project's own
tests (tests/test_bad_input.py, tests/test_warehouse_faults.py) and benchmarks/adversarial.py do
not try. Each case runs the installed command (`python -m reform_facts.pipeline.cli`) in a
temporary folder of its own, with REFORM_FACTS_HOME, --db and --cache-dir there: the project's
warehouse and cache are never touched.

Each case states what docs/cli.md and docs/reading.md promise (one line naming the file and the
reason, the documented exit code, the other files still read, no traceback without --debug,
linear time) and reports what happened, PASS or FAIL.

    .venv/bin/python -m benchmarks.battery                 # every case but the timing families
    .venv/bin/python -m benchmarks.battery --timing        # also the timing families (minutes)
    .venv/bin/python -m benchmarks.battery -k sql -k number   # only cases whose family or name matches
    .venv/bin/python -m benchmarks.battery --timing-only --timeout 60

Timing families: each text shape at 1x, 2x, 4x and 8x of BASE_BYTES (8x is 100 KB), read and
extracted by the rules extractor in a child process (CPU seconds of the extraction only), a
child that has not answered within --timeout is killed. A family FAILs when one doubling costs
more than 2.5x the time, or the output (claims as JSON) more than 2.5x the bytes, or 8x takes
over 10 s. Run it with `nice -n 10`: the machine is shared.
"""
from __future__ import annotations

import argparse
import codecs
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLI = [PYTHON, "-m", "reform_facts.pipeline.cli"]
GOOD = "2023年，三明市基层诊疗量占比达65%以上。"  # one claim, value 65
PARAGRAPH = ("2023年，三明市卫生健康委员会推进医改，全市基层诊疗量占比达65.3%，县域内就诊率达到92.1%，"
             "家庭医生签约覆盖率为45.6%，医疗服务收入占比提高到41.2%，全市医疗卫生机构共有1234个。")
TRACEBACK = b"Traceback (most recent call last)"


# ------------------------------------------------------------------ running the command

@dataclass
class Ran:
    rc: int | None  # None: killed at the timeout
    out: bytes
    err: bytes
    seconds: float
    max_rss_mb: float
    out_bytes: int

    @property
    def lines(self) -> list[str]:
        return self.err.decode("utf-8", "replace").splitlines()

    def records(self) -> list[dict]:
        found = []
        for line in self.out.decode("utf-8", "replace").split("\n"):
            try:
                found.append(json.loads(line))
            except ValueError:
                pass
        return found

    def brief(self) -> str:
        rc = "timeout" if self.rc is None else f"exit {self.rc}"
        lines = self.lines
        shown = lines if len(lines) <= 3 else [*lines[:2], f"... {len(lines) - 3} more ...", lines[-1]]
        err = " | ".join(line[:200] for line in shown)
        tb = " TRACEBACK" if TRACEBACK in self.err or TRACEBACK in self.out else ""
        return f"{rc}{tb}, {self.seconds:.1f}s, {len(self.lines)} err lines: {err!r}"


def env_for(tmp: Path, **extra: str | None) -> dict[str, str]:
    home = tmp / "home"  # the rules extractor needs no model; cases run it only
    home.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.update(REFORM_FACTS_HOME=str(home), PREFECT_HOME=str(tmp / "prefect"), PYTHONPATH=str(ROOT),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env.pop("PREFECT_API_URL", None)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(argv: list[str], tmp: Path, *, timeout: float = 120, stdin: bytes | Path | None = None,
        env: dict[str, str] | None = None, kill_after: float | None = None, sig: int = signal.SIGKILL,
        cmd: list[str] | None = None) -> Ran:
    """Run the command with output to files (a huge output cannot fill a pipe), killed with its
    process group at `timeout`, or sent `sig` at `kill_after` seconds."""
    io_dir = Path(tempfile.mkdtemp(prefix="io.", dir=tmp))
    out_path, err_path = io_dir / "out", io_dir / "err"
    if isinstance(stdin, bytes):
        (io_dir / "in").write_bytes(stdin)
        stdin = io_dir / "in"
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err, \
            open(stdin if stdin is not None else os.devnull, "rb") as inp:
        proc = subprocess.Popen((cmd or CLI) + argv, cwd=tmp, env=env or env_for(tmp), stdin=inp, stdout=out,
                                stderr=err, start_new_session=True, preexec_fn=_default_sigint)
        rc, rusage, signalled = None, None, False
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                rc = os.waitstatus_to_exitcode(status)
                break
            elapsed = time.monotonic() - started
            if kill_after is not None and not signalled and elapsed >= kill_after:
                os.killpg(proc.pid, sig)
                signalled = True
            if elapsed > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                _, _, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = rc if rc is not None else -9
    seconds = time.monotonic() - started
    try:  # the group's stragglers (Prefect's server, a Dask worker) end with it
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    size = out_path.stat().st_size
    with open(out_path, "rb") as handle:
        out_bytes = handle.read(20_000_000)
    ran = Ran(rc, out_bytes, err_path.read_bytes()[:2_000_000], seconds, rusage.ru_maxrss / 1024 if rusage else 0,
              size)
    shutil.rmtree(io_dir, ignore_errors=True)
    return ran


def _default_sigint() -> None:
    """A battery started in the background inherits SIGINT ignored; the command must see Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def no_traceback(r: Ran) -> bool:
    return TRACEBACK not in r.err and TRACEBACK not in r.out


def one_line(r: Ran, *must: str) -> bool:
    """Exactly one line on standard error, starting `reform-facts: `, saying each of `must`."""
    lines = r.lines
    return (no_traceback(r) and len(lines) == 1 and lines[0].startswith("reform-facts: ")
            and all(m in lines[0] for m in must))


def raw_controls(data: bytes) -> list[str]:
    """Control characters a terminal acts on, raw in output (JSON escapes C0 but not C1 or bidi)."""
    text = data.decode("utf-8", "replace")
    found = re.findall("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]", text)
    return sorted({f"U+{ord(c):04X}" for c in found})


# ------------------------------------------------------------------ cases

@dataclass
class Case:
    family: str
    name: str
    expect: str
    check: Callable[[Path], tuple[bool, str]]


CASES: list[Case] = []


def case(family: str, name: str, expect: str):
    def register(check: Callable[[Path], tuple[bool, str]]):
        CASES.append(Case(family, name, expect, check))
        return check
    return register


def _folder_with(tmp: Path, name: str | bytes, content: bytes) -> tuple[Path, Path]:
    folder = tmp / "in"
    folder.mkdir(exist_ok=True)
    bad = Path(os.fsdecode(os.fsencode(folder) + b"/" + (name if isinstance(name, bytes) else name.encode())))
    bad.write_bytes(content)
    (folder / "zz_good.txt").write_text(GOOD, encoding="utf-8")
    return folder, bad


def refused_alone(tmp: Path, name: str | bytes, content: bytes, *must: str, timeout: float = 120) -> tuple[bool, str]:
    """The bad file named on one line with its reason, exit 1, the good file's claim printed."""
    folder, _ = _folder_with(tmp, name, content)
    r = run(["extract", str(folder)], tmp, timeout=timeout)
    ids = {rec.get("doc_id") for rec in r.records()}
    ok = r.rc == 1 and one_line(r, *must) and ids == {"zz_good"}
    return ok, f"{r.brief()}; doc_ids {sorted(ids)}"


def read_or_refused(tmp: Path, name: str, content: bytes, values: set[float] | None = None,
                    timeout: float = 60, mem_mb: float = 2000) -> tuple[bool, str]:
    """Either read (exit 0, and its claims' values within `values` when given) or refused on one
    line (exit 1); the good file read either way, in time and bounded memory."""
    folder, _ = _folder_with(tmp, name, content)
    r = run(["extract", str(folder)], tmp, timeout=timeout)
    recs = r.records()
    ids = {rec.get("doc_id") for rec in recs}
    got = {rec["value"] for rec in recs if rec.get("doc_id") != "zz_good"}
    if r.rc == 0:
        ok = no_traceback(r) and "zz_good" in ids and (values is None or got <= values)
    else:
        ok = r.rc == 1 and one_line(r) and ids == {"zz_good"}
    ok = ok and r.max_rss_mb < mem_mb
    return ok, f"{r.brief()}; values {sorted(got)[:8]}; peak {r.max_rss_mb:.0f} MB"


def read_values(tmp: Path, name: str, content: bytes, want: set[float]) -> tuple[bool, str]:
    folder, _ = _folder_with(tmp, name, content)
    r = run(["extract", str(folder)], tmp)
    got = sorted(rec["value"] for rec in r.records() if rec.get("doc_id") != "zz_good")
    ok = r.rc == 0 and no_traceback(r) and set(got) == want
    return ok, f"{r.brief()}; values {got[:10]}"


# --- bad files: encodings ----------------------------------------------------------------------

@case("bad file", "UTF-16-LE without BOM, a real paragraph (digits, punctuation)",
      "refused: one line 'UTF-16-LE ... without a byte-order mark', exit 1, good file read")
def _(tmp):
    return refused_alone(tmp, "para16le.txt", PARAGRAPH.encode("utf-16-le"), "UTF-16-LE")


@case("bad file", "UTF-16-BE without BOM, a real paragraph (digits, punctuation)",
      "refused: one line 'UTF-16-BE ... without a byte-order mark', exit 1, good file read")
def _(tmp):
    return refused_alone(tmp, "para16be.txt", PARAGRAPH.encode("utf-16-be"), "UTF-16-BE")


@case("bad file", "UTF-16-LE without BOM, ASCII digits and % only (no NUL-free form)",
      "refused as UTF-16 without a BOM, or read as the same values; never garbage claims")
def _(tmp):
    return read_or_refused(tmp, "digits16.txt", "65% 12.5% 2023 90%\n".encode("utf-16-le") * 30,
                           values={65.0, 12.5, 90.0, 2023.0})


@case("bad file", "UTF-8 with a BOM in the middle (two files concatenated)",
      "read (exit 0): both halves' claims, values 65.3 ... and 65")
def _(tmp):
    raw = codecs.BOM_UTF8 + PARAGRAPH.encode() + b"\n" + codecs.BOM_UTF8 + GOOD.encode()
    return read_values(tmp, "concat.txt", raw, {65.3, 92.1, 45.6, 41.2, 1234.0, 65.0})


@case("bad file", "CESU-8 (a supplementary character as two 3-byte surrogates)",
      "refused: one line naming the byte offset, exit 1, good file read")
def _(tmp):
    cesu = "𠀀".encode("utf-16-be")
    hi, lo = int.from_bytes(cesu[:2], "big"), int.from_bytes(cesu[2:], "big")
    enc = lambda u: bytes([0xE0 | (u >> 12), 0x80 | ((u >> 6) & 0x3F), 0x80 | (u & 0x3F)])
    return refused_alone(tmp, "cesu.txt", PARAGRAPH.encode() + enc(hi) + enc(lo) + GOOD.encode(), "offset")


@case("bad file", "GB2312 text with a truncated lead byte at the end",
      "refused with the byte offset, or read without the stray byte; never garbage")
def _(tmp):
    return read_or_refused(tmp, "gbcut.txt", PARAGRAPH.encode("gb2312") + b"\xb0",
                           values={65.3, 92.1, 45.6, 41.2, 1234.0})


@case("bad file", "GB2312 with 0xFF 0xFF bytes inside a number",
      "refused: one line with the byte offset, exit 1")
def _(tmp):
    raw = "全市基层诊疗量占比达6".encode("gb2312") + b"\xff\xff" + "5%".encode("gb2312") + PARAGRAPH.encode("gb2312")
    return refused_alone(tmp, "gbff.txt", raw, "offset")


@case("bad file", "old-Mac line endings (\\r only)",
      "read as with \\n: the same values")
def _(tmp):
    text = "\r".join([PARAGRAPH, GOOD, "县域内就诊率达到90%。"])
    return read_values(tmp, "cr.txt", text.encode(), {65.3, 92.1, 45.6, 41.2, 1234.0, 65.0, 90.0})


@case("bad file", "lines separated by U+2028 and U+0085",
      "read: the same values as with \\n")
def _(tmp):
    text = PARAGRAPH + "\u2028" + GOOD + "\u0085" + "县域内就诊率达到90%。"
    return read_values(tmp, "ls.txt", text.encode(), {65.3, 92.1, 45.6, 41.2, 1234.0, 65.0, 90.0})


@case("bad file", "EUC-KR Korean text (its Hangul rows are GB 2312 level 1)",
      "refused as implausible (the docstring admits it is not caught): never garbage claims")
def _(tmp):
    korean = "보건복지부는 2023년 국민의료비가 전년 대비 6.5% 증가했다고 발표했습니다. 의료기관 수는 1234개입니다. " * 3
    folder, _ = _folder_with(tmp, "korean.txt", korean.encode("euc-kr"))
    r = run(["extract", str(folder)], tmp)
    bad = [rec for rec in r.records() if rec.get("doc_id") == "korean"]
    return (not bad and r.rc == 1 and one_line(r, "korean.txt"),
            f"{r.brief()}; {len(bad)} claims from Korean read as GB18030, e.g. "
            f"{[(b['text'], b['indicator']) for b in bad[:2]]}")


# --- bad files: names and kinds ------------------------------------------------------------------

@case("bad file", "a file name with \\r, BEL and a right-to-left override (U+202E), empty file",
      "one line, the name escaped: no raw \\r, \\x07 or U+202E on standard error")
def _(tmp):
    folder, _ = _folder_with(tmp, "a\rb\x07c\u202etxt.txt", b"")
    r = run(["extract", str(folder)], tmp)
    raw = raw_controls(r.err)
    return r.rc == 1 and one_line(r) and not raw, f"{r.brief()}; raw controls on stderr {raw}"


@case("bad file", "a readable file whose name holds U+202E and U+0085 (its doc_id printed)",
      "read; the doc_id printed to the terminal with the controls escaped (issue item 8)")
def _(tmp):
    folder, _ = _folder_with(tmp, "plan\u202e\u0085x.txt", GOOD.encode())
    r = run(["extract", str(folder)], tmp)
    raw = raw_controls(r.out)
    return r.rc == 0 and no_traceback(r) and not raw, f"{r.brief()}; raw controls on stdout {raw}"


@case("bad file", "document text with C1 CSI (U+009B), U+202E and U+2028 inside the claim's sentence",
      "claims printed with those controls escaped (JSON escapes C0 only)")
def _(tmp):
    text = "全市基层诊疗量\u009b2J占比\u202e达65%以上\u2028。"
    folder, _ = _folder_with(tmp, "controls.txt", text.encode())
    r = run(["extract", str(folder / "controls.txt")], tmp)
    raw = raw_controls(r.out)
    return r.rc == 0 and not raw, f"{r.brief()}; raw controls on stdout {raw}"


@case("bad file", "a file name of 250 bytes (Chinese)",
      "read (exit 0)")
def _(tmp):
    name = "医" * 81 + ".txt"
    folder, _ = _folder_with(tmp, name, GOOD.encode())
    r = run(["extract", str(folder)], tmp)
    return r.rc == 0 and no_traceback(r) and len(r.records()) == 2, r.brief()


@case("bad file", "a file 60 folders deep (path over 4096 bytes)",
      "read, or refused on one line naming it; the good file read")
def _(tmp):
    folder = tmp / "in"
    folder.mkdir()
    (folder / "zz_good.txt").write_text(GOOD)
    fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(60):
            os.mkdir("d" * 80, dir_fd=fd)
            new = os.open("d" * 80, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        with open(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as handle:
            handle.write(GOOD)
    finally:
        try:
            os.close(fd)
        except OSError:
            pass
    r = run(["extract", str(folder)], tmp)
    ids = {rec["doc_id"] for rec in r.records()}
    ok = no_traceback(r) and "zz_good" in ids and (r.rc == 0 and "deep" in ids or r.rc == 1 and one_line(r))
    return ok, f"{r.brief()}; ids {sorted(ids)}"


@case("bad file", "two file links pointing at each other (a.txt -> b.txt -> a.txt)",
      "both refused, one line each ('Too many levels of symbolic links'), good file read")
def _(tmp):
    folder = tmp / "in"
    folder.mkdir()
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")
    (folder / "zz_good.txt").write_text(GOOD)
    r = run(["extract", str(folder)], tmp)
    ok = r.rc == 1 and no_traceback(r) and len(r.lines) == 2 and {rec["doc_id"] for rec in r.records()} == {"zz_good"}
    return ok, r.brief()


@case("bad file", "two folder links forming a loop (x/y -> ../z, z/w -> ../x)",
      "finishes; the loop named or skipped; good file read once")
def _(tmp):
    folder = tmp / "in"
    (folder / "x").mkdir(parents=True)
    (folder / "z").mkdir()
    (folder / "x" / "y").symlink_to("../z")
    (folder / "z" / "w").symlink_to("../x")
    (folder / "zz_good.txt").write_text(GOOD)
    (folder / "x" / "inner.txt").write_text(GOOD)
    r = run(["extract", str(folder)], tmp, timeout=60)
    ids = [rec["doc_id"] for rec in r.records()]
    ok = r.rc in (0, 1) and no_traceback(r) and sorted(ids) == ["inner", "zz_good"]
    return ok, f"{r.brief()}; ids {ids}"


@case("bad file", "a named pipe given explicitly as PATH (nobody writes it)",
      "refused at once: 'not a regular file (a named pipe)', no hang")
def _(tmp):
    os.mkfifo(tmp / "pipe.txt")
    (tmp / "zz_good.txt").write_text(GOOD)
    r = run(["extract", str(tmp / "pipe.txt"), str(tmp / "zz_good.txt")], tmp, timeout=30)
    return r.rc == 1 and one_line(r, "named pipe") and len(r.records()) == 1, r.brief()


@case("bad file", "/dev/zero given as PATH (a character device)",
      "refused at once: one line 'not a regular file'")
def _(tmp):
    (tmp / "zz_good.txt").write_text(GOOD)
    r = run(["extract", "/dev/zero", str(tmp / "zz_good.txt")], tmp, timeout=30)
    return r.rc == 1 and one_line(r, "/dev/zero") and len(r.records()) == 1, r.brief()


@case("bad file", "a one-byte .txt ('5')",
      "read with no claim (exit 0) or refused on one line; no traceback")
def _(tmp):
    return read_or_refused(tmp, "one.txt", b"5", values=set())


@case("bad file", "a zero-byte .docx, .pdf and .html",
      "each refused on its own line (empty file), exit 1, good file read")
def _(tmp):
    folder = tmp / "in"
    folder.mkdir()
    for name in ("a.docx", "b.pdf", "c.html"):
        (folder / name).write_bytes(b"")
    (folder / "zz_good.txt").write_text(GOOD)
    r = run(["extract", str(folder)], tmp)
    ok = r.rc == 1 and no_traceback(r) and len(r.lines) == 3 and all("empty" in l for l in r.lines)
    return ok and len(r.records()) == 1, r.brief()


@case("bad file", "a one-byte .docx ('P')",
      "refused: one line 'not a Word .docx file', exit 1")
def _(tmp):
    return refused_alone(tmp, "p.docx", b"P", "p.docx")


def _docx_bytes(paragraphs: list[str]) -> bytes:
    sys.path.insert(0, str(ROOT))
    from tests import fixtures_make as fx
    with tempfile.TemporaryDirectory() as folder:
        path = fx.write_docx(Path(folder) / "x.docx", paragraphs)
        return path.read_bytes()


def _rezip(raw: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        parts = {info.filename: package.read(info) for info in package.infolist()}
    change(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return out.getvalue()


@case("bad file", "a .docx cut at 60% of its bytes",
      "refused: one line 'not a readable Word file', exit 1")
def _(tmp):
    raw = _docx_bytes([PARAGRAPH])
    return refused_alone(tmp, "cut.docx", raw[: len(raw) * 6 // 10], "cut.docx")


@case("bad file", "a .docx renamed .pdf, and a .pdf renamed .html",
      "each refused on one line ('not a PDF file'; binary content), good file read")
def _(tmp):
    sys.path.insert(0, str(ROOT))
    from tests import fixtures_make as fx
    folder = tmp / "in"
    folder.mkdir()
    (folder / "word.pdf").write_bytes(_docx_bytes([PARAGRAPH]))
    fx.write_pdf_adobe_font(folder / "pdf.html", [PARAGRAPH])
    (folder / "zz_good.txt").write_text(GOOD)
    r = run(["extract", str(folder)], tmp)
    ok = r.rc == 1 and no_traceback(r) and len(r.lines) == 2 and {x["doc_id"] for x in r.records()} == {"zz_good"}
    return ok, r.brief()


@case("bad file", "a .docx whose parts are zip-encrypted (zip -e)",
      "refused: one line (encrypted / not readable), exit 1")
def _(tmp):
    raw = _docx_bytes([PARAGRAPH])
    work = tmp / "enc"
    work.mkdir()
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        package.extractall(work)
    out = tmp / "enc.docx"
    done = subprocess.run(["zip", "-q", "-r", "-e", "-P", "secret", str(out), "."], cwd=work, capture_output=True)
    if done.returncode != 0:
        return False, f"zip -e failed: {done.stderr[:100]!r}"
    return refused_alone(tmp, "enc.docx", out.read_bytes(), "enc.docx")


@case("bad file", "a .docx holding a nested zip bomb (word/embeddings/bomb.zip, 1 GB inside)",
      "read (the embedded object is not expanded) in seconds, small memory")
def _(tmp):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("zeros.bin", "w", force_zip64=True) as handle:
            block = bytes(1 << 20)
            for _ in range(1024):
                handle.write(block)
    raw = _rezip(_docx_bytes([PARAGRAPH]), lambda parts: parts.__setitem__("word/embeddings/bomb.zip",
                                                                           inner.getvalue()))
    return read_or_refused(tmp, "nested.docx", raw, values={65.3, 92.1, 45.6, 41.2, 1234.0}, mem_mb=600)


@case("bad file", "a .docx whose document.xml has a billion-laughs entity",
      "refused on one line or read without expanding, in seconds and small memory")
def _(tmp):
    def change(parts):
        doc = parts["word/document.xml"].decode()
        head = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "65%65%65%65%65%65%65%65%65%65%">'
                + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi"))
                + "]>")
        doc = head + doc[doc.index("<w:document"):]
        parts["word/document.xml"] = doc.replace("<w:body>", "<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p>", 1).encode()
    raw = _rezip(_docx_bytes([PARAGRAPH]), change)
    return read_or_refused(tmp, "laughs.docx", raw, mem_mb=800, timeout=60)


@case("bad file", "a .docx with an external entity (XXE) naming a local file",
      "the local file's text never appears in the claims (no claim 99.9)")
def _(tmp):
    secret = tmp / "secret.txt"
    secret.write_text("全市床位使用率达到99.9%")

    def change(parts):
        doc = parts["word/document.xml"].decode()
        doc = (f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>'
               + doc[doc.index("<w:document"):])
        parts["word/document.xml"] = doc.replace("<w:body>", "<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>", 1).encode()
    raw = _rezip(_docx_bytes([PARAGRAPH]), change)
    folder, _ = _folder_with(tmp, "xxe.docx", raw)
    r = run(["extract", str(folder)], tmp)
    leaked = [x for x in r.records() if x.get("value") == 99.9]
    return no_traceback(r) and not leaked and r.rc in (0, 1), f"{r.brief()}; leaked {len(leaked)}"


@case("bad file", "a .docx with a member whose declared size lies (says 100 bytes, holds 30 MB)",
      "refused on one line, or read (the member is never expanded), in seconds and small memory")
def _(tmp):
    raw = bytearray(_rezip(_docx_bytes([PARAGRAPH]), lambda parts: parts.__setitem__(
        "word/media/big.bin", b"0" * 30_000_000)))
    # patch the uncompressed size in the local header and the central directory entry
    name = b"word/media/big.bin"
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := raw.find(sig, at)) >= 0:
            name_at = at + (30 if sig == b"PK\x03\x04" else 46)
            if raw[name_at:name_at + len(name)] == name:
                raw[at + size_at:at + size_at + 4] = (100).to_bytes(4, "little")
            at += 4
    return read_or_refused(tmp, "liar.docx", bytes(raw), values={65.3, 92.1, 45.6, 41.2, 1234.0}, mem_mb=600)


@case("bad file", "a .docx with tables nested 80 deep",
      "read or refused on one line in seconds; no RecursionError")
def _(tmp):
    def change(parts):
        inner = "<w:p><w:r><w:t>全市基层诊疗量占比达65%</w:t></w:r></w:p>"
        for _ in range(80):
            inner = f"<w:tbl><w:tr><w:tc>{inner}<w:p/></w:tc></w:tr></w:tbl>"
        doc = parts["word/document.xml"].decode()
        parts["word/document.xml"] = doc.replace("<w:body>", "<w:body>" + inner, 1).encode()
    raw = _rezip(_docx_bytes([PARAGRAPH]), change)
    return read_or_refused(tmp, "nested-tables.docx", raw, timeout=60)


@case("bad file", "a .docx of 60,000 zip members (tiny files)",
      "read or refused on one line within 30 s")
def _(tmp):
    def change(parts):
        for i in range(60_000):
            parts[f"customXml/item{i}.xml"] = b"<a/>"
    raw = _rezip(_docx_bytes([PARAGRAPH]), change)
    return read_or_refused(tmp, "many-members.docx", raw, timeout=30)


def _pdf(objects: list[bytes], root: int = 1) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@case("bad file", "a PDF whose content stream inflates to 400 MB",
      "refused on one line (or read) in bounded time and memory")
def _(tmp):
    packer = zlib.compressobj(9)  # streamed: the battery's own memory must not count (fork keeps the peak)
    content = packer.compress(b"BT /F1 10 Tf (65%) Tj ET\n")
    block = b" " * (1 << 20)
    for _ in range(400):
        content += packer.compress(block)
    content += packer.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
               b"/Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return read_or_refused(tmp, "flate-bomb.pdf", _pdf(objects), timeout=120, mem_mb=1500)


@case("bad file", "a PDF whose page tree is a cycle (/Kids points back at itself)",
      "refused on one line, exit 1, in seconds")
def _(tmp):
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    return refused_alone(tmp, "cycle.pdf", _pdf(objects), "cycle.pdf", timeout=60)


@case("bad file", "a PDF cut in half (no xref, no trailer)",
      "read what is there or refused on one line; no traceback")
def _(tmp):
    sys.path.insert(0, str(ROOT))
    from tests import fixtures_make as fx
    path = fx.write_pdf_adobe_font(tmp / "whole.pdf", [PARAGRAPH] * 3)
    raw = path.read_bytes()
    return read_or_refused(tmp, "half.pdf", raw[: len(raw) // 2])


@case("bad file", "a PDF encrypted with a user password (RC4 40-bit)",
      "refused: one line 'encrypted PDF: a password is needed', exit 1")
def _(tmp):
    sys.path.insert(0, str(ROOT))
    from pypdf import PdfReader, PdfWriter

    from tests import fixtures_make as fx
    plain = fx.write_pdf_adobe_font(tmp / "plain.pdf", [PARAGRAPH])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-40")
    buffer = io.BytesIO()
    writer.write(buffer)
    return refused_alone(tmp, "locked.pdf", buffer.getvalue(), "password")


@case("bad file", "HTML of 10,000 nested <table>s",
      "read or refused on one line within 30 s")
def _(tmp):
    page = "<html><body>" + "<table><tr><td>" * 10_000 + "全市基层诊疗量占比达65%" + "</td></tr></table>" * 10_000
    return read_or_refused(tmp, "nested.html", page.encode(), values={65.0}, timeout=30)


@case("bad file", "HTML with a 15 MB attribute (under the 20 MiB limit)",
      "read (exit 0) in seconds; the attribute is no text")
def _(tmp):
    page = f'<html><body><p data-x="{"A" * 15_000_000}">{GOOD}</p></body></html>'
    return read_or_refused(tmp, "attr.html", page.encode(), values={65.0}, timeout=60)


@case("bad file", "HTML declaring charset=big5 whose bytes are GBK",
      "read right (GBK) or refused on one line; never garbage claims")
def _(tmp):
    page = f'<html><head><meta charset="big5"></head><body><p>{PARAGRAPH}</p></body></html>'
    folder, _ = _folder_with(tmp, "liar.html", page.encode("gbk"))
    r = run(["extract", str(folder)], tmp)
    recs = [x for x in r.records() if x["doc_id"] == "liar"]
    right = {x["value"] for x in recs} == {65.3, 92.1, 45.6, 41.2, 1234.0} and all(
        x["region"] == "三明市" for x in recs if x.get("region"))
    ok = no_traceback(r) and (right and r.rc == 0 or not recs and r.rc == 1 and one_line(r))
    return ok, f"{r.brief()}; {[(x['value'], x['indicator'], x['region']) for x in recs[:3]]}"


@case("bad file", "a million digits on lines separated by \\r (the 200,000-character line guard is by \\n)",
      "refused on one line or extracted in linear time (< 30 s); the next file read")
def _(tmp):
    text = "\r".join("1" * 150_000 for _ in range(7))
    return read_or_refused(tmp, "a_digits.txt", text.encode(), timeout=90)


@case("bad file", "`extract -` given a million digits on standard input (no file: no line guard?)",
      "refused on one line (a line over 200,000 characters), as the same text in a file is")
def _(tmp):
    r = run(["extract", "-"], tmp, stdin=b"1" * 1_000_000, timeout=60)
    return r.rc == 1 and one_line(r, "<stdin>"), r.brief()


@case("bad file", "`extract -` reading /dev/zero (endless NUL bytes)",
      "refused on one line (size limit or binary) within seconds")
def _(tmp):
    r = run(["extract", "-"], tmp, stdin=Path("/dev/zero"), timeout=60)
    return r.rc == 1 and one_line(r, "<stdin>") and r.max_rss_mb < 300, f"{r.brief()}; peak {r.max_rss_mb:.0f} MB"


# --- output size -----------------------------------------------------------------------------------

@case("output size", "one 60 KB sentence of claims with no punctuation (only spaces)",
      "output linear: every claim's sentence field bounded (<= 600 chars), output < 50x the input")
def _(tmp):
    rng = random.Random(7)
    text = " ".join(f"门诊诊疗人次达到{rng.randint(1, 9999)}万人次" for _ in range(3000))
    (tmp / "one.txt").write_text(text)
    r = run(["extract", str(tmp / "one.txt")], tmp, timeout=120)
    recs = r.records()
    longest = max((len(x.get("sentence") or "") for x in recs), default=0)
    ratio = r.out_bytes / len(text.encode())
    return r.rc == 0 and longest <= 600 and ratio < 50, f"{r.brief()}; {len(recs)} claims, longest sentence " \
                                                         f"{longest}, output {ratio:.1f}x input"


@case("output size", "a 20,000-character run of Han characters before one figure",
      "every string field of the claim bounded (indicator, region, sentence <= 600 chars)")
def _(tmp):
    rng = random.Random(3)
    han = "".join(rng.choice("医疗卫生服务体系建设基层诊疗能力提升改革推进工作") for _ in range(20_000))
    (tmp / "run.txt").write_text(han + "达到65%")
    r = run(["extract", str(tmp / "run.txt")], tmp)
    recs = r.records()
    longest = max((len(v) for x in recs for v in x.values() if isinstance(v, str)), default=0)
    return r.rc == 0 and recs and longest <= 600, f"{r.brief()}; longest string field {longest}"


# --- numbers -----------------------------------------------------------------------------------

def values_of(tmp: Path, text: str) -> tuple[Ran, list[tuple[str, float]]]:
    r = run(["extract", "-", "--doc-id", "n"], tmp, stdin=text.encode())
    return r, [(x["text"], x["value"]) for x in r.records()]


def number_case(text: str, allowed: set[float], wanted: float | None = None):
    """PASS when no claim has a value outside `allowed` (read right, or not at all)."""
    def check(tmp):
        r, found = values_of(tmp, text)
        wrong = [f for f in found if not any(abs(f[1] - a) < 1e-6 * max(1, abs(a)) for a in allowed)]
        note = "" if wanted is None or any(abs(v - wanted) < 1e-6 * max(1, abs(wanted)) for _, v in found) else \
            f" (the figure {wanted:g} itself not read)"
        return r.rc == 0 and no_traceback(r) and not wrong, f"{r.brief()[:40]}; read {found}{note}"
    return check


NUMBERS = [
    ("Arabic-Indic digits ٦٥%", "全市家庭医生签约覆盖率达到٦٥%。", {65}, 65),
    ("Extended Arabic-Indic digits ۶۵%", "全市家庭医生签约覆盖率达到۶۵%。", {65}, 65),
    ("Thai digits ๘๕%", "全市床位使用率为๘๕%。", {85}, 85),
    ("mathematical bold digits 𝟖𝟓%", "全市床位使用率为𝟖𝟓%。", {85}, 85),
    ("full-width comma as thousands separator 1，234，567元", "全市财政投入1，234，567元。", {1234567}, 1234567),
    ("apostrophe thousands separators 1'234'567元", "全市财政投入1'234'567元。", {1234567}, 1234567),
    ("right single quote separators 1’234’567元", "全市财政投入1’234’567元。", {1234567}, 1234567),
    ("European dots 1.234.567元", "全市财政投入1.234.567元。", {1234567}, 1234567),
    ("ideographic space separator 1\u3000234\u3000567元", "全市财政投入1\u3000234\u3000567元。", {1234567}, 1234567),
    ("superscript footnote after a count 1234²个", "全市医疗卫生机构1234²个。", {1234}, 1234),
    ("vulgar fraction 2½倍", "全市门诊量增长2½倍。", {2.5}, 2.5),
    ("circled list markers ①② before claims", "①全市基层诊疗量占比达65%；②县域内就诊率达90%。", {65, 90}, None),
    # prose drops the sign of 增长-3.5% (docs/claims.md keeps it in tables only): either is allowed
    ("U+2212 minus sign −3.5%", "全市药品费用增长−3.5%。", {-3.5, 3.5}, -3.5),
    ("middle dot as decimal point 85·5%", "全市床位使用率为85·5%。", {85.5}, 85.5),
    ("Arabic decimal separator 85٫5%", "全市床位使用率为85٫5%。", {85.5}, 85.5),
    ("times ten to the power 1.2×10⁴万元", "全市财政投入1.2×10⁴万元。", {1.2e8}, 1.2e8),
    ("soft hyphen inside 12\u00ad34家", "全市共有医疗卫生机构12\u00ad34家。", {1234}, 1234),
    ("word joiner U+2060 inside 12\u206034家", "全市共有医疗卫生机构12\u206034家。", {1234}, 1234),
    ("BOM (U+FEFF) inside 6\ufeff5%", "全市基层诊疗量占比达6\ufeff5%。", {65}, 65),
    ("variation selector U+FE0F inside 6\ufe0f5%", "全市基层诊疗量占比达6\ufe0f5%。", {65}, 65),
    ("left-to-right mark U+200E inside 6\u200e5%", "全市基层诊疗量占比达6\u200e5%。", {65}, 65),
    ("narrow no-break space before % 65\u202f%", "全市基层诊疗量占比达65\u202f%。", {65}, 65),
    ("invalid grouping 12,34,567元 (Indian style)", "全市财政投入12,34,567元。", {1234567}, None),
    ("full-width digit then ASCII ６5%", "全市基层诊疗量占比达６5%。", {65}, 65),
]
for _label, _text, _allowed, _wanted in NUMBERS:
    case("numbers", _label, f"value {_wanted if _wanted is not None else sorted(_allowed)} or no claim; "
         "never another value")(number_case(_text, set(map(float, _allowed)), _wanted))


@case("numbers", "U+2212 minus reads as the ASCII hyphen-minus does",
      "the same values for 增长−3.5% and 增长-3.5%")
def _(tmp):
    _, ascii_ = values_of(tmp, "全市药品费用增长-3.5%。")
    r, minus = values_of(tmp, "全市药品费用增长\u22123.5%。")
    return [v for _, v in ascii_] == [v for _, v in minus], f"hyphen {ascii_}, U+2212 {minus}"


# --- the warehouse and query ------------------------------------------------------------------------

_WAREHOUSE: dict[str, Path] = {}


def warehouse(tmp: Path) -> Path:
    """A copy of a small warehouse made once by `reform-facts run --extractor rules`."""
    if "db" not in _WAREHOUSE:
        base = Path(tempfile.mkdtemp(prefix="battery-warehouse."))
        docs = base / "docs"
        docs.mkdir()
        (docs / "plan.txt").write_text(PARAGRAPH + "\n" + GOOD)
        r = run(["run", str(docs), "--extractor", "rules", "--db", str(base / "w.duckdb"), "--cache-dir",
                 str(base / "cache"), "--quiet"], base, timeout=300)
        if r.rc != 0:
            raise RuntimeError(f"could not make the warehouse: {r.brief()} {r.err[:600]!r}")
        _WAREHOUSE["db"] = base / "w.duckdb"
        _WAREHOUSE["base"] = base
    copy = tmp / "w.duckdb"
    shutil.copy(_WAREHOUSE["db"], copy)
    return copy


def count_claims(db: Path) -> int | str:
    code = f"import duckdb; c = duckdb.connect({str(db)!r}, read_only=True); print(c.execute('SELECT count(*) FROM claims').fetchone()[0])"
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=60)
    return int(done.stdout) if done.returncode == 0 else done.stderr.strip().splitlines()[-1][:100]


def query_refused(sql_for: Callable[[Path, Path], str], codes=(7,), extra=()):
    def check(tmp):
        db = warehouse(tmp)
        out = tmp / "outside"
        out.mkdir()
        before = count_claims(db)
        r = run(["query", sql_for(out, db), "--db", str(db), *extra], tmp, timeout=60)
        written = sorted(p.name for p in out.iterdir())
        after = count_claims(db)
        ok = r.rc in codes and one_line(r) and not written and after == before and r.out == b""
        return ok, f"{r.brief()}; written {written}; claims {before}->{after}; stdout {r.out[:60]!r}"
    return check


SQL_ATTACKS = [
    ("PRAGMA enable_external_access=true", lambda o, d: "PRAGMA enable_external_access=true", (7,)),
    ("RESET lock_configuration", lambda o, d: "RESET lock_configuration", (7,)),
    ("PRAGMA profiling_output to a file", lambda o, d: f"PRAGMA profiling_output='{o}/p.json'", (7,)),
    ("read_parquet of a file outside", lambda o, d: f"SELECT * FROM read_parquet('{d.parent}/*.parquet')", (7,)),
    ("read_json on /etc/hostname", lambda o, d: "SELECT * FROM read_json('/etc/hostname')", (7,)),
    ("replacement scan FROM '/etc/passwd'", lambda o, d: "SELECT * FROM '/etc/passwd'", (2, 7)),
    ("read_blob on /etc/hostname", lambda o, d: "SELECT * FROM read_blob('/etc/hostname')", (7,)),
    ("sniff_csv on /etc/passwd", lambda o, d: "SELECT * FROM sniff_csv('/etc/passwd')", (7,)),
    ("http read by read_parquet", lambda o, d: "SELECT * FROM read_parquet('http://127.0.0.1:9/x.parquet')", (7,)),
    ("lower-case 'attach database ... as'", lambda o, d: f"attach database '{o}/new.duckdb' as x", (7,)),
    ("ATTACH ':memory:'", lambda o, d: "ATTACH ':memory:' AS m", (7,)),
    ("a comment hiding COPY", lambda o, d: f"/* SELECT 1 */ COPY claims TO '{o}/c.csv'", (7,)),
    ("EXPLAIN ANALYZE COPY", lambda o, d: f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{o}/x.csv'", (7,)),
    ("EXPLAIN ANALYZE DELETE", lambda o, d: "EXPLAIN ANALYZE DELETE FROM claims", (2, 7)),
    ("EXPLAIN of a read_csv (binding sniffs the file)", lambda o, d: "EXPLAIN SELECT * FROM read_csv('/etc/passwd')", (7,)),
    ("DESCRIBE of a read_csv", lambda o, d: "DESCRIBE SELECT * FROM read_csv('/etc/passwd')", (7,)),
    ("query() table function running COPY", lambda o, d: f"SELECT * FROM query('COPY (SELECT 1) TO ''{o}/q.csv''')", (2, 7)),
    ("PRAGMA import_database of a folder", lambda o, d: f"PRAGMA import_database('{o}')", (7,)),
    ("SET VARIABLE (DuckDB 1.1+)", lambda o, d: "SET VARIABLE x = 1", (7,)),
    ("CREATE TEMP TABLE (allowed on read-only files)", lambda o, d: "CREATE TEMP TABLE t AS SELECT 1", (7,)),
    ("comment tail then a second statement", lambda o, d: f"SELECT 1 /* ; */ ; COPY claims TO '{o}/c.csv' --", (7,)),
    ("a string literal hiding a semicolon, then COPY", lambda o, d: f"SELECT ';'; COPY claims TO '{o}/c.csv'", (7,)),
]
for _label, _sql, _codes in SQL_ATTACKS:
    case("sql", _label, f"refused on one line, exit {' or '.join(map(str, _codes))}; nothing written; "
         "warehouse unchanged")(query_refused(_sql, _codes))


@case("sql", "a 60,000-term expression (a 120 KB query, near the argument limit)",
      "refused on one line (exit 2) within 60 s; no crash")
def _(tmp):
    db = warehouse(tmp)
    r = run(["query", "SELECT " + "+".join(["1"] * 60_000), "--db", str(db)], tmp, timeout=60)
    return r.rc in (2, 7) and one_line(r), r.brief()


@case("sql", "60,000 nested parentheses",
      "refused on one line (exit 2) within 60 s; no segfault")
def _(tmp):
    db = warehouse(tmp)
    r = run(["query", "SELECT " + "(" * 60_000 + "1" + ")" * 60_000, "--db", str(db)], tmp, timeout=60)
    return r.rc in (2, 7) and one_line(r), r.brief()


@case("sql", "CALL checkpoint() on the read-only connection",
      "refused, or a no-op: the warehouse's bytes unchanged, no WAL written")
def _(tmp):
    db = warehouse(tmp)
    before = db.read_bytes()
    r = run(["query", "CALL checkpoint()", "--db", str(db)], tmp)
    same = db.read_bytes() == before and not Path(f"{db}.wal").exists()
    return no_traceback(r) and same and (r.rc == 0 or one_line(r)), f"{r.brief()}; unchanged {same}"


for _form in ("csv", "parquet"):
    @case("sql", f"--output FILE is the warehouse itself ({_form})",
          "refused on one line; the warehouse not overwritten")
    def _(tmp, form=_form):
        db = warehouse(tmp)
        before = db.read_bytes()
        r = run(["query", "SELECT 1", "--db", str(db), "--format", form, "--output", str(db)], tmp)
        same = db.read_bytes() == before
        return r.rc != 0 and one_line(r) and same, f"{r.brief()}; warehouse intact: {same}; claims {count_claims(db)}"


@case("sql", "--output is a folder (csv)",
      "one line (exit 6 or 2), nothing left beside it")
def _(tmp):
    db = warehouse(tmp)
    (tmp / "folder").mkdir()
    r = run(["query", "SELECT 1", "--db", str(db), "--format", "csv", "--output", str(tmp / "folder")], tmp)
    left = sorted(p.name for p in tmp.iterdir() if p.name.startswith("folder"))
    return r.rc in (2, 6) and one_line(r) and left == ["folder"], f"{r.brief()}; {left}"


@case("export", "DIR is an existing regular file",
      "one line (exit 2 or 6); the file unchanged; nothing left beside it")
def _(tmp):
    db = warehouse(tmp)
    target = tmp / "target"
    target.write_text("mine")
    r = run(["export", str(target), "--db", str(db)], tmp)
    left = sorted(p.name for p in tmp.iterdir() if p.name not in ("w.duckdb", "home", "prefect"))
    ok = r.rc in (2, 6) and one_line(r) and target.read_text() == "mine" and left == ["target"]
    return ok, f"{r.brief()}; {left}"


@case("export", "DIR is a symbolic link to an empty folder elsewhere",
      "exit 0, the Parquet files in the link's target (the user chose it), the link kept")
def _(tmp):
    db = warehouse(tmp)
    (tmp / "elsewhere").mkdir()
    (tmp / "link").symlink_to(tmp / "elsewhere")
    r = run(["export", str(tmp / "link"), "--db", str(db)], tmp)
    files = sorted(p.name for p in (tmp / "elsewhere").iterdir())
    return r.rc == 0 and no_traceback(r) and "claims.parquet" in files and (tmp / "link").is_symlink(), \
        f"{r.brief()}; target holds {files[:4]}"


@case("export", "DIR is a dangling symbolic link",
      "exit 0 (made through the link) or one line; nothing left behind")
def _(tmp):
    db = warehouse(tmp)
    (tmp / "dangling").symlink_to(tmp / "gone")
    r = run(["export", str(tmp / "dangling"), "--db", str(db)], tmp)
    left = sorted(p.name for p in tmp.iterdir() if p.name.startswith("."))
    ok = no_traceback(r) and not left and (r.rc == 0 or r.rc in (2, 6) and one_line(r))
    return ok, f"{r.brief()}; hidden left {left}"


@case("export", "DIR holds a folder named claims.parquet (a file cannot replace it)",
      "one line; DIR as it was (no partial export: the other files not replaced)")
def _(tmp):
    db = warehouse(tmp)
    target = tmp / "out"
    (target / "claims.parquet").mkdir(parents=True)
    (target / "runs.parquet").write_bytes(b"old")
    (target / "zzz.parquet").write_bytes(b"old")
    r = run(["export", str(target), "--db", str(db)], tmp)
    names = sorted(p.name for p in target.iterdir())
    untouched = (target / "runs.parquet").read_bytes() == b"old" and names == ["claims.parquet", "runs.parquet",
                                                                             "zzz.parquet"]
    return r.rc != 0 and one_line(r) and untouched, f"{r.brief()}; DIR now {names[:6]}... untouched {untouched}"


@case("export", "DIR is the warehouse file itself",
      "refused on one line; the warehouse intact")
def _(tmp):
    db = warehouse(tmp)
    before = db.read_bytes()
    r = run(["export", str(db), "--db", str(db)], tmp)
    intact = db.exists() and db.is_file() and db.read_bytes() == before
    return r.rc != 0 and one_line(r) and intact, f"{r.brief()}; intact {intact}"


@case("export", "DIR is an immutable folder (chattr +i; root cannot write it)",
      "one line, exit 6")
def _(tmp):
    db = warehouse(tmp)
    target = tmp / "locked"
    target.mkdir()
    (target / "old.txt").write_text("x")
    if subprocess.run(["chattr", "+i", str(target)], capture_output=True).returncode != 0:
        return True, "skipped: chattr +i not possible here"
    try:
        r = run(["export", str(target), "--db", str(db)], tmp)
    finally:
        subprocess.run(["chattr", "-i", str(target)])
    left = sorted(p.name for p in tmp.iterdir() if p.name.startswith("."))
    return r.rc == 6 and one_line(r) and not left, f"{r.brief()}; left {left}"


@case("db", "--db is a folder (run)",
      "one line, exit 3 (not a DuckDB file)")
def _(tmp):
    (tmp / "docs").mkdir()
    (tmp / "docs" / "a.txt").write_text(GOOD)
    (tmp / "dbdir").mkdir()
    r = run(["run", str(tmp / "docs"), "--extractor", "rules", "--db", str(tmp / "dbdir"), "--cache-dir",
             str(tmp / "cache"), "--quiet"], tmp, timeout=180)
    return r.rc == 3 and one_line(r), r.brief()


@case("db", "--db is a named pipe (query)",
      "refused at once on one line (exit 3); no hang")
def _(tmp):
    os.mkfifo(tmp / "w.duckdb")
    r = run(["query", "SELECT 1", "--db", str(tmp / "w.duckdb")], tmp, timeout=20)
    return r.rc == 3 and one_line(r), r.brief()


@case("db", "--db is a named pipe (run)",
      "refused at once on one line (exit 3); no hang")
def _(tmp):
    (tmp / "docs").mkdir()
    (tmp / "docs" / "a.txt").write_text(GOOD)
    os.mkfifo(tmp / "w.duckdb")
    r = run(["run", str(tmp / "docs"), "--extractor", "rules", "--db", str(tmp / "w.duckdb"), "--cache-dir",
             str(tmp / "cache"), "--quiet"], tmp, timeout=90)
    return r.rc == 3 and one_line(r), r.brief()


@case("db", "--db is a warehouse truncated to its first 8 KB",
      "one line, exit 3 (damaged)")
def _(tmp):
    db = warehouse(tmp)
    raw = db.read_bytes()
    db.write_bytes(raw[:8192])
    r = run(["query", "SELECT count(*) FROM claims", "--db", str(db)], tmp)
    return r.rc == 3 and one_line(r), r.brief()


@case("db", "--db is a warehouse truncated to 60% (run, a writer)",
      "one line, exit 3; the file left as it was")
def _(tmp):
    db = warehouse(tmp)
    raw = db.read_bytes()[: db.stat().st_size * 6 // 10]
    db.write_bytes(raw)
    (tmp / "docs").mkdir()
    (tmp / "docs" / "a.txt").write_text(GOOD)
    r = run(["run", str(tmp / "docs"), "--extractor", "rules", "--db", str(db), "--cache-dir", str(tmp / "cache"),
             "--quiet"], tmp, timeout=180)
    return r.rc == 3 and one_line(r) and db.read_bytes() == raw, r.brief()


@case("db", "--db has a garbage .wal file beside it (a crash left it?)",
      "query: one line, exit 3, or the rows; never a traceback")
def _(tmp):
    db = warehouse(tmp)
    Path(f"{db}.wal").write_bytes(os.urandom(5000))
    r = run(["query", "SELECT count(*) FROM claims", "--db", str(db), "--format", "csv"], tmp)
    return no_traceback(r) and (r.rc == 0 or r.rc == 3 and one_line(r)), r.brief()


@case("db", "--db is another program's DuckDB file (its own 'claims' table)",
      "run refused on one line (not this project's warehouse); that file unchanged")
def _(tmp):
    other = tmp / "other.duckdb"
    subprocess.run([PYTHON, "-c", f"import duckdb; c = duckdb.connect({str(other)!r}); "
                    "c.execute('CREATE TABLE claims (id INTEGER, customer VARCHAR, amount DECIMAL(10,2))'); "
                    "c.execute(\"INSERT INTO claims VALUES (1, 'ACME', 12.5)\"); c.close()"], check=True)
    before = other.read_bytes()
    (tmp / "docs").mkdir()
    (tmp / "docs" / "a.txt").write_text(GOOD)
    r = run(["run", str(tmp / "docs"), "--extractor", "rules", "--db", str(other), "--cache-dir",
             str(tmp / "cache"), "--quiet"], tmp, timeout=180)
    tables = subprocess.run([PYTHON, "-c", f"import duckdb; c = duckdb.connect({str(other)!r}, read_only=True); "
                             "print(sorted(r[0] for r in c.execute('SHOW TABLES').fetchall()))"],
                            capture_output=True, text=True).stdout.strip()
    unchanged = other.read_bytes() == before
    return r.rc != 0 and one_line(r) and unchanged, f"{r.brief()}; file unchanged {unchanged}; tables now {tables[:160]}"


@case("db", "--db is another program's DuckDB file without a 'claims' table",
      "run refused on one line, or at least the foreign file not changed")
def _(tmp):
    other = tmp / "other.duckdb"
    subprocess.run([PYTHON, "-c", f"import duckdb; c = duckdb.connect({str(other)!r}); "
                    "c.execute('CREATE TABLE orders (id INTEGER)'); c.close()"], check=True)
    (tmp / "docs").mkdir()
    (tmp / "docs" / "a.txt").write_text(GOOD)
    r = run(["run", str(tmp / "docs"), "--extractor", "rules", "--db", str(other), "--cache-dir",
             str(tmp / "cache"), "--quiet"], tmp, timeout=180)
    tables = subprocess.run([PYTHON, "-c", f"import duckdb; c = duckdb.connect({str(other)!r}, read_only=True); "
                             "print(len(c.execute('SHOW TABLES').fetchall()))"], capture_output=True, text=True).stdout
    return r.rc != 0 and one_line(r), f"{r.brief()}; the other program's file now has {tables.strip()} tables"


# --- faults ---------------------------------------------------------------------------------

def _docs(tmp: Path, n: int = 12) -> Path:
    """`n` small distinct documents."""
    folder = tmp / "docs"
    folder.mkdir(exist_ok=True)
    rng = random.Random(n)
    for i in range(n):
        lines = [f"{2015 + i % 9}年，全市基层诊疗量占比达{rng.randint(10, 99)}.{rng.randint(0, 9)}%，"
                 f"医疗卫生机构{rng.randint(100, 9999)}个。" for _ in range(30)]
        (folder / f"doc{i:02d}.txt").write_text("三明市卫生健康委员会\n" + "\n".join(lines))
    return folder


def _run_args(tmp: Path, db: Path, cache: Path) -> list[str]:
    return ["run", str(_docs(tmp)), "--extractor", "rules", "--db", str(db), "--cache-dir", str(cache), "--json"]


def _summary(r: Ran) -> dict:
    try:
        return json.loads(r.out)
    except ValueError:
        return {}


@case("faults", "kill -9 of `run` at 2, 5 and 9 s, each followed by a rerun",
      "every rerun exit 0 with the same claims as a clean run; no run half-loaded")
def _(tmp):
    clean_db, db, cache = tmp / "clean.duckdb", tmp / "w.duckdb", tmp / "cache"
    clean = run(_run_args(tmp, clean_db, tmp / "clean-cache"), tmp, timeout=300)
    want = count_claims(clean_db)
    notes = [f"clean {clean.brief()[:30]} claims {want}"]
    ok = clean.rc == 0
    for moment in (2, 5, 9):
        killed = run(_run_args(tmp, db, cache), tmp, timeout=300, kill_after=moment)
        again = run(_run_args(tmp, db, cache), tmp, timeout=300)
        got = count_claims(db)
        notes.append(f"kill@{moment}s rc {killed.rc} -> rerun {again.rc}, claims {got}")
        ok = ok and again.rc == 0 and no_traceback(again) and got == want
    return ok, "; ".join(notes)


@case("faults", "two `run`s at once on one warehouse and cache",
      "both exit 0 (one waits, saying so) or one exits 4 on one line; the claims those of one run")
def _(tmp):
    db, cache = tmp / "w.duckdb", tmp / "cache"
    args = _run_args(tmp, db, cache)
    procs = []
    for i in range(2):
        procs.append(subprocess.Popen(CLI + args, cwd=tmp, env=env_for(tmp), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, start_new_session=True))
    results = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        results.append((proc.returncode, err))
    clean_db = tmp / "clean.duckdb"
    run(_run_args(tmp, clean_db, tmp / "cache2"), tmp, timeout=300)
    want, got = count_claims(clean_db), count_claims(db)
    fine = all(rc == 0 or rc == 4 and err.count(b"\n") <= 2 for rc, err in results)
    tb = any(TRACEBACK in err for _, err in results)
    return fine and not tb and got == want, \
        f"exits {[rc for rc, _ in results]}; traceback {tb}; claims {got} (one clean run: {want}); " \
        f"stderr {[err.decode(errors='replace').splitlines()[-1:] for _, err in results]}"


@case("faults", "a read-only (immutable) cache directory",
      "run exit 0 (the cache is an optimisation) with at most a warning line; or one line exit 6")
def _(tmp):
    cache = tmp / "cache"
    cache.mkdir()
    if subprocess.run(["chattr", "+i", str(cache)], capture_output=True).returncode != 0:
        return True, "skipped: chattr +i not possible here"
    try:
        r = run(_run_args(tmp, tmp / "w.duckdb", cache), tmp, timeout=300)
    finally:
        subprocess.run(["chattr", "-i", str(cache)])
    ok = no_traceback(r) and (r.rc == 0 and len(r.lines) <= 1 or r.rc == 6 and one_line(r))
    return ok, f"{r.brief()}; claims {_summary(r).get('claims')}"


@case("faults", "--cache-dir is a regular file",
      "run exit 0 with a warning, or one line (exit 2 or 6); no traceback")
def _(tmp):
    (tmp / "cachefile").write_text("x")
    r = run(_run_args(tmp, tmp / "w.duckdb", tmp / "cachefile"), tmp, timeout=300)
    ok = no_traceback(r) and (r.rc == 0 or r.rc in (2, 6) and one_line(r))
    return ok, r.brief()


@case("faults", "HOME unset: extract, run and query",
      "each works (exit 0); no traceback")
def _(tmp):
    env = env_for(tmp, HOME=None)
    (tmp / "a.txt").write_text(GOOD)
    e = run(["extract", str(tmp / "a.txt")], tmp, env=env)
    r = run(_run_args(tmp, tmp / "w.duckdb", tmp / "cache"), tmp, env=env, timeout=300)
    q = run(["query", "SELECT count(*) AS n FROM claims", "--db", str(tmp / "w.duckdb"), "--format", "csv"], tmp,
            env=env)
    ok = e.rc == 0 and r.rc == 0 and q.rc == 0 and all(map(no_traceback, (e, r, q)))
    return ok, f"extract {e.brief()[:40]}; run {r.brief()[:120]}; query {q.brief()[:60]}"


@case("faults", "the warehouse on a full file system (16 MiB tmpfs, all but 360 KB taken), then space freed",
      "one line, exit 5; after freeing, the next run exit 0")
def _(tmp):
    mnt = tmp / "small"
    mnt.mkdir()
    inner = textwrap.dedent(f"""
        set -e
        mount -t tmpfs -o size=16m tmpfs {mnt}
        head -c 16400000 /dev/zero > {mnt}/filler || true
        {' '.join(CLI)} {' '.join(_run_args(tmp, mnt / 'w.duckdb', tmp / 'cache'))} > {tmp}/out1 2> {tmp}/err1 || echo $? > {tmp}/rc1
        rm -f {mnt}/filler
        {' '.join(CLI)} {' '.join(_run_args(tmp, mnt / 'w.duckdb', tmp / 'cache'))} > {tmp}/out2 2> {tmp}/err2 || echo $? > {tmp}/rc2
        """)
    r = run(["-m", "sh", "-c", inner], tmp, timeout=600, cmd=["unshare"])
    if r.rc != 0 and b"mount" in r.err:
        return True, f"skipped: cannot mount a tmpfs here ({r.err[:80]!r})"
    rc1 = int((tmp / "rc1").read_text()) if (tmp / "rc1").exists() else 0
    rc2 = int((tmp / "rc2").read_text()) if (tmp / "rc2").exists() else 0
    err1 = (tmp / "err1").read_bytes()
    lines1 = err1.decode(errors="replace").splitlines()
    ok = rc1 == 5 and len(lines1) == 1 and TRACEBACK not in err1 and rc2 == 0
    return ok, f"full: exit {rc1}, {len(lines1)} lines {[line[:200] for line in lines1[:1]]!r}; after freeing: " \
               f"exit {rc2} {(tmp / 'err2').read_text(errors='replace').splitlines()[:1]}"


@case("faults", "TMPDIR on a full file system (64 KB tmpfs)",
      "run exit 0 (nothing needs TMPDIR) or one line exit 5")
def _(tmp):
    mnt = tmp / "small"
    mnt.mkdir()
    inner = textwrap.dedent(f"""
        mount -t tmpfs -o size=64k tmpfs {mnt}
        head -c 70000 /dev/zero > {mnt}/filler
        TMPDIR={mnt} {' '.join(CLI)} {' '.join(_run_args(tmp, tmp / 'w.duckdb', tmp / 'cache'))} > {tmp}/out1 2> {tmp}/err1
        echo $? > {tmp}/rc1
        """)
    run(["-m", "sh", "-c", inner], tmp, timeout=600, cmd=["unshare"])
    if not (tmp / "rc1").exists():
        return True, "skipped: cannot mount a tmpfs here"
    rc1 = int((tmp / "rc1").read_text())
    err = (tmp / "err1").read_bytes()
    lines = err.decode(errors="replace").splitlines()
    ok = TRACEBACK not in err and (rc1 == 0 or rc1 == 5 and len(lines) == 1)
    return ok, f"exit {rc1}, {len(lines)} err lines {lines[-2:]!r}"


@case("faults", "`extract` writing to /dev/full (stdout: no space left)",
      "one line (exit 5 or 1/2), no traceback")
def _(tmp):
    (tmp / "a.txt").write_text(PARAGRAPH * 50)
    proc = subprocess.run(CLI + ["extract", str(tmp / "a.txt")], cwd=tmp, env=env_for(tmp), stdout=open("/dev/full", "wb"),
                          stderr=subprocess.PIPE, timeout=120)
    lines = proc.stderr.decode(errors="replace").splitlines()
    ok = proc.returncode != 0 and TRACEBACK not in proc.stderr and len(lines) == 1
    return ok, f"exit {proc.returncode}, {len(lines)} err lines: {lines[-1:]!r}"


@case("faults", "Ctrl-C (SIGINT) during `extract` of a big input",
      "ends at once, exit 130 (or 1), no traceback")
def _(tmp):
    rng = random.Random(1)
    (tmp / "big.txt").write_text("\n".join(f"全市基层诊疗量占比达{rng.randint(1, 99)}%，机构{rng.randint(1, 999)}个。"
                                           for _ in range(40_000)))
    r = run(["extract", str(tmp / "big.txt")], tmp, timeout=60, kill_after=2.5, sig=signal.SIGINT)
    return r.rc in (130, 1, -2) and no_traceback(r), r.brief()


@case("faults", "Ctrl-C (SIGINT) during `run`, then a rerun",
      "no traceback; the rerun exit 0")
def _(tmp):
    r = run(_run_args(tmp, tmp / "w.duckdb", tmp / "cache"), tmp, timeout=120, kill_after=6, sig=signal.SIGINT)
    again = run(_run_args(tmp, tmp / "w.duckdb", tmp / "cache"), tmp, timeout=300)
    return no_traceback(r) and again.rc == 0, f"interrupted {r.brief()}; rerun {again.brief()[:60]}"


# ------------------------------------------------------------------ timing families

BASE_BYTES = 12_800
FACTORS = (1, 2, 4, 8)
LIMIT = 2.5
MAX_S_AT_100KB = 10.0

TIMER = """
import json, sys, time
from pathlib import Path
from reform_facts.extractors import registry
from reform_facts.readers import read_document
from reform_facts.errors import DocumentError
extractor = registry.get(sys.argv[2])
try:
    doc = read_document(Path(sys.argv[1]))
except DocumentError as error:
    print(json.dumps({"refused": str(error)[-160:]}, ensure_ascii=False)); sys.exit(0)
from reform_facts.claim import Document
extractor(registry.describe(Document.from_text("2023年，三明市基层诊疗量占比达65%。", doc_id="w", path="w.txt")))  # warm-up
started = time.process_time()
claims = extractor(registry.describe(doc))
seconds = time.process_time() - started
out = sum(len(json.dumps(c.to_record(), ensure_ascii=False).encode()) + 1 for c in claims)
print(json.dumps({"seconds": seconds, "claims": len(claims), "out_bytes": out}))
"""


def _grow(make: Callable[[random.Random, int], str], size: int, seed: str) -> str:
    rng, out, total, k = random.Random(seed), [], 0, 0
    while total < size:
        piece = make(rng, k)
        out.append(piece)
        total += len(piece.encode())
        k += 1
    return "".join(out)


IND = ("门诊诊疗人次", "住院人数", "床位使用率", "卫生技术人员", "家庭医生签约覆盖率", "基层诊疗量占比")
CITIES = ("三明市", "福州市", "厦门市", "重庆市", "太原市", "上海市")


def _claim(r: random.Random) -> str:
    return f"{r.choice(IND)}达到{r.randint(1, 999)}.{r.randint(0, 9)}%"


def f_brackets(size):  # one line of nesting, closed at the end: 《（【...】）》
    depth = size // 12
    return "（" * depth + "全市基层诊疗量占比达65%" + "）" * depth + "\n"


def f_unclosed_books(size):
    return _grow(lambda r, k: "《" + _claim(r) + "，", size, "books")


def f_many_books(size):
    return _grow(lambda r, k: f"根据《关于{r.choice(IND)}的通知》，{_claim(r)}。\n", size, "books2")


def f_lenticular(size):
    return _grow(lambda r, k: f"【{r.choice(CITIES)}】{_claim(r)}【{r.randint(1, 99)}】", size, "lent") + "\n"


def f_han_digit_line(size):  # one line, Han and digits alternating, no punctuation
    return _grow(lambda r, k: r.choice("全市基层诊疗量占比达床位") + str(r.randint(0, 99)), min(size, 190_000), "hd")


def f_giant_row(size):
    cells = max(4, size // 8)
    head = "| 指标 | " + " | ".join(f"{2000 + i % 30}年" for i in range(cells)) + " |\n"
    sep = "|" + " --- |" * (cells + 1) + "\n"
    row = "| 床位数(张) | " + " | ".join(str(100 + i) for i in range(cells)) + " |\n"
    return head + sep + row


def f_tiny_tables(size):
    return _grow(lambda r, k: f"| 地区 | 床位数(张) |\n| --- | --- |\n| {r.choice(CITIES)} | {r.randint(1, 9999)} |\n\n",
                 size, "tiny")


def f_headings(size):
    return _grow(lambda r, k: f"## 第{k}节 {r.choice(CITIES)}{r.choice(IND)}\n{_claim(r)}。\n", size, "heads")


def f_trad_simp(size):
    return _grow(lambda r, k: (f"醫療衛生機構{r.randint(1, 9999)}個，" if k % 2 else f"医疗卫生机构{r.randint(1, 9999)}个，")
                 + ("\n" if k % 40 == 39 else ""), size, "ts")


def f_quanshi_named(size):
    return "三明市\n" + _grow(lambda r, k: f"{r.choice(('全市', '全区', '我市', '本市'))}{_claim(r)}。\n", size, "qs")


def f_quanshi_dense(size):  # the scope words packed, few figures
    return _grow(lambda r, k: "全市全区我市本市全县" * r.randint(1, 5) + (f"{_claim(r)}。\n" if k % 10 == 0 else ""),
                 size, "qd")


def f_years(size):
    return _grow(lambda r, k: "".join(f"{r.randint(1990, 2030)}年" for _ in range(8)) + f"{_claim(r)}，" +
                 ("\n" if k % 20 == 19 else ""), size, "years")


def f_cues(size):
    cues = ("目标", "力争", "到", "达到", "不低于", "以上", "左右", "约", "超过", "计划", "预计", "同比", "增长", "下降")
    return _grow(lambda r, k: "".join(r.choice(cues) for _ in range(12)) + (f"{_claim(r)}。" if k % 3 == 0 else "")
                 + ("\n" if k % 30 == 29 else ""), size, "cues")


def f_spaces_aligned(size):
    return "地区        机构数      床位数      人员数\n" + _grow(
        lambda r, k: f"{r.choice(CITIES)}      {r.randint(1, 999):>6}      {r.randint(1, 99999):>6}      "
                     f"{r.randint(1, 99999):>6}\n", size, "cols")


def f_label_values(size):
    return _grow(lambda r, k: f"{r.choice(IND)}：{r.randint(1, 9999)}\n", size, "lv")


def f_ragged_tabs(size):
    return _grow(lambda r, k: "\t".join(str(r.randint(1, 999)) for _ in range(r.randint(1, 30))) + "\n", size, "tabs")


def f_html_tables(size):
    body = _grow(lambda r, k: f"<table><tr><th>地区</th><th>床位数(张)</th></tr><tr><td>{r.choice(CITIES)}</td>"
                              f"<td>{r.randint(1, 9999)}</td></tr></table>\n", size, "html")
    return f"<html><body>{body}</body></html>"


def f_percent_storm(size):  # figures with no words between them
    return _grow(lambda r, k: f"{r.randint(1, 99)}%" + ("、" if k % 50 else "。\n"), size, "pct")


def f_sentence_no_stop(size):  # one sentence: claims joined by spaces, a line every 400 claims
    return _grow(lambda r, k: _claim(r) + (" " if k % 400 else "\n"), size, "nostop")


TIMING: dict[str, tuple[str, Callable[[int], str]]] = {
    "normal text (the corpus)": (".txt", lambda s: _corpus(s)),
    "nested brackets (one line)": (".txt", f_brackets),
    "thousands of unclosed 《": (".txt", f_unclosed_books),
    "thousands of 《》 titles": (".txt", f_many_books),
    "thousands of 【】": (".txt", f_lenticular),
    "one long line of Han and digits": (".txt", f_han_digit_line),
    "one giant Markdown table row": (".md", f_giant_row),
    "thousands of tiny Markdown tables": (".md", f_tiny_tables),
    "thousands of headings": (".md", f_headings),
    "alternating traditional/simplified": (".txt", f_trad_simp),
    "全市/全区/我市 with the city named once": (".txt", f_quanshi_named),
    "全市全区我市 packed, few figures": (".txt", f_quanshi_dense),
    "repeated year mentions": (".txt", f_years),
    "many cue words": (".txt", f_cues),
    "space-aligned columns": (".txt", f_spaces_aligned),
    "label: value lines": (".txt", f_label_values),
    "ragged tab-separated rows": (".txt", f_ragged_tabs),
    "thousands of tiny HTML tables": (".html", f_html_tables),
    "percent storm 12%、34%、…": (".txt", f_percent_storm),
    "sentences of 400 claims without a stop": (".txt", f_sentence_no_stop),
}


def _corpus(size: int) -> str:
    lines = [line + "\n" for path in sorted((ROOT / "corpus").glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out, total, k = [], 0, 0
    while total < size:
        out.append(lines[k % len(lines)])
        total += len(out[-1].encode())
        k += 1
    return "".join(out)


def timing_case(family: str, suffix: str, make: Callable[[int], str], timeout: float, extractor: str):
    def check(tmp):
        rows = []
        for factor in FACTORS:
            path = tmp / f"t{factor}{suffix}"
            path.write_text(make(BASE_BYTES * factor), encoding="utf-8")
            # the checkout's home, for its trained spaCy model: the timer only reads and extracts
            r = run([], tmp, timeout=timeout, cmd=["nice", "-n", "10", PYTHON, "-c", TIMER, str(path), extractor],
                    env=env_for(tmp, REFORM_FACTS_HOME=None))
            if r.rc is None:
                rows.append({"factor": factor, "timeout": True})
                break
            try:
                rows.append({"factor": factor, **json.loads(r.out.splitlines()[-1])})
            except (ValueError, IndexError):
                rows.append({"factor": factor, "error": r.err.decode(errors="replace").splitlines()[-1:]})
                break
            if "refused" in rows[-1]:
                break
        times = [row["seconds"] for row in rows if "seconds" in row]
        outs = [row["out_bytes"] for row in rows if "out_bytes" in row]
        t_ratio = [round(b / a, 2) if a > 0.02 else 0 for a, b in zip(times, times[1:])]
        o_ratio = [round(b / a, 2) if a else 0 for a, b in zip(outs, outs[1:])]
        broken = any("timeout" in row or "error" in row for row in rows)
        slow = any(row.get("seconds", 0) > MAX_S_AT_100KB for row in rows)
        refused = [row["refused"] for row in rows if "refused" in row]
        # a doubling whose time went from < 0.05 s is noise, not a trend
        bad_t = [x for a, x in zip(times, t_ratio) if x > LIMIT and a >= 0.05]
        bad_o = [x for x in o_ratio if x > LIMIT]
        ok = not broken and not slow and not bad_t and not bad_o
        shown = ", ".join(f"{row['factor']}x " + (f"{row['seconds']:.2f}s/{row['claims']}c/{row['out_bytes'] // 1024}KB"
                                                  if "seconds" in row else
                                                  "TIMEOUT" if "timeout" in row else
                                                  f"refused" if "refused" in row else f"error {row.get('error')}")
                          for row in rows)
        return ok, f"{shown}; time x{t_ratio}; output x{o_ratio}" + (f"; refused: {refused[0][-80:]}" if refused else "")
    return check


# ------------------------------------------------------------------ main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.battery", description=__doc__.split("\n\n")[0])
    parser.add_argument("--timing", action="store_true", help="also the timing families (minutes)")
    parser.add_argument("--timing-only", action="store_true", help="only the timing families")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per timed extraction (default 60)")
    parser.add_argument("--extractor", default="rules", help="the extractor the timing families time")
    parser.add_argument("-k", action="append", default=[], help="only cases whose family or name holds this")
    parser.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = parser.parse_args(argv)
    cases = [] if args.timing_only else list(CASES)
    if args.timing or args.timing_only:
        cases += [Case("timing", f"{name} ({args.extractor})", "each doubling <= 2.5x time and output; 8x (100 KB) "
                       "< 10 s; a refusal with a reason is fine", timing_case(name, suffix, make, args.timeout,
                                                                               args.extractor))
                  for name, (suffix, make) in TIMING.items()]
    if args.k:
        cases = [c for c in cases if any(k.lower() in (c.family + " " + c.name).lower() for k in args.k)]
    results = []
    base = Path(tempfile.mkdtemp(prefix="battery."))
    try:
        for number, item in enumerate(cases, 1):
            tmp = base / f"case{number:03d}"
            tmp.mkdir()
            started = time.monotonic()
            try:
                passed, actual = item.check(tmp)
            except Exception as error:  # noqa: BLE001 - a case that cannot run is reported, not fatal
                passed, actual = False, f"the case itself failed: {type(error).__name__}: {error}"
            results.append({"n": number, "family": item.family, "case": item.name, "expect": item.expect,
                            "actual": actual, "pass": bool(passed), "seconds": round(time.monotonic() - started, 1)})
            print(f"{number:3d} {'PASS' if passed else 'FAIL'}  [{item.family}] {item.name}\n"
                  f"       expect: {item.expect}\n       actual: {actual}", flush=True)
            shutil.rmtree(tmp, ignore_errors=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if "base" in _WAREHOUSE:
            shutil.rmtree(_WAREHOUSE["base"], ignore_errors=True)
    passes = sum(r["pass"] for r in results)
    print(f"\n{'n':>3}  {'result':<6} {'family':<12} case")
    for r in results:
        print(f"{r['n']:3d}  {'PASS' if r['pass'] else 'FAIL':<6} {r['family']:<12} {r['case']}")
    print(f"\n{passes} of {len(results)} cases pass, {len(results) - passes} fail")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0 if passes == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
