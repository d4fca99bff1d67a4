-- Stores paused at Otter (storefront.pause_store / unpause_store): the pass and GET /kitchens show them. The newest
-- change wins (changed_at is Otter's event time), so events arriving in any order end in the right state.
CREATE TABLE batch.store_pauses (
    store_id text PRIMARY KEY,
    paused boolean NOT NULL,
    changed_at timestamptz NOT NULL,
    event_id text NOT NULL,
    updated_at timestamptz NOT NULL);
