-- The forecast reads a location's sales of six business days at a time.
CREATE INDEX ix_sold_orders_location_day ON prep.sold_orders (location_id, business_day);
