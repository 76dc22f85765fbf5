//! The development GitHub behaves like a careful token server.

use std::collections::HashSet;

use reqwest::header::LINK;

use dev_providers::DevSettings;

use crate::helpers::{defaults, spawn, spawn_with, StandIns};

const VERIFIER: &str = "a-pkce-verifier-of-the-test-client-43-characters-or-more";

/// Runs the browser part of a GitHub login and returns (code, verifier).
async fn code_and_verifier(app: &StandIns) -> (String, String) {
    let authorize = app.authorize_url("github", VERIFIER);
    let callback = app.decide(&authorize, "ada", "authorize").await;
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    (code, VERIFIER.to_owned())
}

async fn redeem(app: &StandIns, code: &str, verifier: &str) -> reqwest::Response {
    let dev = app.base.clone();
    app.client
        .post(dev.join("github/token").unwrap())
        .header("Accept", "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &app.redirect_uri("github")),
            ("code_verifier", verifier),
            ("client_id", "relay-dev"),
            ("client_secret", "relay-dev-secret"),
        ])
        .send()
        .await
        .unwrap()
}

async fn github_get(app: &StandIns, url: &str, token: &str) -> reqwest::Response {
    app.client.get(url).bearer_auth(token).send().await.unwrap()
}

#[tokio::test]
async fn a_code_works_once_and_its_replay_revokes_the_tokens() {
    // The RFC behaviour (HTTP 400): GitHub's quirk of answering 200 is off.
    let app = spawn_with(DevSettings {
        quirks: false,
        ..defaults()
    })
    .await;
    let (code, verifier) = code_and_verifier(&app).await;

    let first: serde_json::Value = redeem(&app, &code, &verifier).await.json().await.unwrap();
    let token = first["access_token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("dev_at_"));
    assert!(first["refresh_token"]
        .as_str()
        .unwrap()
        .starts_with("dev_rt_"));
    let user_url = app.url("github/api/user");
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
    let app = spawn_with(DevSettings {
        quirks: false,
        ..defaults()
    })
    .await;
    let (code, _) = code_and_verifier(&app).await;

    let response = redeem(&app, &code, &"y".repeat(64)).await;

    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn the_token_endpoint_answers_in_form_encoding_unless_asked_for_json() {
    let app = spawn().await;
    let dev = app.base.clone();

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
    let app = spawn().await;
    let (code, verifier) = code_and_verifier(&app).await;
    let tokens: serde_json::Value = redeem(&app, &code, &verifier).await.json().await.unwrap();
    let token = tokens["access_token"].as_str().unwrap();
    let dev = app.base.clone();

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
    let app = spawn().await;
    let dev = app.base.clone();

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
    let app = spawn().await;
    let mut authorize = app.authorize_url("github", VERIFIER);
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
