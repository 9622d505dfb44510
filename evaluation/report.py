"""The evaluator's report: one self-contained HTML file showing an evaluation.

It holds, per extractor, mention and claim precision/recall/F1 with their bootstrap intervals
as a chart, field accuracy as a chart (both on axes zoomed to the data), tables per document,
quantity type, layout (prose or table) and split, a browser of every error (a false positive,
a miss, or a pair with all its wrong fields) with its sentence, the predicted and gold readings
side by side and a link to the document view (`document_view`, one page per extractor and
document, written beside the report), and the trend of past evaluations stored in the
reform_facts.warehouse. Errors of the sealed test split are left out unless unsealed.

Charts are Vega-Lite specifications built with Altair. The browser draws them with the
vega, vega-lite and vega-embed bundle that the vl-convert package ships; it is inlined once into
the page, so the file opens without a network. The scorer's own figures
(`evaluation.Report.to_json`) are embedded as JSON so that tools can read them back.
"""
from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import jinja2
import pandas as pd

from reform_facts.evaluation import document_view, scoring
from reform_facts.evaluation.document_view import claim_summary, shown

from reform_facts import paths
from reform_facts.claim import Claim, Document
from reform_facts.errors import GoldError, ReformFactsError
from reform_facts.extractors import registry
from reform_facts.gold import document_path, split_of
from reform_facts.evaluation.evaluate import ExtractorResult, Report
from reform_facts.readers import read_document
from reform_facts.warehouse import store

log = logging.getLogger(__name__)

DEFAULT_OUTPUT = paths.BUILD_DIR / "report.html"
# (level, label, Score attribute): the six headline rates of docs/claims.md, "The scores".
HEADLINE = (("mention", "precision", "precision"), ("mention", "recall", "recall"),
            ("mention", "F1", "f1"), ("claim", "precision", "claim_precision"),
            ("claim", "recall", "claim_recall"), ("claim", "F1", "claim_f1"))
ERROR_KINDS = ("false_positive", "miss", "wrong_field")
TREND_METRICS = {"f1": "mention F1", "claim_f1": "claim F1"}
HISTORY_COLUMNS = ("run_id", "evaluated_at", "extractor", "extractor_version", "metric",
                   "value", "ci_low", "ci_high")
CONTEXT_CHARS = 90  # characters of sentence shown either side of a span


# ------------------------------------------------------------------ charts

def _headline_frame(results: list[ExtractorResult]) -> pd.DataFrame:
    rows = []
    for result in results:
        score = result.evaluation.score
        for level, label, metric in HEADLINE:
            low, high = result.intervals.get(metric, (math.nan, math.nan))
            rows.append({"extractor": result.name, "level": level, "metric": label,
                         "value": getattr(score, metric), "low": low, "high": high})
    return pd.DataFrame(rows)


def _field_frame(results: list[ExtractorResult]) -> pd.DataFrame:
    rows = []
    for result in results:
        score = result.evaluation.score
        for name in scoring.FIELDS:
            low, high = result.intervals.get(f"{name}_accuracy", (math.nan, math.nan))
            rows.append({"extractor": result.name, "field": field_label(name),
                         "accuracy": score.accuracy(name), "low": low, "high": high,
                         "right": score.fields_right.get(name, 0), "pairs": score.pairs})
    return pd.DataFrame(rows)


def zoomed_domain(values: Iterable[float], *, step: float = 0.05) -> list[float]:
    """The axis range of rates: the data's (values and interval ends), widened to whole steps
    and a little room, kept within 0..1, so that points bunched at 0.95-1 spread out.

    >>> zoomed_domain([0.97, 1.0, 0.955]), zoomed_domain([0.2, 0.8]), zoomed_domain([math.nan])
    ([0.9, 1.0], [0.15, 0.85], [0.0, 1.0])
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return [0.0, 1.0]
    room = step / 5  # a point never sits on the axis's end unless it is 0 or 1
    low = max(0.0, math.floor((min(finite) - room) / step + 1e-9) * step)
    high = min(1.0, math.ceil((max(finite) + room) / step - 1e-9) * step)
    if high - low < 2 * step - 1e-9:  # at least two steps: an axis with one interval reads badly
        low, high = max(0.0, low - step), min(1.0, high + step)
    return [round(low, 4), round(high, 4)]


def _interval_chart(frame: pd.DataFrame, category: str, value: str, order: list[str],
                    title: str) -> alt.LayerChart:
    """A dot per extractor and category with its 95% interval as a bar behind it, on an axis
    zoomed to the values and intervals shown."""
    frame = frame.assign(label_at=frame[[value, "high"]].max(axis=1))  # right of both
    base = alt.Chart(frame).encode(
        y=alt.Y(f"{category}:N", sort=order, title=None),
        yOffset=alt.YOffset("extractor:N"),
        color=alt.Color("extractor:N", legend=alt.Legend(orient="bottom")))
    scale = alt.Scale(domain=zoomed_domain([*frame[value], *frame["low"], *frame["high"]]), nice=False)
    interval = base.mark_rule(strokeWidth=3, opacity=0.5).encode(
        x=alt.X("low:Q", scale=scale, title=title), x2="high:Q")
    tooltip = ["extractor:N", f"{category}:N", alt.Tooltip(f"{value}:Q", format=".3f"),
               alt.Tooltip("low:Q", format=".3f"), alt.Tooltip("high:Q", format=".3f")]
    dot = base.mark_point(filled=True, size=70, opacity=1).encode(
        x=alt.X(f"{value}:Q", scale=scale), tooltip=tooltip)
    label = base.mark_text(align="left", dx=6, fontSize=11).encode(
        x=alt.X("label_at:Q", scale=scale), text=alt.Text(f"{value}:Q", format=".3f"))
    return alt.layer(interval, dot, label)


def headline_chart(results: list[ExtractorResult]) -> dict[str, Any]:
    """Mention and claim P/R/F1 per extractor with 95% intervals, as a Vega-Lite spec."""
    frame = _headline_frame(results)
    chart = _interval_chart(frame, "metric", "value", ["precision", "recall", "F1"],
                            "score (bar: 95% bootstrap interval over documents)")
    return chart.properties(width=330, height=40 + 22 * len(results) * 3).facet(
        column=alt.Column("level:N", sort=["mention", "claim"], title=None)).to_dict()


def field_chart(results: list[ExtractorResult]) -> dict[str, Any]:
    """Accuracy of each field over the mention pairs, per extractor, as a Vega-Lite spec."""
    frame = _field_frame(results)
    chart = _interval_chart(frame, "field", "accuracy", [field_label(f) for f in scoring.FIELDS],
                            "share of paired claims with the field right (bar: 95% interval)")
    return chart.properties(width=560, height=30 + 18 * len(results) * len(scoring.FIELDS)).to_dict()


def _time_axis(times: pd.Series) -> tuple[list[str], alt.Axis]:
    """A dated x-axis over the evaluations' times: padded so that one evaluation sits in the
    middle of a readable range, labelled by day (with the time when they span under 3 days),
    one tick per label so that no two labels read the same."""
    first, last = times.min(), times.max()
    span = last - first
    pad = max(pd.Timedelta(hours=12), span * 0.05)
    domain = [(first - pad).strftime("%Y-%m-%dT%H:%M:%SZ"), (last + pad).strftime("%Y-%m-%dT%H:%M:%SZ")]
    if span < pd.Timedelta(days=3):
        axis = alt.Axis(format="%Y-%m-%d %H:%M", labelAngle=-30, tickCount=5)
    else:
        days = max(1, math.ceil((span + 2 * pad) / pd.Timedelta(days=1) / 6))
        axis = alt.Axis(format="%Y-%m-%d", labelAngle=-30,
                        tickCount={"interval": "day", "step": days})
    return domain, axis


def trend_chart(history: pd.DataFrame) -> dict[str, Any]:
    """Mention and claim F1 of each stored evaluation over time, per extractor: a colour per
    extractor, a mark shape (and line dash) per metric, the 95% interval as a bar."""
    frame = history[history["metric"].isin(list(TREND_METRICS))].copy()
    frame["metric"] = frame["metric"].map(TREND_METRICS)
    times = pd.to_datetime(frame["evaluated_at"], utc=True)
    frame["evaluated_at"] = times.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    domain, axis = _time_axis(times)
    y_scale = alt.Scale(domain=zoomed_domain([*frame["value"], *frame["ci_low"], *frame["ci_high"]]), nice=False)
    x = alt.X("evaluated_at:T", title="evaluated at (UTC)", scale=alt.Scale(type="utc", domain=domain), axis=axis)
    base = alt.Chart(frame).encode(x=x, color=alt.Color("extractor:N", legend=alt.Legend(orient="bottom")))
    shapes = alt.Scale(domain=list(TREND_METRICS.values()), range=["circle", "square"])
    dashes = alt.Scale(domain=list(TREND_METRICS.values()), range=[[1, 0], [5, 3]])
    # one legend for both: Vega-Lite merges the shape and the dash of the same field into its symbols
    metric_legend = alt.Legend(orient="bottom", title="metric", symbolStrokeWidth=2, symbolSize=80)
    line = base.mark_line().encode(
        y=alt.Y("value:Q", scale=y_scale, title="score (bar: 95% interval)"),
        strokeDash=alt.StrokeDash("metric:N", scale=dashes, legend=metric_legend), detail="metric:N")
    interval = base.mark_rule(strokeWidth=2, opacity=0.4).encode(
        y=alt.Y("ci_low:Q", scale=y_scale), y2="ci_high:Q", detail="metric:N")
    point = base.mark_point(filled=True, size=80, opacity=1).encode(
        y=alt.Y("value:Q", scale=y_scale),
        shape=alt.Shape("metric:N", scale=shapes, legend=metric_legend),
        tooltip=["run_id:N", "extractor:N", "extractor_version:N", "metric:N",
                 alt.Tooltip("value:Q", format=".3f"), alt.Tooltip("ci_low:Q", format=".3f"),
                 alt.Tooltip("ci_high:Q", format=".3f"), alt.Tooltip("evaluated_at:T", format="%Y-%m-%d %H:%M")])
    return alt.layer(interval, line, point).properties(width=640, height=240).to_dict()


def field_label(name: str) -> str:
    """A field's name for people: indicator_strict reads 'indicator (strict)'."""
    return name.replace("_strict", " (strict)")


# ------------------------------------------------------------------ the error browser

@dataclass(frozen=True)
class ErrorRow:
    """One error as the browser shows it: a false positive, a miss, or a pair with every field
    it has wrong (the scorer's records of that pair, one per field), with both claims and the
    sentence around the span; `view` links to the document view at the claim, when written."""

    extractor: str
    records: tuple[scoring.ErrorRecord, ...]
    predicted_claim: Claim | None
    gold_claim: Claim | None
    before: str
    after: str
    view: str | None = None

    @property
    def record(self) -> scoring.ErrorRecord:
        """The first record: kind, document, span, text and sentence are the same in all."""
        return self.records[0]

    @property
    def fields(self) -> list[str]:
        return [record.field for record in self.records if record.field]

    def filters(self) -> dict[str, str]:
        return {"extractor": self.extractor, "doc": self.record.doc_id, "kind": self.record.kind,
                "field": " ".join(self.fields)}


def _claims_at(evaluation: scoring.Evaluation) -> dict[tuple[str, str, int, int],
                                                       tuple[Claim | None, Claim | None]]:
    """(kind, doc_id, start, end) -> (predicted, gold), as `scoring.errors` places records."""
    found: dict[tuple[str, str, int, int], tuple[Claim | None, Claim | None]] = {}
    for claim in evaluation.false_positives:
        found[("false_positive", claim.doc_id, claim.start, claim.end)] = (claim, None)
    for claim in evaluation.misses:
        found[("miss", claim.doc_id, claim.start, claim.end)] = (None, claim)
    for wrong in evaluation.wrong_fields:
        predicted, gold = wrong.pair
        found[("wrong_field", predicted.doc_id, predicted.start, predicted.end)] = (predicted, gold)
    return found


def _context(record: scoring.ErrorRecord, text: str | None) -> tuple[str, str]:
    """The sentence before and after the span, located in the document when it is known.

    >>> record = scoring.ErrorRecord("miss", "d", (9, 12), "65%", None, None, "65%",
    ...                              "基层诊疗量65%以上。")
    >>> _context(record, "目标：\\n基层诊疗量65%以上。")
    ('基层诊疗量', '以上。')
    """
    start, end = record.span
    sentence = record.sentence
    if text is not None and sentence:
        begin = text.rfind(sentence, max(0, end - len(sentence)), start + len(sentence))
        if begin == -1 or not begin <= start <= end <= begin + len(sentence):
            begin, stop = scoring.sentence_bounds(text, start, end)
            sentence = text[begin:stop]
        before, after = sentence[:start - begin], sentence[end - begin:]
    elif text is not None:
        begin, stop = scoring.sentence_bounds(text, start, end)
        before, after = text[begin:start], text[end:stop]
    else:
        before, _, after = (sentence or record.text).partition(record.text)
    return _clip(before, left=True), _clip(after, left=False)


def _clip(part: str, *, left: bool) -> str:
    if len(part) <= CONTEXT_CHARS:
        return part
    return "…" + part[-CONTEXT_CHARS:] if left else part[:CONTEXT_CHARS] + "…"


def error_rows(results: list[ExtractorResult], texts: Mapping[str, str], *,
               views: Mapping[tuple[str, str], str] | None = None,
               withheld: frozenset[str] = frozenset()) -> list[ErrorRow]:
    """Every error of every extractor, in the scorer's order, with the claims behind it: one row
    per false positive, per miss, and per pair with wrong fields (all of them in that row).
    `views` gives the document view of (extractor, doc_id); documents in `withheld` are left out."""
    rows = []
    for result in results:
        claims = _claims_at(result.evaluation)
        groups: dict[tuple[str, str, int, int], list[scoring.ErrorRecord]] = {}
        for record in result.errors:
            if record.doc_id not in withheld:
                groups.setdefault((record.kind, record.doc_id, *record.span), []).append(record)
        for key, records in groups.items():
            predicted, gold = claims.get(key, (None, None))
            before, after = _context(records[0], texts.get(records[0].doc_id))
            view = (views or {}).get((result.name, records[0].doc_id))
            anchor = "#c{}-{}".format(*records[0].span)
            rows.append(ErrorRow(result.name, tuple(records), predicted, gold, before, after,
                                 None if view is None else view + anchor))
    return rows


# ------------------------------------------------------------------ past evaluations

def evaluation_history(con: Any) -> pd.DataFrame:
    """Overall scores of past evaluations in the warehouse (migration 003), oldest first.

    Columns: run_id, evaluated_at, extractor, extractor_version, metric, value, ci_low,
    ci_high. Empty when the warehouse has no evaluation tables or results (yet).
    """
    tables = {row[0] for row in con.execute(
        "select table_name from information_schema.tables").fetchall()}
    if not {"evaluations", "evaluation_metrics"} <= tables:
        return pd.DataFrame(columns=list(HISTORY_COLUMNS))
    return con.execute(
        "select e.run_id, e.evaluated_at, e.extractor, e.extractor_version, m.metric, m.value, "
        "m.ci_low, m.ci_high from evaluations e join evaluation_metrics m using (run_id, extractor) "
        "where m.scope = 'all' order by e.evaluated_at, e.extractor, m.metric").df()


def _connect(db_path: Path) -> Any:
    """A read-only connection through the warehouse's own door, which waits out a writer."""
    return store.connect(db_path, read_only=True)


def load_history(db_path: Path | None) -> tuple[pd.DataFrame | None, str]:
    """The trend's rows, or None, with a sentence saying where they come from or why none."""
    if db_path is None or not Path(db_path).is_file():
        return None, (f"No warehouse file at {db_path}: there are no past evaluations to show. "
                      "Evaluations are recorded there by the evaluation flow.")
    try:
        con = _connect(Path(db_path))
    except (ReformFactsError, OSError) as error:
        return None, f"The warehouse at {db_path} could not be read: {error}"
    try:
        history = evaluation_history(con)
    finally:
        con.close()
    if history.empty:
        return None, f"The warehouse at {db_path} holds no evaluation results yet."
    runs = history["run_id"].nunique()
    plural = "s" if runs != 1 else ""
    return history, f"{runs} evaluation{plural} recorded in the warehouse at {db_path}."


# ------------------------------------------------------------------ the page

@cache
def vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one script, for the Vega-Lite version Altair writes."""
    # imported here, not above: an 88 MB native library (a JavaScript engine and the bundles)
    # that only writing a page needs, not the imports of scoring or the CLI
    import vl_convert

    version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # 'v6.4.1' -> 'v6_4', as Altair does
    bundle = vl_convert.javascript_bundle(vl_version=version)
    # inside <script>, only "</script" ends the element: keep the bundle from ever doing so
    return bundle.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def script_json(value: Any) -> str:
    """JSON safe to place inside <script>: <, > and & are written as unicode escapes.

    >>> script_json({"a": "</script>"})
    '{"a": "\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _score_rows(results: list[ExtractorResult], attribute: str) -> list[dict[str, Any]]:
    return [{"extractor": result.name, "key": key, "score": score}
            for result in results
            for key, score in getattr(result.evaluation, attribute).items()]


def layout_rows(results: list[ExtractorResult], texts: Mapping[str, str]) -> list[dict[str, Any]]:
    """Scores per layout, per extractor: a claim is in a table when its span lies in a numeric
    cell of a table `reform_facts.tables` finds in its document, else in prose; a claim of a
    document whose text is not at hand is of layout "unknown"."""
    cells = {doc_id: document_view.figure_cells(text) for doc_id, text in texts.items()}

    def layout(claim: Claim) -> str:
        found = cells.get(claim.doc_id)
        return "unknown" if found is None else document_view.layout_of(claim, found)
    return [{"extractor": result.name, "key": key, "score": score}
            for result in results
            for key, score in sorted(scoring.breakdown(result.evaluation, layout).items())]


def split_rows(results: list[ExtractorResult], gold_dir: Path) -> list[dict[str, Any]]:
    """Scores per split of the gold set (gold/split.json), per extractor: the documents' scores summed."""
    rows = []
    for result in results:
        by_split: dict[str, scoring.Score] = {}
        for doc_id, score in result.evaluation.by_document.items():
            split = split_of(doc_id, gold_dir)
            by_split[split] = by_split.get(split, scoring.Score()) + score
        rows += [{"extractor": result.name, "key": split, "score": score}
                 for split, score in sorted(by_split.items())]
    return rows


def glance(results: list[ExtractorResult], rows: list[ErrorRow]) -> list[dict[str, Any]]:
    """Per extractor, the page's answer in one line: F1s, weakest field, errors by kind (rows of
    the browser; for wrong fields, also how many fields)."""
    lines = []
    for result in results:
        score = result.evaluation.score
        accuracies = [(score.accuracy(name), name) for name in scoring.FIELDS
                      if not math.isnan(score.accuracy(name))]
        weakest = min(accuracies, default=None)
        mine = [row for row in rows if row.extractor == result.name]
        counts = {kind: sum(row.record.kind == kind for row in mine) for kind in ERROR_KINDS}
        lines.append({"name": result.name, "f1": score.f1, "claim_f1": score.claim_f1,
                      "weakest": None if weakest is None else (field_label(weakest[1]), weakest[0]),
                      "errors": counts, "wrong_fields": sum(len(row.fields) for row in mine)})
    return lines


def _titles(documents: Mapping[str, Document]) -> dict[str, str]:
    """Each document's stated title, else its first non-empty line, clipped."""
    titles = {}
    for doc_id, doc in documents.items():
        line = doc.title or next((line.strip() for line in doc.text.splitlines() if line.strip()), "")
        titles[doc_id] = line[:40] + ("…" if len(line) > 40 else "")
    return titles


def sealed_documents(report: Report, gold_dir: Path, *, unseal: bool = False) -> frozenset[str]:
    """The report's documents of the sealed test split, whose errors are not shown unless `unseal`."""
    if unseal:
        return frozenset()
    return frozenset(doc_id for doc_id in report.documents if split_of(doc_id, gold_dir) == "test")


def _report_data(report: Report, withheld: frozenset[str]) -> dict[str, Any]:
    """The scorer's figures for tools, with the errors of withheld documents left out."""
    data = report.to_json(errors=True)
    for entry in data["extractors"]:
        entry["errors"] = [e for e in entry["errors"] if e["doc_id"] not in withheld]
    return data


def render(report: Report, documents: Mapping[str, Document], *,
           history: pd.DataFrame | None = None, history_note: str = "",
           generated: datetime | None = None, views: Mapping[tuple[str, str], str] | None = None,
           gold_dir: Path = paths.GOLD_DIR, unseal: bool = False) -> str:
    """The report as one HTML page; `documents` (by doc_id) place each error in its sentence,
    `views` link each error to the document view of (extractor, doc_id). Errors of the sealed
    test split's documents are left out unless `unseal`."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("reform_facts.evaluation", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(num=_num, shown=shown, summary=claim_summary, label=field_label)
    specs = {"headline": headline_chart(report.results), "fields": field_chart(report.results)}
    if history is not None:
        specs["trend"] = trend_chart(history)
    texts = {doc_id: doc.text for doc_id, doc in documents.items()}
    withheld = sealed_documents(report, gold_dir, unseal=unseal)
    rows = error_rows(report.results, texts, views=views, withheld=withheld)
    return environment.get_template("report.html").render(
        generated=(generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC"),
        report=report, results=report.results, headline=HEADLINE, fields=scoring.FIELDS,
        glance=glance(report.results, rows), withheld=sorted(withheld),
        titles=_titles(documents), rows=rows, kinds=ERROR_KINDS, views=views or {},
        by_document=_score_rows(report.results, "by_document"),
        by_type=_score_rows(report.results, "by_quantity_type"),
        by_layout=layout_rows(report.results, texts), by_split=split_rows(report.results, gold_dir),
        error_fields=sorted({name for row in rows for name in row.fields}),
        specs={name: script_json(spec) for name, spec in specs.items()},
        data=script_json(_report_data(report, withheld)),
        vega=vega_bundle(), history_note=history_note)


def _num(value: float, interval: tuple[float, float] | None = None) -> str:
    """A rate with three decimals, its interval after it; a dash for no evidence (nan)."""
    if value is None or math.isnan(value):
        return "–"
    if interval is None or any(math.isnan(x) for x in interval):
        return f"{value:.3f}"
    return f"{value:.3f} [{interval[0]:.2f}–{interval[1]:.2f}]"


def documents_of(doc_ids: list[str], corpus_dir: Path, gold_dir: Path = paths.GOLD_DIR) -> dict[str, Document]:
    """The gold documents as the evaluation read them (`gold.document_path`: gold_dir/documents/
    or corpus_dir), by doc_id; one that is not there is left out."""
    found = {}
    for doc_id in doc_ids:
        try:
            path = document_path(doc_id, gold_dir=gold_dir, corpus_dir=corpus_dir)
        except GoldError:
            continue
        found[doc_id] = registry.describe(read_document(path))
    return found


def views_folder(output: Path) -> Path:
    """Where the document views of a report go: beside it, `<report name>-documents/`."""
    return Path(output).with_name(Path(output).stem + "-documents")


def write_views(report: Report, documents: Mapping[str, Document], output: Path, *,
                withheld: frozenset[str] = frozenset()) -> dict[tuple[str, str], str]:
    """A document view (`document_view`) of each extractor's claims compared with gold, for each
    document with errors, beside the report; returns their addresses relative to the report."""
    folder = views_folder(output)
    views = {}
    for result in report.results:
        for doc_id in sorted({e.doc_id for e in result.errors} - withheld):
            if doc_id not in documents:
                continue
            marks = document_view.compared_marks(result.evaluation, doc_id)
            back = f"../{Path(output).name}#extractor={result.name}&doc={doc_id}"
            html = document_view.render(
                documents[doc_id], marks, back=back,
                source=f"claims of {result.name} {result.version} compared with gold")
            name = f"{doc_id}.{result.name}.html"
            document_view.write_view(html, folder / name)
            views[(result.name, doc_id)] = f"{folder.name}/{name}"
    return views


def write_report(report: Report, output: Path = DEFAULT_OUTPUT, *,
                 corpus_dir: Path = paths.CORPUS_DIR, gold_dir: Path = paths.GOLD_DIR,
                 db_path: Path | None = None, documents: Mapping[str, Document] | None = None,
                 unseal: bool = False) -> Path:
    """Render the report of an evaluation to `output` (written whole, then moved into place),
    with a document view per extractor and document with errors in `<output>-documents/`.

    The trend comes from the warehouse at `db_path` when there is one; documents are read
    from gold_dir/documents and `corpus_dir` unless given. Errors of the sealed test split are
    shown only with `unseal`.
    """
    if documents is None:
        documents = documents_of(report.documents, corpus_dir, gold_dir)
    history, note = load_history(db_path)
    withheld = sealed_documents(report, gold_dir, unseal=unseal)
    views = write_views(report, documents, output, withheld=withheld)
    html = render(report, documents, history=history, history_note=note, views=views,
                  gold_dir=gold_dir, unseal=unseal)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(output)
    log.info("wrote the evaluation report to %s (%d bytes) and %d document views in %s",
             output, len(html.encode()), len(views), views_folder(output))
    return output
