-- Files and sign-in keys that every node on the database shares. Forward-only, like every script here.

-- Where a stored file's content is (JobTracker:Storage when it was stored): 'Folder', a file under the
-- storage folder named by storage_name, or 'Database', its chunks in stored_file_chunks. Files stored
-- before this script are in the folder.
ALTER TABLE stored_files ADD COLUMN storage_kind TEXT NOT NULL DEFAULT 'Folder' CHECK (storage_kind IN ('Folder', 'Database'));

-- The content of a file stored in the database, in order: every chunk holds exactly 1 MiB (1,048,576
-- bytes) but the last. An upload writes its chunks as it streams in; an export batch file's chunks are
-- written in its batch's commit.
CREATE TABLE stored_file_chunks (
    file_id  INTEGER NOT NULL REFERENCES stored_files (id),
    chunk_no INTEGER NOT NULL,
    data     BLOB    NOT NULL,
    PRIMARY KEY (file_id, chunk_no)
);

-- ASP.NET Core Data Protection's key ring (the keys of sign-in cookies and antiforgery tokens): one
-- XML element per row, only ever added.
CREATE TABLE data_protection_keys (
    id            INTEGER PRIMARY KEY,
    friendly_name TEXT    NULL,
    xml           TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);
