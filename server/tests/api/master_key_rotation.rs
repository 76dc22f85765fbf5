//! Master-key rotation without downtime: with the new key current and the
//! old one previous, `rotate-master-key` re-wraps every user key and signing
//! key in batches while servers run (resumable); afterwards a server with
//! only the new key opens everything.

use app::vault::{rotation, MasterKey, Vault};

use crate::cli_login::cli_token;
use crate::helpers::{browser, spawn_app_with, test_config};

/// Where an instance itself listens (its `url` is the shared public one).
fn own_url(instance: &server::Running) -> url::Url {
    url::Url::parse(&format!("http://{}/", instance.addr)).unwrap()
}

#[tokio::test]
async fn rotating_the_master_key_rewraps_everything_and_the_old_key_is_no_longer_needed() {
    let (old, new) = (MasterKey::generate_hex(), MasterKey::generate_hex());
    let mut app = spawn_app_with(&[("RELAY_MASTER_KEY", &old)]).await;
    let mut terminals = Vec::new();
    for login in ["ada", "grace", "katherine"] {
        terminals.push(cli_token(&app, login).await);
        app.client = browser();
        app.sign_in(login).await;
        app.paste_new_key("anthropic").await;
    }
    let public_url = app.running.url.to_string();
    let on = |key_vars: Vec<(&'static str, String)>| {
        let mut vars: Vec<(String, String)> = vec![("RELAY_PUBLIC_URL".into(), public_url.clone())];
        vars.extend(key_vars.into_iter().map(|(k, v)| (k.to_owned(), v)));
        vars
    };
    let new_only = Vault::new(MasterKey::parse(&new).unwrap(), Vec::new());
    assert!(rotation::remaining(app.db(), &new_only).await.unwrap() >= 4);
    let ada: String = app::platform::db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT id FROM users WHERE login = 'ada'")
    )
    .unwrap();
    assert!(
        app::identity::users::data_key(app.db(), &new_only, &ada)
            .await
            .is_err(),
        "before the rotation the new key alone opens nothing"
    );

    // The procedure: every instance is restarted with the new key current
    // and the old one previous (here one such instance; the first one,
    // still on the old key alone, gets no more requests), then the
    // rotation runs beside it while it serves.
    let rotating = on(vec![
        ("RELAY_MASTER_KEY", new.clone()),
        ("RELAY_MASTER_KEY_PREVIOUS", old.clone()),
    ]);
    let rotating: Vec<(&str, &str)> = rotating
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let config = test_config(app.data_dir.path(), &rotating).await;
    let serving = server::start(config.clone()).await.unwrap();
    let mixed = Vault::new(
        MasterKey::parse(&new).unwrap(),
        vec![MasterKey::parse(&old).unwrap()],
    );
    // Interrupted after one batch: the keys are half old, half new, and
    // everything still opens on the serving instance.
    assert_eq!(
        rotation::rewrap_batch(app.db(), &mixed, 2).await.unwrap(),
        2
    );
    for terminal in &terminals {
        let response = reqwest::Client::new()
            .get(own_url(&serving).join("api/credentials/anthropic").unwrap())
            .bearer_auth(terminal)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(status, 200, "{}", response.text().await.unwrap());
    }
    // Resumed by the command, which reports its progress.
    let mut reports = Vec::new();
    let done = server::rotate_master_key(&config, 1, |p| reports.push(p))
        .await
        .unwrap();
    assert_eq!(done.done, done.total);
    assert!(reports.len() >= 3, "{reports:?}");
    assert_eq!(rotation::remaining(app.db(), &new_only).await.unwrap(), 0);
    serving.shutdown().await;

    // The old key removed: an instance with the new key alone opens every
    // credential and verifies every terminal's token.
    let alone = on(vec![("RELAY_MASTER_KEY", new.clone())]);
    let alone: Vec<(&str, &str)> = alone
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let fresh = server::start(test_config(app.data_dir.path(), &alone).await)
        .await
        .unwrap();
    for terminal in &terminals {
        let response = reqwest::Client::new()
            .get(own_url(&fresh).join("api/credentials/anthropic").unwrap())
            .bearer_auth(terminal)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(body["env"]["ANTHROPIC_API_KEY"]
            .as_str()
            .unwrap()
            .starts_with("sk-ant-api03-"));
    }
    fresh.shutdown().await;
}
