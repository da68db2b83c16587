//! The clean-up of `code_attempts`: a background job deletes, in batches, the rows whose
//! window ended and whose lock (if any) is over; rows that still count stay, and a purged
//! card counts afresh.

use chrono::Duration;
use diesel::prelude::*;
use linli::db::schema::code_attempts as ca;

use super::*;

on_both!(
    attempts_cleanup_purges_expired_rows_in_batches_and_keeps_live_ones,
    |app| {
        assert!(
            linli::jobs::all()
                .iter()
                .any(|j| j.name == "purge_code_attempts"),
            "the clean-up is a background job"
        );
        let now = app.clock.now_naive();
        let old = now - Duration::hours(2);
        {
            let mut conn = app.db.conn();
            // 1,234 rows of windows that ended an hour ago and more.
            conn.transaction::<_, diesel::result::Error, _>(|c| {
                for i in 0..1234 {
                    diesel::insert_into(ca::table)
                        .values((
                            ca::kind.eq("card"),
                            ca::subject.eq(format!("OLD{i:05}")),
                            ca::failures.eq(3),
                            ca::window_start.eq(old),
                        ))
                        .execute(c)?;
                }
                Ok(())
            })
            .unwrap();
            // Still counting: a window of ten minutes ago; a lock standing for another 30 minutes
            // (its window started long ago).
            diesel::insert_into(ca::table)
                .values((
                    ca::kind.eq("card"),
                    ca::subject.eq("LIVE"),
                    ca::failures.eq(2),
                    ca::window_start.eq(now - Duration::minutes(10)),
                ))
                .execute(&mut conn)
                .unwrap();
            diesel::insert_into(ca::table)
                .values((
                    ca::kind.eq("card"),
                    ca::subject.eq("LOCKED"),
                    ca::failures.eq(5),
                    ca::window_start.eq(old),
                    ca::locked_until.eq(Some(now + Duration::minutes(30))),
                ))
                .execute(&mut conn)
                .unwrap();
            let purged = linli::guesses::purge_expired(&mut conn, now).unwrap();
            assert_eq!(purged, 1234);
            let left: Vec<String> = ca::table
                .select(ca::subject)
                .order(ca::subject)
                .load(&mut conn)
                .unwrap();
            assert_eq!(left, ["LIVE", "LOCKED"]);
            assert_eq!(linli::guesses::purge_expired(&mut conn, now).unwrap(), 0);
            // Once the lock is over it goes too.
            let later = now + Duration::minutes(31);
            assert_eq!(linli::guesses::purge_expired(&mut conn, later).unwrap(), 1);
        }
        // A purged subject counts afresh: a wrong code for a card after the clean-up is counted
        // from one again, not refused.
        app.seed_demo();
        let t = app.token("cleanup-guess", "resident").await;
        let card = linli::places::seed::card_number(7);
        for _ in 0..2 {
            app.post(
                "/api/v1/me/household",
                Some(&t),
                bind_body(&card, &wrong_code(7)),
            )
            .await
            .expect(404, Some("card_not_found"));
        }
        app.clock.advance(Duration::minutes(61));
        {
            let mut conn = app.db.conn();
            let purged = linli::guesses::purge_expired(&mut conn, app.clock.now_naive()).unwrap();
            assert!(purged >= 1, "the card's and the account's rows go");
        }
        let t = app.token("cleanup-guess", "resident").await;
        app.post("/api/v1/me/household", Some(&t), bind_body(&card, &code(7)))
            .await
            .expect(202, None);
    }
);
