//! The OpenAPI document: every path, schema, tag and security scheme. Served at
//! `/api/openapi.json`, committed as `openapi/openapi.json` (a test keeps them equal).

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, RefOr, Response, ResponseBuilder};
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
        license(name = "MIT")
    ),
    paths(
        crate::ops::healthz,
        crate::ops::readyz,
        crate::auth::handlers::wechat_login,
        crate::auth::handlers::dev_login,
        crate::auth::handlers::refresh,
        crate::auth::handlers::logout,
        crate::auth::handlers::set_user_role,
        crate::me::handlers::get_me,
        crate::me::handlers::bind_household,
        crate::me::handlers::unbind_household,
        crate::places::handlers::list_communities,
        crate::places::handlers::list_compounds,
        crate::places::handlers::get_compound,
        crate::notifications::handlers::list,
        crate::notifications::handlers::mark_read,
        crate::notifications::handlers::mark_all_read,
        // charging (issue 3)
        // cards and directory (issue 4)
        crate::cards::handlers::lookup_card,
        crate::cards::handlers::my_card,
        crate::cards::handlers::list_cards,
        crate::cards::handlers::issue_card,
        crate::cards::handlers::revoke_card,
        crate::cards::handlers::reissue_card,
        crate::cards::handlers::list_role_contacts,
        crate::cards::handlers::create_role_contact,
        crate::cards::handlers::update_role_contact,
        crate::cards::handlers::retire_role_contact,
        crate::cards::handlers::list_assignments,
        crate::cards::handlers::create_assignment,
        crate::cards::handlers::delete_assignment,
        crate::directory::handlers::list_categories,
        crate::directory::handlers::search_services,
        crate::directory::handlers::get_service,
        crate::directory::handlers::create_service,
        crate::directory::handlers::update_service,
        crate::directory::handlers::retire_service,
        crate::directory::handlers::confirm_service,
        crate::directory::handlers::list_organizations,
        crate::directory::handlers::create_organization,
        crate::directory::handlers::list_locations,
        crate::directory::handlers::create_location,
        crate::directory::handlers::create_report,
        crate::directory::handlers::list_reports,
        crate::directory::handlers::resolve_report,
        // volunteering (issue 5)
    ),
    components(schemas(ErrorBody, ErrorCode)),
    modifiers(&Conventions),
    tags(
        (name = "auth", description = "WeChat-style login, token refresh and logout"),
        (name = "me", description = "The signed-in user and their household"),
        (name = "places", description = "Communities, grids, compounds and buildings"),
        (name = "notifications", description = "The in-app inbox"),
        // charging (issue 3)
        // cards and directory (issue 4)
        (name = "cards", description = "Convenience-card lookups (no login, rate-limited, cached with ETag), the resident's own card, staff administration of cards and of the seven role contacts (三长三员一民警)"),
        (name = "directory", description = "The service directory after Open Referral HSDS: categories, search (keyword, category, distance, open now), services, organizations, locations, residents' reports"),
        // volunteering (issue 5)
        (name = "ops", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// Adds what every operation shares: the `/api/v1` prefix, the bearer scheme, and the error
/// responses in the one shape.
struct Conventions;

impl Modify for Conventions {
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
        let old = std::mem::take(&mut openapi.paths.paths);
        for (path, mut item) in old {
            let path = if path.starts_with("/healthz") || path.starts_with("/readyz") {
                path
            } else {
                format!("/api/v1{path}")
            };
            for op in operations(&mut item) {
                add_error_responses(op);
            }
            openapi.paths.paths.insert(path, item);
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

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorBody",
                )))),
            )
            .build(),
    )
}

fn add_error_responses(op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
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

/// The document as pretty JSON with a trailing newline, as committed.
pub fn document_json() -> String {
    let mut s = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
