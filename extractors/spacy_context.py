"""The learned context model: for each claim, which region and which year among the rules' candidates.

The candidates of a field (region, year) are the values the rule extractor gives the claims of
the same document, and no value: the model chooses among the rules' own decisions, never
invents one. Each (claim, candidate) pair becomes a small doc of feature words (`features`):
whether the candidate is the rules' choice for this claim, how many of the document's claims
the rules give it, whether the claims next to this one have it, where its mentions stand
relative to the figure (same clause, same sentence, before or after, how far, in the document's
opening) and the characters around the nearest mention. spaCy's multi-label text categoriser
(`textcat_multilabel`, bag of words: a logistic regression over those words,
configs/spacy_context.cfg) scores each pair with the label of its field (REGION or YEAR), and
`reform_context` gives each claim its best-scored candidate, the rules' choice on a tie.

Nothing here holds a Chinese word: region mentions come from the rule extractor's gazetteer,
years are four digits, and the characters around a mention are learned, not listed.
"""
from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import regex
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from reform_facts.claim import Claim, Document
from reform_facts.errors import SpacyConfigError
from reform_facts.structure import Structure
from reform_facts.extractors import spacy_components  # noqa: F401 (registers doc._.rf_claims)
from reform_facts.extractors.spacy_pipeline import structure_for, shared_rules

CONTEXT = "reform_context"
TEXTCAT = "context_textcat"
REGION, YEAR = "REGION", "YEAR"
FIELDS = {REGION: "region_code", YEAR: "year"}
SOURCES = ("learned", "rules")
# at most this many candidates per field besides the rules' choice and no value: the most
# frequent of the document (measured on dev: the gold value is among them for nearly every
# claim whose gold value is a candidate at all), which keeps the pairs per claim few
MAX_CANDIDATES = 6
# distances in characters from a figure to a candidate's nearest mention, as buckets
DISTANCES = (8, 24, 64, 200, 600)
_YEAR = regex.compile(r"(?<![0-9０-９])(?:19|20)[0-9]{2}(?![0-9０-９])")


@dataclass(frozen=True)
class Mentions:
    """Where each candidate value of a field is named in a document: sorted start offsets."""

    starts: dict[object, list[int]]
    ends: dict[object, list[int]]

    def around(self, value: object, start: int, end: int) -> tuple[int | None, int | None]:
        """The end of the nearest mention before [start, end) and the start of the nearest after it."""
        starts, ends = self.starts.get(value, []), self.ends.get(value, [])
        i = bisect.bisect_right(ends, start) - 1  # ends and starts are in the same order
        j = bisect.bisect_left(starts, end)
        return (ends[i] if i >= 0 else None), (starts[j] if j < len(starts) else None)


def region_mentions(text: str, codes: set[str]) -> Mentions:
    """The gazetteer's mentions of the candidate regions (a name naming several regions counts for each)."""
    rules = shared_rules()
    starts: dict[object, list[int]] = {}
    ends: dict[object, list[int]] = {}
    for mention in rules.gazetteer.mentions(text):
        for region in rules.gazetteer.by_surface.get(mention.surface, ()):
            if region.code in codes:
                starts.setdefault(region.code, []).append(mention.begin)
                ends.setdefault(region.code, []).append(mention.finish)
    return Mentions(starts, ends)


def year_mentions(text: str, years: set[int]) -> Mentions:
    """Four-digit years of the candidates as written in the text."""
    starts: dict[object, list[int]] = {}
    ends: dict[object, list[int]] = {}
    for match in _YEAR.finditer(text):
        year = int(match.group().translate(_FULL_WIDTH))
        if year in years:
            starts.setdefault(year, []).append(match.start())
            ends.setdefault(year, []).append(match.end())
    return Mentions(starts, ends)


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _bucket(distance: int) -> int:
    return bisect.bisect_left(DISTANCES, distance)


class DocumentContext:
    """One document's rule claims, candidates and mentions, worked out once for all its claims."""

    def __init__(self, text: str, claims: Sequence[Claim], layout: Structure) -> None:
        self.text = text
        self.claims = claims
        self.layout = layout
        self.counts = {REGION: Counter(c.region_code for c in claims), YEAR: Counter(c.year for c in claims)}
        self.candidates = {label: [v for v, _ in counts.most_common(MAX_CANDIDATES)]
                           for label, counts in self.counts.items()}
        self.ranks = {label: {v: rank for rank, v in enumerate(values)} for label, values in self.candidates.items()}
        self.latest_year = max((v for v in self.candidates[YEAR] if v is not None), default=None)
        # each claim's clause and sentence, asked for every candidate of both fields
        self.clauses = [layout.clause(c.start, c.end) for c in claims]
        self.sentences = [layout.sentence(c.start, c.end) for c in claims]
        # a code's name: the one the rules most often give it
        self.names: dict[str | None, str | None] = {}
        for (code, name), _ in Counter((c.region_code, c.region) for c in claims).most_common()[::-1]:
            self.names[code] = name
        self.mentions = {
            REGION: region_mentions(text, {v for v in self.counts[REGION] if v is not None}),
            YEAR: year_mentions(text, {v for v in self.counts[YEAR] if v is not None}),
        }
        # the document's opening: its first line (the title), where a report names its area and year
        self.opening = layout.paragraphs[0].end if layout.paragraphs else 0

    def choices(self, index: int, label: str) -> list[object]:
        """The candidate values of field `label` for claim `index`: the rules' choice first."""
        ruled = getattr(self.claims[index], FIELDS[label])
        out = [ruled, *(v for v in self.candidates[label] if v != ruled)]
        if None not in out:
            out.append(None)
        return out

    def features(self, index: int, label: str, value: object) -> list[str]:
        """The feature words of candidate `value` of field `label` for claim `index`."""
        claim = self.claims[index]
        ruled = getattr(claim, FIELDS[label])
        counts = self.counts[label]
        share = counts.get(value, 0) / max(len(self.claims), 1)
        words = ["bias", "rule" if value == ruled else "other", f"share{_bucket(int(share * 600))}"]
        rank = self.ranks[label].get(value, len(self.candidates[label]))
        words.append(f"rank{min(rank, 3)}")
        if value is None:
            words.append("none")
        for side, k in (("prev", index - 1), ("next", index + 1)):
            if 0 <= k < len(self.claims) and getattr(self.claims[k], FIELDS[label]) == value:
                words.append(f"{side}_same")
        if (claim.rule_id or "").startswith("table."):
            words.append("table")
        words.append(f"kind_{claim.kind}")
        if label == YEAR and isinstance(value, int) and isinstance(ruled, int):
            delta = max(-3, min(3, value - ruled))
            words.append(f"delta{delta}")
            if value == self.latest_year:
                words.append("latest")
        if value is not None:
            words += self._mention_words(index, label, value)
        rule_words = [f"rule&{w}" for w in words if value == ruled and w not in ("bias", "rule", "other")]
        return [f"{label[0]}:{w}" for w in words + rule_words]

    def _mention_words(self, index: int, label: str, value: object) -> list[str]:
        claim = self.claims[index]
        before, after = self.mentions[label].around(value, claim.start, claim.end)
        if before is None and after is None:
            return ["unnamed"]
        words = []
        clause, sentence = self.clauses[index], self.sentences[index]
        if before is not None:
            words.append(f"before{_bucket(claim.start - before)}")
            words.append("before_in_clause" if before > clause.start else
                         "before_in_sentence" if before > sentence.start else "before_earlier")
            # the characters around the mention: what follows a year (末, 相比...) or precedes it (比, 到...)
            starts = self.mentions[label].starts[value]
            at = starts[bisect.bisect_left(starts, before) - 1]  # the mention ending at `before`
            around = (("next_", self.text[before:before + 1]), ("next2_", self.text[before:before + 2]),
                      ("prev_", self.text[max(at - 1, 0):at]), ("prev2_", self.text[max(at - 2, 0):at]))
            # a feature doc's words hold no whitespace: characters with a line break say nothing here
            words += [name + chars for name, chars in around if not any(ch.isspace() for ch in chars)]
        if after is not None:
            words.append(f"after{_bucket(after - claim.end)}")
            if after < sentence.end:
                words.append("after_in_sentence")
        first = self.mentions[label].starts[value][0]
        if first < self.opening:
            words.append("in_opening")
        return words

    def region_name(self, code: str | None) -> str | None:
        return self.names.get(code)


def feature_doc(vocab: Vocab, words: list[str]) -> Doc:
    return Doc(vocab, words=words, spaces=[True] * (len(words) - 1) + [False])


def pairs(context: DocumentContext, index: int, label: str) -> Iterator[tuple[object, list[str]]]:
    """Each candidate of claim `index`'s field `label` with its feature words; none when there
    is nothing to choose (a single candidate) or the claim is a table cell's: its region and
    year are its row's and column's, read from the grid, so the model neither learns from nor
    overrides them (as the span categoriser leaves table rows alone)."""
    claim = context.claims[index]
    if context.layout.in_table_cell(claim.start, claim.end):
        return
    values = context.choices(index, label)
    if len(values) < 2:
        return
    for value in values:
        yield value, context.features(index, label, value)


# --- the component ------------------------------------------------------------------------

class ContextChooser:
    """Gives each claim of `doc._.rf_claims` the region and year the categoriser scores best
    among the rules' candidates, for the fields whose source is "learned"."""

    def __init__(self, nlp: Language, textcat: str, region: str, year: str, batch_size: int = 256) -> None:
        if region not in SOURCES or year not in SOURCES:
            raise SpacyConfigError(f"{CONTEXT}: region and year must each be one of {SOURCES} "
                                   f"(not {region!r}, {year!r})")
        self.nlp = nlp
        self.textcat = textcat
        self.learned = [label for label, source in ((REGION, region), (YEAR, year)) if source == "learned"]
        self.batch_size = batch_size

    def __call__(self, doc: Doc) -> Doc:
        claims: list[Claim] = list(doc._.rf_claims or [])
        if not claims or not self.learned:
            return doc
        document: Document = doc._.rf_document or Document.from_text(doc.text, doc_id="doc")
        context = DocumentContext(document.text, claims, structure_for(doc))
        # pairs with the same words have the same scores: a table's cells share most of theirs,
        # so each distinct set of words is made a doc and scored once
        asked: list[tuple[int, str, object, int]] = []
        distinct: dict[tuple[str, ...], int] = {}
        for index in range(len(claims)):
            for label in self.learned:
                for value, words in pairs(context, index, label):
                    asked.append((index, label, value, distinct.setdefault(tuple(words), len(distinct))))
        if not asked:
            return doc
        vocab = self.nlp.vocab
        scores = self.score([feature_doc(vocab, list(words)) for words in distinct])
        best: dict[tuple[int, str], tuple[float, object]] = {}
        for index, label, value, row in asked:
            score = scores[row][label]
            # the rules' choice comes first among a claim's candidates, so it wins a tie
            if (index, label) not in best or score > best[index, label][0]:
                best[index, label] = (score, value)
        changed = []
        for index, claim in enumerate(claims):
            changes: dict[str, object] = {}
            if (index, REGION) in best and best[index, REGION][1] != claim.region_code:
                code = best[index, REGION][1]
                changes.update(region_code=code, region=context.region_name(code))
            if (index, YEAR) in best and best[index, YEAR][1] != claim.year:
                changes["year"] = best[index, YEAR][1]
            changed.append(claim.with_(**changes) if changes else claim)
        doc._.rf_claims = changed
        return doc

    def score(self, docs: list[Doc]) -> list[dict[str, float]]:
        textcat = self.nlp.get_pipe(self.textcat)
        labels = list(textcat.labels)
        ops = textcat.model.ops
        out: list[dict[str, float]] = []
        for at in range(0, len(docs), self.batch_size):
            predicted = ops.to_numpy(textcat.predict(docs[at:at + self.batch_size]))
            out += [dict(zip(labels, row)) for row in predicted.tolist()]
        return out


@Language.factory(CONTEXT, default_config={"textcat": TEXTCAT, "region": "learned", "year": "learned"})
def make_context(nlp: Language, name: str, textcat: str, region: str, year: str) -> ContextChooser:
    return ContextChooser(nlp, textcat, region, year)
