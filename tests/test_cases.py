"""Table-driven tests: one YAML file per rule family in tests/cases/, run by one test.

Each case is a sentence (from the corpus, or written like it) with the claims expected of it,
listing only the fields that family is about. `before:` is text placed ahead of the sentence
(a title, a heading, an earlier paragraph) for context rules. An empty `expect` asserts that
nothing is extracted. `xfail: reason` marks a known failure (strict: it must still fail).
"""
from __future__ import annotations

import math
from dataclasses import replace
from html import escape
from pathlib import Path

import pytest
import yaml

from reform_facts.readers import formats
from tests.conftest import make_doc

CASES = Path(__file__).parent / "cases"


def load_cases() -> list:
    cases = []
    for path in sorted(CASES.glob("*.yaml")):
        for number, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")), 1):
            marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
            ident = f"{path.stem}:{number}:{case['text'][:16]}"
            cases.append(pytest.param(case, id=ident, marks=marks))
    return cases


def _same(field: str, got, want) -> bool:
    if isinstance(want, (int, float)) and not isinstance(want, bool) and got is not None:
        return math.isclose(float(got), float(want), rel_tol=1e-6)
    return (str(got) if got is not None and not isinstance(got, (int, float)) else got) == want


@pytest.mark.parametrize("case", load_cases())
def test_case(case, rules):
    before = case.get("before", "")
    text = case["text"]
    tables = ()
    if case.get("form") == "html":  # a web page: what the HTML reader makes of it, its tables too,
        # the text before as the page's paragraphs
        page = "".join(f"<p>{escape(line)}</p>" for line in before.splitlines()) + text
        text, _title, tables = formats.html(page.encode("utf-8"), "case.html")
        before = ""
    doc = replace(make_doc(before + text), tables=tables)
    start = min((table.start for table in tables), default=len(before))  # the case's own text
    claims = [c for c in rules(doc) if c.start >= start]
    expected = case["expect"]
    if "form" in case:  # a table case lists every claim of its table: nothing more, nothing less
        assert sorted(c.text for c in claims) == sorted(w["text"] for w in expected), \
            f"claims {[c.text for c in claims]}, expected {[w['text'] for w in expected]}"
    if not expected:
        assert claims == [], f"expected nothing, got {[c.text for c in claims]}"
        return
    by_text = {}
    for claim in claims:
        by_text.setdefault(claim.text, []).append(claim)
    for want in expected:
        found = by_text.get(want["text"])
        assert found, f"no claim {want['text']!r}; got {[c.text for c in claims]}"
        claim = found.pop(0)
        for field, value in want.items():
            got = getattr(claim, field)
            assert _same(field, got, value), f"{want['text']!r}.{field}: got {got!r}, want {value!r}"
