"""Draw the sealed test split of the written documents: at random, by document, with a recorded seed.

Stratified by the documents' number block (1xx bulletins, 2xx yearbooks, fund statements and
hospital disclosures, 3xx plans and press texts, 4xx bureau and hospital summaries; 5xx to 8xx
table-heavy documents of every genre, written in later rounds; 9xx the weakest genres of
the last test scores: yearbooks, hospital disclosures, multi-region texts, fund statements, press texts;
Axx, after 9xx, a round of every genre with more prose; Bxx the genres that scored lowest on the
test split: yearbooks above all, hospital disclosures, multi-region texts, a press text, a plan; Cxx
and Dxx and Exx one document of each of the ten genres, with the genre's own balance of prose and tables; Fxx
the genres weakest on the test split, two yearbooks, two experience texts, two multi-region texts, and a hospital
disclosure, a press text, a plan and a fund statement; Gxx to Kxx the same genres again, in other places and forms; Lxx and Mxx eight documents each of the five weakest genres, Nxx eight of eight genres, Oxx
eight of the five weakest genres again (two experience texts, two press texts, two hospital disclosures, a
yearbook, a multi-region text), Pxx eight of seven genres (two experience texts, two press texts, a hospital
disclosure, a fund statement, a plan, a bureau summary); one of each round labelled twice), so
that each kind of document is in both splits. A number is three characters, a digit or a capital
letter and two digits: a letter block sorts after 9. A later block is drawn by the same rule with the random state carried on, so the
earlier blocks' draws stay as they were; the documents labelled twice are drawn once per writing
round. The bundled documents of corpus/ were in view while the rules were written, so they are
always in dev. Run once per round, before any extractor has seen its documents:

    python gold/tools/draw_split.py > gold/split.json
"""
import json
import random
import re
import sys
from pathlib import Path

SEED = 20261206
PER_BLOCK = 4
# documents labelled twice, independently, for agreement: per writing round (its blocks), how many,
# drawn with SEED + 1 for the first round and SEED + 1 + k for the k-th later one
SECOND = {"1234": 10, "5": 2, "6": 2, "7": 2, "8": 2, "9": 2, "A": 2, "B": 2, "C": 2, "D": 2, "E": 2, "F": 2, "G": 2, "H": 2, "I": 2, "J": 2, "K": 2, "L": 1, "M": 1, "N": 1, "O": 1, "P": 1}


def main() -> int:
    folder = Path(__file__).resolve().parent.parent / "documents"
    numbers = sorted({p.name[:3] for p in folder.iterdir() if re.fullmatch(r"[0-9A-Z][0-9]{2}", p.name[:3])})
    rng = random.Random(SEED)
    test = []
    for block in sorted({n[0] for n in numbers}):
        test += rng.sample([n for n in numbers if n[0] == block], PER_BLOCK)
    twice = []
    for k, (blocks, count) in enumerate(SECOND.items()):
        round_numbers = [n for n in numbers if n[0] in blocks]
        if round_numbers:
            twice += random.Random(SEED + 1 + k).sample(round_numbers, count)
    json.dump({"seed": SEED, "method": f"{PER_BLOCK} documents drawn per number block with random.Random(seed).sample",
               "test": sorted(test), "dev": sorted(set(numbers) - set(test)), "labelled_twice": sorted(twice)},
              sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
