//! Script in text that reaches a page from outside (GitHub's webhook
//! payloads, a provider's account name, a URL's error parameters) is
//! rendered as text: escaped, never as markup.

use serde_json::json;

use crate::fake_provider::FakeProvider;
use crate::helpers::{location, spawn_app_with, TestApp};
use crate::webhooks::{chosen_repository, deliver, sign, SECRET};

const SCRIPT: &str = "<script>alert(document.cookie)</script>";
const IMAGE: &str = "<img src=x onerror=alert(1)>";

/// The page at `path`, asserted to hold none of the payloads as markup.
async fn page_without_markup(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert!(
        matches!(response.status().as_u16(), 200 | 400),
        "{path}: {}",
        response.status()
    );
    let html = response.text().await.unwrap();
    for payload in [SCRIPT, IMAGE, "<script>alert(1)"] {
        assert!(
            !html.contains(payload),
            "{path} renders {payload} as markup"
        );
    }
    html
}

#[tokio::test]
async fn xss_in_a_repository_name_and_event_from_github_is_escaped() {
    let app = spawn_app_with(&[("RELAY_GITHUB_WEBHOOK_SECRET", SECRET)]).await;
    let (id, name) = chosen_repository(&app).await;
    // GitHub says the repository (same id) now has a name with markup in it,
    // and the pull request's title and author carry more.
    let body = serde_json::to_vec(&json!({
        "action": "opened",
        "number": 1,
        "pull_request": {
            "number": 1,
            "title": SCRIPT,
            "updated_at": protocol::time::iso8601(app.running.clock().now()),
        },
        "repository": { "id": id, "full_name": format!("{name}{IMAGE}") },
        "sender": { "login": IMAGE },
    }))
    .unwrap();
    let (status, _) = deliver(
        &app,
        "pull_request",
        "xss-1",
        &body,
        Some(sign(&body, SECRET)),
    )
    .await;
    assert_eq!(status, 202);
    let html = page_without_markup(&app, "/dashboard").await;
    assert!(
        html.contains("&lt;script&gt;alert(document.cookie)&lt;/script&gt;"),
        "the title is shown, as text: {html}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
}

#[tokio::test]
async fn xss_in_an_account_name_from_a_provider_is_escaped() {
    let provider = FakeProvider::start(&[], &[]).await;
    provider.set_userinfo(json!({ "sub": "subject-1", "name": SCRIPT }));
    let vars = provider.login_vars("google");
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = spawn_app_with(&vars).await;
    app.sign_in("ada").await;
    let start = app
        .start_connect("provider=google&return_to=/settings/providers")
        .await;
    let at_provider = app.client.get(location(&start)).send().await.unwrap();
    let back = app.client.get(location(&at_provider)).send().await.unwrap();
    assert_eq!(location(&back), "/settings/providers");
    let html = page_without_markup(&app, "/settings/providers").await;
    assert!(
        html.contains("&lt;script&gt;alert(document.cookie)&lt;/script&gt;"),
        "the account is shown, as text: {html}"
    );
}

#[tokio::test]
async fn xss_in_error_parameters_is_never_echoed() {
    let app = spawn_app_with(&[]).await;
    let encoded = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    // A failure page reached with made-up parameters.
    page_without_markup(
        &app,
        &format!(
            "/signin/failed?reason={}&provider={}",
            encoded(SCRIPT),
            encoded(IMAGE)
        ),
    )
    .await;
    // A provider's (or an attacker's) error description on the callback.
    app.sign_in("ada").await;
    let start = app
        .start_connect("provider=google&return_to=/settings/providers")
        .await;
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let callback = format!(
        "/oauth/callback/google?state={state}&error={}&error_description={}",
        encoded(SCRIPT),
        encoded(IMAGE)
    );
    let failed = location(&app.get(&callback).await);
    assert!(
        !failed.contains("script") && !failed.contains("img"),
        "{failed}"
    );
    page_without_markup(&app, &failed).await;
}
