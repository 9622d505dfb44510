-- 002: reference data that claims join to: administrative divisions, canonical indicators,
-- and the order in which extractors are preferred for `facts`.

CREATE TABLE regions (
    code        VARCHAR PRIMARY KEY CHECK (regexp_full_match(code, '[0-9]{6}')),
    name        VARCHAR NOT NULL,
    short_name  VARCHAR,
    level       VARCHAR NOT NULL CHECK (level IN ('country', 'province', 'prefecture', 'county')),
    parent_code VARCHAR CHECK (parent_code IS NULL OR parent_code <> code)
);

CREATE TABLE indicators (
    code          VARCHAR PRIMARY KEY CHECK (regexp_full_match(code, '[a-z][a-z0-9_]*')),
    name          VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    quantity_type VARCHAR NOT NULL CHECK (quantity_type IN
        ('percentage', 'percentage_point', 'money', 'count', 'multiple', 'ratio', 'rate', 'measure')),
    aliases       VARCHAR[] NOT NULL
);

-- Which version of each reference table is loaded, so that a load rewrites one only when its
-- source (the division dataset plus rules/regions.yaml; rules/indicators_canonical.yaml) changed.
CREATE TABLE reference_data (
    name      VARCHAR PRIMARY KEY,
    digest    VARCHAR NOT NULL,
    rows      INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE extractor_preference (
    extractor VARCHAR PRIMARY KEY,
    rank      INTEGER NOT NULL UNIQUE
);
INSERT INTO extractor_preference VALUES ('hybrid', 1), ('spacy', 2), ('rules', 3);

COMMENT ON TABLE regions IS 'Every administrative division the extractors know (GB/T 2260 codes), with its parent: county -> prefecture -> province -> country.';
COMMENT ON COLUMN regions.code IS 'Six-digit division code; 100000 is the whole country.';
COMMENT ON COLUMN regions.name IS 'Official full name: 洪山区, 武汉市, 湖北省.';
COMMENT ON COLUMN regions.short_name IS 'The short form of the division dataset (武汉, 湖北), if any.';
COMMENT ON COLUMN regions.level IS 'country, province, prefecture or county.';
COMMENT ON COLUMN regions.parent_code IS 'The code of the division it belongs to; null for the country.';

COMMENT ON TABLE indicators IS 'Canonical indicators that recur in reform documents (rules/indicators_canonical.yaml).';
COMMENT ON COLUMN indicators.code IS 'The code to join and group on: med_service_revenue_share.';
COMMENT ON COLUMN indicators.name IS 'Its usual Chinese name: 医疗服务收入占比.';
COMMENT ON COLUMN indicators.name_en IS 'Its name in English.';
COMMENT ON COLUMN indicators.quantity_type IS 'The quantity type its figures usually have.';
COMMENT ON COLUMN indicators.aliases IS 'The phrases that map a claim''s indicator to this code (see the mapping rule).';

COMMENT ON TABLE reference_data IS 'Which version of each reference table is loaded.';
COMMENT ON COLUMN reference_data.name IS 'The table: regions or indicators.';
COMMENT ON COLUMN reference_data.digest IS 'Digest of the rows loaded.';
COMMENT ON COLUMN reference_data.rows IS 'How many rows.';
COMMENT ON COLUMN reference_data.loaded_at IS 'When they were loaded (UTC).';

COMMENT ON TABLE extractor_preference IS 'Which extractor''s claims `facts` shows for a document: the best-ranked one that has claims for it.';
COMMENT ON COLUMN extractor_preference.extractor IS 'The extractor''s name.';
COMMENT ON COLUMN extractor_preference.rank IS '1 is preferred most.';
