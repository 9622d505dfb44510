"""The results as Markdown tables (printed, and kept in benchmarks/README.md), and the ratios.

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
            f"({_num(c['characters'])} characters), variants of the bundled corpus/ "
            f"built by benchmarks/corpus.py in `{c['folder']}`.")


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
    for key, label in (("cold", "cold"), ("warm", "warm"),
                       ("warm_temporary_server", "warm, keeping no server (`--keep-server 0`)")):
        run = result.get(key)
        if run:
            rows.append([label, _num(run.get("seconds"), 1), _num(run.get("flow_s"), 1),
                         _num(run.get("peak_rss_mib")), _num(run.get("peak_tree_rss_mib")),
                         run.get("cache") or "" if run["status"] == "ok" else _absent(run)])
    text = _table(["run", "seconds", "of which in the flow", "peak RSS MiB (largest process)",
                   "peak RSS MiB (process tree, summed)",
                   "status (the run's own cache line)"], rows)
    ratio = result.get("warm_over_cold")
    temporary = result.get("warm_temporary_server_over_cold")
    return (f"{text}\n\nWarm ÷ cold: {_num(ratio, 3)} (the local server kept from the cold run, as "
            f"`reform-facts run` does by default); keeping no server: {_num(temporary, 3)}. "
            f"Command (in a new temporary folder): `{result.get('command')}`; measured by "
            f"`{result.get('bench_command')}`.")


def scale_section(result: Row) -> str:
    if "runs" not in result:
        return f"{_absent(result)} (`{result.get('bench_command')}`)"
    rows = [[workers, _num(run.get("seconds"), 1), _num(run.get("extract_s"), 1),
             " / ".join(f"{_num(a, 1)} ({_num(b, 1)})" for a, b in zip(run.get("rounds_s", []),
                                                                    run.get("extract_rounds_s", []))),
             _num(run.get("peak_rss_mib")), _num(run.get("peak_tree_rss_mib")),
             run["status"] if run["status"] == "ok" else _absent(run), _code(run.get("command"))]
            for workers, run in result["runs"].items()]
    text = _table(["Dask workers", "seconds (median run)", "of which the extract-claims flow",
                   "every run: seconds (extract flow)", "peak RSS MiB (largest process)",
                   "peak RSS MiB (process tree)", "status", "command"], rows)
    return (f"{text}\n\nSpeed-up, two workers over one, from the medians (runs of the two sizes taken in turns): "
            f"{_num(result.get('speedup'), 2)} for the whole "
            f"command, {_num(result.get('extract_speedup'), 2)} for the extract-claims flow alone, with the "
            f"local server kept between runs (the default; started beforehand, untimed); "
            f"{_num(result.get('speedup_temporary_server'), 2)} and "
            f"{_num(result.get('extract_speedup_temporary_server'), 2)} with a temporary server each "
            f"(`--keep-server 0`) (`{result.get('bench_command')}`). Prefect's database was created "
            f"beforehand, untimed, in {_num(result.get('prefect_database_s'), 1)} s.")


def warehouse_section(result: Row) -> str:
    if result.get("status") != "ok":
        return f"{_absent(result)} (`{result.get('bench_command')}`)"
    head = (f"Bulk load of {_num(result['claims'])} generated claims ({_num(result['documents'])} "
            f"documents; extractors {', '.join(result['extractors'])}) in one `load_run` into a new "
            f"file: {_num(result['load_s'], 1)} s, {_num(result['claims_per_s'])} claims/s; the same "
            f"load again (nothing changes): {_num(result['reload_s'], 1)} s; file "
            f"{_num(result['db_mib'])} MiB; peak RSS {_num(result['rss_peak_mib'])} MiB (generating "
            f"the claims, {_num(result['generate_s'], 1)} s, is not timed). The example queries of "
            f"warehouse/README.md, rows fetched, median of 5 after a warm-up, by "
            f"benchmarks/warehouse_bench.py (`{result.get('bench_command')}`):")
    rows = [[q["query"], _num(q.get("median_s"), 4) if q["status"] == "ok" else _absent(q),
             _num(q.get("rows"))] for q in result["queries"]]
    return f"{head}\n\n{_table(['query', 'median s', 'rows'], rows)}"


def checks(results: Row) -> list[list[str]]:
    """The issue's targets with what this run measured."""
    by_name = {r["name"]: r for r in results.get("throughput", []) if r.get("status") == "ok"}
    ratio = {(r["extractor"], r["reference"]): r for r in results.get("ratios", [])}
    out: list[list[str]] = []

    def add(what: str, target: str, value: float | None, met: Callable[[float], bool], shown: str) -> None:
        out.append([what, target, shown if value is not None else "not measured",
                    ("yes" if met(value) else "no") if value is not None else "–"])
    rules = by_name.get("rules")
    add("rule extractor throughput (wall)", ">= 1 000 000 chars/s", rules and rules["chars_per_s"],
        lambda v: v >= 1e6, _num(rules and rules["chars_per_s"]))
    peers = [r for r in by_name.values() if r["role"] == "peer"]
    largest = max((ratio[("rules", p["name"])]["wall"] or math.inf for p in peers
                   if ("rules", p["name"]) in ratio), default=None)
    add("rules faster than every peer", "time ratio < 1 for each peer", largest, lambda v: v < 1,
        f"largest ratio {_num(largest, 2)}")
    spacy = ratio.get(("spacy", "pkuseg-floor"))
    add("spaCy over bare segmentation", "<= 1.5", spacy and spacy["wall"], lambda v: v <= 1.5,
        _num(spacy and spacy["wall"], 2))
    e2e = results.get("end_to_end", {})
    add("warm rerun over cold run (server kept, the default)", "< 0.2", e2e.get("warm_over_cold"),
        lambda v: v < 0.2, _num(e2e.get("warm_over_cold"), 3))
    add("warm rerun over cold run (`--keep-server 0`)", "< 0.2", e2e.get("warm_temporary_server_over_cold"),
        lambda v: v < 0.2, _num(e2e.get("warm_temporary_server_over_cold"), 3))
    scale = results.get("scale", {})
    add("two Dask workers over one (the extract-claims flow)", ">= 1.6", scale.get("extract_speedup"),
        lambda v: v >= 1.6, _num(scale.get("extract_speedup"), 2))
    add("two Dask workers over one (the whole command, server kept)", ">= 1.6", scale.get("speedup"),
        lambda v: v >= 1.6, _num(scale.get("speedup"), 2))
    add("two Dask workers over one (the whole command, `--keep-server 0`)", ">= 1.6",
        scale.get("speedup_temporary_server"), lambda v: v >= 1.6, _num(scale.get("speedup_temporary_server"), 2))
    add("peak memory of the main flow (its process)", "< 1024 MiB", e2e.get("peak_rss_mib"),
        lambda v: v < 1024, f"{_num(e2e.get('peak_rss_mib'))} MiB")
    add("peak memory of the main flow (with Prefect's local server)", "< 1024 MiB",
        e2e.get("peak_tree_rss_mib"), lambda v: v < 1024, f"{_num(e2e.get('peak_tree_rss_mib'))} MiB")
    return out


def markdown(results: Row) -> str:
    parts = [machine_line(results), corpus_line(results)]
    if "throughput" in results:
        parts += ["### Throughput and peak memory",
                  "One process per tool, one document at a time, median of the timed passes after "
                  "a warm-up pass over corpus/, the tools' passes taken in turns (round k times pass k "
                  "of every tool); peak memory is the process's maximum resident set; "
                  "machine load is the 1-minute load average as the tool finished (2 cores: above 1, "
                  "other work shared the machine and wall-clock figures suffer more than CPU ones).",
                  throughput_section(results["throughput"]),
                  "### Ratios",
                  "Time of the extractor ÷ time of the reference on the same text (below 1: the "
                  "extractor is faster); in bold, the floor that bounds it.",
                  ratio_section(results["throughput"], results["ratios"]),
                  "### Accuracy beside speed",
                  "Mention precision / recall on the gold set (corpus/, 5 documents), gold "
                  "restricted to each group's quantity types (the others made optional). The "
                  "extractors' figures are in-sample: the rules were written and the spaCy "
                  "pipeline trained with these documents in view (`reform-facts evaluate` gives "
                  "the cross-validated ones); the peers and floors never saw them.",
                  accuracy_section(results["accuracy"])]
    for key, title, render in (("end_to_end", "Main flow end to end (corpus/)", e2e_section),
                               ("scale", "Scale-out on Dask (the scaled corpus)", scale_section),
                               ("warehouse", "Warehouse", warehouse_section)):
        if key in results:
            parts += [f"### {title}", render(results[key])]
    parts += ["### Against the issue's targets", _table(["what", "target", "measured", "met"], checks(results))]
    return "\n\n".join(parts)


def update_readme(path: Path, table: str) -> None:
    """Replace what stands between the README's markers with the table."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, found, tail = rest.partition(END)
    if not found:
        raise ValueError(f"{path}: no {BEGIN} ... {END} block to put the table in")
    path.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
