//! Signing in as someone else through a provider login: the "nOAuth" class
//! (2023). A Google or Microsoft login identifies a Relay user only by the
//! issuer and subject of the account that user connected, never by a name
//! or email, which whoever runs a tenant can set to anything.

use reqwest::StatusCode;
use serde_json::json;

use crate::cli_login::{confirm, Terminal};
use crate::fake_provider::FakeProvider;
use crate::helpers::{browser, location, spawn_app, spawn_app_with, TestApp};

/// The browser signs in to Relay as `login` and connects Google, approving
/// it at the provider as `google_login`.
async fn connects_google(app: &TestApp, login: &str, google_login: &str) {
    app.sign_in(login).await;
    let start = app
        .start_connect("provider=google&return_to=/settings/providers")
        .await;
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let callback = match authorize.path().ends_with("/google/authorize") {
        true => app.decide(&authorize, google_login, "authorize").await,
        false => approved_at_once(app, authorize).await,
    };
    let back = app.client.get(callback).send().await.unwrap();
    assert!(back.status().is_redirection(), "{}", back.status());
    assert!(
        !location(&back).contains("/signin/failed"),
        "{}",
        location(&back)
    );
}

/// A provider that approves without asking: its authorization endpoint
/// sends the browser straight back to Relay's callback.
async fn approved_at_once(app: &TestApp, authorize: url::Url) -> url::Url {
    let approved = app.client.get(authorize).send().await.unwrap();
    assert!(approved.status().is_redirection(), "{}", approved.status());
    url::Url::parse(&location(&approved)).unwrap()
}

/// `relay auth google` from the browser `app.client`, approved at Google
/// with the form fields `fields`; the page the browser ends on, after
/// confirming the terminal's code if Relay asks.
async fn terminal_signs_in_with_google(
    app: &TestApp,
    terminal: &Terminal,
    google_login: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let start = app.get(&terminal.start_path_with("google")).await;
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let callback = match authorize.path().ends_with("/google/authorize") {
        true => {
            app.decide_with(&authorize, google_login, "authorize", fields)
                .await
        }
        false => approved_at_once(app, authorize).await,
    };
    let page = app.client.get(callback).send().await.unwrap();
    let (status, page) = (page.status(), page.text().await.unwrap());
    if page.contains("Sign in your terminal?") {
        return confirm(app, "confirm").await;
    }
    (status, page)
}

#[tokio::test]
async fn noauth_a_foreign_account_with_the_victims_email_signs_in_nobody() {
    let mut app = spawn_app().await;
    connects_google(&app, "victim", "victim-google").await;
    let victims_email = "victim-google@users.dev.example";

    // The attacker, in a browser of their own, signs in to Google as a user
    // of their own tenant whose directory email they set to the victim's.
    app.client = browser();
    let terminal = Terminal::new();
    let (status, page) = terminal_signs_in_with_google(
        &app,
        &terminal,
        "mallory",
        &[("directory_email", victims_email)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(
        !page.contains("@victim") && !page.contains(victims_email),
        "{page}"
    );
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("no_account")),
        "{body}"
    );
    assert!(body.get("session_jwt").is_none());
}

#[tokio::test]
async fn noauth_the_same_account_still_signs_its_owner_in() {
    let app = spawn_app().await;
    connects_google(&app, "owner", "owner-google").await;
    let terminal = Terminal::new();
    let (status, page) = terminal_signs_in_with_google(&app, &terminal, "owner-google", &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(
        (status, body["login"].as_str()),
        (StatusCode::OK, Some("owner")),
        "{body}"
    );
}

#[tokio::test]
async fn noauth_a_login_whose_provider_names_no_subject_is_refused() {
    // A provider whose userinfo names the account by a verified email only.
    let provider = FakeProvider::start(&[], &[]).await;
    provider.set_userinfo(json!({ "email": "ada@corp.example", "email_verified": true }));
    let vars = provider.login_vars("google");
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut app = spawn_app_with(&vars).await;
    connects_google(&app, "ada", "").await;

    // Anyone whose login that provider names the same way is not Ada.
    app.client = browser();
    let terminal = Terminal::new();
    let (status, page) = terminal_signs_in_with_google(&app, &terminal, "", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("Google did not say who signed in"), "{page}");
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("login_failed")),
        "{body}"
    );
    assert!(body.get("session_jwt").is_none());
}
