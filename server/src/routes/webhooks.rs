//! `POST /webhooks/github`: GitHub's deliveries for the chosen repositories.
//! Signature, freshness and replay are checked by `app::repositories::webhooks`.
//! Bodies are capped by `MAX_BODY_BYTES` like every request; pull_request and
//! issues payloads are well under it.

use app::platform::AppState;
use app::repositories::webhooks;
use app::repositories::webhooks::{Outcome, ReceiveError, Rejection};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub async fn github(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(secret) = app.github_webhook_secret.as_deref() else {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "webhooks are not configured here (RELAY_GITHUB_WEBHOOK_SECRET)",
        );
    };
    // Nothing in an unverified body is looked at.
    if let Err(rejection) = webhooks::verify(secret, &body, header("x-hub-signature-256")) {
        tracing::warn!(%rejection, "webhook delivery refused");
        return refuse(rejection);
    }
    if header("x-github-event") == Some("ping") {
        return answer(StatusCode::OK, "pong");
    }
    match webhooks::receive(
        &app.db,
        header("x-github-delivery"),
        header("x-github-event"),
        &body,
        &app.clock,
    )
    .await
    {
        Ok(Outcome::Recorded(users)) => (
            StatusCode::ACCEPTED,
            Json(json!({ "recorded": true, "users": users })),
        )
            .into_response(),
        Ok(Outcome::Ignored(why)) => (
            StatusCode::ACCEPTED,
            Json(json!({ "recorded": false, "reason": why })),
        )
            .into_response(),
        Err(ReceiveError::Rejected(rejection)) => {
            tracing::warn!(%rejection, "webhook delivery refused");
            refuse(rejection)
        }
        Err(ReceiveError::Backend(e)) => {
            tracing::error!(error = %e, "recording a webhook delivery failed");
            answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not record the delivery; GitHub may redeliver it",
            )
        }
    }
}

fn refuse(rejection: Rejection) -> Response {
    let status = match rejection {
        Rejection::Unsigned | Rejection::BadSignature => StatusCode::UNAUTHORIZED,
        Rejection::Replayed => StatusCode::CONFLICT,
        Rejection::Malformed(_) | Rejection::Stale => StatusCode::BAD_REQUEST,
    };
    answer(status, &rejection.to_string())
}

fn answer(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}
