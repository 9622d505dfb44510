"""The main flow end to end (cold, then warm) and its scale-out on Dask, as a user runs them.

Each run is `reform-facts run` in a child process with its own warehouse file, cache folder
and PREFECT_HOME (so the ephemeral Prefect database starts empty on a cold run and nothing
of the developer's own runs is reused). What the run command offers is read from its
`--help` at run time: a part it does not offer yet is reported as not available.
Peak memory is the largest resident set of the run's process tree (`wait4`'s ru_maxrss).
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reform_facts import ROOT

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


def timed(command: Sequence[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run a command; its wall time, exit status, peak RSS of its process tree, last log line."""
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
        try:
            status, usage = _wait(process, RUN_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            process.wait()
            return {"status": "failed", "reason": f"no end within {RUN_TIMEOUT_S} s"}
        seconds = time.perf_counter() - started
    output = log.read_text(errors="replace")
    result = {"seconds": round(seconds, 2), "exit": status,
              "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "log": str(log),
              "flow_s": flow_seconds(output),
              "cache": next((line.strip() for line in reversed(output.splitlines())
                             if "from cache" in line), None)}
    result["status"] = "ok" if status == 0 else "failed"
    if status != 0:
        result["reason"] = f"exit {status}: {why(output)} (log: {log})"
    return result


STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) \|")


def flow_seconds(output: str) -> float | None:
    """Seconds from the first flow run's start to the last log line, from Prefect's log stamps;
    the rest of a run's time is starting Python, Prefect and its temporary server.

    >>> flow_seconds("10:00:01.000 | INFO | x - Beginning flow run 'a'\\n10:00:03.500 | INFO | done")
    2.5
    """
    stamps = [(line, STAMP.match(line)) for line in output.splitlines()]
    times = [(line, int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])) for line, m in stamps if m]
    begun = next((t for line, t in times if "Beginning flow run" in line), None)
    if begun is None:
        return None
    return round((times[-1][1] - begun) % 86400, 2)


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


def _wait(process: subprocess.Popen, timeout: float) -> tuple[int, Any]:
    """wait4 on the child, polled so that a hung run ends at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.05)


def main_flow(corpus: Path, workdir: Path, logs: Path) -> dict[str, Any]:
    """The main flow on `corpus` with every registered extractor: cold, then again warm.

    The flow as the daily extraction runs it: ingest, extract, load. The gold-set evaluation
    (the weekly flow, which cross-validates the trained extractors) is left out with
    `--no-evaluate` where the command has it. Each run's output is kept in `logs`.
    """
    options = run_options()
    reason = missing(options, ["--db", "--cache-dir"])
    if reason:
        return {"status": "not available", "reason": reason}
    command = [cli(), "run", str(corpus), "--db", str(workdir / "warehouse.duckdb"),
               "--cache-dir", str(workdir / "cache"),
               *(["--no-evaluate"] if "--no-evaluate" in options else [])]
    env = isolated_env(workdir)
    logs.mkdir(parents=True, exist_ok=True)
    cold = timed(command, env, logs / "e2e-cold.log")
    warm = timed(command, env, logs / "e2e-warm.log") if cold["status"] == "ok" else None
    result: dict[str, Any] = {"status": cold["status"], "cold": cold, "warm": warm,
                              "command": shown(command, {"PREFECT_HOME": env["PREFECT_HOME"]})}
    if warm and warm["status"] == "ok":
        result["warm_over_cold"] = round(warm["seconds"] / cold["seconds"], 3)
        result["peak_rss_mib"] = max(cold["peak_rss_mib"], warm["peak_rss_mib"])
    elif cold["status"] != "ok":
        result["reason"] = f"cold run: {cold.get('reason')}"
    else:
        result["status"], result["reason"] = "failed", f"warm run: {warm and warm.get('reason')}"
    return result


def dask_option(options: set[str]) -> str | None:
    return next((name for name in DASK_OPTIONS if name in options), None)


def dask_scale(corpus: Path, workdir: Path, logs: Path, extractor: str, known: Sequence[str],
               workers: Sequence[int] = (1, 2)) -> dict[str, Any]:
    """`extractor` over `corpus` on a local Dask cluster of each size, every run cold."""
    if extractor not in known:
        return {"status": "not available",
                "reason": f"extractor {extractor!r} is not in extractors.registry yet"}
    options = run_options()
    option = dask_option(options)
    reason = missing(options, ["--db", "--cache-dir"]) or (
        None if option else "`reform-facts run` has no Dask option yet (looked for "
        f"{', '.join(DASK_OPTIONS)})")
    if reason:
        return {"status": "not available", "reason": reason}
    runs: dict[str, Any] = {}
    logs.mkdir(parents=True, exist_ok=True)
    for count in workers:
        where = Path(tempfile.mkdtemp(prefix=f"dask{count}-", dir=workdir))
        command = [cli(), "run", str(corpus), "--extractor", extractor, "--db",
                   str(where / "warehouse.duckdb"), "--cache-dir", str(where / "cache"), option, str(count),
                   *(["--no-evaluate"] if "--no-evaluate" in options else [])]
        env = isolated_env(where)
        runs[str(count)] = timed(command, env, logs / f"dask-{count}.log") | {
            "command": shown(command, {"PREFECT_HOME": env["PREFECT_HOME"]})}
    result: dict[str, Any] = {"status": "ok", "extractor": extractor, "runs": runs}
    failed = [f"{n} workers: {r.get('reason')}" for n, r in runs.items() if r["status"] != "ok"]
    if failed:
        result |= {"status": "failed", "reason": "; ".join(failed)}
    elif len(workers) >= 2:
        first, last = runs[str(workers[0])]["seconds"], runs[str(workers[-1])]["seconds"]
        result["speedup"] = round(first / last, 3)
    return result
