"""What the extractors are measured against: the peers a user would reach for, and the floors.

Each entry loads its tool once (outside any timing) and gives two functions: `run`, the call
that is timed (the tool's own call on one document's text, nothing of ours around it), and
`spans`, which turns that call's output into claim-like spans for the accuracy table (after
timing). `handles` is the set of quantity types a tool's output stands for: its precision and
recall are scored on the gold claims of those types only. A tool that is not installed raises
BenchmarkUnavailableError with the fix.
"""
from __future__ import annotations

import contextlib
import importlib.metadata
import io
import logging
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.claim import Claim, QuantityType
from reform_facts.errors import BenchmarkUnavailableError

log = logging.getLogger(__name__)

MONEY = frozenset({QuantityType.MONEY})
PERCENTAGES = frozenset({QuantityType.PERCENTAGE, QuantityType.PERCENTAGE_POINT})
ALL_TYPES = frozenset(QuantityType)
INSTALL_HINT = "run `make bench`, which installs the `bench` extra of pyproject.toml"


@dataclass(frozen=True, slots=True)
class Span:
    """A peer's finding as the scorer needs it: where, and what it says the quantity is."""

    start: int
    end: int
    quantity_type: QuantityType
    unit: str
    value: float | None

    def to_claim(self, doc_id: str, text: str) -> Claim:
        # mention scores look at spans only; a value a peer did not resolve is stored as 0
        return Claim(doc_id=doc_id, start=self.start, end=self.end, text=text[self.start:self.end],
                     value=self.value if self.value is not None else 0.0, unit=self.unit,
                     quantity_type=self.quantity_type, extractor="peer")


@dataclass(frozen=True, slots=True)
class Adapter:
    run: Callable[[str], Any]
    spans: Callable[[str, Any], list[Span]]
    version: str


@dataclass(frozen=True, slots=True)
class Peer:
    name: str
    role: str  # "peer" or "floor"
    what: str
    handles: frozenset[QuantityType] | None  # None: gives no spans (segmentation)
    load: Callable[[], Adapter]
    typed: bool = False  # its spans carry a real quantity type (not just the one it looks for)


def _version(package: str) -> str:
    try:
        return f"{package} {importlib.metadata.version(package)}"
    except importlib.metadata.PackageNotFoundError:
        return package


def _number(text: Any) -> float | None:
    try:
        return float(str(text).rstrip("%"))
    except ValueError:
        return None


# ---------------------------------------------------------------- jionlp

def _jionlp() -> Adapter:
    # jionlp prints a banner and unpacks dictionaries on import: once, here, outside timing
    banner = io.StringIO()
    with contextlib.redirect_stdout(banner):
        import jionlp
    log.debug("jionlp import printed %d characters", len(banner.getvalue()))
    extract = jionlp.ner.extract_money

    def spans(text: str, found: list[dict[str, Any]]) -> list[Span]:
        return [Span(item["offset"][0], item["offset"][1], QuantityType.MONEY, "元",
                     _number((item.get("detail") or {}).get("num"))) for item in found]
    return Adapter(run=extract, spans=spans, version=_version("jionlp"))


# ---------------------------------------------------------------- Recognizers-Text

def _recognizers() -> tuple[Any, Any, Any]:
    try:
        with warnings.catch_warnings():  # its sources trip SyntaxWarnings on first compile
            warnings.simplefilter("ignore")
            from recognizers_number import NumberRecognizer
            from recognizers_number_with_unit import NumberWithUnitRecognizer
            from recognizers_text import Culture
    except ImportError as error:
        raise BenchmarkUnavailableError(
            f"Recognizers-Text is not importable ({error}): {INSTALL_HINT}") from None
    return NumberRecognizer, NumberWithUnitRecognizer, Culture.Chinese


def _recognizer(model: str, quantity_type: QuantityType, unit: str) -> Callable[[], Adapter]:
    def load() -> Adapter:
        numbers, with_unit, chinese = _recognizers()
        recognizer = (with_unit if model == "currency" else numbers)(chinese)
        parse = getattr(recognizer, f"get_{model}_model")().parse

        def spans(text: str, found: list[Any]) -> list[Span]:
            # `end` is inclusive; the text it reports is normalised (5G -> 5g), so the span
            # is taken from the offsets
            return [Span(r.start, r.end + 1, quantity_type, unit,
                         _number((r.resolution or {}).get("value"))) for r in found]
        return Adapter(run=parse, spans=spans, version=_version("recognizers-text-suite"))
    return load


# ---------------------------------------------------------------- floors

@cache
def floor_pattern() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One regular expression for Arabic numbers with an optional scale and a unit, the units
    and scales read from rules/ (the surfaces stay data), and the unit of each surface.

    >>> pattern, units = floor_pattern()
    >>> [m.group() for m in pattern.finditer("签约覆盖率50.28%，节约7721.4万元，2023年")]
    ['50.28%', '7721.4万元']
    >>> units["元"]
    ('元', 'money')
    """
    rules = ROOT / "rules"
    units_data = yaml.safe_load((rules / "units.yaml").read_text(encoding="utf-8"))
    numbers_data = yaml.safe_load((rules / "numbers.yaml").read_text(encoding="utf-8"))
    units = {surface: (entry["unit"], entry["quantity_type"])
             for entry in units_data["units"] for surface in entry["surfaces"]}
    scales = [entry["surface"] for entry in numbers_data["scales"]]

    def alternation(words: list[str]) -> str:
        return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    digits = "[0-9０-９]"
    pattern = (f"{digits}+(?:[.．]{digits}+)?(?:{alternation(scales)})?"
               f"(?P<unit>{alternation(list(units))})")
    return re.compile(pattern), units


def _regex_floor() -> Adapter:
    pattern, units = floor_pattern()

    def run(text: str) -> list[re.Match[str]]:
        return list(pattern.finditer(text))

    def spans(text: str, found: list[re.Match[str]]) -> list[Span]:
        out = []
        for match in found:
            unit, quantity_type = units[match.group("unit")]
            out.append(Span(match.start(), match.end(), QuantityType(quantity_type), unit, None))
        return out
    return Adapter(run=run, spans=spans, version=f"re, {pattern.pattern.count('|') + 1} alternatives")


def _pkuseg_floor() -> Adapter:
    import spacy_pkuseg

    from reform_facts.extractors.models import pkuseg_model_dir

    # as spaCy's Chinese tokenizer builds it: the local model and pkuseg's default user dict
    segmenter = spacy_pkuseg.pkuseg(str(pkuseg_model_dir()), user_dict="default")
    return Adapter(run=segmenter.cut, spans=lambda text, found: [],
                   version=_version("spacy-pkuseg"))


PEERS: dict[str, Peer] = {peer.name: peer for peer in (
    Peer("regex-floor", "floor", "one pass of one compiled `re` pattern: number, scale, unit "
         "(surfaces from rules/)", ALL_TYPES, _regex_floor, typed=True),
    Peer("pkuseg-floor", "floor", "bare spacy-pkuseg segmentation with the local model",
         None, _pkuseg_floor),
    Peer("jionlp-money", "peer", "jionlp `ner.extract_money` (money amounts)", MONEY, _jionlp),
    Peer("rt-number", "peer", "Recognizers-Text Chinese number model", ALL_TYPES,
         _recognizer("number", QuantityType.COUNT, "个")),
    Peer("rt-percentage", "peer", "Recognizers-Text Chinese percentage model", PERCENTAGES,
         _recognizer("percentage", QuantityType.PERCENTAGE, "%")),
    Peer("rt-currency", "peer", "Recognizers-Text Chinese currency model", MONEY,
         _recognizer("currency", QuantityType.MONEY, "元")),
)}
