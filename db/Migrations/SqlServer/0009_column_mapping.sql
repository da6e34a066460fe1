-- Column mapping at upload. The same change as Migrations/Sqlite/0009_column_mapping.sql, for SQL Server.
-- A nullable column without a default (a metadata-only change).
ALTER TABLE jobs ADD column_mapping nvarchar(max) NULL;
