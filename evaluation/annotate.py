"""The Label Studio round trip: tasks with pre-annotated claims out, annotations back as gold.

`tasks` turns documents and their claims (an extractor's, or the gold set's for review) into
Label Studio tasks, one per document, each claim a pre-annotated region: a span labelled with
its quantity type and the claim's other fields as per-region attributes of the controls that
`labelling_config` declares. `gold_from_export` reads a Label Studio JSON export back into
claims; `check` validates them as the gold set is validated, against the text the task carries, and
`write` stores them as gold/<doc_id>.jsonl; `write_documents` keeps the text of a document the
gold set does not hold yet (any format the readers accept) as gold/documents/<doc_id>.txt. Offsets are Python `str` indices, which are Label Studio's offsets too
(code points); the Text tag keeps white space (`pre-wrap`) so that they count every character.
"""
from __future__ import annotations

import json
import logging
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reform_facts.claim import Claim, Comparator, Document, Kind, QuantityType
from reform_facts.errors import GoldError
from reform_facts import paths
from reform_facts.gold import (document_path, gold_files, load_gold, span_numbers, validate_file,
                               write_gold)
from reform_facts.vocabulary import allowed_units

log = logging.getLogger(__name__)

TEXT = "text"  # the Text object: the document
LABELS = "quantity_type"  # the span labels: one per quantity type
TEXT_FIELDS = ("value", "value_max", "indicator", "region", "region_code", "note")
CHOICE_FIELDS = ("unit", "comparator", "kind", "optional")
NUMBER_FIELDS = ("year",)
OPTIONAL = "optional"  # the one choice of the `optional` control: ticked means optional
COLOURS = {"percentage": "#1f77b4", "percentage_point": "#17becf", "money": "#2ca02c",
           "count": "#ff7f0e", "multiple": "#9467bd", "ratio": "#8c564b", "rate": "#e377c2",
           "measure": "#7f7f7f"}
HINTS = {"value": "value in the canonical unit, scale applied (blank: read from the span; ratio: blank)",
         "value_max": "upper end of a range (else blank)",
         "indicator": "indicator: the shortest verbatim phrase naming what is measured",
         "region": "region: official full name", "region_code": "region code: six digits",
         "note": "note (why, for a hard case)", "unit": "unit", "comparator": "comparator",
         "kind": "kind", "optional": "borderline mention", "year": "year the value refers to"}


# ------------------------------------------------------------------ the labelling configuration

def _control(parent: ET.Element, name: str) -> None:
    """One per-region control for the claim field `name`, with a header saying what it holds."""
    ET.SubElement(parent, "Header", value=HINTS[name], size="6")
    common = {"name": name, "toName": TEXT, "perRegion": "true"}
    if name in TEXT_FIELDS:
        ET.SubElement(parent, "TextArea", common, editable="true", maxSubmissions="1", rows="1")
    elif name in NUMBER_FIELDS:
        ET.SubElement(parent, "Number", common, min="1900", max="2100")
    else:
        multiple = name == "optional"  # a tick box that can be cleared again
        choices = ET.SubElement(parent, "Choices", common, showInline="true",
                                choice="multiple" if multiple else "single")
        for value in _choices(name):
            ET.SubElement(choices, "Choice", value=value)


def _choices(name: str) -> list[str]:
    if name == "unit":  # every canonical unit of rules/units.yaml, then the open classes' units the gold set uses
        listed = [unit for units in allowed_units().values() for unit in sorted(units)]
        used = {claim.unit for claims in load_gold(paths.GOLD_DIR).values() for claim in claims}
        return listed + sorted(used - set(listed))
    if name == "comparator":
        return [c.value for c in Comparator]
    if name == "kind":
        return [k.value for k in Kind]
    return [OPTIONAL]


def labelling_config() -> str:
    """The Label Studio labelling configuration (XML) that the tasks' pre-annotations fit.

    >>> config = labelling_config()
    >>> '<Label value="percentage"' in config and 'perRegion="true"' in config
    True
    """
    view = ET.Element("View")
    # pre-wrap keeps spaces and line breaks, so that Label Studio's offsets count every character
    ET.SubElement(view, "Style").text = ".htx-text { white-space: pre-wrap; }"
    ET.SubElement(view, "Header", value="$doc_id")
    labels = ET.SubElement(view, "Labels", name=LABELS, toName=TEXT)
    for quantity_type in QuantityType:
        ET.SubElement(labels, "Label", value=quantity_type.value,
                      background=COLOURS[quantity_type.value])
    ET.SubElement(view, "Text", name=TEXT, value="$text")
    fields = ET.SubElement(view, "View", visibleWhen="region-selected")
    for name in ("value", "value_max", "unit", "comparator", "indicator", "region",
                 "region_code", "year", "kind", "optional", "note"):
        _control(fields, name)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


# ------------------------------------------------------------------ export: claims to tasks

def number_text(value: float | None) -> str | None:
    """A number as the gold files write it: integral values without a decimal point.

    >>> number_text(27400000.0), number_text(64.1), number_text(None)
    ('27400000', '64.1', None)
    """
    if value is None:
        return None
    return json.dumps(int(value) if float(value).is_integer() and abs(value) < 2 ** 53 else value)


def region_id(claim: Claim) -> str:
    """A region id stable across exports: gold spans never overlap, so the span is unique."""
    return f"c{claim.start}-{claim.end}"


def claim_results(claim: Claim) -> list[dict[str, Any]]:
    """A claim as Label Studio results: its span label, then one result per filled field."""
    span = {"start": claim.start, "end": claim.end}
    found: list[tuple[str, str, dict[str, Any]]] = [
        (LABELS, "labels", {"text": claim.text, "labels": [str(claim.quantity_type)]})]
    for name in TEXT_FIELDS:
        value = getattr(claim, name)
        if name in ("value", "value_max"):
            value = number_text(value)
        if value is not None:
            found.append((name, "textarea", {"text": [value]}))
    for name in ("unit", "comparator", "kind"):
        found.append((name, "choices", {"text": claim.text, "choices": [str(getattr(claim, name))]}))
    if claim.optional:
        found.append(("optional", "choices", {"text": claim.text, "choices": [OPTIONAL]}))
    if claim.year is not None:
        found.append(("year", "number", {"text": claim.text, "number": claim.year}))
    return [{"id": region_id(claim), "from_name": name, "to_name": TEXT, "type": kind,
             "value": span | value} for name, kind, value in found]


def task(doc: Document, claims: Iterable[Claim], *, model_version: str) -> dict[str, Any]:
    """One Label Studio task: the document's text and its claims as one prediction."""
    claims = sorted(claims, key=lambda c: (c.start, c.end))
    for claim in claims:
        claim.check_against(doc.text)
    prediction: dict[str, Any] = {"model_version": model_version,
                                  "result": [r for claim in claims for r in claim_results(claim)]}
    confidences = [c.confidence for c in claims if c.confidence is not None]
    if confidences:
        prediction["score"] = round(sum(confidences) / len(confidences), 4)
    return {"data": {"doc_id": doc.doc_id, "title": doc.title or doc.doc_id, "text": doc.text,
                     "sha256": doc.sha256},
            "predictions": [prediction]}


# ------------------------------------------------------------------ import: an export to claims

def read_export(path: Path) -> list[dict[str, Any]]:
    """The tasks of a Label Studio JSON export (the "JSON" format: a list of tasks)."""
    try:
        tasks = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GoldError(f"{path}: not a readable JSON file: {error}") from error
    if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
        raise GoldError(f"{path}: not a Label Studio JSON export (a list of tasks)")
    for number, item in enumerate(tasks, start=1):
        data = item.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data.get("doc_id"):
            hint = " (this looks like JSON-MIN: export as JSON)" if "text" in item else ""
            raise GoldError(f"{path}: task {number} has no data.text and data.doc_id{hint}")
    return tasks


def chosen_annotation(item: Mapping[str, Any]) -> dict[str, Any] | None:
    """The annotation that counts: ground truth first, then the latest; cancelled ones never.

    >>> chosen_annotation({"annotations": [{"id": 1, "updated_at": "2026-01-02"},
    ...     {"id": 2, "updated_at": "2026-01-03", "was_cancelled": True}]})["id"]
    1
    """
    live = [a for a in item.get("annotations") or [] if not a.get("was_cancelled")]
    if not live:
        return None
    return max(enumerate(live), key=lambda pair: (
        bool(pair[1].get("ground_truth")),
        str(pair[1].get("updated_at") or pair[1].get("created_at") or ""), pair[0]))[1]


def _by_region(results: Iterable[Mapping[str, Any]], where: str) -> dict[str, dict[str, Any]]:
    """Results grouped by region id: {id: {control name: result value}}."""
    known = {LABELS, *TEXT_FIELDS, *CHOICE_FIELDS, *NUMBER_FIELDS}
    regions: dict[str, dict[str, Any]] = {}
    for result in results:
        name = result.get("from_name")
        if result.get("type") == "relation" or name not in known:
            log.warning("%s: ignoring a result of control %r", where, name)
            continue
        if "id" not in result or not isinstance(result.get("value"), dict):
            raise GoldError(f"{where}: a result of {name!r} has no region id or value")
        regions.setdefault(str(result["id"]), {})[name] = result["value"]
    return regions


def _one(values: list[Any], what: str, where: str) -> Any:
    if len(values) != 1:
        raise GoldError(f"{where}: {what} should hold one value, not {values!r}")
    return values[0]


def _text_field(region: Mapping[str, Any], name: str, where: str) -> str | None:
    if name not in region:
        return None
    text = region[name].get("text")
    value = _one(text if isinstance(text, list) else [text], name, where)
    return str(value).strip() or None


def _choice(region: Mapping[str, Any], name: str, where: str) -> str | None:
    chosen = region.get(name, {}).get("choices") or []
    return _one(chosen, name, where) if chosen else None


def _parse_number(text: str | None, name: str, where: str) -> float | None:
    if text is None:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise GoldError(f"{where}: {name} {text!r} is not a number") from None


def _year(region: Mapping[str, Any], where: str) -> int | None:
    if "year" not in region:
        return None
    year = region["year"].get("number")
    if year is None or float(year) != int(float(year)):
        raise GoldError(f"{where}: year {year!r} is not a whole number")
    return int(float(year))


def _span(region: Mapping[str, Any], doc_text: str, where: str) -> tuple[int, int, str, str]:
    """start, end, span text and quantity type of a region, checked against the document."""
    if LABELS not in region:
        raise GoldError(f"{where}: fields without a quantity-type label on the span")
    label = region[LABELS]
    start, end = int(label["start"]), int(label["end"])
    quantity_type = _one(label.get("labels") or [], "the quantity-type label", where)
    text = doc_text[start:end]
    if not 0 <= start < end <= len(doc_text) or label.get("text", text) != text:
        raise GoldError(f"{where}: span [{start}:{end}] {label.get('text')!r} is not the "
                        f"document's {text!r}")
    return start, end, text, quantity_type


def _unit(region: Mapping[str, Any], quantity_type: str, where: str) -> str:
    """The chosen unit, or the quantity type's only unit (a percentage is in %)."""
    unit = _choice(region, "unit", where)
    units = allowed_units().get(quantity_type, frozenset())
    if unit is None and len(units) == 1:
        return next(iter(units))
    if unit is None:
        raise GoldError(f"{where}: no unit chosen for a {quantity_type}")
    return unit


def region_claim(doc_id: str, doc_text: str, region: Mapping[str, Any], where: str) -> Claim:
    """One annotated region as a gold claim. Unset fields take the contract's defaults
    (comparator `=`, kind `actual`, not optional), the type's only unit, and the value the
    span states when the annotator left it blank."""
    start, end, text, quantity_type = _span(region, doc_text, where)
    where = f"{where} [{start}:{end}] {text!r}"
    unit = _unit(region, quantity_type, where)
    value = _parse_number(_text_field(region, "value", where), "value", where)
    value_max = _parse_number(_text_field(region, "value_max", where), "value_max", where)
    if value is None and quantity_type != QuantityType.RATIO:
        read = span_numbers(text, QuantityType(quantity_type), unit)
        if read is None:
            raise GoldError(f"{where}: no value given and none can be read from the span")
        value, value_max = read[0], read[1] if len(read) == 2 else value_max
    try:
        return Claim(
            doc_id=doc_id, start=start, end=end, text=text, value=value, value_max=value_max,
            unit=unit, quantity_type=quantity_type,
            comparator=_choice(region, "comparator", where) or Comparator.EQ,
            indicator=_text_field(region, "indicator", where),
            region=_text_field(region, "region", where),
            region_code=_text_field(region, "region_code", where), year=_year(region, where),
            kind=_choice(region, "kind", where) or Kind.ACTUAL,
            optional=_choice(region, "optional", where) == OPTIONAL,
            note=_text_field(region, "note", where))
    except ValueError as error:  # ClaimError, or a value outside the vocabularies
        raise GoldError(f"{where}: {error}") from error


def gold_from_export(tasks: list[dict[str, Any]], *, source: str = "export"
                     ) -> dict[str, list[Claim]]:
    """Claims per document of the annotated tasks, sorted by span; tasks with no (live)
    annotation are left out and logged."""
    gold: dict[str, list[Claim]] = {}
    for number, item in enumerate(tasks, start=1):
        doc_id, doc_text = str(item["data"]["doc_id"]), item["data"]["text"]
        where = f"{source}: task {number} ({doc_id})"
        annotation = chosen_annotation(item)
        if annotation is None:
            log.warning("%s: no annotation submitted, left out", where)
            continue
        if doc_id in gold:
            raise GoldError(f"{where}: a second annotated task for the same document")
        regions = _by_region(annotation.get("result") or [], where)
        claims = [region_claim(doc_id, doc_text, region, where) for region in regions.values()]
        gold[doc_id] = sorted(claims, key=lambda c: (c.start, c.end))
    return gold


def task_texts(tasks: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each task's document text by doc_id: the stored text its offsets point into."""
    return {str(item["data"]["doc_id"]): item["data"]["text"] for item in tasks}


def stored_document(doc_id: str, *, gold_dir: Path, corpus_dir: Path) -> Path | None:
    """Where the gold set keeps the document's text (`document_path`), or None: not kept yet."""
    try:
        return document_path(doc_id, gold_dir=gold_dir, corpus_dir=corpus_dir)
    except GoldError:
        return None


def _text_problem(doc_id: str, text: str, stored: Path) -> str | None:
    """Why a stored document cannot take the task's claims: its text is not the task's."""
    try:
        same = stored.read_bytes().decode("utf-8") == text
    except (OSError, UnicodeDecodeError) as error:
        return f"{stored}: cannot be read to check the task of {doc_id} against it: {error}"
    if same:
        return None
    return (f"{stored}: its text is not the text of the task {doc_id} (the document changed since "
            "the export?): export the tasks again, or move this file away")


def check(gold: Mapping[str, list[Claim]], corpus_dir: Path, gold_dir: Path, *,
          texts: Mapping[str, str]) -> list[str]:
    """The gold set's checks (`validate_file`) on the claims as they would be written, against
    the text each task carries (`texts`), so that a document of any format validates; a document
    the gold set already keeps must hold that same text."""
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        documents = Path(scratch) / "documents"
        documents.mkdir()
        for doc_id, claims in gold.items():
            stored = stored_document(doc_id, gold_dir=Path(gold_dir), corpus_dir=Path(corpus_dir))
            problem = None if stored is None else _text_problem(doc_id, texts[doc_id], stored)
            if problem:
                problems.append(problem)
                continue
            (documents / f"{doc_id}.txt").write_bytes(texts[doc_id].encode("utf-8"))
            path = Path(scratch) / f"{doc_id}.jsonl"
            write_gold(path, claims)
            target = str(Path(gold_dir) / path.name)
            problems += [p.replace(str(path), target).replace(str(documents), str(Path(gold_dir) / "documents"))
                         for p in validate_file(path, documents, scratch)]
    return problems


def write_documents(texts: Mapping[str, str], gold_dir: Path, corpus_dir: Path) -> list[Path]:
    """Keep the text of each document the gold set does not hold yet (a .docx, .html or .pdf
    task, or a .txt outside corpus/) as gold_dir/documents/<doc_id>.txt: UTF-8, unchanged, so
    that `validate-gold` and `evaluate` read the text the claims' offsets point into."""
    written = []
    for doc_id, text in texts.items():
        if stored_document(doc_id, gold_dir=Path(gold_dir), corpus_dir=Path(corpus_dir)) is not None:
            continue
        path = Path(gold_dir) / "documents" / f"{doc_id}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))  # bytes: no newline translation
        log.info("writing %s (the document's text, %d characters)", path, len(text))
        written.append(path)
    return written


def write(gold: Mapping[str, list[Claim]], gold_dir: Path) -> list[Path]:
    """Write each document's claims to gold_dir/<doc_id>.jsonl, replacing an older file."""
    Path(gold_dir).mkdir(parents=True, exist_ok=True)
    existing = {path.stem for path in gold_files(gold_dir)}
    written = []
    for doc_id, claims in gold.items():
        path = Path(gold_dir) / f"{doc_id}.jsonl"
        verb = "replacing" if doc_id in existing else "writing"
        log.info("%s %s (%d claims)", verb, path, len(claims))
        write_gold(path, claims)
        written.append(path)
    return written
