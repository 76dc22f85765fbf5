//! Guessing and flooding, stopped by limits kept in the database: over a
//! limit the answer is 429 with `Retry-After` and a sentence saying when.

use reqwest::{Response, StatusCode};

use crate::connect_device::call;
use crate::helpers::{spawn_app, TestApp};

/// Moves the server's clock to the start of a fresh window of the limit, so
/// that no window boundary falls inside the test (the count would restart).
pub(crate) fn at_a_window_start(app: &TestApp, window_secs: i64) {
    let clock = app.running.clock();
    let into = clock.now().rem_euclid(window_secs);
    clock.advance(std::time::Duration::from_secs((window_secs - into) as u64));
}

/// The wait a 429 asks for, in seconds (at most a window's length).
fn retry_after(response: &Response, window_secs: u64) -> u64 {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=window_secs).contains(&wait), "{wait}");
    wait
}

#[tokio::test]
async fn import_code_guessing_is_limited_per_address() {
    let app = spawn_app().await;
    at_a_window_start(&app, 60);
    let guess = |n: usize| {
        reqwest::Client::new()
            .post(app.url("/api/credentials/import"))
            .header("x-import-code", format!("guess-{n:04}"))
            .body("{}")
            .send()
    };
    for n in 0..10 {
        assert_eq!(
            guess(n).await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "guess {n}"
        );
    }
    let refused = guess(10).await.unwrap();
    retry_after(&refused, 60);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests", "{body}");
}

#[tokio::test]
async fn login_starts_are_limited_per_address() {
    let app = spawn_app().await;
    at_a_window_start(&app, 60);
    for n in 0..60 {
        let start = app.get("/oauth/start?provider=github").await;
        assert!(
            start.status().is_redirection(),
            "start {n}: {}",
            start.status()
        );
    }
    let before: i64 = app::platform::db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM oauth_states")
    )
    .unwrap();
    let refused = app.get("/oauth/start?provider=github").await;
    retry_after(&refused, 60);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Too many sign-in attempts"));
    let after: i64 = app::platform::db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM oauth_states")
    )
    .unwrap();
    assert_eq!(before, after, "a refused start writes no row");
}

#[tokio::test]
async fn device_login_starts_are_limited_per_user() {
    let app = spawn_app().await;
    at_a_window_start(&app, 600);
    app.sign_in("ada").await;
    for n in 0..10 {
        let (status, flow) = call(&app, "device/start", &[("provider", "openai")]).await;
        assert_eq!(status, 200, "start {n}: {flow}");
    }
    let refused = app
        .server_fn("/fn/providers/device/start", &[("provider", "openai")])
        .await;
    retry_after(&refused, 600);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Too many attempts. Try again in"));
}

#[tokio::test]
async fn user_code_guessing_at_the_development_device_page_is_limited() {
    let app = spawn_app().await;
    at_a_window_start(&app, 60);
    let page = app
        .running
        .dev_providers_url
        .clone()
        .unwrap()
        .join("device")
        .unwrap();
    let guess = |n: usize| {
        reqwest::Client::new()
            .post(page.clone())
            .form(&[
                ("user_code", format!("WXYZ-{n:04}")),
                ("decision", "authorize".into()),
            ])
            .send()
    };
    for n in 0..9 {
        assert_eq!(
            guess(n).await.unwrap().status(),
            StatusCode::BAD_REQUEST,
            "guess {n}"
        );
    }
    let refused = guess(9).await.unwrap();
    retry_after(&refused, 60);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Too many wrong codes"));
}
