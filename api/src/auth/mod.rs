//! Who is calling: WeChat-style login, access and refresh tokens, and one extractor per need
//! (`AuthUser`, `Resident`, `TeamLeader`, `Staff`, `Admin`).

pub mod dto;
pub mod extract;
pub mod handlers;
pub mod jwt;
pub mod model;
pub mod wechat;

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use extract::{Admin, AuthUser, Resident, Staff, TeamLeader};

/// A user's role. Each includes the powers of the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A resident (居民): books charging, looks up cards, signs up as a volunteer.
    Resident,
    /// A volunteer team leader (队长): runs a team's activities.
    TeamLeader,
    /// Community staff (社区工作者, 网格员): keeps directory, cards and activities current.
    Staff,
    /// Administrator: everything staff can do, plus roles.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::TeamLeader => "team_leader",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "resident" => Some(Role::Resident),
            "team_leader" => Some(Role::TeamLeader),
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Register this area's routes.
pub fn routes(cfg: &mut web::ServiceConfig, dev_login: bool) {
    cfg.service(handlers::wechat_login)
        .service(handlers::refresh)
        .service(handlers::logout)
        .service(handlers::set_user_role);
    if dev_login {
        cfg.service(handlers::dev_login);
    }
}
