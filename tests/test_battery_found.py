"""Failures found by the red-team battery (benchmarks/battery.py) against issue 21, each a test
marked xfail(strict=True): the fix turns it green, pytest then reports XPASS as a failure, and the
mark must be removed. The battery's timing findings (HTML of nested tables, a giant table row,
packed 全市 words, a long line of Han and digits) are not here: timings belong in the benchmark.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from reform_facts.errors import WarehouseCorruptError, WarehouseError
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.pipeline.cli import main
from reform_facts.warehouse.load import ExtractionResult, load_run

CLI = [sys.executable, "-m", "reform_facts.pipeline.cli"]
GOOD = "2023年，三明市基层诊疗量占比达65%以上。"


def _load(db: Path, docs, rules, *, run_id: str = "r1") -> None:
    load_run(db, run_id=run_id, documents=docs, failures=[], started_at=datetime.now(UTC), parameters={},
             results=[ExtractionResult(d.doc_id, rules.name, rules.version, rules(d)) for d in docs])


@pytest.fixture(scope="module")
def db(tmp_path_factory, corpus_docs, rules) -> Path:
    path = tmp_path_factory.mktemp("battery") / "w.duckdb"
    _load(path, corpus_docs[:1], rules)
    return path


@pytest.fixture
def own_db(db, tmp_path) -> Path:
    copy = tmp_path / "w.duckdb"
    shutil.copy(db, copy)
    return copy


def _env(tmp_path: Path) -> dict[str, str]:
    return os.environ | {"REFORM_FACTS_HOME": str(tmp_path / "home"), "PREFECT_HOME": str(tmp_path / "prefect")}


# --- numbers: a mark inside a number must be read through or stop it, never give another value ----

WRONG_VALUES = {
    # text -> the only value it may give (or no claim at all)
    "全市基层诊疗量占比达6\u200e5%。": 65,  # left-to-right mark (issue 21 names bidirectional marks): read 5%
    "全市基层诊疗量占比达6\ufe0f5%。": 65,  # variation selector-16, a combining mark (Mn): read 5%
    "全市共有医疗卫生机构12\u00ad34家。": 1234,  # soft hyphen (Cf, invisible): read 34家
    "全市财政投入1\u3000234\u3000567元。": 1234567,  # ideographic space between thousands: read 567元
    "全市财政投入1'234'567元。": 1234567,  # apostrophe thousands separators: read 567元
    "全市财政投入12,34,567元。": 1234567,  # invalid grouping: read 34,567元 (issue: only where valid)
    "全市床位使用率为85·5%。": 85.5,  # middle dot as the decimal point: read 5%
    "全市床位使用率为85\u066b5%。": 85.5,  # Arabic decimal separator: read 5%
}


@pytest.mark.parametrize("text", list(WRONG_VALUES))
def test_a_mark_inside_a_number_never_gives_another_value(doc_from, rules, text):
    allowed = WRONG_VALUES[text]
    values = [claim.value for claim in rules(doc_from(text))]
    assert all(abs(value - allowed) < 1e-9 for value in values), values


# --- terminal output escaped (item 8) ---------------------------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    ("controls.txt", "全市基层诊疗量\u009b2J占比\u202e达65%以上\u2028。"),  # in the document's text
    ("plan\u202e\u0085x.txt", GOOD),  # in the file name, printed as the doc_id
])
def test_extract_never_prints_terminal_controls_raw(capsys, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert main(["extract", str(path)]) == 0
    out = capsys.readouterr().out
    assert out and not any(ch in out for ch in "\u009b\u202e\u2028\u0085")


# --- reading -----------------------------------------------------------------------------------------

def test_korean_in_euc_kr_is_refused_not_read_as_chinese(tmp_path):
    from reform_facts.readers import Failure, read_all

    korean = "보건복지부는 2023년 국민의료비가 전년 대비 6.5% 증가했다고 발표했습니다. 의료기관 수는 1234개입니다. " * 3
    (tmp_path / "korean.txt").write_bytes(korean.encode("euc-kr"))
    [item] = read_all([tmp_path])
    assert isinstance(item, Failure)


def test_standard_input_has_the_line_guard_files_have():
    from reform_facts.pipeline.reading import read_stream
    from reform_facts.readers import Failure

    item = read_stream(io.BytesIO(b"1" * 1_000_000), doc_id="digits")
    assert isinstance(item, Failure) and "a line of 1000000 characters" in item.reason


def test_a_truncated_pdf_is_refused_on_one_line(tmp_path):
    from tests import fixtures_make as fx

    whole = fx.write_pdf_adobe_font(tmp_path / "whole.pdf", [GOOD] * 3).read_bytes()
    half = tmp_path / "half.pdf"
    half.write_bytes(whole[: len(whole) // 2])
    done = subprocess.run([*CLI, "extract", str(half)], capture_output=True, text=True, cwd=ROOT,
                          env=_env(tmp_path), timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [line for line in done.stderr.splitlines()
                                        if line.startswith(f"reform-facts: {half}: ")]
    assert len(done.stderr.splitlines()) == 1


# --- the warehouse --------------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_query_output_never_overwrites_the_warehouse(capsys, own_db, form):
    before = own_db.read_bytes()
    code = main(["query", "SELECT 1", "--db", str(own_db), "--format", form, "--output", str(own_db)])
    capsys.readouterr()
    assert own_db.read_bytes() == before
    assert code != 0


def test_a_named_pipe_as_the_warehouse_is_refused_at_once(tmp_path):
    pipe = tmp_path / "w.duckdb"
    os.mkfifo(pipe)
    try:
        done = subprocess.run([*CLI, "query", "SELECT 1", "--db", str(pipe)], capture_output=True, text=True,
                              cwd=ROOT, env=_env(tmp_path), timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("query waited for a writer on the named pipe")
    assert done.returncode == WarehouseCorruptError.exit_code and len(done.stderr.splitlines()) == 1


def test_a_truncated_warehouse_is_corrupt_for_a_writer(own_db, corpus_docs, rules):
    own_db.write_bytes(own_db.read_bytes()[: own_db.stat().st_size * 6 // 10])
    with pytest.raises(WarehouseCorruptError):
        _load(own_db, corpus_docs[1:2], rules, run_id="r2")


def test_another_programs_duckdb_file_is_left_unchanged(tmp_path, corpus_docs, rules):
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE claims (id INTEGER, customer VARCHAR)")
    con.close()
    with pytest.raises(WarehouseError):
        _load(other, corpus_docs[:1], rules)
    con = duckdb.connect(str(other), read_only=True)
    try:
        assert sorted(name for (name,) in con.execute("SHOW TABLES").fetchall()) == ["claims"]
    finally:
        con.close()


def test_run_ending_in_a_warehouse_error_prints_one_line(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(GOOD, encoding="utf-8")
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE claims (id INTEGER, customer VARCHAR)")
    con.close()
    done = subprocess.run([*CLI, "run", str(docs), "--extractor", "rules", "--db", str(other), "--cache-dir",
                           str(tmp_path / "cache"), "--quiet"], capture_output=True, text=True, cwd=ROOT,
                          env=_env(tmp_path), timeout=300)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr[:500]


def test_export_into_a_link_to_an_empty_folder(capsys, db, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    code = main(["export", str(tmp_path / "link"), "--db", str(db)])
    capsys.readouterr()
    assert code == 0 and (tmp_path / "elsewhere" / "claims.parquet").exists()


def test_a_cache_that_cannot_be_written_does_not_lose_the_run(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(GOOD, encoding="utf-8")
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")  # unwritable for root too
    done = subprocess.run([*CLI, "run", str(docs), "--extractor", "rules", "--db", str(tmp_path / "w.duckdb"),
                           "--cache-dir", str(not_a_folder), "--json"], capture_output=True, text=True, cwd=ROOT,
                          env=_env(tmp_path), timeout=300)
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["claims"] == 1, done.stderr[-500:]  # the claim loaded all the same
    assert done.returncode == 0


def test_extract_to_a_full_disk_is_one_line(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD * 200, encoding="utf-8")
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*CLI, "extract", str(tmp_path / "a.txt")], stdout=full, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, env=_env(tmp_path), timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr[-300:]


def test_ctrl_c_during_extract_is_no_traceback(tmp_path):
    import signal

    lines = [f"全市基层诊疗量占比达{n % 90 + 1}%，机构{n}个。" for n in range(40_000)]
    (tmp_path / "big.txt").write_text("\n".join(lines), encoding="utf-8")
    process = subprocess.Popen([*CLI, "extract", str(tmp_path / "big.txt")], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(tmp_path),
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        process.stdout.readline()  # extracting: the first claim is out
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "Traceback" not in err, err[-300:]
    assert process.returncode in (1, 130)
