"""The evaluator's report: one self-contained HTML file showing an evaluation.

It holds, per extractor, mention and claim precision/recall/F1 with their bootstrap intervals
as a chart, field accuracy as a chart, tables per document and per quantity type, a browser of
every error (false positive, miss, wrong field) with its sentence and the predicted and gold
readings side by side, and the trend of past evaluations stored in the reform_facts.warehouse.

Charts are Vega-Lite specifications built with Altair. The browser draws them with the
vega, vega-lite and vega-embed bundle that the vl-convert package ships; it is inlined once into
the page, so the file opens without a network. The scorer's own figures
(`evaluation.Report.to_json`) are embedded as JSON so that tools can read them back.
"""
from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from reform_facts.evaluation import scoring

from reform_facts import paths
from reform_facts.claim import Claim, Document
from reform_facts.errors import ReformFactsError
from reform_facts.evaluation.evaluate import ExtractorResult, Report

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


def _interval_chart(frame: pd.DataFrame, category: str, value: str, order: list[str],
                    title: str) -> alt.LayerChart:
    """A dot per extractor and category with its 95% interval as a bar behind it."""
    frame = frame.assign(label_at=frame[[value, "high"]].max(axis=1))  # right of both
    base = alt.Chart(frame).encode(
        y=alt.Y(f"{category}:N", sort=order, title=None),
        yOffset=alt.YOffset("extractor:N"),
        color=alt.Color("extractor:N", legend=alt.Legend(orient="bottom")))
    scale = alt.Scale(domain=[0, 1])
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


def trend_chart(history: pd.DataFrame) -> dict[str, Any]:
    """Mention and claim F1 of each stored evaluation over time, per extractor."""
    frame = history[history["metric"].isin(list(TREND_METRICS))].copy()
    frame["metric"] = frame["metric"].map(TREND_METRICS)
    frame["evaluated_at"] = pd.to_datetime(frame["evaluated_at"], utc=True).dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    chart = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("evaluated_at:T", title="evaluated at"),
        y=alt.Y("value:Q", scale=alt.Scale(zero=False), title="score"),
        color=alt.Color("extractor:N", legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("metric:N", legend=alt.Legend(orient="bottom")),
        tooltip=["run_id:N", "extractor:N", "extractor_version:N", "metric:N",
                 alt.Tooltip("value:Q", format=".3f"), "evaluated_at:T"])
    return chart.properties(width=640, height=240).to_dict()


def field_label(name: str) -> str:
    """A field's name for people: indicator_strict reads 'indicator (strict)'."""
    return name.replace("_strict", " (strict)")


# ------------------------------------------------------------------ the error browser

@dataclass(frozen=True)
class ErrorRow:
    """One error as the browser shows it: the scorer's record plus both claims and context."""

    extractor: str
    record: scoring.ErrorRecord
    predicted_claim: Claim | None
    gold_claim: Claim | None
    before: str
    after: str

    def filters(self) -> dict[str, str]:
        return {"extractor": self.extractor, "doc": self.record.doc_id, "kind": self.record.kind,
                "field": self.record.field or ""}


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


def error_rows(results: list[ExtractorResult], texts: Mapping[str, str]) -> list[ErrorRow]:
    """Every error of every extractor, in the scorer's order, with the claims behind it."""
    rows = []
    for result in results:
        claims = _claims_at(result.evaluation)
        for record in result.errors:
            predicted, gold = claims.get((record.kind, record.doc_id, *record.span), (None, None))
            before, after = _context(record, texts.get(record.doc_id))
            rows.append(ErrorRow(result.name, record, predicted, gold, before, after))
    return rows


def shown(value: Any) -> str:
    """A field value for people: None as a dash, a range as low–high, integral floats bare.

    >>> shown(None), shown((70.0, 80.0)), shown(12.5), shown("350400")
    ('—', '70–80', '12.5', '350400')
    """
    if value is None:
        return "—"
    if isinstance(value, (tuple, list)):
        return "–".join(shown(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def claim_summary(claim: Claim | None) -> str:
    """One line of a claim's fields, for reading two claims side by side."""
    if claim is None:
        return ""
    value = shown(scoring.field_view(claim, "value"))
    region = f"{claim.region or '—'} ({claim.region_code or '—'})"
    return (f"{claim.text} → {value} {claim.unit} · {claim.quantity_type} {claim.comparator} · "
            f"indicator {claim.indicator or '—'} · region {region} · year {shown(claim.year)} · "
            f"{claim.kind}")


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
    from reform_facts.warehouse import store

    return store.connect(db_path, read_only=True)


def load_history(db_path: Path | None) -> tuple[pd.DataFrame | None, str]:
    """The trend's rows, or None, with a sentence saying where they come from or why none."""
    if db_path is None or not Path(db_path).is_file():
        return None, (f"No warehouse file at {db_path}: there are no past evaluations to show. "
                      "Evaluations are recorded there by the evaluation flow.")
    try:
        con = _connect(Path(db_path))
    except (ReformFactsError, ImportError, OSError) as error:
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


def glance(results: list[ExtractorResult]) -> list[dict[str, Any]]:
    """Per extractor, the page's answer in one line: F1s, weakest field, errors by kind."""
    lines = []
    for result in results:
        score = result.evaluation.score
        accuracies = [(score.accuracy(name), name) for name in scoring.FIELDS
                      if not math.isnan(score.accuracy(name))]
        weakest = min(accuracies, default=None)
        counts = {kind: sum(e.kind == kind for e in result.errors) for kind in ERROR_KINDS}
        lines.append({"name": result.name, "f1": score.f1, "claim_f1": score.claim_f1,
                      "weakest": None if weakest is None else (field_label(weakest[1]), weakest[0]),
                      "errors": counts})
    return lines


def _titles(documents: Mapping[str, Document]) -> dict[str, str]:
    """Each document's stated title, else its first non-empty line, clipped."""
    titles = {}
    for doc_id, doc in documents.items():
        line = doc.title or next((line.strip() for line in doc.text.splitlines() if line.strip()), "")
        titles[doc_id] = line[:40] + ("…" if len(line) > 40 else "")
    return titles


def render(report: Report, documents: Mapping[str, Document], *,
           history: pd.DataFrame | None = None, history_note: str = "",
           generated: datetime | None = None) -> str:
    """The report as one HTML page; `documents` (by doc_id) place each error in its sentence."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("reform_facts.evaluation", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters.update(num=_num, shown=shown, summary=claim_summary, label=field_label)
    specs = {"headline": headline_chart(report.results), "fields": field_chart(report.results)}
    if history is not None:
        specs["trend"] = trend_chart(history)
    rows = error_rows(report.results, {doc_id: doc.text for doc_id, doc in documents.items()})
    return environment.get_template("report.html").render(
        generated=(generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC"),
        report=report, results=report.results, headline=HEADLINE, fields=scoring.FIELDS,
        glance=glance(report.results),
        titles=_titles(documents), rows=rows, kinds=ERROR_KINDS,
        by_document=_score_rows(report.results, "by_document"),
        by_type=_score_rows(report.results, "by_quantity_type"),
        error_fields=sorted({row.record.field for row in rows if row.record.field}),
        specs={name: script_json(spec) for name, spec in specs.items()},
        data=script_json(report.to_json(errors=True)),
        vega=vega_bundle(), history_note=history_note)


def _num(value: float, interval: tuple[float, float] | None = None) -> str:
    """A rate with three decimals, its interval after it; a dash for no evidence (nan)."""
    if value is None or math.isnan(value):
        return "–"
    if interval is None or any(math.isnan(x) for x in interval):
        return f"{value:.3f}"
    return f"{value:.3f} [{interval[0]:.2f}–{interval[1]:.2f}]"


def documents_of(doc_ids: list[str], corpus_dir: Path) -> dict[str, Document]:
    """The gold documents as the evaluation read them (corpus_dir/<doc_id>.txt), by doc_id."""
    from reform_facts.extractors import registry
    from reform_facts.readers import read_document

    paths = {doc_id: Path(corpus_dir) / f"{doc_id}.txt" for doc_id in doc_ids}
    return {doc_id: registry.describe(read_document(path))
            for doc_id, path in paths.items() if path.is_file()}


def write_report(report: Report, output: Path = DEFAULT_OUTPUT, *,
                 corpus_dir: Path = paths.CORPUS_DIR, db_path: Path | None = None,
                 documents: Mapping[str, Document] | None = None) -> Path:
    """Render the report of an evaluation to `output` (written whole, then moved into place).

    The trend comes from the warehouse at `db_path` when there is one; documents are read
    from `corpus_dir` unless given.
    """
    if documents is None:
        documents = documents_of(report.documents, corpus_dir)
    history, note = load_history(db_path)
    html = render(report, documents, history=history, history_note=note)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(output)
    log.info("wrote the evaluation report to %s (%d bytes)", output, len(html.encode()))
    return output
