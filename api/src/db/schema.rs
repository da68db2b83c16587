// @generated from migrations/sqlite by `linli schema`; do not edit by hand.
// Change the migrations (both backends), then run:
//     cargo run -- schema > api/src/db/schema.rs

diesel::table! {
    activities (id) {
        id -> BigInt,
        team_id -> BigInt,
        community_id -> BigInt,
        title -> Text,
        category -> Text,
        description -> Text,
        place -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        signup_deadline -> Timestamp,
        capacity -> Integer,
        seats_taken -> Integer,
        queue_seq -> BigInt,
        required_skills -> Text,
        points_per_hour -> Integer,
        checkin_code -> Text,
        status -> Text,
        cancel_reason -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        partner_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<BigInt>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    booking_slots (id) {
        id -> BigInt,
        socket_id -> BigInt,
        compound_id -> BigInt,
        slot_start -> Timestamp,
        booking_id -> Nullable<BigInt>,
        household_id -> Nullable<BigInt>,
        maintenance_id -> Nullable<BigInt>,
        offer_id -> Nullable<BigInt>,
        session_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    booking_suspensions (id) {
        id -> BigInt,
        household_id -> BigInt,
        suspended_until -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bookings (id) {
        id -> BigInt,
        socket_id -> BigInt,
        compound_id -> BigInt,
        user_id -> BigInt,
        household_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        status -> Text,
        created_at -> Timestamp,
        checked_in_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        reminded_at -> Nullable<Timestamp>,
    }
}

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
    calendar_feeds (id) {
        id -> BigInt,
        user_id -> BigInt,
        token -> Text,
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
    charging_sessions (id) {
        id -> BigInt,
        order_no -> Text,
        socket_id -> BigInt,
        open_socket_id -> Nullable<BigInt>,
        device_id -> BigInt,
        port -> Integer,
        user_id -> BigInt,
        household_id -> BigInt,
        booking_id -> Nullable<BigInt>,
        state -> Text,
        requested_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        last_report_at -> Nullable<Timestamp>,
        power_w -> Nullable<Integer>,
        energy_wh -> Integer,
        duration_s -> Integer,
        peak_power_w -> Nullable<Integer>,
        band_power_w -> Nullable<Integer>,
        stop_reason_code -> Nullable<Integer>,
        stop_reason -> Nullable<Text>,
        failure -> Nullable<Text>,
        failure_code -> Nullable<Integer>,
        stop_requested_at -> Nullable<Timestamp>,
        reading_flag -> Nullable<Text>,
        billable -> Bool,
        holds_quota -> Bool,
    }
}

diesel::table! {
    charging_settings (id) {
        id -> BigInt,
        compound_id -> BigInt,
        slot_minutes -> Integer,
        days_ahead -> Integer,
        min_notice_minutes -> Integer,
        max_booking_minutes -> Integer,
        grace_minutes -> Integer,
        max_active_per_household -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    code_attempts (id) {
        id -> BigInt,
        kind -> Text,
        subject -> Text,
        failures -> Integer,
        window_start -> Timestamp,
        locked_until -> Nullable<Timestamp>,
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
        open_to_community -> Bool,
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
    device_commands (id) {
        id -> BigInt,
        device_id -> BigInt,
        session_id -> Nullable<BigInt>,
        kind -> Text,
        port -> Integer,
        order_no -> Text,
        duration_s -> Integer,
        status -> Text,
        message_id -> Nullable<Integer>,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        reply_code -> Nullable<Integer>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    device_frames (id) {
        id -> BigInt,
        device_id -> BigInt,
        physical_id -> BigInt,
        command -> Integer,
        raw_hex -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    device_leases (id) {
        id -> BigInt,
        device_id -> BigInt,
        gateway -> Text,
        expires_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    device_outages (id) {
        id -> BigInt,
        device_id -> BigInt,
        pile_id -> BigInt,
        offline_from -> Timestamp,
        online_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    device_settlements (id) {
        id -> BigInt,
        order_no -> Text,
        device_id -> BigInt,
        port -> Integer,
        energy_wh -> Integer,
        duration_s -> Integer,
        max_power_w -> Integer,
        band_power_w -> Nullable<Integer>,
        stop_reason_code -> Integer,
        raw_hex -> Text,
        copies -> Integer,
        received_at -> Timestamp,
        last_copy_at -> Timestamp,
    }
}

diesel::table! {
    devices (id) {
        id -> BigInt,
        physical_id -> BigInt,
        pile_id -> BigInt,
        port_count -> Integer,
        firmware -> Nullable<Integer>,
        iccid -> Nullable<Text>,
        online -> Bool,
        last_seen_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
        bound_physical_id -> Nullable<BigInt>,
        bound_pile_id -> Nullable<BigInt>,
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
    domain_events (id) {
        id -> BigInt,
        event_id -> Text,
        event_type -> Text,
        compound_id -> Nullable<BigInt>,
        resource_type -> Text,
        resource_id -> BigInt,
        payload -> Text,
        occurred_at -> Timestamp,
        fanned_out_at -> Nullable<Timestamp>,
        sequence -> BigInt,
    }
}

diesel::table! {
    event_sequences (id) {
        id -> BigInt,
        resource_type -> Text,
        resource_id -> BigInt,
        last_sequence -> BigInt,
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
    household_quotas (id) {
        id -> BigInt,
        household_id -> BigInt,
        active_count -> Integer,
    }
}

diesel::table! {
    households (id) {
        id -> BigInt,
        building_id -> BigInt,
        unit -> Integer,
        room -> Text,
        created_at -> Timestamp,
        active_members -> Integer,
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
        effect -> Nullable<Text>,
        attempts -> Integer,
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
    maintenance_cancellations (id) {
        id -> BigInt,
        maintenance_id -> BigInt,
        booking_id -> BigInt,
        released_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    maintenance_windows (id) {
        id -> BigInt,
        compound_id -> BigInt,
        pile_id -> Nullable<BigInt>,
        socket_id -> Nullable<BigInt>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        reason -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        cancelled_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    membership_stamp (id) {
        id -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    memberships (id) {
        id -> BigInt,
        household_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        status -> Text,
        live_user_id -> Nullable<BigInt>,
        valid_from -> Timestamp,
        valid_until -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
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
    partner_clients (id) {
        id -> BigInt,
        partner_id -> BigInt,
        client_id -> Text,
        name -> Text,
        scopes -> Text,
        secret_hash -> Text,
        previous_secret_hash -> Nullable<Text>,
        previous_valid_until -> Nullable<Timestamp>,
        status -> Text,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        auth_version -> BigInt,
    }
}

diesel::table! {
    partner_compounds (id) {
        id -> BigInt,
        partner_id -> BigInt,
        compound_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    partners (id) {
        id -> BigInt,
        name -> Text,
        status -> Text,
        created_at -> Timestamp,
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
    pii_rotations (id) {
        id -> BigInt,
        key_version -> BigInt,
        last_user_id -> BigInt,
        rows_done -> BigInt,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    piles (id) {
        id -> BigInt,
        compound_id -> BigInt,
        code -> Text,
        name -> Text,
        location -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    points_adjustments (id) {
        id -> BigInt,
        user_id -> BigInt,
        amount -> Integer,
        note -> Text,
        status -> Text,
        requested_by -> BigInt,
        decided_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    points_balances (id) {
        id -> BigInt,
        user_id -> BigInt,
        balance -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    points_ledger (id) {
        id -> BigInt,
        user_id -> BigInt,
        amount -> Integer,
        reason -> Text,
        reference -> Text,
        note -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    price_bands (id) {
        id -> BigInt,
        plan_id -> BigInt,
        from_w -> Integer,
        to_w -> Integer,
        fen_per_hour -> Integer,
    }
}

diesel::table! {
    price_plans (id) {
        id -> BigInt,
        compound_id -> BigInt,
        version -> Integer,
        unit_minutes -> Integer,
        min_fee_fen -> Integer,
        max_hours -> Integer,
        fault_waiver_minutes -> Integer,
        set_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    redemptions (id) {
        id -> BigInt,
        item_id -> BigInt,
        user_id -> BigInt,
        quantity -> Integer,
        points -> Integer,
        pickup_code -> Text,
        status -> Text,
        created_at -> Timestamp,
        collected_at -> Nullable<Timestamp>,
        collected_by -> Nullable<BigInt>,
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
    shop_items (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        price_points -> Integer,
        stock -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    signups (id) {
        id -> BigInt,
        activity_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        live_key -> Nullable<BigInt>,
        queue_no -> BigInt,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        checked_in_at -> Nullable<Timestamp>,
        checked_out_at -> Nullable<Timestamp>,
        no_show -> Bool,
        service_minutes -> Nullable<Integer>,
        points_awarded -> Nullable<Integer>,
    }
}

diesel::table! {
    socket_live_states (id) {
        id -> BigInt,
        socket_id -> BigInt,
        device_id -> BigInt,
        state -> Text,
        status_code -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sockets (id) {
        id -> BigInt,
        pile_id -> BigInt,
        compound_id -> BigInt,
        number -> Integer,
        code -> Text,
        state -> Text,
        state_changed_at -> Timestamp,
        write_seq -> BigInt,
        created_at -> Timestamp,
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
    team_members (id) {
        id -> BigInt,
        team_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        joined_at -> Timestamp,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
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
        auth_version -> BigInt,
        phone_cipher -> Nullable<Binary>,
        phone_index -> Nullable<Binary>,
        phone_key_version -> Nullable<BigInt>,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    volunteer_profiles (id) {
        id -> BigInt,
        user_id -> BigInt,
        skills -> Text,
        is_party_member -> Bool,
        party_unit -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    volunteer_teams (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        community_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    waitlist_entries (id) {
        id -> BigInt,
        compound_id -> BigInt,
        socket_id -> Nullable<BigInt>,
        user_id -> BigInt,
        household_id -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        status -> Text,
        queued_at -> Timestamp,
        live_key -> Nullable<Text>,
        offered_socket_id -> Nullable<BigInt>,
        offer_expires_at -> Nullable<Timestamp>,
        booking_id -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> Integer,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        event_row_id -> BigInt,
        subscription_id -> BigInt,
        partner_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        resource_type -> Text,
        resource_id -> BigInt,
        sequence -> BigInt,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> BigInt,
        event_id -> Text,
        partner_id -> BigInt,
        compound_id -> BigInt,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> BigInt,
        partner_id -> BigInt,
        url -> Text,
        events -> Text,
        secret -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    wechat_access_tokens (id) {
        id -> BigInt,
        appid -> Text,
        token -> Text,
        expires_at -> Timestamp,
        fetched_at -> Timestamp,
    }
}

diesel::table! {
    wechat_grants (id) {
        id -> BigInt,
        user_id -> BigInt,
        template_id -> Text,
        accept_count -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wechat_messages (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        template_id -> Text,
        page -> Text,
        data -> Text,
        expires_at -> Nullable<Timestamp>,
        status -> Text,
        grant_spent -> Bool,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        last_errcode -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    wechat_templates (id) {
        id -> BigInt,
        kind -> Text,
        template_id -> Text,
        page -> Text,
        fields -> Text,
        drop_after -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    wish_month_points (id) {
        id -> BigInt,
        user_id -> BigInt,
        month -> Text,
        points -> Integer,
    }
}

diesel::table! {
    wish_quotas (id) {
        id -> BigInt,
        user_id -> BigInt,
        open_wishes -> Integer,
        open_claims -> Integer,
    }
}

diesel::table! {
    wishes (id) {
        id -> BigInt,
        user_id -> BigInt,
        community_id -> Nullable<BigInt>,
        title -> Text,
        description -> Text,
        points -> Integer,
        status -> Text,
        claimer_id -> Nullable<BigInt>,
        claimed_at -> Nullable<Timestamp>,
        fulfilled_at -> Nullable<Timestamp>,
        confirmed_at -> Nullable<Timestamp>,
        auto_confirmed -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        disputed_at -> Nullable<Timestamp>,
        dispute_reason -> Nullable<Text>,
        settled_by -> Nullable<BigInt>,
        settle_reason -> Nullable<Text>,
        points_paid -> Nullable<Integer>,
    }
}

diesel::joinable!(activities -> communities (community_id));
diesel::joinable!(activities -> users (created_by));
diesel::joinable!(activities -> volunteer_teams (team_id));
diesel::joinable!(booking_slots -> sockets (socket_id));
diesel::joinable!(booking_suspensions -> households (household_id));
diesel::joinable!(bookings -> compounds (compound_id));
diesel::joinable!(bookings -> households (household_id));
diesel::joinable!(bookings -> sockets (socket_id));
diesel::joinable!(bookings -> users (user_id));
diesel::joinable!(buildings -> compounds (compound_id));
diesel::joinable!(calendar_feeds -> users (user_id));
diesel::joinable!(cards -> households (household_id));
diesel::joinable!(charging_sessions -> bookings (booking_id));
diesel::joinable!(charging_sessions -> devices (device_id));
diesel::joinable!(charging_sessions -> households (household_id));
diesel::joinable!(charging_sessions -> sockets (socket_id));
diesel::joinable!(charging_sessions -> users (user_id));
diesel::joinable!(charging_settings -> compounds (compound_id));
diesel::joinable!(compounds -> communities (community_id));
diesel::joinable!(compounds -> grids (grid_id));
diesel::joinable!(contacts -> services (service_id));
diesel::joinable!(device_commands -> devices (device_id));
diesel::joinable!(device_commands -> charging_sessions (session_id));
diesel::joinable!(device_frames -> devices (device_id));
diesel::joinable!(device_leases -> devices (device_id));
diesel::joinable!(device_outages -> devices (device_id));
diesel::joinable!(device_settlements -> devices (device_id));
diesel::joinable!(devices -> piles (pile_id));
diesel::joinable!(directory_reports -> users (reporter_id));
diesel::joinable!(directory_reports -> role_contacts (role_contact_id));
diesel::joinable!(directory_reports -> services (service_id));
diesel::joinable!(grids -> communities (community_id));
diesel::joinable!(household_quotas -> households (household_id));
diesel::joinable!(households -> buildings (building_id));
diesel::joinable!(locations -> communities (community_id));
diesel::joinable!(locations -> organizations (organization_id));
diesel::joinable!(maintenance_cancellations -> bookings (booking_id));
diesel::joinable!(maintenance_cancellations -> maintenance_windows (maintenance_id));
diesel::joinable!(maintenance_windows -> compounds (compound_id));
diesel::joinable!(memberships -> households (household_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(partner_clients -> partners (partner_id));
diesel::joinable!(partner_compounds -> compounds (compound_id));
diesel::joinable!(partner_compounds -> partners (partner_id));
diesel::joinable!(phones -> services (service_id));
diesel::joinable!(piles -> compounds (compound_id));
diesel::joinable!(points_balances -> users (user_id));
diesel::joinable!(points_ledger -> users (user_id));
diesel::joinable!(price_bands -> price_plans (plan_id));
diesel::joinable!(price_plans -> compounds (compound_id));
diesel::joinable!(redemptions -> shop_items (item_id));
diesel::joinable!(redemptions -> users (user_id));
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
diesel::joinable!(signups -> activities (activity_id));
diesel::joinable!(signups -> users (user_id));
diesel::joinable!(socket_live_states -> devices (device_id));
diesel::joinable!(socket_live_states -> sockets (socket_id));
diesel::joinable!(sockets -> compounds (compound_id));
diesel::joinable!(sockets -> piles (pile_id));
diesel::joinable!(team_members -> volunteer_teams (team_id));
diesel::joinable!(team_members -> users (user_id));
diesel::joinable!(users -> households (household_id));
diesel::joinable!(volunteer_profiles -> users (user_id));
diesel::joinable!(volunteer_teams -> communities (community_id));
diesel::joinable!(waitlist_entries -> compounds (compound_id));
diesel::joinable!(waitlist_entries -> users (user_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> webhook_events (event_row_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_events -> partners (partner_id));
diesel::joinable!(webhook_subscriptions -> partners (partner_id));
diesel::joinable!(wechat_grants -> users (user_id));
diesel::joinable!(wechat_messages -> users (user_id));
diesel::joinable!(wish_month_points -> users (user_id));
diesel::joinable!(wish_quotas -> users (user_id));
diesel::joinable!(wishes -> communities (community_id));

diesel::allow_tables_to_appear_in_same_query!(
    activities,
    audit_log,
    booking_slots,
    booking_suspensions,
    bookings,
    buildings,
    calendar_feeds,
    cards,
    charging_sessions,
    charging_settings,
    code_attempts,
    communities,
    compounds,
    contacts,
    device_commands,
    device_frames,
    device_leases,
    device_outages,
    device_settlements,
    devices,
    directory_reports,
    directory_stamp,
    domain_events,
    event_sequences,
    grids,
    household_quotas,
    households,
    idempotency_keys,
    locations,
    maintenance_cancellations,
    maintenance_windows,
    membership_stamp,
    memberships,
    notifications,
    organizations,
    partner_clients,
    partner_compounds,
    partners,
    phones,
    pii_rotations,
    piles,
    points_adjustments,
    points_balances,
    points_ledger,
    price_bands,
    price_plans,
    redemptions,
    refresh_tokens,
    role_assignments,
    role_contacts,
    schedule_exceptions,
    schedules,
    service_at_locations,
    services,
    shop_items,
    signups,
    socket_live_states,
    sockets,
    taxonomy_terms,
    team_members,
    users,
    volunteer_profiles,
    volunteer_teams,
    waitlist_entries,
    webhook_attempts,
    webhook_deliveries,
    webhook_events,
    webhook_subscriptions,
    wechat_access_tokens,
    wechat_grants,
    wechat_messages,
    wechat_templates,
    wish_month_points,
    wish_quotas,
    wishes,
);
