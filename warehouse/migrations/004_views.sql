-- 004: the views analysts and evaluators query: the region roll-up, `facts` (one row a fact,
-- from the preferred extractor) and `extractor_disagreements`.

-- Two numbers differ when not equal within a relative 1e-6 (the scorer's tolerance).
CREATE MACRO values_differ(x, y) AS
    CASE WHEN x IS NULL OR y IS NULL THEN x IS DISTINCT FROM y
         ELSE abs(x - y) > 1e-6 * greatest(abs(x), abs(y)) END;

CREATE VIEW region_hierarchy AS
WITH RECURSIVE chain(code, ancestor) AS (
    SELECT code, code FROM regions
    UNION  -- not ALL: a cycle in the data ends the recursion instead of looping
    SELECT chain.code, regions.parent_code
    FROM chain JOIN regions ON regions.code = chain.ancestor
    WHERE regions.parent_code IS NOT NULL
)
SELECT r.code, r.name, r.level, r.parent_code,
       max(a.code) FILTER (WHERE a.level = 'county')     AS county_code,
       max(a.name) FILTER (WHERE a.level = 'county')     AS county_name,
       max(a.code) FILTER (WHERE a.level = 'prefecture') AS prefecture_code,
       max(a.name) FILTER (WHERE a.level = 'prefecture') AS prefecture_name,
       max(a.code) FILTER (WHERE a.level = 'province')   AS province_code,
       max(a.name) FILTER (WHERE a.level = 'province')   AS province_name
FROM regions r
JOIN chain c ON c.code = r.code
JOIN regions a ON a.code = c.ancestor
GROUP BY r.code, r.name, r.level, r.parent_code;

CREATE VIEW facts AS
WITH chosen AS (  -- per document, the most preferred extractor that found claims in it
    SELECT e.doc_id, arg_min(e.extractor, p.rank) AS extractor
    FROM extractions e JOIN extractor_preference p ON p.extractor = e.extractor
    WHERE e.claims > 0
    GROUP BY e.doc_id
)
SELECT c.claim_id, c.doc_id, d.title AS doc_title, c.extractor,
       c.text, c.value, c.value_max, c.unit, c.quantity_type, c.comparator,
       c.indicator, c.indicator_code, i.name AS indicator_name,
       c.region, c.region_code, h.level AS region_level,
       h.county_code, h.county_name, h.prefecture_code, h.prefecture_name,
       h.province_code, h.province_name,
       c.year, c.kind, c.sentence, c.start, c."end",
       c.confidence, c.rule_id, c.extractor_version, c.run_id
FROM claims c
JOIN chosen ON chosen.doc_id = c.doc_id AND chosen.extractor = c.extractor
JOIN documents d ON d.doc_id = c.doc_id
LEFT JOIN region_hierarchy h ON h.code = c.region_code
LEFT JOIN indicators i ON i.code = c.indicator_code;

-- Where extractors disagree, for the documents listed: a self-join of every claim, too slow to
-- run on each query over a million claims. So each load runs it for the documents it changed
-- and keeps the rows in `disagreement_rows`; the view `extractor_disagreements` reads them.
CREATE MACRO disagreements_in(doc_ids) AS TABLE
WITH wanted AS (SELECT DISTINCT unnest(doc_ids) AS doc_id),
pairs AS (  -- two extractors that read the same version of a document
    SELECT a.doc_id, a.extractor AS extractor_a, b.extractor AS extractor_b
    FROM wanted w
    JOIN extractions a ON a.doc_id = w.doc_id
    JOIN extractions b ON b.doc_id = a.doc_id AND b.doc_sha256 = a.doc_sha256 AND a.extractor < b.extractor
),
side_a AS (
    SELECT p.extractor_b AS other, c.* FROM pairs p
    JOIN claims c ON c.doc_id = p.doc_id AND c.extractor = p.extractor_a
),
side_b AS (
    SELECT p.extractor_a AS other, c.* FROM pairs p
    JOIN claims c ON c.doc_id = p.doc_id AND c.extractor = p.extractor_b
),
overlapping AS (  -- every pair of overlapping spans, with a flag per field read differently
    SELECT a.doc_id, a.extractor AS extractor_a, b.extractor AS extractor_b,
           a.claim_id AS claim_id_a, b.claim_id AS claim_id_b,
           values_differ(a.value, b.value) OR values_differ(a.value_max, b.value_max) AS d_value,
           a.unit <> b.unit AS d_unit,
           a.region_code IS DISTINCT FROM b.region_code AS d_region_code,
           a.year IS DISTINCT FROM b.year AS d_year,
           -- the same canonical indicator is agreement even when the phrases differ
           coalesce(a.indicator_code, a.indicator) IS DISTINCT FROM coalesce(b.indicator_code, b.indicator) AS d_indicator,
           a.kind <> b.kind AS d_kind
    FROM side_a a
    JOIN side_b b ON b.doc_id = a.doc_id AND b.extractor = a.other AND b.other = a.extractor
                 AND a.start < b."end" AND b.start < a."end"
),
found AS (
    SELECT doc_id, extractor_a, extractor_b, 'differ' AS disagreement,
           list_filter([CASE WHEN d_value THEN 'value' END, CASE WHEN d_unit THEN 'unit' END,
                        CASE WHEN d_region_code THEN 'region_code' END, CASE WHEN d_year THEN 'year' END,
                        CASE WHEN d_indicator THEN 'indicator' END, CASE WHEN d_kind THEN 'kind' END],
                       lambda field: field IS NOT NULL) AS differences,
           claim_id_a, claim_id_b
    FROM overlapping WHERE d_value OR d_unit OR d_region_code OR d_year OR d_indicator OR d_kind
    UNION ALL
    SELECT a.doc_id, a.extractor, a.other, 'only_a', [], a.claim_id, NULL
    FROM side_a a ANTI JOIN overlapping o ON o.claim_id_a = a.claim_id AND o.extractor_b = a.other
    UNION ALL
    SELECT b.doc_id, b.other, b.extractor, 'only_b', [], NULL, b.claim_id
    FROM side_b b ANTI JOIN overlapping o ON o.claim_id_b = b.claim_id AND o.extractor_a = b.other
)
SELECT f.doc_id, f.extractor_a, f.extractor_b, f.disagreement, f.differences,
       coalesce(a.sentence, b.sentence) AS sentence,
       a.claim_id AS claim_id_a, a.start AS start_a, a."end" AS end_a, a.text AS text_a,
       a.value AS value_a, a.value_max AS value_max_a, a.unit AS unit_a,
       a.region_code AS region_code_a, a.year AS year_a, a.indicator AS indicator_a,
       a.indicator_code AS indicator_code_a, a.kind AS kind_a,
       b.claim_id AS claim_id_b, b.start AS start_b, b."end" AS end_b, b.text AS text_b,
       b.value AS value_b, b.value_max AS value_max_b, b.unit AS unit_b,
       b.region_code AS region_code_b, b.year AS year_b, b.indicator AS indicator_b,
       b.indicator_code AS indicator_code_b, b.kind AS kind_b
FROM found f
LEFT JOIN claims a ON a.claim_id = f.claim_id_a
LEFT JOIN claims b ON b.claim_id = f.claim_id_b;

CREATE TABLE disagreement_rows AS SELECT * FROM disagreements_in([]::VARCHAR[]);
CREATE INDEX disagreement_rows_doc ON disagreement_rows (doc_id);

CREATE VIEW extractor_disagreements AS SELECT * FROM disagreement_rows;

COMMENT ON TABLE disagreement_rows IS 'The rows of extractor_disagreements, kept up to date by every load (query the view).';

COMMENT ON VIEW region_hierarchy IS 'Every region with its county, prefecture and province (itself where it is one): group on province_code to roll up.';
COMMENT ON COLUMN region_hierarchy.code IS 'The region''s code (regions.code).';
COMMENT ON COLUMN region_hierarchy.name IS 'Its official name.';
COMMENT ON COLUMN region_hierarchy.level IS 'country, province, prefecture or county.';
COMMENT ON COLUMN region_hierarchy.parent_code IS 'Its parent''s code.';
COMMENT ON COLUMN region_hierarchy.county_code IS 'The county it is or lies in; null above county level.';
COMMENT ON COLUMN region_hierarchy.county_name IS 'That county''s name.';
COMMENT ON COLUMN region_hierarchy.prefecture_code IS 'The prefecture it is or lies in; null above prefecture level.';
COMMENT ON COLUMN region_hierarchy.prefecture_name IS 'That prefecture''s name.';
COMMENT ON COLUMN region_hierarchy.province_code IS 'The province it is or lies in; null for the country.';
COMMENT ON COLUMN region_hierarchy.province_name IS 'That province''s name.';

COMMENT ON VIEW facts IS 'One row a fact: the claims of the preferred extractor of each document (extractor_preference), with region hierarchy and indicator names joined.';
COMMENT ON COLUMN facts.claim_id IS 'The claim (claims.claim_id).';
COMMENT ON COLUMN facts.doc_id IS 'The document.';
COMMENT ON COLUMN facts.doc_title IS 'The document''s title.';
COMMENT ON COLUMN facts.extractor IS 'The extractor whose reading this is.';
COMMENT ON COLUMN facts.text IS 'The span''s text.';
COMMENT ON COLUMN facts.value IS 'The number in the canonical unit.';
COMMENT ON COLUMN facts.value_max IS 'Upper end of a range.';
COMMENT ON COLUMN facts.unit IS 'Canonical unit.';
COMMENT ON COLUMN facts.quantity_type IS 'percentage, money, count, ...';
COMMENT ON COLUMN facts.comparator IS '=, ~, >, >=, <, <=.';
COMMENT ON COLUMN facts.indicator IS 'The phrase naming what is measured, verbatim.';
COMMENT ON COLUMN facts.indicator_code IS 'The canonical indicator (indicators.code); null when the phrase maps to none.';
COMMENT ON COLUMN facts.indicator_name IS 'The canonical indicator''s name.';
COMMENT ON COLUMN facts.region IS 'Official name of the region the claim is about.';
COMMENT ON COLUMN facts.region_code IS 'Its division code.';
COMMENT ON COLUMN facts.region_level IS 'Its level: country, province, prefecture, county.';
COMMENT ON COLUMN facts.county_code IS 'The county the region is or lies in.';
COMMENT ON COLUMN facts.county_name IS 'Its name.';
COMMENT ON COLUMN facts.prefecture_code IS 'The prefecture the region is or lies in.';
COMMENT ON COLUMN facts.prefecture_name IS 'Its name.';
COMMENT ON COLUMN facts.province_code IS 'The province the region is or lies in.';
COMMENT ON COLUMN facts.province_name IS 'Its name.';
COMMENT ON COLUMN facts.year IS 'The year the value refers to.';
COMMENT ON COLUMN facts.kind IS 'actual or target.';
COMMENT ON COLUMN facts.sentence IS 'The sentence the figure is in.';
COMMENT ON COLUMN facts.start IS 'Span start in documents.text.';
COMMENT ON COLUMN facts."end" IS 'Span end (exclusive).';
COMMENT ON COLUMN facts.confidence IS 'The extractor''s confidence.';
COMMENT ON COLUMN facts.rule_id IS 'The rule or component that produced it.';
COMMENT ON COLUMN facts.extractor_version IS 'The extractor''s version.';
COMMENT ON COLUMN facts.run_id IS 'The run that wrote it.';

COMMENT ON VIEW extractor_disagreements IS 'Where two extractors that read the same document differ: overlapping spans with different readings, and spans only one of them found.';
COMMENT ON COLUMN extractor_disagreements.doc_id IS 'The document.';
COMMENT ON COLUMN extractor_disagreements.extractor_a IS 'The first extractor (alphabetically: hybrid < rules < spacy).';
COMMENT ON COLUMN extractor_disagreements.extractor_b IS 'The second extractor.';
COMMENT ON COLUMN extractor_disagreements.disagreement IS 'differ (overlapping spans read differently), only_a or only_b (a span the other did not find).';
COMMENT ON COLUMN extractor_disagreements.differences IS 'For differ: the fields read differently, among value, unit, region_code, year, indicator, kind.';
COMMENT ON COLUMN extractor_disagreements.sentence IS 'The sentence.';
COMMENT ON COLUMN extractor_disagreements.claim_id_a IS 'extractor_a''s claim; null for only_b.';
COMMENT ON COLUMN extractor_disagreements.start_a IS 'Its span start.';
COMMENT ON COLUMN extractor_disagreements.end_a IS 'Its span end.';
COMMENT ON COLUMN extractor_disagreements.text_a IS 'Its text.';
COMMENT ON COLUMN extractor_disagreements.value_a IS 'Its value.';
COMMENT ON COLUMN extractor_disagreements.value_max_a IS 'Its value_max.';
COMMENT ON COLUMN extractor_disagreements.unit_a IS 'Its unit.';
COMMENT ON COLUMN extractor_disagreements.region_code_a IS 'Its region code.';
COMMENT ON COLUMN extractor_disagreements.year_a IS 'Its year.';
COMMENT ON COLUMN extractor_disagreements.indicator_a IS 'Its indicator phrase.';
COMMENT ON COLUMN extractor_disagreements.indicator_code_a IS 'Its indicator code.';
COMMENT ON COLUMN extractor_disagreements.kind_a IS 'Its kind.';
COMMENT ON COLUMN extractor_disagreements.claim_id_b IS 'extractor_b''s claim; null for only_a.';
COMMENT ON COLUMN extractor_disagreements.start_b IS 'Its span start.';
COMMENT ON COLUMN extractor_disagreements.end_b IS 'Its span end.';
COMMENT ON COLUMN extractor_disagreements.text_b IS 'Its text.';
COMMENT ON COLUMN extractor_disagreements.value_b IS 'Its value.';
COMMENT ON COLUMN extractor_disagreements.value_max_b IS 'Its value_max.';
COMMENT ON COLUMN extractor_disagreements.unit_b IS 'Its unit.';
COMMENT ON COLUMN extractor_disagreements.region_code_b IS 'Its region code.';
COMMENT ON COLUMN extractor_disagreements.year_b IS 'Its year.';
COMMENT ON COLUMN extractor_disagreements.indicator_b IS 'Its indicator phrase.';
COMMENT ON COLUMN extractor_disagreements.indicator_code_b IS 'Its indicator code.';
COMMENT ON COLUMN extractor_disagreements.kind_b IS 'Its kind.';
