"""warehouse/README.md: every SQL example runs and returns rows on the bundled corpus, and the
schema it documents is the schema the migrations build."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from reform_facts.extractors import registry
from reform_facts.paths import PROJECT_DIR as ROOT
from reform_facts.warehouse.load import ExtractionResult, load_run, record_evaluation
from reform_facts.warehouse.queries import query
from reform_facts.warehouse.schema_doc import markdown_of

README = ROOT / "warehouse" / "README.md"
TEXT = README.read_text(encoding="utf-8")
# (heading, sql) of every ```sql block, under the nearest heading above it
BLOCKS = [(heading.strip(), sql) for heading, sql in
          re.findall(r"^### ([^\n]+)\n(?:(?!^### ).)*?```sql\n(.*?)```", TEXT, flags=re.S | re.M)]
ALL_BLOCKS = re.findall(r"```sql\n(.*?)```", TEXT, flags=re.S)
NEEDS = re.compile(r"^-- needs: (.+)$", re.M)


def needed(sql: str) -> list[str]:
    """Extractors an example needs loaded besides the rules (`-- needs: spacy` as its first line)."""
    match = NEEDS.search(sql)
    return [name.strip() for name in match.group(1).split(",")] if match else []


def test_the_readme_has_ten_numbered_questions_each_with_a_query():
    numbered = [heading for heading, _ in BLOCKS if re.match(r"\d+\. ", heading)]
    assert [int(h.split(".")[0]) for h in dict.fromkeys(numbered)] == list(range(1, 11))


def load_corpus(db, docs, names: list[str]) -> None:
    """The corpus as the named extractors read it, and one evaluation of the rules."""
    from reform_facts.evaluation import evaluate as evaluation

    results = [ExtractionResult(doc.doc_id, name, registry.get(name).version, registry.get(name)(doc))
               for name in names for doc in docs]
    load_run(db, run_id="readme-run", documents=docs, results=results, failures=[],
             started_at=datetime.now(UTC), parameters={"paths": ["corpus"], "extractors": names})
    report = evaluation.run(extractors=["rules"], gold_dir=ROOT / "gold", corpus_dir=ROOT / "corpus", resamples=20)
    record_evaluation(db, run_id="readme-evaluation", report=report)


@pytest.fixture(scope="module")
def rules_db(tmp_path_factory, corpus_docs):
    db = tmp_path_factory.mktemp("readme") / "w.duckdb"
    load_corpus(db, corpus_docs, ["rules"])
    return db


@pytest.fixture(scope="module")
def all_extractors_db(tmp_path_factory, corpus_docs):
    """Every registered extractor: building the spaCy one takes a while, hence the slow mark."""
    db = tmp_path_factory.mktemp("readme-all") / "w.duckdb"
    load_corpus(db, corpus_docs, registry.names())
    return db


def example(index: int, sql: str):
    needs = needed(sql)
    return pytest.param(sql, needs, id=f"block{index + 1}" + "".join(f"-{n}" for n in needs),
                        marks=[pytest.mark.slow] if needs else [])


@pytest.mark.parametrize(("sql", "needs"), [example(i, sql) for i, sql in enumerate(ALL_BLOCKS)])
def test_every_example_returns_rows_on_the_bundled_corpus(request, sql, needs):
    missing = [name for name in needs if name not in registry.names()]
    if missing:
        pytest.skip(f"needs the {', '.join(missing)} extractor, which is not registered yet")
    db = request.getfixturevalue("all_extractors_db" if needs else "rules_db")
    answer = query(db, sql)
    assert answer.columns
    assert answer.rows, f"no rows for:\n{sql}"


def test_the_schema_section_is_what_the_migrations_build():
    start, end = "<!-- schema:start -->\n", "<!-- schema:end -->"
    documented = TEXT[TEXT.index(start) + len(start):TEXT.index(end)]
    assert documented == markdown_of(), (
        "warehouse/README.md's schema is out of date: regenerate it with "
        "`.venv/bin/python -c \"from reform_facts.warehouse.schema_doc import markdown_of; print(markdown_of())\"`")
