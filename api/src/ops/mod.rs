//! Operations: liveness and readiness endpoints, and the metrics operators scrape.

pub mod metrics;

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

crate::text_enum! {
    /// 健康检查的结果。
    ///
    /// What a health probe found.
    pub enum HealthStatus {
        /// The process is alive.
        Ok = "ok",
        /// The database answers and its migrations are applied.
        Ready = "ready",
    }
}

/// 健康状态。
///
/// Health status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Alive, or ready to serve.
    pub status: HealthStatus,
}

/// 存活检查
///
/// 存活检查：进程已启动并在处理 HTTP。不访问数据库。
///
/// Liveness: the process is up and serving HTTP. Does not touch the database.
#[utoipa::path(
    tag = "ops",
    security(),
    responses((status = 200, description = "Alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: HealthStatus::Ok,
    })
}

/// 就绪检查（数据库与迁移）
///
/// 就绪检查：数据库有应答，且所有迁移都已执行。
///
/// Readiness: the database answers and every migration is applied.
#[utoipa::path(
    tag = "ops",
    security(),
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "`service_unavailable`", body = crate::error::ErrorBody),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let applied = state
        .db(|conn| db::migrations_applied(conn).map_err(ApiError::unavailable))
        .await?;
    if !applied {
        return Err(ApiError::unavailable("migrations pending"));
    }
    Ok(HttpResponse::Ok().json(Health {
        status: HealthStatus::Ready,
    }))
}
