"""Draw the sealed test split of the written documents: at random, by document, with a recorded seed.

Stratified by the documents' number block (1xx bulletins, 2xx yearbooks, fund statements and
hospital disclosures, 3xx plans and press texts, 4xx bureau and hospital summaries), so that each
kind of document is in both splits. The bundled documents of corpus/ were in view while the rules
were written, so they are always in dev. Run once, before any extractor has seen the documents:

    python gold/tools/draw_split.py > gold/split.json
"""
import json
import random
import sys
from pathlib import Path

SEED = 20261206
PER_BLOCK = 4
SECOND = 10  # documents labelled twice, independently, for agreement (drawn with SEED + 1)


def main() -> int:
    folder = Path(__file__).resolve().parent.parent / "documents"
    numbers = sorted({p.name[:3] for p in folder.iterdir() if p.name[:3].isdigit()})
    rng = random.Random(SEED)
    test = []
    for block in sorted({n[0] for n in numbers}):
        test += rng.sample([n for n in numbers if n[0] == block], PER_BLOCK)
    json.dump({"seed": SEED, "method": f"{PER_BLOCK} documents drawn per number block with random.Random(seed).sample",
               "test": sorted(test), "dev": sorted(set(numbers) - set(test)),
               "labelled_twice": sorted(random.Random(SEED + 1).sample(numbers, SECOND))},
              sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
