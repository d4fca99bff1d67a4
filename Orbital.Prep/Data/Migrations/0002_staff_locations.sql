-- Staff belong to locations: a manager or prep cook reaches the locations listed here, or every location when
-- all_locations is set (an area manager); an admin reaches every location whatever these say. Accounts that exist
-- before this version keep reaching every location, as they did until now: an admin narrows them.
ALTER TABLE prep.users ADD COLUMN locations text[] NOT NULL DEFAULT '{}', ADD COLUMN all_locations boolean NOT NULL DEFAULT false;
UPDATE prep.users SET all_locations = true;
