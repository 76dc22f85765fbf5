//! The development GitHub behaves like a careful token server.

use std::collections::HashSet;

use reqwest::header::LINK;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

/// Runs the browser part of a sign-in and returns (code, verifier) without
/// letting Relay redeem the code.
async fn code_and_verifier(app: &TestApp) -> (String, String) {
    let authorize = app.start_sign_in().await;
    let callback = app.decide(&authorize, "ada", "authorize").await;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let verifier: String = sqlx::query_scalar("SELECT pkce_verifier FROM oauth_states")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    (code, verifier)
}

async fn redeem(app: &TestApp, code: &str, verifier: &str) -> reqwest::Response {
    let dev = app.running.dev_providers_url.clone().unwrap();
    app.client
        .post(dev.join("github/token").unwrap())
        .header("Accept", "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", app.url("/oauth/callback/github").as_str()),
            ("code_verifier", verifier),
            ("client_id", "relay-dev"),
            ("client_secret", "relay-dev-secret"),
        ])
        .send()
        .await
        .unwrap()
}

async fn github_get(app: &TestApp, url: &str, token: &str) -> reqwest::Response {
    app.client.get(url).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn a_code_works_once_and_its_replay_revokes_the_tokens() {
    // The RFC behaviour (HTTP 400): GitHub's quirk of answering 200 is off.
    let app = spawn_app_with(&[("RELAY_DEV_QUIRKS", "off")]).await;
    let (code, verifier) = code_and_verifier(&app).await;

    let first: serde_json::Value = redeem(&app, &code, &verifier).await.json().await.unwrap();
    let token = first["access_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("dev_at_"));
    assert!(first["refresh_token"]
        .as_str()
        .unwrap()
        .starts_with("dev_rt_"));
    let user_url = app
        .running
        .dev_providers_url
        .clone()
        .unwrap()
        .join("github/api/user")
        .unwrap();
    assert_eq!(
        github_get(&app, user_url.as_str(), &token).await.status(),
        200
    );

    let replay = redeem(&app, &code, &verifier).await;

    assert_eq!(replay.status(), 400);
    let body: serde_json::Value = replay.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        github_get(&app, user_url.as_str(), &token).await.status(),
        401,
        "tokens of a replayed code are revoked"
    );
}

#[tokio::test]
async fn a_wrong_verifier_is_rejected() {
    let app = spawn_app_with(&[("RELAY_DEV_QUIRKS", "off")]).await;
    let (code, _) = code_and_verifier(&app).await;

    let response = redeem(&app, &code, &"y".repeat(64)).await;

    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn the_token_endpoint_answers_in_form_encoding_unless_asked_for_json() {
    let app = spawn_app().await;
    let dev = app.running.dev_providers_url.clone().unwrap();

    let response = app
        .client
        .post(dev.join("github/token").unwrap())
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();

    assert_eq!(
        response.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("error=invalid_client"));
}

#[tokio::test]
async fn repositories_are_paginated_with_link_headers() {
    let app = spawn_app().await;
    let (code, verifier) = code_and_verifier(&app).await;
    let tokens: serde_json::Value = redeem(&app, &code, &verifier).await.json().await.unwrap();
    let token = tokens["access_token"].as_str().unwrap();
    let dev = app.running.dev_providers_url.clone().unwrap();

    let mut next = Some(
        dev.join("github/api/user/repos?per_page=50")
            .unwrap()
            .to_string(),
    );
    let mut names = Vec::new();
    let mut pages = 0;
    while let Some(url) = next.take() {
        let response = github_get(&app, &url, token).await;
        assert_eq!(response.status(), 200);
        next = response.headers().get(LINK).and_then(|l| {
            l.to_str()
                .unwrap()
                .split(", ")
                .find(|p| p.ends_with("rel=\"next\""))
                .map(|p| p[1..p.find('>').unwrap()].to_owned())
        });
        let page: Vec<serde_json::Value> = response.json().await.unwrap();
        names.extend(
            page.iter()
                .map(|r| r["full_name"].as_str().unwrap().to_owned()),
        );
        pages += 1;
    }

    assert!(
        (240..=300).contains(&names.len()),
        "{} repositories",
        names.len()
    );
    assert_eq!(pages, names.len().div_ceil(50));
    assert_eq!(
        names.iter().collect::<HashSet<_>>().len(),
        names.len(),
        "no repository twice"
    );
}

#[tokio::test]
async fn the_api_refuses_missing_or_unknown_tokens() {
    let app = spawn_app().await;
    let dev = app.running.dev_providers_url.clone().unwrap();

    let none = app
        .client
        .get(dev.join("github/api/user").unwrap())
        .send()
        .await
        .unwrap();
    let bad = github_get(
        &app,
        dev.join("github/api/user/repos").unwrap().as_str(),
        "dev_at_made_up",
    )
    .await;

    assert_eq!(none.status(), 401);
    assert_eq!(bad.status(), 401);
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect() {
    let app = spawn_app().await;
    let mut authorize = app.start_sign_in().await;
    let pairs: Vec<(String, String)> = authorize
        .query_pairs()
        .map(|(k, v)| {
            if k == "redirect_uri" {
                (k.into_owned(), "https://evil.example/cb".to_owned())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    authorize.query_pairs_mut().clear().extend_pairs(pairs);

    let response = app.client.get(authorize).send().await.unwrap();

    assert_eq!(response.status(), 400);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Redirect URI mismatch"));
}
