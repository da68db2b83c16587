//! Request and response bodies of the `/me` endpoints.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;
use crate::places::dto::AddressView;

/// 当前登录用户。
///
/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// User id.
    pub id: i64,
    /// Display name.
    pub nickname: String,
    /// Role.
    pub role: Role,
    /// The household of the user's active membership; `null` until an owner or staff approve
    /// their request (and after they leave).
    pub household: Option<HouseholdView>,
    /// The user's live membership: `pending` while the request waits for the household's owner
    /// or community staff, then `active` (with the role and a tenant's end date); `null` when
    /// there is none.
    pub membership: Option<crate::households::dto::MembershipView>,
    /// My phone number, masked (`138****1234`); `null` when none is stored.
    pub phone_masked: Option<String>,
}

/// 家庭成员看到的本家庭信息。
///
/// A household as its own members see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdView {
    /// Household id.
    pub id: i64,
    /// Where it is.
    pub address: AddressView,
    /// The household's active card number.
    pub card_number: Option<String>,
}

/// 凭便民服务卡绑定家庭（卡号与校验码，与卡面或二维码上一致）。
///
/// Bind to a household by its convenience card (number and check code, as on the card or in
/// its QR code).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"card_number": "JC00001", "check_code": "7QX4M2"}))]
pub struct BindHouseholdRequest {
    /// Printed card number: 1 to 16 letters or digits (case and surrounding spaces do not
    /// matter).
    #[schema(pattern = "^\\s*[A-Za-z0-9]{1,16}\\s*$")]
    pub card_number: String,
    /// Check code printed beside the number, same form.
    #[schema(pattern = "^\\s*[A-Za-z0-9]{1,16}\\s*$")]
    pub check_code: String,
}
