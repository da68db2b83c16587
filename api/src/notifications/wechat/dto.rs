//! What the subscription endpoints take and send.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `wx.requestSubscribeMessage` 对一个模板的回答：`accept`（同意）、`reject`（拒绝）、`ban`（被封禁）或 `filter`（被过滤）。
///
/// What `wx.requestSubscribeMessage` answered for one template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SubscribeAnswer {
    /// The resident allowed one more message.
    Accept,
    /// The resident said no.
    Reject,
    /// The template was banned (by the resident or WeChat).
    Ban,
    /// WeChat filtered the template out (a duplicate title); nothing changes.
    Filter,
}

/// 小程序一次 `wx.requestSubscribeMessage` 调用得到的各模板回答，原样上报。
///
/// The answers of one `wx.requestSubscribeMessage` call, as the mini-program got them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"results": {"tmpl-booking-reminder": "accept", "tmpl-waitlist-offer": "reject"}}))]
pub struct SubscribeRequest {
    /// Template id → answer (1–10 entries).
    pub results: BTreeMap<String, SubscribeAnswer>,
}

/// 居民可订阅的一个消息模板，以及居民还允许发送的条数。
///
/// One template the resident can subscribe to, and how many messages they allowed. (Named
/// apart from the partners' webhook `SubscriptionView`: one schema name, one type.)
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"template_id": "tmpl-booking-reminder", "kinds": ["booking.reminder"], "remaining": 1}))]
pub struct TemplateGrantView {
    /// 微信的模板 id（传给 `wx.requestSubscribeMessage`）。
    /// WeChat's template id (pass it to `wx.requestSubscribeMessage`).
    pub template_id: String,
    /// 用这个模板发送的通知类型。
    /// The notification kinds sent with it.
    pub kinds: Vec<String>,
    /// 还允许发送的条数（一次性授权的剩余次数）；为 0 时，需在用得上之前再次申请。
    /// Messages still allowed (one-time grants left); 0: ask again before they matter.
    pub remaining: i32,
}
