//! The OpenAPI document. Each operation is declared once, by its handler's `#[utoipa::path]`:
//! registering the route (each area's `routes`, through `utoipa_actix_web`) also puts it and
//! the schemas it uses in the document. [`ApiDoc`] holds what no route declares (info, tags,
//! security schemes, extra schemas, the webhooks); [`Conventions`] then adds what every
//! operation shares. [`document`] builds it exactly as the server does (`crate::with_api`);
//! served at `/api/openapi.json`, committed as `openapi/openapi.json` (a test keeps them equal).

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ArrayItems, Schema};
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorCode};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Linli 邻里 API",
        description = "邻里：县城社区便民服务的后端——电动自行车充电预约、便民服务卡查询、志愿服务报名。\n\n\
约定：JSON 字段用 snake_case；时间为 RFC 3339（返回 UTC）；列表参数 `?page=&per_page=`（每页最多 100），\
返回 `{items, page, per_page, total}`；错误统一为 `{code, message, field?, details?}`，`code` 稳定（见 `ErrorCode`），\
`message` 默认简体中文；手机可能重试的 POST 接受 `Idempotency-Key` 请求头；每个响应带 `X-Request-Id`。\
试用：见右上角 Authorize 中的说明（开发登录取令牌）。\n\n\
(Back end of a county town's neighbourhood services: e-bike charging bookings, \
convenience-card lookups and volunteer sign-ups.)\n\n\
Conventions: JSON in snake_case; times in RFC 3339 (returned in UTC); lists take \
`?page=&per_page=` (at most 100) and answer `{items, page, per_page, total}`; every error is \
`{code, message, field?, details?}` with a stable `code` (see the `ErrorCode` schema), \
messages in Simplified Chinese unless `Accept-Language` prefers English; POSTs that a phone \
may retry accept an `Idempotency-Key` header; every response carries `X-Request-Id`.",
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "The server this document is served from (`/api/openapi.json`)")),
    components(schemas(
        ErrorBody,
        ErrorCode,
        crate::devices::dto::StopReason,
        crate::devices::dto::StartFailure,
        crate::devices::dto::ReadingFlag,
        crate::devices::dto::LiveState
    )),
    modifiers(&SchemesAndWebhooks),
    tags(
        (name = "auth", description = "登录（微信小程序）、刷新令牌与退出 (login, token refresh, logout)"),
        (name = "me", description = "当前用户与其家庭 (the signed-in user and their household)"),
        (name = "households", description = "住户成员：户主、家庭成员与租户，入户申请的审核、移除与租期 (household members)"),
        (name = "places", description = "社区、网格、小区与楼栋 (communities, grids, compounds, buildings)"),
        (name = "privacy", description = "个人信息：手机号（加密存储、脱敏显示、工作人员查看留痕）、导出我的数据、注销账号 (personal data)"),
        (name = "notifications", description = "站内消息通知 (the in-app inbox)"),
        // charging
        (name = "charging", description = "电动自行车充电：充电桩、可预约时段、预约、签到、候补、维护、插座贴纸打印 (e-bike charging)"),
        (name = "devices", description = "充电桩设备（工作人员）：设备编号白名单的登记与解绑、在线状态与故障、各充电桩的充电记录 (pile devices)"),
        (name = "prices", description = "充电收费方案：按功率分档计价、预付金额报价（尚未开通支付） (charging price plans and quotes; no payment yet)"),
        // partners
        (name = "partner", description = "物业公司接口（Partner API）：服务器对服务器，OAuth 2 client-credentials 令牌（安全方案 `partner`），只能访问本物业的小区"),
        (name = "partner-admin", description = "工作人员管理物业公司、API 客户端和审计日志（Partner administration）"),
        // cards and directory
        (name = "cards", description = "便民服务卡：扫码查询（无需登录，限频，ETag 缓存）、我家的卡、工作人员管理与打印服务卡及“三长三员一民警”联系人 (convenience cards)"),
        (name = "directory", description = "便民服务目录（参照 Open Referral HSDS）：分类、搜索（关键词、分类、距离、正在营业）、服务、机构、地点、居民纠错 (service directory)"),
        // volunteering
        (name = "volunteer-teams", description = "志愿服务队：成员、队长与志愿者资料 (volunteer teams)"),
        (name = "activities", description = "志愿活动：列表、创建、修改、取消、结束；名单与 CSV 导出 (volunteer activities)"),
        (name = "signups", description = "活动报名（名额公平分配、候补）、取消、签到与签退 (sign-ups)"),
        (name = "points", description = "积分：只增不改的积分流水与余额 (the points ledger)"),
        (name = "points-shop", description = "积分超市：商品、兑换、取货 (the points supermarket)"),
        (name = "wishes", description = "微心愿：发布、认领、完成、确认 (micro-wishes)"),
        (name = "calendar", description = "个人活动日历订阅（iCalendar） (calendar feeds)"),
        (name = "ops", description = "运行状态：存活与就绪检查 (health and readiness)"),
    )
)]
pub struct ApiDoc;

/// The security schemes operations name, and what Linli sends to partners' webhook
/// subscriptions (OpenAPI 3.1 `webhooks`).
struct SchemesAndWebhooks;

impl Modify for SchemesAndWebhooks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "访问令牌（JWT）：由 `POST /api/v1/auth/wechat`（微信小程序登录）或 `POST /api/v1/auth/refresh` 取得。\n\n\
演示环境（`scripts/run`，开启了开发登录 `LINLI_DEV_LOGIN=1`）取令牌：在下方 `auth` 分组打开 `POST /api/v1/auth/dev`，\
点 Try it out，请求体填 `{\"openid\": \"demo\", \"role\": \"resident\"}`（工作人员用 `\"role\": \"staff\"`），\
执行后复制响应里的 `access_token`，粘贴到这里（不带 `Bearer ` 前缀）。绑定我家用的卡号与校验码在 `scripts/run` 启动时打印。\n\n\
(Access token. In the demo, get one from the development login `POST /api/v1/auth/dev` and paste its `access_token` here.)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "Partner client id and secret at the token endpoint \
                         (`POST /api/v1/partner/token`), as OAuth 2 allows",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "partner",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/api/v1/partner/token",
                    Scopes::from_iter(
                        crate::partners::Scope::ALL.map(|s| (s.as_str(), s.description())),
                    ),
                ))],
                "Property-firm API clients: exchange client id and secret for a token",
            )),
        );
        let mut webhooks = utoipa::openapi::Paths::new();
        for (event, mut item) in crate::events::envelope::webhook_items() {
            for op in operations(&mut item) {
                op.operation_id = Some(format!("webhook_{}", event.replace('.', "_")));
                // Linli proves who it is by the `webhook-signature` header the operation
                // describes; no OpenAPI security scheme states an HMAC signature.
                op.security = Some(Vec::new());
            }
            webhooks.paths.insert(event, item);
        }
        openapi.webhooks = Some(webhooks);
    }
}

/// What every operation shares, added once the routes have put their operations in the
/// document: the error responses in the one shape, and what an `Idempotency-Key` may be; and
/// pages that name their item type.
pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if let Some(op) = item.post.as_mut() {
                declare_partner_idempotency_key(path, op);
            }
            for op in operations(item) {
                add_error_responses(op);
                describe_idempotency_key(op);
            }
        }
        refer_to_page_items(openapi);
    }
}

/// utoipa writes a page's item type out in full inside each `Page_T` (it always inlines generic
/// arguments) and lists `T` among the schemas too, where nothing would refer to it. The page
/// refers to `T` instead: each type is named once, and the typed client names the items.
fn refer_to_page_items(openapi: &mut utoipa::openapi::OpenApi) {
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let schemas = &mut components.schemas;
    let pages: Vec<String> = schemas
        .keys()
        .filter(|name| name.starts_with("Page_"))
        .cloned()
        .collect();
    for page in pages {
        let item_name = &page["Page_".len()..];
        let Some(item) = schemas.get(item_name).cloned() else {
            continue;
        };
        let Some(RefOr::T(Schema::Object(page))) = schemas.get_mut(&page) else {
            continue;
        };
        let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") else {
            continue;
        };
        if let ArrayItems::RefOrSchema(inline) = &mut items.items {
            if **inline == item {
                **inline = RefOr::Ref(Ref::from_schema_name(item_name));
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Every partner and partner-admin POST (all create or change something) declares the
/// `Idempotency-Key` header the middleware honours on every authenticated POST; the token
/// endpoint, which takes no bearer token, does not.
fn declare_partner_idempotency_key(path: &str, op: &mut Operation) {
    let partner = [
        "/api/v1/partner/",
        "/api/v1/partners",
        "/api/v1/partner-clients/",
    ]
    .iter()
    .any(|p| path.starts_with(p));
    if !partner || path == "/api/v1/partner/token" {
        return;
    }
    let params = op.parameters.get_or_insert_with(Vec::new);
    let declared = params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("idempotency-key")));
    if !declared {
        params.push(RefOr::T(
            utoipa::openapi::path::ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(utoipa::openapi::path::ParameterIn::Header)
                .required(utoipa::openapi::Required::False)
                .description(Some(
                    "重试键：24 小时内用同一键再次发送同一请求，得到第一次的应答\
                     （`Idempotent-Replayed: true`），不会重复执行。Retry key: the same key and \
                     request again within 24 hours gets the first answer \
                     (`Idempotent-Replayed: true`) and does nothing twice",
                ))
                .build(),
        ));
    }
}

/// The `Idempotency-Key` header, wherever an operation declares it, is what the middleware
/// accepts: 1 to 255 visible ASCII characters (anything else → 400 `invalid_idempotency_key`).
fn describe_idempotency_key(op: &mut Operation) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    for p in op.parameters.iter_mut().flatten() {
        let RefOr::T(p) = p else { continue };
        if p.name.eq_ignore_ascii_case("idempotency-key") {
            p.schema = Some(RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255))
                    .pattern(Some("^[!-~]+$"))
                    .build(),
            )));
        }
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody")))),
            )
            .build(),
    )
}

/// 401 and 403 only where a credential is required: not on public operations
/// (`security: []`) nor where a token is optional (an empty requirement among the others).
fn add_error_responses(op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| {
        !s.is_empty() && !s.contains(&utoipa::openapi::security::SecurityRequirement::default())
    });
    let responses = &mut op.responses.responses;
    if secured {
        responses.entry("401".into()).or_insert_with(|| {
            error_response("`unauthorized`, `invalid_token` or `token_expired`")
        });
        responses.entry("403".into()).or_insert_with(|| {
            error_response("`forbidden`: the role or scope does not allow this")
        });
    }
    responses.entry("4XX".into()).or_insert_with(|| {
        error_response(
            "Client error in the one error shape (e.g. `validation_failed` naming the field)",
        )
    });
    responses.entry("5XX".into()).or_insert_with(|| {
        error_response("`service_unavailable` (with `Retry-After`) or `internal_error`")
    });
}

/// The document the server serves, built the same way (its value does not depend on the
/// configuration: the development login is documented even when off).
pub fn document() -> utoipa::openapi::OpenApi {
    crate::with_api(actix_web::App::new(), false).1
}

/// The document as pretty JSON with a trailing newline, as committed.
pub fn document_json() -> String {
    let mut s = document().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}

/// Move every date in the document's examples (`example`/`examples`, as `YYYY-MM-DD` or the
/// date part of an RFC 3339 time) forward by whole days, so that the earliest lies after
/// `today`: the served docs show bookings and activities a reader can actually try. The
/// committed document keeps the dates as written; the server applies this when it starts.
pub fn future_examples(doc: &mut serde_json::Value, today: chrono::NaiveDate) {
    fn dates(v: &mut serde_json::Value, in_example: bool, f: &mut dyn FnMut(&mut String)) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    dates(child, in_example || k == "example" || k == "examples", f);
                }
            }
            serde_json::Value::Array(items) => {
                for child in items {
                    dates(child, in_example, f);
                }
            }
            serde_json::Value::String(s) if in_example && leading_date(s).is_some() => f(s),
            _ => {}
        }
    }
    fn leading_date(s: &str) -> Option<chrono::NaiveDate> {
        let head = s.get(..10)?;
        if s.len() > 10 && !s[10..].starts_with('T') {
            return None;
        }
        chrono::NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
    }
    let mut earliest: Option<chrono::NaiveDate> = None;
    dates(doc, false, &mut |s| {
        let d = leading_date(s);
        earliest = earliest.min(d).or(d);
    });
    let Some(earliest) = earliest else { return };
    let shift = (today - earliest).num_days() + 1;
    if shift <= 0 {
        return;
    }
    dates(doc, false, &mut |s| {
        if let Some(d) = leading_date(s) {
            let moved = d + chrono::Duration::days(shift);
            s.replace_range(..10, &moved.format("%Y-%m-%d").to_string());
        }
    });
}

/// [`future_examples`] on a built document (unchanged if it does not convert).
pub fn with_future_examples(
    doc: utoipa::openapi::OpenApi,
    today: chrono::NaiveDate,
) -> utoipa::openapi::OpenApi {
    let Ok(mut value) = serde_json::to_value(&doc) else {
        return doc;
    };
    future_examples(&mut value, today);
    serde_json::from_value(value).unwrap_or(doc)
}

#[cfg(test)]
mod chinese_docs_tests {
    /// Whether `s` has a CJK unified ideograph (a Chinese character).
    fn has_chinese(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    fn document() -> serde_json::Value {
        serde_json::from_str(&super::document_json()).expect("the document is JSON")
    }

    #[test]
    fn every_operation_has_a_chinese_summary() {
        let doc = document();
        let mut missing = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if op.get("operationId").is_none() {
                    continue;
                }
                if !op["summary"].as_str().is_some_and(has_chinese) {
                    missing.push(format!("{method} {path}"));
                }
            }
        }
        assert!(missing.is_empty(), "no Chinese summary: {missing:#?}");
    }

    #[test]
    fn every_tag_is_described_in_chinese() {
        for tag in document()["tags"].as_array().expect("tags") {
            let name = tag["name"].as_str().unwrap_or_default();
            assert!(
                tag["description"].as_str().is_some_and(has_chinese),
                "{name}"
            );
        }
    }

    #[test]
    fn every_component_schema_is_described_in_chinese() {
        let doc = document();
        let missing: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .expect("schemas")
            .iter()
            .filter(|(_, schema)| !schema["description"].as_str().is_some_and(has_chinese))
            .map(|(name, _)| name)
            .collect();
        assert!(missing.is_empty(), "no Chinese description: {missing:#?}");
    }

    #[test]
    fn every_operation_has_a_chinese_description() {
        let doc = document();
        let mut missing = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if !op["description"].as_str().is_some_and(has_chinese) {
                    missing.push(format!("{method} {path}"));
                }
            }
        }
        assert!(missing.is_empty(), "no Chinese description: {missing:#?}");
    }

    /// Add `value`'s schema references, and theirs in turn, to `seen`.
    fn referenced_schemas(
        doc: &serde_json::Value,
        value: &serde_json::Value,
        seen: &mut std::collections::BTreeSet<String>,
    ) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    let name = v
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"));
                    match name {
                        Some(name) if key == "$ref" => {
                            if seen.insert(name.to_owned()) {
                                referenced_schemas(doc, &doc["components"]["schemas"][name], seen);
                            }
                        }
                        _ => referenced_schemas(doc, v, seen),
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    referenced_schemas(doc, v, seen);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_field_and_parameter_a_partner_sees_is_described_in_chinese() {
        let doc = document();
        let mut schemas = std::collections::BTreeSet::from(["WebhookEvent".to_owned()]);
        referenced_schemas(
            &doc,
            &doc["components"]["schemas"]["WebhookEvent"],
            &mut schemas,
        );
        let mut missing = Vec::new();
        for item in doc["paths"].as_object().expect("paths").values() {
            for op in item.as_object().expect("path item").values() {
                let partner = op["tags"].as_array().is_some_and(|tags| {
                    tags.iter().any(|t| t == "partner" || t == "partner-admin")
                });
                if !partner {
                    continue;
                }
                referenced_schemas(&doc, op, &mut schemas);
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if !p["description"].as_str().is_some_and(has_chinese) {
                        missing.push(format!("{} parameter {}", op["operationId"], p["name"]));
                    }
                }
            }
        }
        assert!(schemas.contains("PartnerPileView") && schemas.contains("BookingEventData"));
        for name in &schemas {
            let properties = doc["components"]["schemas"][name]["properties"].as_object();
            for (field, p) in properties.into_iter().flatten() {
                if !p["description"].as_str().is_some_and(has_chinese) {
                    missing.push(format!("{name}.{field}"));
                }
            }
        }
        assert!(missing.is_empty(), "no Chinese description: {missing:#?}");
    }

    #[test]
    fn example_dates_move_after_today_and_nothing_else_does() {
        let mut v = serde_json::json!({
            "example": {"starts_at": "2026-12-01T19:00:00+08:00", "day": "2026-11-30", "code": "2026-11-30x"},
            "description": "2026-11-01",
        });
        let today = chrono::NaiveDate::from_ymd_opt(2027, 1, 10).unwrap();
        super::future_examples(&mut v, today);
        assert_eq!(v["example"]["day"], "2027-01-11");
        assert_eq!(v["example"]["starts_at"], "2027-01-12T19:00:00+08:00");
        assert_eq!(v["example"]["code"], "2026-11-30x");
        assert_eq!(v["description"], "2026-11-01");
    }

    #[test]
    fn the_authorize_dialog_says_how_to_get_a_demo_token() {
        let doc = document();
        let bearer = doc["components"]["securitySchemes"]["bearer"]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(bearer.contains("POST /api/v1/auth/dev") && bearer.contains("access_token"));
        assert!(has_chinese(bearer), "{bearer}");
    }

    /// Two types of one name would share one schema and one of them would describe the other's
    /// answer (utoipa keeps the last): the mini-program's template list once came out as the
    /// partners' webhook subscription.
    #[test]
    fn the_subscription_prompt_answers_templates_and_grants() {
        let doc = document();
        for method in ["get", "post"] {
            let items = &doc["paths"]["/api/v1/me/subscriptions"][method]["responses"]["200"]
                ["content"]["application/json"]["schema"]["items"]["$ref"];
            let name = items
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .unwrap_or_else(|| panic!("{method}: {items}"));
            let props = &doc["components"]["schemas"][name]["properties"];
            for field in ["template_id", "kinds", "remaining"] {
                assert!(props.get(field).is_some(), "{method}: {name} lacks {field}");
            }
        }
        let webhook = &doc["components"]["schemas"]["SubscriptionView"]["properties"];
        assert!(
            webhook.get("url").is_some(),
            "the partners' webhook subscription"
        );
    }
}
