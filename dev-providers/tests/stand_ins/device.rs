//! RFC 8628 device authorization, revocation, refresh rotation and userinfo
//! at the development providers, spoken to over HTTP as any client would.

use std::time::Duration;

use reqwest::Client;
use serde_json::Value;
use url::Url;

use dev_providers::DevSettings;

use crate::helpers::{defaults, spawn, spawn_with, StandIns};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

struct Provider {
    http: Client,
    base: Url,
    name: &'static str,
}

impl Provider {
    fn of(app: &StandIns, name: &'static str) -> Self {
        Provider {
            http: Client::new(),
            base: app.base.clone(),
            name,
        }
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(&format!("{}/{path}", self.name)).unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let mut body: Vec<(&str, &str)> = vec![
            ("client_id", "relay-dev"),
            ("client_secret", "relay-dev-secret"),
        ];
        body.extend_from_slice(form);
        let response = self
            .http
            .post(self.url(path))
            .header("Accept", "application/json")
            .form(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn start(&self) -> Value {
        let (status, body) = self.post("device/code", &[("scope", "openid email")]).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn poll(&self, device_code: &str) -> (u16, Value) {
        self.post(
            "token",
            &[("grant_type", DEVICE_GRANT), ("device_code", device_code)],
        )
        .await
    }

    /// Plays the person at the verification page.
    async fn decide(&self, user_code: &str, decision: &str) -> String {
        let form = [
            ("user_code", user_code),
            ("other_login", "device-user"),
            ("decision", decision),
        ];
        self.http
            .post(self.base.join("device").unwrap())
            .form(&form)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
        .to_owned()
}

#[tokio::test]
async fn a_device_code_is_authorized_at_the_verification_page_and_redeemed_once() {
    let app = spawn_with(DevSettings {
        interval: 1,
        ..defaults()
    })
    .await;
    let anthropic = Provider::of(&app, "anthropic");

    let codes = anthropic.start().await;
    let user_code = s(&codes, "user_code");
    assert!(
        user_code.len() == 9
            && user_code.chars().enumerate().all(|(i, c)| if i == 4 {
                c == '-'
            } else {
                "BCDFGHJKLMNPQRSTVWXZ".contains(c)
            }),
        "{user_code}"
    );
    assert!(s(&codes, "verification_uri").ends_with("/device"));
    assert!(
        s(&codes, "verification_uri_complete").ends_with(&format!("/device?user_code={user_code}"))
    );
    assert_eq!(codes["interval"], 1);
    let device_code = s(&codes, "device_code");

    let (status, pending) = anthropic.poll(&device_code).await;
    assert_eq!(
        (status, s(&pending, "error")),
        (400, "authorization_pending".to_owned())
    );

    // Typed sloppily, as people do: lower case, no hyphen.
    let page = anthropic
        .decide(&user_code.replace('-', "").to_lowercase(), "authorize")
        .await;
    assert!(page.contains("Device authorized"), "{page}");
    app.clock.advance(Duration::from_millis(1100));

    let (status, tokens) = anthropic.poll(&device_code).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(s(&tokens, "access_token").starts_with("dev_at_"));
    assert!(s(&tokens, "refresh_token").starts_with("dev_rt_"));

    app.clock.advance(Duration::from_millis(1100));
    let (_, again) = anthropic.poll(&device_code).await;
    assert_eq!(
        s(&again, "error"),
        "invalid_grant",
        "a device code yields tokens once"
    );
}

#[tokio::test]
async fn polling_too_fast_slows_the_client_down_for_good() {
    let app = spawn_with(DevSettings {
        interval: 1,
        ..defaults()
    })
    .await;
    let openai = Provider::of(&app, "openai");
    let device_code = s(&openai.start().await, "device_code");

    let (_, first) = openai.poll(&device_code).await;
    let (_, second) = openai.poll(&device_code).await;
    app.clock.advance(Duration::from_millis(1100));
    let (_, third) = openai.poll(&device_code).await;

    assert_eq!(s(&first, "error"), "authorization_pending");
    assert_eq!(s(&second, "error"), "slow_down");
    assert_eq!(
        s(&third, "error"),
        "slow_down",
        "the interval is now 6 s, not 1 s"
    );
}

#[tokio::test]
async fn a_denied_device_code_says_access_denied() {
    let app = spawn_with(DevSettings {
        interval: 1,
        ..defaults()
    })
    .await;
    let google = Provider::of(&app, "google");
    let codes = google.start().await;

    let page = google.decide(&s(&codes, "user_code"), "deny").await;
    let (_, answer) = google.poll(&s(&codes, "device_code")).await;

    assert!(page.contains("Request denied"), "{page}");
    assert_eq!(s(&answer, "error"), "access_denied");
}

#[tokio::test]
async fn an_expired_device_code_says_expired_token_and_cannot_be_authorized() {
    let app = spawn_with(DevSettings {
        interval: 1,
        expires_in: 1,
        ..defaults()
    })
    .await;
    let microsoft = Provider::of(&app, "microsoft");
    let codes = microsoft.start().await;
    app.clock.advance(Duration::from_millis(1200));

    let page = microsoft.decide(&s(&codes, "user_code"), "authorize").await;
    let (_, answer) = microsoft.poll(&s(&codes, "device_code")).await;

    assert!(page.contains("expired"), "{page}");
    assert_eq!(s(&answer, "error"), "expired_token");
}

#[tokio::test]
async fn the_verification_page_rejects_an_unknown_code() {
    let app = spawn().await;
    let anthropic = Provider::of(&app, "anthropic");

    let page = anthropic.decide("BCDF-GHJK", "authorize").await;

    assert!(page.contains("That code is not valid"), "{page}");
}

async fn device_tokens(provider: &Provider) -> Value {
    let codes = provider.start().await;
    provider.decide(&s(&codes, "user_code"), "authorize").await;
    let (status, tokens) = provider.poll(&s(&codes, "device_code")).await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

#[tokio::test]
async fn refresh_tokens_rotate_and_the_old_one_is_rejected() {
    let app = spawn().await;
    let anthropic = Provider::of(&app, "anthropic");
    let first = device_tokens(&anthropic).await;
    let old_refresh = s(&first, "refresh_token");

    let (status, second) = anthropic
        .post(
            "token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &old_refresh),
            ],
        )
        .await;
    let (reuse_status, reuse) = anthropic
        .post(
            "token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &old_refresh),
            ],
        )
        .await;

    assert_eq!(status, 200, "{second}");
    assert_ne!(s(&second, "refresh_token"), old_refresh);
    assert_eq!(
        (reuse_status, s(&reuse, "error")),
        (400, "invalid_grant".to_owned())
    );
}

#[tokio::test]
async fn userinfo_names_the_account_and_revocation_ends_it() {
    let app = spawn().await;
    let openai = Provider::of(&app, "openai");
    let tokens = device_tokens(&openai).await;
    let access = s(&tokens, "access_token");
    let userinfo = || {
        openai
            .http
            .get(openai.url("userinfo"))
            .bearer_auth(&access)
            .send()
    };

    let info: Value = userinfo().await.unwrap().json().await.unwrap();
    assert_eq!(info["email"], "device-user@users.dev.example");
    assert_eq!(info["preferred_username"], "device-user");

    let (status, _) = openai
        .post("revoke", &[("token", &s(&tokens, "refresh_token"))])
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        userinfo().await.unwrap().status(),
        401,
        "revoking the refresh token ends its access tokens"
    );
    let (unknown_status, _) = openai.post("revoke", &[("token", "dev_rt_unknown")]).await;
    assert_eq!(
        unknown_status, 200,
        "RFC 7009: an unknown token is not an error"
    );
}
