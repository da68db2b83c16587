//! The points supermarket (积分超市): items, redemptions, pickup.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::text::Text;

/// An item of the points supermarket (积分超市).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "食用油 5L", "description": "压榨菜籽油", "price_points": 300, "stock": 20, "active": true}))]
pub struct ShopItemView {
    /// Item id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Details.
    pub description: String,
    /// Price in points.
    pub price_points: i32,
    /// Items left.
    pub stock: i32,
    /// Offered now.
    pub active: bool,
}

/// 添加商品（工作人员）。
///
/// Add an item (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "毛巾", "description": "纯棉毛巾一条", "price_points": 30, "stock": 100}))]
pub struct CreateShopItemRequest {
    /// Name, 1 to 64 characters.
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub name: Text<1, 64>,
    /// Details, at most 500 characters.
    #[serde(default = "super::empty_text")]
    #[schema(value_type = String, max_length = 500)]
    pub description: Text<0, 500>,
    /// Price in points, 1 to 100000.
    #[schema(minimum = 1, maximum = 100_000)]
    pub price_points: i32,
    /// Items in stock, 0 to 1000000.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub stock: i32,
    /// Offered now (default true).
    pub active: Option<bool>,
}

/// 修改商品（工作人员）。库存变动通过补货接口进行，以免覆盖同时进行的兑换。
///
/// Change an item (staff). Stock changes go through restock, so that redemptions running at
/// the same time are never overwritten.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_points": 25, "active": true}))]
pub struct UpdateShopItemRequest {
    /// Name.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64)]
    pub name: Option<Text<1, 64>>,
    /// Details.
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Text<0, 500>>,
    /// Price in points, 1 to 100000.
    #[schema(minimum = 1, maximum = 100_000)]
    pub price_points: Option<i32>,
    /// Offered or withdrawn.
    pub active: Option<bool>,
}

/// 补充库存（工作人员）。
///
/// Add stock (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"quantity": 50}))]
pub struct RestockRequest {
    /// Items to add, 1 to 100000.
    pub quantity: i32,
}

/// 用积分兑换商品。
///
/// Redeem an item for points.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"quantity": 1}))]
pub struct RedeemRequest {
    /// How many, 1 to 10 (default 1).
    pub quantity: Option<i32>,
}

crate::text_enum! {
    /// 兑换状态。
    ///
    /// A redemption's state.
    pub enum RedemptionStatus {
        /// Waiting at the counter; show the pickup code.
        Pending = "pending",
        /// Handed over.
        Collected = "collected",
    }
}

/// 一次兑换。
///
/// A redemption.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 33, "item_id": 1, "item_name": "食用油 5L", "quantity": 1, "points": 300, "pickup_code": "K7M2Q9TX", "status": "pending", "created_at": "2026-12-05T04:00:00Z", "collected_at": null}))]
pub struct RedemptionView {
    /// Redemption id.
    pub id: i64,
    /// The item.
    pub item_id: i64,
    /// Its name.
    pub item_name: String,
    /// How many.
    pub quantity: i32,
    /// Points spent.
    pub points: i32,
    /// Code to show at the counter.
    pub pickup_code: String,
    /// Pending or collected.
    pub status: RedemptionStatus,
    /// When redeemed.
    pub created_at: DateTime<Utc>,
    /// When collected.
    pub collected_at: Option<DateTime<Utc>>,
}

/// 交付兑换的商品（柜台工作人员）。
///
/// Hand over a redemption (staff at the counter).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pickup_code": "K7M2Q9TX"}))]
pub struct CollectRequest {
    /// The code the resident shows.
    #[schema(value_type = String, min_length = 1, max_length = 16)]
    pub pickup_code: Text<1, 16>,
}

/// Filters for the shop's item list. The page is chosen with
/// [`PageParams`](crate::http::PageParams).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShopFilter {
    /// Staff only: include items no longer offered.
    pub include_inactive: Option<bool>,
}
