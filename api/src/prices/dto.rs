//! Price plans as the API takes and shows them. Money is integer fen (1 元 = 100 fen).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// 一个功率档：功率在 `[from_w, to_w)`（含下限、不含上限）内的充电每小时收费 `fen_per_hour` 分。
///
/// One power band: charging whose early peak power is in `[from_w, to_w)` costs
/// `fen_per_hour` fen an hour.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceBandView {
    /// 下限（瓦，含） Lower bound in watts, included.
    pub from_w: i64,
    /// 上限（瓦，不含） Upper bound in watts, excluded.
    pub to_w: i64,
    /// 每小时价格（分） Price per hour, in fen.
    pub fen_per_hour: i64,
}

/// 设置小区的收费方案。
///
/// A compound's price plan as staff or its property firm set it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bands": [{"from_w": 0, "to_w": 400, "fen_per_hour": 50}, {"from_w": 400, "to_w": 700, "fen_per_hour": 80}, {"from_w": 700, "to_w": 1200, "fen_per_hour": 120}], "unit_minutes": 30, "min_fee_fen": 20, "max_hours": 12, "fault_waiver_minutes": 5}))]
pub struct PricePlanRequest {
    /// 功率档，按 `from_w` 从小到大，互不重叠（1 到 10 个） Power bands, sorted by
    /// `from_w`, not overlapping (1 to 10).
    pub bands: Vec<PriceBandView>,
    /// 计费单位（分钟，不足一个单位按一个单位计，1–60） Billing unit in minutes; a started
    /// unit is billed whole (1–60).
    pub unit_minutes: i64,
    /// 最低收费（分） Minimum fee, in fen.
    pub min_fee_fen: i64,
    /// 单次最长充电小时数，也是“充满为止”的预付时长（1–24） Longest session in hours, also
    /// what "until full" prepays (1–24).
    pub max_hours: i64,
    /// 开始后这么多分钟内因充电桩故障停止的不收费（0–60） A stop for a fault of the pile within
    /// this many minutes of the start is free (0–60).
    pub fault_waiver_minutes: i64,
}

/// 小区当前的收费方案。
///
/// A compound's current price plan. Each change makes a new version; the old ones are kept.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PricePlanView {
    /// 小区 id Compound id.
    pub compound_id: i64,
    /// 版本号，每次修改加 1 Version, one more at each change.
    pub version: i64,
    /// 功率档，按 `from_w` 从小到大 Power bands, sorted by `from_w`.
    pub bands: Vec<PriceBandView>,
    /// 计费单位（分钟，向上取整） Billing unit in minutes, rounded up.
    pub unit_minutes: i64,
    /// 最低收费（分） Minimum fee, in fen.
    pub min_fee_fen: i64,
    /// 单次最长充电小时数（“充满为止”按此预付） Longest session in hours ("until full"
    /// prepays this).
    pub max_hours: i64,
    /// 开始后这么多分钟内因充电桩故障停止的不收费 A stop for a fault of the pile within this
    /// many minutes of the start is free.
    pub fault_waiver_minutes: i64,
    /// 最高档每小时价格（分），预付按此计算 The highest band's price per hour: what prepaying
    /// is computed from.
    pub highest_fen_per_hour: i64,
    /// 设置时间 When this version was set.
    pub updated_at: DateTime<Utc>,
}

/// 预付金额：选择 `hours` 小时时需预付 `prepaid_fen` 分，充电结束后按实际用量结算，多付的退回。
///
/// What a resident prepays for `hours` of charging; the fee is settled from what the pile
/// reports and the rest is refunded.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PriceQuote {
    /// 充电小时数 Hours of charging.
    pub hours: i64,
    /// 预付金额（分） The prepaid amount, in fen.
    pub prepaid_fen: i64,
}

/// 居民看到的收费方案和预付金额（尚未开通支付）。
///
/// The price plan a resident sees, with the prepaid amounts (payment is not yet open).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ResidentPricePlanView {
    /// 当前收费方案 The current plan.
    pub plan: PricePlanView,
    /// 按请求的 `hours` 计算的预付金额（请求带 `hours` 时） The prepaid amount for the
    /// requested `hours`, when given.
    pub quote: Option<PriceQuote>,
    /// “充满为止”：按最长时长 `max_hours` 预付 "Until full": prepaid for `max_hours`.
    pub until_full: PriceQuote,
}

/// 报价参数。
///
/// What to quote.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QuoteQuery {
    /// 充电小时数（1 到 `max_hours`） Hours of charging (1 to `max_hours`).
    pub hours: Option<i64>,
}
