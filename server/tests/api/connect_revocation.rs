//! Revocation noticed: a 401 or 403 from any use marks the credential
//! "Needs reconnect" at once (settings, dashboard, `relay`, audit log), it is
//! no longer handed out, and disconnecting a GitHub login revokes the grant
//! at GitHub (`DELETE /applications/{client_id}/grant`, the stand-in's).

use serde_json::Value;

use crate::cli_login::{api, cli_token};
use crate::connect_device::{call, FAST};
use crate::connect_freshness::{connect, credential, provider_db};
use crate::helpers::{spawn_app, spawn_app_with, TestApp};

async fn live_github_tokens(app: &TestApp, login: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM dev_tokens WHERE provider = 'github' AND login = $1 AND revoked = 0",
    )
    .bind(login)
    .fetch_one(&provider_db(app).await)
    .await
    .unwrap()
}

/// What GitHub's "Revoke access" in a user's settings does: the app loses
/// every token it holds for them (here through the app's own grant API).
async fn revoke_at_github(app: &TestApp, access_token_of: &str) {
    let dev = app.running.dev_providers_url.as_ref().unwrap();
    let response = reqwest::Client::new()
        .delete(
            dev.join(&format!(
                "github/api/applications/{}/grant",
                dev_providers::CLIENT_ID
            ))
            .unwrap(),
        )
        .basic_auth(dev_providers::CLIENT_ID, Some(dev_providers::CLIENT_SECRET))
        .json(&serde_json::json!({ "access_token": access_token_of }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

async fn audit_actions(app: &TestApp) -> Vec<Value> {
    let (_, activity) = call(app, "audit", &[]).await;
    activity.as_array().unwrap().clone()
}

#[tokio::test]
async fn disconnecting_a_github_login_revokes_the_grant_at_github() {
    let app = spawn_app_with(&FAST).await;
    app.sign_in("ada").await;
    connect(&app, "github", "ada").await;
    assert_eq!(credential(&app, "github").await["method"], "device");
    assert!(live_github_tokens(&app, "ada").await > 0);

    let (status, body) = call(&app, "disconnect", &[("provider", "github")]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        live_github_tokens(&app, "ada").await,
        0,
        "GitHub holds no live token of Relay's for ada"
    );
    let activity = audit_actions(&app).await;
    assert_eq!(activity[0]["action"], "disconnect");
    assert_eq!(
        activity[0]["detail"],
        "revoked at the provider and deleted from the vault"
    );
}

#[tokio::test]
async fn a_grant_revoked_at_github_is_noticed_by_the_repository_listing() {
    let mut app = spawn_app().await;
    let terminal = cli_token(&app, "ada").await;
    app.client = crate::helpers::browser();
    app.sign_in("ada").await;
    let (status, _) = call_repositories(&app).await;
    assert_eq!(status, 200);
    // The sign-in token, as an agent gets it.
    let (_, handed) = api(&app, &terminal, "/api/credentials/github").await;
    let token = handed["env"]["COPILOT_GITHUB_TOKEN"].as_str().unwrap();
    revoke_at_github(&app, token).await;

    let (status, refused) = call_repositories(&app).await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.to_string().contains("GitHub no longer accepts"));
    assert_eq!(credential(&app, "github").await["needs_reconnect"], true);
    let activity = audit_actions(&app).await;
    assert!(
        activity.iter().any(|e| e["action"] == "needs_reconnect"
            && e["detail"].as_str().unwrap().contains("HTTP 401")),
        "{activity:?}"
    );
}

async fn call_repositories(app: &TestApp) -> (u16, Value) {
    let response = app.server_fn("/fn/repositories/list", &[]).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_credential_that_needs_reconnect_is_not_handed_out_and_relay_says_why() {
    let mut app = spawn_app().await;
    let terminal = cli_token(&app, "ada").await;
    app.client = crate::helpers::browser();
    app.sign_in("ada").await;
    let key = app.mint_key("openai", "api").await;
    let (status, _) = call(&app, "token", &[("provider", "openai"), ("token", &key)]).await;
    assert_eq!(status, 200);
    assert_eq!(api(&app, &terminal, "/api/credentials/openai").await.0, 200);

    app.revoke_key("openai", &key).await;
    let (status, _) = call(&app, "test", &[("provider", "openai")]).await;
    assert_eq!(status, 400);
    let (status, refused) = api(&app, &terminal, "/api/credentials/openai").await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"], "needs_reconnect");
    assert_eq!(
        refused["message"],
        "OpenAI refused the credential: reconnect it in Settings."
    );
    let (_, keys) = api(&app, &terminal, "/api/keys").await;
    assert_eq!(keys["keys"][0]["needs_reconnect"], true, "{keys}");
}
