-- Waste: what was thrown away at a location, how much and why. A scan that wastes a product or a whole transfer unit
-- writes one too (scan_id). A retry of the same entry (the app's Idempotency-Key) finds its first row instead of
-- taking the stock off twice.
CREATE TABLE prep.waste (
    id uuid PRIMARY KEY, location_id text NOT NULL, sku text NOT NULL, transfer_unit_id uuid,
    quantity numeric NOT NULL CHECK (quantity > 0), entered_quantity numeric NOT NULL, entered_unit text NOT NULL,
    reason text NOT NULL CHECK (reason IN ('spoiled', 'expired', 'dropped', 'burnt', 'overproduced', 'returned', 'other')),
    note text, logged_by text NOT NULL, logged_at timestamptz NOT NULL, scan_id uuid, idempotency_key text);
CREATE INDEX ix_waste_location_time ON prep.waste (location_id, logged_at DESC);
CREATE UNIQUE INDEX ix_waste_idempotency ON prep.waste (logged_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
