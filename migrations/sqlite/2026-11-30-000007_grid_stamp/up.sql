-- The availability grid's cache stamp: every change a compound's grid shows (a booking, a
-- freed cell, maintenance, a held offer, a state or settings change, a renamed pile) bumps
-- `sockets.write_seq` of the sockets concerned in the same transaction, so
-- (COUNT(*), SUM(write_seq)) over a compound's sockets moves with every change. This index
-- answers that from the index alone.
CREATE INDEX ix_sockets_compound_seq ON sockets (compound_id, write_seq);

-- One row: goes up whenever someone joins or leaves a household, which changes whose
-- bookings a grid shows as "mine".
CREATE TABLE membership_stamp (
    id INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO membership_stamp (id, version) VALUES (1, 0);
