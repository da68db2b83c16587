//! Who is calling: WeChat-style login, access and refresh tokens, and one extractor per need
//! (`AuthUser`, `Resident`, `TeamLeader`, `Staff`, `Admin`).

pub mod current;
pub mod dto;
pub mod extract;
pub mod handlers;
pub mod jwt;
pub mod model;
pub mod wechat;

use actix_web::dev::{AppService, HttpServiceFactory};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::OpenApiFactory;

pub use extract::{Admin, AuthUser, Resident, Staff, TeamLeader};

crate::text_enum! {
    /// 用户角色。每个角色包含其前面角色的全部权限。
    ///
    /// A user's role. Each includes the powers of the ones before it.
    #[derive(PartialOrd, Ord)]
    pub enum Role {
        /// A resident (居民): books charging, looks up cards, signs up as a volunteer.
        Resident = "resident",
        /// A volunteer team leader (队长): runs a team's activities.
        TeamLeader = "team_leader",
        /// Community staff (社区工作者, 网格员): keeps directory, cards and activities current.
        Staff = "staff",
        /// Administrator: everything staff can do, plus roles.
        Admin = "admin",
    }
}

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and in
/// the OpenAPI document (paths appear there in this order). The development login is always
/// documented (one document whatever the settings) but served only when `dev_login` is on;
/// when it is off its path answers 404 (see `http::methods`).
pub fn routes(cfg: &mut ServiceConfig, dev_login: bool) {
    cfg.service(handlers::wechat_login)
        .service(ServedWhen {
            service: handlers::dev_login,
            enabled: dev_login,
        })
        .service(handlers::refresh)
        .service(handlers::logout)
        .service(handlers::set_user_role);
}

/// A documented route that is registered with the router only when `enabled`.
struct ServedWhen<S> {
    service: S,
    enabled: bool,
}

impl<S: HttpServiceFactory> HttpServiceFactory for ServedWhen<S> {
    fn register(self, config: &mut AppService) {
        if self.enabled {
            self.service.register(config);
        }
    }
}

impl<S: OpenApiFactory> OpenApiFactory for ServedWhen<S> {
    fn paths(&self) -> utoipa::openapi::path::Paths {
        self.service.paths()
    }

    fn schemas(
        &self,
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        self.service.schemas(schemas);
    }
}
