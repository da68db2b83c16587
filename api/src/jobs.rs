//! Background jobs: periodic clean-ups (and, in later areas, sweepers). Every job is safe to
//! run in several server processes at once: each does its work with conditional statements
//! the database arbitrates.

use std::time::Duration;

use crate::error::ApiResult;
use crate::state::AppState;

type JobFn =
    fn(&mut crate::db::DbConn, chrono::NaiveDateTime, &crate::config::Config) -> ApiResult<usize>;

/// A named job and how often it runs.
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    pub run: JobFn,
}

/// All jobs of the server.
pub fn all() -> Vec<Job> {
    vec![
        Job {
            name: "charging_sweeper",
            every: Duration::from_secs(30),
            run: |c, now, _| crate::charging::model::sweep(c, now),
        },
        Job {
            name: "charging_sessions_sweeper",
            every: Duration::from_secs(30),
            run: |c, now, config| {
                crate::devices::model::sessions::sweep(
                    c,
                    now,
                    config.device_start_wait(),
                    config.device_settle_wait(),
                    config.device_offline_after(),
                )
            },
        },
        Job {
            name: "purge_device_frames",
            every: Duration::from_secs(3600),
            run: |c, now, _| crate::devices::model::frames::purge_expired(c, now),
        },
        Job {
            name: "expire_tenancies",
            every: Duration::from_secs(60),
            run: |c, now, _| crate::households::model::expire_tenancies(c, now),
        },
        Job {
            name: "purge_idempotency_keys",
            every: Duration::from_secs(600),
            run: |c, now, _| crate::http::idempotency::purge_expired(c, now),
        },
        Job {
            name: "purge_refresh_tokens",
            every: Duration::from_secs(3600),
            run: |c, now, _| crate::auth::model::purge_expired(c, now),
        },
        Job {
            name: "purge_code_attempts",
            every: Duration::from_secs(600),
            run: |c, now, _| crate::guesses::purge_expired(c, now),
        },
        Job {
            name: "close_ended_activities",
            every: Duration::from_secs(300),
            run: |c, now, _| crate::volunteering::model::attendance::close_ended_activities(c, now),
        },
        Job {
            name: "auto_confirm_wishes",
            every: Duration::from_secs(600),
            run: |c, now, config| {
                crate::volunteering::model::wishes::auto_confirm(
                    c,
                    now,
                    config.wish_points_month_cap,
                )
            },
        },
    ]
}

/// Start every job on the current runtime. A failing run is logged and tried again at the
/// next tick; a database outage never stops a job.
pub fn spawn_all(state: AppState) {
    let scale = state.config.job_interval_scale;
    for job in all() {
        let state = state.clone();
        let every = job.every.mul_f64(scale).max(Duration::from_millis(10));
        actix_web::rt::spawn(async move {
            let mut ticker = actix_web::rt::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let now = state.clock.now_naive();
                let run = job.run;
                let config = state.config.clone();
                let result = state.db(move |conn| run(conn, now, &config)).await;
                crate::ops::metrics::job_ran(job.name, result.is_ok());
                match result {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(job = job.name, affected = n, "job ran"),
                    Err(e) => tracing::warn!(job = job.name, error = %e, "job failed"),
                }
            }
        });
    }
}
