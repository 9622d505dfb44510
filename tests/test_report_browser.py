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
    assert len(rows) == 3 and all(row.get("hidden") is None for row in rows)


def axis_or_legend(holder, label: str):
    """The SVG group of the chart's axis or legend whose description starts with `label`."""
    return next(g for g in holder.iter(f"{SVG}g") if (g.get("aria-label") or "").startswith(label))


def test_the_trend_has_a_dated_axis_and_a_distinct_mark_per_metric(page, tmp_path):
    dom, console, _ = open_page(page.as_uri(), tmp_path)
    assert console == []
    trend = dom.find(".//div[@data-spec='spec-trend']")
    axis = axis_or_legend(trend, "X-axis")
    labels = ["".join(t.itertext()) for t in axis.iter(f"{SVG}text")][:-1]  # the last is the title
    assert len(labels) >= 2 and len(set(labels)) == len(labels)  # one evaluation day: no repeated label
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", label) for label in labels), labels
    legend = axis_or_legend(trend, "Symbol legend titled 'metric'")
    assert ["".join(t.itertext()) for t in legend.iter(f"{SVG}text")][:2] == ["mention F1", "claim F1"]
    symbols = [path for group in legend.iter(f"{SVG}g") if "role-legend-symbol" in (group.get("class") or "")
               for path in group.findall(f"{SVG}path")]
    assert len(symbols) == 2
    (circle, square), (solid, dashed) = ([p.get("d") for p in symbols], [p.get("stroke-dasharray") for p in symbols])
    assert "A" in circle and "A" not in square and solid != dashed  # a round mark and a square one


@pytest.mark.parametrize(("address", "expected"), [
    ("#kind=miss", 1), ("#extractor=beta", 0), (f"#doc={DOC_ID}&kind=wrong_field&field=year", 1),
    ("#field=indicator_strict", 1)])  # the row holding year and indicator (strict) matches either
def test_the_error_filters_work_in_the_browser(page, tmp_path, address, expected):
    dom, console, _ = open_page(page.as_uri() + address, tmp_path)
    assert console == []
    rows = dom.findall(".//table[@id='errors']/tbody/tr")
    assert len(rows) == 3
    assert len([row for row in rows if row.get("hidden") is None]) == expected
    assert dom.find(".//*[@id='error-count']").text == str(expected)


def test_the_document_view_opens_offline_at_the_claim_an_error_links_to(page, tmp_path):
    report_dom, _, _ = open_page(page.as_uri(), tmp_path)
    wrong = next(row for row in report_dom.findall(".//table[@id='errors']/tbody/tr")
                 if row.get("data-kind") == "wrong_field")
    link = wrong.findall("td")[1].find("a").get("href")
    view, _, anchor = link.partition("#")
    dom, console, requests = open_page((page.parent / view).as_uri() + "#" + anchor, tmp_path)
    assert console == [] and requests == set()
    shown = [d for d in dom.findall(".//div[@class='detail']") if d.get("hidden") is None]
    assert [d.get("data-id") for d in shown] == [anchor]
    assert {row.get("data-field") for row in shown[0].findall(".//tr[@class='wrong']")} == {"year", "indicator"}
    selected = [m.text for m in dom.findall(".//article[@id='text']/mark") if "selected" in m.get("class", "")]
    assert selected == ["70%"]
    assert dom.find(".//p[@id='hint']").get("hidden") is not None

    plain, console, _ = open_page((page.parent / view).as_uri(), tmp_path)  # no claim chosen yet
    assert console == []
    assert all(d.get("hidden") is not None for d in plain.findall(".//div[@class='detail']"))
    assert plain.find(".//p[@id='hint']").get("hidden") is None
