use reqwest::header::SET_COOKIE;

use crate::helpers::{contains, location, spawn_app};
use app::platform::db;

#[tokio::test]
async fn a_new_user_signs_up_and_lands_on_select_repositories() {
    let app = spawn_app().await;

    let landing = app.sign_in("new-user-1").await;

    assert_eq!(landing, "/onboarding/repositories");
    let html = app.get(&landing).await.text().await.unwrap();
    assert!(html.contains("Select Repositories"), "{html}");
    assert!(
        html.contains(r#"<span class="account-display">new-user-1"#),
        "the header shows the GitHub login: {html}"
    );
    let users: i64 =
        db::fetch_one!(app.db(), sqlx::query_scalar("SELECT COUNT(*) FROM users")).unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn the_github_token_is_stored_only_encrypted() {
    let app = spawn_app().await;

    app.sign_in("ada").await;

    let db = app.db();
    let (access, refresh): (String, Option<String>) = db::fetch_one!(
        db,
        sqlx::query_as(
            "SELECT access_token, refresh_token FROM credentials WHERE provider = 'github'",
        )
    )
    .unwrap();
    assert!(!access.contains("dev_at_") && refresh.is_some_and(|r| !r.contains("dev_rt_")));
    let stores = [
        ("Relay's database", app.stored_data().await),
        (
            "the providers' database",
            app.database_bytes("dev-providers.db"),
        ),
    ];
    for (store, bytes) in stores {
        assert!(!bytes.is_empty(), "{store} holds data");
        assert!(
            !contains(&bytes, "dev_at_"),
            "an access token is in plaintext in {store}"
        );
        assert!(
            !contains(&bytes, "dev_rt_"),
            "a refresh token is in plaintext in {store}"
        );
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_changes_at_sign_in() {
    let app = spawn_app().await;
    let start = app.get("/oauth/start?provider=github").await;
    let before = start
        .headers()
        .get(SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let authorize = url::Url::parse(&location(&start)).unwrap();
    let callback = app.decide(&authorize, "grace", "authorize").await;

    let response = app.client.get(callback).send().await.unwrap();

    let after = response
        .headers()
        .get(SET_COOKIE)
        .expect("a new session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    for cookie in [&before, &after] {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(
            !cookie.contains("Secure"),
            "development serves plain http: {cookie}"
        );
    }
    let id = |c: &str| c.split(';').next().unwrap().to_owned();
    assert_ne!(
        id(&before),
        id(&after),
        "the session id is cycled at sign-in"
    );
}

#[tokio::test]
async fn a_callback_with_a_wrong_state_is_refused_with_a_friendly_page() {
    let app = spawn_app().await;
    let authorize = app.start_sign_in().await;
    let mut callback = app.decide(&authorize, "ada", "authorize").await;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    callback
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", "forged-state");

    let response = app.client.get(callback).send().await.unwrap();

    assert_eq!(location(&response), "/signin/failed?reason=state_mismatch");
    let page = app.get("/signin/failed?reason=state_mismatch").await;
    assert_eq!(page.status(), 400);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("We couldn&#x27;t verify this sign-in")
            || html.contains("We couldn't verify this sign-in"),
        "{html}"
    );
    assert!(html.contains("Try again"));
    assert_no_user(&app).await;
}

#[tokio::test]
async fn a_replayed_callback_is_refused() {
    let app = spawn_app().await;
    let authorize = app.start_sign_in().await;
    let callback = app.decide(&authorize, "ada", "authorize").await;
    let first = app.client.get(callback.clone()).send().await.unwrap();
    assert_eq!(location(&first), "/onboarding/repositories");

    let replay = app.client.get(callback).send().await.unwrap();

    assert_eq!(location(&replay), "/signin/failed?reason=state_used");
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let app = spawn_app().await;
    let authorize = app.start_sign_in().await;
    let callback = app.decide(&authorize, "ada", "authorize").await;
    // A second ago, not at 0: the housekeeping that runs as the server
    // starts forgets states a day past their expiry, and may run just now.
    db::execute!(
        app.db(),
        sqlx::query("UPDATE oauth_states SET expires_at = $1").bind(app.running.clock().now() - 1)
    )
    .unwrap();

    let response = app.client.get(callback).send().await.unwrap();

    assert_eq!(location(&response), "/signin/failed?reason=state_expired");
    assert_no_user(&app).await;
}

#[tokio::test]
async fn a_pkce_mismatch_is_rejected_by_the_provider() {
    let app = spawn_app().await;
    let authorize = app.start_sign_in().await;
    let callback = app.decide(&authorize, "ada", "authorize").await;
    // As if an attacker injected a code obtained for another verifier.
    let state = callback
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let other = app::vault::seal_under(
        &state,
        app::providers::oauth_states::VERIFIER,
        &secrecy::SecretString::from("x".repeat(64)),
    );
    db::execute!(
        app.db(),
        sqlx::query("UPDATE oauth_states SET pkce_verifier = $1").bind(other)
    )
    .unwrap();

    let response = app.client.get(callback).send().await.unwrap();

    assert_eq!(location(&response), "/signin/failed?reason=provider_error");
    assert_no_user(&app).await;
}

#[tokio::test]
async fn a_denial_at_the_provider_changes_nothing() {
    let app = spawn_app().await;
    let authorize = app.start_sign_in().await;

    let callback = app.decide(&authorize, "ada", "cancel").await;
    assert!(callback
        .query_pairs()
        .any(|(k, v)| k == "error" && v == "access_denied"));
    let response = app.client.get(callback).send().await.unwrap();

    assert_eq!(location(&response), "/signin/failed?reason=denied");
    let html = app
        .get("/signin/failed?reason=denied")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Sign-in was cancelled") && html.contains("Try again"));
    assert_no_user(&app).await;
}

#[tokio::test]
async fn an_unknown_provider_is_refused() {
    let app = spawn_app().await;

    let start = app.get("/oauth/start?provider=myspace").await;
    let callback = app.get("/oauth/callback/myspace?code=x&state=y").await;

    assert_eq!(location(&start), "/signin/failed?reason=unknown_provider");
    assert_eq!(
        location(&callback),
        "/signin/failed?reason=unknown_provider"
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    app.sign_in("ada").await;

    let response = app.server_fn("/fn/account/sign-out", &[]).await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );

    let after = app.get("/onboarding/repositories").await;
    assert_eq!(location(&after), "/");
}

async fn assert_no_user(app: &crate::helpers::TestApp) {
    let users: i64 =
        db::fetch_one!(app.db(), sqlx::query_scalar("SELECT COUNT(*) FROM users")).unwrap();
    assert_eq!(users, 0, "a failed sign-in must not create a user");
    let credentials: i64 = db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM credentials")
    )
    .unwrap();
    assert_eq!(credentials, 0);
}

#[tokio::test]
async fn sessions_and_credentials_survive_a_restart() {
    let app = spawn_app().await;
    app.sign_in("katherine").await;
    let crate::helpers::TestApp {
        running,
        client,
        data_dir,
    } = app;
    running.shutdown().await;

    let running = server::start(crate::helpers::test_config(data_dir.path(), &[]).await)
        .await
        .unwrap();
    let app = crate::helpers::TestApp {
        running,
        client,
        data_dir,
    };

    let page = app.get("/onboarding/providers").await;
    assert_eq!(
        page.status(),
        200,
        "the session is a database row, not memory"
    );
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Already connected via your GitHub account (katherine)"));
}
