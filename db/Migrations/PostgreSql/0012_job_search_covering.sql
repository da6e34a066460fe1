-- Migrations/Sqlite/0012_job_search_covering.sql widens ix_jobs_status_created with the search
-- filters' columns. Not on PostgreSQL: a B-tree entry there, INCLUDE columns too, is limited to about
-- 2,700 bytes and file and export names have no limit, so a long name would make its job's INSERT
-- fail; and an index-only scan reads the table anyway for pages not yet marked all-visible by VACUUM.
-- ix_jobs_status_created of 0005 stays as it is. (A statement, so that the script is not empty.)
SELECT 1;
