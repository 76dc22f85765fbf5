//! Faults an instance must survive: a provider that stalls, fails, talks
//! nonsense or drops the connection; a server killed (`kill -9`) in the
//! middle of a device flow or of a refresh; the database going away for a
//! few seconds.

use std::collections::HashMap;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

use crate::connect_device::{call, decide, s, start, FAST};
use crate::connect_freshness::{credential, nearly_expired};
use crate::fake_provider::{Answer, FakeProvider};
use crate::helpers::{postgres_cluster, spawn_app_driven, test_vars, TestApp};

/// Relay (no background workers: the test runs them) with OpenAI played by
/// `provider`, connected by device code (a token for an hour).
async fn connected(provider: &FakeProvider) -> TestApp {
    let mut vars = provider.vars();
    vars.push(("RELAY_PROVIDER_TIMEOUT_SECS", "1".to_owned()));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_driven(&vars).await;
    app.sign_in("ada").await;
    let flow = start(&app, "openai").await;
    app.running.clock().advance(Duration::from_secs(2));
    app.running.run_workers_once().await;
    assert_eq!(
        flow_state(&app, &s(&flow, "id")).await["state"],
        "Connected"
    );
    app
}

async fn flow_state(app: &TestApp, id: &str) -> Value {
    let (status, mut flow) = call(app, "device/status", &[("id", id)]).await;
    flow.as_object_mut().map(|f| f.remove("qr_svg"));
    assert_eq!(status, 200, "{flow}");
    flow
}

/// The provider fails every try of a refresh in one way. The user gets a
/// clear answer within a bounded time, the stored credential stays, and once
/// the provider is back the same refresh token still works.
async fn a_failing_refresh_keeps_the_credential(fault: Answer) {
    let provider = FakeProvider::start(&[], &[fault; 3]).await;
    let app = connected(&provider).await;
    // Expired now: without a refresh there is nothing valid to hand out.
    app.running.clock().advance(Duration::from_secs(3601));
    let started = Instant::now();
    let (status, answer) = call(&app, "test", &[("provider", "openai")]).await;
    println!(
        "{fault:?}: the user was answered after {:.1} s (three tries, 1 s timeout)",
        started.elapsed().as_secs_f64()
    );
    assert_ne!(status, 200, "{answer}");
    assert!(
        answer
            .to_string()
            .contains("is not answering. The stored credential was kept"),
        "{answer}"
    );
    assert_eq!(
        provider.seen().refresh_requests,
        3,
        "three tries, with backoff"
    );
    let kept = credential(&app, "openai").await;
    assert!(kept.is_object(), "the credential is still stored");
    assert_eq!(kept["needs_reconnect"], false, "{kept}");

    // The provider is back: the refresh token kept is still the live one.
    let (status, answer) = call(&app, "test", &[("provider", "openai")]).await;
    assert_eq!(status, 200, "{answer}");
    let seen = provider.seen();
    assert_eq!((seen.rotations, seen.reused), (1, 0), "{seen:?}");
}

#[tokio::test]
async fn a_provider_that_stalls_is_given_up_on_after_the_timeout() {
    a_failing_refresh_keeps_the_credential(Answer::Stalls(Duration::from_secs(4))).await;
}

#[tokio::test]
async fn a_provider_answering_500_with_an_oauth_error_is_an_outage_not_a_refusal() {
    a_failing_refresh_keeps_the_credential(Answer::ServerError).await;
}

#[tokio::test]
async fn a_provider_answering_malformed_json_is_an_outage() {
    a_failing_refresh_keeps_the_credential(Answer::Malformed).await;
}

#[tokio::test]
async fn a_provider_dropping_the_connection_is_an_outage() {
    a_failing_refresh_keeps_the_credential(Answer::Dropped).await;
}

/// `relay-server` as its own process, on the test's data directory (and
/// database): it can be killed with SIGKILL. Killed on drop too.
struct ServerProcess(Child);

impl ServerProcess {
    async fn start(app: &TestApp, vars: &[(&str, &str)]) -> (ServerProcess, Url) {
        let mut env: HashMap<String, String> = test_vars(app.data_dir.path(), vars).await;
        env.insert("RELAY_LOG_FORMAT".into(), "json".into());
        env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
        let mut child = Command::new(env!("CARGO_BIN_EXE_relay-server"))
            .current_dir(app.data_dir.path())
            .env_clear()
            .envs(env)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (url, found) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut url = Some(url);
            // Read to the end, so the server never blocks on a full pipe.
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let Ok(event) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if event["fields"]["message"] == "Agent Relay Cloud is listening" {
                    if let Some(url) = url.take() {
                        let _ = url.send(event["fields"]["url"].as_str().unwrap().to_owned());
                    }
                }
            }
        });
        let url = tokio::time::timeout(Duration::from_secs(60), found)
            .await
            .expect("the server process says it is listening")
            .unwrap();
        (ServerProcess(child), Url::parse(&url).unwrap())
    }

    /// `kill -9`: no shutdown, no cleanup, whatever it was doing.
    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_device_flow_survives_its_poller_being_killed_mid_request() {
    // The first poll is pending; the second never answers (the poller dies
    // while waiting for it); any later one grants.
    let provider = FakeProvider::start(&[Answer::Pending, Answer::Hang], &[]).await;
    let vars = provider.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // This instance has no worker: the process below polls.
    let app = spawn_app_driven(&vars).await;
    app.sign_in("ada").await;
    let flow = start(&app, "openai").await;
    let (poller, _) = ServerProcess::start(&app, &vars).await;
    provider.until(|seen| seen.device_polls == 2).await;
    poller.kill();

    // Its claim on the flow lapses after 60 s; this instance's clock moves there.
    assert_eq!(flow_state(&app, &s(&flow, "id")).await["state"], "Pending");
    app.running.clock().advance(Duration::from_secs(61));
    app.running.run_workers_once().await;
    assert_eq!(
        flow_state(&app, &s(&flow, "id")).await["state"],
        "Connected"
    );
    assert_eq!(
        provider.seen().device_polls,
        3,
        "pending, the one cut off, then the grant: no poll repeated"
    );
}

#[tokio::test]
async fn a_refresh_cut_off_by_kill_9_is_done_once_by_another_instance() {
    // The first refresh never answers: its sender dies waiting.
    let provider = FakeProvider::start(&[], &[Answer::Hang]).await;
    let app = connected(&provider).await;
    nearly_expired(&app, "openai").await;
    // A second instance, whose sweep refreshes the credential at once.
    let vars = provider.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (refresher, _) = ServerProcess::start(&app, &vars).await;
    provider.until(|seen| seen.refresh_requests == 1).await;
    refresher.kill();

    // Its lease lapses after 60 s; then a use here refreshes, once.
    app.running.clock().advance(Duration::from_secs(61));
    let (status, answer) = call(&app, "test", &[("provider", "openai")]).await;
    assert_eq!(status, 200, "{answer}");
    let seen = provider.seen();
    assert_eq!(seen.refresh_requests, 2, "{seen:?}");
    assert_eq!(
        (seen.rotations, seen.reused),
        (1, 0),
        "one rotation, no token reused: {seen:?}"
    );
    assert_eq!(credential(&app, "openai").await["needs_reconnect"], false);
}

/// `scripts/postgres` on a cluster of this test's own (it is stopped and
/// started, which the suite's shared cluster must not be).
fn cluster(command: &str, dir: &std::path::Path) -> String {
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/postgres"))
        .args([command, dir.to_str().unwrap()])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "scripts/postgres {command} failed");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

struct OwnCluster(std::path::PathBuf);

impl Drop for OwnCluster {
    fn drop(&mut self) {
        // No assertion here: a panic while a test is failing would abort the run.
        let _ = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/postgres"))
            .args(["stop", self.0.to_str().unwrap()])
            .status();
    }
}

#[tokio::test]
async fn the_database_going_away_gives_503_and_everything_resumes_without_a_restart() {
    if postgres_cluster().is_none() {
        println!("runs in the PostgreSQL pass of scripts/test (RELAY_TEST_POSTGRES_URL)");
        return;
    }
    let parent = tempfile::Builder::new()
        .prefix("relay-outage")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(
        parent.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let dir = parent.path().join("cluster");
    let admin = cluster("start", &dir);
    let _stopped_at_the_end = OwnCluster(dir.clone());
    let mut vars: Vec<(&str, &str)> = FAST.to_vec();
    vars.push(("DATABASE_URL", &admin));
    // The test runs the worker's rounds itself, before, during and after.
    let app = spawn_app_driven(&vars).await;
    app.sign_in("ada").await;
    let flow = start(&app, "anthropic").await;
    assert_eq!(app.get("/healthz").await.status(), 200);

    cluster("pause", &dir);
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = health.json().await.unwrap();
    assert_eq!(body["database"], "unreachable", "{body}");
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let (status, answer) = call(&app, "status", &[]).await;
    assert_eq!(status, 503, "{answer}");
    // The page shows this error's sentence.
    assert_eq!(answer, "Unavailable");
    assert!(app::errors::AppError::Unavailable
        .to_string()
        .contains("briefly unavailable"));
    let page = app.get("/dashboard").await;
    assert_eq!(
        page.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "not sent to sign in"
    );
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Relay is briefly unavailable"));
    // A worker round meanwhile fails (and says so in the log), and the
    // person approves the login at the provider.
    app.running.clock().advance(Duration::from_secs(2));
    app.running.run_workers_once().await;
    decide(&app, &s(&flow, "user_code"), "claude-user", "authorize").await;

    cluster("resume", &dir);
    let back = Instant::now();
    while app.get("/healthz").await.status() != StatusCode::OK {
        assert!(back.elapsed() < Duration::from_secs(30), "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "healthy again {} ms after the database came back",
        back.elapsed().as_millis()
    );
    // The same session, the same process: the next round connects the flow.
    app.running.run_workers_once().await;
    let done = flow_state(&app, &s(&flow, "id")).await;
    assert_eq!(done["state"], "Connected", "{done}");
}
