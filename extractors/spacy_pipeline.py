"""The spaCy side of the project: pkuseg segmentation and the rule components, fed from rules/.

- The tokenizer is spaCy's Chinese pkuseg tokenizer over the model the setup obtains
  (`reform_facts.extractors.models.pkuseg_model_dir()`), loaded once per process and shared by every
  pipeline of the process (the final model, the cross-validation folds). Its user dictionary
  takes the rules' multi-character domain words of the groups the config names (`user_words`:
  unit surfaces, indicator head nouns, region names; the config keeps the units, the one
  group measured to keep more gold spans whole). Pipelines save the tokenizer's settings only,
  never the 180 MB model.
- `document_doc` makes the extractors' doc of a document: the rules read it first (`read`),
  then pkuseg cuts only the whitespace-separated chunks (lines, mostly) that hold part of a
  sentence with a quantity candidate: the only sentences the categoriser reads
  (spacy_components.candidate_sentences). Every other chunk stays one token. pkuseg cuts a text
  chunk by chunk anyway, so the tokens read are the same, and its time on the rest (a third of
  the bench corpus) is saved.
- `reform_rule_spans` is the span ruler: it runs the rule extractor's own QuantityFinder,
  Gazetteer, year pattern and claims over the text and writes `doc.spans["quantity" | "region" |
  "year" | "rule_indicator"]`. As features for the categoriser it writes each covered token's
  NORM as the span's class (`⟨percentage⟩`, `⟨region⟩`), so that it sees "a percentage stands
  here" rather than the figure itself, and the TAG `⟨indicator⟩` on the rules' indicator phrases.

Nothing here holds a Chinese word: every surface comes from the rule extractor's modules.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from spacy.errors import Errors
from spacy.lang.zh import ChineseTokenizer, Segmenter
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry as spacy_registry
from spacy.vocab import Vocab

from reform_facts.extractors import lean_pkuseg, registry
from reform_facts.structure import Segment, Structure
from reform_facts.extractors.quantities import Quantity, Rejection
from reform_facts.extractors.rule_based import RuleExtractor
from reform_facts.extractors.context import Context
from reform_facts.claim import Document
from reform_facts.errors import SpacyConfigError
from reform_facts.extractors.models import pkuseg_model_dir

TOKENIZER = "reform_facts.pkuseg_tokenizer.v1"
RULE_SPANS = "reform_rule_spans"
SPAN_KEYS = ("quantity", "region", "year", "rule_indicator")
# the word groups of the user dictionary (see `user_words`); all of them by default
WORD_GROUPS = ("units", "indicators", "regions")

# rf_found: every quantity candidate the rules found in the doc's text, accepted or rejected;
# rf_document: the Document the doc was made from; rf_rule_claims: (document, the rules' claims);
# rf_text: the doc's text where it is known without joining the tokens again; rf_structure: its
# sentences and clauses (`structure_for`); rf_reading: the rules' `Reading` of rf_document
for _name in ("rf_found", "rf_document", "rf_rule_claims", "rf_text", "rf_structure", "rf_reading"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def shared_rules() -> RuleExtractor:
    """The process's rule extractor: its quantity finder, gazetteer and context resolver are the
    ones every spaCy component uses (built once, never copied)."""
    rules = registry.get("rules")
    if not isinstance(rules, RuleExtractor):
        raise TypeError("the 'rules' extractor of the registry is not the RuleExtractor")
    return rules


# --- segmentation -------------------------------------------------------------------------

@cache
def _base_segmenter() -> Any:
    """The pkuseg model, loaded once per process: the compact form of reform_facts/models.py
    (which cuts as the published model does) with only the features of the characters met so
    far (extractors/lean_pkuseg.py: the same cuts; about 0.3 s and 220 MiB to load, then the
    features the texts met can fire as they come, about 80 MiB for the bundled corpus,
    instead of all 2.6 million from the start: 2 s and 520 MiB)."""
    return lean_pkuseg.load(pkuseg_model_dir())


def user_words(groups: Iterable[str] = WORD_GROUPS) -> list[str]:
    """Multi-character domain words of rules/ that the segmenter must keep whole.

    Single characters are left out: a forced 县 would split 县域. Groups: `units` (unit
    surfaces such as 个百分点, 人次), `indicators` (head nouns such as 医疗卫生机构) and `regions`
    (every gazetteer surface and deictic word such as 三明市, 全市).

    >>> "个百分点" in user_words(["units"]) and "县" not in user_words()
    True
    """
    rules = shared_rules()
    words: list[str] = []
    for group in groups:
        if group == "units":
            words += [s for unit in rules.book.units.units for s in unit.surfaces]
        elif group == "indicators":
            words += rules.book.indicators.head_nouns
        elif group == "regions":
            words += [*rules.gazetteer.by_surface, *rules.gazetteer.deictic]
        else:
            raise SpacyConfigError(f"nlp.tokenizer.user_dict: unknown word group {group!r}; "
                                   f"known: {', '.join(WORD_GROUPS)}")
    return sorted({w for w in words if len(w) >= 2 and not any(ch.isspace() for ch in w)})


@cache
def segmenter(groups: tuple[str, ...] = WORD_GROUPS) -> Any:
    """The shared pkuseg model with a user dictionary of these word groups (none: plain pkuseg)."""
    import spacy_pkuseg

    base = _base_segmenter()
    if not groups:
        return base
    seg = copy.copy(base)  # shares the model and features; only the dictionary differs
    seg.preprocesser = spacy_pkuseg.Preprocesser(user_words(groups))
    return seg


class RulesTokenizer(ChineseTokenizer):
    """spaCy's pkuseg tokenizer over the shared model; serialises its settings only."""

    def __init__(self, vocab: Vocab, user_dict: list[str]) -> None:
        super().__init__(vocab, segmenter=Segmenter.pkuseg)
        self.user_dict = list(user_dict)
        self.pkuseg_seg = segmenter(tuple(self.user_dict))

    def __call__(self, text: str) -> Doc:
        return self.segment(text)

    def segment(self, text: str, within: Sequence[Segment] | None = None) -> Doc:
        """The doc of `text`; with `within` (segments sorted by start), pkuseg cuts only the
        whitespace-separated chunks that overlap one of them (`cut_within`)."""
        cut = self.pkuseg_seg.cut(text) if within is None else cut_within(self.pkuseg_seg, text, within)
        words, spaces = words_and_spaces(cut, text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def initialize(self, get_examples=None, *, nlp=None, pkuseg_model=None, pkuseg_user_dict="default"):
        """Nothing to do: the model is the project's (`pkuseg_model_dir`), already loaded."""

    def _get_config(self) -> dict[str, Any]:
        return {"segmenter": self.segmenter, "user_dict": self.user_dict}

    def _set_config(self, config: dict[str, Any] = {}) -> None:  # noqa: B006 (spaCy's signature)
        self.user_dict = list(config.get("user_dict", self.user_dict))
        self.pkuseg_seg = segmenter(tuple(self.user_dict))

    def to_bytes(self, **kwargs: Any) -> bytes:
        import srsly
        return srsly.json_dumps(self._get_config()).encode("utf-8")

    def from_bytes(self, data: bytes, **kwargs: Any) -> RulesTokenizer:
        import srsly
        self._set_config(srsly.json_loads(data))
        return self

    def to_disk(self, path, **kwargs: Any) -> None:
        import srsly
        from spacy.util import ensure_path
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", self._get_config())

    def from_disk(self, path, **kwargs: Any) -> RulesTokenizer:
        import srsly
        from spacy.util import ensure_path
        self._set_config(srsly.read_json(ensure_path(path) / "cfg"))
        return self


def cut_within(seg: Any, text: str, within: Sequence[Segment]) -> list[str]:
    """pkuseg's words of the whitespace-separated chunks of `text` that overlap a segment of
    `within` (sorted by start), and each other chunk whole. pkuseg splits a text at whitespace
    and cuts each chunk on its own, so a chunk's words are those of the whole text's cut; the
    chunks wanted are cut in one call (the lean model covers their characters at once).

    >>> class Chars:
    ...     cut = staticmethod(lambda text: [ch for ch in text if not ch.isspace()])
    >>> cut_within(Chars, "甲乙 丙丁\\n戊己", [Segment(3, 4)])
    ['甲乙', '丙', '丁', '戊己']
    """
    chunks: list[tuple[str, bool]] = []
    at = k = 0
    for chunk in text.split():
        start = text.index(chunk, at)
        at = start + len(chunk)
        while k < len(within) and within[k].end <= start:  # segments ending before the chunk
            k += 1
        chunks.append((chunk, k < len(within) and within[k].start < at))
    cut = iter(seg.cut("\n".join(chunk for chunk, wanted in chunks if wanted)))
    words: list[str] = []
    for chunk, wanted in chunks:
        if not wanted:
            words.append(chunk)
            continue
        size = 0
        while size < len(chunk):  # a chunk's words spell it
            word = next(cut)
            words.append(word)
            size += len(word)
    return words


def words_and_spaces(words: list[str], text: str) -> tuple[list[str], list[bool]]:
    """spaCy's `util.get_words_and_spaces` in linear time: the text between words (whitespace
    pkuseg drops) becomes tokens of its own, a single space after a word its trailing space.
    (spaCy's copies the rest of the text for every word: quadratic, 16 s on 400 000 characters.)

    >>> words_and_spaces(["签约", "覆盖率", "50.28%"], "签约 覆盖率\\n\\n50.28%")
    (['签约', '覆盖率', '\\n\\n', '50.28%'], [True, False, False, False])
    """
    if "".join("".join(words).split()) != "".join(text.split()):
        raise ValueError(Errors.E194.format(text=text, words=words))
    out_words: list[str] = []
    out_spaces: list[bool] = []
    at = 0
    for word in words:
        if word.isspace():
            continue
        try:
            start = text.index(word, at)
        except ValueError:
            raise ValueError(Errors.E194.format(text=text, words=words)) from None
        if start > at:
            out_words.append(text[at:start])
            out_spaces.append(False)
        out_words.append(word)
        at = start + len(word)
        space = at < len(text) and text[at] == " "
        out_spaces.append(space)
        at += space
    if at < len(text):
        out_words.append(text[at:])
        out_spaces.append(False)
    return out_words, out_spaces


@spacy_registry.tokenizers(TOKENIZER)
def create_tokenizer(user_dict: list[str] = list(WORD_GROUPS)):
    """The tokenizer of configs/spacy_indicator.cfg: `user_dict` names the word groups."""
    def make(nlp: Language) -> RulesTokenizer:
        return RulesTokenizer(nlp.vocab, user_dict)
    return make


# --- the span ruler -----------------------------------------------------------------------

class RuleSpans:
    """Marks what the rules find, as features for the learned component.

    Quantity, region and year spans give their tokens' NORM the span's class (`⟨percentage⟩`,
    `⟨region⟩`, `⟨year⟩`). With `mark_indicators`, the rule extractor's claims are made here and
    the tokens of each claim's indicator phrase get the TAG `⟨indicator⟩`: the learned component
    sees the rules' proposal and learns where to depart from it.
    """

    def __init__(self, mark_norms: bool, mark_indicators: bool) -> None:
        self.mark_norms = mark_norms
        self.mark_indicators = mark_indicators

    def __call__(self, doc: Doc) -> Doc:
        rules = shared_rules()
        text = text_of(doc)
        document = doc._.rf_document or Document.from_text(text, doc_id="doc")
        # the document as the rules read it, once (`document_doc` reads it before segmenting):
        # its structure serves every component after
        reading = doc._.rf_reading or read(document)
        context = reading.context
        doc._.rf_structure = context.structure
        found = reading.found
        doc._.rf_found = found
        groups = {
            "year": [(m.start(), m.end(), "year") for m in rules.context.year_pattern.finditer(text)],
            "region": [(m.start(), m.end(), "region") for m in rules.gazetteer.mentions(text)],
            "quantity": [(q.start, q.end, str(q.quantity_type)) for q in found if isinstance(q, Quantity)],
        }
        for key, triples in groups.items():
            doc.spans[key] = list(_token_spans(doc, triples))
        if self.mark_norms:
            for key in groups:  # later groups win on a shared token: quantities last
                for span in doc.spans[key]:
                    for token in span:
                        token.norm_ = f"⟨{span.label_}⟩"
        if self.mark_indicators:
            self._mark_indicators(doc, document, context)
        return doc

    def _mark_indicators(self, doc: Doc, document: Document, context: Context) -> None:
        claims = shared_rules()(document, context, doc._.rf_found)
        doc._.rf_rule_claims = (document, claims)  # the claim assembler reuses them
        layout = structure_for(doc)
        # a table's claims are not segmented (candidate_segments): their phrases are not marked, and
        # the search stays within prose sentences (a table is one sentence: searching it for every
        # cell's label took time growing with the square of its size)
        places = [nearest_occurrence(document.text, c.indicator, c.start, c.end, layout.sentence(c.start, c.end))
                  for c in claims if c.indicator and not layout.in_table_cell(c.start, c.end)]
        doc.spans["rule_indicator"] = list(_token_spans(doc, ((*p, "indicator") for p in places if p)))
        for span in doc.spans["rule_indicator"]:
            for token in span:
                token.tag_ = "⟨indicator⟩"


@dataclass(frozen=True)
class Reading:
    """A document as the rules read it: its context (structure included) and every quantity
    candidate of its text, accepted or rejected."""

    context: Context
    found: list[Quantity | Rejection]


def read(document: Document) -> Reading:
    """The rules' `Reading` of a document, made once for the tokenizer and `reform_rule_spans`."""
    rules = shared_rules()
    context = rules.read(document)
    return Reading(context, rules.candidates(context))


def candidate_segments(layout: Structure, spans: Iterable[tuple[int, int]]) -> list[Segment]:
    """The sentences holding these character spans (the quantity candidates), sorted, without
    repeats. A candidate in a table's cell is left out: the table's grid reads it (its claim
    kept, its indicator its row's or column's label), so the categoriser neither learns from
    table rows nor reads them, and they are not segmented."""
    return sorted({layout.sentence(start, end) for start, end in spans if not layout.in_table_cell(start, end)},
                  key=lambda s: (s.start, s.end))


def document_doc(nlp: Language, document: Document) -> Doc:
    """The extractors' doc of `document`: read by the rules (`read`), then segmented where the
    categoriser reads it, the chunks of the sentences holding a quantity candidate
    (`RulesTokenizer.segment`); the reading goes along for `reform_rule_spans`."""
    reading = read(document)
    within = candidate_segments(reading.context.structure, ((f.start, f.end) for f in reading.found))
    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, RulesTokenizer):
        raise SpacyConfigError(f"the pipeline's tokenizer is {type(tokenizer).__name__}, not {TOKENIZER}")
    doc = tokenizer.segment(document.text, within)
    doc._.rf_document = document
    doc._.rf_reading = reading
    return doc


def text_of(doc: Doc) -> str:
    """The doc's text: the Document's when the doc was made from one (`Doc.text` joins every
    token anew on each access)."""
    if doc._.rf_text is not None:
        return doc._.rf_text
    document = doc._.rf_document
    return document.text if document is not None else doc.text


def structure_of(text: str) -> Structure:
    """The text's paragraphs, sentences and clauses as the rules cut them (rules/context.yaml)."""
    rules = shared_rules()
    return Structure(text, rules.context.structure_patterns)


def structure_for(doc: Doc) -> Structure:
    """The doc's structure (reform_facts.structure), made once and kept on the doc."""
    if doc._.rf_structure is None:
        doc._.rf_structure = structure_of(text_of(doc))
    return doc._.rf_structure


def nearest_occurrence(text: str, phrase: str, start: int, end: int, within: Segment) -> tuple[int, int] | None:
    """Where `phrase` occurs in `within` nearest to [start, end) without overlapping it.

    >>> nearest_occurrence("占比65%，占比70%", "占比", 10, 13, Segment(0, 13))
    (6, 8)
    """
    best = None
    at = text.find(phrase, within.start, within.end)
    while phrase and at >= 0:
        stop = at + len(phrase)
        gap = start - stop if stop <= start else at - end if at >= end else None
        if gap is not None and (best is None or gap < best[0]):
            best = (gap, at, stop)
        at = text.find(phrase, at + 1, within.end)
    return (best[1], best[2]) if best else None


def _token_spans(doc: Doc, triples: Iterable[tuple[int, int, str]]) -> Iterator[Span]:
    """Character spans as token spans, widened to whole tokens where pkuseg cut inside them."""
    for start, end, label in triples:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None and len(span):
            yield span


@Language.factory(RULE_SPANS, default_config={"mark_norms": True, "mark_indicators": True})
def make_rule_spans(nlp: Language, name: str, mark_norms: bool, mark_indicators: bool) -> RuleSpans:
    return RuleSpans(mark_norms, mark_indicators)


def candidates(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of the rules' quantity candidates (accepted and rejected) in a marked doc."""
    found: list[Quantity | Rejection] = doc._.rf_found or []
    return [(f.start, f.end) for f in found]
