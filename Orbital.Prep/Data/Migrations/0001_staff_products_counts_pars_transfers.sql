-- Schema prep as the hand-written DDL before migrations left it (every statement is a no-op on such a database).
CREATE SCHEMA IF NOT EXISTS prep;

CREATE TABLE IF NOT EXISTS prep.users (
    id uuid PRIMARY KEY, username text NOT NULL UNIQUE, display_name text NOT NULL, password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'manager', 'prep_cook')), active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
-- Refresh tokens are stored hashed; a family is one login, rotated on every refresh.
CREATE TABLE IF NOT EXISTS prep.refresh_tokens (
    id uuid PRIMARY KEY, user_id uuid NOT NULL REFERENCES prep.users (id), family_id uuid NOT NULL,
    token_hash text NOT NULL UNIQUE, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL,
    revoked_at timestamptz, replaced_by uuid);
CREATE INDEX IF NOT EXISTS ix_refresh_tokens_family ON prep.refresh_tokens (family_id);

CREATE TABLE IF NOT EXISTS prep.locations (
    id text PRIMARY KEY, name text NOT NULL, kind text NOT NULL CHECK (kind IN ('store', 'commissary')));

-- Master products. Quantities are kept in the product's base unit; conversions give other units in base units.
CREATE TABLE IF NOT EXISTS prep.products (
    sku text PRIMARY KEY, name text NOT NULL, unit text NOT NULL, category text, storage text,
    shelf_life_hours int, batch_size numeric NOT NULL DEFAULT 1 CHECK (batch_size > 0),
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS prep.product_barcodes (barcode text PRIMARY KEY, sku text NOT NULL REFERENCES prep.products (sku) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS prep.unit_conversions (
    sku text NOT NULL REFERENCES prep.products (sku) ON DELETE CASCADE, unit text NOT NULL,
    factor numeric NOT NULL CHECK (factor > 0), PRIMARY KEY (sku, unit));
CREATE TABLE IF NOT EXISTS prep.recipe_ingredients (
    sku text NOT NULL REFERENCES prep.products (sku) ON DELETE CASCADE, ingredient_sku text NOT NULL,
    quantity numeric NOT NULL CHECK (quantity > 0), unit text NOT NULL, PRIMARY KEY (sku, ingredient_sku));

CREATE TABLE IF NOT EXISTS prep.on_hand (
    location_id text NOT NULL, sku text NOT NULL, quantity numeric NOT NULL,
    updated_at timestamptz NOT NULL, updated_by text, source text NOT NULL, PRIMARY KEY (location_id, sku));
CREATE TABLE IF NOT EXISTS prep.counts (
    id uuid PRIMARY KEY, location_id text NOT NULL, area text, counted_by text NOT NULL, submitted_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS prep.count_lines (
    count_id uuid NOT NULL REFERENCES prep.counts (id), sku text NOT NULL, quantity numeric NOT NULL,
    entered_quantity numeric NOT NULL, entered_unit text NOT NULL, PRIMARY KEY (count_id, sku));

-- PAR: what a location should hold of a product on a weekday (0 = Sunday), in the product's base unit.
CREATE TABLE IF NOT EXISTS prep.pars (
    location_id text NOT NULL, sku text NOT NULL REFERENCES prep.products (sku) ON DELETE CASCADE,
    weekday smallint NOT NULL CHECK (weekday BETWEEN 0 AND 6), quantity numeric NOT NULL CHECK (quantity >= 0),
    updated_at timestamptz NOT NULL, updated_by text, PRIMARY KEY (location_id, sku, weekday));

CREATE TABLE IF NOT EXISTS prep.transfer_units (
    id uuid PRIMARY KEY, barcode text NOT NULL UNIQUE, sku text NOT NULL REFERENCES prep.products (sku),
    quantity_sent numeric NOT NULL CHECK (quantity_sent > 0), quantity_received numeric,
    origin_location_id text NOT NULL, destination_location_id text NOT NULL,
    status text NOT NULL CHECK (status IN ('created', 'dispatched', 'received', 'consumed', 'wasted')),
    created_at timestamptz NOT NULL, created_by text, dispatched_at timestamptz, received_at timestamptz, received_by text,
    updated_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS ix_transfer_units_destination ON prep.transfer_units (destination_location_id, status);

CREATE TABLE IF NOT EXISTS prep.scans (
    id uuid PRIMARY KEY, barcode text NOT NULL, location_id text NOT NULL, action text NOT NULL,
    resolved text NOT NULL, sku text, transfer_unit_id uuid, quantity numeric,
    outcome text NOT NULL, scanned_by text NOT NULL, scanned_at timestamptz NOT NULL);
-- A scanner that retries sends the same Idempotency-Key: its first answer is given again, nothing counted twice.
ALTER TABLE prep.scans ADD COLUMN IF NOT EXISTS idempotency_key text, ADD COLUMN IF NOT EXISTS response jsonb;
CREATE UNIQUE INDEX IF NOT EXISTS ix_scans_idempotency ON prep.scans (scanned_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
