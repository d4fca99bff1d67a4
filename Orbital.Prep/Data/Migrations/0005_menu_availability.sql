-- Whether a location's menu items are taken off sale on their own when a prepped product they need runs out
-- (on by default: a location without a row takes them off).
CREATE TABLE prep.location_availability (
    location_id text PRIMARY KEY, auto_suspend boolean NOT NULL, updated_at timestamptz NOT NULL, updated_by text NOT NULL);
-- A prepped product a manager marked out ("86") at a location, whatever its count says, until they take the mark off.
CREATE TABLE prep.marked_out (
    location_id text NOT NULL, sku text NOT NULL REFERENCES prep.products (sku) ON DELETE CASCADE,
    marked_at timestamptz NOT NULL, marked_by text NOT NULL, PRIMARY KEY (location_id, sku));
-- The menu items Prep has taken off sale at a store (and told Orders and Batch so), with why.
CREATE TABLE prep.suspended_menu_items (
    store_id text NOT NULL, kind text NOT NULL, menu_sku text NOT NULL, location_id text NOT NULL, brand_id text NOT NULL,
    name text, out_of text[] NOT NULL, reason text NOT NULL CHECK (reason IN ('ran_out', 'marked_out')),
    since timestamptz NOT NULL, PRIMARY KEY (store_id, kind, menu_sku));
-- Whether a product was ever counted at a location: only a product the location keeps count of runs out there.
CREATE INDEX ix_counts_location ON prep.counts (location_id, id);
