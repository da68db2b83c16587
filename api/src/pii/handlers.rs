//! Staff and phone numbers: enter one for a resident they serve, read one whole (each read in
//! the audit log), find residents by number (through the blind index).

use actix_web::{get, post, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{store, Phone};
use crate::auth::Staff;
use crate::db::schema::users;
use crate::error::{ApiError, ApiResult};
use crate::http::{Json, Path};
use crate::partners::model::audit::{record_staff, AuditEntry};
use crate::state::AppState;

/// 要保存的手机号（中国大陆手机号；可带空格、短横线和 `+86`）。
///
/// A phone number to store (a Chinese mainland mobile number; spaces, dashes and `+86` are
/// accepted).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "138 0000 0000"}))]
pub struct PhoneRequest {
    /// 11 digits starting with 1 then 3 to 9, optionally with `+86`, spaces or dashes.
    #[schema(value_type = String, pattern = "^\\s*(\\+86|0086|86)?[\\s-]*1[3-9]([\\s-]*[0-9]){9}\\s*$", max_length = 24)]
    pub phone: Phone,
}

/// 手机号的打码形式（多数人看到的样子）。
///
/// A phone number as most people see it: masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaskedPhoneView {
    /// The number masked: first three and last four digits (`138****1234`).
    #[schema(example = "138****1234")]
    pub phone_masked: String,
}

/// 完整的手机号，只给本人或有权查看的工作人员（每次查看写入审计日志）。
///
/// A phone number shown whole, to its owner or to staff allowed to see it.
#[derive(Serialize, ToSchema)]
pub struct WholePhoneView {
    /// The resident's user id.
    pub user_id: i64,
    /// The whole number (11 digits).
    #[schema(example = "13800000000")]
    pub phone: String,
    /// The number masked (`138****0000`).
    #[schema(example = "138****0000")]
    pub phone_masked: String,
}

/// 按手机号找到的居民。
///
/// A resident found by phone number.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentByPhone {
    /// User id.
    pub user_id: i64,
    /// Display name.
    pub nickname: String,
    /// The number masked.
    pub phone_masked: String,
}

/// 在调用者服务的居民中，使用该号码的居民。
///
/// Residents with a number, among those the caller serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResidentsByPhone {
    /// At most 50, lowest user id first.
    pub items: Vec<ResidentByPhone>,
}

/// 404 unless `staff` serves `resident` (the resident's existence is not revealed otherwise).
fn require_serves(conn: &mut crate::db::DbConn, staff: &Staff, resident: i64) -> ApiResult<()> {
    if store::serves(conn, staff.user_id, staff.role, resident)? {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// 工作人员为居民登记手机号
///
/// 社区工作人员为其服务社区的居民登记手机号（管理员可为任何居民登记）。加密保存，应答只显示打码号码；
/// 登记写入审计日志（不含号码）。
///
/// Community staff enter a resident's phone number (for a resident of the community they
/// serve; administrators for anyone). Stored encrypted; the answer shows it masked. The entry
/// is in the audit log (without the number).
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The resident's user id")),
    request_body = PhoneRequest,
    responses(
        (status = 200, description = "Stored", body = MaskedPhoneView),
        (status = 404, description = "`not_found`: no such resident among those the caller serves", body = crate::error::ErrorBody),
        (status = 422, description = "`validation_failed` (`field` = `phone`): not a mainland mobile number", body = crate::error::ErrorBody),
    )
)]
#[put("/residents/{id}/phone")]
pub async fn staff_set_phone(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
    body: Json<PhoneRequest>,
) -> ApiResult<HttpResponse> {
    let (id, phone, now) = (id.into_inner(), body.0.phone, state.clock.now_naive());
    let keys = state.pii.clone();
    let masked = phone.masked();
    state
        .db(move |conn| {
            crate::db::transaction(conn, |c| {
                require_serves(c, &staff, id)?;
                store::set_phone(c, &keys, id, &phone)?;
                record_staff(
                    c,
                    AuditEntry {
                        partner_id: 0,
                        actor: &format!("user:{}", staff.user_id),
                        action: "pii.phone_set",
                        target_type: "user",
                        target_id: Some(id),
                        before: None,
                        after: None,
                        at: now,
                    },
                )
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(MaskedPhoneView {
        phone_masked: masked,
    }))
}

/// 工作人员查看居民完整手机号（记入审计日志）
///
/// 查看调用者所服务居民的完整手机号（社区工作人员：本社区居民；管理员：所有人）。每次查看写入一条审计记录
/// （`pii.phone_read`，记录谁看了谁的号码，从不记录号码本身）。
///
/// The whole number of a resident the caller serves (community staff: residents of their
/// community; administrators: everyone). Every such read writes an audit row
/// (`pii.phone_read`, who and whose, never the number).
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The resident's user id")),
    responses(
        (status = 200, description = "The whole number", body = WholePhoneView),
        (status = 404, description = "`not_found`: no such resident among those the caller serves, or no number stored", body = crate::error::ErrorBody),
    )
)]
#[get("/residents/{id}/phone")]
pub async fn staff_read_phone(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.clock.now_naive());
    let keys = state.pii.clone();
    let phone = state
        .db(move |conn| {
            crate::db::transaction(conn, |c| {
                require_serves(c, &staff, id)?;
                let phone = store::phone_of(c, &keys, id)?.ok_or_else(ApiError::not_found)?;
                record_staff(
                    c,
                    AuditEntry {
                        partner_id: 0,
                        actor: &format!("user:{}", staff.user_id),
                        action: "pii.phone_read",
                        target_type: "user",
                        target_id: Some(id),
                        before: None,
                        after: None,
                        at: now,
                    },
                )?;
                Ok(phone)
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(WholePhoneView {
            user_id: id,
            phone: phone.expose().to_owned(),
            phone_masked: phone.masked(),
        }))
}

/// 工作人员按手机号查找居民
///
/// 在调用者服务的居民中按手机号查找（号码放在请求体中，不放在网址里）。结果中的号码均打码显示。
///
/// Find the residents with a phone number (through its blind index; the number goes in the
/// body, never in the URL), among those the caller serves. Numbers are shown masked.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    request_body = PhoneRequest,
    responses(
        (status = 200, description = "The residents with that number (maybe none)", body = ResidentsByPhone),
        (status = 422, description = "`validation_failed` (`field` = `phone`)", body = crate::error::ErrorBody),
    )
)]
#[post("/residents/find-by-phone")]
pub async fn staff_find_by_phone(
    state: web::Data<AppState>,
    staff: Staff,
    body: Json<PhoneRequest>,
) -> ApiResult<HttpResponse> {
    use diesel::prelude::*;
    let phone = body.0.phone;
    let keys = state.pii.clone();
    let items = state
        .db(move |conn| {
            let mut items = Vec::new();
            for id in store::users_with_phone(conn, &keys, &phone)? {
                if !store::serves(conn, staff.user_id, staff.role, id)? {
                    continue;
                }
                let nickname: String = users::table.find(id).select(users::nickname).first(conn)?;
                items.push(ResidentByPhone {
                    user_id: id,
                    nickname,
                    phone_masked: phone.masked(),
                });
            }
            Ok(items)
        })
        .await?;
    Ok(HttpResponse::Ok().json(ResidentsByPhone { items }))
}
