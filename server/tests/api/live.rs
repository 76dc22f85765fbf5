//! Pushed status: a page waiting on a device login or an import holds
//! `GET /live/…` (server-sent events) open and hears `changed` the moment
//! the server learns of it, over real HTTP; and the "You can close this
//! tab" page hears its terminal collect the session.

use std::time::{Duration, Instant};

use reqwest::Response;

use crate::cli_login::{browser_signs_in, Terminal};
use crate::connect_device::{call, decide, s, start, FAST};
use crate::connect_import::{claude_file, send};
use crate::helpers::{browser, spawn_app, spawn_app_driven, TestApp};

/// Opens the page's event stream with the browser's cookies.
pub(crate) async fn listen(app: &TestApp, path: &str) -> Response {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "text/event-stream",
        "{path}"
    );
    response
}

/// Reads the stream until its `changed` event; returns the event's data.
pub(crate) async fn changed(stream: &mut Response) -> String {
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(event) = text.split("\n\n").find(|e| e.contains("event: changed")) {
            let data = event.lines().find_map(|l| l.strip_prefix("data: "));
            return data.unwrap_or_default().to_owned();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, stream.chunk())
            .await
            .expect("no change was pushed within 10 s")
            .unwrap()
            .expect("the stream ended without a change");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// Within 300 ms of reading, the stream says nothing of a change (comments may come).
async fn nothing_pushed_yet(stream: &mut Response, why: &str) {
    let early = tokio::time::timeout(Duration::from_millis(300), stream.chunk()).await;
    let said = early.map_or(String::new(), |c| {
        String::from_utf8_lossy(&c.unwrap().unwrap_or_default()).into_owned()
    });
    assert!(!said.contains("changed"), "{why}");
}

#[tokio::test]
async fn a_waiting_page_hears_its_device_login_connect_as_the_server_learns_it() {
    // No background worker: the test runs the poll that learns of the approval.
    let app = spawn_app_driven(&FAST).await;
    app.sign_in("ada").await;
    let flow = start(&app, "anthropic").await;
    let id = s(&flow, "id");
    let mut stream = listen(&app, &format!("/live/device/{id}")).await;

    decide(&app, &s(&flow, "user_code"), "claude-user", "authorize").await;
    // Nothing is pushed before the server knows.
    nothing_pushed_yet(&mut stream, "pushed before the server learnt it").await;
    app.running.clock().advance(Duration::from_secs(2));
    app.running.run_workers_once().await;
    let learnt = Instant::now();
    assert_eq!(changed(&mut stream).await, "connected");
    println!(
        "device login connected: pushed {:.1} ms after the server learnt it",
        learnt.elapsed().as_secs_f64() * 1e3
    );
}

#[tokio::test]
async fn a_flow_that_already_ended_is_told_at_once_and_a_cancel_is_pushed() {
    let app = spawn_app_with_fast().await;
    app.sign_in("ada").await;
    let flow = start(&app, "openai").await;
    let id = s(&flow, "id");
    let mut stream = listen(&app, &format!("/live/device/{id}")).await;
    let (status, body) = call(&app, "device/cancel", &[("id", &id)]).await;
    assert!(status < 400, "{status} {body}");
    assert_eq!(changed(&mut stream).await, "cancelled");
    // A page opened afterwards hears it at once.
    let mut later = listen(&app, &format!("/live/device/{id}")).await;
    assert_eq!(changed(&mut later).await, "cancelled");
}

async fn spawn_app_with_fast() -> TestApp {
    crate::helpers::spawn_app_with(&FAST).await
}

#[tokio::test]
async fn an_import_arriving_is_pushed_to_the_waiting_page() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let (status, started) = call(&app, "import/start", &[("provider", "anthropic")]).await;
    assert_eq!(status, 200, "{started}");
    let mut stream = listen(&app, &format!("/live/import/{}", s(&started, "id"))).await;
    let (status, answer) = send(&app, Some(&s(&started, "code")), &claude_file(&app).await).await;
    assert_eq!(status, 200, "{answer}");
    let sent = Instant::now();
    assert_eq!(changed(&mut stream).await, "imported");
    println!(
        "import arrived: pushed {:.1} ms after the file was stored",
        sent.elapsed().as_secs_f64() * 1e3
    );
}

#[tokio::test]
async fn only_the_owner_may_listen_and_nobody_signed_out() {
    let mut app = spawn_app().await;
    app.sign_in("ada").await;
    let flow = start(&app, "anthropic").await;
    let id = s(&flow, "id");
    let (_, import) = call(&app, "import/start", &[("provider", "anthropic")]).await;
    let import = s(&import, "id");

    let signed_out = browser()
        .get(app.url(&format!("/live/device/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 401);

    app.client = browser();
    app.sign_in("mallory").await;
    for path in [
        format!("/live/device/{id}"),
        format!("/live/import/{import}"),
        "/live/device/not-a-flow".to_owned(),
    ] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn the_close_this_tab_page_hears_its_terminal_collect_the_session() {
    let mut app = spawn_app().await;
    let terminal = Terminal::new();
    let (status, page) = browser_signs_in(&app, &terminal, "ada", "authorize").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You can close this tab"), "{page}");
    assert!(
        page.contains(r#"data-terminal-status="/live/cli""#),
        "{page}"
    );
    let script = app.get("/cli/terminal.js").await;
    assert_eq!(script.status(), 200);
    assert!(script.text().await.unwrap().contains("EventSource"));

    let mut stream = listen(&app, "/live/cli").await;
    nothing_pushed_yet(
        &mut stream,
        "pushed before the terminal collected its session",
    )
    .await;
    let (status, body) = terminal.poll(&app, &terminal.verifier).await;
    assert_eq!(status, 200, "{body}");
    let collected = Instant::now();
    assert_eq!(changed(&mut stream).await, "signed_in");
    println!(
        "terminal signed in: pushed to the browser {:.1} ms after the terminal collected its session",
        collected.elapsed().as_secs_f64() * 1e3
    );
    // Once collected, a page loaded again is told at once.
    assert_eq!(
        changed(&mut listen(&app, "/live/cli").await).await,
        "signed_in"
    );

    // Only the browser that confirmed knows which login it waits on.
    app.client = browser();
    app.sign_in("ada").await;
    assert_eq!(app.get("/live/cli").await.status(), 404);
}
