-- What a brand's menu item or modifier uses of the prepped products: a burger uses 1 patty and 0.03 kg of sauce; a
-- modifier adds to its line ("extra patty": +1 patty) or takes away ("no sauce": -0.03 kg). A recipe without components
-- says on purpose that the item uses nothing (a can of cola, "medium rare").
CREATE TABLE prep.menu_recipes (
    brand_id text NOT NULL, menu_sku text NOT NULL, kind text NOT NULL CHECK (kind IN ('item', 'modifier')), name text,
    updated_at timestamptz NOT NULL, updated_by text NOT NULL, PRIMARY KEY (brand_id, kind, menu_sku));
CREATE TABLE prep.menu_recipe_components (
    brand_id text NOT NULL, kind text NOT NULL, menu_sku text NOT NULL, sku text NOT NULL REFERENCES prep.products (sku),
    -- In the product's base unit; as entered beside it.
    quantity numeric NOT NULL CHECK (quantity <> 0), entered_quantity numeric NOT NULL, entered_unit text NOT NULL,
    PRIMARY KEY (brand_id, kind, menu_sku, sku),
    FOREIGN KEY (brand_id, kind, menu_sku) REFERENCES prep.menu_recipes ON DELETE CASCADE);

-- The orders Prep has taken stock off for: the newest version applied (an older or repeated one changes nothing) and,
-- in order_usage, what that version used at its location, so an update or a cancellation moves stock by the difference.
CREATE TABLE prep.sold_orders (
    order_id text PRIMARY KEY, version bigint NOT NULL, store_id text NOT NULL, brand_id text, location_id text NOT NULL,
    ordered_at timestamptz NOT NULL, business_day date NOT NULL, canceled boolean NOT NULL, applied_at timestamptz NOT NULL);
CREATE INDEX ix_sold_orders_location_time ON prep.sold_orders (location_id, ordered_at);
CREATE TABLE prep.order_usage (
    order_id text NOT NULL REFERENCES prep.sold_orders ON DELETE CASCADE, sku text NOT NULL, quantity numeric NOT NULL,
    PRIMARY KEY (order_id, sku));

-- Menu items and modifiers sold without a recipe: they used nothing, and a manager sees them listed until they get one.
CREATE TABLE prep.unmapped_menu_items (
    brand_id text NOT NULL, kind text NOT NULL, menu_sku text NOT NULL, name text, first_sold_at timestamptz NOT NULL,
    last_sold_at timestamptz NOT NULL, times_sold bigint NOT NULL, PRIMARY KEY (brand_id, kind, menu_sku));
