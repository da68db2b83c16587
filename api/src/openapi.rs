//! The OpenAPI document: every path, schema, tag and security scheme. Served at
//! `/api/openapi.json`, committed as `openapi/openapi.json` (a test keeps them equal).

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
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
        // charging
        crate::charging::handlers::get_charging,
        crate::charging::handlers::put_settings,
        crate::charging::handlers::availability,
        crate::charging::handlers::create_booking,
        crate::charging::handlers::my_bookings,
        crate::charging::handlers::get_booking,
        crate::charging::handlers::cancel_booking,
        crate::charging::handlers::check_in,
        crate::charging::handlers::finish,
        crate::charging::handlers::join_waitlist,
        crate::charging::handlers::my_waitlist,
        crate::charging::handlers::accept_offer,
        crate::charging::handlers::leave_waitlist,
        crate::charging::handlers::create_maintenance,
        crate::charging::handlers::set_socket_state,
        // partners
        crate::partners::admin::create_partner,
        crate::partners::admin::list_partners,
        crate::partners::admin::set_partner_compounds,
        crate::partners::admin::create_client,
        crate::partners::admin::rotate_client,
        crate::partners::admin::revoke_client,
        crate::partners::admin::audit_log,
        crate::partners::handlers::token::token,
        crate::partners::handlers::piles::compounds,
        crate::partners::handlers::piles::compound_piles,
        crate::partners::handlers::piles::create_pile,
        crate::partners::handlers::piles::get_pile,
        crate::partners::handlers::piles::update_pile,
        crate::partners::handlers::piles::retire_pile,
        crate::partners::handlers::piles::add_socket,
        crate::partners::handlers::piles::socket_state,
        crate::partners::handlers::piles::bulk_socket_state,
        crate::partners::handlers::piles::maintenance,
        crate::partners::handlers::bookings::bookings,
        crate::partners::handlers::bookings::booking,
        crate::partners::handlers::bookings::utilisation,
        crate::partners::handlers::webhooks::create_subscription,
        crate::partners::handlers::webhooks::list_subscriptions,
        crate::partners::handlers::webhooks::delete_subscription,
        crate::partners::handlers::webhooks::list_deliveries,
        crate::partners::handlers::webhooks::get_delivery,
        crate::partners::handlers::webhooks::replay_delivery,
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
        // volunteering
        crate::volunteering::handlers::teams::list_teams,
        crate::volunteering::handlers::teams::create_team,
        crate::volunteering::handlers::teams::get_team,
        crate::volunteering::handlers::teams::join_team,
        crate::volunteering::handlers::teams::leave_team,
        crate::volunteering::handlers::teams::list_members,
        crate::volunteering::handlers::teams::set_member_role,
        crate::volunteering::handlers::teams::get_profile,
        crate::volunteering::handlers::teams::update_profile,
        crate::volunteering::handlers::teams::set_party_member,
        crate::volunteering::handlers::activities::list_activities,
        crate::volunteering::handlers::activities::create_activity,
        crate::volunteering::handlers::activities::get_activity,
        crate::volunteering::handlers::activities::update_activity,
        crate::volunteering::handlers::activities::cancel_activity,
        crate::volunteering::handlers::activities::close_activity,
        crate::volunteering::handlers::activities::roster,
        crate::volunteering::handlers::activities::roster_csv,
        crate::volunteering::handlers::signups::sign_up,
        crate::volunteering::handlers::signups::cancel,
        crate::volunteering::handlers::signups::my_signups,
        crate::volunteering::handlers::signups::self_check_in,
        crate::volunteering::handlers::signups::leader_check_in,
        crate::volunteering::handlers::signups::check_out,
        crate::volunteering::handlers::points::my_points,
        crate::volunteering::handlers::points::my_ledger,
        crate::volunteering::handlers::points::adjust,
        crate::volunteering::handlers::shop::list_items,
        crate::volunteering::handlers::shop::create_item,
        crate::volunteering::handlers::shop::update_item,
        crate::volunteering::handlers::shop::restock,
        crate::volunteering::handlers::shop::redeem,
        crate::volunteering::handlers::shop::my_redemptions,
        crate::volunteering::handlers::shop::collect,
        crate::volunteering::handlers::wishes::list_wishes,
        crate::volunteering::handlers::wishes::create_wish,
        crate::volunteering::handlers::wishes::get_wish,
        crate::volunteering::handlers::wishes::my_wishes,
        crate::volunteering::handlers::wishes::claim,
        crate::volunteering::handlers::wishes::release,
        crate::volunteering::handlers::wishes::fulfil,
        crate::volunteering::handlers::wishes::confirm,
        crate::volunteering::handlers::wishes::withdraw,
        crate::calendar::handlers::get_feed,
        crate::calendar::handlers::rotate_feed,
        crate::calendar::handlers::revoke_feed,
        crate::calendar::handlers::serve_feed,
    ),
    components(schemas(ErrorBody, ErrorCode, crate::events::WebhookEvent)),
    modifiers(&Conventions),
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
        let old = std::mem::take(&mut openapi.paths.paths);
        for (path, mut item) in old {
            let path = if path.starts_with("/healthz") || path.starts_with("/readyz") {
                path
            } else {
                format!("/api/v1{path}")
            };
            for op in operations(&mut item) {
                add_error_responses(op);
                describe_idempotency_key(op);
            }
            openapi.paths.paths.insert(path, item);
        }
        // What Linli sends to partners' webhook subscriptions (OpenAPI 3.1 `webhooks`).
        let mut webhooks = utoipa::openapi::Paths::new();
        webhooks
            .paths
            .extend(crate::events::envelope::webhook_items());
        openapi.webhooks = Some(webhooks);
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
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
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
