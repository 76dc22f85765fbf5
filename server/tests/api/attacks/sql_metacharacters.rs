//! SQL metacharacters in every text a user can type: stored and shown
//! exactly as typed where the text is free (a team's and an agent's name,
//! a self-hosted endpoint's name), refused with a reason where it has a
//! shape (a key, a URL, a code), and the database is untouched either way.
//! Every statement binds its values; this shows none was built from text.

use serde_json::Value;

use crate::connect_self_hosted::model_server;
use crate::helpers::{spawn_app, TestApp};

const INJECTIONS: &[&str] = &[
    "'; DROP TABLE users; --",
    "\" OR \"1\"=\"1",
    "' OR '1'='1' --",
    "Robert'); DELETE FROM credentials; --",
    "x' UNION SELECT access_token FROM credentials --",
    "\\'; SELECT pg_sleep(5); --",
];

async fn count(app: &TestApp, table: &str) -> i64 {
    app::platform::db::fetch_one!(
        app.db(),
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
    )
    .unwrap()
}

async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn sql_metacharacters_in_free_text_are_stored_as_typed() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let key = app.mint_key("anthropic", "api").await;
    let pasted = app
        .server_fn(
            "/fn/providers/token",
            &[("provider", "anthropic"), ("token", &key)],
        )
        .await;
    assert_eq!(pasted.status(), 200);
    let ollama = model_server(true).await;
    for (i, text) in INJECTIONS.iter().enumerate() {
        let team = format!("{text} {i}");
        let agent: String = text.chars().take(40).collect();
        let created = app
            .server_fn(
                "/fn/teams/create",
                &[
                    ("template", "custom"),
                    ("provider", "anthropic"),
                    ("name", &team),
                    ("agents[0][name]", &agent),
                    ("agents[0][role]", "lead"),
                    ("agents[0][provider]", "anthropic"),
                ],
            )
            .await;
        assert!(
            created.status().is_success(),
            "{text}: {}",
            created.status()
        );
        let endpoint = format!("{text} {i}");
        let (status, saved) = json(
            app.server_fn(
                "/fn/providers/self-hosted/add",
                &[("name", &endpoint), ("url", &ollama)],
            )
            .await,
        )
        .await;
        assert_eq!(status, 200, "{text}: {saved}");
        assert_eq!(saved["name"], endpoint.as_str());
    }
    let (_, workspace) = json(app.server_fn("/fn/workspace", &[]).await).await;
    let names: Vec<&str> = workspace["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for (i, text) in INJECTIONS.iter().enumerate() {
        assert!(names.contains(&format!("{text} {i}").as_str()), "{names:?}");
    }
    assert_eq!(count(&app, "users").await, 1);
    assert_eq!(count(&app, "credentials").await, 2, "GitHub's and the key");
}

#[tokio::test]
async fn sql_metacharacters_in_shaped_input_are_refused_with_a_reason() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let before = count(&app, "credentials").await;
    for text in INJECTIONS {
        // A pasted key.
        let token = format!("sk-ant-api03-{text}");
        let (status, body) = json(
            app.server_fn(
                "/fn/providers/token",
                &[("provider", "anthropic"), ("token", &token)],
            )
            .await,
        )
        .await;
        assert_eq!(status, 400, "{text}: {body}");
        // A provider id.
        let (status, _) = json(
            app.server_fn("/fn/providers/disconnect", &[("provider", text)])
                .await,
        )
        .await;
        assert!((400..500).contains(&status), "{text}: {status}");
        // A self-hosted URL.
        let (status, body) = json(
            app.server_fn(
                "/fn/providers/self-hosted/add",
                &[("name", "Ollama"), ("url", text)],
            )
            .await,
        )
        .await;
        assert_eq!(status, 400, "{text}: {body}");
        // Ids of flows, imports and endpoints: nobody's. Reading one is
        // refused; cancelling or removing one does nothing (and says so no
        // differently than for an id that exists elsewhere).
        for path in ["/fn/providers/device/status", "/fn/providers/import/status"] {
            let (status, body) = json(app.server_fn(path, &[("id", text)]).await).await;
            assert!(
                (400..500).contains(&status),
                "{path} {text}: {status} {body}"
            );
        }
        for path in [
            "/fn/providers/device/cancel",
            "/fn/providers/self-hosted/remove",
        ] {
            let (status, body) = json(app.server_fn(path, &[("id", text)]).await).await;
            assert!(status < 500, "{path} {text}: {status} {body}");
        }
        // An import code, by the API.
        let import = reqwest::Client::new()
            .post(app.url("/api/credentials/import"))
            .header("x-import-code", *text)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert!(
            import.status().is_client_error(),
            "{text}: {}",
            import.status()
        );
        // The terminal's poll: a state no browser has started is still
        // pending (the terminal polls before the browser opens), and no more.
        let (status, poll) = json(
            reqwest::Client::new()
                .post(app.url("/cli/poll"))
                .json(&serde_json::json!({ "state": text, "code_verifier": text }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, poll.get("session_jwt")),
            (200, None),
            "{text}: {poll}"
        );
    }
    assert_eq!(count(&app, "users").await, 1);
    assert_eq!(count(&app, "credentials").await, before);
}
