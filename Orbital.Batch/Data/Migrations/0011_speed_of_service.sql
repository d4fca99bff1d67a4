-- Speed of service: when the guest ordered (from the structured order) beside the kitchen's own times, and the orders
-- a kitchen accepted in a business day found by their acceptance.
ALTER TABLE batch.orders ADD COLUMN ordered_at timestamptz;
CREATE INDEX ix_orders_accepted ON batch.orders (kitchen_id, accepted_told_at) WHERE accepted_told_at IS NOT NULL;
