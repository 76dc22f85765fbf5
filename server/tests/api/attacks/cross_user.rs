//! One user reaching for another's things by id or by name: another's
//! import, credential, key or repository is "not found" or "not yours",
//! and stays as it was. (Device flows: `connect_device::a_cancelled_flow_
//! stops_and_another_user_can_neither_see_nor_cancel_it`; self-hosted
//! endpoints: `connect_self_hosted::another_user_can_neither_see_nor_remove_
//! an_endpoint`; teams: `teams::` export of someone else's team.)

use reqwest::StatusCode;
use serde_json::Value;

use crate::cli_login::{api, cli_token};
use crate::helpers::{browser, spawn_app, TestApp};

async fn json(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Signs `login` in, in a browser of their own, and their terminal.
async fn as_user(app: &mut TestApp, login: &str) -> String {
    app.client = browser();
    app.sign_in(login).await;
    cli_token(app, login).await
}

#[tokio::test]
async fn cross_user_another_users_import_cannot_be_read() {
    let mut app = spawn_app().await;
    as_user(&mut app, "ada").await;
    let (status, import) = json(
        app.server_fn("/fn/providers/import/start", &[("provider", "anthropic")])
            .await,
    )
    .await;
    assert_eq!(status, 200, "{import}");
    let id = import["id"].as_str().unwrap().to_owned();
    let ada = app.client.clone();

    as_user(&mut app, "grace").await;
    let (status, body) = json(
        app.server_fn("/fn/providers/import/status", &[("id", &id)])
            .await,
    )
    .await;
    assert!(status.is_client_error(), "{status} {body}");
    assert!(body.get("code").is_none() && !body.to_string().contains(&id));

    app.client = ada;
    let (status, mine) = json(
        app.server_fn("/fn/providers/import/status", &[("id", &id)])
            .await,
    )
    .await;
    assert_eq!(
        (status, mine["state"].as_str()),
        (StatusCode::OK, Some("Waiting")),
        "{mine}"
    );
}

#[tokio::test]
async fn cross_user_another_users_credential_and_key_cannot_be_read_or_removed() {
    let mut app = spawn_app().await;
    let ada_token = as_user(&mut app, "ada").await;
    let key = app.mint_key("anthropic", "api").await;
    let pasted = app
        .server_fn(
            "/fn/providers/token",
            &[("provider", "anthropic"), ("token", &key)],
        )
        .await;
    assert_eq!(pasted.status(), 200);

    let grace_token = as_user(&mut app, "grace").await;
    let (status, body) = api(&app, &grace_token, "/api/credentials/anthropic").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(!body.to_string().contains(&key));
    let (status, keys) = api(&app, &grace_token, "/api/keys").await;
    assert_eq!(status, 200);
    assert!(!keys.to_string().contains("anthropic"), "{keys}");
    let removed = reqwest::Client::new()
        .delete(app.url("/api/keys/anthropic"))
        .bearer_auth(&grace_token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NOT_FOUND);
    // Grace's browser disconnecting "anthropic" disconnects only hers (none).
    let disconnect = app
        .server_fn("/fn/providers/disconnect", &[("provider", "anthropic")])
        .await;
    assert!(
        disconnect.status().is_client_error(),
        "{}",
        disconnect.status()
    );

    let (status, body) = api(&app, &ada_token, "/api/credentials/anthropic").await;
    assert_eq!(status, 200);
    assert_eq!(body["env"]["ANTHROPIC_API_KEY"], key.as_str());
}

#[tokio::test]
async fn cross_user_another_users_repository_cannot_be_chosen() {
    let mut app = spawn_app().await;
    as_user(&mut app, "ada").await;
    let (_, list) = json(app.server_fn("/fn/repositories/list", &[]).await).await;
    let adas: Vec<i64> = list["repos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();

    as_user(&mut app, "grace").await;
    let (_, list) = json(app.server_fn("/fn/repositories/list", &[]).await).await;
    let graces: Vec<i64> = list["repos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let not_hers = adas
        .iter()
        .find(|id| !graces.contains(id))
        .expect("ada has a repository grace cannot see")
        .to_string();
    let (status, body) = json(
        app.server_fn("/fn/repositories/save", &[("ids[]", not_hers.as_str())])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, workspace) = json(app.server_fn("/fn/workspace", &[]).await).await;
    assert!(
        workspace["repositories"].as_array().unwrap().is_empty(),
        "{workspace}"
    );
}
