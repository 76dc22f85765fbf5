//! Several instances on one database, behind a balancer without sticky
//! routing: what one instance records, the other sees at once, and work
//! meant to happen once (polling a device flow) happens once.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use server::Running;

use crate::cli_login::cli_token;
use crate::connect_device::{call, s, start, wait_for_end, FAST};
use crate::connect_freshness::connect;
use crate::fake_provider::{Answer, FakeProvider};
use crate::helpers::{spawn_app_driven, spawn_app_with, test_config, TestApp};

/// Another server on the same database (and master key) and behind the
/// same public URL, as behind one load balancer, with its own process
/// state: its own memory, workers and development providers.
async fn second_instance(app: &TestApp, vars: &[(&str, &str)]) -> Running {
    let public_url = app.running.url.to_string();
    let mut vars = vars.to_vec();
    vars.push(("RELAY_PUBLIC_URL", &public_url));
    server::start(test_config(app.data_dir.path(), &vars).await)
        .await
        .unwrap()
}

/// Calls `GET path` on `instance` with a CLI session token.
async fn api(instance: &url::Url, token: &str, path: &str) -> StatusCode {
    reqwest::Client::new()
        .get(instance.join(path).unwrap())
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

/// Waits until `refused` holds, at most 5 seconds; how long it took.
async fn until_refused<F, Fut>(what: &str, refused: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !refused().await {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: the other instance still accepts it after 5 s"
        );
        tokio::task::yield_now().await;
    }
    let took = started.elapsed();
    println!(
        "{what}: refused by the other instance {:.1} ms after",
        took.as_secs_f64() * 1e3
    );
    took
}

#[tokio::test]
async fn what_one_instance_revokes_the_other_refuses_within_five_seconds() {
    let app = spawn_app_with(&FAST).await;
    app.sign_in("ada").await;
    connect(&app, "anthropic", "claude-user").await;
    let token = cli_token(&app, "ada").await;
    let other = second_instance(&app, &FAST).await;
    let there = other.url.clone();

    // Issued by the first, valid on the second: one signing key set, in the database.
    assert_eq!(api(&there, &token, "/api/me").await, StatusCode::OK);
    assert_eq!(
        api(&there, &token, "/api/credentials/anthropic").await,
        StatusCode::OK
    );
    let browser_status = || async {
        app.client
            .post(there.join("fn/providers/status").unwrap())
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(
        browser_status().await,
        StatusCode::OK,
        "the browser session works there too"
    );

    // A credential disconnected on the first.
    let (status, body) = call(&app, "disconnect", &[("provider", "anthropic")]).await;
    assert_eq!(status, 200, "{body}");
    until_refused("a disconnected credential", || async {
        api(&there, &token, "/api/credentials/anthropic").await == StatusCode::NOT_FOUND
    })
    .await;

    // The token revoked by `relay logout` on the first.
    let logout = reqwest::Client::new()
        .post(app.url("/api/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::OK);
    until_refused("a token revoked by logout", || async {
        api(&there, &token, "/api/me").await == StatusCode::UNAUTHORIZED
    })
    .await;

    // The browser signed out on the first.
    let out = app.server_fn("/fn/account/sign-out", &[]).await;
    assert!(
        out.status().is_success() || out.status().is_redirection(),
        "{}",
        out.status()
    );
    until_refused("a signed-out browser session", || async {
        browser_status().await == StatusCode::UNAUTHORIZED
    })
    .await;
    other.shutdown().await;
}

/// The fake provider as OpenAI, with `pending` answers before the grant;
/// each poll takes 300 ms, so two overlapping ones would show.
async fn device_provider(pending: usize) -> FakeProvider {
    FakeProvider::with_latency(
        &vec![Answer::Pending; pending],
        &[],
        Duration::from_millis(300),
    )
    .await
}

/// The other instance's worker finds a flow it was not told about within
/// 5 s, so the wait is longer than for one instance.
const ACROSS_INSTANCES: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_flow_started_on_one_instance_is_completed_by_the_others_worker() {
    let provider = device_provider(2).await;
    let vars = provider.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The first has no worker running: only the second can poll.
    let app = spawn_app_driven(&vars).await;
    app.sign_in("ada").await;
    let other = second_instance(&app, &vars).await;
    let flow = start(&app, "openai").await;
    let done = wait_for_end(&app, &s(&flow, "id"), ACROSS_INSTANCES).await;
    assert_eq!(done["state"], "Connected", "{done}");
    assert_eq!(
        provider.seen().device_polls,
        3,
        "two pending answers, then the grant"
    );
    other.shutdown().await;
}

#[tokio::test]
async fn two_workers_never_poll_one_flow_at_once() {
    let pending = 4;
    let provider = device_provider(pending).await;
    let vars = provider.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&vars).await;
    let other = second_instance(&app, &vars).await;
    // Both workers find the flow due every second.
    app.sign_in("ada").await;
    let flow = start(&app, "openai").await;
    let done = wait_for_end(&app, &s(&flow, "id"), ACROSS_INSTANCES).await;
    assert_eq!(done["state"], "Connected", "{done}");

    let seen = provider.seen();
    assert_eq!(seen.most_in_flight, 1, "never two polls at once");
    assert_eq!(
        seen.device_polls,
        pending + 1,
        "each answer asked for once: {pending} pending, then the grant"
    );
    other.shutdown().await;
}

#[tokio::test]
async fn a_page_on_one_instance_hears_what_another_instance_learnt() {
    let app = spawn_app_driven(&FAST).await;
    if !matches!(app.db(), app::platform::Db::Postgres(_)) {
        // SQLite is one instance: its changes are pushed in-process
        // (`live::a_waiting_page_hears_its_device_login_connect_as_the_server_learns_it`).
        println!("on SQLite there is one instance; this runs on PostgreSQL");
        return;
    }
    app.sign_in("ada").await;
    let flow = start(&app, "anthropic").await;
    let id = s(&flow, "id");
    // The browser waits on the other instance, which polls nothing itself.
    let public_url = app.running.url.to_string();
    let mut config = test_config(
        app.data_dir.path(),
        &[FAST[0], ("RELAY_PUBLIC_URL", &public_url)],
    )
    .await;
    config.background_workers = false;
    let other = server::start(config).await.unwrap();
    let response = app
        .client
        .get(other.url.join(&format!("live/device/{id}")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = response;

    crate::connect_device::decide(&app, &s(&flow, "user_code"), "claude-user", "authorize").await;
    app.running.clock().advance(Duration::from_secs(2));
    // The first instance learns of the approval…
    app.running.run_workers_once().await;
    let learnt = Instant::now();
    // …and the page held by the second hears it, through NOTIFY.
    assert_eq!(crate::live::changed(&mut stream).await, "connected");
    println!(
        "across instances: pushed {:.1} ms after the other instance learnt it",
        learnt.elapsed().as_secs_f64() * 1e3
    );
    other.shutdown().await;
}
