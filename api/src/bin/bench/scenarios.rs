//! The measured scenarios: what each sends, and the set-up (residents, a property firm) they need.

use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::Rng;

/// One request to send: method, path (with query), extra headers, body.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Req {
    pub fn get(path: impl Into<String>) -> Req {
        Req {
            method: "GET",
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }
}

pub type Builder = Arc<dyn Fn(&mut SmallRng) -> Req + Send + Sync>;

/// A named request builder.
pub struct Scenario {
    pub name: String,
    pub build: Builder,
}

/// What scenarios may use: the server's address and a way to get tokens.
pub struct Ctx {
    pub base: String,
    pub port: u16,
    /// The server's process id (for its memory).
    pub pid: u32,
    /// The database it serves.
    pub db_url: String,
    /// Cards and sockets loaded.
    pub cards: usize,
    pub sockets: usize,
}

impl Ctx {
    /// An access token for a development login (`LINLI_DEV_LOGIN` is on in the bench server).
    pub fn token(&self, openid: &str, role: &str) -> Result<String, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let v: serde_json::Value = reqwest::Client::new()
                .post(format!("{}/api/v1/auth/dev", self.base))
                .json(&serde_json::json!({"openid": openid, "role": role}))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            v["access_token"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("no token: {v}"))
        })
    }
}

/// Residents for the write scenarios: `n` dev-login users, each bound to its own demo
/// household (card n), logged in concurrently. Returns their tokens.
pub fn residents(ctx: &Ctx, n: usize) -> Result<Vec<String>, String> {
    residents_for(ctx, &(1..=n).collect::<Vec<_>>(), "bench-resident")
}

/// Residents `{prefix}-{card}`, each bound to the household of demo card `card` (1-based):
/// the card binding asks to join, community staff approve. Logged in concurrently. Returns
/// their tokens, in the cards' order.
pub fn residents_for(ctx: &Ctx, cards: &[usize], prefix: &str) -> Result<Vec<String>, String> {
    let staff = ctx.token("bench-approver", "staff")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let codes = linli::places::seed::demo_check_codes(cards.iter().copied().max().unwrap_or(0));
    let http = reqwest::Client::new();
    rt.block_on(async {
        let mut tokens = Vec::with_capacity(cards.len());
        for chunk in cards.chunks(32) {
            let calls = chunk.iter().map(|&i| {
                let (http, base, code) = (http.clone(), ctx.base.clone(), codes[i - 1].clone());
                let staff = staff.clone();
                async move {
                    let v: serde_json::Value = http
                        .post(format!("{base}/api/v1/auth/dev"))
                        .json(&serde_json::json!({"openid": format!("{prefix}-{i}")}))
                        .send()
                        .await
                        .map_err(|e| e.to_string())?
                        .json()
                        .await
                        .map_err(|e| e.to_string())?;
                    let token = v["access_token"].as_str().ok_or("no token")?.to_owned();
                    let bound = http
                        .post(format!("{base}/api/v1/me/household"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"card_number": linli::places::seed::card_number(i), "check_code": code}))
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    if !bound.status().is_success() {
                        return Err(format!("binding card {i}: {}", bound.status()));
                    }
                    let me: serde_json::Value = bound.json().await.map_err(|e| e.to_string())?;
                    let m = &me["membership"];
                    if m["status"] == "pending" {
                        let approved = http
                            .post(format!(
                                "{base}/api/v1/households/{}/members/{}/approve",
                                m["household_id"], m["id"]
                            ))
                            .bearer_auth(&staff)
                            .json(&serde_json::json!({}))
                            .send()
                            .await
                            .map_err(|e| e.to_string())?;
                        if !approved.status().is_success() {
                            let status = approved.status();
                            let body = approved.text().await.unwrap_or_default();
                            return Err(format!("approving card {i}'s request: {status} {body}"));
                        }
                    }
                    Ok::<_, String>(token)
                }
            });
            for t in futures_util::future::join_all(calls).await {
                tokens.push(t?);
            }
        }
        Ok(tokens)
    })
}

/// Send one authenticated JSON request during set-up; fails on a non-2xx answer.
pub fn setup_call(
    ctx: &Ctx,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let r = reqwest::Client::new()
            .request(method, format!("{}{path}", ctx.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status();
        let v: serde_json::Value = r.json().await.unwrap_or_default();
        if status.is_success() {
            Ok(v)
        } else {
            Err(format!("{path}: {status} {v}"))
        }
    })
}

pub fn json_post(path: String, token: &str, body: serde_json::Value) -> Req {
    Req {
        method: "POST",
        path,
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: Some(body.to_string().into_bytes()),
    }
}

/// The availability grid of one of six charging compounds, seen by a logged-in resident.
pub fn availability(viewer: String) -> Scenario {
    Scenario {
        name: "availability grid (one compound, 3 days, logged in)".into(),
        build: Arc::new(move |rng: &mut SmallRng| {
            let compound = [1, 2, 8, 9, 15, 16][rng.random_range(0..6)];
            let mut req = Req::get(format!("/api/v1/compounds/{compound}/availability"));
            req.headers
                .push(("Authorization".into(), format!("Bearer {viewer}")));
            req
        }),
    }
}

/// Charging and volunteering write scenarios: every request books a distinct socket × slot
/// (or signs a distinct resident up to an activity), so the figures are successful writes.
pub fn write_scenarios(ctx: &Ctx) -> Result<Vec<Scenario>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const USERS: usize = 5000;
    let staff = ctx.token("bench-staff", "staff")?;
    // Ten active bookings per household in the charging compounds, so 5,000 households can
    // make 50,000 bookings.
    // The demo's charging compounds: the first two of each community's seven.
    for compound in (0..8).flat_map(|c| [7 * c + 1, 7 * c + 2]) {
        let settings = serde_json::json!({"slot_minutes": 30, "days_ahead": 7, "min_notice_minutes": 0, "max_booking_minutes": 240, "grace_minutes": 15, "max_active_per_household": 10});
        setup_call(
            ctx,
            reqwest::Method::PUT,
            &format!("/api/v1/compounds/{compound}/charging-settings"),
            &staff,
            settings,
        )?;
    }
    let tokens = Arc::new(residents(ctx, USERS)?);
    let viewer = tokens[0].clone();
    let start = linli::charging::rules::slot_floor(
        chrono::Utc::now().naive_utc(),
        chrono::Duration::minutes(30),
    ) + chrono::Duration::hours(1);
    let next = Arc::new(AtomicUsize::new(0));
    let booking_tokens = tokens.clone();
    let sockets = ctx.sockets.max(1);
    let bookings: Builder = Arc::new(move |_rng: &mut SmallRng| {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let socket = n % sockets + 1;
        let slot = start + chrono::Duration::minutes(30 * i64::try_from(n / sockets).unwrap_or(0));
        let token = &booking_tokens[n % USERS];
        json_post(
            "/api/v1/bookings".into(),
            token,
            serde_json::json!({"socket_id": socket, "starts_at": slot.and_utc().to_rfc3339(), "ends_at": (slot + chrono::Duration::minutes(30)).and_utc().to_rfc3339()}),
        )
    });
    // Sign-ups: 200 activities of 30 seats three days ahead; resident n % 2000 signs up to
    // activity n / 2000 (confirmed while seats last, then waitlisted: both are writes).
    let day = chrono::Utc::now() + chrono::Duration::days(3);
    let mut activities = Vec::new();
    for i in 0..200 {
        let body = serde_json::json!({
            "team_id": 1, "community_id": 1 + i % 8, "title": format!("压测活动{i}"), "category": "haircut",
            "place": "社区服务中心", "starts_at": day.to_rfc3339(), "ends_at": (day + chrono::Duration::hours(2)).to_rfc3339(),
            "capacity": 30, "points_per_hour": 10,
        });
        let v = setup_call(
            ctx,
            reqwest::Method::POST,
            "/api/v1/activities",
            &staff,
            body,
        )?;
        activities.push(v["id"].as_i64().ok_or("activity without id")?);
    }
    let counter = Arc::new(AtomicUsize::new(0));
    let signups: Builder = Arc::new(move |_rng: &mut SmallRng| {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let activity = activities[(n / USERS) % activities.len()];
        json_post(
            format!("/api/v1/activities/{activity}/signups"),
            &tokens[n % USERS],
            serde_json::json!({}),
        )
    });
    Ok(vec![
        availability(viewer),
        Scenario {
            name: "booking (distinct socket × slot, 5,000 households)".into(),
            build: bookings,
        },
        Scenario {
            name: "volunteer sign-up (5,000 residents × 200 activities)".into(),
            build: signups,
        },
        Scenario {
            name: "partner booking report (utilisation, 2 compounds × 7 days)".into(),
            build: partner_report(ctx, &staff)?,
        },
    ])
}

/// A property firm serving compounds 1 and 2 with a `bookings:read` client; its utilisation
/// report (per pile and day) of the last week.
pub fn partner_report(ctx: &Ctx, staff: &str) -> Result<Builder, String> {
    let firm = setup_call(
        ctx,
        reqwest::Method::POST,
        "/api/v1/partners",
        staff,
        serde_json::json!({"name": "压测物业", "compound_ids": [1, 2]}),
    )?;
    let id = firm["id"].as_i64().ok_or("partner without id")?;
    let client = setup_call(
        ctx,
        reqwest::Method::POST,
        &format!("/api/v1/partners/{id}/clients"),
        staff,
        serde_json::json!({"name": "压测", "scopes": ["bookings:read"]}),
    )?;
    let token = setup_call(
        ctx,
        reqwest::Method::POST,
        "/api/v1/partner/token",
        "",
        serde_json::json!({"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": client["client_secret"]}),
    )?;
    let token = token["access_token"]
        .as_str()
        .ok_or("no partner token")?
        .to_owned();
    Ok(Arc::new(move |_rng: &mut SmallRng| {
        let mut req = Req::get("/api/v1/partner/reports/utilisation");
        req.headers
            .push(("Authorization".into(), format!("Bearer {token}")));
        req
    }))
}

/// Every scenario, in table order. Add new ones here.
pub fn scenarios(ctx: &Ctx) -> Result<Vec<Scenario>, String> {
    Ok(scenarios_cards(ctx)
        .into_iter()
        .chain(write_scenarios(ctx)?)
        .collect())
}

/// Card lookups and keyword searches (no set-up needed); the plain card lookup first.
pub fn scenarios_cards(ctx: &Ctx) -> Vec<Scenario> {
    let codes = Arc::new(linli::places::seed::demo_check_codes(ctx.cards));
    let lookup = move |rng: &mut SmallRng| {
        let n = rng.random_range(1..=codes.len());
        Req::get(format!(
            "/api/v1/cards/{}?check_code={}",
            linli::places::seed::card_number(n),
            codes[n - 1]
        ))
    };
    let card_lookup: Builder = Arc::new(lookup.clone());
    // What phones send: the answer comes compressed.
    let card_lookup_gzip: Builder = Arc::new(move |rng: &mut SmallRng| {
        let mut req = lookup(rng);
        req.headers
            .push(("Accept-Encoding".into(), "gzip, deflate, br".into()));
        req
    });
    const KEYWORDS: [&str; 10] = [
        "理发",
        "法律",
        "卫生",
        "日间照料",
        "调解",
        "阅览",
        "维修",
        "积分超市",
        "心理",
        "服务中心",
    ];
    let encoded: Arc<Vec<String>> = Arc::new(
        KEYWORDS
            .iter()
            .map(|k| form_urlencoded::byte_serialize(k.as_bytes()).collect())
            .collect(),
    );
    let query = move |rng: &mut SmallRng| {
        let k = &encoded[rng.random_range(0..encoded.len())];
        Req::get(format!("/api/v1/services?q={k}&per_page=20"))
    };
    let search: Builder = Arc::new(query.clone());
    let search_gzip: Builder = Arc::new(move |rng: &mut SmallRng| {
        let mut req = query(rng);
        req.headers
            .push(("Accept-Encoding".into(), "gzip, deflate, br".into()));
        req
    });
    vec![
        Scenario {
            name: format!("card lookup (random of {} cards)", ctx.cards),
            build: card_lookup,
        },
        Scenario {
            name: "card lookup, phone headers (Accept-Encoding: gzip, deflate, br)".into(),
            build: card_lookup_gzip,
        },
        Scenario {
            name: "keyword search (10 Chinese keywords)".into(),
            build: search,
        },
        Scenario {
            name: "keyword search, phone headers (Accept-Encoding: gzip, deflate, br)".into(),
            build: search_gzip,
        },
    ]
}
