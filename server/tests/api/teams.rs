//! "Create Your First Agent Team": templates, custom teams, the provider
//! check, teams.json, and the ready page's summary.

use app::platform::db;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};

async fn workspace(app: &TestApp) -> Value {
    let response = app.server_fn("/fn/workspace", &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_template_needs_its_provider_connected() {
    let app = spawn_app().await;
    app.sign_in("ada").await;

    let refused = app
        .server_fn(
            "/fn/teams/create",
            &[("template", "code-review"), ("provider", "anthropic")],
        )
        .await;
    let (status, body) = error_of(refused).await;
    assert_eq!(status, 400);
    assert_eq!(body, serde_json::json!({ "NeedsProvider": "anthropic" }));
    assert!(
        workspace(&app).await["teams"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing stored"
    );

    app.paste_new_key("anthropic").await;
    let created = app
        .server_fn(
            "/fn/teams/create",
            &[("template", "code-review"), ("provider", "anthropic")],
        )
        .await;
    assert!(
        created.status().is_success() || created.status().is_redirection(),
        "{}",
        created.status()
    );
    let teams = workspace(&app).await["teams"].clone();
    assert_eq!(teams.as_array().unwrap().len(), 1);
    assert_eq!(teams[0]["name"], "Code Review Team");
    let agents: Vec<&str> = teams[0]["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(agents, ["Architect", "Reviewer", "Security Auditor"]);
    assert!(teams[0]["agents"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["provider"] == "anthropic"));

    // The same template twice would make two teams of one name.
    let again = app
        .server_fn(
            "/fn/teams/create",
            &[("template", "code-review"), ("provider", "anthropic")],
        )
        .await;
    let (status, body) = error_of(again).await;
    assert_eq!(status, 400);
    assert!(
        body["BadRequest"]
            .as_str()
            .unwrap()
            .contains("already have a team"),
        "{body}"
    );
}

#[tokio::test]
async fn copilot_from_the_sign_up_can_run_a_template() {
    let app = spawn_app().await;
    app.sign_in("grace").await;
    let created = app
        .server_fn(
            "/fn/teams/create",
            &[("template", "feature-development"), ("provider", "github")],
        )
        .await;
    assert!(
        created.status().is_success() || created.status().is_redirection(),
        "{}",
        created.status()
    );
    let teams = workspace(&app).await["teams"].clone();
    assert_eq!(teams[0]["name"], "Feature Development Team");
    assert_eq!(teams[0]["agents"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn a_custom_team_is_checked_before_anything_is_stored() {
    let app = spawn_app().await;
    app.sign_in("katherine").await;
    app.paste_new_key("anthropic").await;
    let custom = |name: &'static str, rows: &[(&'static str, &'static str, &'static str)]| {
        let mut form = vec![
            ("template".to_owned(), "custom".to_owned()),
            ("provider".to_owned(), "anthropic".to_owned()),
            ("name".to_owned(), name.to_owned()),
        ];
        for (i, (agent, role, provider)) in rows.iter().enumerate() {
            form.push((format!("agents[{i}][name]"), agent.to_string()));
            form.push((format!("agents[{i}][role]"), role.to_string()));
            form.push((format!("agents[{i}][provider]"), provider.to_string()));
        }
        form
    };
    let send = |form: Vec<(String, String)>| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.server_fn("/fn/teams/create", &pairs).await
        }
    };

    let cases = [
        (
            custom("  ", &[("Lead", "lead", "anthropic")]),
            "Give the team a name.",
        ),
        (
            custom(
                "Night Shift",
                &[("Pat", "lead", "anthropic"), ("pat", "tester", "anthropic")],
            ),
            "Two agents are called “pat”: give each agent its own name.",
        ),
        (
            custom("Night Shift", &[("Pat", "lead", "acme-ai")]),
            "There is no provider called “acme-ai”.",
        ),
        (
            custom("Night Shift", &[("Pat", "chef", "anthropic")]),
            "“Pat” has no role we know: choose one from the list.",
        ),
        (
            custom("Night Shift", &[("", "lead", "anthropic")]),
            "Add at least one agent, with a name.",
        ),
    ];
    for (form, expected) in cases {
        let (status, body) = error_of(send(form).await).await;
        assert_eq!(status, 400);
        assert_eq!(body["BadRequest"], expected);
    }
    let (status, body) =
        error_of(send(custom("Night Shift", &[("Pat", "lead", "openai")])).await).await;
    assert_eq!(
        (status, body),
        (400, serde_json::json!({ "NeedsProvider": "openai" }))
    );
    assert!(
        workspace(&app).await["teams"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing stored"
    );

    // A good one; the empty third row is dropped, as a plain form removes an agent.
    let ok = send(custom(
        "Night Shift",
        &[
            ("Pat", "lead", "anthropic"),
            ("Sam", "reviewer", "github"),
            ("", "tester", "anthropic"),
        ],
    ))
    .await;
    assert!(
        ok.status().is_success() || ok.status().is_redirection(),
        "{}",
        ok.status()
    );
    let team = workspace(&app).await["teams"][0].clone();
    assert_eq!(team["name"], "Night Shift");
    assert_eq!(team["template"], "custom");
    assert_eq!(team["agents"].as_array().unwrap().len(), 2);
    assert_eq!(team["agents"][1]["provider"], "github");
}

#[tokio::test]
async fn a_team_exports_as_teams_json() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    crate::onboarding::choose_a_repository(&app).await;
    app.paste_new_key("anthropic").await;
    app.server_fn(
        "/fn/teams/create",
        &[("template", "code-review"), ("provider", "anthropic")],
    )
    .await;
    let ws = workspace(&app).await;
    let id = ws["teams"][0]["id"].as_str().unwrap().to_owned();

    let response = app.get(&format!("/teams/{id}/teams.json")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"teams.json\""
    );
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc["version"], 1);
    let team = &doc["teams"][0];
    assert_eq!(team["name"], "Code Review Team");
    assert_eq!(team["defaultProvider"], "anthropic");
    let chosen: Vec<Value> = ws["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["full_name"].clone())
        .collect();
    assert_eq!(team["repositories"], Value::Array(chosen));
    assert_eq!(
        team["agents"][0],
        serde_json::json!({ "name": "Architect", "role": "architect", "provider": "anthropic", "cli": "claude" })
    );

    // Not someone else's team, and not without a session.
    assert_eq!(
        app.get("/teams/no-such-team/teams.json").await.status(),
        404
    );
    let stranger = reqwest::Client::new();
    assert_eq!(
        stranger
            .get(app.url(&format!("/teams/{id}/teams.json")))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn finishing_records_completion_and_later_sign_ins_land_on_the_dashboard() {
    let app = spawn_app().await;
    assert_eq!(app.sign_in("ada").await, "/onboarding/repositories");
    crate::onboarding::choose_a_repository(&app).await;
    app.paste_new_key("anthropic").await;
    app.server_fn("/fn/onboarding/continue", &[("step", "providers")])
        .await;
    app.server_fn(
        "/fn/teams/create",
        &[("template", "code-review"), ("provider", "anthropic")],
    )
    .await;

    let ws = workspace(&app).await;
    assert_eq!(ws["repositories"].as_array().unwrap().len(), 1);
    assert_eq!(ws["providers"], serde_json::json!(["anthropic", "github"]));
    assert!(ws["dashboard_url"]
        .as_str()
        .unwrap()
        .ends_with("/dashboard"));
    let html = app.get("/onboarding/ready").await.text().await.unwrap();
    for text in [
        "all set!",
        "1 connected",
        "Claude, Copilot",
        "Code Review Team",
        "Open Dashboard →",
    ] {
        assert!(html.contains(text), "the ready page lacks {text}");
    }

    let done = app
        .server_fn("/fn/onboarding/continue", &[("step", "ready")])
        .await;
    assert!(done.status().is_success() || done.status().is_redirection());
    let (step, at): (String, Option<i64>) = db::fetch_one!(
        app.db(),
        sqlx::query_as("SELECT onboarding_step, onboarded_at FROM users")
    )
    .unwrap();
    assert_eq!(step, "completed");
    assert!(at.is_some(), "completion is recorded");

    // A step reopened from the dashboard ("Create another team") returns there.
    let another = app
        .server_fn(
            "/fn/teams/create",
            &[
                ("template", "feature-development"),
                ("provider", "anthropic"),
            ],
        )
        .await;
    let to = if another.status().is_redirection() {
        crate::helpers::location(&another)
    } else {
        another.json::<String>().await.unwrap()
    };
    assert_eq!(to, "/dashboard");
    assert_eq!(workspace(&app).await["teams"].as_array().unwrap().len(), 2);

    // A new browser signing in again lands on the dashboard.
    let again = crate::helpers::TestApp {
        client: crate::helpers::browser(),
        ..app
    };
    assert_eq!(again.sign_in("ada").await, "/dashboard");
    let dashboard = again.get("/dashboard").await.text().await.unwrap();
    assert!(dashboard.contains("Code Review Team") && dashboard.contains("Download teams.json"));
}
