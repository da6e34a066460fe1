-- Files and sign-in keys that every node on the database shares. Forward-only, like every script here.
-- The same change as Migrations/Sqlite/0003_shared_storage.sql, for SQL Server.

-- Where a stored file's content is (JobTracker:Storage when it was stored): 'Folder', a file under the
-- storage folder named by storage_name, or 'Database', its chunks in stored_file_chunks. Files stored
-- before this script are in the folder.
ALTER TABLE stored_files ADD storage_kind nvarchar(20) NOT NULL
    CONSTRAINT df_stored_files_storage_kind DEFAULT 'Folder'
    CONSTRAINT ck_stored_files_storage_kind CHECK (storage_kind IN ('Folder', 'Database'));

-- The content of a file stored in the database, in order: every chunk holds exactly 1 MiB (1,048,576
-- bytes) but the last. An upload writes its chunks as it streams in; an export batch file's chunks are
-- written in its batch's commit.
CREATE TABLE stored_file_chunks (
    file_id  bigint         NOT NULL CONSTRAINT fk_stored_file_chunks_file REFERENCES stored_files (id),
    chunk_no int            NOT NULL,
    data     varbinary(max) NOT NULL,
    CONSTRAINT pk_stored_file_chunks PRIMARY KEY (file_id, chunk_no)
);

-- ASP.NET Core Data Protection's key ring (the keys of sign-in cookies and antiforgery tokens): one
-- XML element per row, only ever added.
CREATE TABLE data_protection_keys (
    id            bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_data_protection_keys PRIMARY KEY,
    friendly_name nvarchar(450)         NULL,
    xml           nvarchar(max)         NOT NULL,
    created_at    datetime2             NOT NULL
);
