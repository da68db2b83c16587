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
        description = "Back end of a county town's neighbourhood services: e-bike charging bookings, \
convenience-card lookups and volunteer sign-ups.\n\n\
Conventions: JSON in snake_case; times in RFC 3339 (returned in UTC); lists take \
`?page=&per_page=` (at most 100) and answer `{items, page, per_page, total}`; every error is \
`{code, message, field?, details?}` with a stable `code` (see the `ErrorCode` schema), \
messages in Simplified Chinese unless `Accept-Language` prefers English; POSTs that a phone \
may retry accept an `Idempotency-Key` header; every response carries `X-Request-Id`.",
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "The server this document is served from (`/api/openapi.json`)")),
    components(schemas(ErrorBody, ErrorCode)),
    modifiers(&SchemesAndWebhooks),
    tags(
        (name = "auth", description = "WeChat-style login, token refresh and logout"),
        (name = "me", description = "The signed-in user and their household"),
        (name = "places", description = "Communities, grids, compounds and buildings"),
        (name = "notifications", description = "The in-app inbox"),
        // charging
        (name = "charging", description = "E-bike charging: piles, availability, bookings, check-in, waitlist, maintenance"),
        // partners
        (name = "partner", description = "The property-firm partner API: server to server, OAuth 2 client-credentials tokens (security scheme `partner`), scoped to the firm's compounds"),
        (name = "partner-admin", description = "Staff administration of partners, API clients and the audit log"),
        // cards and directory
        (name = "cards", description = "Convenience-card lookups (no login, rate-limited, cached with ETag), the resident's own card, staff administration of cards and of the seven role contacts (三长三员一民警)"),
        (name = "directory", description = "The service directory after Open Referral HSDS: categories, search (keyword, category, distance, open now), services, organizations, locations, residents' reports"),
        // volunteering
        (name = "volunteer-teams", description = "Volunteer teams (志愿服务队), members, leaders and volunteer profiles"),
        (name = "activities", description = "Volunteer activities: list, create, edit, cancel, close; roster and CSV export"),
        (name = "signups", description = "Sign-up with fair seats and a waitlist; cancellation; check-in and check-out"),
        (name = "points", description = "The append-only points ledger and balances"),
        (name = "points-shop", description = "The points supermarket (积分超市): items, redemptions, pickup"),
        (name = "wishes", description = "Micro-wishes (微心愿): post, claim, fulfil, confirm"),
        (name = "calendar", description = "Private iCalendar feeds of a user's activities"),
        (name = "ops", description = "Health and readiness"),
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
                        "Access token from `POST /api/v1/auth/wechat` or `/auth/refresh`",
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
        for item in openapi.paths.paths.values_mut() {
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
