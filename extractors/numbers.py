"""Read the numbers of a quantity span: Arabic, full-width, Chinese numerals, with scales."""
from __future__ import annotations

import unicodedata

import cn2an

_CN_LEADING_UNIT = ("十", "百", "千")
# what may stand inside a number without changing it: line breaks of conversion, thousands
# separators (NFKC has made thin and no-break spaces plain spaces)
_SEPARATORS = frozenset("\n, ")


def is_chinese_numeral(text: str) -> bool:
    """True when the number is written in Chinese numerals.

    >>> is_chinese_numeral("九"), is_chinese_numeral("96\\n.5")
    (True, False)
    """
    # str.isdigit is unicodedata.digit's "has a digit value" (Numeric_Type Digit or Decimal)
    return bool(text) and not any(map(str.isdigit, text))


def parse_number(text: str, scale: float = 1.0) -> float:
    """The value of a written number, times its scale factor.

    Line breaks left inside a number by conversion are ignored, as are thousands commas.

    >>> parse_number("1.5", 10000)
    15000.0
    >>> parse_number("９６\\n.５")
    96.5
    >>> parse_number("百", 10000)
    1000000.0
    >>> parse_number("7\u202f721.4", 10000), parse_number("12\u200b34")
    (77214000.0, 1234.0)
    >>> parse_number("二十十三")  # cn2an's KeyError, read as what it means
    Traceback (most recent call last):
    ValueError: not a number in Chinese numerals: '二十十三'
    """
    cleaned = "".join(ch for ch in unicodedata.normalize("NFKC", text)
                      if ch not in _SEPARATORS and unicodedata.category(ch) not in ("Cf", "Mn"))
    if is_chinese_numeral(cleaned):
        if cleaned.startswith(_CN_LEADING_UNIT):
            cleaned = "一" + cleaned  # cn2an reads 一百 but not 百
        try:
            number = float(cn2an.cn2an(cleaned, "normal"))
        except (ValueError, KeyError, IndexError) as error:  # cn2an's ways of saying "no number"
            raise ValueError(f"not a number in Chinese numerals: {text!r}") from error
    else:
        number = float(cleaned)
    return number * scale
