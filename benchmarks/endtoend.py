"""The main flow end to end (cold, then warm), its scale-out on Dask, and a run over N documents,
as a user runs them.

Each run is `reform-facts run` in a child process with its own warehouse file, cache folder
and PREFECT_HOME (so Prefect's ephemeral database starts empty on a cold run and nothing of the
developer's own runs is reused). What the run command offers is read from its `--help` at run
time: a part it does not offer yet is reported as not available.
Peak memory is given twice: the largest resident set of one process of the run (`wait4`'s
ru_maxrss), and `peak_tree_rss_mib`, the largest sum over the whole process tree at one moment,
sampled every 50 ms: the run, Prefect's ephemeral server (a child of the run) and Dask workers.
"""
from __future__ import annotations

import os
import re
import shlex
import statistics
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reform_facts.paths import PROJECT_DIR as ROOT

CLI = ROOT / ".venv" / "bin" / "reform-facts"
RUN_TIMEOUT_S = 1200
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
# How a run is told to use a local Dask cluster of N workers, first match in `run --help` wins.
DASK_OPTIONS = ("--dask-workers", "--workers", "--n-workers")


def cli() -> str:
    return str(CLI) if CLI.exists() else "reform-facts"


def run_options() -> set[str]:
    """The long options `reform-facts run --help` lists."""
    done = subprocess.run([cli(), "run", "--help"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    return set(OPTION.findall(done.stdout))


def missing(options: set[str], needed: Sequence[str]) -> str | None:
    """Why a run cannot be measured, or None when every needed option is there."""
    absent = [name for name in needed if name not in options]
    if not absent:
        return None
    return (f"`reform-facts run` has no {', '.join(absent)} option yet "
            "(the Prefect main flow of pipeline/ is not wired to the CLI)")


def isolated_env(workdir: Path) -> dict[str, str]:
    """The environment of a run whose Prefect state lives in `workdir` only."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_API")}
    return env | {"PREFECT_HOME": str(workdir / "prefect-home"),
                  "PREFECT_LOCAL_STORAGE_PATH": str(workdir / "prefect-home" / "storage")}


def shown(command: Sequence[str], env_names: dict[str, str]) -> str:
    """The command as one shell line, with the variables that matter in front."""
    prefix = " ".join(f"{key}={shlex.quote(value)}" for key, value in env_names.items())
    text = " ".join(shlex.quote(str(part)) for part in command).replace(str(ROOT) + "/", "")
    return f"{prefix} {text}".strip()


def timed(command: Sequence[str], env: dict[str, str], log: Path, timeout: float = RUN_TIMEOUT_S) -> dict[str, Any]:
    """Run a command; its wall time, exit status, peak RSS (largest process, and the process tree
    summed), the time inside the flow, and the run's own line saying what came from the cache.
    A run still going after `timeout` seconds is ended, with every process it started."""
    with log.open("w") as out:
        started = time.perf_counter()
        # its own process group: a run that overstays is ended with the server it started
        process = subprocess.Popen(list(command), cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status, usage, tree_rss = _wait(process, timeout)
        except TimeoutError:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return {"status": "failed", "reason": f"no end within {timeout:g} s"}
        seconds = time.perf_counter() - started
    output = log.read_text(errors="replace")
    result = {"seconds": round(seconds, 2), "exit": status,
              "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
              "peak_tree_rss_mib": round(tree_rss / 2**20, 1), "log": str(log),
              "flow_s": flow_seconds(output),
              "cache": cache_lines(output)}
    result["status"] = "ok" if status == 0 else "failed"
    if status != 0:
        result["reason"] = f"exit {status}: {why(output)} (log: {log})"
    return result


STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) \|")
TOOK = re.compile(r"^took\s+([\d.]+) s\s*$", re.MULTILINE)


def flow_seconds(output: str) -> float | None:
    """Seconds inside the flow: the run's own `took` line, else from the first flow run's start to
    the last log line by Prefect's log stamps; the rest of a run's time is starting Python,
    Prefect and its temporary server.

    >>> flow_seconds("documents  5 read\\ntook       26.0 s\\n")
    26.0
    >>> flow_seconds("10:00:01.000 | INFO | x - Beginning flow run 'a'\\n10:00:03.500 | INFO | done")
    2.5
    """
    took = TOOK.search(output)
    if took:
        return float(took[1])
    stamps = [(line, STAMP.match(line)) for line in output.splitlines()]
    times = [(line, int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])) for line, m in stamps if m]
    begun = next((t for line, t in times if "Beginning flow run" in line), None)
    if begun is None:
        return None
    return round((times[-1][1] - begun) % 86400, 2)


def cache_lines(output: str) -> str | None:
    """The run's lines saying how many extractions came from the cache, one per extractor.

    >>> cache_lines("rules      280 claims in 5 documents, 0 from cache\\nspacy      270 claims in 5 documents, 5 from cache")
    'rules 280 claims in 5 documents, 0 from cache; spacy 270 claims in 5 documents, 5 from cache'
    """
    found = [" ".join(line.split()) for line in output.splitlines() if "from cache" in line]
    return "; ".join(found) or None


def why(output: str) -> str:
    """The line of a run's output that says what went wrong: the CLI's own error line, else the
    last exception or error line, else the last line.

    >>> why("INFO starting\\nreform-facts: corpus/x.txt: empty file\\nINFO stopping server")
    'reform-facts: corpus/x.txt: empty file'
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for test in (lambda l: l.startswith("reform-facts:"),
                 lambda l: re.match(r"^[A-Za-z_.]*(Error|Exception)\b", l) is not None,
                 lambda l: "ERROR" in l or "Traceback" in l):
        found = [line for line in lines if test(line)]
        if found:
            return found[-1][:300]
    return lines[-1][:300] if lines else "no output"


def _wait(process: subprocess.Popen, timeout: float) -> tuple[int, Any, int]:
    """wait4 on the child, polled so that a hung run ends at the timeout; also the largest
    resident set, in bytes, of its whole process tree seen at a poll (Prefect's ephemeral server
    is in it)."""
    deadline = time.monotonic() + timeout
    peak = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage, peak
        if time.monotonic() > deadline:
            raise TimeoutError
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)


def tree_rss(root: int, *also: int) -> int:
    """Resident bytes of process `root`, the processes `also` and all their descendants now,
    from /proc/*/stat (about 2 ms a call: cheap enough to poll during a timed run); 0 where
    there is no /proc.

    >>> tree_rss(os.getpid()) > 0 or not Path("/proc/self/stat").exists()
    True
    """
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for name in os.listdir("/proc") if Path("/proc").is_dir() else ():
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(b")") + 2:].split()  # after the command name, which may hold spaces
        parents[int(name)], rss[int(name)] = int(fields[1]), int(fields[21]) * page
    tree, grown = {root, *also}, True
    while grown:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grown = bool(found)
    return sum(rss.get(pid, 0) for pid in tree)


def main_flow(corpus: Path, workdir: Path, logs: Path) -> dict[str, Any]:
    """The main flow on `corpus` with every registered extractor: cold, then again warm.

    The flow as the daily extraction runs it: ingest, extract, load (no `--evaluate`). Cold is a
    new Prefect home and an empty cache; warm is the same command again, every extraction from
    the cache. Each run's output is kept in `logs`.
    """
    options = run_options()
    reason = missing(options, ["--db", "--cache-dir"])
    if reason:
        return {"status": "not available", "reason": reason}
    command = [cli(), "run", str(corpus), "--db", str(workdir / "reform_facts.warehouse.duckdb"),
               "--cache-dir", str(workdir / "cache")]
    env = isolated_env(workdir)
    logs.mkdir(parents=True, exist_ok=True)
    cold = timed(command, env, logs / "e2e-cold.log")
    warm = timed(command, env, logs / "e2e-warm.log") if cold["status"] == "ok" else None
    result: dict[str, Any] = {"status": cold["status"], "cold": cold, "warm": warm,
                              "command": shown(command, {"PREFECT_HOME": env["PREFECT_HOME"]})}
    if warm and warm["status"] == "ok":
        result["peak_rss_mib"] = max(cold["peak_rss_mib"], warm["peak_rss_mib"])
        result["peak_tree_rss_mib"] = max(cold["peak_tree_rss_mib"], warm["peak_tree_rss_mib"])
    elif cold["status"] != "ok":
        result["reason"] = f"cold run: {cold.get('reason')}"
    else:
        result["status"], result["reason"] = "failed", f"warm run: {warm and warm.get('reason')}"
    return result


def run_command(folder: Path, workdir: Path, extractors: Sequence[str]) -> list[str]:
    """`reform-facts run` over `folder` with its own warehouse and cache in `workdir`."""
    return [cli(), "run", str(folder), "--db", str(workdir / "reform_facts.warehouse.duckdb"),
            "--cache-dir", str(workdir / "cache"), *(part for name in extractors for part in ("--extractor", name))]


def documents_run(folder: Path, workdir: Path, log: Path, extractors: Sequence[str],
                  timeout: float = RUN_TIMEOUT_S) -> dict[str, Any]:
    """One cold `reform-facts run` over every document of `folder` with `extractors` (none: all)."""
    reason = missing(run_options(), ["--db", "--cache-dir"])
    if reason:
        return {"status": "not available", "reason": reason}
    command, env = run_command(folder, workdir, extractors), isolated_env(workdir)
    log.parent.mkdir(parents=True, exist_ok=True)
    return timed(command, env, log, timeout) | {"command": shown(command, {"PREFECT_HOME": env["PREFECT_HOME"]})}


FROM_CACHE = re.compile(r"(\d+) from cache")


def killed_run(folder: Path, workdir: Path, logs: Path, extractors: Sequence[str], pairs: int,
               timeout: float = RUN_TIMEOUT_S) -> dict[str, Any]:
    """`reform-facts run` over `folder` killed half-way, then run again.

    The first run is killed (SIGKILL to its process group: the run and its Prefect server) once
    its cache holds half of the `pairs` extractions (documents times extractors). The rerun
    should take at least those from the cache, and the warehouse should then hold one run of
    every document: nothing of the killed one.
    """
    reason = missing(run_options(), ["--db", "--cache-dir"])
    if reason:
        return {"status": "not available", "reason": reason}
    command, env = run_command(folder, workdir, extractors), isolated_env(workdir)
    cache, db = workdir / "cache", workdir / "reform_facts.warehouse.duckdb"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "killed-first.log").open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            while (process.poll() is None and _entries(cache) < pairs // 2
                   and time.perf_counter() - started < timeout):
                time.sleep(0.2)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    killed_after = round(time.perf_counter() - started, 1)
    at_kill = _entries(cache)
    result: dict[str, Any] = {"pairs": pairs, "killed_after_s": killed_after, "cached_at_kill": at_kill,
                              "killed": process.returncode == -signal.SIGKILL,
                              "runs_after_kill": _stored(db)[0],
                              "command": shown(command, {"PREFECT_HOME": env["PREFECT_HOME"]})}
    rerun = timed(command, env, logs / "killed-rerun.log", timeout)
    result["rerun"] = rerun
    hits = sum(int(n) for n in FROM_CACHE.findall(rerun.get("cache") or ""))
    runs, documents = _stored(db)
    result |= {"rerun_from_cache": hits, "runs": runs, "documents": documents}
    problems = [text for bad, text in (
        (not result["killed"], "the first run ended before it was killed"),
        (result["runs_after_kill"], "the killed run left a run in the warehouse"),
        (rerun["status"] != "ok", f"the rerun failed: {rerun.get('reason')}"),
        (hits < at_kill, f"the rerun took {hits} extractions from the cache, fewer than the {at_kill} cached"),
        (runs != 1, f"the warehouse holds {runs} runs, not one")) if bad]
    result["status"] = "failed" if problems else "ok"
    if problems:
        result["reason"] = "; ".join(problems)
    return result


def _entries(cache: Path) -> int:
    """Extractions in a run's cache folder (one JSON file each)."""
    return sum(1 for _ in cache.glob("*/*.json")) if cache.is_dir() else 0


def _stored(db: Path) -> tuple[int, int]:
    """Runs and documents a warehouse file holds (0, 0 when there is none yet)."""
    if not db.exists():
        return 0, 0
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM documents)").fetchone()
    except duckdb.CatalogException:  # created, but no migration applied before the kill
        return 0, 0
    finally:
        con.close()


def dask_option(options: set[str]) -> str | None:
    return next((name for name in DASK_OPTIONS if name in options), None)


def dask_scale(corpus: Path, workdir: Path, logs: Path, extractor: str, known: Sequence[str],
               workers: Sequence[int] = (1, 2), rounds: int = 3) -> dict[str, Any]:
    """`extractor` over `corpus` on a local Dask cluster of each size, every extraction cold,
    `rounds` times, the sizes in turns (1, 2, 1, 2, ...); each size's median run is reported.

    The runs share one Prefect home whose database is created beforehand, untimed: creating
    Prefect's database (its migrations) happens once per installation, the same for any number
    of workers, and is timed where it belongs, in the cold main-flow run. Each run has its own
    extraction cache, result storage and warehouse.
    """
    if extractor not in known:
        return {"status": "not available",
                "reason": f"extractor {extractor!r} is not in reform_facts.extractors.registry yet"}
    options = run_options()
    option = dask_option(options)
    reason = missing(options, ["--db", "--cache-dir"]) or (
        None if option else "`reform-facts run` has no Dask option yet (looked for "
        f"{', '.join(DASK_OPTIONS)})")
    if reason:
        return {"status": "not available", "reason": reason}
    logs.mkdir(parents=True, exist_ok=True)
    home = isolated_env(workdir)
    prepared = timed([sys.executable, "-m", "prefect", "server", "database", "upgrade", "--yes"],
                     home, logs / "dask-prefect-database.log")
    if prepared["status"] != "ok":
        return {"status": "failed", "reason": f"creating Prefect's database: {prepared.get('reason')}"}
    result: dict[str, Any] = {"status": "ok", "extractor": extractor, "prefect_database_s": prepared["seconds"]}
    runs = _scale_runs(corpus, workdir, logs, extractor, option, workers, home, rounds)
    first, last = runs[f"{workers[0]}"], runs[f"{workers[-1]}"]
    if len(workers) >= 2 and first["status"] == last["status"] == "ok":
        result["speedup"] = round(first["seconds"] / last["seconds"], 3)
        # the extract flow's own medians (its median run need not be the wall-clock one's)
        one, two = (_median_extract(run) for run in (first, last))
        if one and two:
            result["extract_speedup"] = round(one / two, 3)
    result["runs"] = runs
    failed = [f"{n} workers: {r.get('reason')}" for n, r in runs.items() if r["status"] != "ok"]
    if failed:
        result |= {"status": "failed", "reason": "; ".join(failed)}
    return result


def _scale_runs(corpus: Path, workdir: Path, logs: Path, extractor: str, option: str,
                workers: Sequence[int], home: dict[str, str], rounds: int) -> dict[str, Any]:
    """`rounds` cold runs per cluster size, the sizes in turns, keyed "N": each size's median
    run (by wall-clock time), with every run's times beside it."""
    done: dict[str, list[dict[str, Any]]] = {}
    for k in range(rounds):
        for count in workers:
            where = Path(tempfile.mkdtemp(prefix=f"dask{count}-", dir=workdir))
            command = [cli(), "run", str(corpus), "--extractor", extractor, "--db",
                       str(where / "reform_facts.warehouse.duckdb"), "--cache-dir", str(where / "cache"),
                       option, str(count)]
            env = home | {"PREFECT_LOCAL_STORAGE_PATH": str(where / "storage")}
            log = logs / f"dask-{count}-{k + 1}.log"
            run = timed(command, env, log) | {"command": shown(command, {"PREFECT_HOME": env["PREFECT_HOME"]})}
            run["extract_s"] = subflow_seconds(log.read_text(errors="replace"), "extract-claims")
            done.setdefault(f"{count}", []).append(run)
    return {name: median_run(found) for name, found in done.items()}


def _median_extract(run: dict[str, Any]) -> float | None:
    found = [s for s in run["extract_rounds_s"] if s]  # runs that are ok (median_run) have them
    return statistics.median(found) if found else None


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall-clock time (the upper one of an even number), with every run's
    wall-clock and extract-flow seconds; the first failed run if any failed.

    >>> median_run([{"status": "ok", "seconds": s, "extract_s": s - 1} for s in (9, 7, 8)])["seconds"]
    8
    """
    failed = [run for run in runs if run["status"] != "ok"]
    if failed:
        return failed[0]
    middle = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    return middle | {"rounds_s": [run["seconds"] for run in runs],
                     "extract_rounds_s": [run.get("extract_s") for run in runs]}


def subflow_seconds(output: str, flow: str) -> float | None:
    """Seconds from the start of the subflow `flow` to its end, from Prefect's log stamps.

    >>> subflow_seconds("10:00:01.000 | INFO | Flow run 'a' - Beginning subflow run 'a' for flow 'x'\\n"
    ...                 "10:00:02.000 | INFO | Task run 't' - Finished in state Completed()\\n"
    ...                 "10:00:04.250 | INFO | Flow run 'a' - Finished in state Completed()", "x")
    3.25
    """
    begun = re.search(rf"^(\d\d):(\d\d):(\d\d\.\d+) \| \w+ +\| Flow run '([^']+)' - "
                      rf"Beginning subflow run '[^']+' for flow '{re.escape(flow)}'", output, re.M)
    if not begun:
        return None
    ended = re.search(rf"^(\d\d):(\d\d):(\d\d\.\d+) \| \w+ +\| Flow run '{re.escape(begun[4])}' - "
                      r"Finished in state", output[begun.end():], re.M)
    if not ended:
        return None
    seconds = [int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) for m in (begun, ended)]
    return round((seconds[1] - seconds[0]) % 86400, 2)
