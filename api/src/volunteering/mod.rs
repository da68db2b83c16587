//! Volunteer sign-ups: teams and volunteer profiles, activities with fair seats
//! and a waitlist, check-in and service hours, the append-only points ledger, the points
//! supermarket, micro-wishes (微心愿) and the roster as CSV. The personal calendar feed that
//! shows sign-ups is `crate::calendar` (it reads `model::agenda`).
//!
//! `handlers/` and `model/` have one file per sub-area (teams, activities, signups, points,
//! shop, wishes); `rules.rs` holds the rules as plain functions.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod rules;
pub mod seed;

use utoipa_actix_web::service_config::ServiceConfig;

use handlers::{activities, points, shop, signups, teams, wishes};

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(teams::list_teams)
        .service(teams::create_team)
        .service(teams::get_team)
        .service(teams::join_team)
        .service(teams::leave_team)
        .service(teams::list_members)
        .service(teams::approve_member)
        .service(teams::reject_member)
        .service(teams::set_member_role)
        .service(teams::get_profile)
        .service(teams::update_profile)
        .service(teams::set_party_member)
        .service(activities::list_activities)
        .service(activities::create_activity)
        .service(activities::get_activity)
        .service(activities::update_activity)
        .service(activities::cancel_activity)
        .service(activities::close_activity)
        .service(activities::roster)
        .service(activities::roster_csv)
        .service(signups::sign_up)
        .service(signups::cancel)
        .service(signups::my_signups)
        .service(signups::self_check_in)
        .service(signups::leader_check_in)
        .service(signups::check_out)
        .service(points::my_points)
        .service(points::my_ledger)
        .service(points::adjust)
        .service(points::list_adjustment_requests)
        .service(points::approve_adjustment)
        .service(points::reject_adjustment)
        .service(shop::list_items)
        .service(shop::create_item)
        .service(shop::update_item)
        .service(shop::restock)
        .service(shop::redeem)
        .service(shop::my_redemptions)
        .service(shop::collect)
        .service(wishes::list_wishes)
        .service(wishes::create_wish)
        .service(wishes::get_wish)
        .service(wishes::my_wishes)
        .service(wishes::claim)
        .service(wishes::release)
        .service(wishes::fulfil)
        .service(wishes::confirm)
        .service(wishes::withdraw)
        .service(wishes::dispute)
        .service(wishes::settle)
        .service(wishes::report);
}
