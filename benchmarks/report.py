"""The results as Markdown tables (printed, and kept in benchmarks/README.md), the ratios, and
the floors.

Ratios are of times on the same text: the extractor's median time over the reference's
(computed from characters per second, so equal to it whatever the text), once from wall
clock and once from CPU time. Below 1 the extractor is faster.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.accuracy import GROUPS

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
# The floor that bounds each extractor from below: rules are regular expressions; the others
# segment with pkuseg first.
FLOOR_OF = {"rules": "regex-floor"}
DEFAULT_FLOOR = "pkuseg-floor"
Row = Mapping[str, Any]


def floor_of(extractor: str) -> str:
    return FLOOR_OF.get(extractor, DEFAULT_FLOOR)


def ratios(results: Sequence[Row]) -> list[dict[str, Any]]:
    """Each measured extractor against each measured peer and floor.

    >>> rows = [{"name": "rules", "status": "ok", "role": "extractor", "chars_per_s": 100,
    ...          "cpu_chars_per_s": 100},
    ...         {"name": "regex-floor", "status": "ok", "role": "floor", "chars_per_s": 400,
    ...          "cpu_chars_per_s": 500}]
    >>> ratios(rows)[0]["wall"], ratios(rows)[0]["cpu"], ratios(rows)[0]["bounding_floor"]
    (4.0, 5.0, True)
    """
    ok = [r for r in results if r.get("status") == "ok"]
    out = []
    for e in (r for r in ok if r["role"] == "extractor"):
        for ref in (r for r in ok if r["role"] != "extractor"):
            out.append({"extractor": e["name"], "reference": ref["name"], "role": ref["role"],
                        "bounding_floor": ref["name"] == floor_of(e["name"]),
                        "wall": _over(ref["chars_per_s"], e["chars_per_s"]),
                        "cpu": _over(ref["cpu_chars_per_s"], e["cpu_chars_per_s"])})
    return out


def _over(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join("" if c is None else str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _num(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}".replace(",", " ")


def _code(text: str | None) -> str:
    return f"`{text}`" if text else ""


def _absent(result: Row) -> str:
    return f"{result.get('status', 'not available')}: {result.get('reason', '')}"


def machine_line(results: Row) -> str:
    m = results["machine"]
    kind = "quick run" if results.get("quick") else "full run"
    if results.get("only"):
        kind = f"{kind.split()[0] if results.get('quick') else 'partial'} run of {', '.join(results['only'])}"
    return (f"Ran {m['when']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}, "
            f"Python {m['python']}, commit {m['commit']}; load average (1/5/15 min) "
            f"{m['load_average_start']} at the start, {m.get('load_average_end')} at the end; "
            f"{kind}, {_num(results.get('total_s', 0) / 60, 1)} min in all.")


def corpus_line(results: Row) -> str:
    c = results["corpus"]
    return (f"Text: {c['documents']} documents, {_num(c['bytes'])} bytes of UTF-8 "
            f"({_num(c['characters'])} characters), of which {c.get('table_documents', 0)} documents "
            f"({_num(c.get('table_characters', 0))} characters) are copies of the dev split's table "
            f"documents (gold/documents/) and the rest variants of corpus/, built by "
            f"benchmarks/corpus.py in `{c['folder']}`.")


def throughput_section(results: Sequence[Row]) -> str:
    rows = []
    for r in results:
        if r.get("status") != "ok":
            rows.append([r["name"], r.get("role", ""), _absent(r), "", "", "", "", "", "", "",
                         _code(r.get("command"))])
            continue
        rows.append([r["name"], r["role"], _num(r["chars_per_s"]), _num(r["cpu_chars_per_s"]),
                     _num(r["median_s"], 2), _num(r["load_s"], 1), _num(r["rss_loaded_mib"]),
                     _num(r["rss_peak_mib"]), _num(r.get("load_average_1m"), 1), r["version"],
                     _code(r.get("command"))])
    header = ["tool", "role", "chars/s (wall)", "chars/s (CPU)", "median s", "load s",
              "RSS after load MiB", "peak RSS MiB", "machine load", "version", "command"]
    return _table(header, rows)


def ratio_section(results: Sequence[Row], ratio_rows: Sequence[Row]) -> str:
    references = [r["name"] for r in results if r.get("status") == "ok" and r["role"] != "extractor"]
    extractors = list(dict.fromkeys(row["extractor"] for row in ratio_rows))
    cells = {(row["extractor"], row["reference"]): row for row in ratio_rows}
    rows = []
    for name in extractors:
        line = [name]
        for ref in references:
            row = cells[(name, ref)]
            text = f"{_num(row['wall'], 2)} (CPU {_num(row['cpu'], 2)})"
            line.append(f"**{text}**" if row["bounding_floor"] else text)
        rows.append(line)
    if not rows:
        return "No extractor was measured."
    return _table(["extractor ÷", *references], rows)


def accuracy_section(rows: Sequence[Row]) -> str:
    groups = list(GROUPS)

    def cell(scores: Mapping[str, Any], group: str) -> str:
        s = scores.get(group)
        if not s:
            return ""
        return f"{_num(s['precision'], 3)} / {_num(s['recall'], 3)} ({s['predicted']} found, {s['gold']} gold)"
    return _table(["tool", "role", *(f"{g}: P / R" for g in groups)],
                  [[r["name"], r["role"], *(cell(r["scores"], g) for g in groups)] for r in rows])


def e2e_section(result: Row) -> str:
    if result.get("status") == "not available" or "cold" not in result:
        return f"{_absent(result)} (`{result.get('bench_command')}`)"
    rows = []
    for key in ("cold", "warm"):
        run = result.get(key)
        if run:
            rows.append([key, _num(run.get("seconds"), 1), _num(run.get("flow_s"), 1),
                         _num(run.get("peak_rss_mib")), _num(run.get("peak_tree_rss_mib")),
                         run.get("cache") or "" if run["status"] == "ok" else _absent(run)])
    text = _table(["run", "seconds", "of which in the flow", "peak RSS MiB (largest process)",
                   "peak RSS MiB (process tree, summed)", "status (the run's own cache line)"], rows)
    return (f"{text}\n\nCommand (in a new temporary folder): `{result.get('command')}`; measured by "
            f"`{result.get('bench_command')}`.")


def dask_section(result: Row) -> str:
    if "runs" not in result:
        return f"{_absent(result)} (`{result.get('bench_command')}`)"
    rows = [[workers, _num(run.get("seconds"), 1), " / ".join(_num(a, 1) for a in run.get("rounds_s", [])),
             _num(run.get("peak_rss_mib")), _num(run.get("peak_tree_rss_mib")),
             run["status"] if run["status"] == "ok" else _absent(run)]
            for workers, run in result["runs"].items()]
    text = _table(["Dask workers", "seconds (median run)", "every run: seconds",
                   "peak RSS MiB (largest process)", "peak RSS MiB (process tree)", "status"], rows)
    extract = result.get("extract_speedup")
    return (f"{text}\n\nTwo workers over one: {_num(result.get('speedup'), 2)} for the whole command"
            + (f", {_num(extract, 2)} for the extract-claims flow" if extract else "")
            + f" (`{result.get('bench_command')}`).")


def _seconds(run: Row) -> str:
    if "seconds" in run:
        return _num(run["seconds"], 3)
    if run.get("status") == "timed out":
        return f"> {_num(run.get('limit_s'))} (timed out)"
    if run.get("status") == "failed":
        return f"failed: {run.get('reason', 'the child process ended')}".replace("|", "\\|")
    return run.get("status", "")


def adversarial_section(result: Row) -> str:
    """One table per extractor: a family per row, its time at each size, its doublings."""
    factors = result["factors"]
    parts = []
    for name, measured in result["extractors"].items():
        if measured.get("status") != "ok":
            parts.append(f"**{name}**: {_absent(measured)}")
            continue
        rows = []
        for family, row in measured["families"].items():
            by_factor = {run["factor"]: run for run in row["runs"]}
            rows.append([family, *(_seconds(by_factor[f]) if f in by_factor else "" for f in factors),
                         " / ".join(_num(r, 2) for r in row["doublings"]), _num(row["per_doubling"], 2),
                         _num(row.get("over_normal"), 1), "**flagged**" if row["flagged"] else "ok"])
        header = ["family", *(f"{f}x s" for f in factors), "ratio per doubling", "geometric mean",
                  "× normal text", f"above {result['limit']}×?"]
        parts.append(f"**{name}**\n\n{_table(header, rows)}")
    return (f"Sizes {', '.join(f'{f}x' for f in factors)} of {_num(result['base_bytes'] / 1024)} KiB of "
            f"UTF-8; CPU seconds per document (describe and extract, the fastest of a few calls when fast); "
            f"a call gets {_num(result['timeout_s'])} s, then the family's larger sizes are not run. "
            f"Linear time doubles per doubling; × normal text is the time at the largest size measured "
            f"over normal text's at that size.\n\n" + "\n\n".join(parts))


def scale_section(result: Row) -> str:
    if "runs" not in result:
        return f"{_absent(result)} (`{result.get('bench_command')}`)"
    rows = [[_num(run.get("documents")), _num(run.get("characters")), _num(run.get("seconds"), 1),
             _num(run.get("documents_per_s"), 1), _num(run.get("peak_rss_mib")),
             _num(run.get("peak_tree_rss_mib")), run.get("cache") or "" if run["status"] == "ok" else _absent(run)]
            for run in result["runs"]]
    text = _table(["documents", "characters", "seconds", "documents/s", "peak RSS MiB (largest process)",
                   "peak RSS MiB (process tree, summed)", "status (the run's own line)"], rows)
    text = (f"{text}\n\nEach a cold `reform-facts run` (extractors: {result.get('extractors')}) over copies "
            f"of the bench corpus, every copy's bytes distinct, with {_num(result.get('timeout_s'))} s at most; "
            f"peak memory of the {_num(result.get('documents'))}-document run over the 100-document run's "
            f"(process tree): {_num(result.get('memory_ratio'), 2)} (`{result.get('bench_command')}`).")
    killed = result.get("killed")
    if killed:
        rerun = killed.get("rerun") or {}
        text += (f"\n\nKilled half-way: a run over {_num(killed.get('documents_copied'))} documents, killed "
                 f"(SIGKILL to its process group) after {_num(killed.get('killed_after_s'), 1)} s with "
                 f"{_num(killed.get('cached_at_kill'))} of {_num(killed.get('pairs'))} extractions cached, left "
                 f"{_num(killed.get('runs_after_kill'))} runs in the warehouse; run again, it took "
                 f"{_num(killed.get('rerun_from_cache'))} extractions from the cache and ended in "
                 f"{_num(rerun.get('seconds'), 1)} s, the warehouse then holding {_num(killed.get('runs'))} run of "
                 f"{_num(killed.get('documents'))} documents: "
                 + ("ok." if killed.get("status") == "ok" else f"{_absent(killed)}."))
    return text


def warehouse_section(result: Row) -> str:
    if result.get("status") != "ok":
        return f"{_absent(result)} (`{result.get('bench_command')}`)"
    head = (f"Bulk load of {_num(result['claims'])} generated claims ({_num(result['documents'])} "
            f"documents; extractors {', '.join(result['extractors'])}) in one `load_run` into a new "
            f"file: {_num(result['load_s'], 1)} s, {_num(result['claims_per_s'])} claims/s; the same "
            f"load again (nothing changes): {_num(result['reload_s'], 1)} s; file "
            f"{_num(result['db_mib'])} MiB; peak RSS {_num(result['rss_peak_mib'])} MiB. The example "
            f"queries of warehouse/README.md, rows fetched, median of 5 after a warm-up "
            f"(`{result.get('bench_command')}`):")
    rows = [[q["query"], _num(q.get("median_s"), 4) if q["status"] == "ok" else _absent(q),
             _num(q.get("rows"))] for q in result["queries"]]
    return f"{head}\n\n{_table(['query', 'median s', 'rows'], rows)}"


def _worst_family(adversarial: Row) -> tuple[float | None, str]:
    """The largest doubling ratio of any family and extractor (inf for a timeout), and where."""
    worst: tuple[float | None, str] = (None, "")
    for name, measured in adversarial.get("extractors", {}).items():
        for family, row in measured.get("families", {}).items():
            broken = any(run.get("status") in ("timed out", "failed") for run in row["runs"])
            value = math.inf if broken else row.get("worst_doubling")
            if value is not None and (worst[0] is None or value > worst[0]):
                worst = (value, f"{name}, {family}")
    return worst


def checks(results: Row) -> list[list[str]]:
    """The floors with what this run measured."""
    by_name = {r["name"]: r for r in results.get("throughput", []) if r.get("status") == "ok"}
    ratio = {(r["extractor"], r["reference"]): r for r in results.get("ratios", [])}
    out: list[list[str]] = []

    def add(what: str, target: str, value: float | None, met: Callable[[float], bool], shown: str) -> None:
        out.append([what, target, shown if value is not None else "not measured",
                    ("yes" if met(value) else "no") if value is not None else "–"])
    rules = by_name.get("rules")
    add("rule extractor throughput (wall)", ">= 1 000 000 chars/s", rules and rules["chars_per_s"],
        lambda v: v >= 1e6, _num(rules and rules["chars_per_s"]))
    spacy = ratio.get(("spacy", "pkuseg-floor"))
    add("spaCy time over bare pkuseg segmentation", "<= 1.5", spacy and spacy["wall"], lambda v: v <= 1.5,
        _num(spacy and spacy["wall"], 2))
    e2e = results.get("end_to_end", {})
    add("peak memory of the main flow (process tree)", "< 1024 MiB", e2e.get("peak_tree_rss_mib"),
        lambda v: v < 1024, f"{_num(e2e.get('peak_tree_rss_mib'))} MiB")
    if "adversarial" in results:
        worst, where = _worst_family(results["adversarial"])
        add("adversarial inputs: worst time ratio of one doubling", f"<= {results['adversarial']['limit']}",
            worst, lambda v: v <= results["adversarial"]["limit"],
            f"{'timed out or failed' if worst == math.inf else _num(worst, 2)} ({where})")
    if "scale" in results:
        scale = results["scale"]
        killed = scale.get("killed")
        if killed:
            add("scale: run killed half-way, rerun: extractions from the cache >= those cached, one run loaded",
                "yes", killed.get("status"), lambda v: v == "ok",
                f"{_num(killed.get('rerun_from_cache'))} >= {_num(killed.get('cached_at_kill'))}, "
                f"{_num(killed.get('runs'))} run" if killed.get("status") == "ok" else _absent(killed))
        add(f"scale: peak memory of {_num(scale.get('documents'))} documents over 100", "<= 1.5",
            scale.get("memory_ratio"), lambda v: v <= 1.5, _num(scale.get("memory_ratio"), 2))
    return out


def markdown(results: Row) -> str:
    parts = [machine_line(results), corpus_line(results)]
    if "throughput" in results:
        parts += ["### Throughput and peak memory",
                  "One process per tool, one document at a time, median of the timed passes after "
                  "a warm-up pass over the dev gold documents, the tools' passes taken in turns; "
                  "peak memory is the process's maximum resident set; machine load is the 1-minute "
                  "load average as the tool finished.",
                  throughput_section(results["throughput"]),
                  "### Ratios",
                  "Time of the extractor ÷ time of the reference on the same text; in bold, the floor "
                  "that bounds it. The peers are context, not targets.",
                  ratio_section(results["throughput"], results["ratios"]),
                  "### Accuracy beside speed",
                  "Mention precision / recall on the dev split of the gold set (corpus/ and the written "
                  "dev documents), gold restricted to each group's quantity types (the others made "
                  "optional). The rules were written with the bundled documents in view.",
                  accuracy_section(results["accuracy"])]
    for key, title, render in (("adversarial", "Adversarial inputs", adversarial_section),
                               ("end_to_end", "Main flow end to end (corpus/)", e2e_section),
                               ("dask", "Dask (the bench corpus)", dask_section),
                               ("scale", "Scale", scale_section),
                               ("warehouse", "Warehouse", warehouse_section)):
        if key in results:
            parts += [f"### {title}", render(results[key])]
    parts += ["### Floors", _table(["what", "floor", "measured", "met"], checks(results))]
    return "\n\n".join(parts)


def update_readme(path: Path, table: str) -> None:
    """Replace what stands between the README's markers with the table."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, found, tail = rest.partition(END)
    if not found:
        raise ValueError(f"{path}: no {BEGIN} ... {END} block to put the table in")
    path.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
