"""The one claim model of docs/claims.md, and the document it points into.

Every stage uses these types: extractors return `Claim`s, the gold set loads into them, the
scorer compares them, the warehouse stores them and the CLI prints them.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from reform_facts import vocabulary
from reform_facts.errors import ClaimError
from reform_facts.tables import Table


class QuantityType(StrEnum):
    PERCENTAGE = "percentage"
    PERCENTAGE_POINT = "percentage_point"
    MONEY = "money"
    COUNT = "count"
    MULTIPLE = "multiple"
    RATIO = "ratio"
    RATE = "rate"
    MEASURE = "measure"


class Comparator(StrEnum):
    EQ = "="
    APPROX = "~"
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="


class Kind(StrEnum):
    ACTUAL = "actual"
    TARGET = "target"


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """A document as the project stores it: offsets of every claim refer to `text`."""

    doc_id: str
    path: str
    sha256: str
    text: str
    title: str | None = None
    year: int | None = None
    region: str | None = None
    region_code: str | None = None
    # the tables its reader found in the file's structure (HTML <table>, Word tables), cells as
    # spans of `text`: reform_facts.tables.tables_of adds those found in the rest of the text
    tables: tuple[Table, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def from_text(cls, text: str, *, doc_id: str, path: str = "", raw: bytes | None = None,
                  **stated: Any) -> Document:
        """Build a document from decoded text; the hash is of the raw bytes when given.

        >>> doc = Document.from_text("三明市深化医药卫生体制改革实施方案", doc_id="d")
        >>> doc.sha256 == hashlib.sha256("三明市深化医药卫生体制改革实施方案".encode()).hexdigest()
        True
        """
        digest = hashlib.sha256(raw if raw is not None else text.encode("utf-8")).hexdigest()
        return cls(doc_id=doc_id, path=path, sha256=digest, text=text, **stated)

    @property
    def name(self) -> str:
        return Path(self.path).name if self.path else self.doc_id


# Fields a claim carries in the contract's order; gold-only and extractor-only ones after.
CONTRACT_FIELDS = (
    "doc_id", "start", "end", "text", "value", "value_max", "unit", "quantity_type",
    "comparator", "indicator", "region", "region_code", "year", "kind",
)
EXTRACTOR_FIELDS = ("extractor", "confidence", "sentence")
GOLD_FIELDS = ("optional", "note")
PROVENANCE_FIELDS = ("rule_id",)  # the rule that produced a claim: kept in the warehouse


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """One numeric claim: a span of a document and what it asserts."""

    doc_id: str
    start: int
    end: int
    text: str
    value: float | None
    unit: str
    quantity_type: QuantityType
    comparator: Comparator = Comparator.EQ
    value_max: float | None = None
    indicator: str | None = None
    region: str | None = None
    region_code: str | None = None
    year: int | None = None
    kind: Kind = Kind.ACTUAL
    # extractor output
    extractor: str | None = None
    confidence: float | None = None
    sentence: str | None = None
    rule_id: str | None = None
    # gold only
    optional: bool = False
    note: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # strings (gold files, records) become members; extractors already pass members
        if type(self.quantity_type) is not QuantityType:
            object.__setattr__(self, "quantity_type", QuantityType(self.quantity_type))
        if type(self.comparator) is not Comparator:
            object.__setattr__(self, "comparator", Comparator(self.comparator))
        if type(self.kind) is not Kind:
            object.__setattr__(self, "kind", Kind(self.kind))
        problem = self._problem()
        if problem:  # the message is built only for a bad claim: this runs for every claim made
            raise ClaimError(f"{self.doc_id}[{self.start}:{self.end}] {self.text!r}: {problem}")

    def _problem(self) -> str | None:
        """What is wrong with this claim's fields, or None."""
        if not (0 <= self.start < self.end) or self.end - self.start != len(self.text):
            return "span does not match its text"
        if not vocabulary.unit_allowed(self.quantity_type, self.unit):
            return f"unit {self.unit!r} is not a {self.quantity_type} unit"
        for name in ("value", "value_max"):
            number = getattr(self, name)
            if number is not None and not math.isfinite(number):
                return f"{name} is not a finite number"
        if (self.value is None) != (self.quantity_type is QuantityType.RATIO):
            return "value must be null exactly for a ratio"
        if self.region_code is not None and not (len(self.region_code) == 6 and self.region_code.isdigit()):
            return f"region_code {self.region_code!r} is not six digits"
        if self.confidence is not None and not 0 <= self.confidence <= 1:
            return f"confidence {self.confidence} outside 0..1"
        return None

    @classmethod
    def at(cls, doc: Document, start: int, end: int, **values: Any) -> Claim:
        """A claim over `doc.text[start:end]`, its text taken from the document.

        >>> doc = Document.from_text("签约覆盖率50.28%", doc_id="d")
        >>> Claim.at(doc, 5, 11, value=50.28, unit="%", quantity_type="percentage").text
        '50.28%'
        """
        return cls(doc_id=doc.doc_id, start=start, end=end, text=doc.text[start:end], **values)

    def check_against(self, text: str) -> None:
        """Raise unless the claim's span is the given document text's slice."""
        if text[self.start:self.end] != self.text:
            raise ClaimError(f"{self.doc_id}[{self.start}:{self.end}]: text {self.text!r} "
                             f"is not the document's {text[self.start:self.end]!r}")

    def with_(self, **changes: Any) -> Claim:
        return replace(self, **changes)

    def to_record(self, *, keys: tuple[str, ...] = CONTRACT_FIELDS + EXTRACTOR_FIELDS + PROVENANCE_FIELDS
                  ) -> dict[str, Any]:
        """The claim as a plain dict of JSON types, keys in the contract's order."""
        record = asdict(self)
        return {key: (str(record[key]) if isinstance(record[key], StrEnum) else record[key])
                for key in keys}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Claim:
        known = {f.name for f in fields(cls)}
        unknown = set(record) - known
        if unknown:
            raise ClaimError(f"unknown claim fields: {sorted(unknown)}")
        return cls(**record)


def values_equal(a: float | None, b: float | None) -> bool:
    """Equal within a relative 1e-6; both None are equal, one None is not. Zero is not divided
    by: 0 equals 0 (and, for float noise, anything within 1e-12 of it), nothing else.

    >>> values_equal(2740e4, 27400000.01), values_equal(0, 0.0), values_equal(0, 1e-3)
    (True, True, False)
    """
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


_LINE_BREAK = re.compile(r"[ \t\u3000]*\n[ \t\u3000]*")


def one_line(phrase: str) -> str:
    """A phrase of the text (an indicator) with the line breaks inside it taken out: a line broken
    mid-phrase is conversion debris, and the phrase is read, and labelled, as one.

    >>> one_line("每千常住人口执业\\n(助理)医师")
    '每千常住人口执业(助理)医师'
    """
    return _LINE_BREAK.sub("", phrase) if "\n" in phrase else phrase
