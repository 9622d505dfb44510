"""The annotators' tool: offsets computed by code, region codes looked up in the division data.

An annotator reads a document and writes a draft, one JSON object a line, with the claim's fields
but no offsets. Each draft line says where its span is by `text` plus any of:
- `line`: the 1-based line of the document that holds it;
- `anchor`: a snippet of the document, unique in it (or in the line), that holds the span;
- `nth`: which occurrence of `text` inside that scope (1-based, default 1).
`build` turns the draft into gold lines with `start`/`end`, in document order, and refuses a draft
whose spans cannot be placed, overlap, or name an unknown region.

    python gold/tools/label.py show gold/documents/101_x.txt          # the text with line numbers
    python gold/tools/label.py region 朝阳区                           # official names and codes
    python gold/tools/label.py build DRAFT.jsonl gold/documents/101_x.txt OUT.jsonl

It reads no extractor: only the document, the draft and the administrative-division dataset.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import zipfile
from functools import cache
from pathlib import Path

FIELDS = ("value", "value_max", "unit", "quantity_type", "comparator", "indicator", "region",
          "region_code", "year", "kind", "optional", "note")
TYPES = {"percentage", "percentage_point", "money", "count", "multiple", "ratio", "rate", "measure"}
COMPARATORS = {"=", "~", ">", ">=", "<", "<="}
KINDS = {"actual", "target"}
# Units as the contract writes them: simplified classifiers, one name for the sex ratio.
CANONICAL_UNITS = {"個": "个", "項": "项", "劑次": "剂次", "張": "张", "張/千人": "张/千人", "男/100女": "/100"}
EXTRA = {"100000": ("全国", None), "660000": ("新疆生产建设兵团", "100000")}


@cache
def divisions() -> dict[str, tuple[str, str | None]]:
    """code -> (official name, parent code), from jionlp's china_location dictionary (data only)."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("jionlp is not installed: run `make setup` and use .venv/bin/python")
    folder = Path(list(spec.submodule_search_locations)[0]) / "dictionary"
    with zipfile.ZipFile(folder / "china_location.zip") as archive:
        text = archive.read("china_location.txt").decode("utf-8")
    table: dict[str, tuple[str, str | None]] = dict(EXTRA)
    parents: list[str] = []
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip().split("\t")
        if depth > 2 or len(parts) < 2 or not parts[1].isdigit():
            continue
        parents = parents[:depth]
        parent = parents[-1] if parents else "100000"
        if depth == 1 and parts[1] == parent:  # a municipality repeated as its own prefecture
            parents.append(parts[1])
            continue
        table.setdefault(parts[1], (parts[0], parent))
        parents.append(parts[1])
    return table


def lookup(name: str) -> list[tuple[str, str, str]]:
    """(code, official name, parent's name) of every division whose official name is `name`
    (or, when none is, starts with it)."""
    table = divisions()
    exact = [(c, n, table.get(p, ("", None))[0] if p else "") for c, (n, p) in table.items() if n == name]
    if exact:
        return exact
    return [(c, n, table.get(p, ("", None))[0] if p else "") for c, (n, p) in table.items() if n.startswith(name)]


def place(doc: str, lines: list[int], item: dict, number: int) -> tuple[int, int]:
    """The span of one draft line: its text inside its line and/or anchor, the nth occurrence."""
    text = item.get("text")
    if not text:
        raise ValueError(f"draft line {number}: no `text`")
    lo, hi = 0, len(doc)
    if "line" in item:
        k = int(item["line"])
        if not 1 <= k <= len(lines) - 1:
            raise ValueError(f"draft line {number}: line {k} is not in the document")
        lo, hi = lines[k - 1], lines[k]
    if "anchor" in item:
        anchor = item["anchor"]
        at = doc.find(anchor, lo, hi)
        if at < 0:
            raise ValueError(f"draft line {number}: anchor {anchor!r} not found")
        if doc.find(anchor, at + 1, hi) >= 0:
            raise ValueError(f"draft line {number}: anchor {anchor!r} occurs more than once; make it longer")
        lo, hi = at, at + len(anchor)
    nth = int(item.get("nth", 1))
    at = lo - 1
    for _ in range(nth):
        at = doc.find(text, at + 1, hi)
        if at < 0:
            raise ValueError(f"draft line {number}: occurrence {nth} of {text!r} not found in its scope")
    if "line" not in item and "anchor" not in item and nth == 1 and doc.find(text, at + 1) >= 0:
        raise ValueError(f"draft line {number}: {text!r} occurs more than once; give `line`, `anchor` or `nth`")
    return at, at + len(text)


def check_fields(item: dict, number: int) -> list[str]:
    problems = []
    unknown = set(item) - set(FIELDS) - {"text", "line", "anchor", "nth"}
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    if item.get("quantity_type") not in TYPES:
        problems.append(f"quantity_type {item.get('quantity_type')!r} not in {sorted(TYPES)}")
    if item.get("comparator", "=") not in COMPARATORS:
        problems.append(f"comparator {item.get('comparator')!r}")
    if item.get("kind") not in KINDS:
        problems.append(f"kind {item.get('kind')!r} not actual/target")
    if not isinstance(item.get("unit"), str) or not item.get("unit"):
        problems.append("unit missing")
    for key in ("value", "value_max"):
        if item.get(key) is not None and not isinstance(item[key], (int, float)):
            problems.append(f"{key} is not a number")
    if item.get("value") is None and item.get("quantity_type") != "ratio":
        problems.append("value is null but the type is not ratio")
    if item.get("year") is not None and not isinstance(item["year"], int):
        problems.append("year is not an integer")
    return [f"draft line {number}: {p}" for p in problems]


def resolve_region(item: dict, number: int) -> list[str]:
    name, code = item.get("region"), item.get("region_code")
    table = divisions()
    if name is None and code is None:
        return []
    if code is not None:
        if code not in table:
            return [f"draft line {number}: region_code {code} is not in the division data"]
        if name is not None and table[code][0] != name:
            return [f"draft line {number}: region_code {code} is {table[code][0]}, not {name}"]
        item["region"] = table[code][0]
        return []
    found = [row for row in lookup(name) if row[1] == name]
    if len(found) != 1:
        options = "; ".join(f"{c} {n} (in {p})" for c, n, p in lookup(name)[:8]) or "none"
        return [f"draft line {number}: region {name!r} needs `region_code` (candidates: {options})"]
    item["region_code"] = found[0][0]
    return []


def build(draft: Path, doc_path: Path, out: Path) -> int:
    doc = doc_path.read_text(encoding="utf-8")
    starts = [0] + [i + 1 for i, ch in enumerate(doc) if ch == "\n"] + [len(doc) + 1]
    problems: list[str] = []
    claims = []
    for number, raw in enumerate(draft.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            start, end = place(doc, starts, item, number)
        except (ValueError, json.JSONDecodeError) as err:
            problems.append(str(err))
            continue
        problems += check_fields(item, number) + resolve_region(item, number)
        record = {"doc_id": doc_path.stem, "start": start, "end": end, "text": doc[start:end]}
        record.update({key: item.get(key) for key in FIELDS if key != "note"})
        record["comparator"] = record["comparator"] or "="
        record["unit"] = CANONICAL_UNITS.get(record["unit"], record["unit"])
        record["optional"] = bool(record["optional"])
        for key in ("value", "value_max"):  # 6.0 is written 6, as the gold set's other writers write it
            if isinstance(record[key], float) and record[key].is_integer():
                record[key] = int(record[key])
        if item.get("note"):
            record["note"] = item["note"]
        claims.append(record)
    claims.sort(key=lambda c: c["start"])
    for a, b in zip(claims, claims[1:]):
        if b["start"] < a["end"]:
            problems.append(f"spans overlap: {a['text']!r} at {a['start']} and {b['text']!r} at {b['start']}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    out.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims), encoding="utf-8")
    print(f"{out}: {len(claims)} claims")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("show").add_argument("doc", type=Path)
    sub.add_parser("region").add_argument("name")
    b = sub.add_parser("build")
    b.add_argument("draft", type=Path)
    b.add_argument("doc", type=Path)
    b.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "show":
        for k, line in enumerate(args.doc.read_text(encoding="utf-8").split("\n"), 1):
            print(f"{k:4d}| {line}")
        return 0
    if args.command == "region":
        rows = lookup(args.name)
        for code, name, parent in rows[:30]:
            print(f"{code}\t{name}\t(in {parent or '-'})")
        return 0 if rows else 1
    return build(args.draft, args.doc, args.out)


if __name__ == "__main__":
    sys.exit(main())
