"""The report in a real browser: headless Chromium (Debian's `chromium`) opens the file with the
network cut off, and must log nothing to the console, draw every chart and filter the errors.

Skipped, saying why, where Chromium is not installed (.ci/run installs it).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest

from reform_facts.evaluation import report
from tests.test_report import DOC_ID, known_claims, result  # the small known evaluation

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package "
                       "`chromium`, which .ci/run installs): the browser test needs a real browser"),
    pytest.mark.slow,
]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         # every console message goes to stderr as a ':CONSOLE' line
         "--enable-logging=stderr", "--v=0",
         # no host resolves, so nothing leaves the machine; the net log shows what was tried
         "--host-resolver-rules=MAP * ~NOTFOUND",
         "--virtual-time-budget=15000")
SVG = "{http://www.w3.org/2000/svg}"  # html5lib keeps the namespace of inline SVG
# Chromium's own housekeeping (update checks, time, accounts) that its flags do not all stop
BROWSER_HOSTS = re.compile(r"(^|\.)(google\.com|googleapis\.com|gvt1\.com)$")


def page_requests(net_log: Path) -> set[str]:
    """Network URLs the page asked for, from Chromium's net log (its own housekeeping left out)."""
    urls = set(re.findall(r'"url":"([^"]+)"', net_log.read_text(encoding="utf-8", errors="replace")))
    return {url for url in urls if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and not BROWSER_HOSTS.search(urlsplit(url).hostname or "")}


def open_page(url: str, scratch: Path) -> tuple[object, list[str], set[str]]:
    """The DOM after the page's scripts ran, the console messages and the network requests,
    from a fresh profile."""
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=scratch))
    net_log = profile / "net-log.json"
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile / 'profile'}",
                           f"--log-net-log={net_log}", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    dom = html5lib.parse(done.stdout, namespaceHTMLElements=False)
    return dom, console, page_requests(net_log)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    """The known evaluation's report, with a trend from a warehouse of two recorded runs."""
    from reform_facts.extractors import registry
    from reform_facts.paths import PROJECT_DIR as ROOT
    from reform_facts.evaluation.evaluate import Report
    from reform_facts.readers import read_document
    from reform_facts.warehouse.load import record_evaluation

    folder = tmp_path_factory.mktemp("browser")
    doc = registry.describe(read_document(ROOT / "corpus" / f"{DOC_ID}.txt"))
    gold, alpha, beta = known_claims(doc)
    known = Report([result("alpha", alpha, gold, doc), result("beta", beta, gold, doc)], [DOC_ID])
    for run_id in ("first", "second"):
        record_evaluation(folder / "w.duckdb", run_id=run_id, report=known)
    return report.write_report(known, folder / "report.html", documents={DOC_ID: doc},
                               db_path=folder / "w.duckdb")


def test_the_harness_sees_script_errors_and_network_use(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><title>x</title><script>notDefined();</script>'
                      '<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>', encoding="utf-8")
    _, console, requests = open_page(broken.as_uri(), tmp_path)
    assert any("notDefined" in line for line in console)
    assert requests == {"https://cdn.jsdelivr.net/npm/vega@6"}


def test_the_report_opens_offline_without_console_messages_and_draws_every_chart(page, tmp_path):
    dom, console, requests = open_page(page.as_uri(), tmp_path)
    assert console == [] and requests == set()
    holders = dom.findall(".//div[@data-spec]")
    assert [h.get("data-spec") for h in holders] == ["spec-headline", "spec-fields", "spec-trend"]
    for holder in holders:
        svg = holder.find(f".//{SVG}svg[@class='marks']")
        assert svg is not None, f"{holder.get('data-spec')} drew no SVG"
        symbols = [p for p in svg.iter(f"{SVG}path") if p.get("role") == "graphics-symbol"]
        assert symbols, f"{holder.get('data-spec')} drew no marks"
    labels = {"".join(t.itertext()) for t in holders[0].iter(f"{SVG}text")}
    assert {"0.667", "0.333", "1.000", "precision", "recall", "F1"} <= labels
    rows = dom.findall(".//table[@id='errors']/tbody/tr")
    assert len(rows) == 4 and all(row.get("hidden") is None for row in rows)


@pytest.mark.parametrize(("address", "expected"), [
    ("#kind=miss", 1), ("#extractor=beta", 0), (f"#doc={DOC_ID}&kind=wrong_field&field=year", 1)])
def test_the_error_filters_work_in_the_browser(page, tmp_path, address, expected):
    dom, console, _ = open_page(page.as_uri() + address, tmp_path)
    assert console == []
    rows = dom.findall(".//table[@id='errors']/tbody/tr")
    assert len(rows) == 4
    assert len([row for row in rows if row.get("hidden") is None]) == expected
    assert dom.find(".//*[@id='error-count']").text == str(expected)
