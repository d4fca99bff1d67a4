-- The whole order reaches the kitchen. Each order keeps what the cards and the pass show of it: its brand and channel,
-- the guest's first name and note, and whether a note signals an allergy.
ALTER TABLE batch.orders
    ADD COLUMN brand text, ADD COLUMN source text, ADD COLUMN customer_first_name text, ADD COLUMN customer_note text,
    ADD COLUMN allergy boolean NOT NULL DEFAULT false;

-- A batch item holds lines with one note only (the note is part of its batch key, as a hash in modifier_signature) and
-- shows that note; allergy_note is the text that signalled an allergy (the line's note, the order's, or both), and
-- such an item holds the lines of one order only.
ALTER TABLE batch.batch_items ADD COLUMN note text, ADD COLUMN allergy_note text;
