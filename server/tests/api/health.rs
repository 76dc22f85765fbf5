use app::platform::db;

use crate::helpers::{spawn_app, test_config};

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
async fn readyz_is_ready_only_with_every_migration_of_this_build() {
    let app = spawn_app().await;

    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({ "status": "ready", "database": "ok", "migrations": "applied" })
    );

    // A database one migration behind this build (an older schema).
    db::execute!(app.db(), sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    ))
    .unwrap();
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["migrations"], "1 not applied", "{body}");
    assert_eq!(body["database"], "ok");
    // Liveness is not readiness: the process itself is fine.
    assert_eq!(app.get("/healthz").await.status(), 200);
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
    let config = test_config(app.data_dir.path(), &[]).await;
    let again = server::start(config).await.unwrap();
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), first);
    again.shutdown().await;
}

#[test]
fn production_mode_refuses_to_start_with_a_one_line_reason() {
    let key = "1".repeat(64);
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[], "requires RELAY_MASTER_KEY"),
        (&[("RELAY_MASTER_KEY", &key)], "requires RELAY_PUBLIC_URL"),
        (
            &[
                ("RELAY_MASTER_KEY", &key),
                ("RELAY_PUBLIC_URL", "https://relay.example"),
                ("RELAY_DEV_PROVIDERS", "on"),
            ],
            "development providers",
        ),
    ];
    for (vars, reason) in cases {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_relay-server"))
            .env_clear()
            .env("RELAY_ENV", "production")
            .envs(vars.iter().copied())
            .current_dir(std::env::temp_dir())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.contains(reason), "{stderr}");
        assert!(!stderr.contains(&key), "the key is never echoed");
    }
}

/// This test binary contains the development providers, so however complete
/// its production configuration, it must refuse to serve.
#[tokio::test]
async fn a_build_with_development_providers_will_not_start_in_production() {
    let data_dir = tempfile::tempdir().unwrap();
    let key = "0".repeat(63) + "1";
    let config = test_config(
        data_dir.path(),
        &[
            ("RELAY_ENV", "production"),
            ("RELAY_MASTER_KEY", &key),
            ("RELAY_PUBLIC_URL", "https://relay.example"),
            ("RELAY_GITHUB_CLIENT_ID", "Iv1.test"),
            ("RELAY_GITHUB_CLIENT_SECRET", "test-secret"),
        ],
    )
    .await;

    let refused = server::start(config)
        .await
        .err()
        .expect("production refused");

    assert!(
        refused
            .to_string()
            .contains("contains the development providers"),
        "{refused}"
    );
}

#[test]
fn with_relay_log_format_json_every_log_line_is_a_json_object() {
    use std::io::BufRead;
    let data = tempfile::tempdir().unwrap();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_relay-server"))
        .current_dir(data.path())
        .env("RELAY_ADDR", "127.0.0.1:0")
        .env("RELAY_DEV_PROVIDERS_ADDR", "127.0.0.1:0")
        .env("RELAY_DATA_DIR", data.path())
        .env("RELAY_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // Every line up to "listening", each parsed; the wait ends with that line.
    let mut read = Vec::new();
    let listening = loop {
        let line = seen
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no \"listening\" line; read: {read:?}"));
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        if event["fields"]["message"] == "Agent Relay Cloud is listening" {
            break event;
        }
        read.push(line);
    };
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(listening["level"], "INFO", "{listening}");
    assert!(listening["fields"]["url"].as_str().is_some(), "{listening}");
}

#[tokio::test]
async fn metrics_count_requests_device_polls_and_pending_flows() {
    let app = crate::helpers::spawn_app_driven(&crate::connect_device::FAST).await;
    for _ in 0..2 {
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
    app.sign_in("ada").await;
    crate::connect_device::start(&app, "anthropic").await;
    app.running
        .clock()
        .advance(std::time::Duration::from_secs(2));
    app.running.run_workers_once().await;

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let text = response.text().await.unwrap();
    for line in [
        r#"relay_http_requests_total{route="/healthz",method="GET",status="200"} 2"#,
        r#"relay_http_request_duration_seconds_count{route="/healthz"} 2"#,
        r#"relay_device_flow_polls_total{outcome="pending"} 1"#,
        "relay_device_flows_pending 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no “{line}” in:\n{text}");
    }
    assert!(text.contains("relay_db_pool_connections "), "{text}");
}
