-- Every order, batch item, cooking session and kitchen event belongs to a kitchen. What was there before kitchens
-- existed lands in kitchen 'default', which screens can still open until its items are done.
ALTER TABLE batch.orders ADD COLUMN kitchen_id text NOT NULL DEFAULT 'default';
ALTER TABLE batch.orders ALTER COLUMN kitchen_id DROP DEFAULT;

-- business_day: the kitchen's local date of the day the item is cooked for (a day starts at the kitchen's day-start time).
ALTER TABLE batch.batch_items ADD COLUMN kitchen_id text NOT NULL DEFAULT 'default', ADD COLUMN business_day date;
UPDATE batch.batch_items SET business_day = (fire_at AT TIME ZONE 'UTC' - interval '4 hours')::date;
ALTER TABLE batch.batch_items ALTER COLUMN kitchen_id DROP DEFAULT, ALTER COLUMN business_day SET NOT NULL;
DROP INDEX batch.ix_batch_items_open;
CREATE INDEX ix_batch_items_open ON batch.batch_items (kitchen_id, station_id, sku, modifier_signature, fire_at)
    WHERE status IN ('pending', 'in_progress');

ALTER TABLE batch.batch_item_sessions ADD COLUMN kitchen_id text NOT NULL DEFAULT 'default';
ALTER TABLE batch.batch_item_sessions ALTER COLUMN kitchen_id DROP DEFAULT;

-- Kitchen events are numbered per kitchen, from a counter row per kitchen locked until commit: kitchens write their
-- events in parallel, and within a kitchen ids still become visible in order.
CREATE TABLE batch.kitchen_event_counters (kitchen_id text PRIMARY KEY, last_id bigint NOT NULL);
INSERT INTO batch.kitchen_event_counters (kitchen_id, last_id) SELECT 'default', last_id FROM batch.event_counter WHERE last_id > 0;
DROP TABLE batch.event_counter;
ALTER TABLE batch.kitchen_events ADD COLUMN kitchen_id text NOT NULL DEFAULT 'default';
ALTER TABLE batch.kitchen_events ALTER COLUMN kitchen_id DROP DEFAULT;
ALTER TABLE batch.kitchen_events DROP CONSTRAINT kitchen_events_pkey;
ALTER TABLE batch.kitchen_events ADD PRIMARY KEY (kitchen_id, id);
CREATE INDEX ix_kitchen_events_created ON batch.kitchen_events (created_at);
UPDATE batch.kitchen_events
SET payload = jsonb_set(jsonb_set(payload, '{kitchenId}', '"default"'), '{item,kitchenId}', '"default"');

-- The version row of the hand-written DDL; schema_migrations records versions now.
DROP TABLE batch.schema_version;
