// @generated from migrations/sqlite by `linli schema`; do not edit by hand.
// Change the migrations (both backends), then run:
//     cargo run -- schema > api/src/db/schema.rs

diesel::table! {
    buildings (id) {
        id -> BigInt,
        compound_id -> BigInt,
        name -> Text,
        units -> Integer,
        floors -> Integer,
        latitude -> Double,
        longitude -> Double,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cards (id) {
        id -> BigInt,
        household_id -> BigInt,
        card_number -> Text,
        check_code -> Text,
        status -> Text,
        issued_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        active_household_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    communities (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        name_en -> Text,
        address -> Text,
        latitude -> Double,
        longitude -> Double,
        created_at -> Timestamp,
    }
}

diesel::table! {
    compounds (id) {
        id -> BigInt,
        community_id -> BigInt,
        grid_id -> BigInt,
        code -> Text,
        name -> Text,
        kind -> Text,
        address -> Text,
        latitude -> Double,
        longitude -> Double,
        has_charging -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        service_id -> BigInt,
        name -> Text,
        title -> Text,
        phone -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    directory_reports (id) {
        id -> BigInt,
        service_id -> Nullable<BigInt>,
        role_contact_id -> Nullable<BigInt>,
        reporter_id -> BigInt,
        kind -> Text,
        message -> Text,
        status -> Text,
        open_key -> Nullable<Text>,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
        resolution_note -> Nullable<Text>,
    }
}

diesel::table! {
    directory_stamp (id) {
        id -> BigInt,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    grids (id) {
        id -> BigInt,
        community_id -> BigInt,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    households (id) {
        id -> BigInt,
        building_id -> BigInt,
        unit -> Integer,
        room -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        principal -> Text,
        idem_key -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        response_headers -> Nullable<Text>,
        created_at -> Timestamp,
        locked_until -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    locations (id) {
        id -> BigInt,
        organization_id -> Nullable<BigInt>,
        community_id -> Nullable<BigInt>,
        name -> Text,
        address -> Text,
        latitude -> Double,
        longitude -> Double,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        title -> Text,
        body -> Text,
        data -> Text,
        dedupe_key -> Nullable<Text>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        url -> Nullable<Text>,
        status -> Text,
        last_confirmed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    phones (id) {
        id -> BigInt,
        service_id -> BigInt,
        number -> Text,
        description -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    role_assignments (id) {
        id -> BigInt,
        role_contact_id -> BigInt,
        role -> Text,
        compound_id -> Nullable<BigInt>,
        building_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    role_contacts (id) {
        id -> BigInt,
        community_id -> BigInt,
        role -> Text,
        name -> Text,
        phone -> Text,
        status -> Text,
        last_confirmed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    schedule_exceptions (id) {
        id -> BigInt,
        service_id -> BigInt,
        on_date -> Text,
        closed -> Bool,
        opens_minute -> Nullable<Integer>,
        closes_minute -> Nullable<Integer>,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    schedules (id) {
        id -> BigInt,
        service_id -> BigInt,
        weekday -> Integer,
        opens_minute -> Integer,
        closes_minute -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    service_at_locations (id) {
        id -> BigInt,
        service_id -> BigInt,
        location_id -> BigInt,
    }
}

diesel::table! {
    services (id) {
        id -> BigInt,
        organization_id -> BigInt,
        category_id -> BigInt,
        community_id -> Nullable<BigInt>,
        name -> Text,
        description -> Text,
        status -> Text,
        last_confirmed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    taxonomy_terms (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        openid -> Text,
        unionid -> Nullable<Text>,
        nickname -> Text,
        role -> Text,
        household_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        last_login_at -> Timestamp,
    }
}

diesel::joinable!(buildings -> compounds (compound_id));
diesel::joinable!(cards -> households (household_id));
diesel::joinable!(compounds -> communities (community_id));
diesel::joinable!(compounds -> grids (grid_id));
diesel::joinable!(contacts -> services (service_id));
diesel::joinable!(directory_reports -> users (reporter_id));
diesel::joinable!(directory_reports -> role_contacts (role_contact_id));
diesel::joinable!(directory_reports -> services (service_id));
diesel::joinable!(grids -> communities (community_id));
diesel::joinable!(households -> buildings (building_id));
diesel::joinable!(locations -> communities (community_id));
diesel::joinable!(locations -> organizations (organization_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(phones -> services (service_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(role_assignments -> buildings (building_id));
diesel::joinable!(role_assignments -> compounds (compound_id));
diesel::joinable!(role_assignments -> role_contacts (role_contact_id));
diesel::joinable!(role_contacts -> communities (community_id));
diesel::joinable!(schedule_exceptions -> services (service_id));
diesel::joinable!(schedules -> services (service_id));
diesel::joinable!(service_at_locations -> locations (location_id));
diesel::joinable!(service_at_locations -> services (service_id));
diesel::joinable!(services -> taxonomy_terms (category_id));
diesel::joinable!(services -> communities (community_id));
diesel::joinable!(services -> organizations (organization_id));
diesel::joinable!(users -> households (household_id));

diesel::allow_tables_to_appear_in_same_query!(
    buildings,
    cards,
    communities,
    compounds,
    contacts,
    directory_reports,
    directory_stamp,
    grids,
    households,
    idempotency_keys,
    locations,
    notifications,
    organizations,
    phones,
    refresh_tokens,
    role_assignments,
    role_contacts,
    schedule_exceptions,
    schedules,
    service_at_locations,
    services,
    taxonomy_terms,
    users,
);
