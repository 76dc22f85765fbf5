//! Self-hosted endpoints: validated, probed (Ollama's /api/tags, then an
//! OpenAI-compatible /v1/models), listed per user and removable.

use app::platform::db;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::connect_device::call;
use crate::helpers::{browser, spawn_app};

/// A model server on a free port: Ollama-like or OpenAI-compatible.
pub(crate) async fn model_server(ollama: bool) -> String {
    let app = if ollama {
        Router::new().route(
            "/api/tags",
            get(|| async { Json(json!({ "models": [{ "name": "llama3" }, { "name": "qwen" }] })) }),
        )
    } else {
        Router::new().route(
            "/v1/models",
            get(|| async { Json(json!({ "object": "list", "data": [{ "id": "local-model" }] })) }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// The saved endpoints, as the providers page receives them.
pub(crate) async fn listed(app: &crate::helpers::TestApp) -> Value {
    let (_, statuses) = call(app, "status", &[]).await;
    statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "self-hosted")
        .unwrap()["endpoints"]
        .clone()
}

#[tokio::test]
async fn endpoints_are_probed_saved_listed_and_removed() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let ollama = model_server(true).await;
    let lm_studio = model_server(false).await;

    let (status, saved) = call(
        &app,
        "self-hosted/add",
        &[("name", "Ollama"), ("url", &ollama)],
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        (
            saved["kind"].as_str(),
            saved["models"].as_i64(),
            saved["reachable"].as_bool()
        ),
        (Some("ollama"), Some(2), Some(true))
    );
    let (_, saved) = call(
        &app,
        "self-hosted/add",
        &[("name", "LM Studio"), ("url", &lm_studio)],
    )
    .await;
    assert_eq!(saved["kind"], "openai");
    assert_eq!(saved["models"], 1);

    // Nothing listens here: saved, and said to be unreachable.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let (_, down) = call(
        &app,
        "self-hosted/add",
        &[("name", "Off"), ("url", &closed)],
    )
    .await;
    assert_eq!(down["reachable"], false);

    let list = listed(&app).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ollama", "LM Studio", "Off"]);

    let id = list[0]["id"].as_str().unwrap().to_owned();
    let (status, _) = call(&app, "self-hosted/remove", &[("id", &id)]).await;
    assert_eq!(status, 200);
    let list = listed(&app).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_endpoints_are_refused_with_a_reason_and_nothing_is_saved() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    for (name, url, expected) in [
        (
            "Mine",
            "http://user:secret@127.0.0.1:11434",
            "Leave credentials out",
        ),
        ("Mine", "file:///etc/passwd", "http://"),
        ("Mine", "127.0.0.1:11434", "http"),
        ("", "http://127.0.0.1:11434", "name"),
        (
            "Meta",
            "http://169.254.169.254/latest",
            "cloud metadata or link-local",
        ),
    ] {
        let (status, body) = call(&app, "self-hosted/add", &[("name", name), ("url", url)]).await;
        assert_eq!(status, 400, "{url}");
        assert!(body.to_string().contains(expected), "{url}: {body}");
        assert!(
            !body.to_string().contains("secret"),
            "never echo credentials: {body}"
        );
    }
    let list = listed(&app).await;
    assert_eq!(list, Value::Array(vec![]));
}

#[tokio::test]
async fn another_user_can_neither_see_nor_remove_an_endpoint() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let ollama = model_server(true).await;
    let (_, saved) = call(
        &app,
        "self-hosted/add",
        &[("name", "Ollama"), ("url", &ollama)],
    )
    .await;
    let id = saved["id"].as_str().unwrap().to_owned();

    let other = crate::helpers::TestApp {
        client: browser(),
        ..app
    };
    other.sign_in("mallory").await;
    let list = listed(&other).await;
    assert_eq!(list, Value::Array(vec![]));
    call(&other, "self-hosted/remove", &[("id", &id)]).await;
    let count: i64 = db::fetch_one!(
        other.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM self_hosted_endpoints")
    )
    .unwrap();
    assert_eq!(count, 1);
}
