"""The `spacy` extractor: the trained spaCy pipeline run over a document.

    tokenizer              pkuseg over the lines holding a sentence with a quantity candidate of
                           the rules outside table cells, read first (spacy_pipeline.document_doc;
                           the model loaded once per process); a table's cells are read from its
                           grid, so the span categoriser neither learns from nor reads them
    reform_rule_spans      quantity, region, year spans and the rules' claims; NORM and TAG marks
    spancat                (disabled: run by the next component on the sentences that matter)
    context_textcat        (disabled: run by reform_context on its feature docs)
    reform_sentence_spans  the trained span categoriser on the sentences that hold a figure
    reform_claims          claims: rule-resolved values and context, learned spans and indicators
    reform_context         each claim's region and year: the context categoriser's choice among
                           the rules' candidates (extractors/spacy_context.py)

Trained on the dev split of the gold set; a dev document is scored (`cross_validate`) by the
pipeline trained without its fold (`model_digest.folds`), a test document by the final one.

Its version names the trained pipeline's folder, whose name is a hash of the rules, the config,
the gold set and the training code (extractors/training.py): a changed input is a new version.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from functools import cache

from spacy.language import Language
from thinc.api import Config

from reform_facts.extractors import training
from reform_facts.extractors.code_version import code_version
from reform_facts.errors import SpacyConfigError
from reform_facts.extractors.model_digest import SOURCES, extractor_version, fold_of
from reform_facts.extractors.spacy_components import CLAIMS, SENTENCE_SPANS
from reform_facts.extractors.spacy_context import CONTEXT, TEXTCAT
from reform_facts.extractors.spacy_pipeline import document_doc
from reform_facts.claim import Claim, Document

NAME = "spacy"
MAX_CHARS = 50_000_000  # more than the readers accept (20 MB of text)
# what configs/spacy_sources.cfg sets for an extractor: the claim assembler's and the context chooser's sources
FIELDS = ("quantities", "indicators", "indicator_margin", "region", "year")


@cache
def field_sources(extractor: str) -> dict[str, object]:
    """The section `extractor` of configs/spacy_sources.cfg: where each field comes from, chosen
    on the dev split's cross-validated figures recorded beside it (benchmarks/spacy_sources.py)."""
    try:
        chosen = dict(Config().from_disk(SOURCES, interpolate=False)[extractor])
    except (OSError, KeyError, ValueError) as error:
        raise SpacyConfigError(f"{SOURCES}: no section [{extractor}] of field sources ({error})") from error
    if set(chosen) != set(FIELDS):
        raise SpacyConfigError(f"{SOURCES}: [{extractor}] must set exactly {', '.join(FIELDS)}; "
                               f"it sets {', '.join(sorted(chosen))}")
    return chosen


def runtime(path, *, extractor: str, region: str = "learned", year: str = "learned",
            **assemble: object) -> Language:
    """The trained pipeline of `path` with the sentence categoriser, the claim assembler and the
    context chooser added; `assemble` sets the assembler (`quantities`, `indicators`,
    `indicator_margin`...), `region` and `year` the chooser ("learned" or "rules")."""
    nlp = training.load(path)
    # spaCy refuses texts over a million characters for the memory of its parsers; this
    # pipeline's learned part reads sentences, so a long report is no reason to fail
    nlp.max_length = MAX_CHARS
    nlp.add_pipe(SENTENCE_SPANS, config={"spancat": "spancat"})
    nlp.disable_pipe("spancat")  # run by reform_sentence_spans on the sentences that matter
    nlp.disable_pipe(TEXTCAT)  # run by reform_context on its feature docs
    nlp.add_pipe(CLAIMS, config={"extractor": extractor, **assemble})
    nlp.add_pipe(CONTEXT, config={"textcat": TEXTCAT, "region": region, "year": year})
    return nlp


def version(name: str = NAME, held_out: Collection[str] = ()) -> str:
    """The `version` of the extractor `name` (spacy, hybrid) with `held_out` out of training
    (`model_digest.extractor_version`)."""
    return extractor_version(name, held_out)


class SpacyExtractor:
    """Build once (trains on first use if the model is missing), then call per document.

    `held_out` names gold documents left out of training: the cross-validation folds.
    """

    name = NAME

    @property
    def assemble(self) -> dict[str, object]:
        """The sources of the fields (`field_sources`): for `spacy` every field learned."""
        return field_sources(self.name)

    def __init__(self, *, held_out: Collection[str] = ()) -> None:
        self.held_out = tuple(sorted(held_out))
        path = training.ensure_model(self.held_out)
        self.nlp = runtime(path, extractor=self.name, **self.assemble)
        fold = f"-without-{'+'.join(self.held_out)}" if self.held_out else ""
        self.version = f"{self.name}-{path.name}-{code_version()}{fold}"
        self._folds: dict[tuple[str, ...], SpacyExtractor] = {}

    def __call__(self, doc: Document) -> list[Claim]:
        return list(self.nlp(document_doc(self.nlp, doc))._.rf_claims)

    def train_folds(self, doc_ids: Iterable[str]) -> None:
        """Train, side by side, the fold models that `cross_validate` will need for `doc_ids`."""
        training.ensure_models({fold for doc_id in doc_ids if (fold := fold_of(doc_id))})

    def cross_validate(self, held_out: Collection[str]) -> SpacyExtractor:
        """The same extractor trained without the folds of the `held_out` gold documents (itself
        when it was trained on none of them: the test split), built once per fold."""
        held = tuple(sorted({doc_id for doc in held_out for doc_id in fold_of(doc)}))
        if not held:
            return self
        if held not in self._folds:
            self._folds[held] = type(self)(held_out=held)
        return self._folds[held]


