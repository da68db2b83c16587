DROP INDEX ix_bookings_compound_start ON bookings;
DROP TABLE membership_stamp;
DROP INDEX ix_sockets_compound_seq ON sockets;
