"""Bytes of a text file become text: which encoding, and refusals that name the byte.

Government files come as UTF-8 (with or without a BOM), UTF-16 with a BOM, or GB18030/GBK;
Taiwan and Hong Kong ones sometimes as Big5. The order of the checks is what makes GB18030
safe: valid UTF-8 is accepted first (GB18030 Chinese text is practically never valid UTF-8,
because its trail bytes A1–FE cannot all form UTF-8 continuations), then GB18030 strictly.
A statistical detector is not used to decide: charset-normalizer 3.5.2 labels 15 of the
corpus's 359 paragraphs encoded in GB18030 as cp949 or Big5.

Decoding without error is not enough: Shift-JIS bytes, UTF-16 without a BOM or a UTF-8 tail
after GB18030 text also decode as GB18030, into rare characters. So decoded text must also be
plausible (`check_plausible`): in every stretch of 24 letters, at least 70% must be common
letters (ASCII, pinyin, the 3,755 level-1 characters of GB 2312 or the 5,401 of Big5). Measured
(tests/test_bad_input.py): the project's corpus and gold documents never go below 79% (pinyin
in a traditional yearbook), Shift-JIS read as GB18030 stays near 15%, a UTF-8 tail read as
GB18030 between 20% and 67%, UTF-8 read twice (Latin-1 mojibake) at 0%.

EUC-KR (and cp949) Korean passes that check: its 2,350 Hangul take the bytes of GB 2312 rows
B0–C8, which are level-1 rows, so read as GB18030 it is all common characters. But those rows
are only part of GB 2312 (sorted by pinyin, level 1 runs on to row D7 and level 2 to F7), and
Chinese text draws on all of them; Korean read as GB18030 never leaves them. So text read as
GB18030 must also be spread (`check_spread`): in every stretch of 48 non-ASCII letters at least
2 lie outside rows B0–C8 (a text of 24 to 47 letters: at least 1). Measured
(tests/test_readers_korean.py, the 73 corpus and gold documents encoded in GB18030): no stretch
of 48 has fewer than 7 outside (41 of 48 inside at most; whole documents 25% to 65% inside), and
every one reads back, as does each in Big5 turned traditional; Korean has none outside.
"""
from __future__ import annotations

import codecs
import unicodedata
from collections import deque

import regex

from reform_facts.errors import DocumentError

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Files that are not text at all, by their first bytes: named in the refusal so the user
# knows what to do (a Word file saved under .txt, a scan saved as .md).
_SIGNATURES = (
    (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a zip package such as .docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old binary Office document (.doc, .xls)"),
    (b"{\\rtf", "an RTF document"), (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip archive"), (b"7z\xbc\xaf", "a 7-Zip archive"),
)
# Big5 labels an HTML page may declare; the WHATWG Encoding Standard decodes them all as
# Big5-HKSCS. (gb2312 and gbk labels need nothing: GB18030 is tried anyway and decodes both.)
_BIG5_LABELS = {"big5", "big5hkscs", "cp950", "xxbig5", "csbig5"}
_PRIVATE_USE = regex.compile(r"[\p{Co}]")
# The common characters, from the codecs' own tables: GB 2312 level 1 (rows B0-D7) and Big5
# level 1 (A440-C67E), the most frequent simplified and traditional characters.
_GB2312_LEVEL1 = frozenset(bytes([lead, trail]).decode("gb2312") for lead in range(0xB0, 0xD8)
                           for trail in range(0xA1, 0xFF) if (lead, trail) < (0xD7, 0xFA))
_BIG5_LEVEL1 = frozenset(bytes([lead, trail]).decode("big5") for lead in range(0xA4, 0xC7)
                         for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)) if (lead, trail) <= (0xC6, 0x7E))
_PINYIN = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙǕǗǙǛÜ")
COMMON_LETTERS = _GB2312_LEVEL1 | _BIG5_LEVEL1 | _PINYIN
PLAUSIBLE_WINDOW = 24  # letters: a line of text, or a short tail in a wrong encoding
PLAUSIBLE_SHARE = 0.7
_MIN_JUDGED = 12  # a text with fewer letters is too short to judge
# GB 2312 rows B0–C8: where EUC-KR keeps its Hangul, so all that Korean read as GB18030 gives.
_KOREAN_ROWS = frozenset(bytes([lead, trail]).decode("gb2312") for lead in range(0xB0, 0xC9)
                         for trail in range(0xA1, 0xFF))
SPREAD_WINDOW = 48  # non-ASCII letters
SPREAD_OUTSIDE = 2  # at least this many of them outside _KOREAN_ROWS (1 in a text of 24 to 47)
_CHARSET = regex.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", regex.IGNORECASE)


def sniff(raw: bytes) -> str | None:
    """What a non-text file is, judged by its first bytes; None when it may be text.

    >>> sniff(b"%PDF-1.7 ...")
    'a PDF document'
    >>> sniff("医改".encode()) is None
    True
    """
    for signature, kind in _SIGNATURES:
        if raw.startswith(signature):
            return kind
    return None


def check_text(raw: bytes, *, path: str) -> None:
    """Refuse bytes that are not a text file: a known binary format, or NUL bytes.

    A NUL byte never occurs in UTF-8 or GB18030 text; UTF-16/32 (with a BOM) are exempt.
    """
    kind = sniff(raw)
    if kind is not None:
        raise DocumentError(f"{path}: binary content ({kind}), not text")
    if _bom(raw) is None:
        nul = raw.find(b"\x00")
        if nul >= 0:
            guess = utf16_without_bom(raw)
            if guess:
                raise DocumentError(f"{path}: {guess} text without a byte-order mark; save it as UTF-8, "
                                    f"or with a BOM")
            raise DocumentError(f"{path}: binary content, not text (NUL byte at byte offset {nul})")


def declared_charset(raw: bytes) -> str | None:
    """The charset an HTML page declares in its first 1024 bytes, as the WHATWG prescan reads it.

    >>> declared_charset(b'<html><head><meta charset="GB2312">')
    'GB2312'
    """
    match = _CHARSET.search(raw[:1024])
    return match.group(1).decode("ascii") if match else None


def decode(raw: bytes, *, path: str, declared: str | None = None) -> str:
    """Decode text bytes: a BOM decides; else UTF-8; else GB18030 (a superset of GBK and
    GB2312), or Big5 where the page declares it or GB18030 gives private-use characters.
    Raises DocumentError naming the file and the byte offset of the first bad byte, or the
    character offset where the decoded text stops being plausible (`check_plausible`).

    >>> decode("2023年,重庆市基层诊疗占比56.32%".encode("gb18030"), path="x.txt")
    '2023年,重庆市基层诊疗占比56.32%'
    >>> decode(codecs.BOM_UTF16_LE + "医改".encode("utf-16-le"), path="x.txt")
    '医改'
    """
    text, encoding = _decode(raw, path=path, declared=declared)
    check_plausible(text, path=path, encoding=encoding, raw=raw)
    if encoding == "GB18030":
        check_spread(text, path=path)
    return text


def _decode(raw: bytes, *, path: str, declared: str | None) -> tuple[str, str]:
    bom = _bom(raw)
    if bom is not None:
        mark, encoding = bom
        return _strict(raw, encoding, path, skip=len(mark)), encoding.upper()
    # UTF-8 before any declaration: pages re-saved as UTF-8 often keep their old
    # <meta charset=gb2312>, while GB or Big5 bytes that happen to be valid UTF-8 do not occur.
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as error:
        utf8_error = error
    if _mostly_utf8(raw):
        raise DocumentError(f"{path}: invalid UTF-8 byte 0x{raw[utf8_error.start]:02X} at byte offset "
                            f"{utf8_error.start} (the rest of the file is UTF-8)")
    if (declared or "").lower().replace("-", "").replace("_", "") in _BIG5_LABELS:
        try:
            return raw.decode("big5hkscs"), "Big5"
        except UnicodeDecodeError:
            pass  # a wrong declaration is common: detect instead
    return _gb_or_big5(raw, path, utf8_error)


def check_plausible(text: str, *, path: str, encoding: str = "", raw: bytes = b"") -> None:
    """Refuse decoded text that is not plausibly Chinese or Latin-script text: a stretch of
    PLAUSIBLE_WINDOW letters of which fewer than PLAUSIBLE_SHARE are common letters.

    >>> check_plausible("全市基层诊疗量占比达65%以上，县域内就诊率达到90%", path="x.txt")
    >>> check_plausible("医療費の動向を公表しました。".encode("shift_jis").decode("gb18030") * 3, path="x.txt")
    Traceback (most recent call last):
    reform_facts.errors.DocumentError: x.txt: not plausible text...
    """
    window: deque[tuple[bool, int]] = deque()
    common = judged = 0
    for offset, char in enumerate(text):
        verdict = _verdict(char)
        if verdict is None:
            continue
        judged += 1
        window.append((verdict, offset))
        common += verdict
        if len(window) > PLAUSIBLE_WINDOW:
            common -= window.popleft()[0]
        if len(window) == PLAUSIBLE_WINDOW and common < PLAUSIBLE_SHARE * PLAUSIBLE_WINDOW:
            break
    else:
        if judged >= PLAUSIBLE_WINDOW or judged < _MIN_JUDGED or common >= PLAUSIBLE_SHARE * judged:
            return
    raise DocumentError(
        f"{path}: not plausible text{' as ' + encoding if encoding else ''}: from character offset "
        f"{window[0][1]}, only {common} of {len(window)} letters are common Chinese or Latin letters"
        f"{_hint(raw)} (a wrong encoding? save it as UTF-8)")


def check_spread(text: str, *, path: str) -> None:
    """Refuse text read as GB18030 whose letters never leave GB 2312 rows B0–C8, the rows of
    EUC-KR's Hangul: Korean, not Chinese (fewer than SPREAD_OUTSIDE of SPREAD_WINDOW non-ASCII
    letters outside them; a text of fewer than 24 is not judged).

    >>> check_spread("全市基层诊疗量占比达65%以上，县域内就诊率达到90%，家庭医生签约服务覆盖率", path="x.txt")
    >>> check_spread("보건복지부는 국민의료비가 전년 대비 증가했다고 발표했습니다".encode("euc-kr").decode("gb18030"),
    ...              path="x.txt")
    Traceback (most recent call last):
    reform_facts.errors.DocumentError: x.txt: not Chinese: Korean (EUC-KR) read as GB18030...
    """
    window: deque[tuple[bool, int]] = deque()
    outside = 0
    for offset, char in enumerate(text):
        if char.isascii() or not char.isalpha():
            continue
        window.append((char not in _KOREAN_ROWS, offset))
        outside += window[-1][0]
        if len(window) > SPREAD_WINDOW:
            outside -= window.popleft()[0]
        if len(window) == SPREAD_WINDOW and outside < SPREAD_OUTSIDE:
            break
    else:
        if len(window) < PLAUSIBLE_WINDOW or outside >= 1:
            return
    raise DocumentError(
        f"{path}: not Chinese: Korean (EUC-KR) read as GB18030? From character offset {window[0][1]}, "
        f"{len(window) - outside} of {len(window)} letters are in the rows of GB 2312 that EUC-KR uses "
        f"for Hangul (save it as UTF-8)")


def _verdict(char: str) -> bool | None:
    """True for a common letter, False for a rare letter or a stray control, private-use or
    unassigned character, None for what is not judged (digits, punctuation, spaces)."""
    if char.isascii():
        return True if char.isalpha() else (False if char < " " and char not in "\t\n\r\f\v" else None)
    if char.isalpha():
        return char in COMMON_LETTERS
    if char == "\ufffd" or unicodedata.category(char) in ("Cc", "Co", "Cn"):
        return False
    return None


def _hint(raw: bytes) -> str:
    """'; it reads as UTF-16-LE without a byte-order mark' when it does, else ''."""
    guess = utf16_without_bom(raw)
    return f"; it reads as {guess} text without a byte-order mark" if guess else ""


def utf16_without_bom(raw: bytes) -> str | None:
    """The UTF-32 or UTF-16 form of bytes without a BOM, when read in it their start is plainly
    text (nine in ten judged characters common letters); None when no form reads so. Tried
    only on bytes that are not text otherwise (NUL bytes, undecodable, implausible).

    >>> utf16_without_bom("基层诊疗 65%".encode("utf-16-be"))
    'UTF-16-BE'
    >>> utf16_without_bom(b"\\x00\\x01\\x02\\xff" * 100) is None
    True
    """
    head = raw[:4096]
    for encoding in ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
        text = head.decode(encoding, errors="replace")  # a cut pair at the end is one U+FFFD
        judged = [(char, v) for char, v in zip(text, map(_verdict, text)) if v is not None]
        common = sum(v for _, v in judged)
        varied = len({char for char, _ in judged}) >= 4  # a repeated byte pattern is not text
        if varied and len(judged) >= min(_MIN_JUDGED, len(text) // 2) and common >= 0.9 * len(judged):
            return encoding.upper()
    return None


def _bom(raw: bytes) -> tuple[bytes, str] | None:
    for mark, encoding in _BOMS:
        if raw.startswith(mark):
            return mark, encoding
    return None


def _strict(raw: bytes, encoding: str, path: str, *, skip: int) -> str:
    try:
        return raw[skip:].decode(encoding)
    except UnicodeDecodeError as error:
        raise DocumentError(f"{path}: invalid {encoding.upper()} (it starts with that byte-order mark) "
                            f"at byte offset {error.start + skip}") from None


def _mostly_utf8(raw: bytes) -> bool:
    """More valid multi-byte UTF-8 characters than invalid bytes: a UTF-8 file with damage.

    GB18030 text read as UTF-8 gives about two invalid bytes per character and only a few
    valid ones by chance, so it never passes; a UTF-8 file with a stray byte always does.
    """
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad  # non-ASCII, decoded
    return good > bad


def _gb_or_big5(raw: bytes, path: str, utf8_error: UnicodeDecodeError) -> tuple[str, str]:
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as gb_error:
        raise DocumentError(
            f"{path}: undecodable: not UTF-8 (byte 0x{raw[utf8_error.start]:02X} at byte offset "
            f"{utf8_error.start}) nor GB18030 (byte 0x{raw[gb_error.start]:02X} at byte offset "
            f"{gb_error.start}){_hint(raw)}") from None
    # Big5 bytes are nearly always valid GBK, but its punctuation (，。、 are A1xx in Big5) lands
    # in GB18030's private-use area, which Chinese government text does not use.
    if _PRIVATE_USE.search(text):
        try:
            return raw.decode("big5hkscs"), "Big5"
        except UnicodeDecodeError:
            pass
    return text, "GB18030"
