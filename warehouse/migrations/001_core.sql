-- 001: documents, the claims extracted from them, and the runs that loaded them.
-- Column names are the contract's (docs/claims.md); closed vocabularies are CHECKs.
-- A new column is a new migration: never edit this file once it has been applied.

CREATE TABLE runs (
    run_id             VARCHAR PRIMARY KEY,
    started_at         TIMESTAMP NOT NULL,
    loaded_at          TIMESTAMP NOT NULL,
    parameters         JSON NOT NULL,
    extractors         VARCHAR[] NOT NULL,
    documents          INTEGER NOT NULL CHECK (documents >= 0),
    claims             INTEGER NOT NULL CHECK (claims >= 0),
    claims_written     INTEGER NOT NULL CHECK (claims_written >= 0),
    replaced_documents INTEGER NOT NULL CHECK (replaced_documents >= 0),
    failures           INTEGER NOT NULL CHECK (failures >= 0)
);

CREATE TABLE run_failures (
    run_id VARCHAR NOT NULL,
    path   VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    PRIMARY KEY (run_id, path)
);

CREATE TABLE documents (
    doc_id      VARCHAR PRIMARY KEY,
    path        VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL CHECK (regexp_full_match(sha256, '[0-9a-f]{64}')),
    title       VARCHAR,
    year        INTEGER,
    region      VARCHAR,
    region_code VARCHAR CHECK (region_code IS NULL OR regexp_full_match(region_code, '[0-9]{6}')),
    text        VARCHAR NOT NULL,
    ingested_at TIMESTAMP NOT NULL,
    run_id      VARCHAR NOT NULL
);

-- One row per document and extractor that read it: what was read (the document's hash, the
-- extractor's version) and a digest of what came out, so that a load can tell "unchanged".
CREATE TABLE extractions (
    doc_id            VARCHAR NOT NULL,
    extractor         VARCHAR NOT NULL,
    extractor_version VARCHAR NOT NULL,
    doc_sha256        VARCHAR NOT NULL,
    claims            INTEGER NOT NULL CHECK (claims >= 0),
    claims_digest     VARCHAR NOT NULL,
    run_id            VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, extractor)
);

CREATE TABLE claims (
    claim_id          VARCHAR PRIMARY KEY,
    doc_id            VARCHAR NOT NULL,
    extractor         VARCHAR NOT NULL,
    extractor_version VARCHAR NOT NULL,
    run_id            VARCHAR NOT NULL,
    start             INTEGER NOT NULL CHECK (start >= 0),
    "end"             INTEGER NOT NULL,
    text              VARCHAR NOT NULL,
    value             DOUBLE,
    value_max         DOUBLE,
    unit              VARCHAR NOT NULL,
    quantity_type     VARCHAR NOT NULL CHECK (quantity_type IN
        ('percentage', 'percentage_point', 'money', 'count', 'multiple', 'ratio', 'rate', 'measure')),
    comparator        VARCHAR NOT NULL CHECK (comparator IN ('=', '~', '>', '>=', '<', '<=')),
    indicator         VARCHAR,
    indicator_code    VARCHAR,
    region            VARCHAR,
    region_code       VARCHAR CHECK (region_code IS NULL OR regexp_full_match(region_code, '[0-9]{6}')),
    year              INTEGER,
    kind              VARCHAR NOT NULL CHECK (kind IN ('actual', 'target')),
    confidence        DOUBLE CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 1),
    sentence          VARCHAR,
    rule_id           VARCHAR,
    CHECK ("end" > start),
    CHECK ((value IS NULL) = (quantity_type = 'ratio'))
);
CREATE INDEX claims_doc ON claims (doc_id, extractor);

COMMENT ON TABLE runs IS 'One row per load of the warehouse: when, with what parameters, how many documents, claims and failures.';
COMMENT ON COLUMN runs.run_id IS 'The run''s id (the Prefect flow run id when the flow loaded it).';
COMMENT ON COLUMN runs.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN runs.loaded_at IS 'When its load committed (UTC).';
COMMENT ON COLUMN runs.parameters IS 'The run''s parameters as JSON (corpus path, extractors, ...).';
COMMENT ON COLUMN runs.extractors IS 'The extractors whose results the run loaded.';
COMMENT ON COLUMN runs.documents IS 'Documents the run read.';
COMMENT ON COLUMN runs.claims IS 'Claims the run extracted (all extractors).';
COMMENT ON COLUMN runs.claims_written IS 'Claims it wrote: 0 when nothing changed since the last load.';
COMMENT ON COLUMN runs.replaced_documents IS 'Documents whose content had changed: their old claims were replaced.';
COMMENT ON COLUMN runs.failures IS 'Files the run could not read (listed in run_failures).';

COMMENT ON TABLE run_failures IS 'Files a run could not read, and why.';
COMMENT ON COLUMN run_failures.run_id IS 'The run (runs.run_id).';
COMMENT ON COLUMN run_failures.path IS 'The file.';
COMMENT ON COLUMN run_failures.reason IS 'Why it could not be read.';

COMMENT ON TABLE documents IS 'Every document loaded, with the text that claim offsets refer to.';
COMMENT ON COLUMN documents.doc_id IS 'The document''s id: its file name without extension.';
COMMENT ON COLUMN documents.path IS 'The file it was read from.';
COMMENT ON COLUMN documents.sha256 IS 'SHA-256 of the file''s bytes: a new hash means a new version of the document.';
COMMENT ON COLUMN documents.title IS 'The title the document states (its first line or format metadata).';
COMMENT ON COLUMN documents.year IS 'The year the document states about itself (its title or opening).';
COMMENT ON COLUMN documents.region IS 'The region the document states about itself (official name).';
COMMENT ON COLUMN documents.region_code IS 'Its six-digit division code (regions.code).';
COMMENT ON COLUMN documents.text IS 'The text as read: claims.start and claims.end index into it.';
COMMENT ON COLUMN documents.ingested_at IS 'When this version of the document was loaded (UTC).';
COMMENT ON COLUMN documents.run_id IS 'The run that loaded this version.';

COMMENT ON TABLE extractions IS 'Which extractor (and version) read which document version, with how many claims.';
COMMENT ON COLUMN extractions.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN extractions.extractor IS 'The extractor''s name: rules, spacy, hybrid.';
COMMENT ON COLUMN extractions.extractor_version IS 'Its version (changes with its rules or model).';
COMMENT ON COLUMN extractions.doc_sha256 IS 'The document version it read (documents.sha256).';
COMMENT ON COLUMN extractions.claims IS 'Claims it found in the document (0 is a result too).';
COMMENT ON COLUMN extractions.claims_digest IS 'Digest of those claims: equal digests, equal claims.';
COMMENT ON COLUMN extractions.run_id IS 'The run that wrote these claims.';

COMMENT ON TABLE claims IS 'Every numeric claim of every extractor, fields as docs/claims.md defines them, with provenance.';
COMMENT ON COLUMN claims.claim_id IS 'Stable id: first 16 hex digits of sha256(doc sha256:extractor:start:end).';
COMMENT ON COLUMN claims.doc_id IS 'The document (documents.doc_id).';
COMMENT ON COLUMN claims.extractor IS 'The extractor that found it: rules, spacy, hybrid.';
COMMENT ON COLUMN claims.extractor_version IS 'The extractor''s version.';
COMMENT ON COLUMN claims.run_id IS 'The run that wrote it (runs.run_id).';
COMMENT ON COLUMN claims.start IS 'Span start: character offset into documents.text.';
COMMENT ON COLUMN claims."end" IS 'Span end (exclusive); quote it in SQL: "end".';
COMMENT ON COLUMN claims.text IS 'The span''s text: 12.1亿元, 65%.';
COMMENT ON COLUMN claims.value IS 'The number in the canonical unit, scale applied (12.1亿元 -> 1210000000); null for a ratio.';
COMMENT ON COLUMN claims.value_max IS 'Upper end of a range (70%～80% -> 80); else null.';
COMMENT ON COLUMN claims.unit IS 'Canonical unit: %, pp, 元, 倍, ratio, ‰, 张/千人, or the classifier (人, 家, 人次...).';
COMMENT ON COLUMN claims.quantity_type IS 'percentage, percentage_point, money, count, multiple, ratio, rate or measure.';
COMMENT ON COLUMN claims.comparator IS '=, ~ (about), >, >=, <, <=.';
COMMENT ON COLUMN claims.indicator IS 'The phrase of the document that names what is measured, verbatim.';
COMMENT ON COLUMN claims.indicator_code IS 'The canonical indicator the phrase maps to (indicators.code); null when none.';
COMMENT ON COLUMN claims.region IS 'Official name of the region the claim is about.';
COMMENT ON COLUMN claims.region_code IS 'Its six-digit division code (regions.code); 100000 is the whole country.';
COMMENT ON COLUMN claims.year IS 'The year the value refers to (the target year for a target).';
COMMENT ON COLUMN claims.kind IS 'actual (achieved, current) or target (planned, required).';
COMMENT ON COLUMN claims.confidence IS 'The extractor''s confidence, 0 to 1.';
COMMENT ON COLUMN claims.sentence IS 'The sentence the claim is in.';
COMMENT ON COLUMN claims.rule_id IS 'The rule (rules/*.yaml id) or component that produced it.';
