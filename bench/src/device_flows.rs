//! Device logins at scale: many people each waiting on device codes of
//! every provider (the development providers, interval 5 s), the worker
//! polling them all; every page waiting on a pushed status; then every code
//! approved at once at the provider's page.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures::{StreamExt, TryStreamExt};
use reqwest::header::COOKIE;
use reqwest::Client;
use tokio::task::JoinHandle;
use url::Url;

use crate::metrics::{Histogram, Scrape};
use crate::person::Person;
use crate::server::Server;

pub struct Figures {
    pub flows: usize,
    pub people: usize,
    pub started_in: Duration,
    /// The worker's polls during the steady window.
    pub lateness: Histogram,
    pub window: Duration,
    /// CPU time over the window, as a share of one core.
    pub cpu_share: f64,
    pub rss: u64,
    pub streams: usize,
    pub rss_per_stream: f64,
    pub approved_in: Duration,
    /// From the first approval until the last page heard "connected".
    pub all_pushed_in: Duration,
    /// From the last approval until the last page heard.
    pub pushed_after_last_approval: Duration,
    pub connected: usize,
}

struct Flow {
    person: usize,
    id: String,
    user_code: String,
}

/// Every provider a development server connects by code.
const PROVIDERS: &[&str] = &["github", "anthropic", "openai", "google", "microsoft"];

pub async fn measure(
    server: &Server,
    http: &Client,
    count: usize,
    window: Duration,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let people_needed = count.div_ceil(PROVIDERS.len());
    let people: Vec<Person> = futures::stream::iter(0..people_needed)
        .map(|i| async move {
            let login = format!("flow-{i}");
            Person::sign_in(http, &server.url, &login, 10_000 + i as u32).await
        })
        .buffered(16)
        .try_collect()
        .await?;
    let starts = (0..count).map(|n| (n / PROVIDERS.len(), PROVIDERS[n % PROVIDERS.len()]));
    let flows: Vec<Flow> = futures::stream::iter(starts)
        .map(|(person, provider)| {
            let people = &people;
            async move {
                let view = people[person]
                    .call(
                        http,
                        "/fn/providers/device/start",
                        &[("provider", provider)],
                    )
                    .await
                    .with_context(|| format!("starting a {provider} device login"))?;
                Ok::<_, anyhow::Error>(Flow {
                    person,
                    id: view["id"].as_str().context("no id")?.to_owned(),
                    user_code: view["user_code"].as_str().context("no code")?.to_owned(),
                })
            }
        })
        .buffer_unordered(32)
        .try_collect()
        .await?;
    let started_in = started.elapsed();
    println!(
        "  {} device logins of {} people started in {:.1} s; measuring for {} s",
        flows.len(),
        people.len(),
        started_in.as_secs_f64(),
        window.as_secs()
    );

    // The steady window: every flow polled every 5 s.
    let before = Scrape::of(http, &server.url).await?;
    let cpu_before = server.cpu()?;
    let window_started = Instant::now();
    tokio::time::sleep(window).await;
    let cpu_share =
        (server.cpu()? - cpu_before).as_secs_f64() / window_started.elapsed().as_secs_f64();
    let after = Scrape::of(http, &server.url).await?;
    let lateness = after
        .histogram("relay_device_flow_poll_lateness_seconds")?
        .since(&before.histogram("relay_device_flow_poll_lateness_seconds")?);
    let rss = server.rss()?;

    // Every page waits on its flow's pushed status.
    let rss_before_streams = server.rss()?;
    let waiting: Vec<JoinHandle<anyhow::Result<(Instant, String)>>> = futures::stream::iter(&flows)
        .map(|flow| open_stream(http, &people[flow.person], &flow.id))
        .buffer_unordered(64)
        .try_collect()
        .await?;
    let open = Scrape::of(http, &server.url)
        .await?
        .value("relay_live_streams")?;
    if open < flows.len() as f64 {
        bail!("only {open} of {} streams are open", flows.len());
    }
    let rss_per_stream = (server.rss()? as f64 - rss_before_streams as f64) / flows.len() as f64;
    println!("  {} pages waiting on a pushed status", flows.len());

    // Everyone presses Authorize at the provider's page, at once.
    let approvals_started = Instant::now();
    futures::stream::iter(&flows)
        .map(|flow| {
            approve(
                http,
                &server.dev_url,
                &people[flow.person].login,
                &flow.user_code,
            )
        })
        .buffer_unordered(64)
        .try_collect::<Vec<()>>()
        .await?;
    let approved_in = approvals_started.elapsed();
    let last_approval = Instant::now();
    let mut last_push = approvals_started;
    let mut connected = 0;
    for heard in waiting {
        let (at, state) = tokio::time::timeout(Duration::from_secs(180), heard)
            .await
            .context("a page heard nothing within 3 minutes of the approvals")???;
        last_push = last_push.max(at);
        connected += usize::from(state == "connected");
    }
    Ok(Figures {
        flows: flows.len(),
        people: people.len(),
        started_in,
        lateness,
        window,
        cpu_share,
        rss,
        streams: flows.len(),
        rss_per_stream,
        approved_in,
        all_pushed_in: last_push - approvals_started,
        pushed_after_last_approval: last_push.saturating_duration_since(last_approval),
        connected,
    })
}

/// Opens `/live/device/{id}` as the page does; the task ends when the
/// `changed` event arrives, with when and what it said.
async fn open_stream(
    http: &Client,
    person: &Person,
    id: &str,
) -> anyhow::Result<JoinHandle<anyhow::Result<(Instant, String)>>> {
    let mut stream = http
        .get(person.url(&format!("live/device/{id}")))
        .header(COOKIE, &person.cookie)
        .send()
        .await?;
    if !stream.status().is_success() {
        bail!("/live/device: {}", stream.status());
    }
    Ok(tokio::spawn(async move {
        let mut text = String::new();
        while let Some(chunk) = stream.chunk().await? {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(event) = text.split("\n\n").find(|e| e.contains("event: changed")) {
                let data = event
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap_or("")
                    .to_owned();
                return Ok((Instant::now(), data));
            }
        }
        bail!("the stream ended without a change")
    }))
}

/// The person types the code at the development provider's page and presses Authorize.
async fn approve(http: &Client, dev: &Url, login: &str, code: &str) -> anyhow::Result<()> {
    let page = http
        .post(dev.join("device")?)
        .form(&[
            ("user_code", code),
            ("other_login", login),
            ("decision", "authorize"),
        ])
        .send()
        .await?;
    let status = page.status();
    let text = page.text().await?;
    if !text.contains("Device authorized") {
        bail!("approving {code}: {status}");
    }
    Ok(())
}
