-- 006: `disagreements_in` reads only the claims of the documents it is given (`mine`), not every
-- stored claim: the same rows, but a load can now compute them a slice of documents at a time
-- (warehouse/load.py) in memory bounded by the slice. Its final lookups of claims by id used to
-- build a hash table of the whole claims table at each call; a load of 10 000 documents read
-- by three extractors (2 million claims) took 3.6 GiB that way.

CREATE OR REPLACE MACRO disagreements_in(doc_ids) AS TABLE
WITH wanted AS (SELECT DISTINCT unnest(doc_ids) AS doc_id),
mine AS (SELECT c.* FROM claims c SEMI JOIN wanted w ON w.doc_id = c.doc_id),  -- 006
pairs AS (  -- two extractors that read the same version of a document
    SELECT a.doc_id, a.extractor AS extractor_a, b.extractor AS extractor_b
    FROM wanted w
    JOIN extractions a ON a.doc_id = w.doc_id
    JOIN extractions b ON b.doc_id = a.doc_id AND b.doc_sha256 = a.doc_sha256 AND a.extractor < b.extractor
),
side_a AS (
    SELECT p.extractor_b AS other, c.* FROM pairs p
    JOIN mine c ON c.doc_id = p.doc_id AND c.extractor = p.extractor_a
),
side_b AS (
    SELECT p.extractor_a AS other, c.* FROM pairs p
    JOIN mine c ON c.doc_id = p.doc_id AND c.extractor = p.extractor_b
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
LEFT JOIN mine a ON a.claim_id = f.claim_id_a
LEFT JOIN mine b ON b.claim_id = f.claim_id_b;
