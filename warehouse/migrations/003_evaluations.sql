-- 003: scores of the extractors against the gold set, one set per evaluation run, so that
-- scores can be followed over time.

CREATE TABLE evaluations (
    run_id            VARCHAR NOT NULL,
    extractor         VARCHAR NOT NULL,
    extractor_version VARCHAR NOT NULL,
    held_out          BOOLEAN NOT NULL,
    documents         VARCHAR[] NOT NULL,
    predicted         INTEGER NOT NULL,
    gold              INTEGER NOT NULL,
    pairs             INTEGER NOT NULL,
    evaluated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, extractor)
);

CREATE TABLE evaluation_metrics (
    run_id    VARCHAR NOT NULL,
    extractor VARCHAR NOT NULL,
    scope     VARCHAR NOT NULL CHECK (scope IN ('all', 'document', 'quantity_type')),
    scope_key VARCHAR NOT NULL,
    metric    VARCHAR NOT NULL,
    value     DOUBLE,
    ci_low    DOUBLE,
    ci_high   DOUBLE,
    PRIMARY KEY (run_id, extractor, scope, scope_key, metric)
);

COMMENT ON TABLE evaluations IS 'One row per evaluation run and extractor: what was scored on what.';
COMMENT ON COLUMN evaluations.run_id IS 'The evaluation run.';
COMMENT ON COLUMN evaluations.extractor IS 'The extractor scored.';
COMMENT ON COLUMN evaluations.extractor_version IS 'Its version.';
COMMENT ON COLUMN evaluations.held_out IS 'True when it was scored only on documents it was not trained on.';
COMMENT ON COLUMN evaluations.documents IS 'The gold documents scored.';
COMMENT ON COLUMN evaluations.predicted IS 'Predicted claims counted (those paired with optional gold left out).';
COMMENT ON COLUMN evaluations.gold IS 'Non-optional gold claims.';
COMMENT ON COLUMN evaluations.pairs IS 'Predicted claims paired with a gold claim.';
COMMENT ON COLUMN evaluations.evaluated_at IS 'When the scores were recorded (UTC).';

COMMENT ON TABLE evaluation_metrics IS 'Every score of an evaluation: overall with 95% bootstrap intervals, and per document and per quantity type.';
COMMENT ON COLUMN evaluation_metrics.run_id IS 'The evaluation run (evaluations.run_id).';
COMMENT ON COLUMN evaluation_metrics.extractor IS 'The extractor scored.';
COMMENT ON COLUMN evaluation_metrics.scope IS 'all, document or quantity_type.';
COMMENT ON COLUMN evaluation_metrics.scope_key IS 'The document id or quantity type; empty for all.';
COMMENT ON COLUMN evaluation_metrics.metric IS 'precision, recall, f1, claim_precision, claim_recall, claim_f1, or <field>_accuracy.';
COMMENT ON COLUMN evaluation_metrics.value IS 'The score; null when undefined (nothing to count).';
COMMENT ON COLUMN evaluation_metrics.ci_low IS 'Lower end of the 95% bootstrap interval over documents (scope all only).';
COMMENT ON COLUMN evaluation_metrics.ci_high IS 'Upper end of that interval.';
