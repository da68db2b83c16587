//! A resident's rights over their personal data: their phone number (`PUT`/`DELETE
//! /me/phone`), a copy of everything Linli holds about them (`GET /me/export`) and erasure
//! (`DELETE /me`).

use actix_web::{delete, get, put, web, HttpResponse};
use chrono::NaiveDateTime;

/// A stored instant (UTC, without an offset in the database) as RFC 3339 with `Z`, as the
/// schema's `date-time` says.
fn utc<S: serde::Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&t.and_utc(), s)
}

fn utc_opt<S: serde::Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&t.map(|t| t.and_utc()), s)
}
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::MeView;
use super::model::me_view;
use crate::auth::AuthUser;
use crate::db::schema::{
    bookings as b, calendar_feeds as cf, notifications as n, points_ledger as pl, redemptions as r,
    refresh_tokens as rt, signups as s, team_members as tm, users, volunteer_profiles as vp,
    waitlist_entries as we, wishes as w,
};
use crate::db::{self, DbConn};
use crate::error::{ApiResult, ErrorCode};
use crate::http::Json;
use crate::pii::handlers::{MaskedPhoneView, PhoneRequest};
use crate::pii::{store, PiiKeys};
use crate::state::AppState;

/// 设置或修改我的手机号
///
/// 设置或修改我的手机号（中国大陆手机号）。号码加密保存，只以打码形式显示；再次提交同一号码不会有可见变化。
///
/// Set or change my phone number (a Chinese mainland mobile number). It is stored encrypted
/// and shown masked; sending the same number again changes nothing visible.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    request_body = PhoneRequest,
    responses(
        (status = 200, description = "Stored; the number masked", body = MaskedPhoneView),
        (status = 422, description = "`validation_failed` (`field` = `phone`): not a mainland mobile number", body = crate::error::ErrorBody),
    )
)]
#[put("/me/phone")]
pub async fn set_my_phone(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<PhoneRequest>,
) -> ApiResult<HttpResponse> {
    let phone = body.0.phone;
    let masked = phone.masked();
    let keys = state.pii.clone();
    state
        .db(move |conn| store::set_phone(conn, &keys, user.user_id, &phone))
        .await?;
    Ok(HttpResponse::Ok().json(MaskedPhoneView {
        phone_masked: masked,
    }))
}

/// 删除我的手机号
///
/// 删除我的手机号（密文和检索索引）。没有号码时删除也算成功。
///
/// Remove my phone number (its ciphertext and its index). Removing none is fine.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"))
)]
#[delete("/me/phone")]
pub async fn delete_my_phone(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<HttpResponse> {
    state
        .db(move |conn| store::clear_phone(conn, user.user_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 导出的一条充电预约。
///
/// One booking, as exported.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ExportBooking {
    /// Row id.
    pub id: i64,
    /// The socket booked.
    pub socket_id: i64,
    /// The household the booking counted for.
    pub household_id: i64,
    /// Start (UTC).
    #[serde(serialize_with = "utc")]
    pub starts_at: NaiveDateTime,
    /// End (UTC).
    #[serde(serialize_with = "utc")]
    pub ends_at: NaiveDateTime,
    /// Status, as stored.
    pub status: String,
    /// When it was made (UTC).
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    /// When checked in, if ever.
    #[serde(serialize_with = "utc_opt")]
    pub checked_in_at: Option<NaiveDateTime>,
    /// When cancelled, if ever.
    #[serde(serialize_with = "utc_opt")]
    pub cancelled_at: Option<NaiveDateTime>,
}

/// 导出的一条候补记录。
///
/// One waitlist entry, as exported.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ExportWaitlistEntry {
    /// Row id.
    pub id: i64,
    /// The compound queued for.
    pub compound_id: i64,
    /// Start (UTC).
    #[serde(serialize_with = "utc")]
    pub starts_at: NaiveDateTime,
    /// End (UTC).
    #[serde(serialize_with = "utc")]
    pub ends_at: NaiveDateTime,
    /// Status, as stored.
    pub status: String,
    /// When queued.
    #[serde(serialize_with = "utc")]
    pub queued_at: NaiveDateTime,
}

/// 导出的一条活动报名。
///
/// One activity sign-up, as exported.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ExportSignup {
    /// Row id.
    pub id: i64,
    /// The activity.
    pub activity_id: i64,
    /// Status, as stored.
    pub status: String,
    /// When it was made (UTC).
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    /// When checked in, if ever.
    #[serde(serialize_with = "utc_opt")]
    pub checked_in_at: Option<NaiveDateTime>,
    /// When checked out, if ever.
    #[serde(serialize_with = "utc_opt")]
    pub checked_out_at: Option<NaiveDateTime>,
    /// Service minutes credited.
    pub service_minutes: Option<i32>,
    /// Points awarded.
    pub points_awarded: Option<i32>,
}

/// 导出的一条积分流水。
///
/// One points ledger row, as exported.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ExportLedgerRow {
    /// Row id.
    pub id: i64,
    /// Points, positive or negative.
    pub amount: i32,
    /// Why.
    pub reason: String,
    /// What it refers to.
    pub reference: String,
    /// Staff note, if any.
    pub note: Option<String>,
    /// When it was made (UTC).
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
}

/// 导出的一条站内通知。
///
/// One notification, as exported.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ExportNotification {
    /// Row id.
    pub id: i64,
    /// Kind of notification.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// When it was made (UTC).
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    /// When read, if ever.
    #[serde(serialize_with = "utc_opt")]
    pub read_at: Option<NaiveDateTime>,
}

/// 导出的一条积分超市兑换记录。
///
/// One points-shop redemption, as exported.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ExportRedemption {
    /// Row id.
    pub id: i64,
    /// The item redeemed.
    pub item_id: i64,
    /// How many.
    pub quantity: i32,
    /// Points.
    pub points: i32,
    /// Status, as stored.
    pub status: String,
    /// When it was made (UTC).
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
}

/// 导出的一条本人发布的微心愿。
///
/// One micro-wish the resident posted, as exported.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ExportWish {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Points.
    pub points: i32,
    /// Status, as stored.
    pub status: String,
    /// When it was made (UTC).
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
}

/// 导出的一条志愿队伍成员关系。
///
/// One volunteer-team membership, as exported.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ExportTeamMembership {
    /// The team.
    pub team_id: i64,
    /// Role in the team.
    pub role: String,
    /// Status, as stored.
    pub status: String,
    /// When joined.
    #[serde(serialize_with = "utc")]
    pub joined_at: NaiveDateTime,
}

/// 导出的本人志愿者资料。
///
/// The resident's volunteer profile, as exported.
#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct ExportVolunteerProfile {
    /// Skills, as stored (JSON list).
    pub skills: String,
    /// Registered as a party member.
    pub is_party_member: bool,
    /// Party unit, if given.
    pub party_unit: Option<String>,
}

/// 邻里保存的关于当前登录居民的全部个人信息。
///
/// Everything Linli holds about the signed-in resident.
#[derive(Serialize, ToSchema)]
pub struct PersonalDataExport {
    /// When this copy was made (UTC).
    pub exported_at: chrono::DateTime<chrono::Utc>,
    /// The account: id, name, role and household (the household membership).
    pub account: MeView,
    /// The account's WeChat identity (openid).
    pub openid: String,
    /// When the account was created (UTC).
    #[serde(serialize_with = "utc")]
    pub created_at: NaiveDateTime,
    /// Last login (UTC).
    #[serde(serialize_with = "utc")]
    pub last_login_at: NaiveDateTime,
    /// The phone number, whole (it is the resident's own), or `null`.
    pub phone: Option<String>,
    /// Charging bookings.
    pub bookings: Vec<ExportBooking>,
    /// Waitlist entries.
    pub waitlist_entries: Vec<ExportWaitlistEntry>,
    /// Activity sign-ups.
    pub signups: Vec<ExportSignup>,
    /// Points ledger rows.
    pub points_ledger: Vec<ExportLedgerRow>,
    /// The inbox.
    pub notifications: Vec<ExportNotification>,
    /// Points-shop redemptions.
    pub redemptions: Vec<ExportRedemption>,
    /// Micro-wishes posted.
    pub wishes: Vec<ExportWish>,
    /// Volunteer-team memberships.
    pub team_memberships: Vec<ExportTeamMembership>,
    /// The volunteer profile, if any.
    pub volunteer_profile: Option<ExportVolunteerProfile>,
    /// How many logins (refresh-token families' tokens) are on record; the tokens themselves
    /// are stored only as hashes.
    pub login_tokens: i64,
    /// How many calendar feed links the resident has.
    pub calendar_feeds: i64,
}

fn export(conn: &mut DbConn, keys: &PiiKeys, uid: i64) -> ApiResult<PersonalDataExport> {
    let account = me_view(conn, keys, uid)?;
    let (openid, created_at, last_login_at): (String, NaiveDateTime, NaiveDateTime) = users::table
        .find(uid)
        .select((users::openid, users::created_at, users::last_login_at))
        .first(conn)?;
    Ok(PersonalDataExport {
        exported_at: chrono::Utc::now(),
        account,
        openid,
        created_at,
        last_login_at,
        phone: store::phone_of(conn, keys, uid)?.map(|p| p.expose().to_owned()),
        bookings: b::table
            .filter(b::user_id.eq(uid))
            .order(b::id)
            .select((
                b::id,
                b::socket_id,
                b::household_id,
                b::starts_at,
                b::ends_at,
                b::status,
                b::created_at,
                b::checked_in_at,
                b::cancelled_at,
            ))
            .load(conn)?,
        waitlist_entries: we::table
            .filter(we::user_id.eq(uid))
            .order(we::id)
            .select((
                we::id,
                we::compound_id,
                we::starts_at,
                we::ends_at,
                we::status,
                we::queued_at,
            ))
            .load(conn)?,
        signups: s::table
            .filter(s::user_id.eq(uid))
            .order(s::id)
            .select((
                s::id,
                s::activity_id,
                s::status,
                s::created_at,
                s::checked_in_at,
                s::checked_out_at,
                s::service_minutes,
                s::points_awarded,
            ))
            .load(conn)?,
        points_ledger: pl::table
            .filter(pl::user_id.eq(uid))
            .order(pl::id)
            .select((
                pl::id,
                pl::amount,
                pl::reason,
                pl::reference,
                pl::note,
                pl::created_at,
            ))
            .load(conn)?,
        notifications: n::table
            .filter(n::user_id.eq(uid))
            .order(n::id)
            .select((n::id, n::kind, n::title, n::body, n::created_at, n::read_at))
            .load(conn)?,
        redemptions: r::table
            .filter(r::user_id.eq(uid))
            .order(r::id)
            .select((
                r::id,
                r::item_id,
                r::quantity,
                r::points,
                r::status,
                r::created_at,
            ))
            .load(conn)?,
        wishes: w::table
            .filter(w::user_id.eq(uid))
            .order(w::id)
            .select((
                w::id,
                w::title,
                w::description,
                w::points,
                w::status,
                w::created_at,
            ))
            .load(conn)?,
        team_memberships: tm::table
            .filter(tm::user_id.eq(uid))
            .order(tm::id)
            .select((tm::team_id, tm::role, tm::status, tm::joined_at))
            .load(conn)?,
        volunteer_profile: vp::table
            .filter(vp::user_id.eq(uid))
            .select((vp::skills, vp::is_party_member, vp::party_unit))
            .first(conn)
            .optional()?,
        login_tokens: rt::table
            .filter(rt::user_id.eq(uid))
            .count()
            .get_result(conn)?,
        calendar_feeds: cf::table
            .filter(cf::user_id.eq(uid))
            .count()
            .get_result(conn)?,
    })
}

/// 导出我的全部个人信息
///
/// 返回邻里保存的关于我的全部信息：账号、家庭、完整手机号、充电预约、候补、活动报名、积分流水、站内通知、
/// 积分超市兑换、微心愿、志愿队伍成员关系和志愿者资料。
///
/// Everything Linli holds about me: account, household, my phone number whole, bookings,
/// waitlist entries, sign-ups, points ledger, notifications, redemptions, micro-wishes, team
/// memberships and volunteer profile.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    responses((status = 200, description = "A copy of my personal data", body = PersonalDataExport))
)]
#[get("/me/export")]
pub async fn export_me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    let keys = state.pii.clone();
    let data = state
        .db(move |conn| export(conn, &keys, user.user_id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(data))
}

/// Erase the account `uid`: see [`delete_me`]. Safe to run again: each step acts only on
/// what is still live.
pub fn erase(conn: &mut DbConn, uid: i64, now: NaiveDateTime) -> ApiResult<()> {
    // Future bookings are cancelled the usual way (quota released, waitlist offered on).
    let future: Vec<i64> = b::table
        .filter(b::user_id.eq(uid))
        .filter(b::status.eq("confirmed"))
        .filter(b::starts_at.gt(now))
        .select(b::id)
        .load(conn)?;
    for id in future {
        match crate::charging::model::cancel(conn, id, uid, Some("账号已注销".into()), now) {
            Ok(_) => {}
            Err(e) if e.code == ErrorCode::BookingNotCancellable => {}
            Err(e) => return Err(e),
        }
    }
    // Live waitlist entries are left, live sign-ups of activities not yet started cancelled
    // (a confirmed seat goes to the next in line).
    let queued: Vec<i64> = we::table
        .filter(we::user_id.eq(uid))
        .filter(we::status.eq_any(["waiting", "offered"]))
        .select(we::id)
        .load(conn)?;
    for id in queued {
        match crate::charging::model::waitlist::leave_waitlist(conn, id, uid, now) {
            Ok(()) => {}
            Err(e) if e.code == ErrorCode::OfferNotPending => {}
            Err(e) => return Err(e),
        }
    }
    let live: Vec<i64> = s::table
        .filter(s::user_id.eq(uid))
        .filter(s::live_key.is_not_null())
        .select(s::id)
        .load(conn)?;
    for id in live {
        match crate::volunteering::model::signups::cancel(conn, id, uid, now) {
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::SignupNotLive
                        | ErrorCode::ActivityNotOpen
                        | ErrorCode::ActivityAlreadyStarted
                ) => {}
            Err(e) => return Err(e),
        }
    }
    // The membership ends (its owners are told) and the account leaves the household.
    crate::households::model::leave(conn, uid, now)?;
    db::transaction(conn, |c| {
        store::clear_phone(c, uid)?;
        diesel::update(users::table.find(uid).filter(users::erased_at.is_null()))
            .set((
                users::openid.eq(format!("erased:{uid}:{}", uuid::Uuid::new_v4().simple())),
                users::unionid.eq(None::<String>),
                users::nickname.eq("已注销用户"),
                users::role.eq(crate::auth::Role::Resident),
                users::erased_at.eq(Some(now)),
                users::auth_version.eq(users::auth_version + 1),
            ))
            .execute(c)?;
        diesel::update(
            rt::table
                .filter(rt::user_id.eq(uid))
                .filter(rt::revoked_at.is_null()),
        )
        .set(rt::revoked_at.eq(Some(now)))
        .execute(c)?;
        diesel::delete(cf::table.filter(cf::user_id.eq(uid))).execute(c)?;
        diesel::delete(n::table.filter(n::user_id.eq(uid))).execute(c)?;
        diesel::delete(tm::table.filter(tm::user_id.eq(uid))).execute(c)?;
        diesel::delete(vp::table.filter(vp::user_id.eq(uid))).execute(c)?;
        diesel::update(pl::table.filter(pl::user_id.eq(uid)))
            .set(pl::note.eq(None::<String>))
            .execute(c)?;
        Ok(())
    })
}

/// 注销我的账号
///
/// 删除我的手机号及其索引，结束家庭成员资格，退出志愿队伍，取消尚未开始的充电预约、候补和活动报名，
/// 删除站内通知、日历链接和志愿者资料，并使所有登录失效。过去的预约、报名和积分流水保留（数量和金额不变），
/// 但不再指向我：账号只剩编号，没有微信身份、昵称和手机号。之后用同一微信登录会得到一个新账号。可重复调用。
///
/// Erase my account: my phone number and its index are deleted, I leave my household and my
/// volunteer teams, my future bookings, waitlist places and sign-ups are cancelled, my inbox, calendar links and volunteer
/// profile are deleted, every login is revoked. Past bookings, sign-ups and points ledger rows
/// stay (amounts and counts are kept for the accounts) but no longer name me: the account keeps
/// only its number, with no WeChat identity, name or phone. Logging in again with the same
/// WeChat account makes a new, empty account. Erasing again changes nothing.
#[utoipa::path(
    tag = "privacy",
    security(("bearer" = [])),
    responses((status = 204, description = "Erased"))
)]
#[delete("/me")]
pub async fn delete_me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    let now = state.clock.now_naive();
    state.db(move |conn| erase(conn, user.user_id, now)).await?;
    state.auth.forget_user(user.user_id);
    Ok(HttpResponse::NoContent().finish())
}
