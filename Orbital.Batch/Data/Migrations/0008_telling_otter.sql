-- Telling Otter: each milestone of an order (accepted, ready, handed off) is put in the outbox once, in the transaction
-- that reached it; these record that it was. Orders already here were never told anything and are not told now: an
-- upgrade must not send Otter a burst of stale confirmations.
ALTER TABLE batch.orders
    ADD COLUMN accepted_told_at timestamptz, ADD COLUMN ready_told_at timestamptz, ADD COLUMN handed_off_told_at timestamptz;
UPDATE batch.orders SET accepted_told_at = updated_at, ready_told_at = ready_at, handed_off_told_at = handed_off_at;

-- The estimate Otter is given counts the work queued at the order's stations: each item's prep time, from the menu
-- when it was created (items from before this have none and count the default).
ALTER TABLE batch.batch_items ADD COLUMN prep_seconds int;
