"""Which source each field of the `hybrid` extractor takes: cross-validated figures on the dev split.

    python -m benchmarks.spacy_sources            # print the figures and the choice
    python -m benchmarks.spacy_sources --write    # and write them to configs/spacy_sources.cfg

Every dev document is extracted by the pipeline trained without its fold
(extractors/model_digest.py `folds`) with each field's sources set in turn, and scored with
reform_facts.evaluation.scoring:
- quantities (which figures are claims): the rules' or the span categoriser's, by mention F1;
- indicator: the rules' phrase, the categoriser's best candidate, or the rules' phrase unless
  the categoriser is surer of another by a margin (`rules_unless_surer`, margins `MARGINS`),
  by lenient accuracy;
- region and year: the rules' or the context categoriser's choice, by accuracy.
Fields are compared on the rules' quantities, so on the same pairs. The test split is never read.
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from reform_facts.claim import Claim
from reform_facts.evaluation import scoring
from reform_facts.extractors import registry, training
from reform_facts.extractors.model_digest import SOURCES, folds, text_path
from reform_facts.extractors.spacy_extractor import runtime
from reform_facts.gold import load_gold, split_of
from reform_facts.paths import GOLD_DIR
from reform_facts.readers import read_document
from reform_facts.rulebook import load_rulebook

MARGINS = (0.1, 0.2, 0.3, 0.5)  # how much surer of another phrase the categoriser must be
# name: the extractor's sources (quantities, indicators, region, year)
VARIANTS: dict[str, dict[str, object]] = {
    "rules": {"quantities": "rules", "indicators": "rules", "region": "rules", "year": "rules"},
    "learned": {"quantities": "rules", "indicators": "learned", "region": "learned", "year": "learned"},
    **{f"rules_unless_surer_{round(margin * 100)}": {"quantities": "rules", "indicators": "rules_unless_surer",
                                           "indicator_margin": margin, "region": "rules", "year": "rules"}
       for margin in MARGINS},
    "learned_quantities": {"quantities": "learned", "indicators": "rules", "region": "rules", "year": "rules"},
}
FIELD_METRICS = {"quantities": "f1", "indicators": "indicator", "region": "region_code", "year": "year"}


def extract(variants: dict[str, dict[str, object]], gold_dir: Path = GOLD_DIR) -> dict[str, list[Claim]]:
    """Each variant's claims over the dev documents, every document by its fold's pipeline."""
    out: dict[str, list[Claim]] = {name: [] for name in variants}
    for fold in folds(gold_dir):
        path = training.ensure_model(fold)
        pipelines = {name: runtime(path, extractor=name, **sources) for name, sources in variants.items()}
        for doc_id in fold:
            doc = registry.describe(read_document(text_path(doc_id, gold_dir)))
            for name, nlp in pipelines.items():
                parsed = nlp.make_doc(doc.text)
                parsed._.rf_document = doc
                out[name] += nlp(parsed)._.rf_claims
    return out


def figures(variants: dict[str, dict[str, object]], gold_dir: Path = GOLD_DIR) -> dict[str, dict[str, float]]:
    """Mention F1, claim F1 and the field accuracies of each variant on the dev split."""
    gold = [c for doc_id, claims in sorted(load_gold(gold_dir).items()) if split_of(doc_id, gold_dir) == "dev"
            for c in claims]
    scored = {}
    for name, claims in extract(variants, gold_dir).items():
        score = scoring.evaluate(claims, gold).score
        scored[name] = {"f1": score.f1, "claim_f1": score.claim_f1,
                        **{metric: score.accuracy(metric) for metric in ("indicator", "region_code", "year")}}
    return {name: {k: round(v, 4) for k, v in values.items()} for name, values in scored.items()}


def choose(scores: dict[str, dict[str, float]]) -> tuple[dict[str, object], dict[str, object]]:
    """The hybrid's sources (each field's better-scored source, the rules' on a tie) and the
    spacy extractor's (every field learned; its indicator the categoriser's when surer than of
    the rules' phrase by the margin that scores best, which the hybrid shares)."""
    def better(metric: str, options: list[str]) -> str:
        return max(options, key=lambda variant: (scores[variant][metric], variant == "rules"))
    surer = better("indicator", [f"rules_unless_surer_{round(margin * 100)}" for margin in MARGINS])
    margin = VARIANTS[surer]["indicator_margin"]
    indicator = better("indicator", ["rules", "learned", surer])
    hybrid = {
        "quantities": "learned" if better("f1", ["rules", "learned_quantities"]) != "rules" else "rules",
        "indicators": VARIANTS[indicator]["indicators"],
        "indicator_margin": margin,
        "region": VARIANTS[better("region_code", ["rules", "learned"])]["region"],
        "year": VARIANTS[better("year", ["rules", "learned"])]["year"],
    }
    spacy = {"quantities": "learned", "indicators": "rules_unless_surer", "indicator_margin": margin,
             "region": "learned", "year": "learned"}
    return hybrid, spacy


def render(chosen: dict[str, object], spacy: dict[str, object], scores: dict[str, dict[str, float]],
           combined: dict[str, dict[str, float]]) -> str:
    lines = [
        "# Which source each field of the `spacy` and `hybrid` extractors takes (extractors/spacy_extractor.py):",
        "# for the hybrid, the one with the better cross-validated score on the dev split (each dev document",
        "# scored by the pipeline trained without its fold). Written by `python -m benchmarks.spacy_sources",
        "# --write`; not part of the trained model's digest: changing a choice retrains nothing.",
        "",
        "[hybrid]",
        *(f"{key} = {json.dumps(value)}" for key, value in chosen.items()),
        "",
        "# the spacy extractor: every field learned, the indicator with the best margin over the rules' phrase",
        "[spacy]",
        *(f"{key} = {json.dumps(value)}" for key, value in spacy.items()),
        "",
        f"# the dev figures that chose them, with rules/ of digest {load_rulebook().digest}: each variant's",
        "# sources are in benchmarks/spacy_sources.py",
        "# (quantities by mention f1, indicators by lenient indicator accuracy, region by region_code,",
        "# year by year accuracy; all on the rules' quantities but learned_quantities)",
        "[cv_dev]",
    ]
    for name, values in {**scores, **combined}.items():
        lines += ["", f"[cv_dev.{name}]", *(f"{key} = {value}" for key, value in values.items())]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spacy_sources", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write the choice and the figures to {SOURCES}")
    args = parser.parse_args(argv)
    scores = figures(VARIANTS)
    chosen, spacy = choose(scores)
    combined = figures({"hybrid": chosen, "spacy": spacy})
    text = render(chosen, spacy, scores, combined)
    print(text, end="")
    if args.write:
        SOURCES.write_text(text, encoding="utf-8")
        print(f"wrote {SOURCES}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
