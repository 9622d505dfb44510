"""Korean in EUC-KR is refused, Chinese in GB18030, GBK and Big5 is not (readers/decoding.py,
`check_spread`): EUC-KR's Hangul are GB 2312's rows B0–C8, so Korean read as GB18030 is all
common characters and passes `check_plausible`; only its spread over the rows tells it apart.
"""
from __future__ import annotations

import opencc
import pytest

from reform_facts.claim import Document
from reform_facts.errors import DocumentError
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.readers import Failure, decoding, read_all, read_document
from tests import fixtures_make as fx

# Korean as a health ministry's notice would say it: ordinary prose with figures, none of it
# the battery's sentence.
KOREAN = {
    "notice": "보건복지부는 2023년 국민의료비가 전년 대비 6.5% 증가했다고 발표했습니다. 의료기관 수는 1234개입니다.",
    "insurance": ("건강보험공단에 따르면 지난해 건강보험 보장률은 64.5%로 전년보다 0.3%포인트 올랐다. "
                  "암 등 중증질환의 보장률은 81.3%였으며, 요양병원 입원 환자는 28만 명으로 집계됐다."),
    "hospitals": ("서울시는 공공병원 병상을 2030년까지 3,000개 늘리고, 응급실 이용 대기 시간을 평균 "
                  "15분 이내로 줄이겠다고 밝혔다. 지역 보건소 인력도 20% 확충한다."),
    "short": "의료기관 수는 전년 대비 증가했다고 발표했습니다 병원 수",  # 24 Hangul: just judged
}


def _documents() -> list:
    paths = sorted([*(ROOT / "corpus").iterdir(), *(ROOT / "gold" / "documents").iterdir()])
    assert len(paths) >= 50
    return [read_document(path) for path in paths]


@pytest.mark.parametrize("codec", ["euc-kr", "cp949"])
@pytest.mark.parametrize("name", KOREAN)
def test_korean_is_refused_alone_naming_the_reason(tmp_path, name, codec):
    (tmp_path / "a-korean.txt").write_bytes(KOREAN[name].encode(codec))
    good = fx.write_text(tmp_path / "z-good.txt", fx.corpus_paragraph(fx.SHANXI), encoding="gb18030")
    items = list(read_all([tmp_path]))
    assert [type(item) for item in items] == [Failure, Document], items
    assert "Korean (EUC-KR) read as GB18030" in items[0].reason and items[1].path == str(good)


def test_every_project_document_in_gb18030_and_big5_is_read_with_room_to_spare():
    """The measurement behind SPREAD_OUTSIDE: every corpus and gold document, in GB18030 as it
    is and in Big5 turned traditional, decodes to itself; and in GB18030 every stretch of
    SPREAD_WINDOW letters has at least three times SPREAD_OUTSIDE letters outside rows B0–C8
    (the fewest measured is 7)."""
    to_traditional = opencc.OpenCC("s2t")
    for doc in _documents():
        assert decoding.decode(doc.text.encode("gb18030"), path=doc.path) == doc.text
        outside = [char not in decoding._KOREAN_ROWS for char in doc.text if not char.isascii() and char.isalpha()]
        fewest = min(sum(outside[i:i + decoding.SPREAD_WINDOW])
                     for i in range(max(1, len(outside) - decoding.SPREAD_WINDOW + 1)))
        assert fewest >= 3 * decoding.SPREAD_OUTSIDE, doc.path
        traditional = to_traditional.convert(doc.text).encode("big5hkscs", errors="replace")
        assert decoding.decode(traditional, path=doc.path) == traditional.decode("big5hkscs")


@pytest.mark.parametrize("codec", ["gb18030", "gbk", "gb2312"])
def test_short_chinese_made_only_of_korean_rows_below_the_judged_length_is_read(codec):
    """Fewer than PLAUSIBLE_WINDOW letters are not judged: a title may well sit in rows B0–C8."""
    text = "合计 基层 覆盖 国家 健康改革 病床费"  # 15 letters, all in rows B0–C8
    assert all(char in decoding._KOREAN_ROWS for char in text if char != " ")
    assert decoding.decode(text.encode(codec), path="t.txt") == text


def test_korean_in_utf8_is_refused_as_not_plausible():
    with pytest.raises(DocumentError, match="not plausible text as UTF-8"):
        decoding.decode(KOREAN["insurance"].encode(), path="k.txt")
