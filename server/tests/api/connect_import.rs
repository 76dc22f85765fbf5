//! "Import from Local Claude": a one-time code from the page, the credential
//! file sent to `POST /api/credentials/import` with it, the page then Connected.

use app::platform::db;
use serde_json::Value;

use crate::connect_device::{call, s};
use crate::helpers::{contains, spawn_app, TestApp};

/// A Claude credentials file whose access token the stand-in's console
/// issued (an import is proven before it is stored), with a made-up refresh
/// token (built at run time: the source holds nothing like a secret).
pub(crate) async fn claude_file(app: &TestApp) -> String {
    claude_file_with(&app.mint_key("anthropic", "oauth").await)
}

pub(crate) fn claude_file_with(access: &str) -> String {
    let refresh = format!("{}importedrefresh{}", "sk-ant-ort01-", "FAKE".repeat(4));
    format!(
        r#"{{"claudeAiOauth":{{"accessToken":"{access}","refreshToken":"{refresh}","expiresAt":1900000000000,"scopes":["user:inference","user:profile"],"subscriptionType":"max"}}}}"#
    )
}

pub(crate) async fn send(app: &TestApp, code: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url("/api/credentials/import"))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(code) = code {
        request = request.header("X-Import-Code", code);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_claude_file_sent_with_the_code_connects_anthropic_once() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let (status, started) = call(&app, "import/start", &[("provider", "anthropic")]).await;
    assert_eq!(status, 200, "{started}");
    let code = s(&started, "code");
    assert_eq!(code.len(), 14);
    let id = s(&started, "id");

    let access = app.mint_key("anthropic", "oauth").await;
    let (status, answer) = send(&app, Some(&code.to_lowercase()), &claude_file_with(&access)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["account"], "Claude max subscription (imported)");

    let (_, view) = call(&app, "import/status", &[("id", &id)]).await;
    assert_eq!(view["state"], "Imported");
    assert!(view["code"].is_null(), "the code is shown only once");
    let (_, statuses) = call(&app, "status", &[]).await;
    let anthropic = statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "anthropic")
        .unwrap();
    assert_eq!(anthropic["credential"]["method"], "import");
    assert_eq!(anthropic["credential"]["expires_at"], 1_900_000_000);

    let (status, again) = send(&app, Some(&code), &claude_file(&app).await).await;
    assert_eq!((status, again["error"].as_str()), (401, Some("used_code")));
    assert!(
        again["message"].as_str().unwrap().contains("already used"),
        "{again}"
    );

    let bytes = app.stored_data().await;
    assert!(!contains(&bytes, &access[13..]) && !contains(&bytes, "importedrefresh"));
    assert!(!contains(&bytes, &code), "only the code's hash is stored");
}

#[tokio::test]
async fn bad_imports_are_refused_with_a_reason() {
    let app = spawn_app().await;
    app.sign_in("ada").await;

    let (status, body) = send(&app, None, &claude_file(&app).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("missing_code"))
    );
    assert!(body["message"].as_str().unwrap().contains("X-Import-Code"));
    let (status, body) = send(&app, Some("BCDF-GHJK-LMNP"), &claude_file(&app).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unknown_code"))
    );
    assert!(body["message"].as_str().unwrap().contains("not known"));

    let (_, started) = call(&app, "import/start", &[("provider", "anthropic")]).await;
    let code = s(&started, "code");
    let (status, body) = send(
        &app,
        Some(&code),
        r#"{"claudeAiOauth":{"accessToken":"hunter2-is-not-a-token"}}"#,
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("bad_file")));
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("accessToken") && !message.contains("hunter2"),
        "{message}"
    );
    let (status, _) = send(&app, Some(&code), &claude_file(&app).await).await;
    assert_eq!(status, 401, "a refused file spends the code");

    let (_, started) = call(&app, "import/start", &[("provider", "anthropic")]).await;
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(100 * 1024));
    let (status, _) = send(&app, Some(&s(&started, "code")), &huge).await;
    assert_eq!(status, 413, "oversized bodies are refused");

    let (status, body) = call(&app, "import/start", &[("provider", "openai")]).await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("cannot be imported"), "{body}");
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let (_, started) = call(&app, "import/start", &[("provider", "anthropic")]).await;
    db::execute!(
        app.db(),
        sqlx::query("UPDATE import_codes SET expires_at = 0")
    )
    .unwrap();
    let (status, body) = send(&app, Some(&s(&started, "code")), &claude_file(&app).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("expired_code"))
    );
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    let (_, view) = call(&app, "import/status", &[("id", &s(&started, "id"))]).await;
    assert_eq!(view["state"], "Expired");
}

#[tokio::test]
async fn a_credential_file_the_provider_refuses_is_not_imported() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let (_, started) = call(&app, "import/start", &[("provider", "anthropic")]).await;
    // Well-formed, but a token Anthropic never issued (or has revoked).
    let never = format!("sk-ant-oat01-{}", "neverissued".repeat(4));
    let (status, body) = send(&app, Some(&s(&started, "code")), &claude_file_with(&never)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("refused")),
        "{body}"
    );
    assert_eq!(
        body["message"],
        "Anthropic did not accept the imported credential: invalid x-api-key (HTTP 401). \
         Sign in to claude again on that machine, then import again."
    );
    assert!(!body.to_string().contains(&never[13..]), "never the token");
    let stored = crate::connect_freshness::credential(&app, "anthropic").await;
    assert!(stored.is_null(), "nothing was stored: {stored}");
}
