//! Price plans per compound (issue 16, first part): staff and the compound's firm set them,
//! bad plans are refused naming the field, a firm touches only its own compounds, and a
//! resident reads the plan with a quote that is what the fee module computes.

use diesel::prelude::*;
use linli::db::schema::{audit_log, compounds};
use linli::prices::fee::{Band, Plan};
use reqwest::Method;
use serde_json::{json, Value};

use crate::on_both;
use crate::partners::firms;
use crate::support::*;

/// Three bands, the middle one the 400–700 W.
fn plan_body() -> Value {
    json!({
        "bands": [
            {"from_w": 0, "to_w": 400, "fen_per_hour": 50},
            {"from_w": 400, "to_w": 700, "fen_per_hour": 80},
            {"from_w": 700, "to_w": 1200, "fen_per_hour": 120}
        ],
        "unit_minutes": 30,
        "min_fee_fen": 20,
        "max_hours": 12,
        "fault_waiver_minutes": 5
    })
}

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> Res {
    app.request(Method::PUT, path, Some(token), Some(body), &[])
        .await
}

fn audit_entries(app: &TestApp) -> i64 {
    audit_log::table
        .filter(audit_log::action.eq("price_plan.set"))
        .count()
        .get_result(&mut app.db.conn())
        .unwrap()
}

on_both!(
    staff_set_a_plan_and_read_it_back_and_each_change_is_a_new_audited_version,
    |app| {
        app.seed_demo();
        let staff = app.token("prices-staff", "staff").await;
        app.get("/api/v1/compounds/1/price-plan", Some(&staff))
            .await
            .expect(404, Some("price_plan_missing"));
        let set = put(&app, "/api/v1/compounds/1/price-plan", &staff, plan_body()).await;
        set.expect(200, None);
        assert_eq!(set.body["version"], 1);
        assert_eq!(set.body["highest_fen_per_hour"], 120);
        let read = app
            .get("/api/v1/compounds/1/price-plan", Some(&staff))
            .await;
        read.expect(200, None);
        assert_eq!(read.body["plan"]["bands"], plan_body()["bands"]);
        assert_eq!(read.body["plan"]["unit_minutes"], 30);
        // The same plan again (a retried PUT) changes nothing.
        let again = put(&app, "/api/v1/compounds/1/price-plan", &staff, plan_body()).await;
        again.expect(200, None);
        assert_eq!(again.body["version"], 1);
        assert_eq!(audit_entries(&app), 1);
        let mut cheaper = plan_body();
        cheaper["min_fee_fen"] = json!(10);
        let changed = put(&app, "/api/v1/compounds/1/price-plan", &staff, cheaper).await;
        changed.expect(200, None);
        assert_eq!(changed.body["version"], 2);
        assert_eq!(audit_entries(&app), 2);
        put(
            &app,
            "/api/v1/compounds/999999/price-plan",
            &staff,
            plan_body(),
        )
        .await
        .expect(404, Some("not_found"));
    }
);

on_both!(a_bad_plan_is_refused_naming_the_field, |app| {
    app.seed_demo();
    let staff = app.token("prices-bad-staff", "staff").await;
    let cases: [(&str, Value, &str); 7] = [
        ("/bands", json!([]), "bands"),
        ("/bands/1/from_w", json!(399), "bands[1].from_w"),
        ("/bands/0/to_w", json!(0), "bands[0].to_w"),
        ("/bands/2/fen_per_hour", json!(-1), "bands[2].fen_per_hour"),
        (
            "/bands/2/fen_per_hour",
            json!(1_000_000_000_000_i64),
            "bands[2].fen_per_hour",
        ),
        ("/unit_minutes", json!(0), "unit_minutes"),
        ("/max_hours", json!(25), "max_hours"),
    ];
    for (pointer, value, field) in cases {
        let mut body = plan_body();
        *body.pointer_mut(pointer).unwrap() = value;
        let r = put(&app, "/api/v1/compounds/1/price-plan", &staff, body).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], field, "{pointer}: {}", r.text);
    }
    assert_eq!(audit_entries(&app), 0);
    let resident = app
        .resident("prices-bad-resident", app.card_in_compound(1))
        .await;
    put(
        &app,
        "/api/v1/compounds/1/price-plan",
        &resident,
        plan_body(),
    )
    .await
    .expect(403, Some("forbidden"));
});

on_both!(
    a_firm_sets_its_own_compounds_plan_and_cannot_touch_another_firms,
    |app| {
        let f = firms(&app).await;
        let set = put(
            &app,
            "/api/v1/partner/compounds/1/price-plan",
            &f.a,
            plan_body(),
        )
        .await;
        set.expect(200, None);
        assert_eq!(set.body["compound_id"], 1);
        let read = app
            .get("/api/v1/partner/compounds/1/price-plan", Some(&f.a))
            .await;
        read.expect(200, None);
        assert_eq!(read.body["version"], 1);
        // Staff see the firm's plan; the audit names the firm's client.
        let staff_read = app
            .get("/api/v1/compounds/1/price-plan", Some(&f.staff))
            .await;
        assert_eq!(staff_read.body["plan"]["bands"], plan_body()["bands"]);
        let actor: String = audit_log::table
            .filter(audit_log::action.eq("price_plan.set"))
            .select(audit_log::actor)
            .first(&mut app.db.conn())
            .unwrap();
        assert!(actor.starts_with("client:"), "{actor}");
        // Compound 8 is firm B's: A gets 404 whether it reads or writes, and nothing is stored.
        put(
            &app,
            "/api/v1/partner/compounds/8/price-plan",
            &f.a,
            plan_body(),
        )
        .await
        .expect(404, Some("not_found"));
        app.get("/api/v1/partner/compounds/8/price-plan", Some(&f.a))
            .await
            .expect(404, Some("not_found"));
        app.get("/api/v1/partner/compounds/8/price-plan", Some(&f.b))
            .await
            .expect(404, Some("price_plan_missing"));
        let mut bad = plan_body();
        bad["fault_waiver_minutes"] = json!(61);
        let r = put(&app, "/api/v1/partner/compounds/1/price-plan", &f.a, bad).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "fault_waiver_minutes");
    }
);

on_both!(
    a_resident_reads_the_plan_where_they_may_book_with_the_fee_modules_quote,
    |app| {
        app.seed_demo();
        let staff = app.token("prices-q-staff", "staff").await;
        put(&app, "/api/v1/compounds/1/price-plan", &staff, plan_body())
            .await
            .expect(200, None);
        let resident = app
            .resident("prices-q-resident", app.card_in_compound(1))
            .await;
        let r = app
            .get("/api/v1/compounds/1/price-plan?hours=10", Some(&resident))
            .await;
        r.expect(200, None);
        let plan = Plan {
            bands: vec![
                Band {
                    from_w: 0,
                    to_w: 400,
                    fen_per_hour: 50,
                },
                Band {
                    from_w: 400,
                    to_w: 700,
                    fen_per_hour: 80,
                },
                Band {
                    from_w: 700,
                    to_w: 1200,
                    fen_per_hour: 120,
                },
            ],
            unit_minutes: 30,
            min_fee_fen: 20,
            max_hours: 12,
            fault_waiver_minutes: 5,
        };
        assert_eq!(
            r.body["quote"],
            json!({"hours": 10, "prepaid_fen": plan.prepaid_fen(10)})
        );
        assert_eq!(r.body["quote"]["prepaid_fen"], 1200);
        assert_eq!(
            r.body["until_full"],
            json!({"hours": 12, "prepaid_fen": plan.prepaid_fen(12)})
        );
        let r = app
            .get("/api/v1/compounds/1/price-plan?hours=13", Some(&resident))
            .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "hours");
        // A compound of another community is not one the household may book in.
        let home: i64 = compounds::table
            .find(1)
            .select(compounds::community_id)
            .first(&mut app.db.conn())
            .unwrap();
        let elsewhere: i64 = compounds::table
            .filter(compounds::community_id.ne(home))
            .select(compounds::id)
            .first(&mut app.db.conn())
            .unwrap();
        put(
            &app,
            &format!("/api/v1/compounds/{elsewhere}/price-plan"),
            &staff,
            plan_body(),
        )
        .await
        .expect(200, None);
        app.get(
            &format!("/api/v1/compounds/{elsewhere}/price-plan"),
            Some(&resident),
        )
        .await
        .expect(403, Some("compound_not_yours"));
    }
);

on_both!(
    racing_writers_each_make_a_version_or_get_409_never_two_of_one,
    |app| {
        app.seed_demo();
        let staff = app.token("prices-race-staff", "staff").await;
        let puts = (0..4).map(|i| {
            let mut body = plan_body();
            body["min_fee_fen"] = json!(i);
            app.request(
                Method::PUT,
                "/api/v1/compounds/1/price-plan",
                Some(&staff),
                Some(body),
                &[],
            )
        });
        let mut versions = Vec::new();
        for r in futures_util::future::join_all(puts).await {
            if r.status.as_u16() == 409 {
                r.expect(409, Some("price_plan_changed"));
            } else {
                r.expect(200, None);
                versions.push(r.body["version"].as_i64().unwrap());
            }
        }
        versions.sort_unstable();
        let expected: Vec<i64> = (1..=versions.len() as i64).collect();
        assert_eq!(versions, expected, "each winner made its own version");
        assert_eq!(audit_entries(&app), versions.len() as i64);
        let read = app
            .get("/api/v1/compounds/1/price-plan", Some(&staff))
            .await;
        assert_eq!(read.body["plan"]["version"], versions.len() as i64);
    }
);
