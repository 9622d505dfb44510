"""Training the spaCy pipeline on the gold set's dev split: examples, spaCy's training loop, model folders.

Two trainings with spaCy's own loop, each from its config with its fixed seed, make one pipeline:
- the span categoriser (configs/spacy_indicator.cfg) learns from the candidate sentences
  (`candidate_sentences`) of the dev documents, as the running pipeline sees them (segmented
  in the whole document, rule spans marked), with the spans of `gold_spans` labelled;
- the context categoriser (configs/spacy_context.cfg) learns from the (claim, candidate) pairs
  of the rules' claims (`context_examples`): a pair is right when the candidate is the region
  code or year of the gold claim the rule claim overlaps most.
The context categoriser is then added to the span categoriser's pipeline, saved as one.

Trained pipelines live in `.models/spacy/<digest>/` (ignored by git). The digest covers both
configs, the dev gold files, the texts they label, the rules, the pkuseg model, spaCy's
version, the training code's `FORMAT` and the documents held out (extractors/model_digest.py), so any change to those
gives a new folder: a stale model is never loaded. A fold of cross-validation is the same
training with the documents of one fold held out (`model_digest.folds`).
"""
from __future__ import annotations

import fcntl
import io
import json
import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import load_config, registry as spacy_registry

from reform_facts.structure import Structure
from reform_facts.extractors.model_digest import folds as dev_folds
from reform_facts.extractors.model_digest import (CONFIG, CONTEXT_CONFIG, CORPUS_DIR, FORMAT,  # noqa: F401 (theirs)
                                                  DONE, GOLD_DIR, MODELS_DIR, is_trained, model_dir, text_path,
                                                  training_digest, training_files)
from reform_facts.extractors.spacy_components import (INDICATOR, QUANTITY, SPANS_KEY, candidate_sentences,
                                          sentence_docs)
from reform_facts.extractors.spacy_context import FIELDS, TEXTCAT, DocumentContext, feature_doc, pairs
from reform_facts.extractors.spacy_pipeline import (RULE_SPANS, WORD_GROUPS, structure_of, nearest_occurrence, segmenter,
                                      shared_rules)
from reform_facts.claim import Claim, Document
from reform_facts.gold import load_gold
from reform_facts.readers import read_document

READER = "reform_facts.gold_sentences.v1"
CONTEXT_READER = "reform_facts.gold_context.v1"

log = logging.getLogger(__name__)
Entity = tuple[int, int, str]


# --- examples -----------------------------------------------------------------------------

def gold_spans(text: str, claims: Iterable[Claim], layout: Structure) -> list[Entity]:
    """The labelled character spans of one document: QUANTITY over each required claim, and
    INDICATOR over the occurrence of its indicator nearest to it in its sentence. Optional
    claims are left out, so their spans count as negatives ("borderline" is not "a claim").

    >>> from reform_facts.claim import Document
    >>> doc = Document.from_text("签约覆盖率50.28%。", doc_id="d")
    >>> claim = Claim.at(doc, 5, 11, value=50.28, unit="%", quantity_type="percentage", indicator="签约覆盖率")
    >>> gold_spans(doc.text, [claim], structure_of(doc.text))
    [(0, 5, 'INDICATOR'), (5, 11, 'QUANTITY')]
    """
    spans: set[Entity] = set()
    for claim in claims:
        if claim.optional:
            continue
        spans.add((claim.start, claim.end, QUANTITY))
        sentence = layout.sentence(claim.start, claim.end)
        place = nearest_occurrence(text, claim.indicator, claim.start, claim.end, sentence) if claim.indicator else None
        if place:
            spans.add((*place, INDICATOR))
    return sorted(spans)


def build_examples(nlp: Language, gold_dir: Path, held_out: Collection[str] = (), limit: int = 0) -> list[Example]:
    """Training examples of the gold documents not held out, one per candidate sentence."""
    gold = load_gold(gold_dir)
    rule_spans = nlp.get_pipe(RULE_SPANS)
    examples: list[Example] = []
    trained = {path.stem for path in training_files(gold_dir)}
    for doc_id in sorted(set(gold) & trained - set(held_out)):
        text = read_document(text_path(doc_id, gold_dir)).text
        layout = structure_of(text)
        labelled = gold_spans(text, gold[doc_id], layout)
        doc = nlp.make_doc(text)
        doc._.rf_document = Document.from_text(text, doc_id=doc_id)
        doc._.rf_structure = layout
        doc = rule_spans(doc)
        sentences = candidate_sentences(doc, layout)
        for sentence, sub in zip(sentences, sentence_docs(doc, sentences)):
            examples.append(_example(sub, sentence.start_char, labelled))
    return examples[:limit] if limit else examples


def _example(sub: Doc, offset: int, labelled: list[Entity]) -> Example:
    """The sentence's labelled spans on its tokens: a quantity widened to whole tokens (the
    rules' candidates are widened the same way), an indicator only where pkuseg's tokens
    bound it exactly (the categoriser can only propose whole tokens)."""
    end = offset + len(sub.text)
    spans = []
    for s, e, label in labelled:
        if offset <= s and e <= end:
            span = sub.char_span(s - offset, e - offset, alignment_mode="expand" if label == QUANTITY else "strict")
            if span is not None and len(span):
                spans.append((span.start_char, span.end_char, label))
    return Example.from_dict(sub, {"spans": {SPANS_KEY: spans}})


@spacy_registry.readers(READER)
def gold_sentences(gold_dir: str | None = None, held_out: list[str] = [],  # noqa: B006 (spaCy config)
                   limit: int = 0) -> Callable[[Language], list[Example]]:
    """The config's corpus reader: the examples of `build_examples`, built once per pipeline
    (spaCy asks for them several times while initialising)."""
    built: dict[int, list[Example]] = {}

    def read(nlp: Language) -> list[Example]:
        if id(nlp) not in built:
            built[id(nlp)] = build_examples(nlp, Path(gold_dir) if gold_dir else GOLD_DIR, held_out, limit)
        return built[id(nlp)]
    return read


def context_examples(nlp: Language, gold_dir: Path, held_out: Collection[str] = (), limit: int = 0) -> list[Example]:
    """Training examples of the context categoriser: one per (rule claim, candidate) of the gold
    documents not held out, for each field, labelled 1 when the candidate is the field's value
    in the gold claim the rule claim overlaps most (rule claims overlapping no required gold
    claim are left out: no value of theirs is right)."""
    gold = load_gold(gold_dir)
    trained = {path.stem for path in training_files(gold_dir)}
    examples: list[Example] = []
    rules = shared_rules()
    for doc_id in sorted(set(gold) & trained - set(held_out)):
        text = read_document(text_path(doc_id, gold_dir)).text
        claims = rules(Document.from_text(text, doc_id=doc_id))
        context = DocumentContext(text, claims, structure_of(text))
        truths = [c for c in gold[doc_id] if not c.optional]
        for index, claim in enumerate(claims):
            truth = _overlapping(claim, truths)
            if truth is None:
                continue
            for label, field in FIELDS.items():
                right = getattr(truth, field)
                for value, words in pairs(context, index, label):
                    doc = feature_doc(nlp.vocab, words)
                    examples.append(Example.from_dict(doc, {"cats": {label: float(value == right)}}))
    return examples[:limit] if limit else examples


def _overlapping(claim: Claim, truths: list[Claim]) -> Claim | None:
    """The gold claim that overlaps `claim` most (the scorer pairs the same way), if any."""
    best = max(((min(claim.end, t.end) - max(claim.start, t.start), -abs(claim.start - t.start), k)
                for k, t in enumerate(truths)), default=None)
    return truths[best[2]] if best is not None and best[0] > 0 else None


@spacy_registry.readers(CONTEXT_READER)
def gold_context(gold_dir: str | None = None, held_out: list[str] = [],  # noqa: B006 (spaCy config)
                 limit: int = 0) -> Callable[[Language], list[Example]]:
    """The context config's corpus reader: the examples of `context_examples`, built once per pipeline."""
    built: dict[int, list[Example]] = {}

    def read(nlp: Language) -> list[Example]:
        if id(nlp) not in built:
            built[id(nlp)] = context_examples(nlp, Path(gold_dir) if gold_dir else GOLD_DIR, held_out, limit)
        return built[id(nlp)]
    return read


# --- training and model folders -----------------------------------------------------------

def config_value(dotted: str, config: Path = CONFIG) -> object:
    """One setting of the training config, by its dotted path (`nlp.tokenizer.user_dict`)."""
    value = load_config(config, interpolate=False)
    for key in dotted.split("."):
        value = value[key]
    return value


def training_sets(*, folds: bool) -> list[tuple[str, ...]]:
    """What to hold out: nothing (the final pipeline), then each fold's documents (the folds)."""
    return [(), *(dev_folds(GOLD_DIR) if folds else ())]


def ensure_models(held_out_sets: Iterable[Collection[str]],
                  on_done: Callable[[tuple[str, ...], Path, float | None], None] | None = None) -> list[Path]:
    """`ensure_model` for each set, the missing models trained side by side, one per core: a
    training keeps one core busy, so the five folds take three trainings' time on two cores.
    `on_done(held_out, folder, seconds)` is called as each is ready (seconds None: it was)."""
    sets = [tuple(sorted(held_out)) for held_out in held_out_sets]
    missing = [held_out for held_out in dict.fromkeys(sets) if not is_trained(held_out)]

    def one(held_out: tuple[str, ...]) -> Path:
        started = time.perf_counter()
        path = ensure_model(held_out)
        if on_done:
            on_done(held_out, path, time.perf_counter() - started)
        return path

    if missing:
        with ThreadPoolExecutor(max_workers=min(len(missing), len(os.sched_getaffinity(0)))) as pool:
            list(pool.map(one, missing))  # raises the first training's failure
    paths = []
    for held_out in sets:
        if held_out not in missing and on_done:
            on_done(held_out, model_dir(held_out), None)
        paths.append(ensure_model(held_out))
    return paths


def ensure_model(held_out: Collection[str] = ()) -> Path:
    """The trained pipeline's folder, training it first when it is missing (a minute or two).

    Processes that need the same model at once wait for the one that trains it."""
    path = model_dir(held_out)
    if (path / DONE).is_file():
        return path
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    with open(MODELS_DIR / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if (path / DONE).is_file():  # another process trained it while this one waited
            return path
        log.info("training the spaCy pipeline into %s (held out: %s)", path, ", ".join(held_out) or "none")
        # named after the model, under its lock: what a killed training of it left is cleared here
        work = MODELS_DIR / f".training-{path.name}"
        shutil.rmtree(work, ignore_errors=True)
        try:
            trained = train_in_new_process(held_out, work)
            (trained / DONE).write_text(json.dumps({"held_out": sorted(held_out)}) + "\n", encoding="utf-8")
            shutil.rmtree(path, ignore_errors=True)  # an interrupted training's leftovers
            trained.rename(path)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return path


def train_in_new_process(held_out: Collection[str], output: Path, **options: Any) -> Path:
    """`train` in a new Python process, so that the model depends on its inputs only; `options`
    are `train`'s others (overrides).

    Trained one after another in one process (the cross-validation folds), models came out
    different from the same folds trained each in a new process: state that spaCy and the
    shared segmenter keep between trainings leaks into the next one. A new process starts clean.
    """
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_train_child, kwargs={"held_out": tuple(held_out), "output": output, **options})
    process.start()
    try:
        # awake once a second: on Ctrl-C or SIGTERM the main thread ends and then waits for this
        # one, which must not wait out minutes of training (nor leave it running)
        while process.exitcode is None and threading.main_thread().is_alive():
            process.join(timeout=1)
    finally:
        if process.exitcode is None:
            process.terminate()
            process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"training the spaCy pipeline into {output} failed (exit {process.exitcode})")
    return output / "model-last"


def _train_child(**options: Any) -> None:
    """`train` in the new process, which ends with the process that started it, however that one
    ended (a SIGKILL included): a training nobody waits for is not left running."""
    threading.Thread(target=_end_with, args=(multiprocessing.parent_process(),), daemon=True).start()
    train(**options)


def _end_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    signal.raise_signal(signal.SIGTERM)


def train(*, held_out: Collection[str] = (), output: Path, config: Path = CONFIG,
          context_config: Path = CONTEXT_CONFIG, overrides: dict[str, object] | None = None,
          context_overrides: dict[str, object] | None = None) -> Path:
    """Train the span categoriser and the context categoriser with spaCy's loop, each from its
    config, and save them as one pipeline; returns its folder (`output/model-last`)."""
    indicator = _train_one(config, held_out, output / "indicator", overrides)
    context = _train_one(context_config, held_out, output / "context", context_overrides)
    nlp = load(indicator)
    nlp.add_pipe(TEXTCAT, source=load(context))
    nlp.to_disk(output / "model-last")
    shutil.rmtree(output / "indicator")
    shutil.rmtree(output / "context")
    return output / "model-last"


def _train_one(config: Path, held_out: Collection[str], output: Path, overrides: dict[str, object] | None) -> Path:
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_loop

    settings = {"corpora.train.held_out": sorted(held_out), **(overrides or {})}
    loaded = load_config(config, overrides=settings, interpolate=False)
    nlp = init_nlp(loaded)
    output.mkdir(parents=True, exist_ok=True)
    stream = _LogStream()
    train_loop(nlp, output, stdout=stream, stderr=stream)
    return output / "model-last"


class _LogStream(io.StringIO):
    """spaCy's training loop writes its progress table to a stream: send it to the log."""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                log.debug("spacy train: %s", line)
        return len(text)


def load(path: Path) -> Language:
    """A trained pipeline from its folder (the pkuseg model is the process's shared one)."""
    return spacy.load(path)


def segmentation_alignment(groups_sets: Iterable[tuple[str, ...]] = ((), ("units",), ("indicators",), ("regions",),
                                                                   ("units", "regions"), WORD_GROUPS)) -> list[dict]:
    """For each set of user-dictionary word groups: the share of the gold set's quantity and
    indicator spans, and of the rules' quantity, region and year spans, whose both ends fall
    on pkuseg's token boundaries (a span cut inside a token cannot be proposed exactly)."""
    trained = {path.stem for path in training_files(GOLD_DIR)}
    gold = {doc_id: claims for doc_id, claims in load_gold(GOLD_DIR).items() if doc_id in trained}
    texts = {doc_id: read_document(text_path(doc_id)).text for doc_id in gold}
    rules = shared_rules()
    rows = []
    for groups in groups_sets:
        counts = {"quantity": [0, 0], "indicator": [0, 0], "rule_spans": [0, 0]}
        for doc_id, text in texts.items():
            bounds = _boundaries(text, segmenter(tuple(groups)).cut(text))
            for s, e, label in gold_spans(text, gold[doc_id], structure_of(text)):
                counts[label.lower()][0] += s in bounds and e in bounds
                counts[label.lower()][1] += 1
            found = [(f.start, f.end) for f in rules.quantities.find(text)]
            found += [m.span() for m in rules.gazetteer.mentions(text)]
            found += [m.span() for m in rules.context.year_pattern.finditer(text)]
            counts["rule_spans"][0] += sum(s in bounds and e in bounds for s, e in found)
            counts["rule_spans"][1] += len(found)
        rows.append({"groups": tuple(groups), **{k: ok / max(n, 1) for k, (ok, n) in counts.items()}})
    return rows


def _boundaries(text: str, words: list[str]) -> set[int]:
    bounds, at = set(), 0
    for word in words:
        at = text.find(word, at)
        bounds.update((at, at + len(word)))
        at += len(word)
    return bounds
