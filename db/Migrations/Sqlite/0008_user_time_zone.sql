-- Each user's time zone (an IANA id such as Europe/Berlin), in which every page shows times. Forward-only.
-- NULL until the user picks one on their Settings page or first signs in from a browser that names its
-- zone; pages show UTC meanwhile. Times themselves stay stored in UTC.
ALTER TABLE users ADD COLUMN time_zone TEXT NULL;
