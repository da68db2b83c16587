DROP INDEX ix_bookings_compound_start;
DROP TABLE membership_stamp;
DROP INDEX ix_sockets_compound_seq;
