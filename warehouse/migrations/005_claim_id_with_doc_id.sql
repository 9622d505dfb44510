-- 005: a claim's id includes its document's id. Two files with the same bytes (a copy, a renamed
-- file) are two documents, and their claims must not share an id. Stored claims get the new id
-- (the same formula as warehouse/load.py's CLAIM_ID_SQL), and the stored disagreements, which
-- name claims by id, are computed again.

UPDATE claims SET claim_id = left(sha256(claims.doc_id || ':' || d.sha256 || ':' || claims.extractor
                                         || ':' || claims.start || ':' || claims."end"), 16)
FROM documents d
WHERE d.doc_id = claims.doc_id;

DELETE FROM disagreement_rows;
INSERT INTO disagreement_rows SELECT * FROM disagreements_in((SELECT list(doc_id) FROM documents));

COMMENT ON COLUMN claims.claim_id IS 'Stable id: first 16 hex digits of sha256(doc_id:doc sha256:extractor:start:end).';
