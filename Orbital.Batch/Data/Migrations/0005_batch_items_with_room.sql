-- A new line looks for a pending batch item of its key with room left. Through the index of open items that lookup
-- stepped over every full item of the key in the window, one by one: a busy day's burgers made it slower with every
-- batch. This index holds only the items a line can still join.
CREATE INDEX ix_batch_items_with_room ON batch.batch_items (kitchen_id, station_id, sku, modifier_signature, fire_at)
    WHERE status = 'pending' AND batchable AND quantity < max_batch_size;
