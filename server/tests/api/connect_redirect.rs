//! Connecting a provider by full-page redirect (authorization code + PKCE)
//! through the same `/oauth/callback/<provider>` as sign-in.

use serde_json::Value;

use crate::helpers::{browser, location, spawn_app};

#[tokio::test]
async fn google_connects_by_redirect_and_returns_to_the_page() {
    let app = spawn_app().await;
    app.sign_in("ada").await;

    let start = app
        .start_connect("provider=google&return_to=/onboarding/providers")
        .await;
    assert!(start.status().is_redirection());
    let authorize = url::Url::parse(&location(&start)).unwrap();
    assert!(
        authorize.path().ends_with("/google/authorize"),
        "{authorize}"
    );
    let query: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    assert!(query
        .iter()
        .any(|(k, v)| k == "code_challenge_method" && v == "S256"));
    assert!(query
        .iter()
        .any(|(k, v)| k == "redirect_uri" && v.ends_with("/oauth/callback/google")));

    let callback = app.decide(&authorize, "gemini-user", "authorize").await;
    let back = app.client.get(callback.clone()).send().await.unwrap();
    assert!(back.status().is_redirection());
    assert_eq!(location(&back), "/onboarding/providers");

    let statuses: Value = app
        .server_fn("/fn/providers/status", &[])
        .await
        .json()
        .await
        .unwrap();
    let google = statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "google")
        .unwrap();
    assert_eq!(google["credential"]["method"], "redirect");
    assert_eq!(
        google["credential"]["account"],
        "gemini-user@users.dev.example"
    );

    // The same answer again is a replay.
    let replay = app.client.get(callback).send().await.unwrap();
    assert_eq!(location(&replay), "/signin/failed?reason=state_used");
}

#[tokio::test]
async fn off_site_returns_unknown_methods_and_visitors_are_refused() {
    let app = spawn_app().await;
    // A visitor is sent to sign in first.
    let visitor = app.start_connect("provider=google").await;
    assert_eq!(location(&visitor), "/");

    app.sign_in("ada").await;
    for bad in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("provider", "google")
            .append_pair("return_to", bad)
            .finish();
        let response = app.start_connect(&form).await;
        assert_eq!(
            location(&response),
            "/signin/failed?reason=bad_return&provider=google",
            "{bad}"
        );
    }
    // Anthropic's stand-in has no authorization endpoint: device code only.
    let response = app.start_connect("provider=anthropic").await;
    assert_eq!(
        location(&response),
        "/signin/failed?reason=unknown_provider&provider=anthropic"
    );
    let response = app.start_connect("provider=acme").await;
    assert_eq!(
        location(&response),
        "/signin/failed?reason=unknown_provider"
    );
}

#[tokio::test]
async fn a_link_to_connect_changes_nothing_and_leads_to_the_settings() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let link = app
        .get("/oauth/connect?provider=google&return_to=/settings/providers")
        .await;
    assert_eq!(location(&link), "/settings/providers");
    let rows: i64 = app::platform::db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM oauth_states WHERE purpose = 'connect'")
    )
    .unwrap();
    assert_eq!(rows, 0, "no login was started");
}

#[tokio::test]
async fn a_connect_finished_in_another_browser_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let start = app.start_connect("provider=microsoft").await;
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let callback = app.decide(&authorize, "ada", "authorize").await;
    // Someone else's browser presents ada's callback.
    let other = browser();
    let response = other.get(callback).send().await.unwrap();
    assert_eq!(
        location(&response),
        "/signin/failed?reason=state_mismatch&provider=microsoft"
    );
    let statuses: Value = app
        .server_fn("/fn/providers/status", &[])
        .await
        .json()
        .await
        .unwrap();
    let microsoft = statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "microsoft")
        .unwrap();
    assert!(microsoft["credential"].is_null());
}

#[tokio::test]
async fn a_denied_connect_says_so_and_offers_to_connect_again() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let start = app
        .start_connect("provider=google&return_to=/settings/providers")
        .await;
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let callback = app.decide(&authorize, "ada", "cancel").await;
    let response = app.client.get(callback).send().await.unwrap();
    let failed = location(&response);
    assert_eq!(failed, "/signin/failed?reason=denied&provider=google");
    let page = app.get(&failed).await.text().await.unwrap();
    assert!(
        page.contains(r#"<form method="post" action="/oauth/connect">"#)
            && page.contains(r#"name="provider" value="google""#),
        "Try again connects Google again: {page}"
    );
}
