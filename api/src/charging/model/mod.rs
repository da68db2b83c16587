//! Charging in the database. The invariants are the database's to keep:
//!
//! - **No overlap**: every taken slot cell of a socket is a row in `booking_slots` with
//!   `UNIQUE(socket_id, slot_start)`; a booking inserts its cells, and a duplicate key means
//!   the time is taken (409). Maintenance windows and held waitlist offers take cells the
//!   same way, so they exclude bookings by the same key.
//! - **Household quota**: `household_quotas.active_count` only moves by conditional updates
//!   (`... WHERE active_count < max`), checked by affected rows.
//! - **Socket state**: once its cells are inserted, a booking bumps the socket's `write_seq`
//!   with `WHERE state = 'available'` (READ COMMITTED: the latest state), which both checks
//!   the state and serialises against a state change; bookings colliding on a cell fail on
//!   the cell's key before they get there, so they never queue on the socket's row.
//! - **Grid stamp**: every change the availability grid shows bumps `write_seq` of the
//!   sockets concerned in the same transaction ([`touch_sockets`]); the grid cache is keyed
//!   by `(COUNT(*), SUM(write_seq))` over the compound's sockets (see `super::grid`).
//! - **Background work** (no-shows, completions, reminders, offer expiry) claims each row with
//!   a conditional update, so several server processes never do one job twice.
//!
//! One file per idea: [`stamp`] (the grid stamp), [`sockets`] (settings, piles, sockets),
//! [`availability`] (the grid's cells), [`bookings`] (rows and views; [`bookings::create`],
//! [`bookings::lifecycle`]), [`waitlist`], [`maintenance`] (windows and socket states),
//! [`windows`] (listing, moving and withdrawing windows), [`walk_up`] (charging without a
//! booking holds cells and quota like one) and [`sweeper`]. What callers use is
//! re-exported here.

pub mod availability;
pub mod bookings;
pub mod maintenance;
pub mod sockets;
pub mod stamp;
pub mod sweeper;
pub mod waitlist;
pub mod walk_up;
pub mod windows;

pub use availability::{availability, members_of, open_cells, GridData};
pub use bookings::create::{create_booking, user_may_book_in};
pub use bookings::lifecycle::{cancel, check_in, check_in_by_pile, end_member_bookings, finish};
pub use bookings::{
    booking_for_user, booking_row, booking_view, booking_views, bookings_on_calendar,
    list_for_user, BookingOnCalendar, BookingRow,
};
pub use maintenance::{refused, schedule_maintenance, set_socket_state, NewWindow, Target};
pub use sockets::{charging_view, save_settings, settings_view, socket, SocketInfo};
pub use stamp::{grid_stamp, touch_pile, touch_sockets};
pub use sweeper::sweep;
pub use waitlist::{
    accept_offer, join_waitlist, leave_waitlist, my_waitlist, wait_row, wait_view, WaitRow,
};
pub use windows::{
    cancel_window, change_window, list_windows, window_view, Corrected, WindowChange, WindowFilter,
};
