//! Connecting a provider by device code through Relay: the server functions
//! the page uses, the worker polling the development provider over HTTP, and
//! a person deciding at the provider's /device page.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{browser, contains, spawn_app_driven, spawn_app_with, test_config, TestApp};

/// Fast development devices, so flows end within seconds.
pub(crate) const FAST: [(&str, &str); 1] = [("RELAY_DEV_DEVICE_INTERVAL", "1")];

pub(crate) async fn call(app: &TestApp, endpoint: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = app
        .server_fn(&format!("/fn/providers/{endpoint}"), form)
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn start(app: &TestApp, provider: &str) -> Value {
    let (status, flow) = call(app, "device/start", &[("provider", provider)]).await;
    assert_eq!(status, 200, "{flow}");
    flow
}

/// The person at the provider's verification page.
pub(crate) async fn decide(app: &TestApp, user_code: &str, login: &str, decision: &str) {
    let page = app
        .running
        .dev_providers_url
        .clone()
        .unwrap()
        .join("device")
        .unwrap();
    let response = reqwest::Client::new()
        .post(page)
        .form(&[
            ("user_code", user_code),
            ("other_login", login),
            ("decision", decision),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// Polls the flow's status as the page does until it leaves "Pending".
pub(crate) async fn wait_for_end(app: &TestApp, id: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let (status, mut flow) = call(app, "device/status", &[("id", id)]).await;
        // The QR drawing would drown any failure message.
        flow.as_object_mut().map(|f| f.remove("qr_svg"));
        assert_eq!(status, 200, "{flow}");
        if flow["state"] != "Pending" {
            return flow;
        }
        assert!(Instant::now() < deadline, "the flow did not end: {flow}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
        .to_owned()
}

#[tokio::test]
async fn a_device_login_connects_anthropic_and_keeps_only_ciphertext() {
    let app = spawn_app_with(&FAST).await;
    app.sign_in("ada").await;

    let flow = start(&app, "anthropic").await;
    let user_code = s(&flow, "user_code");
    assert_eq!(user_code.len(), 9, "{flow}");
    assert!(s(&flow, "verification_uri").ends_with("/device"));
    assert!(flow["expires_in"].as_i64().unwrap() > 800);
    assert!(s(&flow, "qr_svg").starts_with("<?xml") || s(&flow, "qr_svg").contains("<svg"));
    assert!(
        flow.get("device_code").is_none(),
        "the device code never leaves the server"
    );

    let authorized = Instant::now();
    decide(&app, &user_code, "claude-user", "authorize").await;
    let done = wait_for_end(&app, &s(&flow, "id"), Duration::from_secs(10)).await;
    println!(
        "authorize → connected seen by the page: {:?}",
        authorized.elapsed()
    );
    assert_eq!(done["state"], "Connected", "{done}");
    assert_eq!(done["account"], "claude-user@users.dev.example");

    let (_, statuses) = call(&app, "status", &[]).await;
    let anthropic = statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "anthropic")
        .unwrap();
    assert_eq!(anthropic["credential"]["method"], "device");
    assert_eq!(
        anthropic["credential"]["env_var"],
        "CLAUDE_CODE_OAUTH_TOKEN"
    );

    let (_, activity) = call(&app, "audit", &[]).await;
    assert_eq!(activity[0]["action"], "connect", "{activity}");
    assert_eq!(activity[0]["provider"], "anthropic");

    let bytes = app.stored_data().await;
    assert!(!contains(&bytes, "dev_at_") && !contains(&bytes, "dev_rt_"));
}

#[tokio::test]
async fn a_denied_login_says_denied_and_stores_nothing() {
    let app = spawn_app_with(&FAST).await;
    app.sign_in("ada").await;
    let flow = start(&app, "openai").await;
    decide(&app, &s(&flow, "user_code"), "ada", "deny").await;
    let done = wait_for_end(&app, &s(&flow, "id"), Duration::from_secs(10)).await;
    assert_eq!(done["state"], "Denied", "{done}");
    let (_, statuses) = call(&app, "status", &[]).await;
    let openai = statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "openai")
        .unwrap();
    assert!(openai["credential"].is_null());
}

#[tokio::test]
async fn an_unanswered_code_expires() {
    let app = spawn_app_with(&[
        ("RELAY_DEV_DEVICE_INTERVAL", "1"),
        ("RELAY_DEV_DEVICE_EXPIRES_IN", "3"),
    ])
    .await;
    app.sign_in("ada").await;
    let flow = start(&app, "anthropic").await;
    let done = wait_for_end(&app, &s(&flow, "id"), Duration::from_secs(10)).await;
    assert_eq!(done["state"], "Expired", "{done}");
}

#[tokio::test]
async fn a_cancelled_flow_stops_and_another_user_can_neither_see_nor_cancel_it() {
    let app = spawn_app_driven(&FAST).await;
    app.sign_in("ada").await;
    let flow = start(&app, "anthropic").await;
    let id = s(&flow, "id");
    // The control: a flow nobody cancels, authorized at the same moment.
    let control = start(&app, "openai").await;

    // Another person, in another browser, on the same server.
    let other = browser();
    let signed = {
        let authorize = {
            let response = other
                .get(app.url("/oauth/start?provider=github"))
                .send()
                .await
                .unwrap();
            url::Url::parse(&crate::helpers::location(&response)).unwrap()
        };
        let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
        form.push(("other_login".into(), "mallory".into()));
        form.push(("decision".into(), "authorize".into()));
        let mut post = authorize.clone();
        post.set_query(None);
        let back = other.post(post).form(&form).send().await.unwrap();
        let callback = crate::helpers::location(&back);
        other.get(callback).send().await.unwrap().status()
    };
    assert!(signed.is_redirection());
    for endpoint in ["device/status", "device/cancel"] {
        let response = other
            .post(app.url(&format!("/fn/providers/{endpoint}")))
            .form(&[("id", id.as_str())])
            .send()
            .await
            .unwrap();
        let body = response.text().await.unwrap();
        assert!(!body.contains(&s(&flow, "user_code")), "{endpoint}: {body}");
    }
    let (_, still) = call(&app, "device/status", &[("id", &id)]).await;
    assert_eq!(
        still["state"], "Pending",
        "mallory's cancel changed nothing"
    );

    let (status, _) = call(&app, "device/cancel", &[("id", &id)]).await;
    assert_eq!(status, 200);
    let (_, after) = call(&app, "device/status", &[("id", &id)]).await;
    assert_eq!(after["state"], "Cancelled");
    // Authorizing now connects nothing: the worker no longer polls it. The
    // same round of the worker connects the control flow.
    decide(&app, &s(&flow, "user_code"), "ada", "authorize").await;
    decide(&app, &s(&control, "user_code"), "ada", "authorize").await;
    app.running.clock().advance(Duration::from_secs(2));
    app.running.run_workers_once().await;
    let (_, statuses) = call(&app, "status", &[]).await;
    let credential = |id: &str| {
        statuses
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()["credential"]
            .clone()
    };
    assert!(credential("anthropic").is_null(), "{statuses}");
    assert!(credential("openai").is_object(), "{statuses}");
}

#[tokio::test]
async fn a_flow_survives_a_restart_of_the_server() {
    let data_dir = tempfile::tempdir().unwrap();
    // Fixed ports: the browser's cookie and the registered redirect stay valid.
    let first = server::start(test_config(data_dir.path(), &FAST).await)
        .await
        .unwrap();
    let app = TestApp {
        running: first,
        client: browser(),
        data_dir,
    };
    app.sign_in("ada").await;
    let flow = start(&app, "anthropic").await;
    let (relay_addr, dev_addr) = (
        app.running.addr,
        app.running.dev_providers_url.clone().unwrap(),
    );
    let TestApp {
        running,
        client,
        data_dir,
    } = app;
    running.shutdown().await;

    let vars = [
        ("RELAY_DEV_DEVICE_INTERVAL", "1"),
        ("RELAY_ADDR", &relay_addr.to_string()),
        (
            "RELAY_DEV_PROVIDERS_ADDR",
            &format!(
                "{}:{}",
                dev_addr.host_str().unwrap(),
                dev_addr.port().unwrap()
            ),
        ),
    ];
    let second = server::start(test_config(data_dir.path(), &vars).await)
        .await
        .unwrap();
    let app = TestApp {
        running: second,
        client,
        data_dir,
    };
    decide(&app, &s(&flow, "user_code"), "ada", "authorize").await;
    let done = wait_for_end(&app, &s(&flow, "id"), Duration::from_secs(10)).await;
    assert_eq!(done["state"], "Connected", "{done}");
}

#[tokio::test]
async fn unknown_providers_and_signed_out_callers_are_refused() {
    let app = spawn_app_with(&FAST).await;
    let (status, _) = call(&app, "device/start", &[("provider", "anthropic")]).await;
    assert_eq!(status, 401, "signed out");
    app.sign_in("ada").await;
    let (status, body) = call(&app, "device/start", &[("provider", "acme")]).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("Unknown provider"), "{body}");
    let (status, body) = call(&app, "device/start", &[("provider", "self-hosted")]).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string()
            .contains("cannot be connected with a device code"),
        "{body}"
    );
}
