"""The gold set: gold/<doc_id>.jsonl files of claims, loaded, validated and written back.

`validate_gold` runs the checks of gold/GUIDELINES.md that a program can make; every problem
names the file and the line.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reform_facts.claim import CONTRACT_FIELDS, GOLD_FIELDS, Claim, QuantityType, values_equal
from reform_facts.divisions import by_code
from reform_facts.errors import GoldError
from reform_facts.rulebook import Rulebook, load_rulebook

GOLD_KEYS = CONTRACT_FIELDS + GOLD_FIELDS
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")

SPLITS = ("dev", "test")


def gold_files(directory: Path | str, split: str | None = None) -> list[Path]:
    """The gold files directly in `directory` (subfolders such as gold/second are skipped), all of
    them or those of one split (`split_of`)."""
    files = sorted(path for path in Path(directory).glob("*.jsonl") if path.is_file())
    return [path for path in files if split is None or split_of(path.stem, directory) == split]


@cache
def _test_numbers(directory: Path) -> frozenset[str]:
    path = directory / "split.json"
    return frozenset(json.loads(path.read_text(encoding="utf-8"))["test"]) if path.is_file() else frozenset()


def genre_of(doc_id: str, directory: Path | str) -> str:
    """The genre gold/SOURCES.tsv gives a written document ("bundled" for those of corpus/, which
    it does not list)."""
    return _genres(Path(directory).resolve()).get(doc_id, "bundled")


@cache
def _genres(directory: Path) -> dict[str, str]:
    path = directory / "SOURCES.tsv"
    if not path.is_file():
        return {}
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    return {row[0]: row[3] for row in rows if len(row) > 3}


def split_of(doc_id: str, directory: Path | str) -> str:
    """"test" for the documents of the sealed test split (gold/split.json names them by their number),
    "dev" for every other, the bundled documents of corpus/ included."""
    return "test" if doc_id[:3] in _test_numbers(Path(directory).resolve()) else "dev"


def document_path(doc_id: str, *, gold_dir: Path | str, corpus_dir: Path | str) -> Path:
    """Where a gold document's text is: gold/documents/ (the written ones) or corpus/ (the bundled ones)."""
    for folder in (Path(gold_dir) / "documents", Path(corpus_dir)):
        for suffix in (".txt", ".md"):
            if (folder / f"{doc_id}{suffix}").is_file():
                return folder / f"{doc_id}{suffix}"
    raise GoldError(f"{doc_id}: no document in {Path(gold_dir) / 'documents'} or {corpus_dir}")


def _read(path: Path) -> str:
    """A file's bytes decoded as UTF-8, unchanged (no newline translation)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise GoldError(f"{path}:1: not UTF-8: {error}") from error


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    # split at "\n" only: str.splitlines would also cut at U+2028 inside a JSON string
    for number, line in enumerate(_read(path).split("\n"), start=1):
        if line.strip():
            yield number, line


def _claim(path: Path, number: int, line: str) -> Claim:
    """One line as a claim, or a GoldError naming the file and the line."""
    where = f"{path}:{number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise GoldError(f"{where}: not JSON: {error}") from error
    if not isinstance(record, dict):
        raise GoldError(f"{where}: not a JSON object")
    unknown = sorted(set(record) - set(GOLD_KEYS))
    if unknown:
        raise GoldError(f"{where}: unknown fields {unknown}")
    if record.get("doc_id") != path.stem:
        raise GoldError(f"{where}: doc_id {record.get('doc_id')!r} is not the file's {path.stem!r}")
    try:
        return Claim.from_record(record)
    except (ValueError, TypeError) as error:  # ClaimError is a ValueError; TypeError: missing
        raise GoldError(f"{where}: {error}") from error


def load_file(path: Path | str) -> list[Claim]:
    path = Path(path)
    return [_claim(path, number, line) for number, line in _lines(path)]


def load_gold(directory: Path | str) -> dict[str, list[Claim]]:
    """Claims per doc_id from the files directly in `directory`; GoldError on a bad line.

    >>> from reform_facts import paths
    >>> gold = load_gold(paths.GOLD_DIR)
    >>> all(claim.doc_id == doc_id for doc_id, claims in gold.items() for claim in claims)
    True
    """
    return {path.stem: load_file(path) for path in gold_files(directory)}


def _number(value: float | None) -> float | int | None:
    """Integral values as ints, as the files write them (27400000, not 27400000.0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def to_gold_record(claim: Claim) -> dict[str, Any]:
    """A claim as a gold line's object: the files' key order, `note` only when there is one."""
    record = claim.to_record(keys=GOLD_KEYS)
    record["value"], record["value_max"] = _number(claim.value), _number(claim.value_max)
    if record["note"] is None:
        del record["note"]
    return record


def dump_gold(claims: Iterable[Claim]) -> str:
    """Claims as JSONL text, one object a line, non-ASCII unescaped.

    >>> from reform_facts.claim import Document
    >>> doc = Document.from_text("累计节约费用7721.4万元", doc_id="d")
    >>> claim = Claim.at(doc, 6, 14, value=77214000.0, unit="元", quantity_type="money")
    >>> dump_gold([claim]).split(", ")[:5]
    ['{"doc_id": "d"', '"start": 6', '"end": 14', '"text": "7721.4万元"', '"value": 77214000']
    """
    return "".join(json.dumps(to_gold_record(claim), ensure_ascii=False) + "\n"
                   for claim in claims)


def write_gold(path: Path | str, claims: Iterable[Claim]) -> None:
    """Write claims to one gold file, in the order given."""
    Path(path).write_text(dump_gold(claims), encoding="utf-8")


# ---------------------------------------------------------------- validation

@cache
def _rules() -> Rulebook:
    """rules/, whose scales, units and region additions the checks read the spans through."""
    return load_rulebook()


@cache
def known_region_codes() -> frozenset[str]:
    """Codes of the administrative-division data, plus the additions of rules/regions.yaml
    (100000 全国, 660000 兵团)."""
    return frozenset(by_code(_rules().regions))


@dataclass(frozen=True)
class _SpanRules:
    """What `span_numbers` reads from rules/."""

    scales: tuple[tuple[str, float], ...]  # surface and factor, longest first: 万亿 is not 亿
    factors: dict[str, tuple[tuple[str, float], ...]]  # canonical unit -> surface, factor (成: 10)
    bases: tuple[str, ...]  # surfaces of rate units that hold digits (/10万): no part of a value


@cache
def _span_rules() -> _SpanRules:
    book = _rules()
    factors: dict[str, tuple[tuple[str, float], ...]] = {}
    for unit in book.units.units:
        if unit.factor != 1:
            factors[unit.unit] = factors.get(unit.unit, ()) + tuple((s, unit.factor) for s in unit.surfaces)
    return _SpanRules(
        scales=tuple(sorted(((s.surface, s.factor) for s in book.numbers.scales), key=lambda s: -len(s[0]))),
        factors=factors,
        bases=tuple(sorted({s.translate(_FULL_WIDTH) for unit in book.units.units
                            if unit.quantity_type is QuantityType.RATE
                            for s in unit.surfaces if any(ch.isdigit() for ch in s)}, key=len, reverse=True)))


def header_scales() -> tuple[float, ...]:
    """A table cell's scale comes from its header (`床位数(万张)`, `单位：万元`): its value is the
    cell's number times one of these (no scale, or a scale of rules/numbers.yaml)."""
    return (1.0, *sorted(factor for _surface, factor in _span_rules().scales))


def span_numbers(text: str, quantity_type: QuantityType, unit: str) -> list[float] | None:
    """The value (and upper end) a span's text states, or None when it cannot be read.

    Arabic or full-width digits; whitespace inside is ignored (a line break inside a number
    is conversion debris); a scale in the span applies to every number, as does a unit's factor
    (`成` times ten). Spans without Arabic digits (Chinese numerals) and ratios are not read.

    >>> span_numbers("1.5万个", QuantityType.COUNT, "个")
    [15000.0]
    >>> span_numbers("70%～80%", QuantityType.PERCENTAGE, "%")
    [70.0, 80.0]
    >>> span_numbers("九成", QuantityType.PERCENTAGE, "%") is None
    True
    """
    if quantity_type is QuantityType.RATIO:
        return None
    compact = re.sub(r"\s+", "", text.translate(_FULL_WIDTH)).replace("萬", "万").replace("億", "亿")  # 8.90/10萬
    compact = re.sub(r"(?<=\d),(?=\d{3})", "", compact)
    rules = _span_rules()
    scale = 1.0
    if quantity_type is QuantityType.RATE:
        for base in rules.bases:  # rates are as written: no scale, no /10万
            compact = compact.replace(base, "")
    elif quantity_type is not QuantityType.MEASURE:
        scale = next((factor for mark, factor in rules.scales if mark in compact), 1.0)
    scale *= next((factor for mark, factor in rules.factors.get(unit, ()) if mark in compact), 1.0)
    numbers = [float(found) * scale for found in _NUMBER.findall(compact)]
    return numbers if 1 <= len(numbers) <= 2 else None


# What conversion leaves inside words: whitespace, line breaks and pinyin glosses (`醫(yī)院`).
_DEBRIS = re.compile(r"\s+|[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü ]+[)）]")


def _value_problem(claim: Claim) -> str | None:
    numbers = span_numbers(claim.text, claim.quantity_type, claim.unit)
    if numbers is None:
        return None
    expected_max = numbers[1] if len(numbers) == 2 else None
    sign = -1.0 if claim.text.lstrip()[:1] in ("-", "−", "－") else 1.0
    if any(values_equal(claim.value, sign * numbers[0] * scale)
           and values_equal(claim.value_max, None if expected_max is None else expected_max * scale)
           for scale in header_scales()):
        return None
    return (f"value {claim.value}, value_max {claim.value_max} do not match the span "
            f"{claim.text!r}, which reads {_number(numbers[0])}"
            + ("" if expected_max is None else f" to {_number(expected_max)}"))


def _claim_problems(claim: Claim, doc_text: str | None) -> list[str]:
    """The checks of one claim that need no other line."""
    problems = []
    if doc_text is not None and doc_text[claim.start:claim.end] != claim.text:
        problems.append(f"text {claim.text!r} is not the document's "
                        f"{doc_text[claim.start:claim.end]!r} at [{claim.start}:{claim.end}]")
    if doc_text is not None and claim.indicator is not None and not is_verbatim(claim.indicator, doc_text):
        problems.append(f"indicator {claim.indicator!r} is not verbatim in the document")
    value_problem = _value_problem(claim)
    if value_problem:
        problems.append(value_problem)
    if claim.region_code is not None and claim.region_code not in known_region_codes():
        problems.append(f"region_code {claim.region_code} ({claim.region}) is not in the "
                        "administrative-division data")
    return problems


def is_verbatim(phrase: str, doc_text: str) -> bool:
    """Whether `phrase` is in the document, read through conversion debris (a header split over
    lines, spaced characters, pinyin glosses) as the guideline allows: a header cell wrapped
    over up to three lines of a table is read as its pieces joined."""
    if phrase in doc_text:
        return True
    bare, text = _DEBRIS.sub("", phrase), doc_text.replace("#", "")  # `#医院`: the yearbooks' "of which"
    joined = _DEBRIS.sub("", text)
    if bare in joined:
        return True
    lines = "\n".join(_DEBRIS.sub("", line) for line in text.splitlines())
    return (_in_pieces(bare, lines if len(bare) < 5 else joined, 3)
            or any(bare in header for header in _stacked_headers(text)))  # `注册` over `护士(人)`


def _stacked_headers(text: str) -> set[str]:
    """Header cells of space-aligned tables written over two or three lines in one column
    (`出院` over `人数` over `（人）`), each read as its pieces joined: a word whose display
    columns overlap a word on the line above continues it.

    >>> sorted(_stacked_headers("序号 出院   次均门诊\\n     人数   费用"))
    ['出院', '出院人数', '序号', '次均门诊', '次均门诊费用']
    """
    found: set[str] = set()
    above: list[tuple[int, int, str]] = []
    for line in text.splitlines():
        words = [(_width(line[:m.start()]), _width(line[:m.end()]), m.group()) for m in re.finditer(r"\S+", line)]
        joined = []
        for start, end, word in words:
            heads = [head for a, b, head in above if a < end and start < b]
            joined += [(start, end, head + word) for head in heads[:1]] or [(start, end, word)]
        found.update(word for _, _, word in joined)
        above = joined if len(joined) > 1 else []  # a table row has several cells
    return found


def _width(text: str) -> int:
    """Display columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _in_pieces(phrase: str, text: str, pieces: int) -> bool:
    if phrase in text:
        return True
    # Pieces of at least two characters; a short phrase's first piece must end a line (a header
    # cell wrapped in its column), else 医疗 + 机构 would pass for 医疗机构.
    return pieces > 1 and any(
        (phrase[:cut] + "\n" in text if len(phrase) < 5 else phrase[:cut] in text)
        and _in_pieces(phrase[cut:], text, pieces - 1) for cut in range(2, len(phrase) - 1))


def _overlaps(path: Path, claims: list[tuple[int, Claim]]) -> list[str]:
    """Spans that overlap an earlier-starting one (the one reaching furthest so far)."""
    problems = []
    reach: tuple[int, Claim] | None = None
    for line, claim in sorted(claims, key=lambda item: (item[1].start, item[1].end, item[0])):
        if reach is not None and claim.start < reach[1].end:
            other_line, other = reach
            problems.append(f"{path}:{line}: span [{claim.start}:{claim.end}] {claim.text!r} "
                            f"overlaps line {other_line}'s [{other.start}:{other.end}] "
                            f"{other.text!r}")
        if reach is None or claim.end > reach[1].end:
            reach = (line, claim)
    return problems


def validate_file(path: Path, corpus_dir: Path | str, gold_dir: Path | str | None = None) -> list[str]:
    """Problems of one gold file, each as 'file:line: what'."""
    if gold_dir is None:
        gold_dir = path.parent.parent if path.parent.name == "second" else path.parent
    gold_dir = Path(gold_dir)
    try:  # the document's text as the project stores it: its bytes decoded, unchanged
        doc_text = _read(document_path(path.stem, gold_dir=gold_dir, corpus_dir=corpus_dir))
    except GoldError:
        doc_text = None
    try:
        lines = list(_lines(path))
    except GoldError as error:
        return [str(error)]
    problems = [] if doc_text is not None else [
        f"{path}:1: no document {path.stem} in {gold_dir / 'documents'} or {corpus_dir}"]
    claims: list[tuple[int, Claim]] = []
    for number, line in lines:
        try:
            claim = _claim(path, number, line)
        except GoldError as error:
            problems.append(str(error))
            continue
        claims.append((number, claim))
        problems += [f"{path}:{number}: {problem}" for problem in _claim_problems(claim, doc_text)]
    return problems + _overlaps(path, claims)


def validate_gold(directory: Path | str, corpus_dir: Path | str) -> list[str]:
    """Every problem of the gold files directly in `directory`; empty when the set is valid."""
    return [problem for path in gold_files(directory)
            for problem in validate_file(path, corpus_dir)]


def load_claims(path: Path | str) -> list[Claim]:
    """The claims of one gold file, or of every gold file of a folder."""
    path = Path(path)
    if path.is_dir():
        return [claim for claims in load_gold(path).values() for claim in claims]
    return load_file(path)
