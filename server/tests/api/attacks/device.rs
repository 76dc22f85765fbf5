//! A provider (or someone between it and Relay) hands out a verification
//! address that would run script on Relay's page: the login is not started.

use serde_json::Value;

use crate::fake_provider::FakeProvider;
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn device_a_verification_uri_that_is_not_https_is_refused() {
    let provider = FakeProvider::start(&[], &[]).await;
    let vars = provider.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(&vars).await;
    app.sign_in("ada").await;
    for uri in [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://127.0.0.1/device",
    ] {
        provider.set_verification_uri(uri);
        let response = app
            .server_fn("/fn/providers/device/start", &[("provider", "openai")])
            .await;
        assert_eq!(response.status(), 400, "{uri}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body.to_string()
                .contains("sent a sign-in address that is not https"),
            "{uri}: {body}"
        );
        assert!(!body.to_string().contains(uri), "never echoed: {body}");
    }
    let flows: i64 = app::platform::db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM device_flows")
    )
    .unwrap();
    assert_eq!(flows, 0, "no login was started");
    // An address like the provider's own is shown.
    provider.set_verification_uri("http://127.0.0.1/device");
    let response = app
        .server_fn("/fn/providers/device/start", &[("provider", "openai")])
        .await;
    assert_eq!(response.status(), 200);
}
