-- Each user's time zone (an IANA id such as Europe/Berlin), in which every page shows times. Forward-only.
-- The same change as Migrations/Sqlite/0008_user_time_zone.sql, for SQL Server.
-- NULL until the user picks one (pages show UTC meanwhile); a metadata-only change.
ALTER TABLE users ADD time_zone nvarchar(64) NULL;
