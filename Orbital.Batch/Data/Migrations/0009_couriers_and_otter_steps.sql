-- The courier coming for a delivery, as Otter last said: the pass shows who, their status and when they are expected
-- (while they are on the way the order's ready_by is that time, and its lines not yet started are re-timed to it).
ALTER TABLE batch.orders
    ADD COLUMN courier_status text, ADD COLUMN courier_first_name text, ADD COLUMN courier_provider text,
    ADD COLUMN courier_eta timestamptz;
