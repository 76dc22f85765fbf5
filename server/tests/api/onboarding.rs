use app::platform::db;

use crate::helpers::{browser, location, spawn_app};

#[tokio::test]
async fn signed_out_visitors_are_sent_to_the_landing_page() {
    let app = spawn_app().await;

    for path in ["/onboarding/repositories", "/onboarding/team", "/dashboard"] {
        let response = app.get(path).await;
        assert_eq!(location(&response), "/", "{path}");
    }
}

#[tokio::test]
async fn every_step_has_its_heading_and_the_step_indicator() {
    let app = spawn_app().await;
    app.sign_in("ada").await;

    for (slug, heading) in [
        ("repositories", "Select Repositories"),
        ("providers", "Connect Your AI Providers"),
        ("team", "Create Your First Agent Team"),
        ("ready", "You&#x27;re all set!"),
    ] {
        let html = app
            .get(&format!("/onboarding/{slug}"))
            .await
            .text()
            .await
            .unwrap();
        let heading_found =
            html.contains(heading) || html.contains(&heading.replace("&#x27;", "'"));
        assert!(heading_found, "{slug}: {html}");
        for label in ["Sign up", "Repositories", "Providers", "Team", "Ready"] {
            assert!(html.contains(label), "{slug} lacks {label}");
        }
    }
}

#[tokio::test]
async fn continue_advances_and_a_returning_user_resumes_there() {
    let app = spawn_app().await;
    app.sign_in("ada").await;

    // The repositories step cannot be skipped: it ends by choosing.
    let response = app
        .server_fn("/fn/onboarding/continue", &[("step", "repositories")])
        .await;
    assert_eq!(response.status(), 400);
    choose_a_repository(&app).await;

    // A new browser, the same person.
    let other = crate::helpers::TestApp {
        client: browser(),
        ..app
    };
    assert_eq!(other.sign_in("ada").await, "/onboarding/providers");
    assert_eq!(location(&other.get("/").await), "/onboarding/providers");
}

#[tokio::test]
async fn progress_never_moves_backwards() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    choose_a_repository(&app).await;
    app.server_fn("/fn/onboarding/continue", &[("step", "providers")])
        .await;

    app.server_fn("/fn/onboarding/continue", &[("step", "repositories")])
        .await;

    let step: String = db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT onboarding_step FROM users")
    )
    .unwrap();
    assert_eq!(step, "team");
}

#[tokio::test]
async fn finishing_the_last_step_completes_onboarding() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    choose_a_repository(&app).await;
    for step in ["providers", "team", "ready"] {
        app.server_fn("/fn/onboarding/continue", &[("step", step)])
            .await;
    }

    assert_eq!(location(&app.get("/").await), "/dashboard");
    let html = app.get("/dashboard").await.text().await.unwrap();
    assert!(
        html.contains("Dashboard") && html.contains("Welcome back, Ada Lovelace"),
        "{html}"
    );
}

#[tokio::test]
async fn an_unknown_step_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.sign_in("ada").await;

    let response = app
        .client
        .post(app.url("/fn/onboarding/continue"))
        .header("Accept", "application/json")
        .form(&[("step", "billing")])
        .send()
        .await
        .unwrap();

    assert!(
        response.status().is_client_error() || response.status().is_server_error(),
        "{}",
        response.status()
    );
    let body = response.text().await.unwrap();
    assert!(
        body.contains("There is no onboarding step called"),
        "{body}"
    );
    let step: String = db::fetch_one!(
        app.db(),
        sqlx::query_scalar("SELECT onboarding_step FROM users")
    )
    .unwrap();
    assert_eq!(step, "repositories");
}

#[tokio::test]
async fn continue_requires_a_signed_in_user() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/fn/onboarding/continue"))
        .header("Accept", "application/json")
        .form(&[("step", "repositories")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    let error: app::errors::AppError = response.json().await.unwrap();
    assert_eq!(error, app::errors::AppError::NotSignedIn);
}

#[tokio::test]
async fn the_providers_step_shows_copilot_connected_by_the_sign_up() {
    let app = spawn_app().await;
    app.sign_in("grace").await;

    let html = app.get("/onboarding/providers").await.text().await.unwrap();

    assert!(
        html.contains("Already connected via your GitHub account (grace)"),
        "{html}"
    );
    assert!(html.contains("✓ Connected"));
}

/// Finishes "Select Repositories" the way the page does: the first repository.
pub(crate) async fn choose_a_repository(app: &crate::helpers::TestApp) {
    let list: serde_json::Value = app
        .server_fn("/fn/repositories/list", &[])
        .await
        .json()
        .await
        .unwrap();
    let id = list["repos"][0]["id"].as_i64().unwrap().to_string();
    let response = app
        .server_fn("/fn/repositories/save", &[("ids[]", id.as_str())])
        .await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );
}

/// A refused call from a plain HTML form (no JavaScript) keeps its redirect
/// back to the page, which shows the error: the status of a refusal is only
/// for clients that read JSON.
#[tokio::test]
async fn a_refused_plain_form_post_is_sent_back_to_its_page() {
    let app = spawn_app().await;
    let page = app.url("/onboarding/repositories");

    let response = app
        .client
        .post(app.url("/fn/onboarding/continue"))
        .header("Accept", "text/html")
        .header("Referer", page.as_str())
        .form(&[("step", "repositories")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 302);
    let to = location(&response);
    assert!(
        to.starts_with(page.as_str()) && to.contains("__err"),
        "{to}"
    );
}
