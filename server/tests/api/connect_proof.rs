//! Credentials proven before "Connected": a pasted key is sent to the
//! provider's check (the stand-ins' model lists and GitHub's `/user`, over
//! HTTP) and kept only if it works; Test says what the check found; a
//! provider that is down or rate-limiting leaves a well-formed key stored
//! as "not yet verified", proven later by the sweep.

use app::platform::db;
use serde_json::Value;

use crate::connect_device::call;
use crate::helpers::{spawn_app, spawn_app_driven, TestApp};

async fn paste(app: &TestApp, provider: &str, token: &str) -> (u16, Value) {
    call(app, "token", &[("provider", provider), ("token", token)]).await
}

async fn credential(app: &TestApp, provider: &str) -> Value {
    crate::connect_freshness::credential(app, provider).await
}

async fn credential_rows(app: &TestApp) -> i64 {
    db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM credentials WHERE provider <> 'github'")
    )
    .unwrap()
}

async fn audit(app: &TestApp, provider: &str) -> Vec<(String, String)> {
    db::fetch_all!(
        app.db(),
        sqlx::query_as(
            "SELECT action, detail FROM audit_log WHERE provider = $1 ORDER BY at_ms, id"
        )
        .bind(provider)
    )
    .unwrap()
}

/// A server function's refusal: `{"Provider":[id,{"BadRequest":message}]}`.
fn message(answer: &Value) -> String {
    answer
        .pointer("/Provider/1/BadRequest")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_key_the_provider_accepts_is_stored_verified_and_test_says_what_it_found() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    for (provider, kind) in [
        ("anthropic", "api"),
        ("openai", "api"),
        ("google", "api"),
        ("anthropic", "oauth"),
    ] {
        let key = app.mint_key(provider, kind).await;
        let (status, stored) = paste(&app, provider, &key).await;
        assert_eq!(status, 200, "{provider} {kind}: {stored}");
        let credential = credential(&app, provider).await;
        assert_eq!(credential["verification"], "verified", "{credential}");
        assert_eq!(credential["proof"], "12 models");
        let (status, tested) = call(&app, "test", &[("provider", provider)]).await;
        assert_eq!(
            (status, tested.as_str()),
            (200, Some("✓ Works: 12 models.")),
            "{provider}"
        );
    }
    // GitHub's check names the account a personal access token belongs to.
    let pat = app.mint_key("github", "api").await;
    assert_eq!(paste(&app, "github", &pat).await.0, 200);
    let (_, tested) = call(&app, "test", &[("provider", "github")]).await;
    assert_eq!(tested, "✓ Works: signed in as ada.");
    let log = audit(&app, "anthropic").await;
    assert!(
        log.iter()
            .any(|(a, d)| a == "connect" && d.contains("works: 12 models")),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_key_the_provider_does_not_know_or_revoked_is_refused_with_its_words_and_not_stored() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    // Well-formed, but never issued: each provider says so in its own words.
    let cases = [
        (
            "anthropic",
            format!("sk-ant-api03-{}", "neverissued".repeat(4)),
            "Anthropic did not accept the credential: invalid x-api-key (HTTP 401).",
        ),
        (
            "openai",
            format!("sk-proj-{}", "neverissued".repeat(4)),
            "OpenAI did not accept the credential: Incorrect API key provided (HTTP 401).",
        ),
        (
            "google",
            format!("AIza{}", "neverissued".repeat(4)),
            "Google did not accept the credential: API key not valid. Please pass a valid API key (HTTP 400).",
        ),
    ];
    for (provider, key, said) in &cases {
        let (status, refused) = paste(&app, provider, key).await;
        assert_eq!((status, message(&refused)), (400, said.to_string()));
        assert!(!refused.to_string().contains(&key[8..]), "never the key");
    }
    // Issued, then revoked at the provider's console.
    let revoked = app.mint_key("anthropic", "api").await;
    app.revoke_key("anthropic", &revoked).await;
    let (status, refused) = paste(&app, "anthropic", &revoked).await;
    assert_eq!(status, 400);
    assert!(
        message(&refused).contains("This API key has been disabled"),
        "{refused}"
    );
    assert_eq!(credential_rows(&app).await, 0, "nothing was stored");
    let log = audit(&app, "anthropic").await;
    assert!(
        log.iter().all(|(action, _)| action == "connect_failed"),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_provider_that_is_down_or_rate_limiting_does_not_block_a_key_which_is_verified_later() {
    let app = spawn_app_driven(&[]).await;
    app.sign_in("ada").await;
    app.provider_answers("anthropic", "down").await;
    app.provider_answers("openai", "rate-limited").await;
    for provider in ["anthropic", "openai"] {
        let key = app.mint_key(provider, "api").await;
        let (status, stored) = paste(&app, provider, &key).await;
        assert_eq!(status, 200, "{stored}");
        let credential = credential(&app, provider).await;
        assert_eq!(credential["verification"], "pending", "{credential}");
        assert_eq!(credential["needs_reconnect"], false);
    }
    let log = audit(&app, "openai").await;
    assert!(
        log.iter()
            .any(|(a, d)| a == "connect" && d.contains("not yet verified: rate-limited")),
        "{log:?}"
    );
    // Test while it is still down: no verdict, and the key is kept.
    let (status, tested) = call(&app, "test", &[("provider", "anthropic")]).await;
    assert_eq!(status, 400);
    assert!(message(&tested).contains("gave no verdict"), "{tested}");

    // The sweep tries again while nothing changed, then once they answer.
    app.running.run_workers_once().await;
    assert_eq!(
        credential(&app, "anthropic").await["verification"],
        "pending"
    );
    app.provider_answers("anthropic", "normal").await;
    app.provider_answers("openai", "normal").await;
    app.running.run_workers_once().await;
    for provider in ["anthropic", "openai"] {
        let credential = credential(&app, provider).await;
        assert_eq!(credential["verification"], "verified", "{credential}");
        assert_eq!(credential["proof"], "12 models");
        assert!(audit(&app, provider)
            .await
            .iter()
            .any(|(a, _)| a == "verified"));
    }
}

#[tokio::test]
async fn a_key_revoked_after_it_was_stored_needs_reconnect_once_test_meets_the_refusal() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let key = app.mint_key("openai", "api").await;
    assert_eq!(paste(&app, "openai", &key).await.0, 200);
    app.revoke_key("openai", &key).await;
    let (status, tested) = call(&app, "test", &[("provider", "openai")]).await;
    assert_eq!(status, 400);
    assert_eq!(
        message(&tested),
        "OpenAI did not accept the credential: This API key has been revoked (HTTP 401)."
    );
    let credential = credential(&app, "openai").await;
    assert_eq!(credential["needs_reconnect"], true, "{credential}");
    let log = audit(&app, "openai").await;
    assert!(
        log.iter()
            .any(|(a, d)| a == "needs_reconnect" && d.contains("revoked")),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_device_login_is_proven_before_it_shows_connected() {
    let app = crate::helpers::spawn_app_with(&crate::connect_device::FAST).await;
    app.sign_in("ada").await;
    crate::connect_freshness::connect(&app, "anthropic", "claude-user").await;
    let credential = credential(&app, "anthropic").await;
    assert_eq!(credential["verification"], "verified", "{credential}");
    assert_eq!(credential["proof"], "12 models");
}
