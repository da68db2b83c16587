//! The one error shape of the API: `{"code", "message", "field"?, "details"?}`.
//!
//! Every error code lives in [`ErrorCode`]: the code is the contract phone apps switch on, the
//! message is for people (Simplified Chinese by default, English when `Accept-Language`
//! prefers it; the language is chosen by [`crate::http::observe`]). Database, pool and
//! token errors are mapped to statuses here and nowhere else.

use std::fmt;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// Defines [`ErrorCode`] from one table: variant, wire name, HTTP status, Chinese and English
/// message. Adding a code is one line here; it then appears in the OpenAPI file.
macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, $status:literal, $zh:literal, $en:literal; )*) => {
        /// 稳定、供程序判断的错误码。可能新增错误码；已有错误码的含义永不改变。
        ///
        /// Stable, machine-readable error codes. New codes may be added; existing ones never
        /// change meaning.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The wire name, e.g. `validation_failed`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }

            pub fn status(self) -> StatusCode {
                let code: u16 = match self { $(ErrorCode::$variant => $status,)* };
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }

            pub fn message(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((ErrorCode::$variant, Lang::Zh) => $zh, (ErrorCode::$variant, Lang::En) => $en,)*
                }
            }
        }
    };
}

error_codes! {
    /// The body is not valid JSON.
    InvalidJson = "invalid_json", 400, "请求内容不是有效的 JSON", "The request body is not valid JSON";
    /// A field, query parameter or path segment is missing, of the wrong type or out of range.
    ValidationFailed = "validation_failed", 422, "请求参数不正确", "A request value is invalid";
    /// The body has an identity-card number field (`id_card`, `id_number`, any case, at any
    /// depth; `field` names it): Linli never collects them, staff check papers in person.
    IdNumberNotAccepted = "id_number_not_accepted", 422, "本系统不收集身份证号码，请删除该字段；需要核验身份时请到社区当面办理", "Linli does not accept identity-card numbers; remove the field (identity is checked in person)";
    /// The body is not `application/json`.
    UnsupportedMediaType = "unsupported_media_type", 415, "请求内容类型必须是 application/json", "The request body must be application/json";
    /// The body is larger than the server accepts.
    PayloadTooLarge = "payload_too_large", 413, "请求内容过大", "The request body is too large";
    /// The request took too long to send (a body trickled in slowly): send it again.
    RequestTimeout = "request_timeout", 408, "请求发送超时，请重试", "The request took too long to arrive; send it again";
    /// The URL (path and query) is longer than the server accepts.
    UriTooLong = "uri_too_long", 414, "请求地址过长", "The request URL is too long";
    /// The request headers are larger than the server accepts.
    HeadersTooLarge = "headers_too_large", 431, "请求头过大", "The request headers are too large";
    /// No such route or resource.
    NotFound = "not_found", 404, "找不到请求的内容", "Not found";
    /// The route exists but not for this method.
    MethodNotAllowed = "method_not_allowed", 405, "不支持该请求方法", "Method not allowed";
    /// No access token was sent.
    Unauthorized = "unauthorized", 401, "请先登录", "Authentication required";
    /// The access token is malformed, has a bad signature, wrong issuer or audience.
    InvalidToken = "invalid_token", 401, "登录凭证无效，请重新登录", "The access token is invalid";
    /// The access token has expired: refresh it.
    TokenExpired = "token_expired", 401, "登录已过期，请刷新登录", "The access token has expired";
    /// The caller is authenticated but lacks the role or scope.
    Forbidden = "forbidden", 403, "没有权限进行此操作", "You are not allowed to do this";
    /// The refresh token is unknown, expired or revoked.
    InvalidRefreshToken = "invalid_refresh_token", 401, "登录已失效，请重新登录", "The refresh token is invalid or expired";
    /// A refresh token was used twice: its whole family is revoked; log in again.
    RefreshTokenReused = "refresh_token_reused", 401, "登录凭证被重复使用，为了安全已退出相关登录，请重新登录", "The refresh token was reused; all sessions of this login were revoked";
    /// The WeChat login code is invalid (WeChat errcode 40029).
    WechatCodeInvalid = "wechat_code_invalid", 400, "微信登录码无效，请重新进入小程序", "The WeChat login code is invalid";
    /// The WeChat login code was already used (WeChat errcode 40163).
    WechatCodeUsed = "wechat_code_used", 400, "微信登录码已被使用，请重新登录", "The WeChat login code was already used";
    /// WeChat refused the exchange because of its rate limit (WeChat errcode 45011).
    WechatRateLimited = "wechat_rate_limited", 429, "微信登录过于频繁，请稍后再试", "WeChat login is rate limited; try again later";
    /// An upstream service answered with an error or could not be reached.
    UpstreamError = "upstream_error", 502, "微信服务暂时不可用，请稍后再试", "An upstream service failed";
    /// An upstream service's TLS certificate is not trusted (not from a public root or one of
    /// `LINLI_EXTRA_CA_FILE`, expired, or for another name): nothing was sent to it.
    UpstreamCertificateUntrusted = "upstream_certificate_untrusted", 502, "无法安全连接微信服务，请稍后再试", "The upstream service's TLS certificate is not trusted";
    /// An upstream service did not answer in time.
    UpstreamTimeout = "upstream_timeout", 504, "微信服务响应超时，请稍后再试", "An upstream service timed out";
    /// The `Idempotency-Key` header is empty, too long or not printable ASCII.
    InvalidIdempotencyKey = "invalid_idempotency_key", 400, "Idempotency-Key 必须是 1 到 255 个可见字符", "Idempotency-Key must be 1 to 255 visible ASCII characters";
    /// The `Idempotency-Key` was already used with a different request.
    IdempotencyKeyReused = "idempotency_key_reused", 422, "该 Idempotency-Key 已用于另一个请求", "This Idempotency-Key was used for a different request";
    /// A request with this `Idempotency-Key` is still being processed.
    IdempotencyInProgress = "idempotency_in_progress", 409, "相同的请求正在处理中，请稍候", "A request with this Idempotency-Key is still in progress";
    /// The card number and check code do not match an active card.
    CardNotFound = "card_not_found", 404, "卡号或校验码不正确", "Card number or check code is wrong";
    /// Too many requests: wait for `Retry-After` seconds.
    RateLimited = "rate_limited", 429, "请求过于频繁，请稍后再试", "Too many requests";
    /// The database is unreachable or overloaded: retry after `Retry-After` seconds.
    ServiceUnavailable = "service_unavailable", 503, "服务暂时不可用，请稍后再试", "The service is temporarily unavailable";
    /// An unexpected server error. It is logged with the request id.
    InternalError = "internal_error", 500, "服务器内部错误", "Internal server error";
    // --- charging ---
    /// Part of the requested time is already taken on this socket.
    BookingConflict = "booking_conflict", 409, "该时段已被预约，请选择其他时段或加入候补", "Part of this time is already booked";
    /// `starts_at` or `ends_at` is not on the compound's slot grid (see `details.slot_minutes`).
    BookingOffGrid = "booking_off_grid", 422, "预约时间必须对齐时段（整点或半点）", "Booking times must be on the slot grid";
    /// The booking would start in the past.
    BookingInPast = "booking_in_past", 422, "不能预约已经过去的时段", "The booking would start in the past";
    /// The booking starts sooner than the compound's minimum notice.
    BookingTooSoon = "booking_too_soon", 422, "预约需要提前一段时间", "The booking starts too soon";
    /// The booking starts further ahead than the compound allows (`details.days_ahead`).
    BookingTooFarAhead = "booking_too_far_ahead", 422, "只能预约未来几天内的时段", "The booking is too far ahead";
    /// The booking is longer than the compound allows (`details.max_minutes`).
    BookingTooLong = "booking_too_long", 422, "预约时间过长", "The booking is too long";
    /// The socket is in maintenance, faulted or retired.
    SocketUnavailable = "socket_unavailable", 422, "该充电口暂不可用", "This socket is not available";
    /// The pile is retired: its sockets stay retired and it takes no new sockets.
    PileRetired = "pile_retired", 409, "该充电桩已停用", "The pile is retired";
    /// The socket is retired and does not return to service.
    SocketRetired = "socket_retired", 409, "该充电口已停用", "The socket is retired";
    /// The maintenance window has started: its time and reason can no longer be changed (it
    /// can still be cancelled until it ends).
    MaintenanceStarted = "maintenance_started", 409, "维护已经开始，不能再修改时间或原因", "The maintenance window has started; its time and reason can no longer be changed";
    /// The maintenance window is over and can no longer be cancelled.
    MaintenanceEnded = "maintenance_ended", 409, "维护已经结束，不能取消", "The maintenance window is over and cannot be cancelled";
    /// The maintenance window was cancelled and can no longer be changed.
    MaintenanceCancelled = "maintenance_cancelled", 409, "该维护已取消，不能修改", "The maintenance window was cancelled and cannot be changed";
    /// The socket's state changed between reading and writing it; read it again.
    SocketStateChanged = "socket_state_changed", 409, "充电口状态刚刚发生变化，请刷新后重试", "The socket's state changed meanwhile; read it and try again";
    /// The household already holds as many active bookings as allowed.
    HouseholdQuotaReached = "household_quota_reached", 422, "您家已有进行中的充电预约", "Your household already has the allowed number of active bookings";
    /// Booking is suspended after repeated no-shows, until `details.until`.
    BookingSuspended = "booking_suspended", 422, "因多次预约未到，暂停预约", "Booking is suspended after repeated no-shows";
    /// The account is not bound to a household yet (bind with the convenience card).
    HouseholdRequired = "household_required", 422, "请先用便民服务卡绑定您家", "Bind your household with its card first";
    /// The socket is in a compound that is neither the household's nor open to the whole
    /// community (`details.compound_id`).
    CompoundNotYours = "compound_not_yours", 403, "只能预约本小区的充电桩（本小区以外仅限向全社区开放的小区）", "You may book only in your own compound, or in one open to the whole community";
    /// The compound has no price plan yet (`details.compound_id`).
    PricePlanMissing = "price_plan_missing", 404, "该小区尚未设置充电收费方案", "This compound has no price plan yet";
    /// Someone else changed the compound's price plan at the same moment; read it and try again.
    PricePlanChanged = "price_plan_changed", 409, "收费方案刚刚被修改，请刷新后重试", "The price plan changed meanwhile; read it and try again";
    /// The booking can no longer be cancelled (already ended, cancelled or released).
    BookingNotCancellable = "booking_not_cancellable", 409, "该预约已结束或已取消", "This booking can no longer be cancelled";
    /// Check-in is not open yet (`details.opens_at`).
    CheckInTooEarly = "check_in_too_early", 422, "还未到签到时间", "Check-in is not open yet";
    /// The check-in grace period is over (`details.closed_at`); the booking is released.
    CheckInTooLate = "check_in_too_late", 422, "已超过签到时间，预约已失效", "The check-in period is over";
    /// The scanned code is not this booking's socket.
    WrongSocketCode = "wrong_socket_code", 422, "扫描的不是预约的充电口", "This is not the booked socket";
    /// The booking is not in a state that allows this (e.g. finishing before check-in).
    BookingStateInvalid = "booking_state_invalid", 409, "当前预约状态不允许此操作", "The booking's state does not allow this";
    /// The pile has not been heard from within two heartbeat intervals: charging cannot be
    /// started now.
    PileOffline = "pile_offline", 409, "充电桩离线，暂时无法启动充电，请稍后再试或联系物业", "The pile is offline; charging cannot start now";
    /// The pile is not driven by Linli's device gateway: start it at the pile.
    PileNotConnected = "pile_not_connected", 409, "该充电桩未接入远程启动，请在充电桩上操作", "The pile is not connected to the gateway; start it at the pile";
    /// The current slot cannot be booked while the socket's pile is offline (later slots can).
    PileOfflineNow = "pile_offline_now", 422, "充电桩离线，当前时段不能预约，可以预约之后的时段", "The pile is offline: the current slot cannot be booked; later slots can";
    /// The pile reports the socket faulted (the fault's meaning follows the message): it
    /// cannot be booked for the current slot nor charged on now.
    SocketFaulted = "socket_faulted", 422, "充电口故障，暂时不能使用，请换一个充电口", "The pile reports this socket faulted; it cannot be used now";
    /// Walk-up charging needs the socket free now and in the next slot: it is booked (or
    /// held) from `details.booked_from`.
    SocketBookedSoon = "socket_booked_soon", 409, "该充电口当前或下一时段已被预约，请换一个充电口或预约空闲时段", "This socket is booked now or in the next slot";
    /// The socket already has a charging session under way.
    ChargingInProgress = "charging_in_progress", 409, "该充电口已有进行中的充电", "This socket already has a charging session under way";
    /// This physical id is already bound to a pile: retire that device first.
    DeviceAlreadyRegistered = "device_already_registered", 409, "该设备编号已登记在其他充电桩上，请先解绑", "This physical id is already registered; retire that device first";
    /// The pile already has a device bound: retire it first.
    PileHasDevice = "pile_has_device", 409, "该充电桩已绑定设备，请先解绑原设备", "The pile already has a device; retire it first";
    /// A session is under way on the device: stop it (or wait for it to settle) first.
    DeviceInUse = "device_in_use", 409, "该设备上有正在进行的充电，结束后才能解绑", "A charging session is under way on this device; it cannot be retired now";
    /// The device was retired already.
    DeviceRetired = "device_retired", 409, "该设备已解绑", "The device is already retired";
    /// The session is over (settled or failed) and was never asked to stop: nothing to stop.
    ChargingSessionEnded = "charging_session_ended", 409, "该充电已结束，无需停止", "The charging session has already ended";
    /// The requested time is free: book it instead of queueing.
    SlotAvailable = "slot_available", 422, "该时段可直接预约，无需候补", "This time is free: book it directly";
    /// You are already queued for this time.
    AlreadyWaitlisted = "already_waitlisted", 409, "您已在候补队列中", "You are already on this waitlist";
    /// The waitlist offer expired or was already answered.
    OfferNotPending = "offer_not_pending", 409, "候补名额已失效", "This offer is no longer open";
    // --- partners ---
    /// Unknown API client, wrong secret, or a revoked client.
    InvalidClient = "invalid_client", 401, "客户端凭证无效", "Invalid client credentials";
    /// The partner token lacks the scope this call needs (`details.required`).
    InsufficientScope = "insufficient_scope", 403, "该凭证没有此操作的权限范围", "The token lacks the required scope";
    /// A webhook URL points at a loopback, private or otherwise internal address.
    WebhookUrlNotAllowed = "webhook_url_not_allowed", 422, "回调地址不能指向内部网络", "Webhook URLs may not point at internal addresses";
    // --- cards and directory ---
    /// The household already has an active card: revoke or reissue it instead.
    HouseholdHasActiveCard = "household_has_active_card", 409, "该住户已有有效的便民服务卡", "The household already has an active card";
    /// The card was revoked: it cannot be revoked or reprinted again; issue a new card.
    CardNotActive = "card_not_active", 409, "该便民服务卡已注销", "The card has been revoked";
    /// The account is not bound to a household yet: bind it with the card first.
    HouseholdNotBound = "household_not_bound", 404, "尚未绑定住户，请先用便民服务卡绑定", "No household is bound to this account yet";
    /// The role contact is retired.
    RoleContactRetired = "role_contact_retired", 409, "该联系人已停用", "The role contact is retired";
    /// The role contact still covers compounds or buildings: reassign them first.
    RoleContactInUse = "role_contact_in_use", 409, "该联系人仍负责楼栋或小区，请先调整分工", "The role contact still covers places; reassign them first";
    /// A role contact can only cover places of their own community.
    RoleContactWrongCommunity = "role_contact_wrong_community", 422, "联系人与楼栋不属于同一社区", "The role contact belongs to another community";
    /// The service is retired and cannot be changed or reported.
    ServiceRetired = "service_retired", 409, "该服务已停止", "The service is retired";
    /// You already have an open report about this entry.
    ReportAlreadyOpen = "report_already_open", 409, "您已反馈过该条目，工作人员正在处理", "You already reported this entry; staff are on it";
    /// The report was already resolved.
    ReportNotOpen = "report_not_open", 409, "该反馈已处理", "The report was already resolved";
    /// Another organization has this name.
    OrganizationNameTaken = "organization_name_taken", 409, "机构名称已存在", "An organization with this name exists";
    // --- volunteering ---
    /// A volunteer team with this name already exists.
    TeamNameTaken = "team_name_taken", 409, "已有同名的志愿服务队", "A team with this name already exists";
    /// The caller is already a member of the team.
    AlreadyTeamMember = "already_team_member", 409, "你已经是该服务队的成员", "You are already a member of this team";
    /// The user is not a member of the team.
    NotTeamMember = "not_team_member", 409, "不是该服务队的成员", "Not a member of this team";
    /// Only the team's leaders (or staff) may manage its activities, roster and exports.
    NotTeamLeader = "not_team_leader", 403, "只有该服务队的队长或社区工作人员可以这样做", "Only this team's leaders or staff may do this";
    /// The activity was cancelled or is closed.
    ActivityNotOpen = "activity_not_open", 409, "活动已取消或已结束", "The activity was cancelled or has ended";
    /// The activity has started: it can no longer be edited, cancelled or left.
    ActivityAlreadyStarted = "activity_already_started", 409, "活动已经开始", "The activity has already started";
    /// The sign-up deadline has passed (`details.signup_deadline`).
    SignupDeadlinePassed = "signup_deadline_passed", 422, "报名已截止", "The sign-up deadline has passed";
    /// The caller already has a live (confirmed or waitlisted) sign-up for this activity.
    AlreadySignedUp = "already_signed_up", 409, "你已经报名了这个活动", "You are already signed up for this activity";
    /// The activity requires skills the caller's volunteer profile lacks (`details.missing`).
    MissingRequiredSkill = "missing_required_skill", 422, "该活动需要你尚未登记的技能", "The activity requires a skill your volunteer profile does not list";
    /// The sign-up was already cancelled.
    SignupNotLive = "signup_not_live", 409, "该报名已取消", "This sign-up was already cancelled";
    /// Only a confirmed sign-up can be checked in (not a waitlisted one, nor none).
    SignupNotConfirmed = "signup_not_confirmed", 409, "只有已确认报名的志愿者才能签到", "Only volunteers with a confirmed seat can check in";
    /// The capacity cannot go below the seats already confirmed (`details.seats_taken`).
    CapacityBelowConfirmed = "capacity_below_confirmed", 422, "名额不能少于已确认报名的人数", "Capacity cannot be below the confirmed sign-ups";
    /// The on-site check-in code is wrong.
    CheckinCodeWrong = "checkin_code_wrong", 422, "签到码不正确", "The check-in code is wrong";
    /// Check-in is open from 30 minutes before the start until the end (`details.opens_at`, `details.closes_at`).
    CheckinWindowClosed = "checkin_window_closed", 422, "不在签到时间内（活动开始前30分钟至活动结束）", "Check-in is open from 30 minutes before the start until the end";
    /// The volunteer has not checked in, so cannot be checked out.
    NotCheckedIn = "not_checked_in", 409, "该志愿者尚未签到", "The volunteer has not checked in";
    /// The volunteer was already checked out (their hours are credited).
    AlreadyCheckedOut = "already_checked_out", 409, "该志愿者已经签退", "The volunteer has already checked out";
    /// The activity has not ended yet, so it cannot be closed.
    ActivityNotEnded = "activity_not_ended", 409, "活动尚未结束", "The activity has not ended yet";
    /// Not enough points (`details.balance`, `details.needed`).
    InsufficientPoints = "insufficient_points", 422, "积分不足", "Not enough points";
    /// Not enough of the item left (`details.stock`).
    OutOfStock = "out_of_stock", 409, "库存不足", "Out of stock";
    /// The item is not offered any more.
    ItemUnavailable = "item_unavailable", 409, "该商品已下架", "This item is no longer offered";
    /// No redemption has this pickup code.
    PickupCodeNotFound = "pickup_code_not_found", 404, "取货码不存在", "No redemption has this pickup code";
    /// The redemption was already handed over.
    RedemptionAlreadyCollected = "redemption_already_collected", 409, "该兑换已领取", "This redemption was already collected";
    /// Only volunteers (team members) or registered party members may claim micro-wishes.
    VolunteerRequired = "volunteer_required", 403, "只有志愿者或登记的在职党员可以认领微心愿", "Only volunteers or registered party members can claim micro-wishes";
    /// A resident cannot claim their own micro-wish.
    CannotClaimOwnWish = "cannot_claim_own_wish", 422, "不能认领自己发布的微心愿", "You cannot claim your own micro-wish";
    /// Someone else claimed the micro-wish first.
    WishAlreadyClaimed = "wish_already_claimed", 409, "该微心愿已被他人认领", "Someone else has already claimed this micro-wish";
    /// The micro-wish is no longer open (fulfilled, confirmed or withdrawn).
    WishNotOpen = "wish_not_open", 409, "该微心愿已不在待认领状态", "This micro-wish is no longer open";
    /// The caller has not claimed this micro-wish, or it is no longer in the claimed state.
    WishNotClaimedByYou = "wish_not_claimed_by_you", 409, "你没有认领这个微心愿，或它已完成", "You have not claimed this micro-wish, or it is no longer claimed";
    /// The micro-wish has not been marked fulfilled yet.
    WishNotFulfilled = "wish_not_fulfilled", 409, "该微心愿尚未标记为已完成", "This micro-wish has not been marked fulfilled";
    /// The membership is not waiting for a decision (already approved).
    MembershipNotPending = "membership_not_pending", 409, "该入队申请已处理", "This membership request was already decided";
    /// Poster and claimer of a micro-wish live in the same household.
    SameHousehold = "same_household", 422, "不能认领同一户家人发布的微心愿", "You cannot claim a micro-wish posted from your own household";
    /// The volunteer already holds as many unfinished claims as allowed (`details.max`).
    WishClaimLimitReached = "wish_claim_limit_reached", 422, "你认领的微心愿已达上限，请先完成已认领的心愿", "You already hold the allowed number of open claims";
    /// The resident already has as many unsettled micro-wishes as allowed (`details.max`).
    WishPostLimitReached = "wish_post_limit_reached", 422, "你发布的未完成微心愿已达上限", "You already have the allowed number of open micro-wishes";
    /// The micro-wish is not disputed, so there is nothing to settle.
    WishNotDisputed = "wish_not_disputed", 409, "该微心愿没有异议需要处理", "This micro-wish is not disputed";
    /// Staff may not credit points to themselves, change their own role or flags, or settle
    /// their own micro-wish.
    SelfActionForbidden = "self_action_forbidden", 403, "不能为自己操作积分、角色或标记", "You cannot do this for your own account";
    /// The adjustment request was already approved or rejected.
    AdjustmentNotPending = "adjustment_not_pending", 409, "该积分调整已处理", "This points adjustment was already decided";
    /// A large adjustment needs a second staff member: the requester cannot approve it.
    SecondApproverRequired = "second_approver_required", 403, "需要另一位工作人员审批", "Another staff member must approve this adjustment";
    // --- households ---
    /// The household membership request was already decided (approved, rejected or withdrawn).
    MemberRequestNotPending = "member_request_not_pending", 409, "该入户申请已处理", "This household membership request was already decided";
    /// The membership has already ended (revoked, rejected or expired).
    MembershipNotActive = "membership_not_active", 409, "该住户成员关系已结束", "This household membership has already ended";
    /// The household has as many active members as allowed (`details.max`).
    HouseholdFull = "household_full", 409, "该住户的成员人数已达上限", "The household already has the allowed number of members";
    /// The account already belongs to, or asked to join, another household
    /// (`details.household_id`): leave it first.
    MembershipExists = "membership_exists", 409, "您已加入或正在申请加入其他住户，请先退出", "You already belong to, or asked to join, another household; leave it first";
}

/// The language of messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Pick English only when the client's most preferred language is English.
    pub fn from_accept_language(value: Option<&str>) -> Lang {
        let Some(value) = value else { return Lang::Zh };
        let mut best: Option<(f32, &str)> = None;
        for part in value.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if !tag.is_empty() && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, tag));
            }
        }
        match best {
            Some((_, tag)) if tag.to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
}

/// 所有错误响应的 JSON 正文。
///
/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "validation_failed", "message": "请求参数不正确：必须是 RFC 3339 时间", "field": "starts_at"}))]
pub struct ErrorBody {
    /// 稳定、供程序判断的错误码。
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// 按客户端偏好语言的可读说明（默认中文）。
    /// Human-readable message in the language the client prefers (Chinese by default).
    pub message: String,
    /// 出错的请求字段、查询参数或路径段（若有）。
    /// The request field, query parameter or path segment at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// 错误的其他结构化信息（例如停用时的 `until`）。
    /// Extra structured facts about the error (for example `until` for a suspension).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// An error an endpoint answers with. Build it with the constructors; map it to a response
/// with [`ApiError::render`]. Boxed so `Result<T, ApiError>` stays small on the happy path.
#[derive(Debug)]
pub struct ApiError(Box<ApiErrorInner>);

/// The parts of an [`ApiError`], reachable through `Deref`.
#[derive(Debug)]
pub struct ApiErrorInner {
    pub code: ErrorCode,
    pub field: Option<String>,
    /// Why, in plain words, appended to the message (kept short; never contains secrets).
    pub reason: Option<String>,
    pub details: Option<serde_json::Value>,
    pub retry_after: Option<u64>,
    /// Internal cause, logged for 5xx and never sent to the client.
    pub internal: Option<String>,
    /// A transient database lock conflict: [`crate::db::transaction`] runs the work again.
    pub retryable: bool,
    /// The database connection was lost (or timed out): when that happened before `COMMIT`,
    /// [`crate::db::transaction`] runs the work again on a fresh connection.
    pub connection_lost: bool,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError(Box::new(ApiErrorInner {
            code,
            field: None,
            reason: None,
            details: None,
            retry_after: None,
            internal: None,
            retryable: false,
            connection_lost: false,
        }))
    }

    /// A field-level validation error: `field` names the offending input.
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed)
            .with_field(field)
            .with_reason(reason)
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound)
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden)
    }

    pub fn internal(cause: impl fmt::Display) -> Self {
        let mut e = Self::new(ErrorCode::InternalError);
        e.internal = Some(cause.to_string());
        e
    }

    pub fn unavailable(cause: impl fmt::Display) -> Self {
        let mut e = Self::new(ErrorCode::ServiceUnavailable).with_retry_after(2);
        e.internal = Some(cause.to_string());
        e
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The error for a bare status, used when something outside our handlers (the router,
    /// a payload limit) produced an error without our shape.
    pub fn from_status(status: StatusCode) -> Self {
        let code = match status.as_u16() {
            400 => ErrorCode::ValidationFailed,
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            408 => ErrorCode::RequestTimeout,
            413 => ErrorCode::PayloadTooLarge,
            414 => ErrorCode::UriTooLong,
            431 => ErrorCode::HeadersTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::ServiceUnavailable,
            _ if status.is_client_error() => ErrorCode::ValidationFailed,
            _ => ErrorCode::InternalError,
        };
        Self::new(code)
    }

    pub fn body(&self, lang: Lang) -> ErrorBody {
        let base = self.code.message(lang);
        let message = match &self.reason {
            Some(r) if lang == Lang::Zh => format!("{base}：{r}"),
            Some(r) => format!("{base}: {r}"),
            None => base.to_owned(),
        };
        ErrorBody {
            code: self.code,
            message,
            field: self.field.clone(),
            details: self.details.clone(),
        }
    }

    /// The HTTP response for this error in the given language.
    pub fn render(&self, lang: Lang) -> HttpResponse {
        let status = self.code.status();
        let mut builder = HttpResponse::build(status);
        if let Some(secs) = self.retry_after {
            builder.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        builder
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(self.body(lang))
    }
}

impl std::ops::Deref for ApiError {
    type Target = ApiErrorInner;
    fn deref(&self) -> &ApiErrorInner {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ApiErrorInner {
        &mut self.0
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code.as_str())?;
        if let Some(field) = &self.field {
            write!(f, " (field {field})")?;
        }
        if let Some(internal) = &self.internal {
            write!(f, ": {internal}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.render(Lang::Zh)
    }
}

/// A stored value the code does not know: the row cannot be trusted, so the request fails
/// (500, the cause logged) instead of acting on a guess.
impl From<crate::db::text_enum::UnknownValue> for ApiError {
    fn from(e: crate::db::text_enum::UnknownValue) -> Self {
        ApiError::internal(e)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::Error;
        if crate::db::is_retryable(&e) {
            // Only reached when the retries ran out: the client may try again shortly.
            let mut err = ApiError::unavailable(e);
            err.retryable = true;
            return err;
        }
        match &e {
            Error::NotFound => ApiError::not_found(),
            _ if is_database_gone(&e) => {
                let mut err = ApiError::unavailable(e);
                err.connection_lost = true;
                err
            }
            _ => ApiError::internal(e),
        }
    }
}

/// Whether a Diesel error means the database went away (a 503, worth retrying), including
/// the forms it takes inside a transaction: a failed `COMMIT` whose `ROLLBACK` failed too,
/// and a connection whose transaction state broke with it.
pub fn is_database_gone(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _)
        | Error::BrokenTransactionManager => true,
        Error::DatabaseError(_, info) => crate::db::is_connection_lost(info.message()),
        Error::RollbackErrorOnCommit { commit_error, .. } => is_database_gone(commit_error),
        _ => false,
    }
}

impl crate::db::Retryable for ApiError {
    fn is_retryable(&self) -> bool {
        self.retryable
    }

    fn is_connection_lost(&self) -> bool {
        self.connection_lost
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        ApiError::unavailable(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_wire_name_and_a_4xx_or_5xx() {
        for code in ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
            assert!(code.status().as_u16() >= 400, "{code:?}");
        }
    }

    #[test]
    fn accept_language_prefers_chinese_unless_english_first() {
        assert_eq!(Lang::from_accept_language(None), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-CN,en;q=0.8")), Lang::Zh);
        assert_eq!(
            Lang::from_accept_language(Some("zh;q=0.5,en;q=0.9")),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language(Some("garbage;;")), Lang::Zh);
    }

    #[test]
    fn message_includes_reason_and_field() {
        let e = ApiError::validation("starts_at", "必须是 RFC 3339 时间");
        let body = e.body(Lang::Zh);
        assert_eq!(body.field.as_deref(), Some("starts_at"));
        assert!(body.message.contains("RFC 3339"));
        assert_eq!(e.code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
