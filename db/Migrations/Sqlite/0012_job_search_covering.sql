-- Job search: the status chips count each status under the other filters (type, initiated by, name
-- contains, dates) up to a cap, along ix_jobs_status_created. With those filters' columns in the
-- index the count reads the index alone instead of looking every job up in the table (1,000,000
-- jobs, a name filter: about 38 ms of CPU down to about 10 ms). Same name, same leading columns, so
-- the page's index hint and its order are unchanged.
DROP INDEX ix_jobs_status_created;
CREATE INDEX ix_jobs_status_created ON jobs (collection_id, status, created_at, id, job_type, initiated_by, file_name, export_name);
