//! The `linli` command: parse configuration, then serve or run an administrative command.

use clap::{Parser, Subcommand};
use linli::auth::Role;
use linli::config::Config;
use linli::{db, Application};

/// Linli (邻里): neighbourhood services back end — e-bike charging, convenience cards and
/// volunteering. Every option can also be set by the environment variable shown.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (the default).
    Serve,
    /// Hold the charging piles' TCP connections (DNY protocol) on `LINLI_DEVICE_BIND`: send
    /// them the commands API processes queue, record their heartbeats, power reports and
    /// settlements.
    Gateway,
    /// Simulate a compound's charging piles for the demo: connect to a gateway, register,
    /// heartbeat, answer starts, report power and settle (resent until acknowledged).
    SimulatePiles {
        /// The gateway's address (default: `LINLI_DEVICE_BIND`).
        #[arg(long)]
        gateway: Option<String>,
        /// The compound whose piles to simulate (its first `--piles` piles).
        #[arg(long)]
        compound: i64,
        /// How many of its piles.
        #[arg(long, default_value_t = 3)]
        piles: i64,
        /// Whitelist a demo physical id for each of those piles that has none (audited as
        /// `simulator`); without it only piles already registered are simulated.
        #[arg(long)]
        register: bool,
        /// Seconds between power reports of a charging port.
        #[arg(long, default_value_t = 5)]
        report_secs: u64,
        /// Seconds between heartbeats (default: `LINLI_DEVICE_HEARTBEAT_MS`).
        #[arg(long)]
        heartbeat_secs: Option<u64>,
        /// Simulated seconds per real second while charging.
        #[arg(long, default_value_t = 30)]
        speed: u32,
        /// Simulated minutes until a battery is full.
        #[arg(long, default_value_t = 30)]
        charge_minutes: u64,
        /// Seconds before an unacknowledged settlement is sent again.
        #[arg(long, default_value_t = 10)]
        settle_resend_secs: u64,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo data set (8 communities, 10,000 households with cards); safe to repeat.
    Seed {
        /// Load the demo data set.
        #[arg(long, required = true)]
        demo: bool,
        /// Multiply the number of households (for benchmarks).
        #[arg(long, default_value_t = 1)]
        scale: usize,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print `schema.rs` generated from the SQLite migrations.
    Schema,
    /// Re-encrypt every stored phone number under the current `LINLI_PII_KEY` (keep the former
    /// keys in `LINLI_PII_KEYS` until it reports done). Resumable: run it again after a stop;
    /// several at once share the work.
    RotatePiiKey {
        /// Rows per transaction.
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
    /// Charging-pile devices: the whitelist of printed physical ids.
    Devices {
        #[command(subcommand)]
        action: DevicesCommand,
    },
    /// Give a user a role (e.g. make the first administrator).
    SetRole {
        /// The user's openid (dev logins are `dev:<name>`).
        #[arg(long)]
        openid: String,
        /// resident, team_leader, staff or admin.
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand)]
enum DevicesCommand {
    /// Register (whitelist) a device against a pile, as staff do in the API; audited as `cli`.
    Register {
        /// The physical id: the label's 8 hex digits (05000001), or decimal (an 8-digit
        /// decimal id with a leading 0).
        #[arg(long)]
        physical_id: String,
        /// The pile's id.
        #[arg(long)]
        pile: i64,
        /// Its number of ports (1 to 16).
        #[arg(long)]
        ports: i32,
    },
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("linli: {message}");
    std::process::exit(2);
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Openapi) => print!("{}", linli::openapi::document_json()),
        Some(Command::Schema) => match db::schema_gen::generate() {
            Ok(s) => print!("{s}"),
            Err(e) => fail(e),
        },
        command => {
            init_logging(cli.config.json_logs());
            let config = cli.config.finalize().unwrap_or_else(|e| fail(e));
            admin_or_serve(command, config);
        }
    }
}

fn admin_or_serve(command: Option<Command>, config: Config) {
    match command {
        None | Some(Command::Serve) => serve(config),
        Some(Command::Gateway) => {
            let pool = linli::prepare_database(&config).unwrap_or_else(|e| fail(e));
            let system = actix_web::rt::System::new();
            let config = std::sync::Arc::new(config);
            let result = system.block_on(linli::devices::gateway::serve(pool, config));
            exit_after_stop(result);
        }
        Some(Command::SimulatePiles {
            gateway,
            compound,
            piles,
            register,
            report_secs,
            heartbeat_secs,
            speed,
            charge_minutes,
            settle_resend_secs,
        }) => {
            use linli::devices::simulator;
            use std::time::Duration;
            let gateway = gateway
                .or_else(|| config.device_bind.clone())
                .unwrap_or_else(|| {
                    fail("--gateway or LINLI_DEVICE_BIND: where the gateway listens")
                });
            let pool = db::build_pool(&config).unwrap_or_else(|e| fail(e));
            let mut conn = pool
                .get()
                .unwrap_or_else(|e| fail(format!("cannot connect: {e}")));
            let now = chrono::Utc::now().naive_utc();
            let sims = simulator::compound_piles(&mut conn, compound, piles, register, now)
                .unwrap_or_else(|e| {
                    fail(format!("{e}: {}", e.code.message(linli::error::Lang::Zh)))
                });
            drop(conn);
            if sims.is_empty() {
                fail(format!(
                    "no registered piles in compound {compound} (add --register)"
                ));
            }
            let settings = simulator::SimSettings {
                gateway,
                heartbeat_every: Duration::from_millis(
                    heartbeat_secs
                        .map_or(config.device_heartbeat_ms, |s| s.saturating_mul(1000))
                        .max(1000),
                ),
                report_every: Duration::from_secs(report_secs.max(1)),
                speed: speed.max(1),
                charge_for: Duration::from_secs(charge_minutes.max(1).saturating_mul(60)),
                settle_resend: Duration::from_secs(settle_resend_secs.max(1)),
            };
            let labels: Vec<String> = sims
                .iter()
                .map(|p| linli::devices::dto::PhysicalId(p.physical_id).label())
                .collect();
            println!(
                "simulating {} pile(s) of compound {compound} against {}: {}",
                sims.len(),
                settings.gateway,
                labels.join(", ")
            );
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
                let run = tokio::spawn(simulator::run(sims, settings, stop_rx));
                let signal = linli::shutdown_signal().await;
                tracing::info!(signal, "stopping the simulated piles");
                let _ = stop_tx.send(true);
                let _ = run.await;
            });
        }
        Some(Command::Migrate) => {
            let pool = db::build_pool(&config).unwrap_or_else(|e| fail(e));
            let mut conn = pool
                .get()
                .unwrap_or_else(|e| fail(format!("cannot connect: {e}")));
            let applied = db::run_migrations(&mut conn).unwrap_or_else(|e| fail(e));
            println!("applied {} migration(s)", applied.len());
        }
        Some(Command::Seed { scale, .. }) => {
            let mut config = config;
            config.seed_demo = Some(false);
            let pool = linli::prepare_database(&config).unwrap_or_else(|e| fail(e));
            let mut conn = pool.get().unwrap_or_else(|e| fail(e));
            for line in linli::seed::demo(&mut conn, scale.max(1)).unwrap_or_else(|e| fail(e)) {
                println!("{line}");
            }
        }
        Some(Command::Devices {
            action:
                DevicesCommand::Register {
                    physical_id,
                    pile,
                    ports,
                },
        }) => {
            let id = linli::devices::dto::PhysicalId::parse(&physical_id)
                .unwrap_or_else(|e| fail(format!("--physical-id: {e}")));
            let pool = linli::prepare_database(&config).unwrap_or_else(|e| fail(e));
            let mut conn = pool.get().unwrap_or_else(|e| fail(e));
            let now = chrono::Utc::now().naive_utc();
            match linli::devices::model::registry::register_as(
                &mut conn, id, pile, ports, "cli", now,
            ) {
                Ok(device) => println!(
                    "device {device}: {} registered on pile {pile} with {ports} ports",
                    id.label()
                ),
                Err(e) => fail(format!("{e}: {}", e.code.message(linli::error::Lang::Zh))),
            }
        }
        Some(Command::SetRole { openid, role }) => {
            let role = Role::parse(&role)
                .unwrap_or_else(|_| fail("role must be resident, team_leader, staff or admin"));
            let pool = linli::prepare_database(&config).unwrap_or_else(|e| fail(e));
            let mut conn = pool.get().unwrap_or_else(|e| fail(e));
            match linli::auth::model::User::set_role(&mut conn, &openid, role) {
                Ok(0) => fail(format!("no user with openid {openid}")),
                Ok(_) => println!("{openid} is now {}", role.as_str()),
                Err(e) => fail(e),
            }
        }
        Some(Command::RotatePiiKey { batch }) => {
            let pool = linli::prepare_database(&config).unwrap_or_else(|e| fail(e));
            let mut conn = pool.get().unwrap_or_else(|e| fail(e));
            let keys = config.pii_keys().unwrap_or_else(|e| fail(e));
            let now = chrono::Utc::now().naive_utc();
            match linli::pii::rotate::run(&mut conn, &keys, batch, None, now) {
                Ok(p) if p.finished => println!(
                    "every phone number is under key version {} ({} re-encrypted now); LINLI_PII_KEYS may drop the older keys",
                    keys.current_version(),
                    p.rewritten
                ),
                Ok(p) => fail(format!(
                    "rotation to key version {} finished, but {} re-encrypted and some rows were written under an older key since: run it again",
                    keys.current_version(),
                    p.rewritten
                )),
                Err(e) => fail(e),
            }
        }
        Some(Command::Openapi | Command::Schema) => {}
    }
}

fn serve(config: Config) {
    let system = actix_web::rt::System::new();
    let result = system.block_on(async move {
        let app = Application::build(config).unwrap_or_else(|e| fail(e));
        let base = format!("http://{}:{}", app.state().config.bind.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h), app.port());
        tracing::info!("Linli is serving on {base}");
        // Development login only; stdout, never the log.
        if let Some(hint) = app.demo_card_hint() {
            println!("{hint}");
        }
        println!("Linli 邻里 is running: API {base}/api/v1, interactive docs {base}/docs/, OpenAPI {base}/api/openapi.json");
        app.run_until_stopped().await
    });
    exit_after_stop(result);
}

/// Exit once a server has stopped (its grace period honoured), before its runtime (still
/// alive in the caller) is dropped: that drop waits for every blocking task, and one may be a
/// database call stuck on a server that stopped answering (a cache refresh, a reconnect) for up
/// to the read timeout, which would hold the process long after SIGTERM.
fn exit_after_stop<E: std::fmt::Display>(result: Result<(), E>) -> ! {
    if let Err(e) = result {
        fail(e);
    }
    std::process::exit(0);
}
