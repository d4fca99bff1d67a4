-- Kitchen screens are paired: a manager makes a short-lived, single-use pairing code for a kitchen (and a station),
-- a screen trades it once for a device credential of its own, which a manager can revoke. Only hashes are kept.
CREATE TABLE batch.screen_pairing_codes (
    code_hash text PRIMARY KEY, kitchen_id text NOT NULL, station_id text, name text NOT NULL,
    created_at timestamptz NOT NULL, created_by text NOT NULL, expires_at timestamptz NOT NULL,
    used_at timestamptz, device_id uuid);
CREATE INDEX ix_screen_pairing_codes_expires ON batch.screen_pairing_codes (expires_at);

CREATE TABLE batch.screen_devices (
    id uuid PRIMARY KEY, kitchen_id text NOT NULL, station_id text, name text NOT NULL, secret_hash text NOT NULL,
    paired_at timestamptz NOT NULL, paired_by text NOT NULL, last_seen_at timestamptz,
    revoked_at timestamptz, revoked_by text);
CREATE INDEX ix_screen_devices_kitchen ON batch.screen_devices (kitchen_id);
