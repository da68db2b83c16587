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
diesel::joinable!(grids -> communities (community_id));
diesel::joinable!(households -> buildings (building_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(users -> households (household_id));

diesel::allow_tables_to_appear_in_same_query!(
    buildings,
    cards,
    communities,
    compounds,
    grids,
    households,
    idempotency_keys,
    notifications,
    refresh_tokens,
    users,
);
