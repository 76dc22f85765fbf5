//! `/oauth/start` and the one callback per provider, `/oauth/callback/<provider>`.
//! A failure never ends in a bare error body: it lands on `/signin/failed`.

use app::backend::signin::{self, CallbackQuery};
use app::backend::AppState;
use app::models::LoginFailure;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    provider: Option<String>,
}

pub async fn start(
    State(app): State<AppState>,
    session: Session,
    query: Result<Query<StartQuery>, QueryRejection>,
) -> Response {
    let provider = query
        .ok()
        .and_then(|Query(q)| q.provider)
        .unwrap_or_else(|| app.providers.github().id.to_owned());
    if provider != app.providers.github().id {
        return failed(LoginFailure::UnknownProvider);
    }
    match signin::begin(&app, &session).await {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(failure) => failed(failure),
    }
}

pub async fn callback(
    State(app): State<AppState>,
    session: Session,
    Path(provider): Path<String>,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    if provider != app.providers.github().id {
        return failed(LoginFailure::UnknownProvider);
    }
    let Ok(Query(query)) = query else {
        return failed(LoginFailure::StateMismatch);
    };
    match signin::complete(&app, &session, query).await {
        Ok(path) => Redirect::to(&path).into_response(),
        Err(failure) => failed(failure),
    }
}

fn failed(failure: LoginFailure) -> Response {
    Redirect::to(&format!("/signin/failed?reason={}", failure.slug())).into_response()
}
