-- Menu items off sale at a store because their kitchen ran out of something they need (Prep's MenuAvailabilityChange):
-- the kitchen's screens show them 86'd. The newest change per store is the one applied (decided_at), so a change that
-- arrives again after a newer one changes nothing.
CREATE TABLE batch.off_sale_items (
    store_id text NOT NULL, sku text NOT NULL, kitchen_id text NOT NULL, name text, out_of text[] NOT NULL, reason text NOT NULL,
    since timestamptz NOT NULL, PRIMARY KEY (store_id, sku));
CREATE INDEX ix_off_sale_items_kitchen ON batch.off_sale_items (kitchen_id);
CREATE TABLE batch.menu_availability_applied (store_id text PRIMARY KEY, decided_at timestamptz NOT NULL, change_id text NOT NULL);
