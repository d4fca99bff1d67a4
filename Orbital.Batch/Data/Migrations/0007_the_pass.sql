-- The pass: an order is ready to pack once every line is bumped; the expeditor marks it ready, then handed off (in a
-- kitchen without an expo it is ready when its last line is bumped). expo_version orders the changes a screen sees.
ALTER TABLE batch.orders
    ADD COLUMN ready_to_pack_at timestamptz, ADD COLUMN ready_at timestamptz, ADD COLUMN ready_marked_by text,
    ADD COLUMN handed_off_at timestamptz, ADD COLUMN handed_off_by text,
    ADD COLUMN expo_version bigint NOT NULL DEFAULT 0;

-- What the pass lists: a kitchen's orders not yet handed off, promised or received lately (an order Otter dates days
-- back is still today's work when it arrives today).
CREATE INDEX ix_orders_at_the_pass ON batch.orders (kitchen_id, greatest(ready_by, updated_at)) WHERE handed_off_at IS NULL;

-- Orders have events of their own on the kitchen's stream (station '@expo'): such an event has no batch item.
ALTER TABLE batch.kitchen_events ALTER COLUMN batch_item_id DROP NOT NULL;
