//! `relay-bench`: every figure of Relay's benchmark in one run, against the
//! release relay-server started here, printed as one table next to its goal
//! or ceiling. `bench/run` builds everything and calls it; nothing here
//! asserts a figure (bench/README.md).

mod broker;
mod device_flows;
mod load;
mod metrics;
mod person;
mod server;
mod vault;

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use app::platform::db;
use app::vault::{MasterKey, Vault};

use crate::load::Load;
use crate::person::Person;
use crate::server::{Server, Setup};

/// What a run measures; `relay-bench --help` lists the options.
struct Options {
    flows: usize,
    window: Duration,
    duration: Duration,
    connections: u32,
    terminals: usize,
    loads: usize,
    database_url: Option<String>,
}

const HELP: &str = "relay-bench [--flows N] [--window SECS] [--duration SECS] [--connections N] [--terminals N] [--loads N] [--postgres URL]
  --flows N        pending device logins (10000)
  --window SECS    how long those are watched being polled (30)
  --duration SECS  each wrk run (10)
  --connections N  wrk's open connections (32)
  --terminals N    terminals waiting on `relay auth` for the poll figure (12000)
  --loads N        page loads of each time-to-interactive median (20)
  --postgres URL   run the server on this PostgreSQL database instead of SQLite";

fn options() -> anyhow::Result<Options> {
    let mut options = Options {
        flows: 10_000,
        window: Duration::from_secs(30),
        duration: Duration::from_secs(10),
        connections: 32,
        terminals: 12_000,
        loads: 20,
        database_url: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("{HELP}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value\n{HELP}"))?;
        let number = || -> anyhow::Result<u64> {
            value
                .parse()
                .with_context(|| format!("{flag} takes a number, not \"{value}\""))
        };
        match flag.as_str() {
            "--flows" => options.flows = number()? as usize,
            "--window" => options.window = Duration::from_secs(number()?),
            "--duration" => options.duration = Duration::from_secs(number()?),
            "--connections" => options.connections = number()? as u32,
            "--terminals" => options.terminals = number()? as usize,
            "--loads" => options.loads = number()? as usize,
            "--postgres" => options.database_url = Some(value),
            other => bail!("unknown option {other}\n{HELP}"),
        }
    }
    Ok(options)
}

/// One line of the table.
struct Row {
    figure: String,
    measured: String,
    goal: String,
}

fn row(figure: impl Into<String>, measured: impl Into<String>, goal: impl Into<String>) -> Row {
    let row = Row {
        figure: figure.into(),
        measured: measured.into(),
        goal: goal.into(),
    };
    println!("  {}: {}", row.figure, row.measured);
    row
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options()?;
    let root = server::root();
    // RELAY_BENCH_SERVER: another build to measure (its hash.txt beside it).
    let binary = std::env::var_os("RELAY_BENCH_SERVER")
        .map_or_else(|| root.join("target/release/relay-server"), Into::into);
    let site_root = root.join("target/site");
    for needed in [&binary, &binary.with_file_name("hash.txt"), &site_root] {
        if !needed.exists() {
            bail!(
                "{} is missing: run bench/run (it builds the release server first)",
                needed.display()
            );
        }
    }
    println!("{}", machine());
    let data = tempfile::tempdir()?;
    let setup = Setup {
        binary: &binary,
        site_root: &site_root,
        data_dir: data.path(),
        database_url: options.database_url.as_deref(),
    };
    let mut rows = Vec::new();

    println!("\n== Start-up");
    let first = Server::start(&setup).await?;
    let first_ready = first.ready_after;
    let idle_rss = first.rss()?;
    first.stop().await?;
    let server = Server::start(&setup).await?;
    rows.push(row(
        "Start-up to ready (`/readyz`)",
        format!(
            "{} first start (empty database, every migration applied); {} restart",
            ms(first_ready),
            ms(server.ready_after)
        ),
        "",
    ));
    rows.push(row(
        "Idle RSS",
        format!(
            "{} (after the first start); {} (restarted)",
            mb(idle_rss as f64),
            mb(server.rss()? as f64)
        ),
        "",
    ));

    println!("\n== Setting up: a signed-in person, waiting terminals, a stored key");
    let http = person::client();
    let me = Person::sign_in(&http, &server.url, "bench", 1).await?;
    let page = me.get(&http, "/onboarding/providers").await?;
    let (status, html) = (page.status(), page.text().await?);
    if !status.is_success() || !html.contains("Add Self-Hosted Provider") {
        bail!("/onboarding/providers answered {status} without the providers step");
    }
    let work = tempfile::tempdir()?;
    let bodies = work.path().join("terminals.txt");
    broker::waiting_terminals(&http, &server.url, options.terminals, &bodies).await?;
    let jwt = broker::signed_in_terminal(&http, &me).await?;
    broker::store_key(&http, &me, &jwt).await?;
    let script = work.path().join("poll.lua");
    std::fs::write(&script, broker::POLL_SCRIPT)?;

    println!(
        "\n== Requests under load (wrk, {} connections, {} s each)",
        options.connections,
        options.duration.as_secs()
    );
    let at = |path: &str| server.url.join(path).expect("a path").to_string();
    let cookie = format!("Cookie: {}", me.cookie);
    let bearer = format!("Authorization: Bearer {jwt}");
    let run = |path: &str, headers: &[String], script: Option<(&Path, &[String])>| {
        // A short run first, so every figure starts warm.
        load::run(
            &at(path),
            options.connections,
            Duration::from_secs(2),
            headers,
            script,
        )?;
        load::run(
            &at(path),
            options.connections,
            options.duration,
            headers,
            script,
        )
    };
    let ceiling = run("livez", &[], None)?;
    rows.push(row(
        "Ceiling: `GET /livez` (a trivial handler, same server and middleware)",
        describe(&ceiling, None),
        "the ceiling",
    ));
    // As a browser asks: the page comes compressed.
    let browser = [
        cookie.clone(),
        "Accept-Encoding: gzip, deflate, br".to_owned(),
    ];
    let ssr = run("onboarding/providers", &browser, None)?;
    rows.push(row(
        "SSR: `GET /onboarding/providers`, signed in",
        describe(&ssr, Some(&ceiling)),
        "≥ 25 % of the ceiling",
    ));
    let poll_args = [bodies.display().to_string(), "2".to_owned()];
    let poll = run("cli/poll", &[], Some((&script, &poll_args)))?;
    rows.push(row(
        format!(
            "Broker: `POST /cli/poll`, {} terminals waiting (each polled at most every 1.75 s)",
            options.terminals
        ),
        format!(
            "{}; {} of {} answers were \"pending\"",
            describe(&poll, Some(&ceiling)),
            poll.requests - poll.refused,
            poll.requests
        ),
        "≥ 50 % of the ceiling",
    ));
    let credential = run(
        "api/credentials/anthropic",
        std::slice::from_ref(&bearer),
        None,
    )?;
    rows.push(row(
        "Broker: `GET /api/credentials/anthropic` with a session token",
        describe(&credential, Some(&ceiling)),
        "≥ 50 % of the ceiling",
    ));
    for (name, load) in [("SSR", &ssr), ("poll", &poll), ("credential", &credential)] {
        if name != "poll" && load.refused > 0 {
            bail!(
                "{name}: {} answers were refused: the figure would be wrong",
                load.refused
            );
        }
    }

    println!(
        "\n== Time to interactive (headless Chromium, {} loads each)",
        options.loads
    );
    let session = me.cookie.split_once('=').expect("name=value").1;
    let tti = time_to_interactive(&root, &server.url, session, options.loads);
    rows.push(row(
        "Time to interactive: navigation → \"+ Add Self-Hosted Provider\" opens in place",
        match tti {
            Ok((cold, warm)) => format!(
                "median {cold:.0} ms with nothing cached, {warm:.0} ms with the files cached ({} loads each)",
                options.loads
            ),
            // Printed, not fatal: the other figures still count.
            Err(e) => format!("failed: {e:#}"),
        },
        "< 300 ms",
    ));

    println!("\n== Vault (one core)");
    let (database, vault, user_id) = server_vault(data.path(), setup.database_url).await?;
    let sealing = vault::measure(Some((&database, &vault, &user_id))).await?;
    rows.push(row(
        "Vault: seal + open of a 2 KB credential",
        format!(
            "{:.0}/s, raw AES-256-GCM {:.0}/s on the same bytes: {:.0} % (a pair takes {} against {}; base64, the stored text form, alone {})",
            sealing.vault_per_sec,
            sealing.raw_per_sec,
            100.0 * sealing.vault_per_sec / sealing.raw_per_sec,
            us(Duration::from_secs_f64(1.0 / sealing.vault_per_sec)),
            us(Duration::from_secs_f64(1.0 / sealing.raw_per_sec)),
            us(sealing.base64)
        ),
        "≥ 80 % of raw AES-256-GCM",
    ));
    rows.push(row(
        "Vault: a user's data key",
        format!(
            "unwrap {}; read from the database + unwrap {}; not cached: every use reads and unwraps it",
            us(sealing.unwrap),
            sealing.data_key.map_or("—".to_owned(), us)
        ),
        "",
    ));

    println!(
        "\n== Device logins at scale ({} pending, interval 5 s)",
        options.flows
    );
    let flows = device_flows::measure(&server, &http, options.flows, options.window).await?;
    rows.push(row(
        format!(
            "Device logins: {} pending ({} people), the worker's poll lateness",
            flows.flows, flows.people
        ),
        format!(
            "worst ≤ {} s, 99 % ≤ {} s, mean {:.0} ms ({} polls in {} s)",
            flows.lateness.at_most(1.0),
            flows.lateness.at_most(0.99),
            1000.0 * flows.lateness.mean(),
            flows.lateness.count,
            flows.window.as_secs()
        ),
        "worst < 1 s",
    ));
    rows.push(row(
        "Device logins: the server meanwhile (its development providers answer the polls in the same process)",
        format!("CPU {:.0} % of one core; RSS {}", 100.0 * flows.cpu_share, mb(flows.rss as f64)),
        "",
    ));
    rows.push(row(
        format!(
            "Pages waiting on a pushed status: {} open `/live/device` streams",
            flows.streams
        ),
        format!("{} of RSS per waiting page", kb(flows.rss_per_stream)),
        "",
    ));
    rows.push(row(
        "Device logins: all approved at once",
        format!(
            "{} of {} connected and pushed {:.1} s after the first approval (approving took {:.1} s; last push {:.1} s after the last approval, one poll interval is 5 s)",
            flows.connected,
            flows.flows,
            flows.all_pushed_in.as_secs_f64(),
            flows.approved_in.as_secs_f64(),
            flows.pushed_after_last_approval.as_secs_f64()
        ),
        "",
    ));
    if flows.started_in > Duration::ZERO {
        rows.push(row(
            "Device logins: starting them",
            format!(
                "{} people signed in and {} logins started in {:.1} s",
                flows.people,
                flows.flows,
                flows.started_in.as_secs_f64()
            ),
            "",
        ));
    }
    server.stop().await?;

    println!("\n| Figure | Measured | Goal |\n|---|---|---|");
    for r in &rows {
        println!("| {} | {} | {} |", r.figure, r.measured, r.goal);
    }
    Ok(())
}

/// `bench/tti.mjs` in headless Chromium: the medians (ms) with nothing cached and with the files cached.
fn time_to_interactive(
    root: &Path,
    url: &url::Url,
    session: &str,
    loads: usize,
) -> anyhow::Result<(f64, f64)> {
    let tti = std::process::Command::new("node")
        .arg(root.join("bench/tti.mjs"))
        .arg(url.as_str().trim_end_matches('/'))
        .arg(session)
        .arg(loads.to_string())
        .output()?;
    if !tti.status.success() {
        let why = String::from_utf8_lossy(&tti.stderr);
        let first = why
            .lines()
            .find(|l| l.contains("Error"))
            .unwrap_or("see its output");
        bail!("bench/tti.mjs: {first}");
    }
    let tti: serde_json::Value = serde_json::from_slice(&tti.stdout)?;
    let median_of = |key: &str| -> anyhow::Result<f64> {
        let mut values: Vec<f64> = tti[key]
            .as_array()
            .context("tti.mjs' answer")?
            .iter()
            .filter_map(|v| v.as_f64())
            .collect();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().context("no loads")
    };
    Ok((median_of("cold")?, median_of("warm")?))
}

/// The server's own database and master key, opened beside it (read-only use).
async fn server_vault(
    data: &Path,
    postgres: Option<&str>,
) -> anyhow::Result<(db::Db, Vault, String)> {
    let url = match postgres {
        Some(url) => url.to_owned(),
        None => format!("sqlite:{}", data.join("relay.db").display()),
    };
    let database = db::open(&url).await?;
    let key = std::fs::read_to_string(data.join("master.key"))?;
    let vault = Vault::new(MasterKey::parse(key.trim())?, vec![]);
    let user_id: String = match &database {
        db::Db::Sqlite(pool) => {
            sqlx::query_scalar("SELECT id FROM users WHERE login = 'bench'")
                .fetch_one(pool)
                .await?
        }
        db::Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT id FROM users WHERE login = 'bench'")
                .fetch_one(pool)
                .await?
        }
    };
    Ok((database, vault, user_id))
}

fn describe(load: &Load, ceiling: Option<&Load>) -> String {
    let ratio = ceiling.map_or(String::new(), |c| {
        format!(
            " ({:.0} % of the ceiling)",
            100.0 * load.per_sec / c.per_sec
        )
    });
    format!(
        "{:.0} req/s{ratio}, p50 {}, p99 {}",
        load.per_sec,
        ms(load.p50),
        ms(load.p99)
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn mb(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}

fn kb(bytes: f64) -> String {
    format!("{:.1} KB", bytes / 1e3)
}

/// The machine, for the record (bench/RESULTS.md keeps it beside the figures).
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or("?".to_owned(), |kib| {
            format!("{:.0} GiB", kib / 1024.0 / 1024.0)
        });
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|s| s.trim_matches('"').to_owned())
        })
        .unwrap_or_default();
    format!("Machine: {cores} cores ({model}), {memory}, {os}")
}
