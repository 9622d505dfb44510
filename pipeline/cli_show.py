"""`reform-facts show DOC`: one document as an HTML page with its claims marked, as a command of
reform_facts/cli.py (printing where it wrote the page, as it does)."""
from __future__ import annotations

import argparse
from pathlib import Path

from reform_facts import paths
from reform_facts.errors import ReformFactsError
from reform_facts.evaluation import document_view
from reform_facts.extractors import registry
from reform_facts.gold import document_path, load_file, split_of
from reform_facts.readers import read_document

DEFAULT_EXTRACTOR = "rules"


def add_commands(sub) -> None:
    """The `show` command, on the command line's subparsers `sub`."""
    show = sub.add_parser(
        "show", help="write an HTML page of one document with every claim highlighted",
        description="Write a self-contained HTML page of one document's text with every claim "
        "highlighted; hover or click one for its fields.")
    show.add_argument("doc", metavar="DOC",
                      help="a document file (.txt, .md, .html, .docx, .pdf) or a gold doc_id")
    source = show.add_mutually_exclusive_group()
    source.add_argument("--extractor", metavar="NAME",
                        help=f"show this extractor's claims (default: {DEFAULT_EXTRACTOR})")
    source.add_argument("--gold", action="store_true", help="show the gold claims instead")
    show.add_argument("--compare", choices=["gold"],
                      help="compare the extractor's claims with gold: mark right claims, wrong "
                      "fields, false alarms and misses")
    show.add_argument("--output", type=Path, metavar="FILE.html",
                      help="where the page goes (default: build/show/<doc_id>.<extractor or gold>.html)")
    show.add_argument("--gold-dir", type=Path, default=paths.GOLD_DIR, metavar="DIR",
                      help="the gold set (default: gold/)")
    show.add_argument("--corpus", type=Path, default=paths.CORPUS_DIR, metavar="DIR",
                      help="where the bundled gold documents are (default: corpus/)")
    show.add_argument("--unseal", action="store_true",
                      help="allow the gold claims of a document of the sealed test split")
    show.set_defaults(command=cmd_show)


def _document(name: str, gold_dir: Path, corpus_dir: Path):
    """DOC as a file when there is one, else as a gold doc_id."""
    path = Path(name)
    if not path.exists() and not path.suffix:
        try:
            path = document_path(name, gold_dir=gold_dir, corpus_dir=corpus_dir)
        except ReformFactsError as error:
            raise ReformFactsError(f"{name}: no such file, nor a gold document ({error})") from None
    return registry.describe(read_document(path))


def _gold_claims(doc, args: argparse.Namespace):
    if split_of(doc.doc_id, args.gold_dir) == "test" and not args.unseal:
        raise ReformFactsError(f"{doc.doc_id} is in the sealed test split: its gold claims are "
                               "shown only with --unseal")
    path = args.gold_dir / f"{doc.doc_id}.jsonl"
    if not path.is_file():
        raise ReformFactsError(f"{path}: no gold claims for {doc.doc_id}")
    claims = load_file(path)
    for claim in claims:  # DOC given as a file: its text must be the one gold was labelled on
        claim.check_against(doc.text)
    return claims


def cmd_show(args: argparse.Namespace) -> int:
    if args.gold and args.compare:
        raise ReformFactsError("--compare gold compares an extractor's claims with gold: leave out --gold")
    doc = _document(args.doc, args.gold_dir, args.corpus)
    if args.gold:
        marks = document_view.claim_marks(_gold_claims(doc, args), gold=True)
        source, name = "gold claims", "gold"
    else:
        extractor = registry.get(args.extractor or DEFAULT_EXTRACTOR)
        gold = _gold_claims(doc, args) if args.compare else None
        # as `evaluate` scores it: a trained extractor by the model that did not see this document
        cross_validate = getattr(extractor, "cross_validate", None)
        run = cross_validate([doc.doc_id]) if gold is not None and cross_validate else extractor
        predicted = run(doc)
        name = extractor.name
        if gold is None:
            marks, source = document_view.claim_marks(predicted), f"claims of {name} {extractor.version}"
        else:
            marks = document_view.compare(doc, predicted, gold)
            source = f"claims of {name} {extractor.version} compared with gold"
    output = args.output or paths.BUILD_DIR / "show" / f"{doc.doc_id}.{name}.html"
    path = document_view.write_view(document_view.render(doc, marks, source=source), output)
    summary = ", ".join(f"{number} {status.replace('_', ' ')}"
                        for status, number in document_view.counts(marks).items()) or "no claims"
    print(f"wrote {path} ({summary})")
    return 0
