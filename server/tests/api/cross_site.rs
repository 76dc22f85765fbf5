//! Cross-site request forgery: a page on another origin (a sibling
//! subdomain, anything else on 127.0.0.1) posting into a signed-in user's
//! browser session is refused with 403, and nothing changes.

use reqwest::StatusCode;

use crate::connect_freshness::credential;
use crate::helpers::{spawn_app, TestApp};

const EVIL: &str = "http://evil.example";

/// Every endpoint that a browser posts to with the session cookie.
pub(crate) const BROWSER_POSTS: &[&str] = &[
    "/fn/account/me",
    "/fn/account/sign-out",
    "/fn/account/sign-out-everywhere",
    "/fn/account/delete",
    "/fn/teams/create",
    "/fn/providers/audit",
    "/fn/providers/status",
    "/fn/providers/token",
    "/fn/providers/disconnect",
    "/fn/providers/test",
    "/fn/providers/self-hosted/add",
    "/fn/providers/self-hosted/remove",
    "/fn/providers/import/start",
    "/fn/providers/import/status",
    "/fn/providers/device/start",
    "/fn/providers/device/status",
    "/fn/providers/device/cancel",
    "/fn/repositories/list",
    "/fn/repositories/save",
    "/fn/workspace",
    "/fn/onboarding/continue",
    "/cli/confirm",
    "/oauth/connect",
];

async fn paste_key(app: &TestApp, headers: &[(&str, &str)]) -> StatusCode {
    let mut request = app.client.post(app.url("/fn/providers/token"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let key = app.mint_key("anthropic", "api").await;
    request
        .form(&[("provider", "anthropic"), ("token", key.as_str())])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_foreign_origin_cannot_store_a_key_in_the_victims_account() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    assert_eq!(
        paste_key(&app, &[("Origin", EVIL)]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        paste_key(&app, &[("Sec-Fetch-Site", "same-site")]).await,
        StatusCode::FORBIDDEN,
        "a sibling subdomain, told by fetch metadata"
    );
    assert!(
        credential(&app, "anthropic").await.is_null(),
        "nothing stored"
    );

    // Relay's own page may.
    let ours = app.running.url.origin().ascii_serialization();
    assert_eq!(paste_key(&app, &[("Origin", &ours)]).await, StatusCode::OK);
    assert!(credential(&app, "anthropic").await.is_object());
}

#[tokio::test]
async fn every_state_changing_endpoint_refuses_a_foreign_origin() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    for path in BROWSER_POSTS {
        for (name, value) in [
            ("Origin", EVIL),
            ("Origin", "null"),
            ("Sec-Fetch-Site", "cross-site"),
        ] {
            let response = app
                .client
                .post(app.url(path))
                .header(name, value)
                .form(&[("provider", "anthropic")])
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} with {name}: {value}"
            );
        }
    }
    // Still signed in: the forged sign-out did nothing.
    let (status, _) = crate::connect_device::call(&app, "status", &[]).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn endpoints_that_authenticate_otherwise_are_not_origin_checked() {
    let app = spawn_app().await;
    let token = crate::cli_login::cli_token(&app, "ada").await;
    let me = reqwest::Client::new()
        .get(app.url("/api/me"))
        .header("Origin", EVIL)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK, "a bearer token, not a cookie");
    let logout = reqwest::Client::new()
        .post(app.url("/api/logout"))
        .header("Origin", EVIL)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::OK);
    for path in ["/cli/poll", "/webhooks/github"] {
        let answer = reqwest::Client::new()
            .post(app.url(path))
            .header("Origin", EVIL)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_ne!(
            answer.status(),
            StatusCode::FORBIDDEN,
            "{path} has its own check"
        );
    }
}
