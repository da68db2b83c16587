//! HTTP handlers of the volunteering area, one file per sub-area: thin — extract, authorise,
//! call the model, shape the response.

pub mod activities;
pub mod points;
pub mod shop;
pub mod signups;
pub mod teams;
pub mod wishes;
