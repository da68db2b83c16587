//! Partners in the database, one file per concept: firms and their compounds, API clients and
//! their secrets, the ownership checks that scope every partner call, pile management, and the
//! audit trail of partner writes.

pub mod audit;
pub mod clients;
pub mod firms;
pub mod piles;
pub mod scoping;
