-- Column mapping at upload: which field each column of a CSV import fills ("Customer ID" → customerId,
-- "Notes" → ignored), as JSON text: [{"column":"Customer ID","field":"customerId"},{"column":"Notes","field":null}].
-- Set when an admin confirms a mapping on the mapping page, and completed by the default matching when the
-- file is split; NULL for JSON and JSON Lines imports, exports, and jobs from before this migration. Forward-only.
ALTER TABLE jobs ADD COLUMN column_mapping TEXT;
