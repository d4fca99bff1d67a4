-- Speed of service: when the guest ordered (from the structured order) beside the kitchen's own times, and the orders
-- a kitchen accepted in a business day found by their acceptance. A BRIN index: orders are accepted in time order, and
-- a b-tree would cost every claim of an order version one more index entry on the busiest write path for a read made
-- twice a minute.
ALTER TABLE batch.orders ADD COLUMN ordered_at timestamptz;
CREATE INDEX ix_orders_accepted ON batch.orders USING brin (accepted_told_at);
