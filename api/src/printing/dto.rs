//! What a print request selects.

use serde::Deserialize;
use utoipa::IntoParams;

/// Which cards to print (exactly one of `building_id` and `community_id`), and which page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardSheetQuery {
    /// 只打印这栋楼的卡 (the cards of this building).
    pub building_id: Option<i64>,
    /// 只打印这个社区的卡 (the cards of this community).
    pub community_id: Option<i64>,
    /// 第几页，从 1 开始 (page, from 1); each A4 page holds 10 cards.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
}

/// Which sockets to print stickers for (exactly one of `pile_id` and `compound_id`), and which
/// page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SocketSheetQuery {
    /// 只打印这个充电桩的插座 (the sockets of this pile).
    pub pile_id: Option<i64>,
    /// 只打印这个小区的插座 (the sockets of this compound).
    pub compound_id: Option<i64>,
    /// 第几页，从 1 开始 (page, from 1); each A4 page holds 18 stickers.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
}
