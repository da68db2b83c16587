//! The print-sheet endpoints: thin; the queries are in [`super::model`], the layout in
//! [`super::sheet`].

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

use super::dto::{CardSheetQuery, SocketSheetQuery};
use super::model::{self, CardSelection, Printed, SocketSelection};
use super::sheet::{self, CARDS_PER_PAGE, STICKERS_PER_PAGE};
use crate::auth::Staff;
use crate::db::paging::PageRequest;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::Query;
use crate::state::AppState;

/// Makes a selection from an id.
type Select<T> = fn(i64) -> T;

/// Exactly one of two selectors (`first` names the field an error points at).
fn one_of<T>(
    first: (&str, Option<i64>),
    second: (&str, Option<i64>),
    make: (Select<T>, Select<T>),
) -> ApiResult<T> {
    match (first.1, second.1) {
        (Some(a), None) => Ok(make.0(a)),
        (None, Some(b)) => Ok(make.1(b)),
        _ => Err(ApiError::validation(
            first.0,
            format!("give exactly one of {} and {}", first.0, second.0),
        )),
    }
}

fn page_number(page: Option<i64>) -> ApiResult<i64> {
    match page.unwrap_or(1) {
        p @ 1..=1_000_000 => Ok(p),
        _ => Err(ApiError::validation("page", "must be 1 to 1000000")),
    }
}

/// Pages a selection of `total` fills (at least one, possibly blank); a page past them is 404.
fn pages_of(total: i64, per_page: i64, page: i64) -> ApiResult<i64> {
    let pages = ((total + per_page - 1) / per_page).max(1);
    if page > pages {
        return Err(ApiError::not_found());
    }
    Ok(pages)
}

fn svg_response(svg: String, total: i64, pages: i64, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        // Check codes: no cache may keep the page.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}\""),
        ))
        .insert_header(("X-Total-Count", total.to_string()))
        .insert_header(("X-Total-Pages", pages.to_string()))
        .body(svg)
}

/// 打印便民服务卡 (print convenience cards): one A4 page of ten cards as SVG.
///
/// 仅限工作人员。按楼栋（`building_id`）或社区（`community_id`）选择有效的卡，按卡号排序，每页
/// 10 张：卡号、校验码、地址、本楼七类联系人（三长三员一民警，空缺显示“暂缺”）、紧急电话和二维码。
/// 二维码内容为 `{LINLI_PUBLIC_BASE_URL}/app/#/lookup/{卡号}/{校验码}`，居民 App 与小程序扫码后解析。
/// 每打印一页记一条审计日志（打印了哪些卡号，不含校验码）。响应头 `X-Total-Count` 为卡数，
/// `X-Total-Pages` 为页数；超出页数为 404。
///
/// (Staff only. Exactly one of `building_id` and `community_id`. Each printed page is audited.)
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    params(CardSheetQuery),
    responses(
        (status = 200, description = "A4 打印页（SVG）(one A4 page, SVG)", content_type = "image/svg+xml", body = String,
         headers(("X-Total-Count" = i64, description = "卡数"), ("X-Total-Pages" = i64, description = "页数"))),
        (status = 403, description = "`forbidden`: 仅限工作人员 (staff only)", body = ErrorBody),
        (status = 404, description = "`not_found`: 没有这栋楼、社区或这一页 (no such building, community or page)", body = ErrorBody),
        (status = 422, description = "`validation_failed`: 须且只能给出 building_id 或 community_id 之一", body = ErrorBody),
    )
)]
#[get("/print-sheets/cards")]
pub async fn card_sheet(
    state: web::Data<AppState>,
    staff: Staff,
    query: Query<CardSheetQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.0;
    let selection = one_of(
        ("building_id", q.building_id),
        ("community_id", q.community_id),
        (CardSelection::Building, CardSelection::Community),
    )?;
    let page = page_number(q.page)?;
    let (user_id, now) = (staff.user_id, state.clock.now_naive());
    let (cards, bases, total) = state
        .db(move |conn| {
            let request = PageRequest {
                page,
                per_page: CARDS_PER_PAGE,
            };
            let (cards, bases, total) = model::card_page(conn, selection, request)?;
            pages_of(total, CARDS_PER_PAGE, page)?;
            model::record(
                conn,
                Printed {
                    user_id,
                    action: "cards.print",
                    target: selection.target(),
                    page,
                    items: cards.iter().map(|c| c.card_number.clone()).collect(),
                    at: now,
                },
            )?;
            Ok((cards, bases, total))
        })
        .await?;
    let pages = pages_of(total, CARDS_PER_PAGE, page)?;
    let svg = sheet::card_sheet(&state.config.public_base_url, &cards, &bases, page, pages)?;
    Ok(svg_response(
        svg,
        total,
        pages,
        &format!("cards-{page}.svg"),
    ))
}

/// 打印充电插座贴纸 (print socket stickers): one A4 page of eighteen stickers as SVG.
///
/// 仅限工作人员。按充电桩（`pile_id`）或小区（`compound_id`）选择未报废的插座，每页 18 张：小区、
/// 充电桩、插座号、插座编码和二维码。二维码内容为
/// `{LINLI_PUBLIC_BASE_URL}/app/#/socket/{插座 id}?code={插座编码}`：扫码预约该插座，到场扫码签到
/// （`POST /api/v1/bookings/{id}/check-in`）。每打印一页记一条审计日志。响应头同打印服务卡。
///
/// (Staff only. Exactly one of `pile_id` and `compound_id`. Each printed page is audited.)
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(SocketSheetQuery),
    responses(
        (status = 200, description = "A4 打印页（SVG）(one A4 page, SVG)", content_type = "image/svg+xml", body = String,
         headers(("X-Total-Count" = i64, description = "插座数"), ("X-Total-Pages" = i64, description = "页数"))),
        (status = 403, description = "`forbidden`: 仅限工作人员 (staff only)", body = ErrorBody),
        (status = 404, description = "`not_found`: 没有这个充电桩、小区或这一页 (no such pile, compound or page)", body = ErrorBody),
        (status = 422, description = "`validation_failed`: 须且只能给出 pile_id 或 compound_id 之一", body = ErrorBody),
    )
)]
#[get("/print-sheets/sockets")]
pub async fn socket_sheet(
    state: web::Data<AppState>,
    staff: Staff,
    query: Query<SocketSheetQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.0;
    let selection = one_of(
        ("pile_id", q.pile_id),
        ("compound_id", q.compound_id),
        (SocketSelection::Pile, SocketSelection::Compound),
    )?;
    let page = page_number(q.page)?;
    let (user_id, now) = (staff.user_id, state.clock.now_naive());
    let (sockets, total) = state
        .db(move |conn| {
            let request = PageRequest {
                page,
                per_page: STICKERS_PER_PAGE,
            };
            let (sockets, total) = model::socket_page(conn, selection, request)?;
            pages_of(total, STICKERS_PER_PAGE, page)?;
            model::record(
                conn,
                Printed {
                    user_id,
                    action: "sockets.print",
                    target: selection.target(),
                    page,
                    items: sockets.iter().map(|s| s.socket_id.to_string()).collect(),
                    at: now,
                },
            )?;
            Ok((sockets, total))
        })
        .await?;
    let pages = pages_of(total, STICKERS_PER_PAGE, page)?;
    let svg = sheet::socket_sheet(&state.config.public_base_url, &sockets, page, pages)?;
    Ok(svg_response(
        svg,
        total,
        pages,
        &format!("sockets-{page}.svg"),
    ))
}
