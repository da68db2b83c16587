//! The partner API (`/api/v1/partner/...`): every call is scoped to the firm's compounds;
//! an id outside them answers 404 whatever it is.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use super::dto::{
    BulkSocketStateRequest, CreatePileRequest, CreateSubscriptionRequest, DeliveryFilter,
    DeliveryView, PartnerBookingFilter, PartnerBookingView, PartnerCompoundView, PartnerPileView,
    PartnerSocketStateRequest, PartnerSocketView, PartnerToken, SubscriptionView, TokenRequest,
    UpdatePileRequest, UtilisationQuery, UtilisationRow,
};
use super::{model, reports, webhooks, Partner};
use crate::charging::dto::{MaintenanceRequest, MaintenanceView, SocketState};
use crate::charging::model::{self as charging, Target};
use crate::db;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::extract::{parse_json, read_body};
use crate::http::pagination::{Page, PageParams};
use crate::http::{Json, Path, Query};
use crate::state::AppState;

/// Exchange client credentials for an access token (OAuth 2 client-credentials grant).
///
/// Send `client_id` and `client_secret` as JSON, as a form, or with HTTP Basic
/// authentication. The token lasts `expires_in` seconds (10 minutes by default).
#[utoipa::path(
    tag = "partner",
    request_body(content = TokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "A token", body = PartnerToken),
        (status = 401, description = "`invalid_client`", body = crate::error::ErrorBody),
    )
)]
#[post("/partner/token")]
pub async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut payload: Payload = payload.into_inner();
    let bytes = read_body(&req, &mut payload, state.config.max_body_bytes).await?;
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let body: TokenRequest = if bytes.is_empty() {
        TokenRequest {
            grant_type: None,
            client_id: None,
            client_secret: None,
            scope: None,
        }
    } else if form {
        crate::http::extract::parse_query(
            std::str::from_utf8(&bytes).map_err(|_| ApiError::new(ErrorCode::InvalidJson))?,
        )?
    } else {
        parse_json(&bytes)?
    };
    if body
        .grant_type
        .as_deref()
        .is_some_and(|g| g != "client_credentials")
    {
        return Err(ApiError::validation(
            "grant_type",
            "must be client_credentials",
        ));
    }
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
        })
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
    let (client_id, secret) = match (body.client_id, body.client_secret, basic) {
        (Some(id), Some(secret), _) => (id, secret),
        (_, _, Some(pair)) => pair,
        _ => return Err(ApiError::new(ErrorCode::InvalidClient)),
    };
    if client_id.len() > 64 || secret.len() > 128 {
        return Err(ApiError::new(ErrorCode::InvalidClient));
    }
    let now = state.clock.now_naive();
    let id = client_id.clone();
    let (partner_id, allowed) = state
        .db(move |conn| model::authenticate_client(conn, &id, &secret, now))
        .await?;
    let granted: Vec<String> = match body
        .scope
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => allowed,
        Some(wanted) => {
            let wanted: Vec<String> = wanted
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if let Some(bad) = wanted.iter().find(|w| !allowed.contains(w)) {
                return Err(ApiError::new(ErrorCode::InsufficientScope)
                    .with_field("scope")
                    .with_details(json!({"not_allowed": bad})));
            }
            wanted
        }
    };
    let ttl = state.config.partner_token_ttl_secs;
    let access_token = state.jwt.issue_partner(
        &client_id,
        partner_id,
        granted.clone(),
        ttl,
        state.clock.now(),
    )?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PartnerToken {
            access_token,
            token_type: "Bearer".into(),
            expires_in: ttl,
            scope: granted.join(" "),
        }))
}

/// The compounds my firm serves.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    responses((status = 200, description = "Compounds", body = Vec<PartnerCompoundView>))
)]
#[get("/partner/compounds")]
pub async fn compounds(state: web::Data<AppState>, partner: Partner) -> ApiResult<HttpResponse> {
    partner.require("piles:read")?;
    let pid = partner.partner_id;
    Ok(HttpResponse::Ok().json(
        state
            .db(move |conn| model::partner_compounds(conn, pid))
            .await?,
    ))
}

/// Piles and sockets of one of my compounds, with the sockets' printed codes.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(("id" = i64, Path, description = "Compound id")),
    responses((status = 200, description = "Piles", body = Vec<PartnerPileView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/compounds/{id}/piles")]
pub async fn compound_piles(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require("piles:read")?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    let list = state
        .db(move |conn| {
            model::owns_compound(conn, pid, id)?;
            model::compound_piles(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

fn check_text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(ApiError::validation(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// Install a pile with its sockets in one of my compounds.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Compound id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry key")),
    request_body = CreatePileRequest,
    responses((status = 201, description = "Installed", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/compounds/{id}/piles")]
pub async fn create_pile(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    body: Json<CreatePileRequest>,
) -> ApiResult<HttpResponse> {
    partner.require("piles:write")?;
    let b = body.0;
    let name = check_text("name", &b.name, 64)?;
    let location = check_text("location", &b.location, 128)?;
    if !(1..=4).contains(&b.sockets) {
        return Err(ApiError::validation("sockets", "must be 1 to 4"));
    }
    let (compound, now, actor, pid) = (
        id.into_inner(),
        state.clock.now_naive(),
        partner.actor(),
        partner.partner_id,
    );
    let view = state
        .db(move |conn| {
            model::owns_compound(conn, pid, compound)?;
            db::transaction(conn, |c| {
                let pile = model::create_pile(c, compound, &name, &location, b.sockets, now)?;
                let after = model::pile_json(c, pile)?;
                model::audit(
                    c,
                    pid,
                    &actor,
                    "pile.create",
                    "pile",
                    Some(pile),
                    None,
                    Some(after),
                    now,
                )?;
                model::pile_view(c, pile)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/partner/piles/{}", view.id),
        ))
        .json(view))
}

/// One of my piles.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(("id" = i64, Path, description = "Pile id")),
    responses((status = 200, description = "The pile", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/piles/{id}")]
pub async fn get_pile(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require("piles:read")?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    let view = state
        .db(move |conn| {
            model::owned_pile(conn, pid, id)?;
            model::pile_view(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Rename or move one of my piles.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Pile id")),
    request_body = UpdatePileRequest,
    responses((status = 200, description = "The pile", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[patch("/partner/piles/{id}")]
pub async fn update_pile(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    body: Json<UpdatePileRequest>,
) -> ApiResult<HttpResponse> {
    partner.require("piles:write")?;
    let b = body.0;
    let name = b
        .name
        .as_deref()
        .map(|n| check_text("name", n, 64))
        .transpose()?;
    let location = b
        .location
        .as_deref()
        .map(|l| check_text("location", l, 128))
        .transpose()?;
    let (pid, id, now, actor) = (
        partner.partner_id,
        id.into_inner(),
        state.clock.now_naive(),
        partner.actor(),
    );
    let view = state
        .db(move |conn| {
            model::owned_pile(conn, pid, id)?;
            db::transaction(conn, |c| {
                let before = model::pile_json(c, id)?;
                model::update_pile(c, id, name.as_deref(), location.as_deref(), now)?;
                let after = model::pile_json(c, id)?;
                model::audit(
                    c,
                    pid,
                    &actor,
                    "pile.update",
                    "pile",
                    Some(id),
                    Some(before),
                    Some(after),
                    now,
                )?;
                model::pile_view(c, id)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Retire one of my piles: its sockets are retired and their bookings cancelled.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Pile id")),
    responses((status = 200, description = "The retired pile", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/piles/{id}/retire")]
pub async fn retire_pile(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require("piles:write")?;
    let (pid, id, now, actor) = (
        partner.partner_id,
        id.into_inner(),
        state.clock.now_naive(),
        partner.actor(),
    );
    let view = state
        .db(move |conn| {
            model::owned_pile(conn, pid, id)?;
            db::transaction(conn, |c| {
                let before = model::pile_json(c, id)?;
                model::retire_pile(c, id, "充电桩已停用", now)?;
                let after = model::pile_json(c, id)?;
                model::audit(
                    c,
                    pid,
                    &actor,
                    "pile.retire",
                    "pile",
                    Some(id),
                    Some(before),
                    Some(after),
                    now,
                )?;
                model::pile_view(c, id)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Add a socket to one of my piles.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Pile id")),
    responses((status = 201, description = "The pile with its new socket", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/piles/{id}/sockets")]
pub async fn add_socket(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require("piles:write")?;
    let (pid, id, now, actor) = (
        partner.partner_id,
        id.into_inner(),
        state.clock.now_naive(),
        partner.actor(),
    );
    let view = state
        .db(move |conn| {
            model::owned_pile(conn, pid, id)?;
            db::transaction(conn, |c| {
                let before = model::pile_json(c, id)?;
                let socket = model::add_socket_to_pile(c, id, now)?;
                let after = model::pile_json(c, id)?;
                model::audit(
                    c,
                    pid,
                    &actor,
                    "socket.create",
                    "socket",
                    Some(socket),
                    Some(before),
                    Some(after),
                    now,
                )?;
                model::pile_view(c, id)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

fn partner_state(state: SocketState) -> ApiResult<SocketState> {
    if state == SocketState::Retired {
        return Err(ApiError::validation(
            "state",
            "retire the pile to retire its sockets",
        ));
    }
    Ok(state)
}

fn apply_state(
    c: &mut db::DbConn,
    pid: i64,
    actor: &str,
    socket: i64,
    to: SocketState,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<PartnerSocketView> {
    let before = crate::charging::model::socket(c, socket)?.ok_or_else(ApiError::not_found)?;
    let (info, cancelled) = charging::set_socket_state(c, socket, to, reason, now)?;
    model::audit(
        c,
        pid,
        actor,
        "socket.state",
        "socket",
        Some(socket),
        Some(json!({"state": before.state})),
        Some(json!({"state": info.state, "cancelled_bookings": cancelled})),
        now,
    )?;
    Ok(PartnerSocketView {
        id: info.id,
        pile_id: info.pile_id,
        number: info.number,
        code: info.code,
        state: info.state,
    })
}

/// Set one of my sockets' state. Leaving `available` cancels its bookings that have not
/// started charging (residents are told; `booking.cancelled` webhooks follow).
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Socket id")),
    request_body = PartnerSocketStateRequest,
    responses((status = 200, description = "The socket", body = PartnerSocketView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/sockets/{id}/state")]
pub async fn socket_state(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    body: Json<PartnerSocketStateRequest>,
) -> ApiResult<HttpResponse> {
    partner.require("piles:write")?;
    let b = body.0;
    let to = partner_state(b.state)?;
    let reason = b
        .reason
        .map(|r| check_text("reason", &r, 200))
        .transpose()?
        .unwrap_or_else(|| "物业设置充电口状态".into());
    let (pid, id, now, actor) = (
        partner.partner_id,
        id.into_inner(),
        state.clock.now_naive(),
        partner.actor(),
    );
    let view = state
        .db(move |conn| {
            model::owned_socket(conn, pid, id)?;
            db::transaction(conn, |c| apply_state(c, pid, &actor, id, to, &reason, now))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Set many of my sockets' states in one call, all or nothing. Any socket that is not mine
/// makes the whole call answer 404.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    request_body = BulkSocketStateRequest,
    responses((status = 200, description = "The sockets", body = Vec<PartnerSocketView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/sockets/state")]
pub async fn bulk_socket_state(
    state: web::Data<AppState>,
    partner: Partner,
    body: Json<BulkSocketStateRequest>,
) -> ApiResult<HttpResponse> {
    partner.require("piles:write")?;
    let b = body.0;
    if b.changes.is_empty() || b.changes.len() > 200 {
        return Err(ApiError::validation(
            "changes",
            "must hold 1 to 200 changes",
        ));
    }
    let changes: Vec<(i64, SocketState)> = b
        .changes
        .iter()
        .map(|c| partner_state(c.state).map(|s| (c.socket_id, s)))
        .collect::<ApiResult<_>>()?;
    let reason = b
        .reason
        .map(|r| check_text("reason", &r, 200))
        .transpose()?
        .unwrap_or_else(|| "物业批量设置充电口状态".into());
    let (pid, now, actor) = (partner.partner_id, state.clock.now_naive(), partner.actor());
    let views = state
        .db(move |conn| {
            for (socket, _) in &changes {
                model::owned_socket(conn, pid, *socket)?;
            }
            db::transaction(conn, |c| {
                changes
                    .iter()
                    .map(|(s, to)| apply_state(c, pid, &actor, *s, *to, &reason, now))
                    .collect::<ApiResult<Vec<_>>>()
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// Schedule maintenance on one of my piles or sockets; overlapping bookings are cancelled.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    request_body = MaintenanceRequest,
    responses((status = 201, description = "Scheduled", body = MaintenanceView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/maintenance-windows")]
pub async fn maintenance(
    state: web::Data<AppState>,
    partner: Partner,
    body: Json<MaintenanceRequest>,
) -> ApiResult<HttpResponse> {
    partner.require("piles:write")?;
    let b = body.0;
    let reason = check_text("reason", &b.reason, 200)?;
    if b.ends_at <= b.starts_at || b.ends_at - b.starts_at > Duration::days(31) {
        return Err(ApiError::validation(
            "ends_at",
            "must be after starts_at, at most 31 days later",
        ));
    }
    let (pid, now, actor) = (partner.partner_id, state.clock.now_naive(), partner.actor());
    let view = state
        .db(move |conn| {
            let target = match (b.pile_id, b.socket_id) {
                (Some(p), None) => {
                    model::owned_pile(conn, pid, p)?;
                    Target::Pile(p)
                }
                (None, Some(s)) => {
                    model::owned_socket(conn, pid, s)?;
                    Target::Socket(s)
                }
                _ => {
                    return Err(ApiError::validation(
                        "pile_id",
                        "give exactly one of pile_id and socket_id",
                    ))
                }
            };
            db::transaction(conn, |c| {
                let target = match &target {
                    Target::Pile(p) => Target::Pile(*p),
                    Target::Socket(s) => Target::Socket(*s),
                };
                let view = charging::schedule_maintenance(
                    c,
                    target,
                    b.starts_at.naive_utc(),
                    b.ends_at.naive_utc(),
                    &reason,
                    &actor,
                    now,
                )?;
                model::audit(
                    c,
                    pid,
                    &actor,
                    "maintenance.create",
                    "maintenance_window",
                    Some(view.id),
                    None,
                    Some(serde_json::to_value(&view).unwrap_or_default()),
                    now,
                )?;
                Ok(view)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Bookings in my compounds (no resident identity), newest first.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["bookings:read"])),
    params(PartnerBookingFilter),
    responses((status = 200, description = "One page of bookings", body = Page<PartnerBookingView>))
)]
#[get("/partner/bookings")]
pub async fn bookings(
    state: web::Data<AppState>,
    partner: Partner,
    filter: Query<PartnerBookingFilter>,
) -> ApiResult<HttpResponse> {
    partner.require("bookings:read")?;
    let f = filter.0;
    let page = PageParams {
        page: f.page,
        per_page: f.per_page,
    }
    .validate()?;
    let q = reports::BookingQuery {
        from: f.from.map(reports::local_day_start),
        to: f
            .to
            .map(|d| reports::local_day_start(d + Duration::days(1))),
        compound_id: f.compound_id,
        socket_id: f.socket_id,
        status: f.status,
    };
    let pid = partner.partner_id;
    let (items, total) = state
        .db(move |conn| {
            if let Some(c) = q.compound_id {
                model::owns_compound(conn, pid, c)?;
            }
            if let Some(s) = q.socket_id {
                model::owned_socket(conn, pid, s)?;
            }
            reports::bookings(conn, pid, &q, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// One booking in my compounds.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["bookings:read"])),
    params(("id" = i64, Path, description = "Booking id")),
    responses((status = 200, description = "The booking", body = PartnerBookingView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/bookings/{id}")]
pub async fn booking(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require("bookings:read")?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    let view = state
        .db(move |conn| {
            model::owned_booking(conn, pid, id)?;
            reports::booking(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Utilisation per pile and day: booked hours, used hours, no-shows, cancellations. JSON, or
/// CSV with `format=csv`.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["bookings:read"])),
    params(UtilisationQuery),
    responses((status = 200, description = "Rows by date and pile", body = Vec<UtilisationRow>, content_type = "application/json"))
)]
#[get("/partner/reports/utilisation")]
pub async fn utilisation(
    state: web::Data<AppState>,
    partner: Partner,
    query: Query<UtilisationQuery>,
) -> ApiResult<HttpResponse> {
    partner.require("bookings:read")?;
    let q = query.0;
    let today = state
        .clock
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or(to - Duration::days(6));
    if from > to || (to - from).num_days() > 61 {
        return Err(ApiError::validation(
            "from",
            "must be on or before `to`, at most 62 days",
        ));
    }
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::validation("format", "json or csv")),
    };
    let pid = partner.partner_id;
    let rows = state
        .db(move |conn| reports::utilisation(conn, pid, from, to))
        .await?;
    if csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"utilisation-{from}-{to}.csv\""),
            ))
            .body(reports::utilisation_csv(&rows)));
    }
    Ok(HttpResponse::Ok().json(rows))
}

/// Subscribe a URL to events. The answer carries the signing secret, once.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    request_body = CreateSubscriptionRequest,
    responses(
        (status = 201, description = "Subscribed", body = SubscriptionView),
        (status = 422, description = "`webhook_url_not_allowed` or `validation_failed`", body = crate::error::ErrorBody),
    )
)]
#[post("/partner/webhooks")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    partner: Partner,
    body: Json<CreateSubscriptionRequest>,
) -> ApiResult<HttpResponse> {
    partner.require("webhooks:manage")?;
    let b = body.0;
    let events = webhooks::check_events(&b.events)?;
    let url = webhooks::check_url(b.url.trim(), state.config.webhook_allow_private).await?;
    let (pid, now, actor) = (partner.partner_id, state.clock.now_naive(), partner.actor());
    let view = state
        .db(move |conn| {
            db::transaction(conn, |c| {
                let v = webhooks::create_subscription(c, pid, url.as_str(), &events, now)?;
                model::audit(
                    c,
                    pid,
                    &actor,
                    "webhook.create",
                    "webhook_subscription",
                    Some(v.id),
                    None,
                    Some(json!({"url": v.url, "events": v.events})),
                    now,
                )?;
                Ok(v)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// My subscriptions.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    responses((status = 200, description = "Subscriptions", body = Vec<SubscriptionView>))
)]
#[get("/partner/webhooks")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    partner: Partner,
) -> ApiResult<HttpResponse> {
    partner.require("webhooks:manage")?;
    let pid = partner.partner_id;
    Ok(HttpResponse::Ok().json(
        state
            .db(move |conn| webhooks::subscriptions(conn, pid))
            .await?,
    ))
}

/// Delete one of my subscriptions.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[delete("/partner/webhooks/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require("webhooks:manage")?;
    let (pid, id, now, actor) = (
        partner.partner_id,
        id.into_inner(),
        state.clock.now_naive(),
        partner.actor(),
    );
    state
        .db(move |conn| {
            webhooks::owned_subscription(conn, pid, id)?;
            db::transaction(conn, |c| {
                webhooks::delete_subscription(c, id)?;
                model::audit(
                    c,
                    pid,
                    &actor,
                    "webhook.delete",
                    "webhook_subscription",
                    Some(id),
                    None,
                    None,
                    now,
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deliveries of one of my subscriptions, newest first.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "Subscription id"), DeliveryFilter),
    responses((status = 200, description = "One page of deliveries", body = Page<DeliveryView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    filter: Query<DeliveryFilter>,
) -> ApiResult<HttpResponse> {
    partner.require("webhooks:manage")?;
    let page = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    let status = filter.0.status;
    if status
        .as_deref()
        .is_some_and(|s| !["pending", "delivered", "failed"].contains(&s))
    {
        return Err(ApiError::validation(
            "status",
            "pending, delivered or failed",
        ));
    }
    let (pid, id) = (partner.partner_id, id.into_inner());
    let (items, total) = state
        .db(move |conn| {
            webhooks::owned_subscription(conn, pid, id)?;
            webhooks::deliveries(conn, id, status.as_deref(), page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// One of my deliveries with every attempt.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "Delivery id")),
    responses((status = 200, description = "The delivery", body = DeliveryView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/deliveries/{id}")]
pub async fn get_delivery(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require("webhooks:manage")?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    Ok(HttpResponse::Ok().json(
        state
            .db(move |conn| webhooks::delivery(conn, pid, id))
            .await?,
    ))
}

/// Send one of my deliveries' event again (same `webhook-id`), as a new delivery.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued again", body = DeliveryView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/deliveries/{id}/replay")]
pub async fn replay_delivery(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require("webhooks:manage")?;
    let (pid, id, now) = (partner.partner_id, id.into_inner(), state.clock.now_naive());
    let view = state
        .db(move |conn| {
            let new = webhooks::replay(conn, pid, id, now)?;
            webhooks::delivery(conn, pid, new)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(view))
}
