"""The `reform-facts` command. The only module that prints."""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from reform_facts import ROOT
from reform_facts.claim import CONTRACT_FIELDS, EXTRACTOR_FIELDS
from reform_facts.errors import ReformFactsError
from reform_facts.readers import MAX_BYTES, Failure, read_all

PROGRESS_MIN_FILES = 5


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except ReformFactsError as error:
        print(f"reform-facts: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reform-facts", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    extract = sub.add_parser("extract", help="print the numeric claims of files as JSON lines")
    extract.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    extract.add_argument("--extractor", default="rules", help="extractor name (default: rules)")
    extract.add_argument("--max-bytes", type=int, default=MAX_BYTES, help="refuse files larger than this")
    extract.set_defaults(command=cmd_extract)

    run = sub.add_parser("run", help="the main job: extract a corpus to JSON lines and score it")
    run.add_argument("paths", nargs="*", type=Path, default=[ROOT / "corpus"], metavar="PATH")
    run.add_argument("--extractor", action="append", dest="extractors", metavar="NAME")
    run.add_argument("--output", type=Path, default=ROOT / "build" / "claims.jsonl")
    run.set_defaults(command=cmd_run)

    evaluate = sub.add_parser("evaluate", help="score extractors against the gold set")
    evaluate.add_argument("--extractor", action="append", dest="extractors", metavar="NAME",
                          help="extractor to score (repeatable; default: all)")
    evaluate.add_argument("--gold", type=Path, default=ROOT / "gold")
    evaluate.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    evaluate.add_argument("--errors", action="store_true", help="list every error with its sentence")
    evaluate.add_argument("--json", action="store_true", help="print the results as JSON")
    evaluate.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (0: none)")
    evaluate.set_defaults(command=cmd_evaluate)

    validate = sub.add_parser("validate-gold", help="check the gold set against the corpus")
    validate.add_argument("--gold", type=Path, default=ROOT / "gold")
    validate.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    validate.set_defaults(command=cmd_validate_gold)

    agreement = sub.add_parser("agreement", help="agreement between two labellings of the same documents")
    agreement.add_argument("first", type=Path, help="gold JSONL file or folder (the reference)")
    agreement.add_argument("second", type=Path, help="the other labelling, same documents")
    agreement.set_defaults(command=cmd_agreement)

    fetch = sub.add_parser("fetch-model", help="obtain and verify the pkuseg segmentation model")
    fetch.add_argument("--force", action="store_true")
    fetch.set_defaults(command=cmd_fetch_model)
    return parser


def _progress(items, *, total: int):
    if sys.stderr.isatty() and total >= PROGRESS_MIN_FILES:
        from tqdm import tqdm
        return tqdm(items, total=total, unit="file", file=sys.stderr)
    return items


def cmd_extract(args: argparse.Namespace) -> int:
    from extractors import registry
    from reform_facts.readers import expand_paths

    extractor = registry.get(args.extractor)
    keys = CONTRACT_FIELDS + EXTRACTOR_FIELDS
    # expand once up front: the count drives the progress bar, and files are then read one by one
    listed = list(expand_paths(args.paths))
    failures: list[Failure] = [item for item in listed if isinstance(item, Failure)]
    files = [item for item in listed if not isinstance(item, Failure)]
    out = sys.stdout
    for item in _progress(read_all(files, max_bytes=args.max_bytes), total=len(files)):
        if isinstance(item, Failure):
            failures.append(item)
            continue
        for claim in extractor(registry.describe(item)):
            out.write(json.dumps(claim.to_record(keys=keys), ensure_ascii=False) + "\n")
    out.flush()
    for failure in failures:
        print(f"reform-facts: {failure}", file=sys.stderr)
    return 1 if failures else 0


def cmd_run(args: argparse.Namespace) -> int:
    """Extract every document with every extractor into one JSONL file, then score on the gold set."""
    from collections import Counter

    from extractors import registry

    names = args.extractors or registry.names()
    keys = CONTRACT_FIELDS + EXTRACTOR_FIELDS
    args.output.parent.mkdir(parents=True, exist_ok=True)
    failures: list[Failure] = []
    counts: Counter[tuple[str, str]] = Counter()
    with args.output.open("w", encoding="utf-8") as out:
        for item in read_all(args.paths):
            if isinstance(item, Failure):
                failures.append(item)
                continue
            doc = registry.describe(item)
            for name in names:
                for claim in registry.get(name)(doc):
                    out.write(json.dumps(claim.to_record(keys=keys), ensure_ascii=False) + "\n")
                    counts[(doc.doc_id, name)] += 1
    for (doc_id, name), count in sorted(counts.items()):
        print(f"{doc_id}  {name:<8} {count:>5} claims")
    print(f"wrote {sum(counts.values())} claims to {args.output}")
    gold = ROOT / "gold"
    if any(gold.glob("*.jsonl")):
        from reform_facts import evaluation

        print(evaluation.run(extractors=names, gold_dir=gold, corpus_dir=ROOT / "corpus", resamples=200).table())
    for failure in failures:
        print(f"reform-facts: {failure}", file=sys.stderr)
    return 1 if failures else 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from reform_facts import evaluation

    report = evaluation.run(extractors=args.extractors, gold_dir=args.gold, corpus_dir=args.corpus,
                            resamples=args.bootstrap)
    if args.json:
        print(json.dumps(report.to_json(errors=args.errors), ensure_ascii=False, indent=2))
    else:
        print(report.table())
        if args.errors:
            print(report.error_listing())
    return 0


def cmd_validate_gold(args: argparse.Namespace) -> int:
    from reform_facts.gold import validate_gold

    problems = validate_gold(args.gold, args.corpus)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from reform_facts import scoring
    from reform_facts.gold import load_claims

    score = scoring.evaluate(load_claims(args.second), load_claims(args.first)).score
    print(f"mention P/R/F1  {score.precision:.3f} / {score.recall:.3f} / {score.f1:.3f}  "
          f"({score.pairs} pairs)")
    print(f"claim F1         {score.claim_f1:.3f}")
    for name in scoring.FIELDS:
        print(f"{name:<17}{score.accuracy(name):.3f}")
    return 0


def cmd_fetch_model(args: argparse.Namespace) -> int:
    from reform_facts.models import fetch_pkuseg

    print(fetch_pkuseg(force=args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
