//! Someone who can write to the database (a restored backup, a compromised
//! replica) edits the sealed credentials: every change fails closed, the
//! credential is handed to nobody, and no plaintext is answered.

use app::platform::db;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;

use crate::cli_login::{api, cli_token, parts};
use crate::helpers::{browser, TestApp};

/// A new Anthropic API key from the stand-in's console.
async fn api_key(app: &TestApp) -> String {
    app.mint_key("anthropic", "api").await
}

/// Signs `login` in (browser and terminal), pastes `key` as their Anthropic
/// credential, and returns their terminal token and user id.
async fn user_with_key(app: &mut TestApp, login: &str, key: &str) -> (String, String) {
    app.client = browser();
    app.sign_in(login).await;
    let token = cli_token(app, login).await;
    for provider in ["anthropic", "openai"] {
        let key = match provider {
            "anthropic" => key.to_owned(),
            _ => app.mint_key("openai", "api").await,
        };
        let pasted = app
            .server_fn(
                "/fn/providers/token",
                &[("provider", provider), ("token", &key)],
            )
            .await;
        assert_eq!(pasted.status(), 200, "{}", pasted.text().await.unwrap());
    }
    let user_id = parts(&token).1["sub"].as_str().unwrap().to_owned();
    (token, user_id)
}

async fn sealed(app: &TestApp, user_id: &str, provider: &str) -> String {
    db::fetch_one!(
        app.db(),
        sqlx::query_scalar(
            "SELECT access_token FROM credentials WHERE user_id = $1 AND provider = $2"
        )
        .bind(user_id)
        .bind(provider)
    )
    .unwrap()
}

async fn overwrite(app: &TestApp, user_id: &str, provider: &str, ciphertext: &str) {
    db::execute!(
        app.db(),
        sqlx::query(
            "UPDATE credentials SET access_token = $1 WHERE user_id = $2 AND provider = $3"
        )
        .bind(ciphertext)
        .bind(user_id)
        .bind(provider)
    )
    .unwrap();
}

async fn fetch(app: &TestApp, token: &str, provider: &str) -> (StatusCode, Value) {
    api(app, token, &format!("/api/credentials/{provider}")).await
}

/// The fetch fails, and its answer holds none of `secrets`.
async fn fails_closed(app: &TestApp, token: &str, provider: &str, secrets: &[&str]) {
    let (status, body) = fetch(app, token, provider).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    for secret in secrets {
        assert!(!body.to_string().contains(secret), "{body}");
    }
}

#[tokio::test]
async fn vault_ciphertext_tampered_fails_closed() {
    let mut app = crate::helpers::spawn_app().await;
    let key = api_key(&app).await;
    let (token, ada) = user_with_key(&mut app, "ada", &key).await;
    let (status, body) = fetch(&app, &token, "anthropic").await;
    assert_eq!(status, 200);
    assert_eq!(body["env"]["ANTHROPIC_API_KEY"], key.as_str());
    let original = sealed(&app, &ada, "anthropic").await;
    let mut bytes = B64.decode(&original).unwrap();
    // A flipped bit in the nonce, the ciphertext and the tag.
    for at in [0, 12, bytes.len() - 1] {
        bytes[at] ^= 1;
        overwrite(&app, &ada, "anthropic", &B64.encode(&bytes)).await;
        fails_closed(&app, &token, "anthropic", &[&key]).await;
        bytes[at] ^= 1;
    }
    overwrite(&app, &ada, "anthropic", &original).await;
    assert_eq!(fetch(&app, &token, "anthropic").await.0, 200);
}

#[tokio::test]
async fn vault_ciphertext_truncated_fails_closed() {
    let mut app = crate::helpers::spawn_app().await;
    let key = api_key(&app).await;
    let (token, ada) = user_with_key(&mut app, "ada", &key).await;
    let original = sealed(&app, &ada, "anthropic").await;
    let bytes = B64.decode(&original).unwrap();
    for keep in [bytes.len() - 1, 28, 12, 0] {
        overwrite(&app, &ada, "anthropic", &B64.encode(&bytes[..keep])).await;
        fails_closed(&app, &token, "anthropic", &[&key]).await;
    }
    overwrite(&app, &ada, "anthropic", "not base64 at all!").await;
    fails_closed(&app, &token, "anthropic", &[&key]).await;
}

#[tokio::test]
async fn vault_ciphertext_moved_to_another_user_fails_closed() {
    let mut app = crate::helpers::spawn_app().await;
    let (ada_key, grace_key) = (api_key(&app).await, api_key(&app).await);
    let (_, ada) = user_with_key(&mut app, "ada", &ada_key).await;
    let (grace_token, grace) = user_with_key(&mut app, "grace", &grace_key).await;
    // Ada's sealed key copied into Grace's row does not open as Grace's.
    overwrite(
        &app,
        &grace,
        "anthropic",
        &sealed(&app, &ada, "anthropic").await,
    )
    .await;
    fails_closed(&app, &grace_token, "anthropic", &[&ada_key, &grace_key]).await;
}

#[tokio::test]
async fn vault_ciphertext_moved_to_another_row_fails_closed() {
    let mut app = crate::helpers::spawn_app().await;
    let key = api_key(&app).await;
    let (token, ada) = user_with_key(&mut app, "ada", &key).await;
    // The same user's Anthropic key copied into their OpenAI row.
    overwrite(&app, &ada, "openai", &sealed(&app, &ada, "anthropic").await).await;
    fails_closed(&app, &token, "openai", &[&key]).await;
}

#[tokio::test]
async fn vault_ciphertext_restored_from_an_older_version_of_its_row_fails_closed() {
    let mut app = crate::helpers::spawn_app().await;
    let old_key = api_key(&app).await;
    let (token, ada) = user_with_key(&mut app, "ada", &old_key).await;
    let old_sealed = sealed(&app, &ada, "anthropic").await;
    // Ada replaces the key (say it leaked and was revoked at Anthropic).
    let new_key = api_key(&app).await;
    let pasted = app
        .server_fn(
            "/fn/providers/token",
            &[("provider", "anthropic"), ("token", &new_key)],
        )
        .await;
    assert_eq!(pasted.status(), 200);
    // A restore of the old ciphertext must not bring the old key back.
    overwrite(&app, &ada, "anthropic", &old_sealed).await;
    fails_closed(&app, &token, "anthropic", &[&old_key, &new_key]).await;
}
