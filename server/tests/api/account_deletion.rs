//! "Delete my account" by crypto-shredding: revoked at the providers, every
//! session and terminal ended, the vault key destroyed (nothing sealed for
//! the user opens afterwards, even with the master key), the rows deleted;
//! another user untouched; signing in again starts onboarding afresh.

use app::platform::db;
use app::vault::credentials;

use crate::cli_login::{api, cli_token};
use crate::connect_device::FAST;
use crate::connect_freshness::{connect, provider_db};
use crate::helpers::{browser, contains, spawn_app_with, TestApp};

async fn user_id(app: &TestApp, login: &str) -> Option<String> {
    db::fetch_optional!(
        app.db(),
        sqlx::query_scalar("SELECT id FROM users WHERE login = $1").bind(login)
    )
    .unwrap()
}

async fn rows_of(app: &TestApp, user_id: &str) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    for table in [
        "user_keys",
        "credentials",
        "session_tokens",
        "audit_log",
        "device_flows",
        "import_codes",
        "repositories",
        "teams",
    ] {
        let n: i64 = db::fetch_one!(
            app.db(),
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE user_id = $1"))
                .bind(user_id)
        )
        .unwrap();
        counts.push((table.to_owned(), n));
    }
    counts
}

async fn live_tokens(app: &TestApp, provider: &str, login: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM dev_tokens WHERE provider = $1 AND login = $2 AND kind = 'access' AND revoked = 0",
    )
    .bind(provider)
    .bind(login)
    .fetch_one(&provider_db(app).await)
    .await
    .unwrap()
}

#[tokio::test]
async fn deleting_an_account_shreds_its_vault_key_and_leaves_another_user_untouched() {
    let mut app = spawn_app_with(&FAST).await;
    app.sign_in("grace").await;
    app.paste_new_key("anthropic").await;
    let grace = user_id(&app, "grace").await.unwrap();

    let terminal = cli_token(&app, "ada").await;
    app.client = browser();
    app.sign_in("ada").await;
    app.paste_new_key("anthropic").await;
    connect(&app, "openai", "ada-at-openai").await;
    let ada = user_id(&app, "ada").await.unwrap();
    let sealed: Vec<String> = db::fetch_all!(
        app.db(),
        sqlx::query_scalar("SELECT access_token FROM credentials WHERE user_id = $1").bind(&ada)
    )
    .unwrap();
    let wrapped: String = db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT wrapped FROM user_keys WHERE user_id = $1").bind(&ada)
    )
    .unwrap();
    assert_eq!(sealed.len(), 3, "GitHub (sign-in), Anthropic, OpenAI");
    assert!(live_tokens(&app, "openai", "ada-at-openai").await > 0);
    assert!(live_tokens(&app, "github", "ada").await > 0);

    // A confirmation that is not the login changes nothing.
    let refused = app
        .server_fn("/fn/account/delete", &[("confirm", "grace")])
        .await;
    assert_eq!(refused.status(), 400);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Type your GitHub login, ada, to confirm. Nothing was deleted."));
    assert!(user_id(&app, "ada").await.is_some());

    let deleted = app
        .server_fn("/fn/account/delete", &[("confirm", "ada")])
        .await;
    assert!(
        deleted.status().is_success() || deleted.status().is_redirection(),
        "{}",
        deleted.status()
    );

    // The vault key is gone: even with the master key, nothing of Ada's opens.
    assert!(user_id(&app, "ada").await.is_none());
    assert!(
        app::identity::users::data_key(app.db(), app.running.vault(), &ada)
            .await
            .is_err()
    );
    for (table, n) in rows_of(&app, &ada).await {
        assert_eq!(n, 0, "no row of ada's is left in {table}");
    }
    let stored = app.stored_data().await;
    assert!(
        !contains(&stored, &wrapped),
        "the wrapped key is nowhere in the database"
    );
    for ciphertext in &sealed {
        assert!(!contains(&stored, ciphertext), "nor any ciphertext of hers");
    }
    // Revoked at the providers: Relay's grants at OpenAI and GitHub are ended.
    assert_eq!(live_tokens(&app, "openai", "ada-at-openai").await, 0);
    assert_eq!(live_tokens(&app, "github", "ada").await, 0);
    // Every session ended: this browser and the terminal.
    let (status, _) = api(&app, &terminal, "/api/credentials/anthropic").await;
    assert_eq!(status, 401);
    let page = app.get("/settings/providers").await.text().await.unwrap();
    assert!(!page.contains("Delete my account"), "signed out");

    // Grace is untouched: her key still opens and is handed out.
    let graces = credentials::access_token(
        app.db(),
        app.running.vault(),
        &grace,
        "anthropic".parse().unwrap(),
    )
    .await
    .unwrap();
    assert!(graces.is_some());

    // Signing in again with the same GitHub account starts afresh.
    app.client = browser();
    let landing = app.sign_in("ada").await;
    let again = user_id(&app, "ada").await.unwrap();
    assert_ne!(again, ada);
    assert!(landing.contains("/onboarding"), "{landing}");
    let credentials: i64 = db::fetch_one!(
        app.db(),
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM credentials WHERE user_id = $1 AND provider <> 'github'"
        )
        .bind(&again)
    )
    .unwrap();
    assert_eq!(credentials, 0);
}
