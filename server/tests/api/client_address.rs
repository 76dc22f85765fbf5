//! The client address the audit log records: the peer's, or, behind a load
//! balancer listed in `RELAY_TRUSTED_PROXIES`, the address it forwarded.

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use app::platform::db;

/// Pastes an Anthropic key, claiming to come from `forwarded`,
/// and answers the source of the audit entry it made.
async fn audited_source(app: &TestApp, forwarded: &str) -> String {
    app.sign_in("ada").await;
    let key = app.mint_key("anthropic", "api").await;
    let response = app
        .client
        .post(app.url("/fn/providers/token"))
        .header("X-Forwarded-For", forwarded)
        .form(&[("provider", "anthropic"), ("token", key.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT source FROM audit_log WHERE action = 'connect'")
    )
    .unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_recorded() {
    // The test's requests come from 127.0.0.1: here that is the load balancer.
    let app = spawn_app_with(&[("RELAY_TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8")]).await;
    // A client-written address first, then what the balancers appended.
    let source = audited_source(&app, "198.51.100.1, 203.0.113.7, 10.1.2.3").await;
    assert_eq!(source, "203.0.113.7");
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_is_not_believed() {
    let app = spawn_app().await;
    let source = audited_source(&app, "203.0.113.7").await;
    assert_eq!(source, "127.0.0.1");
}
