//! WeChat subscription messages against the fake WeChat on loopback (HTTPS): grants reported
//! by the mini-program, one grant spent per message, WeChat's answers (43101, template errors,
//! 40001), late reminders dropped, values cut to WeChat's rules, one access token shared by
//! processes.

use chrono::Duration;
use diesel::prelude::*;
use linli::db::schema::wechat_messages as wm;
use linli::notifications::wechat::worker::send_due;
use linli::notifications::{notify, Notice, NotificationKind};
use serde_json::{json, Value};

use crate::on_both;
use crate::support::{Backend, TestApp};

const TEMPLATES: &str = r#"{
  "booking.reminder": {"template_id": "tmpl-booking-reminder", "page": "pages/bookings/index",
    "fields": {"thing1": "title", "thing2": "body", "time3": "data.starts_at"}, "drop_after": "starts_at"},
  "waitlist.offer": {"template_id": "tmpl-waitlist-offer",
    "fields": {"thing1": "title", "phrase2": "text:待确认"}}
}"#;

async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| {
        c.wechat_templates = Some(TEMPLATES.into());
        c.wechat_grant_cap = 3;
        c.wechat_retry_scale = 0.0001;
    })
    .await
}

/// A resident (id, token).
async fn resident(app: &TestApp, name: &str) -> (i64, String) {
    let login = app.dev_login(name, "resident").await;
    (
        login["user"]["id"].as_i64().unwrap(),
        login["access_token"].as_str().unwrap().to_owned(),
    )
}

async fn answer(app: &TestApp, token: &str, template: &str, what: &str) -> Value {
    let key = uuid::Uuid::new_v4().to_string();
    let r = app
        .request(
            reqwest::Method::POST,
            "/api/v1/me/subscriptions",
            Some(token),
            Some(json!({"results": {template: what}})),
            &[("Idempotency-Key", &key)],
        )
        .await;
    r.expect(200, None);
    r.body
}

fn remaining(view: &Value, template: &str) -> i64 {
    view.as_array()
        .unwrap()
        .iter()
        .find(|t| t["template_id"] == template)
        .map(|t| t["remaining"].as_i64().unwrap())
        .expect("template listed")
}

/// A booking reminder for a slot starting `starts_in` from now, with this title.
fn remind(app: &TestApp, user_id: i64, n: i64, title: &str, starts_in: Duration) {
    let now = app.clock.now_naive();
    let starts_at = (app.clock.now() + starts_in).to_rfc3339();
    notify(
        &mut app.db.conn(),
        user_id,
        &Notice {
            kind: NotificationKind::BookingReminder,
            title: title.into(),
            body: "3号桩 1号口 19:00–21:00，请按时到场扫码签到".into(),
            data: json!({"booking_id": n, "starts_at": starts_at}),
            dedupe_key: Some(format!("test-reminder:{n}")),
        },
        now,
    )
    .unwrap();
}

fn statuses(app: &TestApp) -> Vec<String> {
    wm::table
        .order(wm::id)
        .select(wm::status)
        .load::<String>(&mut app.db.conn())
        .unwrap()
}

fn delivered(app: &TestApp) -> usize {
    app.wechat.log.lock().unwrap().delivered().len()
}

on_both!(
    subscriptions_count_accepts_up_to_the_cap_and_refuse_unknown_templates,
    spawn = spawn,
    |app| {
        let (_, token) = resident(&app, "sub-grants").await;
        let r = app.get("/api/v1/me/subscriptions", Some(&token)).await;
        r.expect(200, None);
        assert_eq!(remaining(&r.body, "tmpl-booking-reminder"), 0);
        assert_eq!(r.body[0]["kinds"], json!(["booking.reminder"]));
        // One accept, sent twice with one key: counted once.
        let body = json!({"results": {"tmpl-booking-reminder": "accept"}});
        for _ in 0..2 {
            app.request(
                reqwest::Method::POST,
                "/api/v1/me/subscriptions",
                Some(&token),
                Some(body.clone()),
                &[("Idempotency-Key", "sub-key-1")],
            )
            .await
            .expect(200, None);
        }
        let r = app.get("/api/v1/me/subscriptions", Some(&token)).await;
        assert_eq!(remaining(&r.body, "tmpl-booking-reminder"), 1);
        // Accepts add up to the cap (3).
        for _ in 0..4 {
            answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        }
        let view = answer(&app, &token, "tmpl-waitlist-offer", "filter").await;
        assert_eq!(remaining(&view, "tmpl-booking-reminder"), 3);
        assert_eq!(remaining(&view, "tmpl-waitlist-offer"), 0);
        // A reject (or ban) takes every grant away.
        let view = answer(&app, &token, "tmpl-booking-reminder", "reject").await;
        assert_eq!(remaining(&view, "tmpl-booking-reminder"), 0);
        // An unknown template id: 422 naming it, nothing recorded.
        let r = app
        .post("/api/v1/me/subscriptions", Some(&token), json!({"results": {"tmpl-waitlist-offer": "accept", "tmpl-nobody-knows": "accept"}}))
        .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "results.tmpl-nobody-knows", "{}", r.text);
        let r = app.get("/api/v1/me/subscriptions", Some(&token)).await;
        assert_eq!(remaining(&r.body, "tmpl-waitlist-offer"), 0);
        app.post(
            "/api/v1/me/subscriptions",
            Some(&token),
            json!({"results": {}}),
        )
        .await
        .expect(422, Some("validation_failed"));
    }
);

on_both!(
    one_grant_and_two_reminders_send_one_and_skip_one,
    spawn = spawn,
    |app| {
        let (uid, token) = resident(&app, "sub-one-grant").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        remind(&app, uid, 1, "充电预约即将开始", Duration::minutes(30));
        remind(&app, uid, 2, "充电预约即将开始", Duration::minutes(90));
        // A kind without a template writes no message.
        notify(
            &mut app.db.conn(),
            uid,
            &Notice {
                kind: NotificationKind::BookingConfirmed,
                title: "充电预约成功".into(),
                body: "x".into(),
                data: json!({}),
                dedupe_key: None,
            },
            app.clock.now_naive(),
        )
        .unwrap();
        assert_eq!(statuses(&app).len(), 2);
        send_due(&app.state, "w-one").await.unwrap();
        assert_eq!(statuses(&app), ["sent", "skipped_no_grant"]);
        assert_eq!(delivered(&app), 1);
        {
            let log = app.wechat.log.lock().unwrap();
            let sent = &log.sends[0];
            assert_eq!(sent["touser"], "dev:sub-one-grant");
            assert_eq!(sent["template_id"], "tmpl-booking-reminder");
            assert_eq!(sent["page"], "pages/bookings/index");
            assert_eq!(sent["miniprogram_state"], "formal");
            assert_eq!(sent["data"]["thing1"]["value"], "充电预约即将开始");
            // The body is cut to 20 characters; the time is China's.
            assert_eq!(
                sent["data"]["thing2"]["value"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .count(),
                20
            );
            let local = (app.clock.now() + Duration::minutes(30))
                .with_timezone(&linli::clock::LOCAL_TZ)
                .format("%Y-%m-%d %H:%M")
                .to_string();
            assert_eq!(sent["data"]["time3"]["value"], local.as_str());
            assert_eq!(log.token_calls.len(), 1);
            assert_eq!(log.token_calls[0]["force_refresh"], false);
        }
        // Nothing left to send; the inbox has both reminders.
        assert!(send_due(&app.state, "w-one").await.unwrap().is_empty());
        assert_eq!(delivered(&app), 1);
        let r = app.get("/api/v1/me/notifications", Some(&token)).await;
        assert_eq!(r.body["total"], 3);
        let r = app.get("/api/v1/me/subscriptions", Some(&token)).await;
        assert_eq!(remaining(&r.body, "tmpl-booking-reminder"), 0);
    }
);

on_both!(
    twenty_workers_and_one_grant_send_once,
    spawn = spawn,
    |app| {
        let (uid, token) = resident(&app, "sub-twenty").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        for n in 0..5 {
            remind(&app, uid, n, "充电预约即将开始", Duration::minutes(30 + n));
        }
        let names: Vec<String> = (0..20).map(|i| format!("w-{i}")).collect();
        let passes = names.iter().map(|w| send_due(&app.state, w));
        for r in futures_util::future::join_all(passes).await {
            r.unwrap();
        }
        let s = statuses(&app);
        assert_eq!(s.iter().filter(|s| *s == "sent").count(), 1, "{s:?}");
        assert_eq!(
            s.iter().filter(|s| *s == "skipped_no_grant").count(),
            4,
            "{s:?}"
        );
        assert_eq!(delivered(&app), 1);
        assert_eq!(app.wechat.log.lock().unwrap().sends.len(), 1);
    }
);

on_both!(
    errcode_43101_stops_sends_until_a_new_accept,
    spawn = spawn,
    |app| {
        let (uid, token) = resident(&app, "sub-43101").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        app.wechat.script_sends(&[43101]);
        remind(&app, uid, 1, "充电预约即将开始", Duration::minutes(30));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["no_grant"]);
        let r = app.get("/api/v1/me/subscriptions", Some(&token)).await;
        assert_eq!(remaining(&r.body, "tmpl-booking-reminder"), 0);
        remind(&app, uid, 2, "充电预约即将开始", Duration::minutes(40));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["no_grant", "skipped_no_grant"]);
        assert_eq!(
            app.wechat.log.lock().unwrap().sends.len(),
            1,
            "nothing sent without a grant"
        );
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        remind(&app, uid, 3, "充电预约即将开始", Duration::minutes(50));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["no_grant", "skipped_no_grant", "sent"]);
        assert_eq!(delivered(&app), 1);
    }
);

on_both!(
    a_rejected_token_is_fetched_again_once_and_the_send_retried_once,
    spawn = spawn,
    |app| {
        let (uid, token) = resident(&app, "sub-40001").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        remind(&app, uid, 1, "充电预约即将开始", Duration::minutes(30));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(app.wechat.log.lock().unwrap().token_calls.len(), 1);
        // WeChat renews its token: the stored one now answers 40001.
        app.wechat.rotate_token();
        remind(&app, uid, 2, "充电预约即将开始", Duration::minutes(40));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["sent", "sent"]);
        let log = app.wechat.log.lock().unwrap();
        assert_eq!(log.token_calls.len(), 2, "one fetch after the 40001");
        assert!(log.token_calls.iter().all(|c| c["force_refresh"] == false));
        let codes: Vec<&Value> = log.sends.iter().map(|s| &s["_errcode"]).collect();
        assert_eq!(codes, [&json!(0), &json!(40001), &json!(0)], "one retry");
    }
);

on_both!(
    a_thirty_character_compound_name_is_cut_and_never_refused,
    spawn = spawn,
    |app| {
        let (uid, token) = resident(&app, "sub-cut").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        let name = "幸福里社区东区天和人家东苑二期北区三号楼前广场充电站";
        let name: String = name.chars().cycle().take(30).collect();
        remind(&app, uid, 1, &name, Duration::minutes(30));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["sent"]);
        let log = app.wechat.log.lock().unwrap();
        assert_eq!(log.sends[0]["_errcode"], 0);
        let value = log.sends[0]["data"]["thing1"]["value"].as_str().unwrap();
        assert_eq!(value, name.chars().take(20).collect::<String>());
    }
);

on_both!(
    template_errors_fail_the_message_and_give_the_grant_back,
    spawn = spawn,
    |app| {
        let (uid, token) = resident(&app, "sub-40037").await;
        let admin = app.token("sub-admin", "admin").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        app.wechat.script_sends(&[40037, 40037]);
        remind(&app, uid, 1, "充电预约即将开始", Duration::minutes(30));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["failed_config"]);
        let r = app.get("/api/v1/me/subscriptions", Some(&token)).await;
        assert_eq!(remaining(&r.body, "tmpl-booking-reminder"), 1);
        // The administrators are told in their inbox, once per template and day, with the
        // template and WeChat's code and nothing of the resident's.
        remind(&app, uid, 2, "充电预约即将开始", Duration::minutes(60));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["failed_config", "failed_config"]);
        let inbox = app.get("/api/v1/me/notifications", Some(&admin)).await;
        let alerts: Vec<&Value> = inbox.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "wechat.template_failed")
            .collect();
        assert_eq!(alerts.len(), 1, "{}", inbox.text);
        let body = alerts[0]["body"].as_str().unwrap();
        assert!(
            body.contains("tmpl-booking-reminder") && body.contains("40037"),
            "{body}"
        );
        assert!(!body.contains("sub-40037"), "{body}");
        let resident_inbox = app.get("/api/v1/me/notifications", Some(&token)).await;
        assert!(!resident_inbox.text.contains("wechat.template_failed"));
    }
);

on_both!(
    network_errors_are_retried_with_the_grant_kept,
    spawn = spawn,
    |app| {
        let (uid, token) = resident(&app, "sub-retry").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        app.wechat.script_sends(&[500]);
        remind(&app, uid, 1, "充电预约即将开始", Duration::minutes(30));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["pending"]);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["sent"]);
        assert_eq!(delivered(&app), 1);
        assert_eq!(app.wechat.log.lock().unwrap().sends.len(), 2);
        let r = app.get("/api/v1/me/subscriptions", Some(&token)).await;
        assert_eq!(
            remaining(&r.body, "tmpl-booking-reminder"),
            0,
            "one grant for one message"
        );
    }
);

on_both!(
    a_reminder_for_a_started_slot_is_dropped_not_sent_late,
    spawn = spawn,
    |app| {
        let (uid, token) = resident(&app, "sub-late").await;
        answer(&app, &token, "tmpl-booking-reminder", "accept").await;
        remind(&app, uid, 1, "充电预约即将开始", Duration::minutes(10));
        app.clock.advance(Duration::minutes(11));
        send_due(&app.state, "w").await.unwrap();
        assert_eq!(statuses(&app), ["dropped_late"]);
        assert!(app.wechat.log.lock().unwrap().sends.is_empty());
        let r = app.get("/api/v1/me/subscriptions", Some(&token)).await;
        assert_eq!(remaining(&r.body, "tmpl-booking-reminder"), 1);
    }
);

on_both!(two_processes_share_one_access_token, spawn = spawn, |app| {
    let (uid, token) = resident(&app, "sub-share").await;
    answer(&app, &token, "tmpl-booking-reminder", "accept").await;
    answer(&app, &token, "tmpl-booking-reminder", "accept").await;
    // A second server over the same database, sharing no memory with the first.
    let mut config = crate::support::test_config(&app.db, &app.wechat.base);
    config.wechat_templates = Some(TEMPLATES.into());
    let other = linli::Application::build(config).expect("second server");
    remind(&app, uid, 1, "充电预约即将开始", Duration::minutes(30));
    send_due(&app.state, "first").await.unwrap();
    remind(&app, uid, 2, "充电预约即将开始", Duration::minutes(40));
    send_due(other.state(), "second").await.unwrap();
    assert_eq!(statuses(&app), ["sent", "sent"]);
    let log = app.wechat.log.lock().unwrap();
    assert_eq!(
        log.token_calls.len(),
        1,
        "the second process used the stored token"
    );
    assert_eq!(log.sends[0]["_token"], log.sends[1]["_token"]);
});
