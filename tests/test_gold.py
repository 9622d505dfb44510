"""The gold set is valid, and each check of validate_gold catches what it is for."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Claim, Document, QuantityType
from reform_facts.errors import GoldError
from reform_facts.gold import (dump_gold, gold_files, load_gold, span_numbers, to_gold_record,
                               validate_gold, write_gold)

TEXT = ("宜昌市搭建“1+6+N”数智服务体系，联通全市2937家医疗卫生机构服务数据，"
        "减少检查费用2740万元。力争基层诊疗量占比达九成，每个县至少建设 1-2 个基层名中医传承工作室。")
DOC = Document.from_text(TEXT, doc_id="d")


def record(fragment: str, **fields: Any) -> dict[str, Any]:
    start = TEXT.index(fragment)
    claim = Claim.at(DOC, start, start + len(fragment), **fields)
    return to_gold_record(claim)


def good_records() -> list[dict[str, Any]]:
    return [
        record("2937家", value=2937, unit="家", quantity_type="count", indicator="医疗卫生机构",
               region="宜昌市", region_code="420500"),
        record("2740万元", value=27400000, unit="元", quantity_type="money",
               indicator="检查费用", note="a note"),
        record("九成", value=90, unit="%", quantity_type="percentage", kind="target"),
        record("1-2 个", value=1, value_max=2, unit="个", quantity_type="count", kind="target"),
    ]


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    gold, corpus = tmp_path / "gold", tmp_path / "corpus"
    gold.mkdir()
    corpus.mkdir()
    (corpus / "d.txt").write_bytes(TEXT.encode("utf-8"))
    return gold, corpus


def write_lines(gold: Path, lines: list[dict[str, Any] | str], name: str = "d") -> Path:
    path = gold / f"{name}.jsonl"
    texts = [line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
             for line in lines]
    path.write_text("".join(text + "\n" for text in texts), encoding="utf-8")
    return path


def problems_with(folders: tuple[Path, Path], line: dict[str, Any] | str) -> list[str]:
    """Problems of a file of the good records with `line` put second."""
    gold, corpus = folders
    records: list[dict[str, Any] | str] = list(good_records())
    records.insert(1, line)
    write_lines(gold, records)
    return validate_gold(gold, corpus)


def test_the_gold_set_is_valid() -> None:
    problems = validate_gold(ROOT / "gold", ROOT / "corpus")
    assert not problems, "gold problems:\n" + "\n".join(problems)


def test_the_gold_set_loads_and_writes_back_unchanged() -> None:
    gold = load_gold(ROOT / "gold")
    assert sorted(gold) == [path.stem for path in gold_files(ROOT / "gold")]
    assert all(path.parent == ROOT / "gold" for path in gold_files(ROOT / "gold"))  # not gold/second/
    for path in gold_files(ROOT / "gold"):
        assert dump_gold(gold[path.stem]) == path.read_text(encoding="utf-8"), path.name


def test_a_good_file_has_no_problems(folders: tuple[Path, Path]) -> None:
    gold, corpus = folders
    write_lines(gold, list(good_records()))
    assert validate_gold(gold, corpus) == []
    assert [c.text for c in load_gold(gold)["d"]] == ["2937家", "2740万元", "九成", "1-2 个"]


def test_subfolders_are_skipped(folders: tuple[Path, Path]) -> None:
    gold, corpus = folders
    (gold / "second").mkdir()
    write_lines(gold / "second", ["{broken"])
    write_lines(gold, list(good_records()))
    assert validate_gold(gold, corpus) == [] and list(load_gold(gold)) == ["d"]


def test_write_gold_round_trips(folders: tuple[Path, Path]) -> None:
    gold, _ = folders
    path = write_lines(gold, list(good_records()))
    claims = load_gold(gold)["d"]
    write_gold(gold / "copy.jsonl", claims)
    assert (gold / "copy.jsonl").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("line", "expected"), [
    ("{not json", "d.jsonl:2: not JSON"),
    ("[1, 2]", "d.jsonl:2: not a JSON object"),
    (record("2937家", value=2937, unit="家", quantity_type="count") | {"source": "x"},
     "d.jsonl:2: unknown fields ['source']"),
    (record("2937家", value=2937, unit="家", quantity_type="count") | {"unit": "元"},
     "d.jsonl:2: d[23:28] '2937家': unit '元' is not a count unit"),
    ({k: v for k, v in record("2937家", value=2937, unit="家", quantity_type="count").items()
      if k != "value"}, "d.jsonl:2: "),
    (record("2937家", value=2937, unit="家", quantity_type="count") | {"doc_id": "e"},
     "d.jsonl:2: doc_id 'e' is not the file's 'd'"),
])
def test_a_line_that_is_not_a_claim(folders: tuple[Path, Path], line: Any, expected: str) -> None:
    problems = problems_with(folders, line if isinstance(line, str) else dict(line))
    assert len(problems) == 1 and expected in problems[0], problems


def test_a_missing_document(folders: tuple[Path, Path]) -> None:
    gold, corpus = folders
    write_lines(gold, [good_records()[0] | {"doc_id": "nowhere"}], name="nowhere")
    problems = validate_gold(gold, corpus)
    assert len(problems) == 1 and "no document nowhere " in problems[0], problems


def test_text_not_the_documents(folders: tuple[Path, Path]) -> None:
    start = TEXT.index("2937家")
    gold, corpus = folders
    write_lines(gold, [good_records()[0] | {"start": start - 1, "end": start + 4}])
    problems = validate_gold(gold, corpus)
    assert problems == [f"{gold / 'd.jsonl'}:1: text '2937家' is not the document's '市2937' "
                        f"at [{start - 1}:{start + 4}]"]


def test_overlapping_spans(folders: tuple[Path, Path]) -> None:
    start = TEXT.index("2740万元")
    inner = record("2740万", value=27400000, unit="元", quantity_type="money")
    assert inner["start"] == start
    problems = problems_with(folders, inner)
    assert len(problems) == 1 and "d.jsonl:3: span" in problems[0], problems
    assert "overlaps line 2's" in problems[0]


def test_indicator_not_verbatim(folders: tuple[Path, Path]) -> None:
    problems = problems_with(folders, good_records()[0] | {"indicator": "医疗机构"})
    assert any("d.jsonl:2: indicator '医疗机构' is not verbatim" in p for p in problems), problems


@pytest.mark.parametrize("change", [
    {"value": 2740},  # scale 万 forgotten
    {"value": 2740000},  # wrong scale
])
def test_value_inconsistent_with_the_span(folders: tuple[Path, Path],
                                          change: dict[str, Any]) -> None:
    money = record("2740万元", value=27400000, unit="元", quantity_type="money")
    gold, corpus = folders
    write_lines(gold, [money | change])
    problems = validate_gold(gold, corpus)
    assert len(problems) == 1 and "d.jsonl:1: value" in problems[0], problems


def test_range_value_max_inconsistent(folders: tuple[Path, Path]) -> None:
    gold, corpus = folders
    write_lines(gold, [good_records()[3] | {"value_max": None}])
    problems = validate_gold(gold, corpus)
    assert len(problems) == 1 and "reads 1 to 2" in problems[0], problems


def test_region_code_unknown(folders: tuple[Path, Path]) -> None:
    gold, corpus = folders
    write_lines(gold, [good_records()[0] | {"region_code": "420599"}])
    problems = validate_gold(gold, corpus)
    assert len(problems) == 1 and "region_code 420599" in problems[0], problems
    for code in ("100000", "660000"):  # 全国 and 兵团 are not in the division data
        write_lines(gold, [good_records()[0] | {"region_code": code}])
        assert validate_gold(gold, corpus) == []


def test_load_gold_names_file_and_line(folders: tuple[Path, Path]) -> None:
    gold, _ = folders
    write_lines(gold, [good_records()[0], "{oops"])
    with pytest.raises(GoldError, match=r"d\.jsonl:2: not JSON"):
        load_gold(gold)


@pytest.mark.parametrize(("text", "quantity_type", "unit", "expected"), [
    ("8.7万人次", QuantityType.COUNT, "人次", [87000.0]),
    ("１２．５％", QuantityType.PERCENTAGE, "%", [12.5]),
    ("96\n.5%", QuantityType.PERCENTAGE, "%", [96.5]),
    ("8成", QuantityType.PERCENTAGE, "%", [80.0]),
    ("1.2万亿元", QuantityType.MONEY, "元", [1.2e12]),
    ("3百万元", QuantityType.MONEY, "元", [3e6]),
    ("15.1/10万", QuantityType.RATE, "/10万", [15.1]),
    ("15.1／10万", QuantityType.RATE, "/10万", [15.1]),  # units.yaml spells /10万 full-width too
    ("5∶3∶2", QuantityType.RATIO, "ratio", None),
    ("百万", QuantityType.COUNT, "个", None),
])
def test_span_numbers(text: str, quantity_type: QuantityType, unit: str,
                      expected: list[float] | None) -> None:
    assert span_numbers(text, quantity_type, unit) == expected


def test_a_file_that_is_not_utf8(folders: tuple[Path, Path]) -> None:
    gold, corpus = folders
    (gold / "d.jsonl").write_bytes("{}".encode("gb18030") + "\n宜昌".encode("gb18030"))
    problems = validate_gold(gold, corpus)
    assert len(problems) == 1 and "d.jsonl:1: not UTF-8" in problems[0], problems


def test_a_line_separator_inside_a_note_stays_in_its_line(folders: tuple[Path, Path]) -> None:
    gold, corpus = folders
    write_lines(gold, [good_records()[0] | {"note": "a\u2028b"}])
    assert validate_gold(gold, corpus) == []
    assert load_gold(gold)["d"][0].note == "a\u2028b"
