//! Browser sessions: fixation, replay after logout, the idle and absolute
//! timeouts (on the server's test clock), "Sign out everywhere", and what a
//! copy of the database would give an attacker (no session id, no OAuth
//! state, no PKCE verifier in plaintext).

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::Client;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::cli_login::cli_token;
use crate::helpers::{contains, spawn_app, spawn_app_with, TestApp};

/// A browser whose cookies the test can read and plant.
fn browser_with(jar: &Arc<Jar>) -> Client {
    Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The session cookie's value in `jar`.
fn session_cookie(app: &TestApp, jar: &Jar) -> String {
    let header = jar.cookies(&app.url("/")).expect("a session cookie");
    let header = header.to_str().unwrap();
    header
        .split("; ")
        .find_map(|c| c.strip_prefix("relay_session="))
        .expect("relay_session")
        .to_owned()
}

/// Who `client` is signed in as (`None`: a visitor).
async fn who(app: &TestApp, client: &Client) -> Option<String> {
    let me: Value = client
        .post(app.url("/fn/account/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["login"].as_str().map(str::to_owned)
}

/// Whether the database holds `secret` as text (or as hex, PostgreSQL's bytea).
async fn database_holds(app: &TestApp, secret: &str) -> bool {
    let data = app.stored_data().await;
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    contains(&data, secret) || contains(&data, &hex)
}

#[tokio::test]
async fn session_fixation_a_planted_id_is_not_the_one_after_login() {
    let mut app = spawn_app().await;
    let jar = Arc::new(Jar::default());
    // The attacker's own (anonymous) session id, planted in the victim's browser.
    let attacker = Arc::new(Jar::default());
    let attackers_browser = browser_with(&attacker);
    attackers_browser
        .get(app.url("/oauth/start?provider=github"))
        .send()
        .await
        .unwrap();
    let planted = session_cookie(&app, &attacker);
    jar.add_cookie_str(&format!("relay_session={planted}; Path=/"), &app.url("/"));
    app.client = browser_with(&jar);

    app.sign_in("victim").await;
    assert_ne!(session_cookie(&app, &jar), planted);
    assert_eq!(
        who(&app, &attackers_browser).await,
        None,
        "the planted id signs no one in"
    );
    assert_eq!(who(&app, &app.client).await.as_deref(), Some("victim"));
}

#[tokio::test]
async fn session_replay_an_old_cookie_after_logout_is_refused() {
    let mut app = spawn_app().await;
    let jar = Arc::new(Jar::default());
    app.client = browser_with(&jar);
    app.sign_in("ada").await;
    let cookie = session_cookie(&app, &jar);
    let response = app.server_fn("/fn/account/sign-out", &[]).await;
    assert!(response.status().is_success() || response.status().is_redirection());

    let replayer = Arc::new(Jar::default());
    replayer.add_cookie_str(&format!("relay_session={cookie}; Path=/"), &app.url("/"));
    assert_eq!(who(&app, &browser_with(&replayer)).await, None);
}

#[tokio::test]
async fn session_idle_timeout_ends_a_session_left_alone() {
    let app = spawn_app_with(&[("RELAY_SESSION_IDLE_MINUTES", "30")]).await;
    app.sign_in("ada").await;
    let clock = app.running.clock();
    // Used every 20 minutes, it stays.
    for _ in 0..4 {
        clock.advance(Duration::from_secs(20 * 60));
        assert_eq!(who(&app, &app.client).await.as_deref(), Some("ada"));
    }
    clock.advance(Duration::from_secs(30 * 60));
    assert_eq!(who(&app, &app.client).await, None, "30 minutes idle");
    clock.advance(Duration::from_secs(60));
    assert_eq!(who(&app, &app.client).await, None, "and it stays ended");
}

#[tokio::test]
async fn session_absolute_lifetime_ends_even_a_busy_session() {
    // The defaults: 12 hours, 60 minutes idle.
    let app = spawn_app_with(&[("RELAY_SESSION_IDLE_MINUTES", "60")]).await;
    app.sign_in("ada").await;
    let clock = app.running.clock();
    // Busy every 50 minutes (under the hour of idle time) for 11 h 40 min.
    for _ in 0..14 {
        clock.advance(Duration::from_secs(50 * 60));
        assert_eq!(who(&app, &app.client).await.as_deref(), Some("ada"));
    }
    clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(
        who(&app, &app.client).await,
        None,
        "12 hours after signing in"
    );
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_browser_and_terminal() {
    let mut app = spawn_app().await;
    app.sign_in("ada").await;
    let terminal = cli_token(&app, "ada").await;
    let other_browser = std::mem::replace(&mut app.client, crate::helpers::browser());
    app.sign_in("ada").await;
    // Someone else, who must not be touched.
    let adas = std::mem::replace(&mut app.client, crate::helpers::browser());
    app.sign_in("grace").await;
    let grace = std::mem::replace(&mut app.client, adas);

    let response = app.server_fn("/fn/account/sign-out-everywhere", &[]).await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );

    assert_eq!(who(&app, &app.client).await, None, "this browser");
    assert_eq!(who(&app, &other_browser).await, None, "the other browser");
    let me = Client::new()
        .get(app.url("/api/me"))
        .bearer_auth(&terminal)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401, "the terminal");
    assert_eq!(who(&app, &grace).await.as_deref(), Some("grace"));
    // Signing in again works, and only the new session is live.
    app.sign_in("ada").await;
    assert_eq!(who(&app, &app.client).await.as_deref(), Some("ada"));
    assert_eq!(who(&app, &other_browser).await, None);
}

#[tokio::test]
async fn signing_out_can_end_the_terminals_too() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let kept = cli_token(&app, "ada").await;
    app.server_fn("/fn/account/sign-out", &[]).await;
    let me = Client::new()
        .get(app.url("/api/me"))
        .bearer_auth(&kept)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        200,
        "a plain sign-out leaves the terminal signed in"
    );

    app.sign_in("ada").await;
    app.server_fn("/fn/account/sign-out", &[("terminals", "on")])
        .await;
    let me = Client::new()
        .get(app.url("/api/me"))
        .bearer_auth(&kept)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401, "signed out with the terminals");
}

#[tokio::test]
async fn database_leak_holds_no_session_id_state_or_verifier() {
    let mut app = spawn_app().await;
    let jar = Arc::new(Jar::default());
    app.client = browser_with(&jar);
    app.sign_in("ada").await;
    let cookie = session_cookie(&app, &jar);
    assert!(
        !database_holds(&app, &cookie).await,
        "the session id is stored hashed"
    );

    // A started login: its state and its PKCE verifier stay out of the tables.
    let authorize = app.start_sign_in().await;
    let param = |name: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .unwrap()
            .1
            .into_owned()
    };
    let (state, challenge) = (param("state"), param("code_challenge"));
    assert!(!database_holds(&app, &state).await, "the OAuth state");
    let stored: Vec<String> = app::platform::db::fetch_all!(
        app.db(),
        sqlx::query_scalar("SELECT pkce_verifier FROM oauth_states")
    )
    .unwrap();
    for column in stored {
        let as_challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(column.as_bytes()));
        assert_ne!(
            as_challenge, challenge,
            "the verifier is not stored as it is"
        );
    }

    // The session table's own ids, presented as cookies, sign no one in.
    let ids: Vec<String> =
        app::platform::db::fetch_all!(app.db(), sqlx::query_scalar("SELECT id FROM sessions"))
            .unwrap();
    assert!(!ids.is_empty());
    for id in ids {
        let thief = Arc::new(Jar::default());
        thief.add_cookie_str(&format!("relay_session={id}; Path=/"), &app.url("/"));
        assert_eq!(who(&app, &browser_with(&thief)).await, None);
    }
}
