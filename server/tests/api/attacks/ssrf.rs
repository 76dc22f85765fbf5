//! Server-side request forgery through the self-hosted probe, which fetches
//! a URL the user typed from inside Relay's network. Which addresses are
//! refused is unit-tested with a resolver the test controls
//! (`connect::self_hosted::addresses`); these tests go through the server.
//! The one that names metadata addresses runs its body in a copy of the test
//! binary inside a network namespace that has only loopback (`unshare -rn`),
//! so that even a broken refusal sends nothing anywhere.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::routing::get;
use axum::Router;

use crate::connect_device::call;
use crate::connect_self_hosted::{listed, model_server};
use crate::helpers::{spawn_app, spawn_app_with};

/// Whether this process can reach nothing but loopback (its own network
/// namespace, as `/proc/self/net/dev` lists it; sysfs may show the host's).
fn only_loopback_is_here() -> bool {
    let interfaces: Vec<String> = std::fs::read_to_string("/proc/self/net/dev")
        .unwrap()
        .lines()
        .skip(2)
        .filter_map(|line| line.split(':').next())
        .map(|name| name.trim().to_owned())
        .collect();
    interfaces == ["lo"]
}

/// Set in the copy of this test binary that runs inside the namespace.
const INSIDE: &str = "RELAY_TEST_LOOPBACK_ONLY";

/// Runs the test `name` again, alone, in a copy of this binary inside a new
/// network namespace that has only loopback (`unshare -rn`), and fails
/// unless it passes there. SQLite only: the suite's PostgreSQL cluster is on
/// the host's loopback, which the namespace cannot reach.
fn passes_in_a_loopback_only_namespace(name: &str) {
    let binary = std::env::current_exe().unwrap();
    let run = format!(
        "ip link set lo up && exec '{}' --exact '{name}' --test-threads=1",
        binary.display()
    );
    let output = std::process::Command::new("unshare")
        .args(["-rn", "sh", "-c", &run])
        .env(INSIDE, "1")
        .env_remove("RELAY_TEST_POSTGRES_URL")
        .output()
        .expect("unshare (util-linux) and ip (iproute2) run");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && said.contains("1 passed"),
        "{said}"
    );
}

#[tokio::test]
async fn ssrf_cloud_metadata_in_every_spelling_is_refused_and_nothing_is_saved() {
    // Even a broken refusal must send nothing toward such an address: the
    // test's body runs only where nothing but loopback exists.
    if std::env::var_os(INSIDE).is_none() {
        return passes_in_a_loopback_only_namespace(
            "attacks::ssrf::ssrf_cloud_metadata_in_every_spelling_is_refused_and_nothing_is_saved",
        );
    }
    assert!(
        only_loopback_is_here(),
        "the namespace has more than loopback"
    );
    // Development allows private networks: metadata stays refused.
    let app = spawn_app().await;
    app.sign_in("ada").await;
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://2852039166/",
        "http://0xa9fea9fe/",
        "http://0251.0376.0251.0376/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://metadata.google.internal.169.254.169.254.nip.io/",
        "http://[fe80::1]:11434/",
    ] {
        let (status, answer) = call(
            &app,
            "self-hosted/add",
            &[("name", "Metadata"), ("url", url)],
        )
        .await;
        let resolvable = !url.contains("nip.io");
        if resolvable {
            assert_eq!(status, 400, "{url}: {answer}");
            assert!(
                answer.to_string().contains("cloud metadata or link-local"),
                "{url}: {answer}"
            );
        } else {
            // No DNS in here: refused as unresolvable, before any connection.
            assert_eq!(status, 400, "{url}: {answer}");
            assert!(
                answer.to_string().contains("could not be resolved"),
                "{url}: {answer}"
            );
        }
    }
    assert_eq!(listed(&app).await, serde_json::json!([]));
}

#[tokio::test]
async fn ssrf_loopback_is_refused_unless_the_operator_allows_private_networks() {
    // A model server that counts what reaches it.
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let server = Router::new().route(
        "/api/tags",
        get(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { axum::Json(serde_json::json!({ "models": [] })) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, server).await.unwrap() });

    let app = spawn_app_with(&[("RELAY_SELF_HOSTED_ALLOW_PRIVATE", "off")]).await;
    app.sign_in("ada").await;
    for url in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
        format!("http://127.1:{port}"),
        format!("http://[::ffff:127.0.0.1]:{port}"),
        format!("http://0.0.0.0:{port}"),
        format!("http://[::1]:{port}"),
    ] {
        let (status, answer) =
            call(&app, "self-hosted/add", &[("name", "Local"), ("url", &url)]).await;
        assert_eq!(status, 400, "{url}: {answer}");
        assert!(
            answer
                .to_string()
                .contains("RELAY_SELF_HOSTED_ALLOW_PRIVATE"),
            "{url}: {answer}"
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the server");
    assert_eq!(listed(&app).await, serde_json::json!([]));

    // Allowed (development's default), the same server is probed and saved.
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let (status, saved) = call(
        &app,
        "self-hosted/add",
        &[
            ("name", "Local"),
            ("url", &format!("http://localhost:{port}")),
        ],
    )
    .await;
    assert_eq!(
        (status, saved["kind"].as_str()),
        (200, Some("ollama")),
        "{saved}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn ssrf_probing_is_rate_limited_per_user() {
    let app = spawn_app().await;
    crate::attacks::rate_limits::at_a_window_start(&app, 60);
    app.sign_in("ada").await;
    let ollama = model_server(true).await;
    for n in 0..10 {
        let (status, answer) = call(
            &app,
            "self-hosted/add",
            &[("name", "Ollama"), ("url", &ollama)],
        )
        .await;
        assert_eq!(status, 200, "probe {n}: {answer}");
    }
    let response = app
        .server_fn(
            "/fn/providers/self-hosted/add",
            &[("name", "Ollama"), ("url", &ollama)],
        )
        .await;
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body = response.text().await.unwrap();
    assert!(body.contains("Too many attempts. Try again in"), "{body}");
    assert_eq!(listed(&app).await.as_array().unwrap().len(), 10);
}
