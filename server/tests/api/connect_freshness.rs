//! Freshness: refresh near expiry (with rotation), one refresh for many
//! concurrent users, a refused refresh, an unavailable provider, and
//! revocation on disconnect.

use app::platform::db;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::SqlitePool;

use crate::connect_device::{call, decide, s, start, wait_for_end, FAST};
use crate::helpers::{contains, location, spawn_app_with, TestApp};

/// Connects `provider` by device code as `login`.
pub(crate) async fn connect(app: &TestApp, provider: &str, login: &str) {
    let flow = start(app, provider).await;
    decide(app, &s(&flow, "user_code"), login, "authorize").await;
    let done = wait_for_end(app, &s(&flow, "id"), Duration::from_secs(10)).await;
    assert_eq!(done["state"], "Connected", "{done}");
}

/// The development providers' own database.
pub(crate) async fn provider_db(app: &TestApp) -> SqlitePool {
    let path = app.data_dir.path().join("dev-providers.db");
    SqlitePoolOptions::new()
        .connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

pub(crate) async fn refresh_tokens_issued(app: &TestApp, provider: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM dev_tokens WHERE provider = $1 AND kind = 'refresh'")
        .bind(provider)
        .fetch_one(&provider_db(app).await)
        .await
        .unwrap()
}

/// Makes the stored credential look a minute from expiry.
pub(crate) async fn nearly_expired(app: &TestApp, provider: &str) {
    db::execute!(
        app.db(),
        sqlx::query("UPDATE credentials SET expires_at = $1 WHERE provider = $2",)
            .bind(app.running.clock().now() + 60)
            .bind(provider)
    )
    .unwrap();
}

pub(crate) async fn credential(app: &TestApp, provider: &str) -> Value {
    let (_, statuses) = call(app, "status", &[]).await;
    statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == provider)
        .unwrap()["credential"]
        .clone()
}

#[tokio::test]
async fn a_credential_near_expiry_is_refreshed_on_use_and_the_rotation_is_kept() {
    let app = spawn_app_with(&FAST).await;
    app.sign_in("ada").await;
    connect(&app, "anthropic", "claude-user").await;
    let (status, answer) = call(&app, "test", &[("provider", "anthropic")]).await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer
            .as_str()
            .unwrap()
            .contains("claude-user@users.dev.example"),
        "{answer}"
    );
    assert_eq!(
        refresh_tokens_issued(&app, "anthropic").await,
        1,
        "fresh: no refresh"
    );

    nearly_expired(&app, "anthropic").await;
    let (status, answer) = call(&app, "test", &[("provider", "anthropic")]).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        refresh_tokens_issued(&app, "anthropic").await,
        2,
        "one refresh, rotated"
    );
    let after = credential(&app, "anthropic").await;
    assert!(after["expires_at"].as_i64().unwrap() > after["refreshed_at"].as_i64().unwrap() + 3600);

    // The new refresh token works next time (the old one was rejected by the provider).
    nearly_expired(&app, "anthropic").await;
    let (status, _) = call(&app, "test", &[("provider", "anthropic")]).await;
    assert_eq!(status, 200);
    assert_eq!(refresh_tokens_issued(&app, "anthropic").await, 3);
    let (_, activity) = call(&app, "audit", &[]).await;
    assert!(activity
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "refresh"));

    // Every token that passed through Relay is at rest only as ciphertext.
    let bytes = app.stored_data().await;
    assert!(!contains(&bytes, "dev_at_") && !contains(&bytes, "dev_rt_"));
}

#[tokio::test]
async fn twenty_concurrent_uses_at_expiry_cause_exactly_one_refresh() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let app = with_counting_provider(refreshes.clone(), false).await;
    app.sign_in("ada").await;
    let flow = start(&app, "openai").await;
    let done = wait_for_end(&app, &s(&flow, "id"), Duration::from_secs(10)).await;
    assert_eq!(done["state"], "Connected", "{done}");

    let answers = futures_util_join(&app, 20).await;
    assert!(answers.iter().all(|status| *status == 200), "{answers:?}");
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "exactly one refresh request reached the provider"
    );
    assert_metric(&app, r#"relay_credential_refreshes_total{outcome="ok"} 1"#).await;
    let after = credential(&app, "openai").await;
    assert_eq!(after["needs_reconnect"], false);
    assert!(after["expires_at"].as_i64().unwrap() > after["refreshed_at"].as_i64().unwrap() + 3000);
}

#[tokio::test]
async fn two_instances_on_one_database_send_a_refresh_token_once() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let base = counting_provider(refreshes.clone(), false).await;
    let (device, token) = (format!("{base}/device"), format!("{base}/token"));
    let vars = [
        ("RELAY_DEV_DEVICE_INTERVAL", "1"),
        ("RELAY_DEV_PROVIDERS", "on"),
        ("RELAY_OPENAI_CLIENT_ID", "relay-test"),
        ("RELAY_OPENAI_DEVICE_URL", device.as_str()),
        ("RELAY_OPENAI_TOKEN_URL", token.as_str()),
    ];
    let first = spawn_app_with(&vars).await;
    first.sign_in("ada").await;
    let flow = start(&first, "openai").await;
    let done = wait_for_end(&first, &s(&flow, "id"), Duration::from_secs(10)).await;
    assert_eq!(done["state"], "Connected", "{done}");
    // A second instance on the same database (and master key), its own process state.
    // (Its refresh sweep off: at start it would refresh before the uses arrive.)
    let second = server::start(server::config::Config {
        background_workers: false,
        ..crate::helpers::test_config(first.data_dir.path(), &vars).await
    })
    .await
    .unwrap();

    // Twenty uses at expiry on each instance, all at once; the browser's
    // session works on both, as it is in the database.
    let test = |base: &url::Url| {
        first
            .client
            .post(base.join("fn/providers/test").unwrap())
            .form(&[("provider", "openai")])
            .send()
    };
    let calls = (0..20).flat_map(|_| [test(&first.running.url), test(&second.url)]);
    let statuses: Vec<u16> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "across both instances, one refresh request reached the provider"
    );
    // The instance that lost the lease says so on /metrics.
    let mut conflicts = 0;
    for base in [&first.running.url, &second.url] {
        let text = reqwest::get(base.join("metrics").unwrap())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("relay_refresh_lease_conflicts_total "))
            .unwrap_or_else(|| panic!("no lease conflicts counter in:\n{text}"));
        conflicts += line.rsplit(' ').next().unwrap().parse::<u64>().unwrap();
    }
    println!("refresh requests at the provider: 1; lease conflicts: {conflicts}");
    assert!(conflicts >= 1, "the waiting instance counted its wait");
    second.shutdown().await;
}

/// Relay with OpenAI pointed at the counting provider (expiring in 120 s, so every use is "near expiry").
async fn with_counting_provider(refreshes: Arc<AtomicUsize>, fail: bool) -> TestApp {
    let base = counting_provider(refreshes, fail).await;
    let (device, token) = (format!("{base}/device"), format!("{base}/token"));
    spawn_app_with(&[
        ("RELAY_DEV_DEVICE_INTERVAL", "1"),
        ("RELAY_DEV_PROVIDERS", "on"),
        ("RELAY_OPENAI_CLIENT_ID", "relay-test"),
        ("RELAY_OPENAI_DEVICE_URL", &device),
        ("RELAY_OPENAI_TOKEN_URL", &token),
    ])
    .await
}

async fn futures_util_join(app: &TestApp, n: usize) -> Vec<u16> {
    let calls = (0..n).map(|_| call(app, "test", &[("provider", "openai")]));
    let mut statuses = Vec::new();
    for (status, _) in join_all(calls).await {
        statuses.push(status);
    }
    statuses
}

/// Runs the futures concurrently on this task (no extra crate needed).
async fn join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs = Vec::new();
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(out) => {
                        results[i] = Some(out);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.extend(results.into_iter().map(Option::unwrap));
    outputs
}

#[tokio::test]
async fn a_refused_refresh_marks_the_credential_needs_reconnect() {
    let app = spawn_app_with(&FAST).await;
    app.sign_in("ada").await;
    connect(&app, "anthropic", "claude-user").await;
    // The user revoked Relay's access at the provider.
    sqlx::query("UPDATE dev_tokens SET revoked = 1 WHERE provider = 'anthropic'")
        .execute(&provider_db(&app).await)
        .await
        .unwrap();
    nearly_expired(&app, "anthropic").await;
    let (status, answer) = call(&app, "test", &[("provider", "anthropic")]).await;
    assert_eq!(status, 400);
    assert!(
        answer.to_string().contains("Reconnect Anthropic"),
        "{answer}"
    );
    assert_eq!(credential(&app, "anthropic").await["needs_reconnect"], true);
    assert_metric(
        &app,
        r#"relay_credential_refreshes_total{outcome="refused"} 1"#,
    )
    .await;
}

/// `/metrics` holds exactly this line.
async fn assert_metric(app: &TestApp, line: &str) {
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(text.lines().any(|l| l == line), "no “{line}” in:\n{text}");
}

#[tokio::test]
async fn disconnect_revokes_at_the_provider_then_deletes() {
    let app = spawn_app_with(&FAST).await;
    app.sign_in("ada").await;
    let start = app.start_connect("provider=google").await;
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let callback = app.decide(&authorize, "ada", "authorize").await;
    app.client.get(callback).send().await.unwrap();
    assert!(!credential(&app, "google").await.is_null());

    let (status, body) = call(&app, "disconnect", &[("provider", "google")]).await;
    assert_eq!(status, 200, "{body}");
    assert!(credential(&app, "google").await.is_null());
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM dev_tokens WHERE provider = 'google' AND revoked = 0",
    )
    .fetch_one(&provider_db(&app).await)
    .await
    .unwrap();
    assert_eq!(
        live, 0,
        "every token of the grant is revoked at the provider"
    );
    let (_, activity) = call(&app, "audit", &[]).await;
    assert_eq!(activity[0]["action"], "disconnect");
    assert_eq!(
        activity[0]["detail"],
        "revoked at the provider and deleted from the vault"
    );

    // The sign-in credential cannot be disconnected on its own.
    let (status, body) = call(&app, "disconnect", &[("provider", "github")]).await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("sign out instead"), "{body}");
}

/// A small provider of the test's own: it grants device codes at once and
/// counts refresh requests, answering them with HTTP 500 (`fail`) or, after a
/// pause that widens any race, with rotated tokens.
async fn counting_provider(refreshes: Arc<AtomicUsize>, fail: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let issuer = base.clone();
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            axum::routing::get(move || {
                let issuer = issuer.clone();
                async move {
                    Json(json!({
                        "issuer": issuer,
                        "token_endpoint": format!("{issuer}/token"),
                        "device_authorization_endpoint": format!("{issuer}/device"),
                    }))
                }
            }),
        )
        .route(
            "/device",
            post(|| async {
                Json(json!({
                    "device_code": "flaky-device-code", "user_code": "FLAK-YYYY",
                    "verification_uri": "http://127.0.0.1/device", "expires_in": 600, "interval": 1
                }))
            }),
        )
        .route(
            "/token",
            post(move |Form(form): Form<Vec<(String, String)>>| {
                let refreshes = refreshes.clone();
                async move {
                    let grant = form.iter().find(|(k, _)| k == "grant_type").map(|(_, v)| v.clone());
                    if grant.as_deref() == Some("refresh_token") {
                        let n = refreshes.fetch_add(1, Ordering::SeqCst);
                        if fail {
                            return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "upstream exploded").into_response();
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        return Json(json!({
                            "access_token": format!("counted_at_{n}_0123456789"), "token_type": "Bearer",
                            "expires_in": 3600, "refresh_token": format!("counted_rt_{n}_0123456789")
                        }))
                        .into_response();
                    }
                    Json(json!({
                        "access_token": "flaky_at_0123456789", "token_type": "Bearer",
                        "expires_in": 120, "refresh_token": "flaky_rt_0123456789"
                    }))
                    .into_response()
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

use axum::response::IntoResponse;

#[tokio::test]
async fn a_provider_answering_500_is_retried_with_backoff_and_the_credential_is_kept() {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let app = with_counting_provider(refreshes.clone(), true).await;
    app.sign_in("ada").await;
    let flow = start(&app, "openai").await;
    let done = wait_for_end(&app, &s(&flow, "id"), Duration::from_secs(10)).await;
    assert_eq!(done["state"], "Connected", "{done}");

    // Expires in 120 s: inside the refresh window.
    let (status, answer) = call(&app, "test", &[("provider", "openai")]).await;
    assert_eq!(status, 200, "still valid, so still usable: {answer}");
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        3,
        "three tries, with backoff"
    );
    let kept = credential(&app, "openai").await;
    assert_eq!(kept["needs_reconnect"], false, "{kept}");
    let (_, activity) = call(&app, "audit", &[]).await;
    assert_eq!(activity[0]["action"], "test");
    assert!(activity
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "refresh_failed"
            && e["detail"] == "provider unavailable; credential kept"));
}

/// A discovery document served from one place that names another issuer.
async fn lying_discovery() -> String {
    let elsewhere = counting_provider(Arc::new(AtomicUsize::new(0)), false).await;
    let app =
        Router::new().route(
            "/.well-known/openid-configuration",
            axum::routing::get(move || {
                let issuer = elsewhere.clone();
                async move {
                    Json(json!({ "issuer": issuer, "token_endpoint": format!("{issuer}/token") }))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn endpoints_come_from_oidc_discovery_and_a_foreign_issuer_is_refused() {
    let issuer = counting_provider(Arc::new(AtomicUsize::new(0)), false).await;
    let app = spawn_app_with(&[
        ("RELAY_DEV_DEVICE_INTERVAL", "1"),
        ("RELAY_DEV_PROVIDERS", "on"),
        ("RELAY_OPENAI_CLIENT_ID", "relay-test"),
        ("RELAY_OPENAI_ISSUER", &issuer),
    ])
    .await;
    app.sign_in("ada").await;
    let flow = start(&app, "openai").await;
    let done = wait_for_end(&app, &s(&flow, "id"), Duration::from_secs(10)).await;
    assert_eq!(
        done["state"], "Connected",
        "device and token endpoints were discovered: {done}"
    );

    let liar = lying_discovery().await;
    let data_dir = tempfile::tempdir().unwrap();
    let config = crate::helpers::test_config(
        data_dir.path(),
        &[
            ("RELAY_DEV_PROVIDERS", "on"),
            ("RELAY_OPENAI_CLIENT_ID", "relay-test"),
            ("RELAY_OPENAI_ISSUER", &liar),
        ],
    )
    .await;
    let err = server::start(config).await.err().expect("refused");
    assert!(
        format!("{err:#}").contains("names another issuer"),
        "{err:#}"
    );
}
