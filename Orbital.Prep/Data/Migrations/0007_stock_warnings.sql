-- What each kitchen was last told it is running short of (out, or running out soon at the last hour's rate).
CREATE TABLE prep.stock_warnings (
    location_id text NOT NULL, sku text NOT NULL, state text NOT NULL CHECK (state IN ('out', 'low')), runs_out_at timestamptz,
    PRIMARY KEY (location_id, sku));
-- The last hour's orders of every location, read at each look.
CREATE INDEX ix_sold_orders_time ON prep.sold_orders (ordered_at);
