//! "Select Repositories": the whole GitHub listing (across `Link` pages) with
//! the token from the vault, and a choice that is remembered.

use app::platform::db;
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
    let step: String = db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT onboarding_step FROM users")
    )
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
    let count: i64 = db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT COUNT(*) FROM repositories")
    )
    .unwrap();
    assert_eq!(count, 0, "a refused choice changes nothing");
}

#[tokio::test]
async fn a_thousand_repositories_and_none_at_all() {
    let app = spawn_app().await;
    app.sign_in("many-repos").await;
    let list = listing(&app).await;
    assert_eq!(
        list["repos"].as_array().unwrap().len(),
        1_000,
        "ten pages of 100"
    );

    let empty = crate::helpers::TestApp {
        client: crate::helpers::browser(),
        ..app
    };
    empty.sign_in("empty-handed").await;
    assert_eq!(listing(&empty).await["repos"], Value::Array(vec![]));
    let html = empty
        .get("/onboarding/repositories")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("No repositories yet"),
        "the empty state is said"
    );
}

#[tokio::test]
async fn chosen_repositories_are_searched_for_agent_configuration() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let list = listing(&app).await;
    // The stand-in puts .claude/agents/ in some repositories and teams.json in
    // others; the ten newest hold both kinds and some with neither.
    let repos = list["repos"].as_array().unwrap();
    let ids: Vec<String> = repos[..10].iter().map(|r| r["id"].to_string()).collect();
    let form: Vec<(&str, &str)> = ids.iter().map(|id| ("ids[]", id.as_str())).collect();
    let response = app.server_fn("/fn/repositories/save", &form).await;
    assert!(response.status().is_success() || response.status().is_redirection());

    // The lookup runs in the background; wait for it (bounded).
    let mut found = Value::Null;
    for _ in 0..100 {
        let ws: Value = app
            .server_fn("/fn/workspace", &[])
            .await
            .json()
            .await
            .unwrap();
        if ws["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["config_checked"] == true)
        {
            found = ws["repositories"].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let found: Vec<Value> = found
        .as_array()
        .unwrap_or_else(|| panic!("the lookup never finished"))
        .iter()
        .map(|r| r["agent_config"].clone())
        .collect();
    assert_eq!(found.len(), 10);
    let said = |text: &str| {
        found
            .iter()
            .filter(|f| f.as_str().is_some_and(|s| s.contains(text)))
            .count()
    };
    assert!(said("agents in .claude/agents/") >= 1, "{found:?}");
    assert!(said("teams.json with 1 team") >= 1, "{found:?}");
    assert!(found.iter().any(Value::is_null), "{found:?}");
}
