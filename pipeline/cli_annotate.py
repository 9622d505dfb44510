"""`reform-facts annotate export|import`: the Label Studio round trip, as commands of
reform_facts/cli.py (printing what they wrote, as it does)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reform_facts import paths
from reform_facts.evaluation import annotate
from reform_facts.extractors import registry
from reform_facts.gold import load_gold
from reform_facts.readers import Failure, read_all


def add_commands(sub) -> None:
    """The `annotate` command and its steps, on the command line's subparsers `sub`."""
    annotate = sub.add_parser("annotate", help="Label Studio round trip: export tasks, import annotations")
    steps = annotate.add_subparsers(required=True, metavar="STEP")
    export = steps.add_parser("export", help="write Label Studio tasks with claims as pre-annotations")
    export.add_argument("paths", nargs="*", type=Path, default=[paths.CORPUS_DIR], metavar="PATH",
                        help="files (.txt, .md, .html, .docx, .pdf) and folders (default: corpus/)")
    export.add_argument("--extractor", default="rules", help="extractor whose claims pre-annotate (default: rules)")
    export.add_argument("--from-gold", type=Path, metavar="DIR",
                        help="pre-annotate with the gold claims of DIR instead (to review the gold set)")
    export.add_argument("--output", type=Path, default=paths.BUILD_DIR / "label-studio" / "tasks.json",
                        help="the tasks file to import into Label Studio (default: build/label-studio/tasks.json)")
    export.add_argument("--config", type=Path,
                        help="where the labelling configuration XML goes (default: labelling-config.xml beside --output)")
    export.set_defaults(command=cmd_annotate_export)
    load = steps.add_parser("import", help="turn a Label Studio JSON export into gold JSONL files")
    load.add_argument("file", type=Path, metavar="FILE", help="Label Studio export in its JSON format")
    load.add_argument("--gold", type=Path, default=paths.GOLD_DIR, help="where the gold files go")
    load.add_argument("--corpus", type=Path, default=paths.CORPUS_DIR,
                      help="where the gold set's bundled documents are (default: corpus/); a task's "
                      "document found neither there nor in GOLD/documents is kept as GOLD/documents/<doc_id>.txt")
    load.set_defaults(command=cmd_annotate_import)


def cmd_annotate_export(args: argparse.Namespace) -> int:
    gold = load_gold(args.from_gold) if args.from_gold else None
    if gold is not None and args.paths == [paths.CORPUS_DIR]:  # the gold set's documents, all of them
        args.paths = [paths.CORPUS_DIR, Path(args.from_gold) / "documents"]
    extractor = None if gold is not None else registry.get(args.extractor)
    tasks, failures = [], []
    for item in read_all(args.paths):
        if isinstance(item, Failure):
            failures.append(item)
            continue
        doc = registry.describe(item)
        if gold is not None:
            tasks.append(annotate.task(doc, gold.get(doc.doc_id, []), model_version="gold"))
        else:
            tasks.append(annotate.task(doc, extractor(doc), model_version=extractor.version))
    config = args.config or args.output.with_name("labelling-config.xml")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    config.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    config.write_text(annotate.labelling_config(), encoding="utf-8")
    regions = sum(len({r["id"] for r in t["predictions"][0]["result"]}) for t in tasks)
    print(f"wrote {len(tasks)} tasks with {regions} pre-annotated claims to {args.output}")
    print(f"wrote the labelling configuration to {config}")
    for failure in failures:
        print(f"reform-facts: {failure}", file=sys.stderr)
    return 1 if failures else 0


def cmd_annotate_import(args: argparse.Namespace) -> int:
    tasks = annotate.read_export(args.file)
    gold = annotate.gold_from_export(tasks, source=str(args.file))
    texts = {doc_id: text for doc_id, text in annotate.task_texts(tasks).items() if doc_id in gold}
    problems = annotate.check(gold, args.corpus, args.gold, texts=texts)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problems: nothing written", file=sys.stderr)
        return 1
    for path in annotate.write_documents(texts, args.gold, args.corpus):
        print(f"wrote {path} (the document's text: the gold set had no copy)")
    for path in annotate.write(gold, args.gold):
        print(f"wrote {path} ({len(gold[path.stem])} claims)")
    skipped = len(tasks) - len(gold)
    if skipped:
        print(f"{skipped} tasks without a submitted annotation were left out")
    return 0
