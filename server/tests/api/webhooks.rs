//! `POST /webhooks/github`: signed, fresh, first-time deliveries of chosen
//! repositories are recorded; everything else is refused and changes nothing.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{spawn_app_with, TestApp};

pub(crate) const SECRET: &str = "webhook-secret-for-tests";

pub(crate) fn sign(body: &[u8], secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

fn pull_request(repo_id: i64, full_name: &str, updated_at: i64, number: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "action": "opened",
        "number": number,
        "pull_request": {
            "number": number,
            "title": "Add the login page",
            "updated_at": protocol::time::iso8601(updated_at),
        },
        "repository": { "id": repo_id, "full_name": full_name },
        "sender": { "login": "octocat" },
    }))
    .unwrap()
}

pub(crate) async fn deliver(
    app: &TestApp,
    event: &str,
    delivery: &str,
    body: &[u8],
    signature: Option<String>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url("/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery)
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn events(app: &TestApp) -> Vec<Value> {
    let ws: Value = app
        .server_fn("/fn/workspace", &[])
        .await
        .json()
        .await
        .unwrap();
    ws["events"].as_array().unwrap().clone()
}

/// Signs up, chooses the first repository; returns its id and name.
pub(crate) async fn chosen_repository(app: &TestApp) -> (i64, String) {
    app.sign_in("ada").await;
    crate::onboarding::choose_a_repository(app).await;
    let ws: Value = app
        .server_fn("/fn/workspace", &[])
        .await
        .json()
        .await
        .unwrap();
    let repo = &ws["repositories"][0];
    (
        repo["id"].as_i64().unwrap(),
        repo["full_name"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_signed_delivery_is_recorded_once() {
    let app = spawn_app_with(&[("RELAY_GITHUB_WEBHOOK_SECRET", SECRET)]).await;
    let (id, name) = chosen_repository(&app).await;
    let body = pull_request(id, &name, app.running.clock().now(), 7);

    let (status, answer) = deliver(
        &app,
        "pull_request",
        "d-1",
        &body,
        Some(sign(&body, SECRET)),
    )
    .await;
    assert_eq!(
        (status, &answer["recorded"]),
        (202, &json!(true)),
        "{answer}"
    );
    let seen = events(&app).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["title"], "Add the login page");
    assert_eq!(seen[0]["number"], 7);
    assert_eq!(seen[0]["repository"], name.as_str());

    // The same delivery again, and the same signed body under a new id.
    let (status, _) = deliver(
        &app,
        "pull_request",
        "d-1",
        &body,
        Some(sign(&body, SECRET)),
    )
    .await;
    assert_eq!(status, 409);
    let (status, answer) = deliver(
        &app,
        "pull_request",
        "d-2",
        &body,
        Some(sign(&body, SECRET)),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(events(&app).await.len(), 1, "a replay records nothing");
}

#[tokio::test]
async fn unsigned_wrongly_signed_and_stale_deliveries_are_refused() {
    let app = spawn_app_with(&[("RELAY_GITHUB_WEBHOOK_SECRET", SECRET)]).await;
    let (id, name) = chosen_repository(&app).await;
    let body = pull_request(id, &name, app.running.clock().now(), 8);

    let (status, answer) = deliver(&app, "pull_request", "u-1", &body, None).await;
    assert_eq!(status, 401);
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("missing X-Hub-Signature-256"));
    let (status, _) = deliver(
        &app,
        "pull_request",
        "u-2",
        &body,
        Some(sign(&body, "another-secret")),
    )
    .await;
    assert_eq!(status, 401);
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let (status, _) = deliver(
        &app,
        "pull_request",
        "u-3",
        &tampered,
        Some(sign(&body, SECRET)),
    )
    .await;
    assert_eq!(status, 401, "the signature covers every byte");
    let (status, _) = deliver(
        &app,
        "pull_request",
        "u-4",
        &body,
        Some("sha256=00".to_owned()),
    )
    .await;
    assert_eq!(status, 401);

    let stale = pull_request(id, &name, app.running.clock().now() - 2 * 60 * 60, 9);
    let (status, answer) = deliver(
        &app,
        "pull_request",
        "u-5",
        &stale,
        Some(sign(&stale, SECRET)),
    )
    .await;
    assert_eq!(status, 400);
    assert!(answer["message"].as_str().unwrap().contains("stale"));
    assert!(events(&app).await.is_empty(), "nothing was recorded");

    // The refused ones did not use up their delivery ids.
    let (status, _) = deliver(
        &app,
        "pull_request",
        "u-1",
        &body,
        Some(sign(&body, SECRET)),
    )
    .await;
    assert_eq!(status, 202);
}

#[tokio::test]
async fn other_repositories_and_events_are_accepted_but_not_recorded() {
    let app = spawn_app_with(&[("RELAY_GITHUB_WEBHOOK_SECRET", SECRET)]).await;
    let (id, name) = chosen_repository(&app).await;
    let elsewhere = pull_request(id + 999_999, "someone/else", app.running.clock().now(), 1);
    let (status, answer) = deliver(
        &app,
        "pull_request",
        "o-1",
        &elsewhere,
        Some(sign(&elsewhere, SECRET)),
    )
    .await;
    assert_eq!((status, &answer["recorded"]), (202, &json!(false)));

    let push = serde_json::to_vec(
        &json!({ "ref": "refs/heads/main", "repository": { "id": id, "full_name": name } }),
    )
    .unwrap();
    let (status, answer) = deliver(&app, "push", "o-2", &push, Some(sign(&push, SECRET))).await;
    assert_eq!((status, &answer["recorded"]), (202, &json!(false)));

    let issue = serde_json::to_vec(&json!({
        "action": "opened",
        "issue": { "number": 3, "title": "Crash on start", "updated_at": protocol::time::iso8601(app.running.clock().now()) },
        "repository": { "id": id, "full_name": name },
        "sender": { "login": "octocat" },
    }))
    .unwrap();
    let (status, _) = deliver(&app, "issues", "o-3", &issue, Some(sign(&issue, SECRET))).await;
    assert_eq!(status, 202);
    let seen = events(&app).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["event"], "issues");

    let ping = br#"{"zen":"Keep it logically awesome."}"#;
    let (status, answer) = deliver(&app, "ping", "o-4", ping, Some(sign(ping, SECRET))).await;
    assert_eq!((status, answer["message"].as_str().unwrap()), (200, "pong"));
}

#[tokio::test]
async fn without_a_secret_webhooks_are_refused() {
    let app = spawn_app_with(&[]).await;
    let body = br#"{}"#;
    let (status, _) = deliver(&app, "ping", "n-1", body, Some(sign(body, SECRET))).await;
    assert_eq!(status, 503);
}
