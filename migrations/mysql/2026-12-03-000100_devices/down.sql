DROP TABLE device_settlements;
DROP TABLE device_commands;
DROP TABLE charging_sessions;
DROP TABLE device_leases;
DROP TABLE socket_live_states;
DROP TABLE devices;
