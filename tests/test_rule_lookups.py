"""Lookups the rules make once per document, read per figure: each must answer what searching
the figure's own stretch of text would (the claims do not change), on the corpus documents."""
from __future__ import annotations

import random

import regex


def _stretches(text: str, count: int, seed: int) -> list[tuple[int, int]]:
    """Stretches of the text of the lengths an indicator search reads (a clause, up to 60)."""
    draw = random.Random(seed)
    starts = [draw.randrange(len(text)) for _ in range(count)]
    return [(lo, min(len(text), lo + draw.randrange(0, 60))) for lo in starts]


def test_the_names_of_a_stretch_are_those_found_in_it_alone(rules, corpus_docs):
    # the document's name index, asked about a stretch, gives what an index of the stretch
    # alone gives: no name running past either end of the stretch
    gazetteer = rules.gazetteer
    for seed, doc in enumerate(corpus_docs):
        index = gazetteer.names_in(doc.text)
        for lo, hi in _stretches(doc.text, 300, seed):
            alone = gazetteer.names_in(doc.text[lo:hi]).longest_at(0, hi - lo)
            assert index.longest_at(lo, hi) == {lo + at: lo + end for at, end in alone.items()}, (doc.doc_id, lo, hi)


def test_a_name_running_past_the_stretch_is_not_in_it(rules):
    text = "湖北省武汉市洪山区"
    index = rules.gazetteer.names_in(text)
    assert index.longest_at(0, len(text)) == {0: 3, 3: 6, 6: 9}
    assert index.longest_at(3, 8) == {3: 6}  # 洪山区 ends at 9, past the stretch
    assert index.longest_at(4, 9) == {6: 9}  # 武汉市 starts before it


def test_a_cue_of_surfaces_is_found_where_their_alternation_matches(rules, corpus_docs):
    # kind.yaml's surface cues are found by an automaton: the places the alternation of the
    # surfaces, longest first, matches left to right
    surface_cues = [(cue, find) for cue, find in rules.context.cues if not cue.pattern]
    assert surface_cues
    for cue, find in surface_cues:
        words = sorted(cue.surfaces, key=len, reverse=True)
        alternation = regex.compile("|".join(regex.escape(w) for w in words))
        for doc in corpus_docs:
            assert find(doc.text) == [m.span() for m in alternation.finditer(doc.text)], (cue.id, doc.doc_id)


def test_the_exclusions_joint_patterns_find_something_where_one_of_theirs_does(rules, corpus_docs):
    # a figure skips the exclusion rules' `before` (and `span`) patterns when their joint pattern
    # finds nothing: it finds something exactly where one of them does
    finder = rules.quantities
    window = finder.exclusion_window
    befores = [before for _rule, before, _after, _span, _sentence in finder.exclusions if before is not None]
    spans = [span for _rule, _before, _after, span, _sentence in finder.exclusions if span is not None]
    assert befores and spans
    checked = 0
    for doc in corpus_docs:
        text = doc.text
        for match in finder.quantity.finditer(text):
            start, end = match.span()
            lo = max(0, start - window)
            assert ((finder.any_before.search(text, lo, start) is None)
                    == all(before.search(text, lo, start) is None for before in befores)), text[lo:end]
            assert ((finder.any_span.search(text[start:end]) is None)
                    == all(span.search(text[start:end]) is None for span in spans)), text[start:end]
            checked += 1
    assert checked > 100


def test_the_exclusions_joint_patterns_hold_on_the_rules_own_examples(rules, doc_from):
    # each rule's own example is still excluded with the joint patterns in front of the rules
    for rule, *_patterns in rules.quantities.exclusions:
        for example in rule.examples:
            rejected = [found for found in rules.quantities.find(example)
                        if getattr(found, "rule_id", None) == rule.id and hasattr(found, "reason")]
            assert rejected, (rule.id, example)
