"""The scorer of docs/claims.md ("The scores"), pure: claims in, numbers and evidence out."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Literal

import numpy as np

from reform_facts.claim import Claim, Document, values_equal  # noqa: F401  (Document: doctests)

Pair = tuple[Claim, Claim]
FIELDS = ("value", "unit", "quantity_type", "comparator", "region_code", "year", "kind",
          "indicator", "indicator_strict")
CLAIM_FIELDS = ("value", "unit", "region_code", "year", "indicator")
COUNTS = ("predicted", "gold", "hits_predicted", "hits_gold", "claim_hits_predicted",
          "claim_hits_gold", "pairs")
COLUMNS = COUNTS + tuple(f"field:{name}" for name in FIELDS)
SENTENCE_ENDS = "。！？\n"


def character_f1(a: str, b: str) -> float:
    """F1 of the multiset character overlap of two strings.

    >>> round(character_f1("基层诊疗量占比", "基层诊疗量"), 3)
    0.833
    """
    if a == b:
        return 1.0
    common = sum((Counter(a) & Counter(b)).values())
    return 2 * common / (len(a) + len(b))


def indicator_right(predicted: str | None, gold: str | None, *, strict: bool = False) -> bool:
    """Lenient: character F1 >= 0.5; strict: equal. Both None is right, one None wrong.

    >>> indicator_right("住院次均费用", "次均费用"), indicator_right("住院次均费用", "次均费用", strict=True)
    (True, False)
    """
    if predicted is None or gold is None:
        return predicted is None and gold is None
    return predicted == gold if strict else character_f1(predicted, gold) >= 0.5


def field_view(claim: Claim, name: str) -> Any:
    """What a field comparison looks at: `value` shows (value, value_max) for a range."""
    if name == "value" and claim.value_max is not None:
        return claim.value, claim.value_max
    return getattr(claim, name.removesuffix("_strict"))


def field_right(predicted: Claim, gold: Claim, name: str) -> bool:
    """One field of the contract's attribute accuracy, `value` including `value_max`."""
    if name == "value":
        return (values_equal(predicted.value, gold.value)
                and values_equal(predicted.value_max, gold.value_max))
    if name in ("indicator", "indicator_strict"):
        return indicator_right(predicted.indicator, gold.indicator,
                               strict=name == "indicator_strict")
    return bool(getattr(predicted, name) == getattr(gold, name))


def claim_right(predicted: Claim, gold: Claim) -> bool:
    """A usable fact: value (with value_max), unit, region_code, year and lenient indicator."""
    return all(field_right(predicted, gold, name) for name in CLAIM_FIELDS)


def _overlap(a: Claim, b: Claim) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def _pair_indices(predicted: Sequence[Claim], gold: Sequence[Claim]) -> list[tuple[int, int]]:
    """Greedy one-to-one pairing by overlap, as (predicted index, gold index) in predicted order."""
    gold_of: defaultdict[str, list[int]] = defaultdict(list)
    for j, claim in enumerate(gold):
        gold_of[claim.doc_id].append(j)
    candidates = [(-_overlap(p, gold[j]), abs(p.start - gold[j].start), i, j)
                  for i, p in enumerate(predicted) for j in gold_of.get(p.doc_id, ())
                  if _overlap(p, gold[j]) > 0]
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, i, j in sorted(candidates):
        if i not in chosen and j not in taken:
            chosen[i] = j
            taken.add(j)
    return sorted(chosen.items())


def pair(predicted: list[Claim], gold: list[Claim]) -> list[Pair]:
    """Pair each prediction with at most one gold claim of its document.

    Any character overlap pairs; the largest overlap is taken first, ties go to the smaller
    distance between the starts, then to the earlier prediction and gold claim in the lists.
    Pairs come back in the order of the predictions.

    >>> doc = Document.from_text("近2000名医生", doc_id="d")
    >>> gold = [Claim.at(doc, 1, 6, value=2000, unit="名", quantity_type="count")]
    >>> pred = [Claim.at(doc, 0, 6, value=2000, unit="名", quantity_type="count")]
    >>> [(p.text, g.text) for p, g in pair(pred, gold)]
    [('近2000名', '2000名')]
    """
    return [(predicted[i], gold[j]) for i, j in _pair_indices(predicted, gold)]


def _rate(numerator: float, denominator: float) -> float:
    """A rate; nan when there is nothing to count (0/0 is no evidence, not 0 or 1)."""
    return numerator / denominator if denominator else math.nan


@dataclass(frozen=True, slots=True)
class Score:
    """Counts of one group of claims and the rates the contract defines over them.

    `predicted` excludes predictions paired with optional gold; `gold` is non-optional gold.
    Hits are counted per side, so that a group by quantity type may differ between them.
    `fields_right` counts pairs whose field is right among `pairs` (pairs with
    non-optional gold). Rates with an empty denominator are nan.
    """

    predicted: int = 0
    gold: int = 0
    hits_predicted: int = 0
    hits_gold: int = 0
    claim_hits_predicted: int = 0
    claim_hits_gold: int = 0
    pairs: int = 0
    fields_right: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: Score) -> Score:
        return _from_row([a + b for a, b in zip(_row(self), _row(other))])

    @property
    def precision(self) -> float:
        return _rate(self.hits_predicted, self.predicted)

    @property
    def recall(self) -> float:
        return _rate(self.hits_gold, self.gold)

    @property
    def f1(self) -> float:
        """2·hits / (predicted + gold): 0 for an empty prediction against gold."""
        return _rate(self.hits_predicted + self.hits_gold, self.predicted + self.gold)

    @property
    def claim_precision(self) -> float:
        return _rate(self.claim_hits_predicted, self.predicted)

    @property
    def claim_recall(self) -> float:
        return _rate(self.claim_hits_gold, self.gold)

    @property
    def claim_f1(self) -> float:
        return _rate(self.claim_hits_predicted + self.claim_hits_gold, self.predicted + self.gold)

    def accuracy(self, name: str) -> float:
        """Share of the pairs whose field `name` (one of FIELDS) is right."""
        return _rate(self.fields_right.get(name, 0), self.pairs)

    def metrics(self) -> dict[str, float]:
        """Every rate by name, as `bootstrap` reports them."""
        rates = {name: getattr(self, name) for name in
                 ("precision", "recall", "f1", "claim_precision", "claim_recall", "claim_f1")}
        return rates | {f"{name}_accuracy": self.accuracy(name) for name in FIELDS}


@dataclass(frozen=True, slots=True)
class WrongField:
    """One field of one pair that is wrong, with both values as `field_view` shows them."""

    pair: Pair
    field: str
    predicted: Any
    gold: Any


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The evidence behind a score and its breakdowns.

    `pairs` holds every pair, optional gold included; `wrong_fields` only the pairs that
    count (non-optional gold). `by_quantity_type` groups the gold side (gold counts, recall
    hits, field accuracy) by the gold claim's type and the predicted side (prediction counts,
    precision hits) by the predicted claim's type, so each side is judged by what it said.
    """

    pairs: tuple[Pair, ...]
    false_positives: tuple[Claim, ...]
    misses: tuple[Claim, ...]
    wrong_fields: tuple[WrongField, ...]
    score: Score
    by_document: Mapping[str, Score]
    by_quantity_type: Mapping[str, Score]


Key = Callable[[Claim], Hashable]
_doc_key: Key = attrgetter("doc_id")
_type_key: Key = attrgetter("quantity_type")


def _tally(pairs: Sequence[Pair], false_positives: Sequence[Claim], misses: Sequence[Claim],
           key_predicted: Key, key_gold: Key) -> dict[Hashable, Score]:
    """Scores per group; a pair counts in its prediction's and its gold claim's group."""
    groups: defaultdict[Hashable, Counter[str]] = defaultdict(Counter)
    for claim in false_positives:
        groups[key_predicted(claim)]["predicted"] += 1
    for claim in misses:
        groups[key_gold(claim)]["gold"] += 1
    for predicted, gold in pairs:
        if gold.optional:
            continue
        usable = int(claim_right(predicted, gold))
        groups[key_predicted(predicted)].update(predicted=1, hits_predicted=1,
                                                claim_hits_predicted=usable)
        groups[key_gold(gold)].update(gold=1, hits_gold=1, claim_hits_gold=usable, pairs=1)
        groups[key_gold(gold)].update({f"field:{name}": int(field_right(predicted, gold, name))
                                       for name in FIELDS})
    return {key: _from_row([counts[name] for name in COLUMNS]) for key, counts in groups.items()}


def _row(score: Score) -> list[int]:
    return [getattr(score, n) for n in COUNTS] + [score.fields_right.get(f, 0) for f in FIELDS]


def _from_row(row: Sequence[int]) -> Score:
    """A Score from counts in the order of COLUMNS."""
    numbers = [int(number) for number in row]
    right = dict(zip(FIELDS, numbers[len(COUNTS):]))
    return Score(**dict(zip(COUNTS, numbers)), fields_right=right)


def _split(predicted: list[Claim], gold: list[Claim]
           ) -> tuple[list[Pair], list[Claim], list[Claim]]:
    """Pairs, false positives (unpaired predictions), misses (unpaired non-optional gold)."""
    chosen = _pair_indices(predicted, gold)
    paired_p, paired_g = {i for i, _ in chosen}, {j for _, j in chosen}
    pairs = [(predicted[i], gold[j]) for i, j in chosen]
    false_positives = [p for i, p in enumerate(predicted) if i not in paired_p]
    misses = [g for j, g in enumerate(gold) if j not in paired_g and not g.optional]
    return pairs, false_positives, misses


def _wrong_fields(pairs: Sequence[Pair]) -> list[WrongField]:
    return [WrongField((p, g), name, field_view(p, name), field_view(g, name))
            for p, g in pairs if not g.optional
            for name in FIELDS if not field_right(p, g, name)]


def evaluate(predicted: list[Claim], gold: list[Claim]) -> Evaluation:
    """Pair, count and explain: the contract's scores with their evidence.

    >>> doc = Document.from_text("住院次均费用下降7.73%", doc_id="d")
    >>> gold = [Claim.at(doc, 8, 13, value=7.73, unit="%", quantity_type="percentage")]
    >>> result = evaluate([gold[0].with_(value=7.7)], gold)
    >>> result.score.f1, result.score.claim_f1, [w.field for w in result.wrong_fields]
    (1.0, 0.0, ['value'])
    """
    pairs, false_positives, misses = _split(predicted, gold)
    by_document = _tally(pairs, false_positives, misses, _doc_key, _doc_key)
    by_type = _tally(pairs, false_positives, misses, _type_key, _type_key)
    return Evaluation(
        pairs=tuple(pairs), false_positives=tuple(false_positives), misses=tuple(misses),
        wrong_fields=tuple(_wrong_fields(pairs)), score=sum(by_document.values(), Score()),
        by_document={str(k): v for k, v in sorted(by_document.items())},
        by_quantity_type={str(k): v for k, v in sorted(by_type.items())})


def breakdown(evaluation: Evaluation, key: Key) -> dict[Hashable, Score]:
    """Scores per group of `key` (a layout, a split...), made as `by_document` is: each side of
    a pair counts in its own claim's group.

    >>> doc = Document.from_text("住院次均费用下降7.73%", doc_id="d")
    >>> gold = [Claim.at(doc, 8, 13, value=7.73, unit="%", quantity_type="percentage")]
    >>> breakdown(evaluate(gold, gold), lambda claim: claim.unit)["%"].f1
    1.0
    """
    return _tally(evaluation.pairs, evaluation.false_positives, evaluation.misses, key, key)


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around text[start:end]: cut at 。！？ (kept) or a newline (dropped).

    >>> text = "一、总体要求\\n到2025年，签约覆盖率达到50%。其他。"
    >>> a, b = sentence_bounds(text, 21, 24); text[a:b]
    '到2025年，签约覆盖率达到50%。'
    """
    begin = max(text.rfind(mark, 0, start) for mark in SENTENCE_ENDS) + 1
    ends = [i for i in (text.find(mark, end) for mark in SENTENCE_ENDS) if i != -1]
    stop = min(ends, default=len(text))
    return begin, stop + (stop < len(text) and text[stop] != "\n")


def sentence_around(text: str, start: int, end: int) -> str:
    begin, stop = sentence_bounds(text, start, end)
    return text[begin:stop].strip()


def _unit_keys(unit: str, texts: Mapping[str, str] | None) -> Key:
    if unit == "document":
        return _doc_key
    if unit != "sentence":
        raise ValueError(f"bootstrap unit must be 'document' or 'sentence', not {unit!r}")
    if texts is None:
        raise ValueError("bootstrap by sentence needs texts={doc_id: text} to split gold and "
                         "predictions into the same sentences")

    def key(claim: Claim) -> Hashable:
        if claim.doc_id not in texts:
            raise ValueError(f"bootstrap by sentence: no text for document {claim.doc_id!r}")
        return claim.doc_id, sentence_bounds(texts[claim.doc_id], claim.start, claim.end)[0]
    return key


def _interval(samples: np.ndarray) -> tuple[float, float]:
    kept = samples[np.isfinite(samples)]
    low, high = np.percentile(kept, [2.5, 97.5]) if kept.size else (math.nan, math.nan)
    return float(low), float(high)


def bootstrap(predicted: list[Claim], gold: list[Claim], *,
              unit: Literal["document", "sentence"] = "document", n: int = 1000, seed: int = 0,
              texts: Mapping[str, str] | None = None) -> dict[str, tuple[float, float]]:
    """95% percentile intervals of every metric of `Score.metrics`, resampling units.

    Claims are paired once over the whole set; the units (documents, or sentences cut by
    `sentence_bounds` from `texts`, gold and predictions by the same splitter, a pair by its
    gold claim) are then drawn with replacement `n` times and their counts summed. Every unit
    holding a claim is drawn, one with only optional gold too. Replicates where a metric is
    undefined (0/0) are left out of its interval. Same seed, same answer.

    >>> doc = Document.from_text("签约覆盖率50.28%", doc_id="d")
    >>> gold = [Claim.at(doc, 5, 11, value=50.28, unit="%", quantity_type="percentage")]
    >>> bootstrap(gold, gold, n=50)["f1"]
    (1.0, 1.0)
    """
    key = _unit_keys(unit, texts)
    empty = dict.fromkeys(map(key, [*predicted, *gold]), Score())  # every unit is drawn
    groups = empty | _tally(*_split(predicted, gold), key, key)
    if not groups or n < 1:
        return {name: (math.nan, math.nan) for name in Score().metrics()}
    matrix = np.array([_row(score) for score in groups.values()])
    draws = np.random.default_rng(seed).integers(0, len(groups), size=(n, len(groups)))
    weights = np.stack([np.bincount(row, minlength=len(groups)) for row in draws])
    replicates = [_from_row(row).metrics() for row in weights @ matrix]
    return {name: _interval(np.array([r[name] for r in replicates])) for name in replicates[0]}


ErrorKind = Literal["false_positive", "miss", "wrong_field"]


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One error, readable: where it is, what was said, what gold says, in which sentence."""

    kind: ErrorKind
    doc_id: str
    span: tuple[int, int]
    text: str
    field: str | None
    predicted: Any
    gold: Any
    sentence: str | None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _record(kind: ErrorKind, claim: Claim, texts: Mapping[str, str], name: str | None,
            predicted: Any, gold: Any) -> ErrorRecord:
    """A record at `claim`'s span: its own sentence for a prediction, else cut from the text."""
    text = texts.get(claim.doc_id)
    sentence = claim.sentence if kind != "miss" and claim.sentence else (
        None if text is None else sentence_around(text, claim.start, claim.end))
    return ErrorRecord(kind, claim.doc_id, (claim.start, claim.end), claim.text, name,
                       predicted, gold, sentence)


def errors(evaluation: Evaluation, texts: Mapping[str, str]) -> list[ErrorRecord]:
    """False positives, misses and wrong fields as records, in document order.

    A false positive and a wrong field show the prediction's span and its own `sentence`
    (cut from the text when it has none); a miss shows the gold span and the sentence cut
    from `texts` at 。！？ or a newline (None when the document's text is not given).

    >>> doc = Document.from_text("目标：基层诊疗量占比65%以上。", doc_id="d")
    >>> gold = [Claim.at(doc, 10, 13, value=65, unit="%", quantity_type="percentage")]
    >>> [(e.kind, e.text, e.sentence) for e in errors(evaluate([], gold), {"d": doc.text})]
    [('miss', '65%', '目标：基层诊疗量占比65%以上。')]
    """
    records = [_record("false_positive", p, texts, None, p.text, None)
               for p in evaluation.false_positives]
    records += [_record("miss", g, texts, None, None, g.text) for g in evaluation.misses]
    records += [_record("wrong_field", w.pair[0], texts, w.field, w.predicted, w.gold)
                for w in evaluation.wrong_fields]
    return sorted(records, key=lambda r: (r.doc_id, r.span, r.kind, r.field or ""))
