//! Attacks on the redirect login (RFC 9700): the state, the code, PKCE, the
//! redirect URI, where a connect returns, and mix-ups between providers
//! (RFC 9207 `iss`). Each one ends on a failure page with nothing connected.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::helpers::{browser, location, spawn_app, TestApp};

/// The user's credential for `provider`, as the settings page sees it.
async fn credential(app: &TestApp, provider: &str) -> Value {
    let statuses: Value = app
        .server_fn("/fn/providers/status", &[])
        .await
        .json()
        .await
        .unwrap();
    statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == provider)
        .unwrap()["credential"]
        .clone()
}

/// Starts a connect of `provider` and returns the provider's authorization URL.
async fn authorize_url(app: &TestApp, provider: &str) -> Url {
    let start = app
        .start_connect(&format!(
            "provider={provider}&return_to=/settings/providers"
        ))
        .await;
    Url::parse(&location(&start)).unwrap()
}

/// The callback URL with `name` replaced by `value` (or removed, for `None`).
fn with_param(callback: &Url, name: &str, value: Option<&str>) -> Url {
    let mut pairs: Vec<(String, String)> = callback
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != name)
        .collect();
    if let Some(value) = value {
        pairs.push((name.to_owned(), value.to_owned()));
    }
    let mut url = callback.clone();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url
}

fn param(url: &Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{url} has no {name}"))
}

/// Presents `callback` in the user's browser; returns where Relay sends it.
async fn answer(app: &TestApp, callback: Url) -> String {
    location(&app.client.get(callback).send().await.unwrap())
}

#[tokio::test]
async fn state_missing_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let callback = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    for state in [None, Some("")] {
        assert_eq!(
            answer(&app, with_param(&callback, "state", state)).await,
            "/signin/failed?reason=state_mismatch"
        );
    }
    assert!(credential(&app, "google").await.is_null());
}

#[tokio::test]
async fn state_mismatched_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let callback = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    let forged = with_param(&callback, "state", Some("a-state-relay-never-issued"));
    assert_eq!(
        answer(&app, forged).await,
        "/signin/failed?reason=state_mismatch"
    );
    assert!(credential(&app, "google").await.is_null());
}

#[tokio::test]
async fn state_reused_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let callback = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    assert_eq!(answer(&app, callback.clone()).await, "/settings/providers");
    app.server_fn("/fn/providers/disconnect", &[("provider", "google")])
        .await;
    assert!(credential(&app, "google").await.is_null());
    // The same answer again (Back, or a replayed URL) connects nothing.
    assert_eq!(
        answer(&app, callback).await,
        "/signin/failed?reason=state_used"
    );
    assert!(credential(&app, "google").await.is_null());
}

#[tokio::test]
async fn state_expired_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let callback = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    // States last 10 minutes.
    app.running.clock().advance(Duration::from_secs(11 * 60));
    assert_eq!(
        answer(&app, callback).await,
        "/signin/failed?reason=state_expired"
    );
    assert!(credential(&app, "google").await.is_null());
}

#[tokio::test]
async fn code_replayed_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let first = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    assert_eq!(answer(&app, first.clone()).await, "/settings/providers");
    app.server_fn("/fn/providers/disconnect", &[("provider", "google")])
        .await;
    // A fresh login of this browser, answered with the code already spent.
    let second = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    let replayed = with_param(&second, "code", Some(&param(&first, "code")));
    assert_eq!(
        answer(&app, replayed).await,
        "/signin/failed?reason=provider_error&provider=google"
    );
    assert!(credential(&app, "google").await.is_null());
}

#[tokio::test]
async fn pkce_verifier_wrong_a_code_injected_from_another_login_is_refused() {
    let mut app = spawn_app().await;
    // The attacker logs in to their own account in their own browser and
    // keeps the code; their login's PKCE challenge is not the victim's.
    app.sign_in("mallory").await;
    let theirs = app
        .decide(&authorize_url(&app, "google").await, "mallory", "authorize")
        .await;
    app.client = browser();
    // The victim's browser is made to present it with the victim's own state:
    // Relay redeems it with the victim's verifier, which the provider refuses.
    app.sign_in("ada").await;
    let victims = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    let injected = with_param(&victims, "code", Some(&param(&theirs, "code")));
    assert_eq!(
        answer(&app, injected).await,
        "/signin/failed?reason=provider_error&provider=google"
    );
    assert!(
        credential(&app, "google").await.is_null(),
        "the attacker's account was not connected to the victim"
    );
}

#[tokio::test]
async fn redirect_uri_tampered_is_refused_by_the_provider_and_never_sent_by_relay() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let authorize = authorize_url(&app, "google").await;
    let registered = param(&authorize, "redirect_uri");
    assert_eq!(
        registered,
        app.url("/oauth/callback/google").as_str(),
        "each provider has one fixed redirect URI"
    );
    let tampered = with_param(
        &authorize,
        "redirect_uri",
        Some("https://evil.example/oauth/callback/google"),
    );
    let page = app.client.get(tampered).send().await.unwrap();
    assert_eq!(page.status(), 400, "the provider refuses the stranger URI");
    assert!(page.headers().get("location").is_none());
    // Another of Relay's own callbacks is refused too: the code was issued for Google's.
    let callback = app.decide(&authorize, "ada", "authorize").await;
    let elsewhere = app.url(&format!(
        "/oauth/callback/microsoft?{}",
        callback.query().unwrap()
    ));
    assert_eq!(
        answer(&app, elsewhere).await,
        "/signin/failed?reason=state_mismatch"
    );
    assert!(credential(&app, "google").await.is_null());
    assert!(credential(&app, "microsoft").await.is_null());
}

#[tokio::test]
async fn return_to_off_site_is_refused_in_every_spelling() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let origin = app.url("/").origin();
    for target in [
        "https://evil.example/",
        "http:evil.example",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "evil.example",
        // Sent encoded: the form decodes them once, to the above.
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
    ] {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("provider", "google")
            .append_pair("return_to", target)
            .finish();
        let start = app.start_connect(&form).await;
        let to = location(&start);
        let landed = if to.starts_with("/signin/failed") {
            assert_eq!(to, "/signin/failed?reason=bad_return&provider=google");
            to
        } else {
            // Accepted only as a path of this site: where the browser ends
            // up after the login must be on Relay's origin.
            let callback = app
                .decide(&Url::parse(&to).unwrap(), "ada", "authorize")
                .await;
            answer(&app, callback).await
        };
        assert_eq!(
            app.url("/").join(&landed).unwrap().origin(),
            origin,
            "{target:?} led to {landed}"
        );
    }
}

#[tokio::test]
async fn mix_up_a_code_from_one_provider_at_another_providers_callback_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let google = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    let at_microsoft = app.url(&format!(
        "/oauth/callback/microsoft?{}",
        google.query().unwrap()
    ));
    assert_eq!(
        answer(&app, at_microsoft).await,
        "/signin/failed?reason=state_mismatch"
    );
    assert!(credential(&app, "microsoft").await.is_null());
}

#[tokio::test]
async fn mix_up_an_answer_naming_a_foreign_issuer_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let callback = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    // The stand-ins name themselves in every answer (RFC 9207).
    let iss = param(&callback, "iss");
    assert!(iss.ends_with("/google"), "{iss}");
    let microsoft_iss = iss.replace("/google", "/microsoft");
    for foreign in [microsoft_iss.as_str(), "https://evil.example", ""] {
        let callback = app
            .decide(&authorize_url(&app, "google").await, "ada", "authorize")
            .await;
        assert_eq!(
            answer(&app, with_param(&callback, "iss", Some(foreign))).await,
            "/signin/failed?reason=wrong_issuer&provider=google",
            "{foreign:?}"
        );
    }
    assert!(credential(&app, "google").await.is_null());
}

#[tokio::test]
async fn mix_up_an_answer_without_iss_from_a_provider_that_always_sends_it_is_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let callback = app
        .decide(&authorize_url(&app, "google").await, "ada", "authorize")
        .await;
    assert_eq!(
        answer(&app, with_param(&callback, "iss", None)).await,
        "/signin/failed?reason=wrong_issuer&provider=google"
    );
    let page = app
        .get("/signin/failed?reason=wrong_issuer&provider=google")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("This answer did not come from Google"),
        "{page}"
    );
    assert!(credential(&app, "google").await.is_null());
}

#[tokio::test]
async fn pkce_verifier_missing_or_wrong_at_the_terminal_poll_never_yields_the_token() {
    use crate::cli_login::{browser_signs_in, Terminal};
    let app = spawn_app().await;
    let terminal = Terminal::new();
    let (status, _) = browser_signs_in(&app, &terminal, "ada", "authorize").await;
    assert_eq!(status, 200);
    let poll = |body: serde_json::Value| {
        let url = app.url("/cli/poll");
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    // The state alone (someone who saw the URL) is not enough.
    let (status, body) = poll(serde_json::json!({ "state": terminal.state })).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("code_verifier"), "{body}");
    assert!(body.get("session_jwt").is_none());
    for wrong in ["", "not-the-verifier", &terminal.challenge()] {
        let (status, body) = terminal.poll(&app, wrong).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("wrong_verifier")),
            "{wrong:?}: {body}"
        );
    }
    // The terminal that holds the verifier still gets its token.
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["session_jwt"].is_string());
}
