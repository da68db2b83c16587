//! Readings out of range (more than 10 kWh in a session, more than 3.5 kW) flag the session
//! and take it out of billing; the readings are stored as the pile sent them, for audit.
//! Staff and firms see the flag on the pile's sessions.

use serde_json::Value;

use super::{session_until, started, PILE};
use crate::on_both;
use crate::partners::firms;
use crate::support::*;

/// Whether the session may be billed, as stored (what issue 16's payment reads).
fn billable(app: &TestApp, session_id: i64) -> (bool, Option<String>) {
    use diesel::prelude::*;
    use linli::db::schema::charging_sessions as cs;
    cs::table
        .find(session_id)
        .select((cs::billable, cs::reading_flag))
        .first(&mut app.db.conn())
        .unwrap()
}

/// The pile's newest session as staff and as the firm see it.
async fn seen_by_staff_and_firm(app: &TestApp) -> (Value, Value) {
    let f = firms(app).await;
    let pile = app.pile_of(1);
    let staff = app
        .get(
            &format!("/api/v1/piles/{pile}/charging-sessions"),
            Some(&f.staff),
        )
        .await;
    staff.expect(200, None);
    let firm = app
        .get(
            &format!("/api/v1/partner/piles/{pile}/charging-sessions"),
            Some(&f.a),
        )
        .await;
    firm.expect(200, None);
    (
        staff.body["items"][0].clone(),
        firm.body["items"][0].clone(),
    )
}

on_both!(
    a_power_report_above_three_and_a_half_kw_flags_the_session_unbillable,
    |app| {
        let (token, _gw, mut sim, cmd) = started(&app, "gw-watts", |_| {}).await;
        sim.power(PILE, &cmd, 300, 2, 1800).await;
        let s = session_until(&app, &token, "20 Wh", |s| s["energy_wh"] == 20).await;
        assert_eq!(
            (s["reading_flag"].clone(), s["billable"].clone()),
            (Value::Null, Value::Bool(true))
        );
        let id = s["id"].as_i64().unwrap();
        assert_eq!(billable(&app, id), (true, None));

        // 4.2 kW (0.1 W units): implausible for an e-bike socket.
        sim.power(PILE, &cmd, 600, 5, 42_000).await;
        let s = session_until(&app, &token, "flagged", |s| !s["reading_flag"].is_null()).await;
        assert_eq!(s["reading_flag"], "power_out_of_range");
        assert_eq!(s["billable"], false);
        assert_eq!(
            (s["power_w"].as_i64(), s["energy_wh"].as_i64()),
            (Some(4200), Some(50)),
            "the readings are stored as sent, for audit"
        );
        // A plausible settlement later does not clear the flag.
        sim.settle(PILE, &settlement(&cmd, 8, 1)).await;
        session_until(&app, &token, "settled", |s| s["state"] == "settled").await;
        assert_eq!(
            billable(&app, id),
            (false, Some("power_out_of_range".into()))
        );
        let (staff, firm) = seen_by_staff_and_firm(&app).await;
        for view in [staff, firm] {
            assert_eq!(view["id"], id);
            assert_eq!(view["reading_flag"], "power_out_of_range");
            assert_eq!(view["billable"], false);
        }
    }
);

on_both!(
    a_settlement_above_ten_kwh_flags_the_session_unbillable,
    |app| {
        let (token, _gw, mut sim, cmd) = started(&app, "gw-kwh", |_| {}).await;
        session_until(&app, &token, "charging", |s| s["state"] == "charging").await;
        // 15.00 kWh (0.01 kWh units) from a half-hour booking.
        sim.settle(PILE, &settlement(&cmd, 1500, 1)).await;
        let s = session_until(&app, &token, "settled", |s| s["state"] == "settled").await;
        assert_eq!(s["reading_flag"], "energy_out_of_range");
        assert_eq!(s["billable"], false);
        assert_eq!(s["energy_wh"], 15_000, "stored as sent, for audit");
        let id = s["id"].as_i64().unwrap();
        assert_eq!(
            billable(&app, id),
            (false, Some("energy_out_of_range".into()))
        );
        let (staff, firm) = seen_by_staff_and_firm(&app).await;
        assert_eq!(staff["reading_flag"], "energy_out_of_range");
        assert_eq!(firm["billable"], false);
    }
);

on_both!(
    a_settlement_within_range_stays_billable_and_unflagged,
    |app| {
        let (token, _gw, mut sim, cmd) = started(&app, "gw-plausible", |_| {}).await;
        // Exactly at the limits: 10.00 kWh, 3.5 kW peak.
        let mut s = settlement(&cmd, 1000, 1);
        s.max_power = 35_000;
        sim.settle(PILE, &s).await;
        let s = session_until(&app, &token, "settled", |s| s["state"] == "settled").await;
        assert_eq!(s["reading_flag"], Value::Null);
        assert_eq!(s["billable"], true);
        assert_eq!(billable(&app, s["id"].as_i64().unwrap()), (true, None));
    }
);
