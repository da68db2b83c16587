DROP TABLE membership_stamp;
DROP INDEX ix_sockets_compound_seq ON sockets;
