-- Each user's time zone (an IANA id such as Europe/Berlin), in which every page shows times. Forward-only.
-- The same change as Migrations/Sqlite/0008_user_time_zone.sql, for PostgreSQL 15.
-- NULL until the user picks one (pages show UTC meanwhile); a nullable column without a default rewrites no row.
ALTER TABLE users ADD COLUMN time_zone text NULL;
