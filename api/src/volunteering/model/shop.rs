//! The points supermarket (积分超市): items with a price and a stock; a redemption takes stock
//! (`stock >= quantity`) and points (`balance >= price`) with conditional updates in one
//! transaction and gives a pickup code that staff mark as collected.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::points::{self, Entry};
use crate::db::idempotency::IdempotencyClaim;
use crate::db::paging::PageRequest;
use crate::db::schema::{redemptions as r, shop_items as si};
use crate::db::{is_unique_violation, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::volunteering::dto::points::PointsReason;
use crate::volunteering::dto::shop::{RedemptionStatus, RedemptionView, ShopItemView};
use crate::volunteering::rules::{random_code, redemption_reference};

type ItemRow = (i64, String, String, i32, i32, bool);

fn item_columns() -> (
    si::id,
    si::name,
    si::description,
    si::price_points,
    si::stock,
    si::active,
) {
    (
        si::id,
        si::name,
        si::description,
        si::price_points,
        si::stock,
        si::active,
    )
}

fn item_view(r: ItemRow) -> ShopItemView {
    ShopItemView {
        id: r.0,
        name: r.1,
        description: r.2,
        price_points: r.3,
        stock: r.4,
        active: r.5,
    }
}

pub fn item(conn: &mut DbConn, id: i64) -> ApiResult<ShopItemView> {
    si::table
        .find(id)
        .select(item_columns())
        .first::<ItemRow>(conn)
        .optional()?
        .map(item_view)
        .ok_or_else(ApiError::not_found)
}

/// Items on offer (staff may ask for withdrawn ones too), by id.
pub fn list_items(
    conn: &mut DbConn,
    include_inactive: bool,
    page: PageRequest,
) -> ApiResult<(Vec<ShopItemView>, i64)> {
    let query = || {
        let mut q = si::table.into_boxed();
        if !include_inactive {
            q = q.filter(si::active.eq(true));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<ItemRow> = query()
        .order(si::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(item_columns())
        .load(conn)?;
    Ok((rows.into_iter().map(item_view).collect(), total))
}

/// What staff set on an item. The stock is not among them: it moves only by restocking and
/// redemptions, so an edit never overwrites a redemption running at the same time.
#[derive(Clone, Copy, Debug)]
pub struct ItemFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub price_points: i32,
    /// Offered now.
    pub active: bool,
}

pub fn create_item(
    conn: &mut DbConn,
    fields: &ItemFields,
    stock: i32,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    diesel::insert_into(si::table)
        .values((
            si::name.eq(fields.name),
            si::description.eq(fields.description),
            si::price_points.eq(fields.price_points),
            si::stock.eq(stock),
            si::active.eq(fields.active),
            si::created_at.eq(now),
            si::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(last_insert_id(conn)?)
}

/// Change name, description, price or whether it is offered (stock is left alone).
pub fn update_item(
    conn: &mut DbConn,
    id: i64,
    fields: &ItemFields,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(si::table.find(id))
        .set((
            si::name.eq(fields.name),
            si::description.eq(fields.description),
            si::price_points.eq(fields.price_points),
            si::active.eq(fields.active),
            si::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Add stock without overwriting redemptions running at the same time.
pub fn restock(conn: &mut DbConn, id: i64, quantity: i32, now: NaiveDateTime) -> ApiResult<()> {
    let n = diesel::update(si::table.find(id))
        .set((si::stock.eq(si::stock + quantity), si::updated_at.eq(now)))
        .execute(conn)?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

type RedemptionRow = (
    i64,
    i64,
    String,
    i32,
    i32,
    String,
    RedemptionStatus,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

fn redemption_query() -> (
    r::id,
    r::item_id,
    si::name,
    r::quantity,
    r::points,
    r::pickup_code,
    r::status,
    r::created_at,
    r::collected_at,
) {
    (
        r::id,
        r::item_id,
        si::name,
        r::quantity,
        r::points,
        r::pickup_code,
        r::status,
        r::created_at,
        r::collected_at,
    )
}

fn redemption_view(x: RedemptionRow) -> RedemptionView {
    RedemptionView {
        id: x.0,
        item_id: x.1,
        item_name: x.2,
        quantity: x.3,
        points: x.4,
        pickup_code: x.5,
        status: x.6,
        created_at: x.7.and_utc(),
        collected_at: x.8.map(|t| t.and_utc()),
    }
}

fn redemption(conn: &mut DbConn, id: i64) -> ApiResult<RedemptionView> {
    r::table
        .inner_join(si::table)
        .filter(r::id.eq(id))
        .select(redemption_query())
        .first::<RedemptionRow>(conn)
        .optional()?
        .map(redemption_view)
        .ok_or_else(ApiError::not_found)
}

/// Redeem: stock and points are taken in one transaction or not at all.
pub fn redeem(
    conn: &mut DbConn,
    item_id: i64,
    user_id: i64,
    quantity: i32,
    now: NaiveDateTime,
    claim: IdempotencyClaim,
) -> ApiResult<RedemptionView> {
    if let Some(id) = claim.done_before(conn, "redemption")? {
        return redemption(conn, id);
    }
    let (price, active) = si::table
        .find(item_id)
        .select((si::price_points, si::active))
        .first::<(i32, bool)>(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    if !active {
        return Err(ApiError::new(ErrorCode::ItemUnavailable));
    }
    let id = crate::db::transaction(conn, |conn| {
        if let Some(id) = claim.begin(conn, "redemption")? {
            return Ok(id);
        }
        let n = diesel::update(
            si::table.filter(
                si::id
                    .eq(item_id)
                    .and(si::active.eq(true))
                    .and(si::stock.ge(quantity)),
            ),
        )
        .set(si::stock.eq(si::stock - quantity))
        .execute(conn)?;
        if n == 0 {
            let stock: i32 = si::table.find(item_id).select(si::stock).first(conn)?;
            return Err(ApiError::new(ErrorCode::OutOfStock)
                .with_details(serde_json::json!({"stock": stock})));
        }
        let cost = price * quantity;
        points::take(conn, user_id, i64::from(cost), now)?;
        let mut id = None;
        for _ in 0..5 {
            let inserted = diesel::insert_into(r::table)
                .values((
                    r::item_id.eq(item_id),
                    r::user_id.eq(user_id),
                    r::quantity.eq(quantity),
                    r::points.eq(cost),
                    r::pickup_code.eq(random_code(8)),
                    r::status.eq(RedemptionStatus::Pending),
                    r::created_at.eq(now),
                ))
                .execute(conn);
            match inserted {
                Ok(_) => {
                    id = Some(last_insert_id(conn)?);
                    break;
                }
                Err(e) if is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        let id = id.ok_or_else(|| ApiError::internal("no free pickup code"))?;
        let reference = redemption_reference(id);
        let entry = Entry::system(user_id, -cost, PointsReason::Redemption, &reference);
        points::record(conn, &entry, now)?;
        claim.mark_done(conn, "redemption", id)?;
        Ok(id)
    })?;
    redemption(conn, id)
}

pub fn my_redemptions(
    conn: &mut DbConn,
    user_id: i64,
    page: PageRequest,
) -> ApiResult<(Vec<RedemptionView>, i64)> {
    let total: i64 = r::table
        .filter(r::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    let rows: Vec<RedemptionRow> = r::table
        .inner_join(si::table)
        .filter(r::user_id.eq(user_id))
        .order((r::created_at.desc(), r::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(redemption_query())
        .load(conn)?;
    Ok((rows.into_iter().map(redemption_view).collect(), total))
}

/// Staff hand over a redemption by its pickup code, once.
pub fn collect(
    conn: &mut DbConn,
    code: &str,
    staff_id: i64,
    now: NaiveDateTime,
) -> ApiResult<RedemptionView> {
    let id: i64 = r::table
        .filter(r::pickup_code.eq(code))
        .select(r::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::new(ErrorCode::PickupCodeNotFound).with_field("pickup_code"))?;
    let n =
        diesel::update(r::table.filter(r::id.eq(id).and(r::status.eq(RedemptionStatus::Pending))))
            .set((
                r::status.eq(RedemptionStatus::Collected),
                r::collected_at.eq(Some(now)),
                r::collected_by.eq(Some(staff_id)),
            ))
            .execute(conn)?;
    if n == 0 {
        return Err(ApiError::new(ErrorCode::RedemptionAlreadyCollected));
    }
    redemption(conn, id)
}
