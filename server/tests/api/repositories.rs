//! "Select Repositories": the whole GitHub listing (across `Link` pages) with
//! the token from the vault, and a choice that is remembered.

use serde_json::Value;

use crate::helpers::{location, spawn_app};

async fn listing(app: &crate::helpers::TestApp) -> Value {
    let response = app.server_fn("/fn/repositories/list", &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_page_is_listed_newest_first() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let list = listing(&app).await;
    let repos = list["repos"].as_array().unwrap();
    assert!(
        (240..=300).contains(&repos.len()),
        "{} repositories: all pages were followed",
        repos.len()
    );
    let times: Vec<i64> = repos
        .iter()
        .map(|r| r["updated_at"].as_i64().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "most recently updated first"
    );
    assert!(repos[0]["updated_ago"]
        .as_str()
        .unwrap()
        .starts_with("Updated "));
    assert_eq!(list["selected"], Value::Array(vec![]));
}

#[tokio::test]
async fn the_choice_is_stored_and_shown_again() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let list = listing(&app).await;
    let ids: Vec<String> = list["repos"].as_array().unwrap()[..2]
        .iter()
        .map(|r| r["id"].as_i64().unwrap().to_string())
        .collect();

    // As a plain HTML form posts it (no JavaScript): ids[]=…&ids[]=…
    let response = app
        .server_fn(
            "/fn/repositories/save",
            &[("ids[]", ids[0].as_str()), ("ids[]", ids[1].as_str())],
        )
        .await;
    assert!(
        response.status().is_redirection() || response.status() == 200,
        "{}",
        response.status()
    );
    if response.status().is_redirection() {
        assert_eq!(location(&response), "/onboarding/providers");
    }
    let again = listing(&app).await;
    let mut selected: Vec<String> = again["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    selected.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(selected, expected);
    let step: String = sqlx::query_scalar("SELECT onboarding_step FROM users")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(step, "providers");
}

#[tokio::test]
async fn nothing_or_someone_elses_repositories_are_refused() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let response = app.server_fn("/fn/repositories/save", &[]).await;
    assert_eq!(response.status(), 400);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Choose at least one repository"));

    let response = app
        .server_fn("/fn/repositories/save", &[("ids[]", "424242424242")])
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("not among yours"));
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM repositories")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(count, 0, "a refused choice changes nothing");
}
