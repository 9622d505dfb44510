"""The `spacy` extractor: the trained spaCy pipeline run over a document.

    tokenizer              pkuseg over the whole text (the model loaded once per process)
    reform_rule_spans      quantity, region, year spans and the rules' claims; NORM and TAG marks
    spancat                (disabled: run by the next component on the sentences that matter)
    reform_sentence_spans  the trained span categoriser on the sentences that hold a figure
    reform_claims          claims: rule-resolved values and context, learned spans and indicators

Its version names the trained pipeline's folder, whose name is a hash of the rules, the config,
the gold set and the training code (extractors/training.py): a changed input is a new version.
"""
from __future__ import annotations

from collections.abc import Collection

from spacy.language import Language

from reform_facts.extractors import training
from reform_facts.extractors.code_version import code_version
from reform_facts.extractors.model_digest import extractor_version, training_files
from reform_facts.extractors.spacy_components import CLAIMS, SENTENCE_SPANS
from reform_facts.claim import Claim, Document

NAME = "spacy"
MAX_CHARS = 50_000_000  # more than the readers accept (20 MB of text)


def runtime(path, *, extractor: str, **assemble: object) -> Language:
    """The trained pipeline of `path` with the sentence categoriser and the claim assembler
    added; `assemble` sets the assembler (`quantities`, `indicators`, `indicator_margin`...)."""
    nlp = training.load(path)
    # spaCy refuses texts over a million characters for the memory of its parsers; this
    # pipeline's learned part reads sentences, so a long report is no reason to fail
    nlp.max_length = MAX_CHARS
    nlp.add_pipe(SENTENCE_SPANS, config={"spancat": "spancat"})
    nlp.disable_pipe("spancat")  # run by reform_sentence_spans on the sentences that matter
    nlp.add_pipe(CLAIMS, config={"extractor": extractor, **assemble})
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
    assemble: dict[str, object] = {"quantities": "learned", "indicators": "learned"}

    def __init__(self, *, held_out: Collection[str] = ()) -> None:
        self.held_out = tuple(sorted(held_out))
        path = training.ensure_model(self.held_out)
        self.nlp = runtime(path, extractor=self.name, **self.assemble)
        fold = f"-without-{'+'.join(self.held_out)}" if self.held_out else ""
        self.version = f"{self.name}-{path.name}-{code_version()}{fold}"

    def __call__(self, doc: Document) -> list[Claim]:
        parsed = self.nlp.make_doc(doc.text)
        parsed._.rf_document = doc
        return list(self.nlp(parsed)._.rf_claims)

    def cross_validate(self, held_out: Collection[str]) -> SpacyExtractor:
        """The same extractor trained without the `held_out` gold documents (itself when it
        was not trained on any of them)."""
        trained = {path.stem for path in training_files()}
        held = sorted(set(held_out) & trained)
        return type(self)(held_out=held) if held else self


