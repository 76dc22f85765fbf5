use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_ok_and_the_database_check() {
    let app = spawn_app().await;

    let response = app.get("/healthz").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn the_landing_page_offers_github_sign_up() {
    let app = spawn_app().await;

    let html = app.get("/").await.text().await.unwrap();

    assert!(html.contains("Welcome to Agent Relay Cloud"));
    assert!(html.contains("Orchestrate AI agents across your repos"));
    assert!(html.contains("Continue with GitHub"));
    assert!(html.contains("href=\"/oauth/start?provider=github\""));
}

#[tokio::test]
async fn an_unknown_page_is_a_404_page() {
    let app = spawn_app().await;

    let response = app.get("/no/such/page").await;

    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn a_development_master_key_is_generated_once_and_kept() {
    let app = spawn_app().await;
    let key_file = app.data_dir.path().join("master.key");
    let first = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(first.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    app.running.shutdown().await;
    // A restart on the same directory reuses it.
    let dir = app.data_dir.path().to_string_lossy().into_owned();
    let vars = std::collections::HashMap::from([
        ("RELAY_ADDR", "127.0.0.1:0".to_owned()),
        ("RELAY_DEV_PROVIDERS_ADDR", "127.0.0.1:0".to_owned()),
        ("RELAY_DATA_DIR", dir),
    ]);
    let config = server::config::Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let again = server::start(config).await.unwrap();
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), first);
    again.shutdown().await;
}
