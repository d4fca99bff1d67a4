-- What each kitchen is running short of, as Prep last said (a snapshot per kitchen; the newest decided_at wins): the pass shows it.
CREATE TABLE batch.stock_warnings (
    kitchen_id text PRIMARY KEY, decided_at timestamptz NOT NULL, warning_id text NOT NULL, warnings jsonb NOT NULL);
