//! Key rotation: a resumable job re-encrypts every stored number under the new key while
//! residents keep reading theirs; afterwards the old key is no longer needed.

use linli::config::Secret;

use super::*;

/// The phone number of resident `i`.
fn number(i: usize) -> String {
    format!("1770931{i:04}")
}

on_both!(rotation_re_encrypts_every_row_while_reads_go_on, |old| {
    use diesel::prelude::*;
    use linli::db::schema::{pii_rotations as pr, users};
    // Numbers stored under key version 1.
    let mut tokens = Vec::new();
    for i in 0..24 {
        let t = old.token(&format!("rot-{i}"), "resident").await;
        put(&old, "/api/v1/me/phone", &t, json!({"phone": number(i)}))
            .await
            .expect(200, None);
        tokens.push(t);
    }
    // A server on the same database with key 2 current and key 1 kept.
    let url = old.db.url.clone();
    let new = TestApp::spawn_with(backend_of(&old), move |c| {
        c.database_url = Secret::new(url);
        c.pii_key = Secret::new(PII_KEY_2);
        c.pii_old_keys = Secret::new(PII_KEY_1);
    })
    .await;
    let keys = new.state.config.pii_keys().unwrap();
    assert_eq!(keys.current_version(), 2);
    let now = new.clock.now_naive();

    // Two batches, then a stop: progress is recorded, half the rows are under key 2.
    let p = linli::pii::rotate::run(&mut old.db.conn(), &keys, 5, Some(2), now).unwrap();
    assert_eq!((p.rewritten, p.batches, p.finished), (10, 2, false));
    let (last, done): (i64, i64) = pr::table
        .filter(pr::key_version.eq(2))
        .select((pr::last_user_id, pr::rows_done))
        .first(&mut old.db.conn())
        .unwrap();
    assert_eq!(done, 10);
    assert!(last > 0);

    // Resume in the background in small batches while residents read their numbers through
    // the new server (and write one).
    let db_url = old.db.url.clone();
    let job = {
        let keys = keys.clone();
        std::thread::spawn(move || {
            let mut config = linli::config::Config::defaults();
            config.database_url = Secret::new(db_url);
            let mut conn = linli::db::Manager::new(config.database_target().unwrap())
                .connect()
                .unwrap();
            let mut total = linli::pii::rotate::Progress::default();
            loop {
                let p = linli::pii::rotate::run(&mut conn, &keys, 2, Some(1), now).unwrap();
                total.rewritten += p.rewritten;
                total.batches += p.batches;
                if p.finished || p.batches == 0 {
                    total.finished = p.finished;
                    return total;
                }
                std::thread::sleep(std::time::Duration::from_millis(15));
            }
        })
    };
    let mut reads = 0;
    while !job.is_finished() || reads < 48 {
        let i = reads % tokens.len();
        let me = new.get("/api/v1/me", Some(&tokens[i])).await;
        me.expect(200, None);
        let want = number(i);
        assert_eq!(
            me.body["phone_masked"],
            format!("{}****{}", &want[..3], &want[7..])
        );
        reads += 1;
    }
    let rest = job.join().unwrap();
    assert!(rest.finished, "{rest:?}");
    assert_eq!(rest.rewritten, 14);
    let versions: Vec<Option<i64>> = users::table
        .filter(users::phone_cipher.is_not_null())
        .select(users::phone_key_version)
        .load(&mut old.db.conn())
        .unwrap();
    assert_eq!(versions.len(), 24);
    assert!(versions.iter().all(|v| *v == Some(2)), "{versions:?}");
    // Running it again is a no-op.
    let again = linli::pii::rotate::run(&mut old.db.conn(), &keys, 5, None, now).unwrap();
    assert_eq!((again.rewritten, again.finished), (0, true));

    // Key 1 is no longer needed: a server with key 2 alone reads every number whole (staff).
    let url = old.db.url.clone();
    let only_new = TestApp::spawn_with(backend_of(&old), move |c| {
        c.database_url = Secret::new(url);
        c.pii_key = Secret::new(PII_KEY_2);
    })
    .await;
    let admin = only_new.token("rot-admin", "admin").await;
    for (i, t) in tokens.iter().enumerate() {
        let id = user_id(&only_new, t).await;
        let r = only_new
            .get(&format!("/api/v1/residents/{id}/phone"), Some(&admin))
            .await;
        r.expect(200, None);
        assert_eq!(r.body["phone"], number(i));
    }
    // The blind index did not change with the key: numbers are still found.
    let r = only_new
        .post(
            "/api/v1/residents/find-by-phone",
            Some(&admin),
            json!({"phone": number(3)}),
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
});

/// The backend a test app runs on.
fn backend_of(app: &TestApp) -> Backend {
    if app.db.url.starts_with("mysql") {
        Backend::Mysql
    } else {
        Backend::Sqlite
    }
}
