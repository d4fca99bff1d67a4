-- Events are pruned by age every few minutes, but written many times a second: a BRIN index (one small summary per
-- block range, as rows arrive in time order) serves the prune and costs next to nothing per insert, where the B-tree
-- of 0002 was one more index entry for every event.
DROP INDEX IF EXISTS batch.ix_kitchen_events_created;
CREATE INDEX ix_kitchen_events_created ON batch.kitchen_events USING brin (created_at);
