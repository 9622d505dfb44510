"""One document with its claims marked in its text: what `reform-facts show` writes and what the
report's error browser links to.

The page is one self-contained HTML file (no script or style from elsewhere): the document's
stored text, every claim highlighted at its span, its fields in the highlight's tooltip and, on
hover or click, in a side panel; a list of every claim beside the text. Compared with gold
(`compared_marks`, on the scorer's own pairing), a highlight says whether the claim is right,
has wrong fields (named, both readings side by side), is a false alarm, or is a miss. An address
such as `plan.rules.html#c484-487` opens the page with that claim selected.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from reform_facts.claim import Claim, Document
from reform_facts.evaluation import scoring
from reform_facts.tables import tables_of

# What a highlight says, in the order the legend and the counts give them.
STATUSES = {
    "claim": "claim",
    "right": "right: every field as gold",
    "wrong": "wrong fields",
    "false_alarm": "false alarm: no gold claim here",
    "miss": "miss: gold claim not found",
    "optional": "optional gold (not scored)",
}
# The panel's rows: the contract's fields a reader checks, then where a claim came from.
PANEL_FIELDS = ("text", "value", "unit", "quantity_type", "comparator", "indicator", "region",
                "region_code", "year", "kind", "layout", "optional", "rule_id", "confidence", "note")
# A scorer field (scoring.FIELDS) shown on the panel row of the claim field it compares.
SCORED_ROW = {"indicator_strict": "indicator"}


def shown(value: Any) -> str:
    """A field value for people: None as a dash, a range as low–high, integral floats bare.

    >>> shown(None), shown((70.0, 80.0)), shown(12.5), shown("350400")
    ('—', '70–80', '12.5', '350400')
    """
    if value is None:
        return "—"
    if isinstance(value, (tuple, list)):
        return "–".join(shown(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def claim_summary(claim: Claim | None) -> str:
    """One line of a claim's fields, for reading two claims side by side.

    >>> doc = Document.from_text("基层诊疗量占比达65%以上", doc_id="d")
    >>> claim_summary(Claim.at(doc, 8, 11, value=65.0, unit="%", quantity_type="percentage",
    ...                        comparator=">=", indicator="基层诊疗量占比", year=2027, kind="target"))
    '65% → 65 % · percentage >= · indicator 基层诊疗量占比 · region — (—) · year 2027 · target'
    """
    if claim is None:
        return ""
    value = shown(scoring.field_view(claim, "value"))
    region = f"{claim.region or '—'} ({claim.region_code or '—'})"
    return (f"{claim.text} → {value} {claim.unit} · {claim.quantity_type} {claim.comparator} · "
            f"indicator {claim.indicator or '—'} · region {region} · year {shown(claim.year)} · "
            f"{claim.kind}")


# ------------------------------------------------------------------ layout: prose or table

def figure_cells(text: str | Document) -> list[tuple[int, int]]:
    """The spans of the numeric cells of every table of a document (its reader's and those
    found in its text, `reform_facts.tables.tables_of`), or of a text, in order.

    >>> text = "表1 床位\\n| 地区 | 2021年 |\\n| --- | --- |\\n| 甲市 | 1,200 |\\n"
    >>> [text[a:b] for a, b in figure_cells(text)]
    ['1,200']
    """
    doc = text if isinstance(text, Document) else Document.from_text(text, doc_id="")
    return sorted((cell.start, cell.end) for table in tables_of(doc.text, doc.tables) for _r, _c, cell in table.figures())


def layout_of(claim: Claim, cells: Sequence[tuple[int, int]]) -> str:
    """"table" when the claim's span lies in a numeric cell of `cells` (sorted), else "prose"."""
    at = bisect.bisect_right(cells, (claim.start, float("inf"))) - 1
    inside = at >= 0 and cells[at][0] <= claim.start and claim.end <= cells[at][1]
    return "table" if inside else "prose"


# ------------------------------------------------------------------ marks

@dataclass(frozen=True)
class Mark:
    """One highlight: a claim alone, or a prediction and gold claim compared."""

    status: str
    predicted: Claim | None = None
    gold: Claim | None = None
    wrong: tuple[str, ...] = ()  # scorer fields (scoring.FIELDS) that differ from gold

    @property
    def anchor(self) -> tuple[int, int]:
        """The span the scorer's error records name: the prediction's, else the gold claim's."""
        claim = self.predicted or self.gold
        return claim.start, claim.end

    @property
    def id(self) -> str:
        return "c{}-{}".format(*self.anchor)

    @property
    def span(self) -> tuple[int, int]:
        """What is highlighted: both claims' spans together."""
        claims = [c for c in (self.predicted, self.gold) if c is not None]
        return min(c.start for c in claims), max(c.end for c in claims)

    @property
    def text(self) -> str:
        return (self.predicted or self.gold).text

    def wrong_rows(self) -> set[str]:
        return {SCORED_ROW.get(name, name) for name in self.wrong}

    def tooltip(self) -> str:
        lines = [STATUSES[self.status]]
        if self.wrong:
            lines[0] += ": " + ", ".join(name.replace("_strict", " (strict)") for name in self.wrong)
        for side, claim in (("predicted", self.predicted), ("gold", self.gold)):
            if claim is not None:
                lines.append(f"{side}: {claim_summary(claim)}" if self.status != "claim" else claim_summary(claim))
        return "\n".join(lines)


def claim_marks(claims: Iterable[Claim], *, gold: bool = False) -> list[Mark]:
    """One plain mark per claim (an extractor's, or the gold set's with `gold`)."""
    return sorted((Mark("claim", gold=c) if gold else Mark("claim", predicted=c) for c in claims),
                  key=lambda mark: mark.span)


def compared_marks(evaluation: scoring.Evaluation, doc_id: str, *,
                   gold: Iterable[Claim] = ()) -> list[Mark]:
    """The marks of one document from the scorer's evidence: each pair right or with its wrong
    fields (as `scoring.field_right` judges them), each false positive, each miss; a pair with
    optional gold, and an optional gold claim of `gold` nothing overlaps, as not scored."""
    marks = []
    paired_gold = set()
    for predicted, truth in evaluation.pairs:
        if predicted.doc_id != doc_id:
            continue
        paired_gold.add((truth.start, truth.end))
        if truth.optional:
            marks.append(Mark("optional", predicted, truth))
            continue
        wrong = tuple(name for name in scoring.FIELDS if not scoring.field_right(predicted, truth, name))
        marks.append(Mark("wrong" if wrong else "right", predicted, truth, wrong))
    marks += [Mark("false_alarm", predicted=c) for c in evaluation.false_positives if c.doc_id == doc_id]
    marks += [Mark("miss", gold=c) for c in evaluation.misses if c.doc_id == doc_id]
    marks += [Mark("optional", gold=c) for c in gold
              if c.doc_id == doc_id and c.optional and (c.start, c.end) not in paired_gold]
    return sorted(marks, key=lambda mark: (mark.span, mark.status))


def compare(doc: Document, predicted: list[Claim], gold: list[Claim]) -> list[Mark]:
    """Pair an extractor's claims of `doc` with its gold claims, as the scorer does, and mark them."""
    return compared_marks(scoring.evaluate(predicted, gold), doc.doc_id, gold=gold)


def segments(text: str, marks: Sequence[Mark]) -> list[tuple[str, list[int]]]:
    """The text cut where any highlight starts or ends: (piece, indices of the marks over it).
    Overlapping highlights (two predictions over one gold claim) share the piece they overlap.

    >>> doc = Document.from_text("占比65%，达90%", doc_id="d")
    >>> marks = claim_marks([Claim.at(doc, 2, 5, value=65.0, unit="%", quantity_type="percentage")])
    >>> segments(doc.text, marks)
    [('占比', []), ('65%', [0]), ('，达90%', [])]
    """
    cuts = sorted({0, len(text), *(at for mark in marks for at in mark.span)})
    pieces = []
    for start, end in zip(cuts, cuts[1:]):
        over = [i for i, mark in enumerate(marks) if mark.span[0] <= start and end <= mark.span[1]]
        if pieces and not over and not pieces[-1][1]:
            pieces[-1] = (pieces[-1][0] + text[start:end], [])
        else:
            pieces.append((text[start:end], over))
    return pieces


# ------------------------------------------------------------------ the page

def _field(claim: Claim | None, name: str, cells: Sequence[tuple[int, int]]) -> str:
    if claim is None:
        return ""
    if name == "layout":
        return layout_of(claim, cells)
    if name == "value":
        return shown(scoring.field_view(claim, "value"))
    if name == "text":
        return f"{claim.text} [{claim.start}:{claim.end}]"
    if name == "optional":
        return "yes" if claim.optional else ""
    return shown(getattr(claim, name))


def panel_rows(mark: Mark, cells: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
    """The side panel's rows of one mark: field, predicted reading, gold reading, wrong or not;
    rows empty on both sides are left out."""
    wrong = mark.wrong_rows()
    rows = []
    for name in PANEL_FIELDS:
        predicted, gold = _field(mark.predicted, name, cells), _field(mark.gold, name, cells)
        if predicted in ("", "—") and gold in ("", "—") and name not in ("indicator", "region", "year"):
            continue
        rows.append({"field": name, "predicted": predicted, "gold": gold, "wrong": name in wrong})
    return rows


def counts(marks: Sequence[Mark]) -> dict[str, int]:
    """How many marks of each status, in STATUSES order, the absent ones left out."""
    found = {status: sum(mark.status == status for mark in marks) for status in STATUSES}
    return {status: number for status, number in found.items() if number}


@cache
def _environment():
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("reform_facts.evaluation", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(shown=shown)
    return environment


def render(doc: Document, marks: Sequence[Mark], *, source: str, back: str | None = None) -> str:
    """The document view as one HTML page. `source` says whose claims these are (`rules 1.4
    compared with gold`); `back`, when given, is a link back (to the report)."""
    cells = figure_cells(doc)
    sides = [side for side, taken in (("predicted", any(m.predicted for m in marks)),
                                      ("gold", any(m.gold for m in marks))) if taken] or ["predicted"]
    pieces = segments(doc.text, marks)
    return _environment().get_template("document_view.html").render(
        doc=doc, title=doc.title or doc.doc_id, source=source, back=back, marks=marks,
        pieces=pieces, anchors=_anchors(pieces, marks), statuses=STATUSES, counts=counts(marks), sides=sides,
        panels=[panel_rows(mark, cells) for mark in marks],
        layouts=[layout_of(mark.predicted or mark.gold, cells) for mark in marks])


def _anchors(pieces: list[tuple[str, list[int]]], marks: Sequence[Mark]) -> dict[int, list[str]]:
    """Piece index -> the ids (`c484-487`) to place just before it: each mark's id once, where
    its highlight starts, so that an address can name a claim."""
    anchors: dict[int, list[str]] = {}
    seen: set[str] = set()
    offset = 0
    for number, (piece, over) in enumerate(pieces):
        for i in over:
            if marks[i].span[0] == offset and marks[i].id not in seen:
                seen.add(marks[i].id)
                anchors.setdefault(number, []).append(marks[i].id)
        offset += len(piece)
    return anchors


def write_view(html: str, output: Path) -> Path:
    """Write a page whole, then move it into place (a reader never sees half a page)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(output)
    return output
