//! Each development provider plays its real counterpart's quirks (DESIGN.md,
//! "Providers"), and Relay's one generic client connects all of them; slow_down
//! grows the interval by 5 s, for good.

use app::platform::db;
use std::time::Duration;

use reqwest::Client;
use serde_json::Value;

use crate::connect_device::{call, decide, s, start, wait_for_end, FAST};
use crate::helpers::{spawn_app_driven, spawn_app_with, TestApp};

/// Asks a stand-in's device endpoint directly, as a client that wants JSON.
async fn raw_device_codes(app: &TestApp, provider: &str) -> (u16, Value) {
    let url = app
        .running
        .dev_providers_url
        .clone()
        .unwrap()
        .join(&format!("{provider}/device/code"))
        .unwrap();
    let response = Client::new()
        .post(url)
        .header("Accept", "application/json")
        .basic_auth("relay-dev", Some("relay-dev-secret"))
        .form(&[("scope", "openid")])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn raw_poll(app: &TestApp, provider: &str, device_code: &str) -> (u16, Value) {
    let url = app
        .running
        .dev_providers_url
        .clone()
        .unwrap()
        .join(&format!("{provider}/token"))
        .unwrap();
    let response = Client::new()
        .post(url)
        .header("Accept", "application/json")
        .basic_auth("relay-dev", Some("relay-dev-secret"))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device_code),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_stand_ins_play_each_real_providers_quirks() {
    let app = spawn_app_with(&FAST).await;

    // GitHub: errors with HTTP 200.
    let (_, github) = raw_device_codes(&app, "github").await;
    let (status, pending) = raw_poll(&app, "github", &s(&github, "device_code")).await;
    assert_eq!(
        (status, pending["error"].as_str()),
        (200, Some("authorization_pending"))
    );

    // Google: verification_url.
    let (_, google) = raw_device_codes(&app, "google").await;
    assert!(
        google.get("verification_url").is_some() && google.get("verification_uri").is_none(),
        "{google}"
    );

    // Microsoft: message, no verification_uri_complete, bad_verification_code.
    let (_, microsoft) = raw_device_codes(&app, "microsoft").await;
    assert!(microsoft["message"]
        .as_str()
        .unwrap()
        .contains(&s(&microsoft, "user_code")));
    assert!(microsoft.get("verification_uri_complete").is_none());
    let (status, bad) = raw_poll(&app, "microsoft", "no-such-code").await;
    assert_eq!(
        (status, bad["error"].as_str()),
        (400, Some("bad_verification_code"))
    );

    // Standard behaviour when the quirks are off.
    let plain = spawn_app_with(&[("RELAY_DEV_QUIRKS", "off")]).await;
    let (_, github) = raw_device_codes(&plain, "github").await;
    let (status, _) = raw_poll(&plain, "github", &s(&github, "device_code")).await;
    assert_eq!(status, 400);
    let (_, google) = raw_device_codes(&plain, "google").await;
    assert!(google.get("verification_uri").is_some());
}

#[tokio::test]
async fn relay_connects_every_quirky_provider_by_device_code() {
    let app = spawn_app_with(&FAST).await;
    app.sign_in("ada").await;
    for provider in ["github", "google", "microsoft"] {
        let flow = start(&app, provider).await;
        assert!(
            s(&flow, "verification_uri").ends_with("/device"),
            "{provider}: {flow}"
        );
        if provider == "microsoft" {
            assert!(flow["verification_uri_complete"].is_null());
        }
        decide(&app, &s(&flow, "user_code"), "quirky", "authorize").await;
        let done = wait_for_end(&app, &s(&flow, "id"), Duration::from_secs(10)).await;
        assert_eq!(done["state"], "Connected", "{provider}: {done}");
    }
}

#[tokio::test]
async fn microsofts_authorization_declined_is_a_denial() {
    let app = spawn_app_with(&FAST).await;
    app.sign_in("ada").await;
    let flow = start(&app, "microsoft").await;
    decide(&app, &s(&flow, "user_code"), "ada", "deny").await;
    let done = wait_for_end(&app, &s(&flow, "id"), Duration::from_secs(10)).await;
    assert_eq!(done["state"], "Denied", "{done}");
}

#[tokio::test]
async fn github_with_device_flow_disabled_says_so() {
    let app = spawn_app_with(&[("RELAY_DEV_GITHUB_DEVICE_FLOW", "off")]).await;
    app.sign_in("ada").await;
    let (status, body) = call(&app, "device/start", &[("provider", "github")]).await;
    assert_eq!(status, 400);
    assert!(
        body.to_string().contains("device login turned off"),
        "{body}"
    );
}

#[tokio::test]
async fn slow_down_adds_five_seconds_for_good_and_the_flow_still_connects() {
    let app = spawn_app_driven(&[("RELAY_DEV_DEVICE_INTERVAL", "3")]).await;
    app.sign_in("ada").await;
    let flow = start(&app, "anthropic").await;
    let id = s(&flow, "id");
    let db = app.db();
    let interval = || async {
        db::fetch_one!(
            db,
            sqlx::query_scalar::<_, i64>("SELECT interval_secs FROM device_flows WHERE id = $1")
                .bind(&id)
        )
        .unwrap()
    };
    // The first poll, when it is due: the user has not decided yet.
    app.running.clock().advance(Duration::from_secs(4));
    app.running.run_workers_once().await;
    assert_eq!(interval().await, 3);
    // A drifting clock makes the next one early: the flow is due at once.
    db::execute!(
        db,
        sqlx::query("UPDATE device_flows SET next_poll_at_ms = 0 WHERE id = $1").bind(&id)
    )
    .unwrap();
    app.running.run_workers_once().await;
    assert_eq!(
        interval().await,
        8,
        "slow_down added 5 s to the 3 s interval"
    );

    decide(&app, &s(&flow, "user_code"), "ada", "authorize").await;
    app.running.clock().advance(Duration::from_secs(9));
    app.running.run_workers_once().await;
    let (_, done) = call(&app, "device/status", &[("id", &id)]).await;
    assert_eq!(done["state"], "Connected", "{}", done["failure"]);
    assert_eq!(interval().await, 8, "the longer interval was kept");
}
