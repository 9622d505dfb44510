"""Adversarial inputs: does an extractor's time stay linear in the input, whatever the text?

Each family generates ordinary-looking text that has made extractors super-linear before (issue
21): a column of numbers one per line (a table copied out of a PDF), short paragraphs that say
`全市` but never name the city, runs of Chinese numerals, `1,000,000…` runs, claim-dense
sentences, a Markdown table of thousands of rows, one very long line of digits; and normal text
(the bundled corpus) to compare with. Each is generated at 1x, 2x, 4x and 8x of BASE_BYTES of
UTF-8, deterministically. A timed call is what the CLI does per document: `registry.describe`
(the title, year and region the document states) and the extractor, in CPU seconds; a call
is made at least MIN_REPEATS times, and repeated while under MIN_TOTAL_S, and the fastest kept, so
that neither a small time nor one slow call (a garbage collection, a busy neighbour) makes a ratio noise.
The timeout is wall-clock.

Every extractor runs in a child process of its own (`--serve`), asked for one (family, size) at
a time; a call with no answer within the timeout ends the child, the size is reported as timed
out and the family's larger sizes are not run, so a pathological case cannot hang the bench. A
call that raises is reported with its exception, and flagged, as a timeout is.
The time ratio per doubling is reported for each family; a family is flagged when one doubling
costs more than LIMIT times the time (linear is 2).

    python -m benchmarks.adversarial rules [--timeout 60]      # the table for one extractor
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import select
import string
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from reform_facts.claim import Document
from reform_facts.paths import CORPUS_DIR
from reform_facts.paths import PROJECT_DIR as ROOT

BASE_BYTES = 10 * 1024
FACTORS = (1, 2, 4, 8)
LIMIT = 2.5  # time ratio per doubling above which a family is flagged
EXTRACTORS = ("rules", "spacy")
TIMEOUT_S = 60.0
LOAD_TIMEOUT_S = 300.0
MIN_REPEATS = 3  # every call is made this many times at least, ...
MIN_TOTAL_S = 0.3  # repeat a fast call until this much time is spent ...
MAX_REPEATS = 20  # ... or this many calls are made, and keep the fastest
NORMAL = "normal text"
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "NUMEXPR_NUM_THREADS")}

INDICATORS = ("门诊诊疗人次", "住院人数", "床位使用率", "卫生技术人员", "家庭医生签约覆盖率", "医疗服务收入占比",
              "基层诊疗量占比", "药品费用", "医保基金支出", "人均预期寿命", "孕产妇死亡率", "县域内就诊率")
UNITS = ("%", "万元", "亿元", "人", "张", "个百分点", "万人次", "倍", "个", "元")
DISTRICTS = ("鼓楼区", "台江区", "仓山区", "马尾区", "晋安区", "长乐区", "闽侯县", "连江县", "罗源县", "闽清县",
             "永泰县", "平潭县", "福清市", "思明区", "海沧区", "湖里区", "集美区", "同安区", "翔安区", "城厢区")
NUMERALS = "零一二三四五六七八九十百千万亿两"


def _grow(pieces: Iterator[str], size: int) -> str:
    """Pieces joined until the text reaches `size` bytes of UTF-8."""
    out, total = [], 0
    for piece in pieces:
        if total >= size:
            break
        out.append(piece)
        total += len(piece.encode("utf-8"))
    return "".join(out)


def _forever(make: Callable[[random.Random], str], seed: str) -> Iterator[str]:
    rng = random.Random(seed)
    while True:
        yield make(rng)


def normal_text(size: int) -> str:
    """The bundled documents, in order, line by line."""
    lines = [line + "\n" for path in sorted(CORPUS_DIR.glob("*.txt"))
             for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return _grow((lines[k % len(lines)] for k in range(10**9)), size)


def number_column(size: int) -> str:
    return _grow(_forever(lambda r: (f"{r.randint(1, 99999)}" if r.random() < 0.6
                                     else f"{r.randint(0, 9999)}.{r.randint(0, 99):02d}") + "\n",
                          "column"), size)


def city_never_named(size: int) -> str:
    templates = ("全市共有医疗卫生机构{a}个，比上年增加{b}个。", "全市卫生技术人员{a}人，增长{p}%。",
                 "全市床位使用率为{p}%。", "全市门诊诊疗量{a}万人次。", "全市家庭医生签约覆盖率达到{p}%。")
    return _grow(_forever(lambda r: r.choice(templates).format(
        a=r.randint(10, 9999), b=r.randint(1, 99), p=f"{r.randint(1, 99)}.{r.randint(0, 9)}") + "\n",
        "city"), size)


def chinese_numerals(size: int) -> str:
    return _grow(_forever(lambda r: "".join(r.choice(NUMERALS) for _ in range(r.randint(20, 80)))
                          + r.choice(("，", "元，", "人。", "万元。", "\n")), "numerals"), size)


def grouped_digits(size: int) -> str:
    return _grow(_forever(lambda r: "1" + ",000" * r.randint(3, 40) + r.choice(("元", "人次", "", "万元"))
                          + r.choice(("，", "，", "。", "\n")), "grouped"), size)


def _claim(r: random.Random) -> str:
    return f"{r.choice(INDICATORS)}{r.choice(('达到', '增长', '为', '下降'))}{r.randint(1, 9999)}.{r.randint(0, 9)}{r.choice(UNITS)}"


def claim_dense(size: int) -> str:
    """Sentences of twenty claims each, five sentences to a paragraph."""
    def sentence(r: random.Random) -> str:
        return "，".join(_claim(r) for _ in range(20)) + "。" + ("\n" if r.random() < 0.2 else "")
    return _grow(_forever(sentence, "dense"), size)


def markdown_table(size: int) -> str:
    head = "| 地区 | 机构数(个) | 床位数(张) | 卫生技术人员(人) | 增长(%) |\n| --- | --- | --- | --- | --- |\n"
    rows = _forever(lambda r: f"| {r.choice(DISTRICTS)} | {r.randint(10, 999)} | {r.randint(100, 99999)} | "
                              f"{r.randint(100, 99999)} | {r.randint(-50, 200) / 10} |\n", "table")
    return head + _grow(rows, size - len(head.encode("utf-8")))


def digit_line(size: int) -> str:
    return (string.digits * (size // 10 + 1))[:size]


FAMILIES: dict[str, Callable[[int], str]] = {
    NORMAL: normal_text,
    "number column, one per line": number_column,
    "全市 paragraphs, city never named": city_never_named,
    "Chinese numeral runs": chinese_numerals,
    "1,000,000… runs": grouped_digits,
    "claim-dense sentences": claim_dense,
    "Markdown table": markdown_table,
    "one line of digits": digit_line,
}


# ---------------------------------------------------------------- the child's side

def _load(name: str) -> Callable[[Document], int]:
    """The CLI's work on one document with extractor `name`: how many claims it gives."""
    from reform_facts.extractors import registry

    extractor = registry.get(name)

    def call(doc: Document) -> int:
        return len(extractor(registry.describe(doc)))
    call(Document.from_text(normal_text(2000), doc_id="warm-up", path="warm-up.txt"))
    return call


def time_call(call: Callable[[Document], int], text: str) -> dict[str, Any]:
    """The fastest of a few calls on the text (at least MIN_REPEATS), in CPU seconds of this process:
    the machine is shared, and other work inflates wall-clock times, which would make ratios of
    doublings noise (the child has one thread, so its CPU time is its own work)."""
    doc = Document.from_text(text, doc_id="adversarial", path="adversarial.txt")
    best, spent, runs, found = math.inf, 0.0, 0, 0
    while runs < MAX_REPEATS and (runs < MIN_REPEATS or spent < MIN_TOTAL_S):
        started = time.process_time()
        found = call(doc)
        seconds = time.process_time() - started
        best, spent, runs = min(best, seconds), spent + seconds, runs + 1
    return {"seconds": round(best, 5), "claims": found, "runs": runs}


def serve(name: str) -> int:
    """Load, answer `ready` (or `unavailable <why>`), then per line `<factor> <family>` answer one
    JSON line with the time; exit at the end of standard input."""
    try:
        call = _load(name)
    except Exception as error:  # noqa: BLE001 - any failure to load is reported as the reason
        print(f"unavailable {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
              flush=True)
        return 0
    print("ready", flush=True)
    for line in sys.stdin:
        factor, _, family = line.strip().partition(" ")
        text = FAMILIES[family](BASE_BYTES * int(factor))
        try:
            result = time_call(call, text) | {"bytes": len(text.encode("utf-8")), "characters": len(text)}
        except Exception as error:  # noqa: BLE001 - an extractor that raises on the text is a finding
            result = {"status": "failed", "reason": f"{type(error).__name__}: {error}"[:160]}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


# ---------------------------------------------------------------- the parent's side

class _Child:
    def __init__(self, name: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.adversarial", name, "--serve"],
                                     cwd=ROOT, env=os.environ | ONE_THREAD, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def read(self, timeout: float) -> str | None:
        """The next answer line; None when none came within the timeout or the child ended."""
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return (self.proc.stdout.readline().strip() or None) if ready else None

    def ask(self, factor: int, family: str, timeout: float) -> str | None:
        try:
            self.proc.stdin.write(f"{factor} {family}\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return None
        return self.read(timeout)

    def end(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            stream.close()


def steps(runs: Sequence[dict[str, Any]]) -> list[float]:
    """The time ratio of each doubling between sizes measured in a row.

    >>> steps([{"seconds": 1.0}, {"seconds": 2.2}, {"seconds": 8.8}, {"status": "timed out"}])
    [2.2, 4.0]
    """
    times = [run["seconds"] for run in runs if "seconds" in run]
    return [round(b / a, 2) if a else math.inf for a, b in itertools.pairwise(times)]


def summarise(runs: list[dict[str, Any]], limit: float = LIMIT) -> dict[str, Any]:
    """A family's runs with their doublings: the geometric mean, the worst, and whether it is flagged
    (a doubling above `limit`, or a size that timed out).

    >>> row = summarise([{"seconds": 0.1}, {"seconds": 0.2}, {"seconds": 0.4}, {"seconds": 1.2}])
    >>> row["per_doubling"], row["worst_doubling"], row["flagged"]
    (2.29, 3.0, True)
    """
    ratios = steps(runs)
    finite = [r for r in ratios if math.isfinite(r) and r > 0]
    broken = any(run.get("status") in ("timed out", "failed") for run in runs)
    return {"runs": runs, "doublings": ratios,
            "per_doubling": round(math.prod(finite) ** (1 / len(finite)), 2) if finite else None,
            "worst_doubling": max(ratios) if ratios else None,
            "flagged": broken or any(r > limit for r in ratios)}


def measure_extractor(name: str, timeout: float, families: Sequence[str] = tuple(FAMILIES),
                      progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Every family at every size for one extractor, in child processes."""
    child: _Child | None = None
    out: dict[str, Any] = {"status": "ok", "families": {}}
    try:
        for family in families:
            runs: list[dict[str, Any]] = []
            for factor in FACTORS:
                if runs and runs[-1].get("status") in ("timed out", "failed", "not run"):
                    runs.append({"factor": factor, "status": "not run"})
                    continue
                if child is None:
                    child = _Child(name)
                    said = child.read(LOAD_TIMEOUT_S)
                    if said != "ready":
                        child.end()
                        reason = (said or "no answer").removeprefix("unavailable ")
                        return {"status": "not available", "reason": reason}
                answer = child.ask(factor, family, timeout)
                if answer is None:
                    ended = child.proc.poll()
                    child.end()
                    child = None
                    runs.append({"factor": factor, "status": "timed out" if ended is None else "failed",
                                 "limit_s": timeout})
                    progress(f"{name}: {family} {factor}x: {runs[-1]['status']}")
                    continue
                runs.append({"factor": factor, **json.loads(answer)})
                progress(f"{name}: {family} {factor}x: {runs[-1].get('seconds', runs[-1].get('reason'))}")
            out["families"][family] = summarise(runs)
    finally:
        if child is not None:
            child.end()
    normal = out["families"].get(NORMAL)
    for row in out["families"].values():
        row["over_normal"] = _over_normal(row["runs"], normal["runs"] if normal else [])
    return out


def _over_normal(runs: Sequence[dict[str, Any]], normal: Sequence[dict[str, Any]]) -> float | None:
    """Time at the largest size both measured, over normal text's at that size."""
    base = {run["factor"]: run["seconds"] for run in normal if "seconds" in run}
    both = [run for run in runs if "seconds" in run and base.get(run["factor"])]
    return round(both[-1]["seconds"] / base[both[-1]["factor"]], 1) if both else None


def measure(extractors: Sequence[str] = EXTRACTORS, timeout: float = TIMEOUT_S,
            progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    return {"status": "ok", "base_bytes": BASE_BYTES, "factors": list(FACTORS), "timeout_s": timeout,
            "limit": LIMIT, "extractors": {name: measure_extractor(name, timeout, progress=progress)
                                           for name in extractors}}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.adversarial")
    parser.add_argument("name", help="an extractor of the registry")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per timed call")
    parser.add_argument("--serve", action="store_true", help="the child's side (see `serve`)")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.name)
    from benchmarks import report

    print(report.adversarial_section(measure([args.name], args.timeout, progress=lambda s: print(s, file=sys.stderr))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
