-- Schema batch as the hand-written DDL of version 1 left it (every statement is a no-op on such a database).
CREATE SCHEMA IF NOT EXISTS batch;
CREATE TABLE IF NOT EXISTS batch.schema_version (version int NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());

-- The last version of each order applied: a message whose version is not newer changes nothing.
CREATE TABLE IF NOT EXISTS batch.orders (
    order_id text PRIMARY KEY, store_id text NOT NULL, friendly_id text, version bigint NOT NULL,
    status text NOT NULL, ready_by timestamptz, updated_at timestamptz NOT NULL);

CREATE TABLE IF NOT EXISTS batch.batch_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id text NOT NULL, sku text NOT NULL, name text NOT NULL,
    modifier_signature text NOT NULL, modifiers jsonb NOT NULL,
    quantity int NOT NULL CHECK (quantity >= 0),
    fire_at timestamptz NOT NULL, latest_fire_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'in_progress', 'done', 'voided')),
    batchable boolean NOT NULL, max_batch_size int NOT NULL,
    changed boolean NOT NULL DEFAULT false, flag text,
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
    started_at timestamptz, completed_at timestamptz,
    version bigint NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS ix_batch_items_open ON batch.batch_items (station_id, sku, modifier_signature, fire_at)
    WHERE status IN ('pending', 'in_progress');

-- Which order lines a batch item holds (a line may be split over several batch items).
CREATE TABLE IF NOT EXISTS batch.batch_item_lines (
    batch_item_id bigint NOT NULL REFERENCES batch.batch_items (id),
    order_id text NOT NULL, line_id text NOT NULL,
    quantity int NOT NULL CHECK (quantity >= 0), voided_quantity int NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line_id, batch_item_id));
CREATE INDEX IF NOT EXISTS ix_batch_item_lines_item ON batch.batch_item_lines (batch_item_id);

-- One cooking session of a batch item at its station: who started and bumped it, when, how many.
CREATE TABLE IF NOT EXISTS batch.batch_item_sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_item_id bigint NOT NULL REFERENCES batch.batch_items (id),
    station_id text NOT NULL, sku text NOT NULL, quantity int NOT NULL,
    planned_prep_seconds int NOT NULL,
    started_at timestamptz NOT NULL, started_by text,
    completed_at timestamptz, completed_by text, completed_quantity int,
    updated_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS ix_batch_item_sessions_item ON batch.batch_item_sessions (batch_item_id);
CREATE INDEX IF NOT EXISTS ix_batch_item_sessions_updated ON batch.batch_item_sessions (updated_at, id);

-- Kitchen events for the screens, a bounded log. Ids come from one counter row locked until commit, so ids
-- become visible in order and a screen that has seen id N has seen everything before it.
CREATE TABLE IF NOT EXISTS batch.event_counter (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), last_id bigint NOT NULL);
INSERT INTO batch.event_counter (last_id) VALUES (0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS batch.kitchen_events (
    id bigint PRIMARY KEY, station_id text NOT NULL, type text NOT NULL,
    batch_item_id bigint NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO batch.schema_version (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM batch.schema_version WHERE version = 1);
