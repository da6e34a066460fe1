-- Column mapping at upload. The same change as Migrations/Sqlite/0009_column_mapping.sql, for PostgreSQL 15.
-- A nullable column without a default: no row is rewritten.
ALTER TABLE jobs ADD COLUMN column_mapping text;
